"""Neo4j 5 backend on the official async driver: managed transactions, routing, bookmarks."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, LiteralString

import neo4j
import neo4j.exceptions as neo4j_errors
from neo4j import AsyncGraphDatabase, RoutingControl

from graph_db import instrument
from graph_db.backend import Executor, Params, Row
from graph_db.dialect import Command, Neo4jDialect, SchemaStatement
from graph_db.errors import BackendError, BackendUnavailable, ConstraintViolation, GraphApiError

_BOOKMARK_KEYS = 10_000


def translate_error(exc: BaseException) -> GraphApiError:
    """Map a neo4j driver exception to our taxonomy."""
    if isinstance(exc, GraphApiError):
        return exc
    if isinstance(exc, neo4j_errors.ConstraintError):
        return ConstraintViolation("a record with the same unique value already exists")
    if isinstance(
        exc,
        neo4j_errors.ServiceUnavailable | neo4j_errors.SessionExpired
        | neo4j_errors.TransientError | OSError,
    ):
        return BackendUnavailable("the database is not reachable")
    if isinstance(exc, neo4j_errors.ClientError) and "timeout" in (exc.code or "").lower():
        return BackendUnavailable("the database took too long to answer")
    return BackendError(f"database error: {exc}")


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
        max_transaction_retry_time: float = 15.0,
    ) -> None:
        self._driver = AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_connection_pool_size=max_pool_size,
            connection_acquisition_timeout=acquisition_timeout,
            max_transaction_retry_time=max_transaction_retry_time,
        )
        self._database = database
        self._dialect = Neo4jDialect()
        self._managers: OrderedDict[str, neo4j.api.AsyncBookmarkManager] = OrderedDict()

    @property
    def dialect(self) -> Neo4jDialect:
        return self._dialect

    def session(self, causal_key: str | None = None) -> Executor:
        if causal_key is None:
            return self
        manager = self._managers.get(causal_key)
        if manager is None:
            manager = AsyncGraphDatabase.bookmark_manager()
            self._managers[causal_key] = manager
            if len(self._managers) > _BOOKMARK_KEYS:
                self._managers.popitem(last=False)
        else:
            self._managers.move_to_end(causal_key)
        return _CausalSession(self, manager)

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
            rows: list[Row] = await self._driver.execute_query(
                query,
                dict(params or {}),
                database_=self._database,
                routing_=routing,
                bookmark_manager_=manager,
                result_transformer_=_rows,
            )
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
