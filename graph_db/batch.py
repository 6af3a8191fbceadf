"""Batch reads: one round trip for many keys, the results aligned with the keys asked for.

Every `get_many`-style repository function (what the request loaders call) reads a statement
that takes the distinct keys as `$ids`, and answers one entry per key asked, in the same order.
A `Batch` holds such a statement with its decoding (`aligned`, `aligned_or`, `grouped`), so
that it runs alone (`get`) or as one part of a composed statement (`part`, graph_db.compose)
and its rows become the same records either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, LiteralString, TypeVar

from graph_db.backend import Executor, Params, Row
from graph_db.compose import Part

R = TypeVar("R")

# Rows read for some keys -> one result per key, aligned with the keys.
Decode = Callable[[Sequence[str], Sequence[Row]], list[R]]


def aligned(key: Callable[[Row], str], build: Callable[[Row], R]) -> Decode[R | None]:
    """`build(row)` for each key (a row's key is `key(row)`); None where no row has it."""

    def decode(ids: Sequence[str], rows: Sequence[Row]) -> list[R | None]:
        found = {key(row): build(row) for row in rows}
        return [found.get(i) for i in ids]

    return decode


def aligned_or(
    key: Callable[[Row], str], build: Callable[[Row], R], missing: Callable[[str], R]
) -> Decode[R]:
    """`build(row)` for each key (a row's key is `key(row)`); `missing(key)` where no row has it."""

    def decode(ids: Sequence[str], rows: Sequence[Row]) -> list[R]:
        found = {key(row): build(row) for row in rows}
        return [found[i] if i in found else missing(i) for i in ids]

    return decode


def grouped(key: str, build: Callable[[Row], R]) -> Decode[list[R]]:
    """`build(row)` of every row, grouped by its `key` column (in the statement's order);
    an empty list where no row has that key. The keys read must be distinct."""

    def decode(ids: Sequence[str], rows: Sequence[Row]) -> list[list[R]]:
        found: dict[str, list[R]] = {}
        for row in rows:
            found.setdefault(row[key], []).append(build(row))
        return [found.get(i, []) for i in ids]

    return decode


@dataclass(frozen=True)
class Batch(Generic[R]):
    """A batch read: `statement` over the keys in `$ids`, and how its rows become one result
    per key (`decode`)."""

    statement: LiteralString
    decode: Decode[R]

    async def get(self, db: Executor, ids: Sequence[str], params: Params | None = None) -> list[R]:
        """One result per key of `ids`, aligned (no round trip for no keys)."""
        if not ids:
            return []
        return self.decode(ids, await read_ids(db, self.statement, ids, params))

    async def __call__(self, db: Executor, ids: Sequence[str]) -> list[R]:
        return await self.get(db, ids)

    def part(
        self, name: str, *, keys: Sequence[str] | None = None,
        keys_from: tuple[str, LiteralString] | None = None, params: Mapping[str, Any] | None = None,
    ) -> Part:
        """This read as a part of a composed statement (graph_db.compose)."""
        return Part(name, self.statement, keys=keys, keys_from=keys_from, params=params or {})


def by_ids(
    var: LiteralString, label: LiteralString, fields: LiteralString, column: LiteralString
) -> LiteralString:
    """The statement reading each `label` node of `$ids` (bound as `var`) as `fields` in
    `column`: what `get_aligned` takes for a plain lookup by id."""
    return (
        "UNWIND $ids AS id MATCH (" + var + ":" + label + " {id: id}) "
        "RETURN " + fields + " AS " + column
    )


def by_ids_of_labels(
    var: LiteralString, labels: Sequence[LiteralString], fields: LiteralString, column: LiteralString,
    up: LiteralString, up_column: LiteralString,
) -> LiteralString:
    """The statement reading each node of `$ids` carrying one of `labels` (bound as `var`) as
    `fields` in `column`, with the id of the node it points to by `up` (or null) in `up_column`."""
    return (
        "UNWIND $ids AS id "
        + " ".join("OPTIONAL MATCH (found" + label + ":" + label + " {id: id})" for label in labels)
        + " WITH coalesce(" + ", ".join("found" + label for label in labels) + ") AS " + var
        + " WHERE " + var + " IS NOT NULL "
        "OPTIONAL MATCH (" + var + ")-[:" + up + "]->(above) "
        "RETURN " + fields + " AS " + column + ", above.id AS " + up_column
    )


async def read_ids(
    db: Executor, statement: LiteralString, ids: Sequence[str], params: Params | None = None
) -> list[Row]:
    """The rows of `statement` read once for the distinct `ids` (as `$ids`, beside `params`)."""
    return await db.read(statement, {**(params or {}), "ids": list(dict.fromkeys(ids))})


def by_column(column: str, build: Callable[[dict[str, Any]], R]) -> Decode[R | None]:
    """`aligned` on the `id` of each row's `column` map, building the record from that map."""
    return aligned(lambda row: row[column]["id"], lambda row: build(row[column]))


async def get_aligned(
    db: Executor, statement: LiteralString, ids: Sequence[str], column: str,
    build: Callable[[dict[str, Any]], R], params: Params | None = None,
) -> list[R | None]:
    """`build(row[column])` for each of `ids` (a row's key is its `column` map's `id`), aligned
    with `ids`: None where no row has that id."""
    return await Batch(statement, by_column(column, build)).get(db, ids, params)


def aligned_reader(
    statement: LiteralString, column: str, build: Callable[[dict[str, Any]], R]
) -> Batch[R | None]:
    """A `get_many` (call it with the db and the ids): `statement` read for the ids,
    `build(row[column])` for each, aligned."""
    return Batch(statement, by_column(column, build))


async def get_aligned_rows(
    db: Executor, statement: LiteralString, ids: Sequence[str], key: Callable[[Row], str],
    build: Callable[[Row], R], params: Params | None = None,
) -> list[R | None]:
    """`build(row)` for each of `ids` (a row's key is `key(row)`), aligned with `ids`: None
    where no row has that key."""
    return await Batch(statement, aligned(key, build)).get(db, ids, params)


async def get_aligned_or(
    db: Executor, statement: LiteralString, ids: Sequence[str], key: Callable[[Row], str],
    build: Callable[[Row], R], missing: Callable[[str], R], params: Params | None = None,
) -> list[R]:
    """`build(row)` for each of `ids` (a row's key is `key(row)`), aligned with `ids`:
    `missing(id)` where no row has that key."""
    return await Batch(statement, aligned_or(key, build, missing)).get(db, ids, params)


async def list_aligned(
    db: Executor, statement: LiteralString, ids: Sequence[str], key: str,
    build: Callable[[Row], R], params: Params | None = None,
) -> list[list[R]]:
    """`build(row)` of every row, grouped by its `key` column (in the statement's order) and
    aligned with `ids`: an empty list where no row has that key."""
    return await Batch(statement, grouped(key, build)).get(db, ids, params)
