"""Subscriptions (and queries, mutations) over `graphql-transport-ws`.

connection_init `{"authorization": "Bearer <token>"}` (or `token`): a valid token acks with
`{"viewer": "<Person global id>"}`, no token acks `{"viewer": null}` (anonymous), a bad
token closes the socket with 4403. Each connection_init counts against the address's
request budget like an HTTP request (over it: closed with 4403 before the token is even
looked at).

Every `subscribe` enters the same pipeline as an HTTP operation (graph_api.pipeline): the
token is checked again (signature, expiry, session version, suspension, role), the
operation gets a fresh Context with fresh DataLoaders and passes the same guards (rate
limits, persisted queries, the operation choice, the operation types the transport
accepts); on top, a cap on the operations one connection runs at once. Refusals are
`error` messages with a code. Each operation, from its `subscribe` to its end (complete,
error, the client's complete, the socket closing), is one exchange the pipeline reports
to the access log and metrics (transport `websocket`), with its database round trips.
While the socket is open, the session is checked again every `ws_reauth_seconds` and
when the token expires: a revoked or expired token closes the socket with 4401, a
suspension with 4403, which stops its subscriptions. A client renews by opening a new
socket with a fresh token (graphql-transport-ws allows one connection_init per socket).

Only Strawberry's public handler API is used: the view's hooks (get_context, on_ws_connect,
encode_json, graphql_transport_ws_handler_class) and the handler's public methods
(handle_connection_init, handle_subscribe, send_message, shutdown; `operations`, whose
task's end is the operation's end). The one indirection:
the handler runs every operation with the connection's context, so handle_subscribe starts
it inside pipeline.running, whose context variable the pipeline's OperationContext
extension reads to run it with the operation's own Context.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import jwt
from graphql import OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)
from strawberry.types.unset import UnsetType

from graph_api.errors import encode_json, refusal
from graph_api.pipeline import (
    WEBSOCKET,
    Exchange,
    OperationRecord,
    Pipeline,
    read_request,
    running,
)
from graph_db import instrument
from graph_db.errors import BackendUnavailable, Forbidden, GraphApiError, InvalidInput, Unauthenticated
from resolvers.context import Context, Viewer
from schema.base import to_global_id

# Admits a connection_init or a subscribe from an address; raises GraphApiError to refuse.
AddressGuard = Callable[[str], Awaitable[None]]

# A started operation's exchange and its database work (None: not counted).
Entry = tuple[Exchange, instrument.QueryStats | None]

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TRY_AGAIN = 1013


def connection_token(params: dict[str, Any] | None) -> str | None:
    """The bearer token of a connection_init payload; InvalidInput if it is not a string."""
    params = params or {}
    token = params.get("authorization") or params.get("Authorization") or params.get("token")
    if token is None:
        return None
    if not isinstance(token, str):
        raise Unauthenticated("the token must be a string")
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    return token


def token_expiry(token: str) -> float | None:
    """When a (verified) token expires, as a Unix time, if it says."""
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return None
    return float(exp) if isinstance(exp, int | float) else None


class GuardedTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's protocol handler, each operation authorised and guarded like an HTTP one."""

    view: SubscriptionEndpoint

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watchdog: asyncio.Task[None] | None = None
        self.closed = False
        # Ids of running subscriptions: each of their events is authorised before it leaves.
        self.streams: set[str] = set()
        # Each started operation's exchange, until it ends (its messages' error codes go in).
        self.exchanges: dict[str, Entry] = {}

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self.context.viewer is not None:
            self.watchdog = asyncio.create_task(self.watch_session())

    async def shutdown(self) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watchdog
        await super().shutdown()

    async def watch_session(self) -> None:
        """Check the session again periodically and at the token's expiry; close if revoked."""
        token = connection_token(self.context.connection_params)
        expires = token_expiry(token) if token else None
        while True:
            wait = self.view.reauth_seconds
            if expires is not None:
                wait = min(wait, max(0.0, expires - time.time()) + 0.01)
            await asyncio.sleep(wait)
            if await self.authorise() is False:
                return

    async def authorise(self) -> Viewer | None | bool:
        """The connection's viewer as of now; False once the socket is closed for it."""
        if self.closed:
            return False
        try:
            return await self.view.pipeline.viewer(connection_token(self.context.connection_params))
        except Unauthenticated:
            await self.close(CLOSE_UNAUTHORIZED, "Unauthorized")
        except Forbidden:
            await self.close(CLOSE_FORBIDDEN, "Forbidden")
        except BackendUnavailable:
            # Fail closed: nothing runs or leaves unauthorised; the client reconnects later.
            await self.close(CLOSE_TRY_AGAIN, "Try again later")
        return False

    async def close(self, code: int, reason: str) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(Exception):  # the peer may be gone already
                await self.websocket.close(code=code, reason=reason)

    async def send_message(self, message: Any) -> None:
        kind, op_id = message.get("type"), message.get("id")
        authorised = kind != "next" or op_id not in self.streams or await self.authorise() is not False
        if not authorised:
            return
        if op_id in self.exchanges and kind in ("next", "error"):
            payload = message.get("payload")
            errors = payload if kind == "error" else (payload or {}).get("errors", ())
            self.exchanges[op_id][0].operations[0].add_errors(errors or ())
        await super().send_message(message)

    def ended(self, op_id: str, entry: Entry) -> None:
        """An operation is over (answered, refused, completed or cancelled): report it."""
        if self.exchanges.get(op_id) is entry:
            del self.exchanges[op_id]
        exchange, stats = entry
        exchange.operations[0].finish()
        self.view.pipeline.report(exchange, stats)

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
        op_id, cap = message["id"], self.max_subscriptions_per_connection
        name = payload.get("operationName")
        record = OperationRecord(name=name if isinstance(name, str) else None)
        exchange = Exchange(
            request_id=uuid.uuid4().hex, method="WS", path=self.view.path,
            client_ip=self.context.client_ip, transport=WEBSOCKET.name, operations=[record],
        )
        stats = instrument.QueryStats()
        entry: Entry = (exchange, stats)
        self.exchanges[op_id] = entry
        counting = instrument.track(stats)  # the session check and the guards count, as over HTTP
        try:
            if cap is not None and len(self.operations) >= cap:
                raise InvalidInput(f"at most {cap} operations may run at once on one connection")
            await self.view.admit(self.context.client_ip)
            viewer = await self.authorise()
            if viewer is False:  # the socket is closed for it: no operation started
                del self.exchanges[op_id]
                return
            assert viewer is None or isinstance(viewer, Viewer)
            exchange.viewer_id = viewer.id if viewer is not None else None
            operation = await self.view.pipeline.prepare(
                viewer, read_request(payload), transport=WEBSOCKET, request_id=exchange.request_id,
                client_ip=self.context.client_ip, connection_params=self.context.connection_params,
            )
        except GraphApiError as exc:
            await self.send_message(ErrorMessage(id=op_id, type="error", payload=[refusal(exc)]))
            self.ended(op_id, entry)
            return
        finally:
            instrument.untrack(counting)
        if operation.type is OperationType.SUBSCRIPTION:
            self.streams.add(op_id)
            # Not counted: a subscription may run for hours and QueryStats keeps every query.
            entry = self.exchanges[op_id] = (exchange, None)
        else:
            self.streams.discard(op_id)
        # Strawberry creates the operation's task in here: it runs with the operation's Context,
        # fills in its record and counts its round trips.
        with running(operation, record, entry[1]):
            await super().handle_subscribe({**message, "payload": {**payload, "query": operation.query}})
        started = self.operations.get(op_id)
        if started is None or started.task is None:
            self.ended(op_id, entry)
        else:
            started.task.add_done_callback(lambda _: self.ended(op_id, entry))


