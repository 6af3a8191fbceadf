"""Neo4j 5 backend on the official async driver: managed transactions, routing, bookmarks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString, Protocol, TypeVar

import neo4j
import neo4j.exceptions as neo4j_errors
from neo4j import AsyncGraphDatabase, RoutingControl

from graph_db import instrument
from graph_db.backend import Executor, Params, Row
from graph_db.dialect import Command, Neo4jDialect, SchemaStatement
from graph_db.errors import (
    BackendError,
    BackendUnavailable,
    ConstraintViolation,
    GraphApiError,
    InvalidInput,
)

_BOOKMARK_KEYS = 10_000
_PLANNED_TEXTS = 4_096

T = TypeVar("T")

# The driver's DEBUG log writes every query's parameters (password hashes, tokens, personal
# data): it is never let below INFO, whatever the root logger's level.
logging.getLogger("neo4j").setLevel(logging.INFO)


# Server status codes (Neo.<Classification>.<Category>.<Title>) that mean "not now" rather
# than "our bug": the transaction ran out of time, was terminated (by an operator, a timeout or
# a leader switch), or the database or its credentials are not available to this service.
_UNAVAILABLE_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",  # ...TimedOut and ...TimedOutClientConfiguration
    "Neo.ClientError.Transaction.Terminated",
    "Neo.TransientError.Transaction.Terminated",
    "Neo.ClientError.Transaction.LockClientStopped",
    "Neo.ClientError.Database.DatabaseNotFound",
    "Neo.ClientError.Security.Unauthorized",
    "Neo.ClientError.Security.AuthenticationRateLimit",
    "Neo.ClientError.Security.TokenExpired",
)


def translate_error(exc: BaseException) -> GraphApiError:
    """Map a neo4j driver exception to our taxonomy (by class and status code, never by text)."""
    if isinstance(exc, GraphApiError):
        return exc
    if isinstance(exc, UnicodeEncodeError):
        # The driver packs text as UTF-8 before anything is sent: an unpaired surrogate is
        # the client's (FalkorDB's encoder refuses the same value the same way).
        return InvalidInput("text must be valid Unicode (it has an unpaired surrogate)")
    if isinstance(exc, neo4j_errors.ConstraintError):
        return ConstraintViolation("a record with the same unique value already exists")
    code = getattr(exc, "code", None) or ""
    if code.startswith("Neo.ClientError.Transaction.TransactionTimedOut"):
        return BackendUnavailable("the database took too long to answer")
    if isinstance(exc, neo4j_errors.AuthError) or code.startswith("Neo.ClientError.Security."):
        return BackendUnavailable("the database refused the service's credentials")
    if code == "Neo.ClientError.Database.DatabaseNotFound":
        return BackendUnavailable("the configured database does not exist")
    if code.startswith(_UNAVAILABLE_CODES):
        return BackendUnavailable("the database stopped the transaction; try again")
    if type(exc) is neo4j_errors.ClientError and not code:
        # Every server error has a status code; driver 5.x raises its one client-side
        # ClientError, a codeless one, when no pooled connection frees up in time.
        return BackendUnavailable("the database is overloaded; try again shortly")
    if isinstance(
        exc,
        neo4j_errors.ServiceUnavailable | neo4j_errors.SessionExpired
        | neo4j_errors.TransientError | neo4j_errors.DatabaseUnavailable | OSError,
    ):
        return BackendUnavailable("the database is not reachable")
    return BackendError(f"database error: {code or type(exc).__name__}: {_message(exc)}")


def _message(exc: BaseException) -> str:
    # Neo4j errors carry the server's message only (never parameter values); keep it short.
    message = getattr(exc, "message", None) or str(exc)
    return str(message).split("\n", 1)[0][:300]


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    if isinstance(value, neo4j.graph.Node | neo4j.graph.Relationship | neo4j.graph.Path):
        raise BackendError(
            "queries must return scalars, lists and maps: project nodes and relationships "
            "with map projections"
        )
    return value


async def _rows(result: neo4j.AsyncResult) -> list[Row]:
    return [{k: _value(v) for k, v in record.items()} async for record in result]


class FirstRuns:
    """Lets one run of a statement text through at a time until one has succeeded.

    Neo4j plans a text once and caches the plan, but runs that arrive together before then
    each plan it: the like statement takes 0.5 s to plan on the test server, and 200 likes
    arriving at once after a start planned it about 100 times over, holding the pool's
    connections 7 s on an idle machine and past the 30 s acquisition timeout on a loaded
    one. Waiting here costs a text's first burst one plan's time; afterwards it is one set
    lookup (the texts are constants, their hashes cached). A first run slower than `wait`
    seconds is waiting for something else than its plan (a lock, a slow database): the others
    go ahead. The set is bounded (operations compiled into statements are many); a text
    forgotten is let through alone once more.
    """

    def __init__(self, wait: float, limit: int = _PLANNED_TEXTS) -> None:
        self._wait = wait
        self._limit = limit
        self._planned: set[str] = set()
        self._planning: dict[str, asyncio.Event] = {}

    async def run(self, text: str, call: Callable[[], Awaitable[T]]) -> T:
        if text in self._planned:
            return await call()
        while (pending := self._planning.get(text)) is not None:
            try:
                await asyncio.wait_for(pending.wait(), self._wait)
            except TimeoutError:
                return await call()
            if text in self._planned:
                return await call()
        # This run goes first (alone, or again after a first run that failed).
        done = self._planning[text] = asyncio.Event()
        try:
            result = await call()
        finally:
            del self._planning[text]
            done.set()
        if len(self._planned) >= self._limit:
            self._planned.clear()
        self._planned.add(text)
        return result


class BookmarkStore(Protocol):
    """Where a viewer's latest bookmarks live between requests, shared by every API replica."""

    async def get(self, key: str) -> list[str]: ...

    async def put(self, key: str, bookmarks: list[str]) -> None: ...


