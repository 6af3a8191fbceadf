"""Life of the embedded FalkorDB child: durability, no orphans, exclusive data dir, recovery."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph_db.backend import Row
from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions, EmbeddedServerError
from graph_db.errors import BackendUnavailable
from graph_db.falkordb import FalkorDBBackend
from graph_db.migrations import migrate
from tests.processes import reap


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes (its parent has not reaped it yet).
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


async def _wait_dead(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.fixture
async def server(data_dir: Path) -> AsyncIterator[EmbeddedFalkorDB]:
    srv = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir))
    await srv.start()
    yield srv
    await srv.stop()


def _backend(srv: EmbeddedFalkorDB) -> FalkorDBBackend:
    return FalkorDBBackend.connect(graph="g", unix_socket=srv.unix_socket, health_hook=srv.is_up)


async def _count_after_restart(options: EmbeddedOptions) -> list[Row]:
    """Start a server on an existing data directory; the rows counting the people it loaded."""
    srv = EmbeddedFalkorDB(options)
    await srv.start()
    try:
        db = _backend(srv)
        rows = await db.read("MATCH (p:Person) RETURN count(p) AS n")
        await db.close()
    finally:
        await srv.stop()
    return rows


WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
    from graph_db.falkordb import FalkorDBBackend

    async def main():
        srv = EmbeddedFalkorDB(EmbeddedOptions(data_dir=Path(sys.argv[1])))
        await srv.start()
        db = FalkorDBBackend.connect(graph="g", unix_socket=srv.unix_socket)
        for i in range(int(sys.argv[2])):
            await db.write("CREATE (:Person {id: $id})", {"id": str(i)})
        print(srv.pid, flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


async def test_sigkilled_service_takes_its_database_along_and_keeps_acked_writes(
    data_dir: Path,
) -> None:
    writer = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-c", WRITER, str(data_dir), "500"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert writer.stdout is not None
        child_pid = int(await asyncio.wait_for(asyncio.to_thread(writer.stdout.readline), 60))
        assert _alive(child_pid)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert await _wait_dead(child_pid), "the database child outlived its SIGKILLed parent"
    finally:
        reap(writer)

    assert await _count_after_restart(EmbeddedOptions(data_dir=data_dir)) == [{"n": 500}]


async def test_second_instance_on_the_same_data_dir_is_refused(
    server: EmbeddedFalkorDB, data_dir: Path
) -> None:
    db = _backend(server)
    await db.write("CREATE (:Person {id: 'keep'})")
    second = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir, lock_wait=0.2))
    started = time.monotonic()
    with pytest.raises(EmbeddedServerError, match="already in use by another graph-api instance"):
        await second.start()
    assert time.monotonic() - started < 2
    assert await db.read("MATCH (p:Person) RETURN p.id AS id") == [{"id": "keep"}]
    await db.close()


async def test_a_dead_database_child_is_reported_and_restarted_with_data_intact(
    data_dir: Path,
) -> None:
    # The restart waits 8 s, so the down state is there to be seen (not raced).
    server = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir, restart_delays=(8.0,)))
    await server.start()
    db = _backend(server)
    try:
        await db.write("UNWIND range(1, 100) AS i CREATE (:Person {id: toString(i)})")
        first_pid = server.pid
        assert first_pid is not None
        os.kill(first_pid, signal.SIGKILL)
        assert await _wait_dead(first_pid)
        deadline = time.monotonic() + 5
        while server.is_up() and time.monotonic() < deadline:  # noqa: ASYNC110 (a process)
            await asyncio.sleep(0.01)
        # While it is down: not healthy, and queries fail fast with a typed error.
        assert not server.is_up()
        assert not await db.health()
        with pytest.raises(BackendUnavailable):
            await db.read("RETURN 1 AS one")
        assert server.pid == first_pid and server.restarts == 0
        deadline = time.monotonic() + 60
        while server.restarts == 0 and time.monotonic() < deadline:  # noqa: ASYNC110 (a process)
            await asyncio.sleep(0.05)
        assert await server.wait_ready(within=30)
        assert server.pid != first_pid and server.restarts == 1
        assert await db.read("MATCH (p:Person) RETURN count(p) AS n") == [{"n": 100}]
        assert await db.health()
    finally:
        await db.close()
        await server.stop()


async def test_persistence_is_configured_by_us(data_dir: Path) -> None:
    srv = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir, fsync="always"))
    await srv.start()
    try:
        db = _backend(srv)
        config = {}
        for key in ("appendonly", "appendfsync", "no-appendfsync-on-rewrite", "save"):
            reply = await db.client.config_get(key)
            config.update(reply)
        assert config["appendonly"] == "yes"
        assert config["appendfsync"] == "always"
        assert config["no-appendfsync-on-rewrite"] == "no"
        assert config["save"]  # snapshots as well as the log
        assert await db.client.config_get("port") == {"port": "0"}  # no TCP listener
        await db.close()
    finally:
        await srv.stop()


async def test_pending_edge_changes_are_folded_sooner_than_falkordbs_default(
    server: EmbeddedFalkorDB,
) -> None:
    """A write-heavy load makes every traversal slower until pending changes are folded into
    the matrices (EmbeddedOptions.delta_max_pending_changes): the server folds at ours."""
    db = _backend(server)
    try:
        setting = await db.client.execute_command("GRAPH.CONFIG", "GET", "DELTA_MAX_PENDING_CHANGES")
        assert setting == ["DELTA_MAX_PENDING_CHANGES", 1_000]
        assert EmbeddedOptions(data_dir=Path()).delta_max_pending_changes == 1_000
    finally:
        await db.close()


async def test_statements_run_on_one_thread_each_unless_told_otherwise(
    data_dir: Path, server: EmbeddedFalkorDB,
) -> None:
    """A page-sized statement's matrix operations are not split over threads by default
    (EmbeddedOptions.query_threads); both thread counts reach the server when set, and None
    leaves FalkorDB's own (one per core)."""

    async def threads(srv: EmbeddedFalkorDB) -> tuple[int, int]:
        db = _backend(srv)
        try:
            config = dict(await db.client.execute_command("GRAPH.CONFIG", "GET", "*"))
        finally:
            await db.close()
        return config["THREAD_COUNT"], config["OMP_THREAD_COUNT"]

    cores = os.cpu_count()
    assert await threads(server) == (cores, 1)
    await server.stop()
    for options, expected in (
        (EmbeddedOptions(data_dir=data_dir, threads=3, query_threads=2), (3, 2)),
        (EmbeddedOptions(data_dir=data_dir, query_threads=None), (cores, cores)),
    ):
        srv = EmbeddedFalkorDB(options)
        await srv.start()
        try:
            assert await threads(srv) == expected
        finally:
            await srv.stop()


