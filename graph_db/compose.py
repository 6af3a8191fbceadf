"""Composed reads: several read statements answered by one statement, one round trip.

A page is a handful of reads: a person, where they work, their terms, how the viewer relates
to them, their latest posts and each post's counts. Each is an ordinary statement of its
domain module, ending in one RETURN, and each runs alone through its DataLoader. `compose`
runs any of them together: every statement becomes a `CALL {}` subquery that collects its
rows into one list, so the composed statement answers exactly one row, one column per part,
whatever each part finds (an empty list for none). The statement text is the module's own,
unchanged up to its RETURN: the rules it embeds (blocks, group visibility, removed content)
are the same Cypher fragments, not a second copy.

A part reads its keys either from a parameter (its own, so two parts never share one) or from
an earlier part's rows, e.g. the ids of the posts an earlier part listed, so a read that
depends on another one still costs no second round trip. A statement with `$ids` reads them
with `UNWIND $ids AS id ...` (graph_db.batch); keys from an earlier part may repeat, so a part
reading them must decode by key (graph_db.batch.aligned), not by row. Inside the statement the
parts are columns `part0`, `part1`, ... (no statement of a domain module uses those names), so
no part's name can clash with a variable of another part's statement.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph_db.backend import Executor, Row

KEYS: LiteralString = "$ids"
MAX_PARTS = 16
_COLUMNS: tuple[LiteralString, ...] = (
    "part0", "part1", "part2", "part3", "part4", "part5", "part6", "part7",
    "part8", "part9", "part10", "part11", "part12", "part13", "part14", "part15",
)


def _split_items(projection: LiteralString) -> list[LiteralString]:
    """The comma-separated items of a RETURN's projection, commas nested in (), [], {} or
    quotes left alone."""
    items: list[LiteralString] = []
    depth, quote, start = 0, "", 0
    for i, char in enumerate(projection):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(projection[start:i])
            start = i + 1
    items.append(projection[start:])
    return [item.strip() for item in items]


def columns_of(statement: LiteralString) -> tuple[LiteralString, ...]:
    """The columns `statement`'s final RETURN projects (`expr AS name`, or a bare variable)."""
    _, found, projection = statement.rpartition("RETURN ")
    if not found or " ORDER BY " in projection or " LIMIT " in projection:
        raise ValueError("a composed statement ends in a plain RETURN: " + statement[-80:])
    projection = projection.removeprefix("DISTINCT ")
    return tuple(item.rpartition(" AS ")[2].strip() for item in _split_items(projection))


@dataclass(frozen=True)
class Part:
    """One read of a composed statement, answered as the list of its rows (column -> value)
    under `name`.

    `keys`: the values its `$ids` takes (bound as its own parameter); or `keys_from`, (an
    earlier part's name, a path in each of its rows), e.g. ("posts", "post.id"). `params`: its
    other parameters; two parts may share a name only with the same value (e.g. `viewer`).
    """

    name: str
    statement: LiteralString
    keys: Sequence[str] | None = None
    keys_from: tuple[str, LiteralString] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


def _subquery(
    part: Part, column: LiteralString, earlier: Mapping[str, LiteralString]
) -> tuple[LiteralString, dict[str, Any]]:
    """`part` as a `CALL {}` binding `column`, and the parameters it adds; `earlier`: the
    columns of the parts before it, by name."""
    params = dict(part.params)
    source: LiteralString | None = None
    path: LiteralString | None = None
    if part.keys_from is not None:
        source, path = earlier[part.keys_from[0]], part.keys_from[1]
    elif part.keys is not None:
        params[column + "Keys"] = list(dict.fromkeys(part.keys))
    try:
        text = _wrapped(part.statement, column, source, path, part.keys is not None)
    except ValueError as exc:
        raise ValueError(f"part {part.name}: {exc}") from None
    return text, params


@functools.lru_cache(maxsize=512)
def _wrapped(
    statement: LiteralString, column: LiteralString, source: LiteralString | None,
    path: LiteralString | None, keyed: bool,
) -> LiteralString:
    """The text of `_subquery` (the same for every request making the same plan: kept)."""
    head, _, projection = statement.rpartition("RETURN ")
    imports: LiteralString = ""
    if KEYS in head:
        if source is not None and path is not None:
            if "WITH " in head[: head.index(KEYS)]:
                raise ValueError(
                    "its statement drops earlier variables before reading $ids; bind the keys "
                    "first and carry them (UNWIND [$ids] AS ids ... WITH ids, ...)"
                )
            imports = "WITH " + source + " "
            head = head.replace(KEYS, "[row IN " + source + " | row." + path + "]")
        elif keyed:
            head = head.replace(KEYS, "$" + column + "Keys")
        else:
            raise ValueError("it reads $ids: give keys or keys_from")
    collected = ", ".join(n + ": " + n for n in columns_of(statement))
    return (
        "CALL { " + imports + head + "WITH " + projection
        + " RETURN collect({" + collected + "}) AS " + column + " } "
    )


@dataclass(frozen=True)
class Subqueries:
    """Parts as `CALL {}` subqueries to put before a statement's RETURN: `text`, the
    parameters they add, and the column each part's rows are collected in, by part name."""

    text: LiteralString
    params: dict[str, Any]
    columns: dict[str, LiteralString]

    def rows(self, row: Row) -> dict[str, list[Row]]:
        """Each part's rows, by part name, from a row of the statement they are in."""
        return {name: list(row[column]) for name, column in self.columns.items()}


def subqueries(
    parts: Sequence[Part], scope: Mapping[str, LiteralString] | None = None
) -> Subqueries:
    """`parts` as subqueries, in order; a part's `keys_from` names an earlier part or a list
    variable of `scope` (name -> the variable, in scope where the subqueries go)."""
    if not 0 < len(parts) <= MAX_PARTS:
        raise ValueError(f"compose 1 to {MAX_PARTS} parts, not {len(parts)}")
    text: LiteralString = ""
    params: dict[str, Any] = {}
    known: dict[str, LiteralString] = dict(scope or {})
    columns: dict[str, LiteralString] = {}
    for index, part in enumerate(parts):
        if part.name in known:
            raise ValueError(f"two parts named {part.name}")
        column = _COLUMNS[index]
        subquery, added = _subquery(part, column, known)
        for key, value in added.items():
            if key in params and params[key] != value:
                raise ValueError(f"parts bind ${key} to different values")
            params[key] = value
        text += subquery
        known[part.name] = columns[part.name] = column
    return Subqueries(text, params, columns)


def compose(parts: Sequence[Part]) -> tuple[LiteralString, Subqueries]:
    """The one statement reading every part, and its subqueries (parameters, columns)."""
    found = subqueries(parts)
    return found.text + "RETURN " + ", ".join(found.columns.values()), found


async def read_parts(db: Executor, parts: Sequence[Part]) -> dict[str, list[Row]]:
    """Each part's rows, by part name: one round trip."""
    text, found = compose(parts)
    return found.rows((await db.read(text, found.params))[0])