async def _admit_all(client_ip: str) -> None:
    return None


class SubscriptionEndpoint(GraphQL[Context, None]):
    """Strawberry's WebSocket protocol handler; HTTP is served by GraphQLHTTP instead."""

    graphql_transport_ws_handler_class = GuardedTransportWSHandler

    def __init__(
        self, schema: Schema, *, pipeline: Pipeline, max_subscriptions_per_connection: int,
        admit: AddressGuard = _admit_all,
        allowed_origins: Sequence[str] = (), reauth_seconds: float = 10.0, path: str = "/graphql",
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=max_subscriptions_per_connection,
            allowed_origins=allowed_origins,
        )
        self.pipeline = pipeline
        self.admit = admit
        self.reauth_seconds = reauth_seconds
        self.path = path  # where it is served (access log lines)

    def encode_json(self, data: object) -> str | bytes:
        return encode_json(data).decode()  # graphql-transport-ws messages are text frames

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        client_ip = request.client.host if request.client else ""
        # The connection's own context: its address and connection_init payload. Operations
        # run with fresh ones (Pipeline.prepare, handed over by pipeline.running).
        return self.pipeline.contexts.build(None, uuid.uuid4().hex, client_ip)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        try:
            await self.admit(context.client_ip)
            token = connection_token(context.connection_params)
        except GraphApiError as exc:
            raise ConnectionRejectionError({"code": exc.code}) from None
        if token is None:
            return {"viewer": None}
        try:
            context.viewer = await self.pipeline.viewer(token)
        except GraphApiError as exc:
            raise ConnectionRejectionError({"code": exc.code}) from None
        viewer = context.viewer
        return {"viewer": to_global_id("Person", viewer.id) if viewer else None}
