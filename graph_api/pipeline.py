"""The one request pipeline: what every GraphQL operation passes, by HTTP or WebSocket.

A transport (graph_api.http, graph_api.websocket) frames requests and answers; for each
operation it reads the request (`read_request`), finds the viewer as of now (`viewer`:
signature, expiry, session version, suspension, role) and calls `prepare`: a fresh Context
with fresh DataLoaders, then the guards (graph_api.guards: rate limits, persisted queries,
the operation choice). Strawberry then runs the operation with that Context and the
schema's extensions, the same for both transports: graph_api.limits (tokens, depth,
aliases, cost; parse and validation cached) and graph_api.errors (codes, masking).
Refusals before execution are expected failures (GraphApiError); each transport turns
them into its answer with graph_api.errors.refusal.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from graph_api.config import Settings
from graph_api.guards import Guards
from graph_db.errors import BackendUnavailable, InvalidInput
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services

# Bearer token -> Viewer, or UNAUTHENTICATED (resolvers.accounts.TokenAuthenticator).
Authenticator = Callable[[str], Awaitable[Viewer]]


@dataclass(frozen=True)
class GraphQLRequest:
    """One operation as a client sent it (no query text yet if it names a persisted one)."""

    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def read_request(data: object) -> GraphQLRequest:
    """The shape of one request object (an HTTP body or GET parameters, a `subscribe` payload)."""
    if not isinstance(data, dict):
        raise InvalidInput("the request body must be a JSON object")
    query = data.get("query")
    variables = data.get("variables")
    operation_name = data.get("operationName")
    extensions = data.get("extensions")
    if query is not None and not isinstance(query, str):
        raise InvalidInput("`query` must be a string")
    if variables is not None and not isinstance(variables, dict):
        raise InvalidInput("`variables` must be an object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise InvalidInput("`operationName` must be a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise InvalidInput("`extensions` must be an object")
    return GraphQLRequest(query, variables, operation_name, extensions)


class RequestContexts:
    """Makes a fresh Context per operation (never shared: sibling fields run concurrently)."""

    def __init__(self, settings: Settings, state: dict[str, Any]) -> None:
        self.settings = settings
        self._state = state

    @property
    def services(self) -> Services:
        services: Services | None = self._state.get("services")
        if services is None:
            raise BackendUnavailable("the service is starting")
        return services

    async def viewer_for_token(self, token: str | None) -> Viewer | None:
        if token is None:
            return None
        # Set by the lifespan together with the services.
        authenticator: Authenticator | None = self._state.get("authenticator")
        if authenticator is None:
            raise BackendUnavailable("the service is starting")
        return await authenticator(token)

    def build(self, viewer: Viewer | None, request_id: str, client_ip: str) -> Context:
        services = self.services
        db = services.backend.session(causal_key=viewer.id if viewer else None)
        loaders = Loaders(db, viewer.id if viewer else None)
        if viewer is not None and viewer.person is not None and viewer.fresh:
            # The authenticator just read the viewer's record: `me` need not read it again.
            loaders.person_by_id.prime(viewer.id, viewer.person)
        return Context(
            db=db, services=services, loaders=loaders, viewer=viewer,
            request_id=request_id, client_ip=client_ip,
        )


@dataclass(frozen=True)
class Operation:
    """One operation ready to run: its own Context and the query text it runs."""

    context: Context
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    # The type of the operation the document runs; None if the document does not parse
    # (Strawberry reports that when it runs it).
    type: OperationType | None


class Pipeline:
    """The one way into GraphQL, for HTTP and WebSocket alike."""

    def __init__(self, contexts: RequestContexts, guards: Guards) -> None:
        self.contexts = contexts
        self.guards = guards

    async def viewer(self, token: str | None) -> Viewer | None:
        """Who a token is right now (signature, expiry, session version, suspension, role)."""
        return await self.contexts.viewer_for_token(token)

    async def prepare(
        self, viewer: Viewer | None, request: GraphQLRequest, *, request_id: str, client_ip: str,
        connection_params: dict[str, Any] | None = None,
    ) -> Operation:
        """A fresh Context for the operation, then the guards; GraphApiError to refuse it."""
        context = self.contexts.build(viewer, request_id or uuid.uuid4().hex, client_ip)
        context.connection_params = connection_params
        query, operation_type = await self.guards.operation(context, request)
        if not query:
            raise InvalidInput("`query` is required")
        return Operation(
            context=context, query=query, variables=request.variables,
            operation_name=request.operation_name, extensions=request.extensions, type=operation_type,
        )


# The Context of the operation a WebSocket task runs (read by OperationContext).
_operation_context: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "graph_api_operation_context", default=None
)


class OperationContext(SchemaExtension):
    """Runs a streamed (WebSocket) operation with the Context the pipeline made for it.

    Strawberry's graphql-transport-ws handler passes the connection's context to every
    operation; `running(operation)` around the handler's `handle_subscribe` (which starts
    the operation's task, inheriting this context variable) hands over the operation's own.
    HTTP passes its Context to Schema.execute directly, so this does nothing there.
    """

    def on_operation(self) -> Iterator[None]:
        context = _operation_context.get()
        if context is not None:
            self.execution_context.context = context
        yield


@contextlib.contextmanager
def running(operation: Operation) -> Iterator[None]:
    """Within: tasks started (Strawberry's operation task) run with `operation`'s Context."""
    reset = _operation_context.set(operation.context)
    try:
        yield
    finally:
        _operation_context.reset(reset)
