"""The one request pipeline: what every GraphQL operation passes, by HTTP or WebSocket.

A transport (graph_api.http, graph_api.websocket) frames requests and answers; for each
operation it reads the request (`read_request`), finds the viewer as of now (`viewer`:
signature, expiry, session version, suspension, role; over HTTP a query's first composed
read, or a like's write, may make the database's part of that check, and `settle` acts on
it) and calls
`prepare`: a fresh Context with fresh DataLoaders, then the guards (graph_api.guards: rate
limits, persisted queries, the operation choice). Strawberry then runs the operation with
that Context and the schema's extensions, the same for both transports: graph_api.limits
(tokens, depth, aliases, cost; parse and validation cached) and graph_api.errors (codes,
masking).
Refusals before execution are expected failures (GraphApiError); each transport turns
them into its answer with graph_api.errors.refusal. Which operation types a transport
accepts is a `Transport` here, checked by `prepare`.

Observers (the access log, metrics) see every exchange through `report`: an HTTP request
with its operations, or one WebSocket operation from its `subscribe` to its end. Each
operation is an `OperationRecord` (name and type from the parsed document, time, error
codes); the database round trips are counted in the exchange's QueryStats.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, LiteralString, Protocol

from graphql import OperationType
from strawberry.extensions import SchemaExtension

from graph_api.config import Settings
from graph_api.guards import Guards
from graph_db import instrument
from graph_db.accounts import write_checked
from graph_db.backend import Executor, Params, Row
from graph_db.dialect import Dialect
from graph_db.errors import BackendUnavailable, Forbidden, GraphApiError, InvalidInput
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services
from resolvers.sessions import CHECKED_IN_WRITE

log = logging.getLogger("graph_api.pipeline")


class Authenticator(Protocol):
    """Bearer token -> Viewer, or UNAUTHENTICATED (resolvers.accounts.TokenAuthenticator);
    with `defer`, possibly a Viewer whose session check is still to come, which `confirm`
    makes (resolvers.sessions.SessionCheck)."""

    async def __call__(self, token: str, *, defer: bool = False) -> Viewer: ...

    async def confirm(self, viewer: Viewer) -> Viewer: ...


@dataclass(frozen=True)
class Transport:
    """A way operations arrive, and the operation types it accepts."""

    name: str  # the `transport` of access log lines and metrics
    accepts: frozenset[OperationType]
    refused: str  # what a client sending another type is told (BAD_USER_INPUT)


HTTP_GET = Transport("http", frozenset({OperationType.QUERY}), "only queries may be sent with GET; use POST")
HTTP_POST = Transport(
    "http", frozenset({OperationType.QUERY, OperationType.MUTATION}),
    "subscriptions are served over WebSocket at this path",
)
WEBSOCKET = Transport("websocket", frozenset(OperationType), "")


class OperationTypeRefused(InvalidInput):
    """The document's operation is of a type its transport does not accept."""

    def __init__(self, transport: Transport, operation_type: OperationType) -> None:
        super().__init__(transport.refused)
        self.transport, self.operation_type = transport, operation_type


@dataclass
class OperationRecord:
    """What one operation was and how it ended (for metrics and logs)."""

    name: str | None = None
    type: str | None = None
    known: bool = False  # name and type come from the parsed document
    seconds: float = 0.0
    error_codes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def add_errors(self, errors: Iterable[Any]) -> None:
        """Count the codes of formatted GraphQL errors (an answer's or a message's `errors`)."""
        self.error_codes += [
            str((error.get("extensions") or {}).get("code", "INTERNAL_SERVER_ERROR")) for error in errors
        ]

    def finish(self) -> None:
        self.seconds = time.perf_counter() - self.started


@dataclass
class Exchange:
    """One HTTP request to /graphql, or one WebSocket operation, as observers see it.

    Never holds variables or tokens. `status` is the HTTP status (None over WebSocket).
    """

    request_id: str
    method: str
    path: str
    client_ip: str
    transport: str = HTTP_POST.name
    status: int | None = None
    seconds: float = 0.0
    viewer_id: str | None = None
    # None: not counted (a subscription's: it may run for hours, QueryStats keeps every query).
    round_trips: int | None = 0
    db_seconds: float | None = 0.0
    operations: list[OperationRecord] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)  # failures before any operation ran
    started: float = field(default_factory=time.perf_counter)


Observer = Callable[[Exchange], None]

