"""`--backend neo4j`: a real Neo4j 5 for one bench run, loaded through the seed path.

The server is the test suite's (tests/neo4j_server.py: the launcher in tools/neo4j, built by
`make neo4j`), or the one `GRAPH_API_NEO4J_URI` names, which is treated as throwaway: it is
emptied before the load. Nothing is cached across runs: each run loads the dataset afresh
with the same steps (`graph_db/seed.py` through `graph_api.database.open_database`) the
FalkorDB build runs, so the identical repository code writes it; the load is timed.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j

from bench.dataset import Dataset, DatasetError, Log, expected_counts
from bench.direct import DatasetReads, Statement
from bench.registry import Step
from bench.scales import Scale
from bench.stats import dataset_problems


@dataclass(frozen=True)
class Neo4jTarget:
    """Where the bench's Neo4j listens, and its JVM (None when the server is external)."""

    uri: str
    pid: int | None
    user: str = "neo4j"
    password: str = ""
    database: str = "neo4j"

    @property
    def external(self) -> bool:
        return self.pid is None

    def service_env(self) -> dict[str, str]:
        """The service's settings that point it at this server."""
        return {
            "GRAPH_API_NEO4J_URI": self.uri,
            "GRAPH_API_NEO4J_USER": self.user,
            "GRAPH_API_NEO4J_PASSWORD": self.password,
            "GRAPH_API_NEO4J_DATABASE": self.database,
        }


@contextlib.contextmanager
def started(work_dir: Path) -> Iterator[Neo4jTarget]:
    """The configured Neo4j, or a new one from the launcher (stopped afterwards)."""
    from tests import neo4j_server

    reason = neo4j_server.unavailable_reason()
    if reason is not None:
        raise DatasetError(f"--backend neo4j needs a Neo4j 5: {reason}")
    work_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = neo4j_server.start(work_dir)
    except RuntimeError as exc:
        raise DatasetError(str(exc)) from exc
    try:
        yield Neo4jTarget(
            uri=server.uri,
            pid=server.process.pid if server.process is not None else None,  # `run` execs java
            user=os.environ.get("GRAPH_API_NEO4J_USER", "neo4j"),
            password=os.environ.get("GRAPH_API_NEO4J_PASSWORD", ""),
            database=os.environ.get("GRAPH_API_NEO4J_DATABASE", "neo4j"),
        )
    finally:
        server.stop()


class Neo4jDirect(DatasetReads):
    """The database alone, as `bench.direct.DirectGraph` is for FalkorDB: counts, fixtures and
    replay with the synchronous driver (no API, no asyncio). A replayed statement runs as the
    service runs it: `execute_query`, one managed transaction each, the same routing."""

    def __init__(self, target: Neo4jTarget, *, timeout_ms: int = 10_000) -> None:
        self.timeout_ms = timeout_ms
        self._database = target.database
        self._driver = neo4j.GraphDatabase.driver(
            target.uri, auth=(target.user, target.password), notifications_min_severity="OFF"
        )

    def close(self) -> None:
        self._driver.close()

    def _run(
        self, text: str, params: Mapping[str, Any] | None, *, write: bool, timeout_ms: int
    ) -> list[dict[str, Any]]:
        records, _, _ = self._driver.execute_query(
            neo4j.Query(text, timeout=timeout_ms / 1000), dict(params or {}),
            database_=self._database,
            routing_=neo4j.RoutingControl.WRITE if write else neo4j.RoutingControl.READ,
        )
        return [record.data() for record in records]

    def query(
        self, text: str, params: Mapping[str, Any] | None = None, *, timeout_ms: int = 300_000
    ) -> list[dict[str, Any]]:
        """A read-only query for counts and fixtures (whole-graph scans: a long time limit)."""
        return self._run(text, params, write=False, timeout_ms=timeout_ms)

    def run_sequence(self, statements: Sequence[Statement], *, allow_writes: bool) -> float:
        """Run a request's statements in order, as the service did; seconds taken."""
        if not allow_writes and any(st.kind != "read" for st in statements):
            raise ValueError("refusing to replay a write against the benchmark dataset")
        started = time.perf_counter()
        for st in statements:
            self._run(st.query, st.params, write=st.kind != "read", timeout_ms=self.timeout_ms)
        return time.perf_counter() - started

    def empty(self) -> None:
        """Delete everything, in batches (an external server's previous contents)."""
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, not a managed one.
        with self._driver.session(database=self._database) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


async def load(
    scale: Scale, steps: Sequence[Step], target: Neo4jTarget, directory: Path, *, log: Log
) -> Dataset:
    """Load the scale's dataset into an empty Neo4j with the steps' generators, verify it."""
    from graph_api.config import Settings
    from graph_api.database import open_database

    expected = expected_counts(steps, scale)
    direct = Neo4jDirect(target)
    try:
        if direct.query("MATCH (n) RETURN count(n) AS n")[0]["n"]:
            log(f"neo4j: {target.uri} is not empty: deleting its contents first")
            direct.empty()
        settings = Settings(
            env="development", neo4j_uri=target.uri, neo4j_user=target.user,
            neo4j_password=target.password, neo4j_database=target.database,
            query_timeout_ms=120_000,
        )
        log(f"dataset: loading {scale.name} into Neo4j at {target.uri} (nothing is cached)")
        manifest: dict[str, Any] = {
            "scale": scale.name, "params": dict(scale.params), "seed": scale.seed,
            "missing": list(scale.missing), "expected": expected, "steps": {},
            "backend": "neo4j",
        }
        started = time.perf_counter()
        db = await open_database(settings)
        try:
            manifest["migrate_seconds"] = round(time.perf_counter() - started, 1)
            for step in steps:
                log(f"  step {step.name}: {', '.join(f'{p}={scale.params[p]:,}' for p in step.params)}")
                t0 = time.perf_counter()
                await step.run(db.backend, scale)
                manifest["steps"][step.name] = {"done": True, "seconds": round(time.perf_counter() - t0, 1)}
                log(f"  step {step.name}: done in {time.perf_counter() - t0:.1f}s")
        finally:
            await db.close()
        actual = direct.counts(sorted(expected))
        problems = dataset_problems(expected, actual)
        if problems:
            raise DatasetError("; ".join(problems))
        manifest["counts"] = actual
        names = sorted({name for step in steps for name in step.derived} - set(expected))
        manifest["derived"] = direct.counts(names)
        empty = [name for name, n in manifest["derived"].items() if n == 0]
        if empty:
            raise DatasetError(f"the generators made no {', '.join(empty)}")
        manifest["build_seconds"] = round(time.perf_counter() - started, 1)
        manifest["complete"] = True
        log(f"dataset: loaded into Neo4j and verified in {manifest['build_seconds']:.1f}s")
    finally:
        direct.close()
    return Dataset(scale, directory, manifest)