class _CausalSession:
    """Reads and writes sharing one bookmark manager: a viewer reads their own writes."""

    def __init__(self, backend: Neo4jBackend, manager: neo4j.api.AsyncBookmarkManager) -> None:
        self._backend = backend
        self._manager = manager

    @property
    def dialect(self) -> Neo4jDialect:
        return self._backend.dialect

    async def read(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        return await self._backend.run(query, params, RoutingControl.READ, self._manager)

    async def write(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        return await self._backend.run(query, params, RoutingControl.WRITE, self._manager)


class Neo4jBackend:
    """One driver per process; sessions are opened per query by `execute_query`."""

    def __init__(
        self,
        uri: str,
        *,
        user: str,
        password: str,
        database: str = "neo4j",
        max_pool_size: int = 100,
        acquisition_timeout: float = 30.0,
        query_timeout_ms: int | None = None,
        retry_seconds: float = 3.0,
        connection_timeout: float = 5.0,
        plan_wait: float = 5.0,
        bookmarks: BookmarkStore | None = None,
    ) -> None:
        # The retry budget bounds how long a request waits while the database is down (the
        # driver's default, 30 s of retries over 30 s connection attempts, held each request
        # 17-34 s): a few retries ride out a leader switch; a longer outage answers
        # SERVICE_UNAVAILABLE promptly.
        self._driver = AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=max_pool_size,
            connection_acquisition_timeout=acquisition_timeout,
            connection_timeout=connection_timeout,
            max_transaction_retry_time=retry_seconds,
            # Server notifications (deprecations, performance hints) are for development:
            # the driver logs each with the query text at WARNING on every run.
            notifications_min_severity="OFF",
        )
        self._timeout = query_timeout_ms / 1000 if query_timeout_ms else None
        self._database = database
        self._dialect = Neo4jDialect()
        self._managers: OrderedDict[str, neo4j.api.AsyncBookmarkManager] = OrderedDict()
        self._bookmarks = bookmarks
        self._first_runs = FirstRuns(plan_wait)

    @property
    def dialect(self) -> Neo4jDialect:
        return self._dialect

    def session(self, causal_key: str | None = None) -> Executor:
        if causal_key is None:
            return self
        manager = self._managers.get(causal_key)
        if manager is None:
            manager = self._bookmark_manager(causal_key)
            self._managers[causal_key] = manager
            if len(self._managers) > _BOOKMARK_KEYS:
                self._managers.popitem(last=False)
        else:
            self._managers.move_to_end(causal_key)
        return _CausalSession(self, manager)

    def _bookmark_manager(self, key: str) -> neo4j.api.AsyncBookmarkManager:
        """Bookmarks for one viewer: in this process, and in the shared store when there is one
        (so that a viewer's next request, on whichever replica, reads their own writes)."""
        store = self._bookmarks
        if store is None:
            return AsyncGraphDatabase.bookmark_manager()

        async def supply() -> neo4j.Bookmarks:
            return neo4j.Bookmarks.from_raw_values(await store.get(key))

        async def consume(bookmarks: neo4j.Bookmarks) -> None:
            await store.put(key, sorted(bookmarks.raw_values))

        return AsyncGraphDatabase.bookmark_manager(
            bookmarks_supplier=supply, bookmarks_consumer=consume,
        )

    async def read(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        return await self.run(query, params, RoutingControl.READ, None)

    async def write(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        return await self.run(query, params, RoutingControl.WRITE, None)

    async def run(
        self,
        query: LiteralString,
        params: Params | None,
        routing: RoutingControl,
        manager: neo4j.api.AsyncBookmarkManager | None,
    ) -> list[Row]:
        """A managed transaction (retried by the driver on transient failures)."""
        started = time.perf_counter()
        ok = False
        kind = "read" if routing is RoutingControl.READ else "write"
        try:
            rows: list[Row] = await self._first_runs.run(query, lambda: self._driver.execute_query(
                neo4j.Query(query, timeout=self._timeout) if self._timeout else query,
                dict(params or {}),
                database_=self._database,
                routing_=routing,
                bookmark_manager_=manager,
                result_transformer_=_rows,
            ))
            ok = True
            return rows
        except GraphApiError:
            raise
        except Exception as exc:
            raise translate_error(exc) from exc
        finally:
            instrument.record(kind, query, time.perf_counter() - started, ok, params)

    async def apply_schema(self, statement: SchemaStatement) -> None:
        if isinstance(statement, Command):
            raise BackendError("Neo4j takes schema statements as Cypher only")
        await self.run(statement.text, None, RoutingControl.WRITE, None)
        # Indexes populate in the background; wait so that the first query can use them.
        await self.run("CALL db.awaitIndexes(300)", None, RoutingControl.WRITE, None)

    async def health(self) -> bool:
        # A trivial read rather than verify_connectivity(database=...), which warns
        # (PreviewWarning) on every call in driver 5.x.
        try:
            await self.read("RETURN 1 AS ok")
            return True
        except Exception:
            return False

    async def drop_all(self) -> None:
        """Delete every node (the conformance suite's per-test reset on a throwaway database)."""
        await self.write("MATCH (n) DETACH DELETE n")

    async def close(self) -> None:
        await self._driver.close()
