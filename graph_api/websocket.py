"""Subscriptions over `graphql-transport-ws`, authenticated by the connection_init payload.

connection_init `{"authorization": "Bearer <token>"}` (or `token`): a valid token acks with
`{"viewer": "<Person global id>"}`, no token acks `{"viewer": null}` (anonymous), a bad
token closes the socket with 4403. Each connection_init counts against the address's
request budget like an HTTP request (over it: closed with 4403 before the token is even
looked at). Each `subscribe` message passes the same guards as an
HTTP request: the rate limits, persisted queries (and the allow-list), and a cap on the
operations one connection may run at once; refusals are `error` messages with a code.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from graphql import GraphQLError, GraphQLFormattedError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage, SubscribeMessage
from strawberry.types.unset import UnsetType

from graph_api.errors import classify
from graph_api.requests import RequestContexts
from graph_db.errors import GraphApiError, InvalidInput
from resolvers.context import Context
from schema.base import to_global_id

# (context, query, extensions) -> the query to run; raises GraphApiError to refuse.
SubscribeGuard = Callable[[Context, str | None, dict[str, Any] | None], Awaitable[str | None]]
# Admits a connection_init from the context's address; raises GraphApiError to refuse.
ConnectGuard = Callable[[Context], Awaitable[None]]


def _error(exc: GraphApiError) -> GraphQLFormattedError:
    extensions: dict[str, Any] = {"code": exc.code}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        extensions["retryAfter"] = retry_after
    if exc.field:
        extensions["field"] = exc.field
    return GraphQLError(exc.message, extensions=extensions).formatted


class StreamErrorCodes(SchemaExtension):
    """ErrorCodes for streamed results: each leaves before the operation (and its hook) ends,
    so without this, WebSocket clients would get uncoded and unmasked errors."""

    def on_stream_result(self, result: Any) -> Iterator[None]:
        errors = getattr(result, "errors", None)
        if errors:
            request_id = getattr(self.execution_context.context, "request_id", "")
            result.errors = [classify(e, request_id) for e in errors]
        yield


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's protocol handler with our guards in front of every `subscribe`."""

    view: SubscriptionEndpoint

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload")
        if (
            not self.connection_acknowledged
            or "id" not in message
            or message["id"] in self.operations
            or not isinstance(payload, dict)
        ):
            await super().handle_subscribe(message)  # strawberry closes the socket as the protocol says
            return
        cap = self.max_subscriptions_per_connection
        try:
            if cap is not None and len(self.operations) >= cap:
                raise InvalidInput(f"at most {cap} operations may run at once on one connection")
            sent = payload.get("query")
            extensions = payload.get("extensions")
            if sent is not None and not isinstance(sent, str):
                raise InvalidInput("`query` must be a string")
            if extensions is not None and not isinstance(extensions, dict):
                raise InvalidInput("`extensions` must be an object")
            query = await self.view.guard(self.context, sent, extensions)
            if not query:
                raise InvalidInput("`query` is required")
        except GraphApiError as exc:
            await self.send_message(ErrorMessage(id=message["id"], type="error", payload=[_error(exc)]))
            return
        await super().handle_subscribe({**message, "payload": {**payload, "query": query}})


async def _no_guard(context: Context, query: str | None, extensions: dict[str, Any] | None) -> str | None:
    return query


async def _admit_all(context: Context) -> None:
    return None


class SubscriptionEndpoint(GraphQL[Context, None]):
    """Strawberry's WebSocket protocol handler; HTTP is served by GraphQLHTTP instead."""

    graphql_transport_ws_handler_class = GuardedTransportWSHandler

    def __init__(
        self, schema: Schema, *, contexts: RequestContexts, max_subscriptions_per_connection: int,
        guard: SubscribeGuard = _no_guard, admit: ConnectGuard = _admit_all,
        allowed_origins: Sequence[str] = (),
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=max_subscriptions_per_connection,
            allowed_origins=allowed_origins,
        )
        self.contexts = contexts
        self.guard = guard
        self.admit = admit

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        client_ip = request.client.host if request.client else ""
        return self.contexts.build(None, uuid.uuid4().hex, client_ip)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        try:
            await self.admit(context)
        except GraphApiError as exc:
            raise ConnectionRejectionError({"code": exc.code}) from None
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
        return {"viewer": to_global_id("Person", viewer.id) if viewer else None}
