"""Batch reads: one round trip for many keys, the results aligned with the keys asked for.

Every `get_many`-style repository function (what the request loaders call) reads a statement
that takes the distinct keys as `$ids`, and answers one entry per key asked, in the same order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, LiteralString, TypeVar

from graph_db.backend import Executor, Params, Row

R = TypeVar("R")


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


async def get_aligned(
    db: Executor, statement: LiteralString, ids: Sequence[str], column: str,
    build: Callable[[dict[str, Any]], R], params: Params | None = None,
) -> list[R | None]:
    """`build(row[column])` for each of `ids` (a row's key is its `column` map's `id`), aligned
    with `ids`: None where no row has that id."""
    return await get_aligned_rows(
        db, statement, ids, lambda row: row[column]["id"], lambda row: build(row[column]), params
    )


def aligned_reader(
    statement: LiteralString, column: str, build: Callable[[dict[str, Any]], R]
) -> Callable[[Executor, Sequence[str]], Awaitable[list[R | None]]]:
    """A `get_many`: `get_aligned` of `statement`, `column` and `build` for the ids it is given."""

    async def get_many(db: Executor, ids: Sequence[str]) -> list[R | None]:
        return await get_aligned(db, statement, ids, column, build)

    return get_many


async def read_keyed(
    db: Executor, statement: LiteralString, ids: Sequence[str], key: Callable[[Row], str],
    build: Callable[[Row], R], params: Params | None = None,
) -> dict[str, R]:
    """`build(row)` of each row of `statement` read once for the distinct `ids`, by `key(row)`
    (no round trip for no ids)."""
    if not ids:
        return {}
    return {key(row): build(row) for row in await read_ids(db, statement, ids, params)}


async def get_aligned_rows(
    db: Executor, statement: LiteralString, ids: Sequence[str], key: Callable[[Row], str],
    build: Callable[[Row], R], params: Params | None = None,
) -> list[R | None]:
    """`build(row)` for each of `ids` (a row's key is `key(row)`), aligned with `ids`: None
    where no row has that key."""
    found = await read_keyed(db, statement, ids, key, build, params)
    return [found.get(i) for i in ids]


async def get_aligned_or(
    db: Executor, statement: LiteralString, ids: Sequence[str], key: Callable[[Row], str],
    build: Callable[[Row], R], missing: Callable[[str], R], params: Params | None = None,
) -> list[R]:
    """`build(row)` for each of `ids` (a row's key is `key(row)`), aligned with `ids`:
    `missing(id)` where no row has that key."""
    found = await read_keyed(db, statement, ids, key, build, params)
    return [found[i] if i in found else missing(i) for i in ids]


async def list_aligned(
    db: Executor, statement: LiteralString, ids: Sequence[str], key: str,
    build: Callable[[Row], R], params: Params | None = None,
) -> list[list[R]]:
    """`build(row)` of every row, grouped by its `key` column (in the statement's order) and
    aligned with `ids`: an empty list where no row has that key."""
    if not ids:
        return []
    found: dict[str, list[R]] = {}
    for row in await read_ids(db, statement, ids, params):
        found.setdefault(row[key], []).append(build(row))
    return [found.get(i, []) for i in ids]
