"""Opens the configured database for the service's lifetime: the only backend switch."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from graph_api.config import Settings
from graph_db.backend import Backend
from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
from graph_db.falkordb import FalkorDBBackend
from graph_db.migrations import migrate

log = logging.getLogger("graph_api.database")


@dataclass
class Database:
    backend: Backend
    server: EmbeddedFalkorDB | None = None
    redis_url: str | None = None  # pub/sub and shared counters; the embedded server's by default

    async def close(self) -> None:
        await self.backend.close()
        if self.server is not None:
            await self.server.stop()


async def open_database(settings: Settings, *, run_migrations: bool = True) -> Database:
    """Start or connect to the configured database and bring its schema up to date."""
    server: EmbeddedFalkorDB | None = None
    backend: Backend
    redis_url = settings.redis_url
    if settings.backend_kind == "neo4j":
        from graph_db.neo4j import Neo4jBackend

        assert settings.neo4j_uri is not None
        backend = Neo4jBackend(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            max_pool_size=settings.neo4j_pool_size,
            acquisition_timeout=settings.neo4j_acquisition_timeout,
        )
    elif settings.backend_kind == "falkordb":
        backend = FalkorDBBackend.connect(
            graph=settings.falkordb_graph, url=settings.falkordb_url,
            max_connections=settings.falkordb_pool_size, query_timeout_ms=settings.query_timeout_ms,
        )
        redis_url = redis_url or settings.falkordb_url
    else:
        server = EmbeddedFalkorDB(
            EmbeddedOptions(
                data_dir=settings.data_dir,
                fsync=settings.falkordb_fsync,
                port=settings.falkordb_port,
                query_timeout_ms=settings.query_timeout_ms,
            )
        )
        await server.start()
        backend = FalkorDBBackend.connect(
            graph=settings.falkordb_graph, unix_socket=server.unix_socket,
            max_connections=settings.falkordb_pool_size,
            query_timeout_ms=settings.query_timeout_ms, health_hook=server.is_up,
        )
        redis_url = redis_url or server.url
    try:
        if run_migrations:
            await migrate(backend)
    except BaseException:
        await Database(backend, server).close()
        raise
    return Database(backend=backend, server=server, redis_url=redis_url)
