"""The database alone: counts, fixtures and Cypher replay straight over the server's socket."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import redis

from graph_db.falkordb import decode_result, render

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Statement:
    """One statement a request ran, as exposed by the service (GRAPH_API_EXPOSE_QUERIES)."""

    kind: str  # read | write
    query: str
    params: dict[str, Any]
    service_ms: float  # what the service measured around its own driver call

    @classmethod
    def from_exposed(cls, item: Mapping[str, Any]) -> Statement:
        return cls(str(item["kind"]), str(item["query"]), dict(item["params"]), float(item["ms"]))


def check_name(value: str) -> str:
    # Labels and relationship types cannot be parameters: allow plain identifiers only.
    if not _NAME.match(value):
        raise ValueError(f"not a plain label or relationship type: {value!r}")
    return value


class Direct(Protocol):
    """The database alone, whichever engine: DirectGraph (FalkorDB), bench.on_neo4j.Neo4jDirect."""

    def query(
        self, text: str, params: Mapping[str, Any] | None = None, *, timeout_ms: int = ...
    ) -> list[dict[str, Any]]: ...

    def counts(self, names: Sequence[str]) -> dict[str, int]: ...

    def ids(self, label: str) -> list[str]: ...

    def run_sequence(self, statements: Sequence[Statement], *, allow_writes: bool) -> float: ...

    def close(self) -> None: ...


class DatasetReads:
    """Counts and ids of the dataset through an engine's `query`: what both clients share."""

    def query(
        self, text: str, params: Mapping[str, Any] | None = None, *, timeout_ms: int = 300_000
    ) -> list[dict[str, Any]]:
        raise NotImplementedError

    def count(self, name: str) -> int:
        """Nodes of a label (PascalCase) or relationships of a type (UPPER_SNAKE)."""
        name = check_name(name)
        if name.isupper():
            rows = self.query(f"MATCH ()-[r:{name}]->() RETURN count(r) AS n")
        else:
            rows = self.query(f"MATCH (n:{name}) RETURN count(n) AS n")
        return int(rows[0]["n"])

    def counts(self, names: Sequence[str]) -> dict[str, int]:
        return {name: self.count(name) for name in names}

    def ids(self, label: str) -> list[str]:
        rows = self.query(f"MATCH (n:{check_name(label)}) RETURN n.id AS id ORDER BY id")
        return [row["id"] for row in rows]


class DirectGraph(DatasetReads):
    """A synchronous client on the embedded server's unix socket: no API, no asyncio."""

    def __init__(self, unix_socket: str, graph: str, *, timeout_ms: int = 10_000) -> None:
        self.graph = graph
        self.timeout_ms = timeout_ms
        # No client-side socket timeout: FalkorDB's own per-query timeout bounds every call.
        self._redis = redis.Redis(
            unix_socket_path=unix_socket, decode_responses=True, socket_timeout=None
        )

    def close(self) -> None:
        self._redis.close()

    def query(
        self, text: str, params: Mapping[str, Any] | None = None, *, timeout_ms: int = 300_000
    ) -> list[dict[str, Any]]:
        """A read-only query for counts and fixtures (whole-graph scans: a long time limit)."""
        reply = self._redis.execute_command(
            "GRAPH.RO_QUERY", self.graph, render(text, dict(params or {})), "--compact",
            "timeout", timeout_ms,
        )
        return decode_result(reply)

    def run_sequence(self, statements: Sequence[Statement], *, allow_writes: bool) -> float:
        """Run a request's statements in order, as the service did; seconds taken."""
        commands = []
        for st in statements:
            if st.kind != "read" and not allow_writes:
                raise ValueError("refusing to replay a write against the benchmark dataset")
            command = "GRAPH.RO_QUERY" if st.kind == "read" else "GRAPH.QUERY"
            commands.append((command, self.graph, render(st.query, st.params), "--compact",
                             "timeout", self.timeout_ms))
        started = time.perf_counter()
        for command in commands:
            reply = self._redis.execute_command(*command)
            if reply and isinstance(reply[-1], redis.ResponseError):
                raise reply[-1]
        return time.perf_counter() - started