# The record of the operation running in this context (HTTP: the request's task; WebSocket:
# the operation's task, which inherits it from `running`), filled in by OperationCapture.
_current_operation: contextvars.ContextVar[OperationRecord | None] = contextvars.ContextVar(
    "graph_api_operation", default=None
)


def track_operation(record: OperationRecord) -> contextvars.Token[OperationRecord | None]:
    """Until `untrack_operation`, OperationCapture fills in `record`."""
    return _current_operation.set(record)


def untrack_operation(token: contextvars.Token[OperationRecord | None]) -> None:
    _current_operation.reset(token)


class OperationCapture(SchemaExtension):
    """Records which operation of the document ran (for bounded metric labels)."""

    def on_validate(self) -> Iterator[None]:
        record = _current_operation.get()
        if record is not None:
            context = self.execution_context
            try:
                record.type = context.operation_type.value
            except RuntimeError:
                pass
            else:
                record.name, record.known = context.operation_name, True
        yield


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

    @property
    def authenticator(self) -> Authenticator:
        # Set by the lifespan together with the services.
        authenticator: Authenticator | None = self._state.get("authenticator")
        if authenticator is None:
            raise BackendUnavailable("the service is starting")
        return authenticator

    async def viewer_for_token(self, token: str | None, *, defer: bool = False) -> Viewer | None:
        return None if token is None else await self.authenticator(token, defer=defer)

    def build(self, viewer: Viewer | None, request_id: str, client_ip: str) -> Context:
        services = self.services
        db: Executor = services.backend.session(causal_key=viewer.id if viewer else None)
        if viewer is not None and viewer.check is not None:
            db = CheckedWrites(db, viewer, self.authenticator, services.clock)
        loaders = Loaders(db, viewer.id if viewer else None)
        if viewer is not None and viewer.person is not None and viewer.fresh:
            # The authenticator just read the viewer's record: `me` need not read it again.
            loaders.person_by_id.prime(viewer.id, viewer.person)
        return Context(
            db=db, services=services, loaders=loaders, viewer=viewer,
            request_id=request_id, client_ip=client_ip,
        )


