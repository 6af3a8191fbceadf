"""A throwaway embedded FalkorDB for the one-off timing scripts (hot_post, mail_drain)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
from graph_db.falkordb import FalkorDBBackend
from graph_db.migrations import migrate


@asynccontextmanager
async def scratch_graph(graph: str, *, max_connections: int) -> AsyncIterator[FalkorDBBackend]:
    """A migrated graph on an embedded server in a temporary directory; stopped afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedFalkorDB(EmbeddedOptions(data_dir=Path(tmp)))
        await server.start()
        db = FalkorDBBackend.connect(graph=graph, unix_socket=server.unix_socket,
                                     max_connections=max_connections, health_hook=server.is_up)
        try:
            await migrate(db)
            yield db
        finally:
            await db.close()
            await server.stop()


def script_main(description: str, run: Callable[..., Coroutine[Any, Any, None]], **options: int) -> None:
    """A timing script's entry point: an integer --option per keyword (with its default), then
    `run` with the values in that order."""
    parser = argparse.ArgumentParser(description=description)
    for name, default in options.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    asyncio.run(run(*(getattr(args, name) for name in options)))
