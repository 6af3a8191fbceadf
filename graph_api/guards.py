"""The abuse guards in front of every operation, shared by HTTP and WebSocket.

Order per HTTP request: the per-address limit (`admit`, before the body is read or the
token checked), then per operation (`operation`, run by graph_api.pipeline.Pipeline for
both transports): the viewer's or the signed-out address's limit, persisted-query
resolution, and the choice of the operation the document runs. A WebSocket
`connection_init` and each `subscribe` also count as a request of their address
(`admit`). Query depth, aliases, tokens and cost are checked later, by
graph_api.limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, FieldNode, GraphQLSyntaxError, OperationType
from graphql.utilities import get_operation_ast

from graph_api.config import Settings
from graph_api.limits import Documents, operation_problem
from graph_api.persisted import MemoryStore, PersistedQueries, RedisStore, TieredStore, load_manifest
from graph_api.ratelimit import Limits, MemoryLimits, RateLimiter, RedisLimits
from graph_db.errors import InvalidInput
from graph_db.resp import PipelinedPool

if TYPE_CHECKING:
    from graph_api.pipeline import GraphQLRequest


def _viewer_id(context: Any) -> str | None:
    viewer = getattr(context, "viewer", None)
    return viewer.id if viewer is not None else None


# Seconds the shared store (Redis) has to answer a rate-limit check or a registered-query
# lookup; past it the connection is dropped and the request let through (fail open).
SHARED_STORE_TIMEOUT = 2.0


class Guards:
    """Rate limiter and persisted queries; in-process state until `use_redis` is called."""

    def __init__(self, settings: Settings, documents: Documents | None = None) -> None:
        manifest = load_manifest(settings.persisted_queries_file) if settings.persisted_queries_file else {}
        self.local_queries = MemoryStore(max_entries=settings.persisted_queries_cache_size)
        self.persisted = PersistedQueries(
            self.local_queries, manifest=manifest, only=settings.persisted_queries_only
        )
        self.limiter = RateLimiter(MemoryLimits(), Limits.from_settings(settings))
        # Not `documents or ...`: an empty cache has len() 0.
        self.documents = Documents(settings) if documents is None else documents

    def use_redis(self, pool: PipelinedPool, prefix: str = "graph_api:") -> None:
        """Share rate-limit counters and registered queries with every replica."""
        self.limiter.store = RedisLimits(pool, prefix=prefix + "rl:")
        self.persisted.store = TieredStore(self.local_queries, RedisStore(pool, prefix=prefix + "apq:"))

    async def admit(self, client_ip: str) -> None:
        """One request from an address: an HTTP request, a WebSocket message that starts work."""
        await self.limiter.admit_request(client_ip)

    async def operation(
        self, context: Any, params: GraphQLRequest
    ) -> tuple[str | None, OperationType | None]:
        """What every operation passes before Strawberry runs it, on either transport.

        Returns the query text to run (a persisted query's, or the one sent) and the type
        of the operation it runs (None if the document does not parse).
        """
        await self.limiter.admit_operation(_viewer_id(context), context.client_ip)
        query = await self.persisted.resolve(params.query, params.extensions)
        if not query:
            return query, None
        return query, self.choose_operation(query, params.operation_name)

    def choose_operation(self, query: str, operation_name: str | None) -> OperationType | None:
        """The type of the operation the document runs; refuse it if none can be chosen
        (spec: GetOperation). None if it does not parse."""
        document = self._document(query)
        if document is None:
            return None  # Strawberry reports it, with its location
        problem = operation_problem(document, operation_name)
        if problem is not None:
            raise InvalidInput(problem, field="operationName")
        operation = get_operation_ast(document, operation_name)
        return operation.operation if operation is not None else None

    def root_fields(self, query: str, operation_name: str | None) -> frozenset[str] | None:
        """The names of the root fields the operation `choose_operation` chose selects; None
        if it selects any through a fragment, or there is no such operation."""
        document = self._document(query)
        operation = get_operation_ast(document, operation_name) if document is not None else None
        if operation is None:
            return None
        names = set()
        for selection in operation.selection_set.selections:
            if not isinstance(selection, FieldNode):
                return None
            names.add(selection.name.value)
        return frozenset(names)

    def _document(self, query: str) -> DocumentNode | None:
        """The parsed document (cached by graph_api.limits.Documents); None if it does not parse."""
        try:
            return self.documents.parse(query).document
        except GraphQLSyntaxError:
            return None