class CheckedWrites:
    """The executor of an operation whose viewer's check is still to come: reads run at once;
    a write carries the check (graph_db.accounts.write_checked), and is made only if, as it
    runs, the check holds the viewer the operation assumed: their session, no suspension, the
    site role. A write that held answers the check (Pipeline.settle then reads nothing). One
    that did not, or answered no rows, is followed by the check itself: a void token or a
    suspension raises; another role raises FORBIDDEN (Pipeline.settle runs the operation again
    as the viewer really is); a viewer found as assumed makes the write again plainly (every
    write is safe to repeat), so its answer is the statement's own."""

    def __init__(
        self, db: Executor, viewer: Viewer, authenticator: Authenticator, clock: Callable[[], int]
    ) -> None:
        if viewer.check is None:
            raise ValueError("the viewer has no check to come")
        self._db = db
        self._viewer = viewer
        self._check = viewer.check
        self._authenticator = authenticator
        self._clock = clock

    @property
    def dialect(self) -> Dialect:
        return self._db.dialect

    async def read(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        return await self._db.read(query, params)

    async def write(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        check, role = self._check, self._viewer.role
        if not check.answered and check.held_as is None:
            rows, held = await write_checked(self._db, query, params, check.claim(role), now=self._clock())
            if held:
                check.hold(role)
                return rows
        confirmed = await self._authenticator.confirm(self._viewer)  # raises if it is void
        if confirmed.role != role:
            raise Forbidden("the viewer's role is not the one assumed: the operation runs again")
        return await self._db.write(query, params)


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

    def __init__(
        self, contexts: RequestContexts, guards: Guards, observers: Sequence[Observer] = ()
    ) -> None:
        self.contexts = contexts
        self.guards = guards
        self.observers = tuple(observers)

    async def viewer(self, token: str | None, *, defer: bool = False) -> Viewer | None:
        """Who a token is right now (signature, expiry, session version, suspension, role).
        With `defer`, the database's part of that may be left to the operation's first
        composed read: `prepare` makes it first for anything but a query, `settle` after."""
        return await self.contexts.viewer_for_token(token, defer=defer)

    async def prepare(
        self, viewer: Viewer | None, request: GraphQLRequest, *, transport: Transport,
        request_id: str, client_ip: str, connection_params: dict[str, Any] | None = None,
    ) -> Operation:
        """A fresh Context for the operation, then the guards and the transport's operation
        types; GraphApiError to refuse it. Only a query, or a mutation whose write carries the
        check (`_checked_later`), runs with its viewer's check still to come
        (`viewer(defer=True)`); anything else, or a refusal, makes the check first, so a void
        token is refused as such before anything else is said."""
        request_id = request_id or uuid.uuid4().hex
        context = self.contexts.build(viewer, request_id, client_ip)
        try:
            query, operation_type = await self.guards.operation(context, request)
            if not query:
                raise InvalidInput("`query` is required")
            if operation_type is not None and operation_type not in transport.accepts:
                raise OperationTypeRefused(transport, operation_type)
        except GraphApiError:
            if viewer is not None and viewer.check is not None:
                await self.contexts.authenticator.confirm(viewer)
            raise
        if viewer is not None and viewer.check is not None and not self._checked_later(
            operation_type, query, request.operation_name
        ):
            context = self.contexts.build(
                await self.contexts.authenticator.confirm(viewer), request_id, client_ip
            )
        context.connection_params = connection_params
        return Operation(
            context=context, query=query, variables=request.variables,
            operation_name=request.operation_name, extensions=request.extensions, type=operation_type,
        )

    def _checked_later(self, operation_type: OperationType | None, query: str, name: str | None) -> bool:
        """Whether the operation may run before its viewer's check: a query, or a mutation of
        resolvers.sessions.CHECKED_IN_WRITE (its write carries the check: CheckedWrites)."""
        if operation_type is OperationType.QUERY:
            return True
        if operation_type is not OperationType.MUTATION:
            return False
        fields = self.guards.root_fields(query, name)
        return fields is not None and fields <= CHECKED_IN_WRITE

    async def settle(self, operation: Operation) -> Operation | None:
        """After an operation ran on a viewer still to be checked (`viewer(defer=True)`): None
        if the check holds it as it ran, or the same operation to run again as the viewer really
        is (another role: no write was made, CheckedWrites refused it). A void token or a
        suspension raises, as `viewer` would have: the answer already computed is dropped."""
        viewer = operation.context.viewer
        if viewer is None or viewer.check is None:
            return None
        confirmed = await self.contexts.authenticator.confirm(viewer)
        if confirmed.role == viewer.role:
            return None
        context = self.contexts.build(confirmed, operation.context.request_id, operation.context.client_ip)
        return replace(operation, context=context)

    def report(self, exchange: Exchange, stats: instrument.QueryStats | None) -> None:
        """An exchange is over: its time and database work (if counted), then every observer."""
        exchange.seconds = time.perf_counter() - exchange.started
        if stats is None:
            exchange.round_trips = exchange.db_seconds = None
        else:
            exchange.round_trips, exchange.db_seconds = stats.round_trips, stats.seconds
        for observer in self.observers:
            try:
                observer(exchange)
            except Exception:  # an observer's bug must not turn an answer into a failure
                log.exception("exchange observer failed", extra={"request_id": exchange.request_id})


# The Context of the operation a WebSocket task runs (read by OperationContext).
_operation_context: contextvars.ContextVar[Context | None] = contextvars.ContextVar(
    "graph_api_operation_context", default=None
)


class OperationContext(SchemaExtension):
    """Runs a streamed (WebSocket) operation with the Context the pipeline made for it.

    Strawberry's graphql-transport-ws handler passes the connection's context to every
    operation; `running` around the handler's `handle_subscribe` (which starts
    the operation's task, inheriting this context variable) hands over the operation's own.
    HTTP passes its Context to Schema.execute directly, so this does nothing there.
    """

    def on_operation(self) -> Iterator[None]:
        context = _operation_context.get()
        if context is not None:
            self.execution_context.context = context
        yield


@contextlib.contextmanager
def running(
    operation: Operation, record: OperationRecord, stats: instrument.QueryStats | None
) -> Iterator[None]:
    """Within: tasks started (Strawberry's operation task) run with `operation`'s Context,
    fill in `record` and count their database round trips into `stats` (None: not counted)."""
    reset = _operation_context.set(operation.context)
    recording = track_operation(record)
    counting = instrument.track(stats) if stats is not None else None
    try:
        yield
    finally:
        if counting is not None:
            instrument.untrack(counting)
        untrack_operation(recording)
        _operation_context.reset(reset)