async def test_plans_stay_cached_across_more_statements_than_falkordbs_default(
    server: EmbeddedFalkorDB,
) -> None:
    """FalkorDB keeps 25 plans unless told otherwise; the service sends hundreds of distinct
    statements, and planning one costs more than running it."""
    db = _backend(server)
    try:
        assert await db.client.execute_command("GRAPH.CONFIG", "GET", "CACHE_SIZE") == [
            "CACHE_SIZE", EmbeddedOptions(data_dir=Path()).plan_cache_size,
        ]

        async def cached(statement: str) -> bool:
            reply = await db.client.execute_command("GRAPH.RO_QUERY", "g", statement, "--compact")
            return "Cached execution: 1" in reply[-1]

        await db.write("CREATE (:Person {id: 'a'})")
        first = "MATCH (p:Person) RETURN count(p) AS n"
        assert not await cached(first)
        for n in range(60):  # more distinct statements than the default cache holds
            await cached(f"MATCH (p:Person) WHERE p.id <> 'x{n}' RETURN count(p) AS n")
        assert await cached(first)
    finally:
        await db.close()


async def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    srv = EmbeddedFalkorDB(EmbeddedOptions(data_dir=blocker / "data"))
    with pytest.raises(EmbeddedServerError, match="is not writable"):
        await srv.start()


async def test_port_in_use_is_a_clear_error(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        srv = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir, port=port))
        with pytest.raises(EmbeddedServerError, match=f"port {port} on 127.0.0.1 is already in use"):
            await srv.start()
    # The failed start released the data directory.
    ok = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir))
    await ok.start()
    await ok.stop()


async def test_stop_leaves_no_process(data_dir: Path) -> None:
    srv = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir))
    await srv.start()
    pid = srv.pid
    assert pid is not None and _alive(pid)
    await srv.stop()
    assert not _alive(pid)


async def test_replaying_the_log_is_not_subject_to_the_query_timeout(data_dir: Path) -> None:
    # A write slower than a later start's query timeout must still come back from the log
    # (not compacted into a snapshot at stop, so that the next start replays it).
    srv = EmbeddedFalkorDB(
        EmbeddedOptions(data_dir=data_dir, query_timeout_ms=60_000, compact_on_stop=False)
    )
    await srv.start()
    db = _backend(srv)
    await db.write("UNWIND range(1, 100000) AS i CREATE (:Person {id: toString(i)})")
    await db.close()
    await srv.stop()

    assert await _count_after_restart(
        EmbeddedOptions(data_dir=data_dir, query_timeout_ms=1)
    ) == [{"n": 100000}]


def _log_state(data_dir: Path) -> tuple[dict[str, int], int]:
    """Sizes of the append-only log's files, and how many replay errors the server logged."""
    files = {p.name: p.stat().st_size for p in sorted((data_dir / "falkordb" / "appendonlydir").iterdir())}
    log_text = (data_dir / "falkordb" / "falkordb.log").read_text(errors="replace")
    return files, log_text.count("== CRITICAL ==")


async def _start_migrate_stop(data_dir: Path) -> int:
    srv = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir))
    await srv.start()
    try:
        db = _backend(srv)
        await db.write("MERGE (:Person {id: 'p1'})")
        applied = await migrate(db)
        await db.close()
        return applied
    finally:
        await srv.stop()


async def test_restarts_write_nothing_to_the_log(data_dir: Path) -> None:
    await _start_migrate_stop(data_dir)
    files, critical = _log_state(data_dir)
    # The orderly stop folded the log (41 unique constraints included) into a snapshot.
    assert [size for name, size in files.items() if name.endswith(".incr.aof")] == [0]
    assert critical == 0
    for _ in range(2):
        await _start_migrate_stop(data_dir)
        assert _log_state(data_dir) == (files, 0)


async def test_migrating_an_up_to_date_graph_writes_nothing(server: EmbeddedFalkorDB) -> None:
    db = _backend(server)
    await migrate(db)
    before = await db.client.info("persistence")
    changes = await db.client.info("persistence")
    await migrate(db)
    after = await db.client.info("persistence")
    assert after["aof_current_size"] == before["aof_current_size"]
    assert after["rdb_changes_since_last_save"] == changes["rdb_changes_since_last_save"]
    await db.close()
