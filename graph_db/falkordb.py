"""FalkorDB backend: Cypher over the falkordb client's asyncio connection, compact results."""

from __future__ import annotations

import asyncio
import contextlib
import math
import re
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, LiteralString

import redis.asyncio as aioredis
import redis.exceptions as redis_errors
from falkordb.asyncio import FalkorDB

from graph_db import instrument
from graph_db.backend import Executor, Params, Row
from graph_db.dialect import Command, Cypher, FalkorDialect, SchemaStatement, identifier
from graph_db.errors import (
    BackendError,
    BackendUnavailable,
    ConstraintViolation,
    GraphApiError,
    InvalidInput,
)
from graph_db.resp import PipelinedPool

# Compact result-set value types (FalkorDB's RESP protocol).
_NULL, _STRING, _INTEGER, _BOOLEAN, _DOUBLE, _ARRAY = 1, 2, 3, 4, 5, 6
_MAP, _POINT = 10, 11
_AS_IS = frozenset((_STRING, _INTEGER))  # kinds whose value is the decoded value
_CONSTRAINT_WAIT_SECONDS = 30.0


STORAGE_FULL = (
    "the database cannot write to its disk (full or failing): writes are refused until space "
    "is freed; reads still work"
)


def translate_error(exc: BaseException) -> GraphApiError:
    """Map a redis/FalkorDB exception to our taxonomy (the only place that reads messages)."""
    if isinstance(exc, GraphApiError):
        return exc
    if isinstance(exc, redis_errors.BusyLoadingError):
        return BackendUnavailable("the database is loading its data; try again shortly")
    if isinstance(exc, redis_errors.ConnectionError | redis_errors.TimeoutError | OSError):
        return BackendUnavailable("the database is not reachable")
    message = str(exc)
    lowered = message.lower()
    if lowered.startswith("misconf") or "no space left" in lowered:
        # The server cannot persist (disk full or failing): it refuses writes, serves reads.
        instrument.record_disk_full()
        return BackendUnavailable(STORAGE_FULL)
    if "unique constraint violation" in lowered:
        return ConstraintViolation("a record with the same unique value already exists")
    if "query timed out" in lowered or "timeout" in lowered:
        return BackendUnavailable("the database took too long to answer")
    if "max pending queries exceeded" in lowered:
        return BackendUnavailable("the database is overloaded; try again shortly")
    # FalkorDB appends the query text (our parameter header included) as errCtx: drop it, so
    # that logs of internal errors never carry parameter values.
    return BackendError(f"database error: {message.split(' errCtx:', 1)[0]}")


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def encode_param(value: Any) -> str:
    """Render a parameter value as a Cypher literal for FalkorDB's `CYPHER k=v` header.

    Total over what a client can send: every string, integer, float, list and map is either
    rendered so that FalkorDB reads back the same value, or refused with InvalidInput
    (BAD_USER_INPUT) before anything reaches the database: NUL characters (FalkorDB's
    strings end at NUL, and the header's parser stops there), unpaired surrogates (not
    encodable as UTF-8), integers beyond 64 bits, NaN and infinities.
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise InvalidInput("a number is out of range (64-bit integers only)")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput("NaN and infinity are not accepted")
        return repr(value)
    if isinstance(value, str):
        return _encode_string(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(encode_param(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_map_key(k)}:{encode_param(v)}" for k, v in value.items()) + "}"
    raise BackendError(f"unsupported parameter type {type(value).__name__}")


def _encode_string(value: str) -> str:
    if "\x00" in value:
        raise InvalidInput("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("text must be valid Unicode (it has an unpaired surrogate)") from None
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _map_key(key: object) -> str:
    if not isinstance(key, str):
        raise BackendError(f"map keys must be strings, not {type(key).__name__}")
    try:
        return identifier(key)
    except ValueError:
        raise InvalidInput("a map key is not a valid name (letters, digits and _ only)") from None


def render(query: str, params: Params | None) -> str:
    if not params:
        return query
    header = " ".join(f"{identifier(k)}={encode_param(v)}" for k, v in params.items())
    return f"CYPHER {header} {query}"


def _decode(cell: list[Any]) -> Any:
    kind, value = cell
    if kind in _AS_IS:
        return value
    if kind == _MAP:
        return _decode_map(value)
    if kind == _ARRAY:
        return _decode_array(value)
    if kind == _NULL:
        return None
    if kind == _BOOLEAN:
        return value == "true"
    if kind == _DOUBLE:
        number = float(value)
        if math.isinf(number) and "inf" not in value.lower():
            # Doubles come back with 15 significant digits: the largest ones round past the
            # largest double ("1.79769313486232e+308"); they were finite when stored.
            return math.copysign(sys.float_info.max, number)
        return number
    if kind == _POINT:
        return {"latitude": float(value[0]), "longitude": float(value[1])}
    raise BackendError(
        "queries must return scalars, lists and maps: project nodes and relationships "
        "with map projections"
    )


# The hot loop of every read (a page is a few thousand cells): strings, integers and nulls,
# most of the cells, are taken in line rather than through a call each.


def _decode_map(flat: list[Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    pairs = iter(flat)
    for key, cell in zip(pairs, pairs, strict=True):
        kind = cell[0]
        if kind in _AS_IS:
            decoded[key] = cell[1]
        elif kind == _NULL:
            decoded[key] = None
        else:
            decoded[key] = _decode(cell)
    return decoded


def _decode_array(cells: list[Any]) -> list[Any]:
    return [
        cell[1] if cell[0] in _AS_IS else _decode(cell)
        for cell in cells
    ]


def decode_result(response: list[Any]) -> list[Row]:
    """Turn a compact GRAPH.QUERY reply into rows keyed by column name."""
    last = response[-1] if response else None
    if isinstance(last, redis_errors.ResponseError):
        raise translate_error(last)
    if len(response) < 3:
        return []
    columns = [column[1] for column in response[0]]
    return [
        {name: _decode(cell) for name, cell in zip(columns, row, strict=True)}
        for row in response[1]
    ]


# What the FalkorDB dialect's DDL creates (graph_db.dialect.FalkorDialect.schema), to look up
# before applying it; and the procedures that list what a graph has.
_DDL_RELATIONSHIP_TYPE = re.compile(r"CREATE \(a\)-\[r:(\w+)\]->\(b\) DELETE r, a, b")
_DDL_INDEXES = (
    (re.compile(r"CREATE INDEX FOR \(n:(\w+)\) ON \(([\w., ]+)\)"), "NODE", "RANGE"),
    (re.compile(r"CREATE INDEX FOR \(\)-\[n:(\w+)\]-\(\) ON \(([\w., ]+)\)"), "RELATIONSHIP", "RANGE"),
    (re.compile(r"CREATE FULLTEXT INDEX FOR \(n:(\w+)\) ON \(([\w., ]+)\)"), "NODE", "FULLTEXT"),
    (re.compile(r"CREATE VECTOR INDEX FOR \(n:(\w+)\) ON \((n\.\w+)\) OPTIONS .*"), "NODE", "VECTOR"),
)
_CONSTRAINTS: LiteralString = (
    "CALL db.constraints() YIELD type, label, properties, entitytype, status "
    "RETURN type, label, properties, entitytype, status"
)
_INDEXES: LiteralString = (
    "CALL db.indexes() YIELD label, types, entitytype RETURN label, types, entitytype"
)
_RELATIONSHIP_TYPES: LiteralString = (
    "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType"
)


class FalkorDBBackend:
    """One graph on a FalkorDB server. Strongly consistent: one server, atomic queries."""

    def __init__(
        self,
        client: aioredis.Redis,
        graph: str,
        *,
        query_timeout_ms: int | None = None,
        on_close: Callable[[], Any] | None = None,
        health_hook: Callable[[], bool] | None = None,
        write_guard: Callable[[], str | None] | None = None,
        statements: PipelinedPool,
    ) -> None:
        self._client = client
        # Statements travel on their own pipelined connections (graph_db.resp); everything
        # else (schema, health, pub/sub, counters) on the redis-py client.
        self._statements = statements
        self._graph = graph
        self._timeout = query_timeout_ms
        self._on_close = on_close
        self._health_hook = health_hook
        # Says why writes are refused right now (the embedded server's disk is nearly full),
        # so that they are refused before the database fails them (or, fsync=always, exits).
        self._write_guard = write_guard
        self._dialect = FalkorDialect()

    @classmethod
    def connect(
        cls,
        *,
        graph: str,
        url: str | None = None,
        unix_socket: str | None = None,
        max_connections: int = 32,
        pool_timeout: float = 10.0,
        socket_timeout: float = 30.0,
        query_timeout_ms: int | None = None,
        health_hook: Callable[[], bool] | None = None,
        write_guard: Callable[[], str | None] | None = None,
    ) -> FalkorDBBackend:
        """Open a bounded connection pool to a server by URL or unix socket."""
        options: dict[str, Any] = {
            "max_connections": max_connections,
            "timeout": pool_timeout,
            "socket_timeout": socket_timeout,
            "socket_connect_timeout": 5.0,
            "decode_responses": True,
        }
        if unix_socket is not None:
            pool = aioredis.BlockingConnectionPool(
                connection_class=aioredis.UnixDomainSocketConnection, path=unix_socket, **options
            )
            statements = PipelinedPool.for_unix_socket(
                unix_socket, size=max_connections, timeout=socket_timeout
            )
        elif url is not None:
            pool = aioredis.BlockingConnectionPool.from_url(url, **options)
            statements = PipelinedPool.for_url(url, size=max_connections, timeout=socket_timeout)
        else:
            raise ValueError("a FalkorDB url or unix socket is required")
        try:
            # The client asks the server whether it is a cluster here, synchronously: an
            # unreachable server fails now, as BackendUnavailable like any later query.
            client = FalkorDB(connection_pool=pool).connection
        except (redis_errors.RedisError, OSError) as exc:
            raise translate_error(exc) from exc

        async def close() -> None:
            await statements.close()
            await pool.disconnect()

        return cls(
            client, graph, query_timeout_ms=query_timeout_ms, health_hook=health_hook,
            write_guard=write_guard, on_close=close, statements=statements,
        )

    @property
    def dialect(self) -> FalkorDialect:
        return self._dialect

    @property
    def graph(self) -> str:
        return self._graph

    @property
    def client(self) -> aioredis.Redis:
        """The underlying Redis client (pub/sub, rate-limit counters share the server)."""
        return self._client

    def with_graph(self, graph: str) -> FalkorDBBackend:
        """Another graph on the same server and pool (tests: one graph per test)."""
        return FalkorDBBackend(
            self._client, graph, query_timeout_ms=self._timeout, health_hook=self._health_hook,
            write_guard=self._write_guard, statements=self._statements,
        )

    def session(self, causal_key: str | None = None) -> Executor:
        # A single FalkorDB server is strongly consistent: every read sees every acked write.
        return self

    async def read(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        return await self._execute("GRAPH.RO_QUERY", "read", query, params)

    async def write(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        if self._write_guard is not None and (reason := self._write_guard()) is not None:
            instrument.record("write", query, 0.0, False, params)  # counted as a failed write
            instrument.record_disk_full()
            raise BackendUnavailable(reason)
        return await self._execute("GRAPH.QUERY", "write", query, params)

    async def _execute(
        self, command: str, kind: str, query: str, params: Params | None
    ) -> list[Row]:
        args: list[Any] = [command, self._graph, render(query, params), "--compact"]
        if self._timeout:
            args += ["timeout", self._timeout]
        started = time.perf_counter()
        ok = False
        try:
            response = await self._statements.execute(*args)
            rows = decode_result(response)
            ok = True
            return rows
        except GraphApiError:
            raise
        except Exception as exc:  # every driver failure is translated, never leaked
            raise translate_error(exc) from exc
        finally:
            instrument.record(kind, query, time.perf_counter() - started, ok, params)

    async def apply_schema(self, statement: SchemaStatement) -> None:
        try:
            # FalkorDB has no IF NOT EXISTS, and a DDL command it refuses still reaches the
            # append-only log (to fail again on every replay): look first, so that a restart
            # on an up-to-date graph writes nothing at all.
            if await self._schema_has(statement):
                if isinstance(statement, Command):
                    await self._wait_for_constraint(statement)
                return
            if isinstance(statement, Cypher):
                await self._client.execute_command("GRAPH.QUERY", self._graph, statement.text)
            else:
                await self._create_constraint(statement)
        except redis_errors.ResponseError as exc:
            # FalkorDB has no IF NOT EXISTS: an existing index/constraint is the idempotent case.
            if "already indexed" in str(exc) or "already exists" in str(exc):
                return
            raise translate_error(exc) from exc
        except Exception as exc:
            raise translate_error(exc) from exc

    async def _schema_has(self, statement: SchemaStatement) -> bool:
        """Whether the graph already has what `statement` creates (read-only lookups)."""
        if not await self._client.exists(self._graph):
            return False
        if isinstance(statement, Command):
            if statement.args[:2] != ("UNIQUE", "NODE"):
                return False
            label, prop = statement.args[2], statement.args[5]
            rows = await self.read(_CONSTRAINTS)
            return any(
                r["type"] == "UNIQUE" and r["label"] == label and r["properties"] == [prop]
                and r["entitytype"] == "NODE"
                for r in rows
            )
        text = statement.text
        if match := _DDL_RELATIONSHIP_TYPE.fullmatch(text):
            rows = await self.read(_RELATIONSHIP_TYPES)
            return any(r["relationshipType"] == match[1] for r in rows)
        for pattern, entity, kind in _DDL_INDEXES:
            if match := pattern.fullmatch(text):
                label = match[1]
                props = [p.strip().removeprefix("n.") for p in match[2].split(",")]
                rows = await self.read(_INDEXES)
                return any(
                    r["label"] == label and r["entitytype"] == entity
                    and all(kind in (r["types"] or {}).get(p, []) for p in props)
                    for r in rows
                )
        return False  # a statement we cannot look up: applied, its "exists" error tolerated

    async def _create_constraint(self, statement: Command) -> None:
        await self._client.execute_command("GRAPH.CONSTRAINT", "CREATE", self._graph, *statement.args)
        await self._wait_for_constraint(statement)

    async def _wait_for_constraint(self, statement: Command) -> None:
        label, prop = statement.args[2], statement.args[5]
        deadline = time.monotonic() + _CONSTRAINT_WAIT_SECONDS
        # Constraints are built in the background; wait so that callers can rely on them.
        while True:
            rows = await self.read(_CONSTRAINTS)
            status = next(
                (
                    r["status"]
                    for r in rows
                    if r["type"] == "UNIQUE" and r["label"] == label and r["properties"] == [prop]
                ),
                None,
            )
            if status == "OPERATIONAL":
                return
            if status == "FAILED":
                raise BackendError(f"unique constraint on {label}.{prop} failed: duplicates exist")
            if time.monotonic() > deadline:
                raise BackendUnavailable(f"unique constraint on {label}.{prop} is not ready")
            await asyncio.sleep(0.02)

    async def health(self) -> bool:
        if self._health_hook is not None and not self._health_hook():
            return False
        try:
            return bool(await self._client.ping())
        except Exception:
            return False

    async def drop(self) -> None:
        """Delete this graph entirely (tests and `graph-api` maintenance only)."""
        with contextlib.suppress(redis_errors.ResponseError):  # the graph was never created
            await self._client.execute_command("GRAPH.DELETE", self._graph)

    async def close(self) -> None:
        if self._on_close is not None:
            result = self._on_close()
            if asyncio.iscoroutine(result):
                await result
