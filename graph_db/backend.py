"""The one protocol every database backend implements; repositories see nothing else."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


async def read_records(
    db: Executor, query: LiteralString, column: str, build: Callable[[Any], R],
    params: Params | None = None,
) -> list[R]:
    """`build(row[column])` for every row of a read, in its order."""
    return [build(row[column]) for row in await db.read(query, params)]


async def read_record(
    db: Executor, query: LiteralString, column: str, build: Callable[[Any], R],
    params: Params | None = None,
) -> R | None:
    """`build(row[column])` of the first row of a read, or None."""
    row = await read_one(db, query, params)
    return build(row[column]) if row is not None else None


async def write_record(
    db: Executor, query: LiteralString, column: str, build: Callable[[Any], R],
    params: Params | None = None,
) -> R | None:
    """`build(row[column])` of the first row of a write, or None."""
    row = await write_one(db, query, params)
    return build(row[column]) if row is not None else None
