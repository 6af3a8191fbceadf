"""The request pipeline both transports enter: the viewer as of now, a fresh Context (causal
db session, DataLoaders) per operation, and the guards."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from graph_api.config import Settings
from graph_api.guards import Guards
from graph_api.http import GraphQLRequest
from graph_db.errors import BackendUnavailable, Unauthenticated
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services

# Bearer token -> Viewer, or UNAUTHENTICATED (resolvers.accounts.TokenAuthenticator).
Authenticator = Callable[[str], Awaitable[Viewer]]


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be `Bearer <token>`")
    return token.strip()


class RequestContexts:
    """Makes a fresh Context per request (never shared: sibling fields run concurrently)."""

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
        if viewer is not None and viewer.person is not None:
            # The authenticator just read the viewer's record: `me` need not read it again.
            loaders.person_by_id.prime(viewer.id, viewer.person)
        return Context(
            db=db, services=services, loaders=loaders, viewer=viewer,
            request_id=request_id, client_ip=client_ip,
        )


class Pipeline:
    """The one way into GraphQL, for HTTP and WebSocket alike.

    Per operation: the viewer as of now (`viewer`), then `prepare`: a fresh Context with
    fresh DataLoaders, and the guards every operation passes (Guards.operation: rate limits,
    persisted queries, the operation choice). Strawberry then runs it with the schema's
    extensions (limits, error codes, masking) whichever transport it came by.
    """

    def __init__(self, contexts: RequestContexts, guards: Guards) -> None:
        self.contexts = contexts
        self.guards = guards

    async def viewer(self, token: str | None) -> Viewer | None:
        """Who a token is right now (signature, expiry, session version, suspension, role)."""
        return await self.contexts.viewer_for_token(token)

    async def prepare(
        self, viewer: Viewer | None, params: GraphQLRequest, *, request_id: str, client_ip: str,
        connection_params: dict[str, Any] | None = None,
    ) -> tuple[Context, GraphQLRequest]:
        context = self.contexts.build(viewer, request_id or uuid.uuid4().hex, client_ip)
        context.connection_params = connection_params
        return context, await self.guards.operation(context, params)

    async def for_http(self, request: Request, params: GraphQLRequest) -> tuple[Context, GraphQLRequest]:
        viewer = await self.viewer(bearer_token(request.headers.get("authorization")))
        return await self.prepare(
            viewer, params, request_id=getattr(request.state, "request_id", ""),
            client_ip=request.client.host if request.client else "",
        )
