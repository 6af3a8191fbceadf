"""A throwaway embedded FalkorDB for the one-off timing scripts (hot_post, mail_drain)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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
