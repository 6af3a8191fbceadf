"""The synthetic network: built once per parameters into an embedded data dir, then reused.

bench/.cache/<scale>-<key>/
    manifest.json   parameters, steps done (resume point), verified counts, `complete`
    data/           a GRAPH_API_DATA_DIR: the embedded FalkorDB files, compacted to a snapshot
Each run serves a throwaway copy of data/, so mutations never change the cache.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import json
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.direct import Direct, DirectGraph
from bench.registry import Step
from bench.scales import Scale
from bench.stats import dataset_problems

ROOT = Path(__file__).resolve().parent.parent
GRAPH = "graph_api"  # the service's default GRAPH_API_FALKORDB_GRAPH
Log = Callable[[str], None]


class DatasetError(RuntimeError):
    """The dataset cannot be built or does not match its parameters."""


PROJECT_PACKAGES = ("graph_db", "graph_api", "resolvers", "schema", "bench")


def _module_file(name: str) -> Path | None:
    """The project file a dotted module name is, if it is one of ours."""
    if name.split(".")[0] not in PROJECT_PACKAGES:
        return None
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> set[str]:
    """The modules `path` imports (absolute imports; `from a import b` also tries a.b)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def code_closure(roots: Sequence[str]) -> list[Path]:
    """Every project file the modules `roots` import, transitively (with their packages'
    __init__ files): the code that can decide what a build stores."""
    seen: set[Path] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            path = _module_file(".".join(parts[:depth]))
            if path is not None and path not in seen:
                seen.add(path)
                pending.extend(_imports(path))
    return sorted(seen)


# Where a build's writes go through: the generators of `graph-api seed`, the migrations and
# the database layer the build opens (`_build` below). Their imports are followed.
BUILD_PATH = ("graph_db.seed", "graph_db.migrations", "graph_api.database")


def fingerprint(steps: Sequence[Step]) -> str:
    """Hash of the code that decides what is stored: everything of ours the build path
    imports, transitively (generators, the repositories they call, migrations, the database
    layer), this module, each step's module, and the files steps name as `sources`. A change
    to any of it means a rebuild; a change to code a build never runs (a read query, a
    resolver, an operation's check) does not."""
    digest = hashlib.sha256()
    files = {path.relative_to(ROOT).as_posix() for path in code_closure(BUILD_PATH)}
    files |= {"bench/dataset.py", *(src for step in steps for src in step.sources)}
    files |= {step.run.__module__.replace(".", "/") + ".py" for step in steps}
    for path in sorted(files):
        digest.update(path.encode())
        if (ROOT / path).exists():
            digest.update((ROOT / path).read_bytes())
    return digest.hexdigest()


def expected_counts(steps: Sequence[Step], scale: Scale) -> dict[str, int]:
    expected: dict[str, int] = {}
    for step in steps:
        for key, value in step.expect(scale).items():
            if key in expected and expected[key] != value:
                raise DatasetError(f"steps disagree on how many {key} there should be")
            expected[key] = value
    return expected


@dataclass
class Dataset:
    scale: Scale
    directory: Path
    manifest: dict[str, Any]

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def expected(self) -> dict[str, int]:
        """Counts set by parameters, and the derived counts this build produced."""
        return {**self.manifest["expected"], **self.manifest.get("derived", {})}

    @property
    def derived(self) -> dict[str, int]:
        return dict(self.manifest.get("derived", {}))

    def copy_for_run(self, target: Path) -> Path:
        """A private copy of the data dir for one service run (mutations stay there)."""
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(
            self.data_dir, target,
            ignore=shutil.ignore_patterns("*.sock", "graph-api.lock", "*.log"),
        )
        return target


def _write_manifest(directory: Path, manifest: Mapping[str, Any]) -> None:
    tmp = directory / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    tmp.replace(directory / "manifest.json")


