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


# Holds the counter's write lock until terminated (SLOW's work after the SET).
HOLD_LOCK = "MATCH (c:Counter {id: 'x'}) SET c.n = c.n + 1000 WITH c " + SLOW
ADD = "MATCH (c:Counter {id: 'x'}) SET c.n = c.n + $i RETURN c.n AS n"


async def running(db: Neo4jBackend, text: str) -> list[str]:
    """The ids of the server's transactions running exactly `text`."""
    rows = await db.write(
        "SHOW TRANSACTIONS YIELD transactionId AS id, currentQuery AS q WHERE q = $q RETURN id",
        {"q": text},
    )
    return [r["id"] for r in rows]


async def until_running(db: Neo4jBackend, text: str, count: int) -> list[str]:
    """`running` once at least `count` show up, or after about ten seconds of looking."""
    ids: list[str] = []
    for _ in range(200):
        await asyncio.sleep(0.05)
        if len(ids := await running(db, text)) >= count:
            break
    return ids


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
        ids = await until_running(neo4j, SLOW, 1)
        assert ids, "the slow transaction never appeared"
        terminated = await neo4j.write(
            "TERMINATE TRANSACTIONS $ids YIELD transactionId RETURN transactionId", {"ids": ids},
        )
        assert terminated
        with pytest.raises(BackendUnavailable):
            await slow
    finally:
        await db.close()


async def test_a_new_statement_is_planned_by_one_run_at_a_time(
    neo4j_process: Neo4jServer, neo4j: Neo4jBackend
) -> None:
    """Concurrent first runs of a text reach the server one at a time (each would plan it);
    once one has run, the same text runs concurrently; and a first run that is slow for
    another reason (here a lock) holds the others back no longer than the plan wait."""
    await neo4j.write("CREATE (:Counter {id: 'x', n: 0})")
    patient = backend(neo4j_process, plan_wait=300.0)  # (not 5 s: a loaded machine is slow)
    impatient = backend(neo4j_process, plan_wait=0.2)
    try:
        for round_, (db, first) in enumerate(((patient, True), (patient, False), (impatient, True)), 1):
            holder = asyncio.create_task(neo4j.write(HOLD_LOCK))
            (held,) = await until_running(neo4j, HOLD_LOCK, 1)
            adds = [asyncio.create_task(db.write(ADD, {"i": i})) for i in range(1, 11)]
            if db is patient and first:
                assert len(await until_running(neo4j, ADD, 1)) == 1
                await asyncio.sleep(0.5)  # time for any other run to arrive
                assert len(await running(neo4j, ADD)) == 1
            else:
                assert len(await until_running(neo4j, ADD, 10)) == 10
            assert not any(add.done() for add in adds)
            await neo4j.write("TERMINATE TRANSACTIONS $ids YIELD transactionId RETURN 1", {"ids": [held]})
            with pytest.raises(BackendUnavailable):
                await holder
            await asyncio.gather(*adds)
            rows = await neo4j.read("MATCH (c:Counter {id: 'x'}) RETURN c.n AS n")
            assert rows == [{"n": 55 * round_}]  # every add once; the holder's rolled back
    finally:
        for db in (patient, impatient):
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
