"""Data migrations that run one statement in batches until it finds nothing left to do."""

from __future__ import annotations

from typing import LiteralString

from graph_db.backend import Backend


async def until_done(backend: Backend, statement: LiteralString, *, batch: int) -> int:
    """Run `statement` (it takes `$batch` and returns how many it changed as `n`) until it
    changes nothing; how many it changed in all."""
    done = 0
    while True:
        rows = await backend.write(statement, {"batch": batch})
        changed = int(rows[0]["n"]) if rows else 0
        if not changed:
            return done
        done += changed