def verify(graph: Direct, expected: Mapping[str, int]) -> dict[str, int]:
    """Count what is there; raise DatasetError when it is not what the parameters say."""
    actual = graph.counts(sorted(expected))
    problems = dataset_problems(expected, actual)
    if problems:
        raise DatasetError("; ".join(problems))
    return actual


async def _compact(client: Any, log: Log) -> None:
    """Rewrite the append-only log as a snapshot, so a start loads it instead of replaying."""
    await client.execute_command("BGREWRITEAOF")
    while True:
        info = await client.info("persistence")
        if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
            break
        await asyncio.sleep(0.2)
    if info.get("aof_last_bgrewrite_status") != "ok":
        raise DatasetError(f"compacting the dataset failed: {info.get('aof_last_bgrewrite_status')}")
    log("  compacted the append-only log into a snapshot")


async def build(
    scale: Scale, steps: Sequence[Step], cache_root: Path, *, rebuild: bool, log: Log
) -> Dataset:
    """Reuse the cached dataset for these parameters, or build (resume) it."""
    from graph_api.config import Settings
    from graph_api.database import open_database

    key = scale.cache_key(fingerprint(steps))
    directory = cache_root / f"{scale.name}-{key}"
    manifest_path = directory / "manifest.json"
    expected = expected_counts(steps, scale)
    if rebuild and directory.exists():
        shutil.rmtree(directory)
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("complete"):
            log(f"dataset: reusing {directory}")
            return Dataset(scale, directory, manifest)
        log(f"dataset: resuming an interrupted build in {directory}")
    else:
        directory.mkdir(parents=True, exist_ok=True)
        manifest = {
            "scale": scale.name, "params": dict(scale.params), "seed": scale.seed, "key": key,
            "missing": list(scale.missing), "expected": expected, "steps": {}, "complete": False,
        }
        _write_manifest(directory, manifest)
        log(f"dataset: building {scale.name} into {directory}")
    settings = Settings(env="development", data_dir=directory / "data", query_timeout_ms=120_000)
    db = await open_database(settings)
    try:
        started = time.perf_counter()
        for step in steps:
            if manifest["steps"].get(step.name, {}).get("done"):
                continue
            log(f"  step {step.name}: {', '.join(f'{p}={scale.params[p]:,}' for p in step.params)}")
            t0 = time.perf_counter()
            await step.run(db.backend, scale)
            manifest["steps"][step.name] = {"done": True, "seconds": round(time.perf_counter() - t0, 1)}
            _write_manifest(directory, manifest)
            log(f"  step {step.name}: done in {time.perf_counter() - t0:.1f}s")
        assert db.server is not None
        graph = DirectGraph(db.server.unix_socket, GRAPH)
        try:
            manifest["counts"] = verify(graph, expected)
            names = sorted({name for step in steps for name in step.derived} - set(expected))
            manifest["derived"] = graph.counts(names)
        finally:
            graph.close()
        empty = [name for name, n in manifest["derived"].items() if n == 0]
        if empty:
            raise DatasetError(f"the generators made no {', '.join(empty)}")
        await _compact(db.backend.client, log)  # type: ignore[attr-defined]
        manifest["build_seconds"] = round(
            sum(s["seconds"] for s in manifest["steps"].values()), 1
        )
        log(f"dataset: built and verified in {time.perf_counter() - started:.1f}s")
    finally:
        await db.close()
    manifest["complete"] = True
    _write_manifest(directory, manifest)
    _prune(cache_root, scale.name, keep=directory, log=log)
    return Dataset(scale, directory, manifest)


def _prune(cache_root: Path, scale_name: str, *, keep: Path, log: Log) -> None:
    """Drop datasets of the same scale built from other parameters or generator code."""
    for other in cache_root.glob(f"{scale_name}-*"):
        if other != keep and other.is_dir() and other.name.count("-") == keep.name.count("-"):
            shutil.rmtree(other, ignore_errors=True)
            log(f"  removed stale dataset {other.name}")
