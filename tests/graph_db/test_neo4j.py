"""The Neo4j backend against the real server: error mapping, timeouts, retries, bookmarks."""

from __future__ import annotations

import asyncio
import logging
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from graph_api.bookmarks import RedisBookmarks
from graph_db.embedded import EmbeddedFalkorDB
from graph_db.errors import BackendError, BackendUnavailable
from graph_db.neo4j import Neo4jBackend
from tests.neo4j_server import Neo4jServer

pytestmark = pytest.mark.neo4j

# Enough work to outlast a one-second transaction timeout by far: Neo4j checks timeouts
# every two seconds (db.transaction.monitor.check.interval), and 5e7 rows took 1.9 s on a
# fast machine, finishing before the check. 4e8 rows take about 18 s there; rand() keeps
# the planner from folding the filter away.
SLOW = (
    "UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b "
    "WITH a, b WHERE a * rand() < 0 RETURN count(b) AS n"
)


@pytest.fixture
async def neo4j(neo4j_pool: Neo4jBackend) -> AsyncIterator[Neo4jBackend]:
    await neo4j_pool.drop_all()
    yield neo4j_pool


def backend(server: Neo4jServer, **options: object) -> Neo4jBackend:
    return Neo4jBackend(server.uri, user="neo4j", password="", **options)  # type: ignore[arg-type]


async def test_the_query_timeout_reaches_the_server(
    neo4j_process: Neo4jServer, neo4j: Neo4jBackend
) -> None:
    db = backend(neo4j_process, query_timeout_ms=1000)
    try:
        with pytest.raises(BackendUnavailable, match="too long"):
            await db.read(SLOW)
    finally:
        await db.close()


async def test_a_terminated_transaction_is_unavailable_not_internal(
    neo4j_process: Neo4jServer, neo4j: Neo4jBackend
) -> None:
    db = backend(neo4j_process)
    try:
        slow = asyncio.create_task(db.read(SLOW))
        terminated: list[dict[str, object]] = []
        for _ in range(200):  # until the slow transaction shows up (bounded)
            await asyncio.sleep(0.05)
            rows = await neo4j.write(
                "SHOW TRANSACTIONS YIELD transactionId AS id, currentQuery AS q "
                "WHERE q STARTS WITH 'UNWIND range(1, 20000) AS a' RETURN id"
            )
            if rows:
                terminated = await neo4j.write(
                    "TERMINATE TRANSACTIONS $ids YIELD transactionId RETURN transactionId",
                    {"ids": [r["id"] for r in rows]},
                )
                break
        assert terminated, "the slow transaction never appeared"
        with pytest.raises(BackendUnavailable):
            await slow
    finally:
        await db.close()


async def test_a_missing_database_is_unavailable(neo4j_process: Neo4jServer) -> None:
    db = backend(neo4j_process, database="nosuchdatabase")
    try:
        with pytest.raises(BackendUnavailable, match="does not exist"):
            await db.read("RETURN 1 AS one")
        assert await db.health() is False
    finally:
        await db.close()


async def test_an_exhausted_pool_is_unavailable(neo4j_process: Neo4jServer) -> None:
    db = backend(neo4j_process, max_pool_size=1, acquisition_timeout=0.2)
    try:
        slow = asyncio.create_task(db.read(SLOW))
        await asyncio.sleep(0.3)  # the slow read holds the only connection
        with pytest.raises(BackendUnavailable, match="overloaded"):
            await db.read("RETURN 1 AS one")
        slow.cancel()
        with pytest.raises((asyncio.CancelledError, BackendUnavailable)):
            await slow
    finally:
        await db.close()


async def test_a_database_that_is_down_answers_unavailable_within_the_retry_budget() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = Neo4jBackend(f"bolt://127.0.0.1:{port}", user="neo4j", password="", retry_seconds=0.5)
    try:
        # A deadline, not a timing assertion: the driver's default budget held requests 17-34 s.
        with pytest.raises(BackendUnavailable, match="not reachable"):
            await asyncio.wait_for(db.read("RETURN 1 AS one"), timeout=30)
        assert await db.health() is False
    finally:
        await db.close()


async def test_syntax_errors_stay_internal_and_name_the_status_code(neo4j: Neo4jBackend) -> None:
    with pytest.raises(BackendError) as raised:
        await neo4j.read("RETURN nonsense(")  # type: ignore[arg-type]
    assert type(raised.value) is BackendError
    assert "Neo.ClientError.Statement.SyntaxError" in raised.value.message


LOCK_IN_ORDER = (
    "MATCH (a:Counter {id: $first}) SET a.n = a.n + 1 "
    "WITH a UNWIND range(1, 300000) AS i WITH a, count(i) AS spin "
    "MATCH (b:Counter {id: $second}) SET b.n = b.n + 1 RETURN a.n AS a, b.n AS b"
)


async def test_a_deadlock_is_retried_by_the_driver_and_counts_stay_exact(
    neo4j: Neo4jBackend, caplog: pytest.LogCaptureFixture
) -> None:
    """Two statements locking two nodes in opposite orders deadlock; Neo4j aborts one, the
    driver retries it, and every increment lands exactly once."""
    await neo4j.write("CREATE (:Counter {id: 'x', n: 0}), (:Counter {id: 'y', n: 0})")
    caplog.set_level(logging.INFO, logger="neo4j")
    rounds = 0
    while rounds < 8:  # until a deadlock happened (bounded)
        rounds += 1
        await asyncio.gather(
            neo4j.write(LOCK_IN_ORDER, {"first": "x", "second": "y"}),
            neo4j.write(LOCK_IN_ORDER, {"first": "y", "second": "x"}),
        )
        if any("retried" in r.getMessage() for r in caplog.records):
            break
    assert any("Deadlock" in r.getMessage() or "retried" in r.getMessage() for r in caplog.records)
    rows = await neo4j.read("MATCH (c:Counter) RETURN c.id AS id, c.n AS n ORDER BY id")
    assert rows == [{"id": "x", "n": 2 * rounds}, {"id": "y", "n": 2 * rounds}]


async def test_bookmarks_follow_a_viewer_across_replicas(
    neo4j_process: Neo4jServer, neo4j: Neo4jBackend, falkordb_server: EmbeddedFalkorDB
) -> None:
    """Two API replicas (two drivers, routing URIs) sharing bookmarks through Redis."""
    prefix = f"test:{uuid.uuid4().hex}:"
    routing_uri = neo4j_process.uri.replace("bolt://", "neo4j://")
    stores = [RedisBookmarks(Redis.from_url(falkordb_server.url), prefix) for _ in range(2)]
    first, second = (
        Neo4jBackend(routing_uri, user="neo4j", password="", bookmarks=store) for store in stores
    )
    try:
        viewer = f"viewer-{uuid.uuid4()}"
        assert await stores[0].get(viewer) == []
        await first.session(viewer).write("CREATE (:Person {id: 'written-on-one'})")
        shared = await stores[1].get(viewer)
        assert shared, "the write's bookmark was not shared"
        rows = await second.session(viewer).read(
            "MATCH (p:Person {id: 'written-on-one'}) RETURN p.id AS id"
        )
        assert rows == [{"id": "written-on-one"}]
        # Another viewer's bookmarks are separate.
        assert await stores[1].get(f"viewer-{uuid.uuid4()}") == []
    finally:
        for db in (first, second):
            await db.close()
        for store in stores:
            await store.close()
