"""A full disk under the embedded FalkorDB: writes refused as SERVICE_UNAVAILABLE with a
clear message (and counted: each refusal reaches the disk-full observers behind the
graph_api_database_disk_full_total metric), reads kept up under both fsync policies, recovery by itself.

The disk is a small tmpfs mounted for the test (root only; skipped where mounting is not
allowed) and filled with a file.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Literal

import pytest

from graph_db import instrument
from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
from graph_db.errors import BackendUnavailable
from graph_db.falkordb import FalkorDBBackend
from tests.mounts import tmpfs

DISK = 4 * 1024 * 1024
RESERVE = 512 * 1024
WRITE: str = "UNWIND range(1, 200) AS i CREATE (:Note {id: $run + '-' + toString(i), pad: $pad})"
COUNT = "MATCH (n:Note) RETURN count(n) AS n"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", f"size={DISK}", "a small tmpfs") as where:
        yield where


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk until `leave` bytes are free; returns the filler file."""
    filler = disk / "filler"
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


@pytest.fixture(params=["everysec", "always"])
async def server(
    request: pytest.FixtureRequest, small_disk: Path
) -> AsyncIterator[EmbeddedFalkorDB]:
    fsync: Literal["everysec", "always"] = request.param
    srv = EmbeddedFalkorDB(EmbeddedOptions(
        data_dir=small_disk / "data", fsync=fsync, disk_reserve_bytes=RESERVE,
        disk_check_seconds=0.0, restart_delays=(60.0,), compact_on_stop=False,
    ))
    await srv.start()
    yield srv
    await srv.stop()


async def test_a_full_disk_refuses_writes_and_keeps_reads(
    server: EmbeddedFalkorDB, small_disk: Path
) -> None:
    db = FalkorDBBackend.connect(
        graph="g", unix_socket=server.unix_socket, health_hook=server.is_up,
        write_guard=server.disk_problem,
    )
    pid = server.pid
    await db.write(WRITE, {"run": "a", "pad": "x" * 100})
    filler = fill(small_disk, leave=RESERVE // 2)
    stats = instrument.QueryStats()
    token = instrument.track(stats)
    disk_full: list[None] = []
    observer = lambda: disk_full.append(None)  # noqa: E731
    instrument.add_disk_full_observer(observer)
    try:
        for _ in range(3):
            with pytest.raises(BackendUnavailable, match="disk is full") as refused:
                await db.write(WRITE, {"run": "b", "pad": "x" * 100})
            assert refused.value.code == "SERVICE_UNAVAILABLE"
    finally:
        instrument.untrack(token)
        instrument.remove_disk_full_observer(observer)
    assert stats.writes == 3  # each refusal is recorded as a (failed) write
    assert server.writes_refused == 3
    assert len(disk_full) == 3  # and counted once as a disk-full refusal
    # Reads go on, from the same process: nothing exited, nothing restarted.
    assert await db.read(COUNT) == [{"n": 200}]
    assert server.pid == pid and server.restarts == 0 and await db.health()
    # Space comes back: writes are accepted again, by themselves.
    filler.unlink()
    await db.write(WRITE, {"run": "c", "pad": "x" * 100})
    assert await db.read(COUNT) == [{"n": 400}]
    await db.close()


async def test_without_the_reserve_the_servers_refusal_is_service_unavailable(
    small_disk: Path,
) -> None:
    # everysec, no reserve: FalkorDB itself refuses writes (MISCONF) once its log cannot be
    # written; that refusal is SERVICE_UNAVAILABLE with the same clear message.
    srv = EmbeddedFalkorDB(EmbeddedOptions(
        data_dir=small_disk / "data", disk_reserve_bytes=0, compact_on_stop=False,
    ))
    await srv.start()
    try:
        db = FalkorDBBackend.connect(graph="g", unix_socket=srv.unix_socket)
        await db.write(WRITE, {"run": "a", "pad": "x" * 100})
        filler = fill(small_disk, leave=0)
        errors: list[BackendUnavailable] = []
        disk_full: list[None] = []
        observer = lambda: disk_full.append(None)  # noqa: E731
        instrument.add_disk_full_observer(observer)
        for attempt in range(50):  # bounded: the log is flushed within a second or two
            try:
                await db.write(WRITE, {"run": f"b{attempt}", "pad": "x" * 2000})
            except BackendUnavailable as exc:
                errors.append(exc)
                break
            await asyncio.sleep(0.1)
        instrument.remove_disk_full_observer(observer)
        assert errors, "the server never refused a write on a full disk"
        assert "cannot write to its disk" in errors[0].message
        assert len(disk_full) == 1  # the server's own refusal is counted as well
        assert (await db.read(COUNT))[0]["n"] >= 200
        filler.unlink()
        await db.close()
    finally:
        await srv.stop()
