"""Opens the configured database for the service's lifetime: the only backend switch."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from graph_api.config import Settings
from graph_db.backend import Backend
from graph_db.embedded import DiskGuard, EmbeddedFalkorDB, EmbeddedOptions
from graph_db.falkordb import FalkorDBBackend
from graph_db.migrations import migrate

log = logging.getLogger("graph_api.database")


@dataclass
class Database:
    backend: Backend
    server: EmbeddedFalkorDB | None = None
    redis_url: str | None = None  # pub/sub and shared counters; the embedded server's by default
    # Other processes serve from this database too (graph_api.workers): rate limits and
    # registered queries must then be kept in `redis_url`, not per process.
    shared: bool = False
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        await self.backend.close()
        for close in self.closers:
            await close()
        if self.server is not None:
            await self.server.stop()


def embedded_options(settings: Settings) -> EmbeddedOptions:
    return EmbeddedOptions(
        data_dir=settings.data_dir,
        fsync=settings.falkordb_fsync,
        port=settings.falkordb_port,
        query_timeout_ms=settings.query_timeout_ms,
        threads=settings.falkordb_threads or None,
        query_threads=settings.falkordb_query_threads or None,
    )


@dataclass(frozen=True)
class WorkerDatabase:
    """How a worker of `graph-api serve --workers N` reaches the database its supervisor
    prepared (started, migrated, seeded): `embedded_socket`, the unix socket of the embedded
    server the supervisor runs and owns with its data directory; None, the configured one."""

    embedded_socket: str | None


async def open_database(
    settings: Settings, *, run_migrations: bool = True, worker: WorkerDatabase | None = None,
) -> Database:
    """Start or connect to the configured database and bring its schema up to date (a
    worker's supervisor has done that: `worker` connects only)."""
    attach = worker.embedded_socket if worker is not None else None
    if worker is not None:
        run_migrations = False
    server: EmbeddedFalkorDB | None = None
    closers: list[Callable[[], Awaitable[None]]] = []
    backend: Backend
    redis_url = settings.redis_url
    if settings.backend_kind == "neo4j":
        from graph_db.neo4j import Neo4jBackend

        assert settings.neo4j_uri is not None
        bookmarks = None
        if settings.redis_url:
            from redis.asyncio import Redis

            from graph_api.bookmarks import RedisBookmarks

            bookmarks = RedisBookmarks(Redis.from_url(settings.redis_url), settings.redis_key_prefix)
            closers.append(bookmarks.close)
        backend = Neo4jBackend(
            settings.neo4j_uri,
            user=settings.neo4j_user,
            password=settings.neo4j_password,
            database=settings.neo4j_database,
            max_pool_size=settings.neo4j_pool_size,
            acquisition_timeout=settings.neo4j_acquisition_timeout,
            query_timeout_ms=settings.query_timeout_ms,
            retry_seconds=settings.neo4j_retry_seconds,
            bookmarks=bookmarks,
        )
    elif settings.backend_kind == "falkordb":
        backend = FalkorDBBackend.connect(
            graph=settings.falkordb_graph, url=settings.falkordb_url,
            max_connections=settings.falkordb_pool_size, query_timeout_ms=settings.query_timeout_ms,
        )
        redis_url = redis_url or settings.falkordb_url
    elif attach is not None:
        backend = FalkorDBBackend.connect(
            graph=settings.falkordb_graph, unix_socket=attach,
            max_connections=settings.falkordb_pool_size, query_timeout_ms=settings.query_timeout_ms,
            write_guard=DiskGuard.of(embedded_options(settings)),
        )
        redis_url = redis_url or f"unix://{attach}"
    else:
        server = EmbeddedFalkorDB(embedded_options(settings))
        await server.start()
        backend = FalkorDBBackend.connect(
            graph=settings.falkordb_graph, unix_socket=server.unix_socket,
            max_connections=settings.falkordb_pool_size,
            query_timeout_ms=settings.query_timeout_ms, health_hook=server.is_up,
            write_guard=server.disk_problem,  # a full disk: writes refused, reads kept
        )
        redis_url = redis_url or server.url
    try:
        if run_migrations:
            await migrate(backend)
    except BaseException:
        await Database(backend, server, closers=closers).close()
        raise
    return Database(
        backend=backend, server=server, redis_url=redis_url, closers=closers, shared=worker is not None,
    )
