"""Subscriptions over `graphql-transport-ws`, authenticated by the connection_init payload."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from graph_api.requests import RequestContexts
from graph_db.errors import GraphApiError
from resolvers.context import Context


class SubscriptionEndpoint(GraphQL[Context, None]):
    """Strawberry's WebSocket protocol handler; HTTP is served by GraphQLHTTP instead."""

    def __init__(
        self, schema: Schema, *, contexts: RequestContexts, max_subscriptions_per_connection: int
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=max_subscriptions_per_connection,
        )
        self.contexts = contexts

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        client_ip = request.client.host if request.client else ""
        return self.contexts.build(None, uuid.uuid4().hex, client_ip)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params: dict[str, Any] = context.connection_params or {}
        token = params.get("authorization") or params.get("Authorization") or params.get("token")
        if token is None:
            return {"viewer": None}
        if not isinstance(token, str):
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        try:
            viewer = await self.contexts.viewer_for_token(token)
        except GraphApiError as exc:
            raise ConnectionRejectionError({"code": exc.code}) from None
        # The whole connection acts as this viewer: reads see the viewer's own writes.
        fresh = self.contexts.build(viewer, context.request_id, context.client_ip)
        context.viewer, context.db, context.loaders = fresh.viewer, fresh.db, fresh.loaders
        return {"viewer": viewer.id if viewer else None}
