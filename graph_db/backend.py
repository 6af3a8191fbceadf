"""The one protocol every database backend implements; repositories see nothing else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, LiteralString, Protocol, TypeVar

from graph_db.dialect import Dialect, SchemaStatement

Row = dict[str, Any]
Params = Mapping[str, Any]
R = TypeVar("R")


class Executor(Protocol):
    """Runs Cypher. Every write is one atomic statement, safe to retry (idempotent)."""

    @property
    def dialect(self) -> Dialect: ...

    async def read(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        """Run a read-only statement (routed to readers on a cluster)."""
        ...

    async def write(self, query: LiteralString, params: Params | None = None) -> list[Row]:
        """Run one atomic write statement; all of it applies or none of it does."""
        ...


class Backend(Executor, Protocol):
    """A database: an executor plus lifecycle, health and schema management."""

    def session(self, causal_key: str | None = None) -> Executor:
        """An executor whose reads see every earlier write made under the same key."""
        ...

    async def apply_schema(self, statement: SchemaStatement) -> None:
        """Apply one rendered DDL statement; applying it again changes nothing."""
        ...

    async def health(self) -> bool:
        """True when the database answers a trivial query right now."""
        ...

    async def close(self) -> None: ...


async def read_one(db: Executor, query: LiteralString, params: Params | None = None) -> Row | None:
    """The first row of a read, or None."""
    rows = await db.read(query, params)
    return rows[0] if rows else None


async def write_one(db: Executor, query: LiteralString, params: Params | None = None) -> Row | None:
    """The first row of a write, or None."""
    rows = await db.write(query, params)
    return rows[0] if rows else None


# What runs a statement: an Executor's bound `read` or `write`.
Run = Callable[[LiteralString, Params | None], Awaitable[list[Row]]]


async def all_records(
    run: Run, query: LiteralString, column: str, build: Callable[[Any], R], params: Params | None = None
) -> list[R]:
    """`build(row[column])` for every row `run` returns, in its order."""
    return [build(row[column]) for row in await run(query, params)]


async def first_record(
    run: Run, query: LiteralString, column: str, build: Callable[[Any], R], params: Params | None = None
) -> R | None:
    """`build(row[column])` of the first row `run` returns, or None when there is none."""
    rows = await run(query, params)
    return build(rows[0][column]) if rows else None


async def first_count(run: Run, query: LiteralString, column: str, params: Params | None = None) -> int:
    """The number in `column` of the first row `run` returns: 0 when there is none (or it is null)."""
    rows = await run(query, params)
    return int(rows[0][column] or 0) if rows else 0
