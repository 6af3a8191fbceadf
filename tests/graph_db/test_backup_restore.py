"""The embedded database's backup, as the README's Production section describes it: copy the
data directory's snapshot (dump.rdb) and append-only log (appendonlydir/: a snapshot base and
the log since) while the service runs; restore by starting on the copy. The log is required:
with the log on, a server started on a snapshot alone comes up empty. What was written
before the copy comes back, with its uniqueness constraints; what was written after does not.
(Neo4j: neo4j-admin database dump/load, documented in the README; the harness has no
neo4j-admin.)"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from graph_db import people
from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
from graph_db.errors import ConstraintViolation
from graph_db.falkordb import FalkorDBBackend
from graph_db.migrations import migrate
from tests.factories import make_person

GRAPH = "graph_api"


@asynccontextmanager
async def running(data_dir: Path) -> AsyncIterator[tuple[EmbeddedFalkorDB, FalkorDBBackend]]:
    # compact_on_stop off: the copy must not depend on an orderly stop having happened.
    server = EmbeddedFalkorDB(EmbeddedOptions(data_dir=data_dir, compact_on_stop=False))
    await server.start()
    backend = FalkorDBBackend.connect(graph=GRAPH, unix_socket=server.unix_socket)
    try:
        yield server, backend
    finally:
        await backend.close()
        await server.stop()


def copy_backup(data_dir: Path, target: Path) -> None:
    """What an operator copies: the snapshot and the append-only log."""
    source, dest = data_dir / "falkordb", target / "falkordb"
    dest.mkdir(parents=True)
    shutil.copy2(source / "dump.rdb", dest / "dump.rdb")
    shutil.copytree(source / "appendonlydir", dest / "appendonlydir")


async def test_a_copy_taken_while_running_restores_what_it_held(tmp_path: Path) -> None:
    live, restored = tmp_path / "live", tmp_path / "restored"
    async with running(live) as (_, backend):
        await migrate(backend)
        before = [await make_person(backend, name=f"Before {i}") for i in range(3)]
        await backend.client.execute_command("SAVE")  # the periodic snapshot, made now
        copy_backup(live, restored)
        await make_person(backend, name="After the copy")
        assert await people.count_people(backend) == 4

    async with running(restored) as (_, backend):
        assert await people.count_people(backend) == 3
        assert [p.name for p in await people.get_many(backend, [p.id for p in before])] == [
            "Before 0", "Before 1", "Before 2"
        ]
        # The constraints came back too: the email is still unique.
        with pytest.raises(ConstraintViolation):
            await make_person(backend, email=before[0].email)
        await migrate(backend)  # and start-up migrations run again over it unchanged
        assert await people.count_people(backend) == 3


async def test_the_log_holds_writes_made_after_the_last_snapshot(tmp_path: Path) -> None:
    live, restored = tmp_path / "live", tmp_path / "restored"
    async with running(live) as (_, backend):
        await migrate(backend)
        await backend.client.execute_command("SAVE")
        late = await make_person(backend, name="Written after the snapshot")
        copy_backup(live, restored)

    async with running(restored) as (_, backend):
        found = await people.get(backend, late.id)
        assert found is not None and found.name == "Written after the snapshot"
