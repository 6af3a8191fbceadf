"""`make bench BENCH_ARGS="--backend neo4j"`: the dataset loaded into a real Neo4j through the
seed path with exact counts, and the direct client the bench uses for fixtures and replay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bench import domains, on_neo4j
from bench.cli import parser
from bench.direct import Statement
from bench.scales import parse_scale, with_missing
from graph_db.neo4j import Neo4jBackend
from tests import neo4j_server

TINY = ("people=60", "follows=150", "groups=2", "posts=80", "likes=200", "mentorships=5",
        "conversations=40", "messages=300")


@pytest.fixture
async def target(
    neo4j_process: neo4j_server.Neo4jServer, neo4j_pool: Neo4jBackend
) -> AsyncIterator[on_neo4j.Neo4jTarget]:
    """The session's Neo4j as the bench sees it; emptied again afterwards for the next test."""
    yield on_neo4j.Neo4jTarget(uri=neo4j_process.uri, pid=None)
    await neo4j_pool.drop_all()


def test_the_default_backend_is_still_the_embedded_falkordb() -> None:
    assert parser().parse_args([]).backend == "falkordb"
    assert parser().parse_args(["--backend", "neo4j"]).backend == "neo4j"
    with pytest.raises(SystemExit):
        parser().parse_args(["--backend", "sqlite"])


@pytest.mark.neo4j
async def test_neo4j_load_writes_exact_counts_through_the_seed_path(
    target: on_neo4j.Neo4jTarget, neo4j_pool: Neo4jBackend, tmp_path: Path
) -> None:
    await neo4j_pool.drop_all()
    await neo4j_pool.write("CREATE (:Leftover {id: 'x'})")  # an external server's old contents
    produced = [p for step in domains.STEPS for p in step.params]
    scale = with_missing(parse_scale("tiny", TINY, 7), produced)

    dataset = await on_neo4j.load(scale, domains.STEPS, target, tmp_path, log=lambda _: None)

    assert dataset.manifest["backend"] == "neo4j"
    assert dataset.manifest["counts"] == dataset.manifest["expected"]
    assert dataset.manifest["expected"]["Person"] == 60
    assert dataset.manifest["expected"]["LIKED"] == 200
    assert all(n > 0 for n in dataset.derived.values())
    assert set(dataset.manifest["steps"]) == {step.name for step in domains.STEPS}
    rows = await neo4j_pool.read("MATCH (n:Leftover) RETURN count(n) AS n")
    assert rows[0]["n"] == 0
    # The counts the bench verifies before and after a run, read again independently.
    rows = await neo4j_pool.read("MATCH (:Person)-[r:FOLLOWS]->(:Person) RETURN count(r) AS n")
    assert rows[0]["n"] == 150


@pytest.mark.neo4j
async def test_neo4j_direct_reads_fixtures_replays_reads_and_refuses_unasked_writes(
    target: on_neo4j.Neo4jTarget, neo4j_pool: Neo4jBackend
) -> None:
    await neo4j_pool.drop_all()
    await neo4j_pool.write("UNWIND ['p2', 'p1', 'p3'] AS id CREATE (:Person {id: id})")
    direct = on_neo4j.Neo4jDirect(target)
    try:
        assert direct.ids("Person") == ["p1", "p2", "p3"]
        assert direct.counts(["Person", "FOLLOWS"]) == {"Person": 3, "FOLLOWS": 0}
        with pytest.raises(ValueError):
            direct.count("Person) DETACH DELETE (n")
        read = Statement("read", "MATCH (p:Person {id: $id}) RETURN p.id AS id", {"id": "p1"}, 0.0)
        assert direct.run_sequence([read, read], allow_writes=False) >= 0
        write = Statement(
            "write",
            "MATCH (a:Person {id: $a}), (b:Person {id: $b}) MERGE (a)-[:FOLLOWS]->(b)",
            {"a": "p1", "b": "p2"}, 0.0,
        )
        with pytest.raises(ValueError):
            direct.run_sequence([read, write], allow_writes=False)
        assert direct.count("FOLLOWS") == 0
        direct.run_sequence([write, write], allow_writes=True)  # an idempotent write, replayed
        assert direct.count("FOLLOWS") == 1
    finally:
        direct.close()


def _record(backend: str, p50: float, rps: float, errors: int) -> dict[str, object]:
    phase = {"p50_ms": p50, "rps": 0.0, "db_cpu_ms": 1.0, "errors": 0}
    return {
        "started": "2026-12-04T18:00:00+00:00", "scale": {"name": "S"}, "git": {"commit": "abc1234def"},
        "ok": errors == 0, "settings": {"concurrency": [1, 32]},
        "machine": {"cores": 2, "load_average_before": [3.0, 2.0, 1.0],
                    "load_average_after": [4.0, 2.0, 1.0]},
        "backend": {"name": backend, "load_seconds": 157.0} if backend == "neo4j" else {"name": backend},
        "results": [{"operation": "me", "overhead": 1.5, "phases": {
            "1": phase, "32": {**phase, "p50_ms": 99.0, "rps": rps, "errors": errors}}}],
    }


def test_compare_puts_each_engines_p50_at_one_client_and_rps_at_32_side_by_side() -> None:
    from bench import compare

    records = [_record("neo4j", 12.5, 80.0, 2), _record("falkordb", 2.25, 900.0, 0)]
    lines = compare.table(records).splitlines()
    assert lines[0].split() == [
        "operation", "neo4j", "p50", "ms", "c=1", "neo4j", "req/s", "c=32", "neo4j", "db", "cpu", "ms",
        "c=32", "neo4j", "overhead", "falkordb", "p50", "ms", "c=1", "falkordb", "req/s", "c=32",
        "falkordb", "db", "cpu", "ms", "c=32", "falkordb", "overhead",
    ]
    assert lines[2].split() == ["me", "12.50", "80.0", "E", "1.00", "1.50", "2.25", "900.0", "1.00", "1.50"]
    heads = compare.header(records)
    assert heads[0].startswith("neo4j: scale S") and "loaded in 157s" in heads[0]
    assert "reported problems" in heads[0] and "cached dataset" in heads[1]
    assert "load average before 3.00" in heads[1]
