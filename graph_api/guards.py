"""The abuse guards in front of every operation, shared by HTTP and WebSocket.

Order per HTTP request: the per-address limit (`admit`, before the body is read or the
token checked), then per operation the viewer's or the signed-out address's limit, then
persisted-query resolution (`preflight`). A WebSocket `subscribe` passes all three.
Query depth, aliases, tokens and cost are checked later, by graph_api.limits.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.requests import Request

from graph_api.config import Settings
from graph_api.http import GraphQLRequest
from graph_api.persisted import MemoryStore, PersistedQueries, RedisStore, TieredStore, load_manifest
from graph_api.ratelimit import Limits, MemoryLimits, RateLimiter, RedisLimits


def _viewer_id(context: Any) -> str | None:
    viewer = getattr(context, "viewer", None)
    return viewer.id if viewer is not None else None


class Guards:
    """Rate limiter and persisted queries; in-process state until `use_redis` is called."""

    def __init__(self, settings: Settings) -> None:
        manifest = load_manifest(settings.persisted_queries_file) if settings.persisted_queries_file else {}
        self.local_queries = MemoryStore(max_entries=settings.persisted_queries_cache_size)
        self.persisted = PersistedQueries(
            self.local_queries, manifest=manifest, only=settings.persisted_queries_only
        )
        self.limiter = RateLimiter(MemoryLimits(), Limits.from_settings(settings))

    def use_redis(self, client: Any, prefix: str = "graph_api:") -> None:
        """Share rate-limit counters and registered queries with every replica."""
        self.limiter.store = RedisLimits(client, prefix=prefix + "rl:")
        self.persisted.store = TieredStore(self.local_queries, RedisStore(client, prefix=prefix + "apq:"))

    async def admit(self, request: Request) -> None:
        await self.limiter.admit_request(request.client.host if request.client else "")

    async def admit_connection(self, context: Any) -> None:
        """A WebSocket connection_init: one request from its address, like an HTTP one."""
        await self.limiter.admit_request(context.client_ip)

    async def preflight(self, request: Request, params: GraphQLRequest, context: Any) -> GraphQLRequest:
        await self.limiter.admit_operation(_viewer_id(context), context.client_ip)
        query = await self.persisted.resolve(params.query, params.extensions)
        return replace(params, query=query)

    async def subscribe(
        self, context: Any, query: str | None, extensions: dict[str, Any] | None
    ) -> str | None:
        await self.limiter.admit_request(context.client_ip)
        await self.limiter.admit_operation(_viewer_id(context), context.client_ip)
        return await self.persisted.resolve(query, extensions)
