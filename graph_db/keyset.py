"""Keyset pages: the Cypher condition "strictly past the cursor" and the cursor's parameters.

A cursor is the last item's (sort value, id); the next page reads the items strictly past it
in (sort, id) order, both descending (newest first) or both ascending. A null sort value is the
first page.
"""

from __future__ import annotations

from typing import Any, LiteralString

Cursor = tuple[float, str]  # (sort value: a time in ms, or a score; id)


def past_cursor(
    sort: LiteralString, tie: LiteralString, *, descending: bool,
    at: LiteralString = "$at", last: LiteralString = "$cursorId",
) -> LiteralString:
    """True for the items strictly past (`at`, `last`) in (`sort`, `tie`) order, and for all
    of them when `at` is null."""
    past: LiteralString = "<" if descending else ">"
    return (
        "(" + at + " IS NULL OR " + sort + " " + past + " " + at + " OR (" + sort + " = " + at
        + " AND " + tie + " " + past + " " + last + "))"
    )


def cursor_params(after: tuple[Any, str] | None) -> dict[str, Any]:
    """The parameters `past_cursor` reads by default: `$at` and `$cursorId` (null: first page).
    The sort value is a `Cursor`'s number, or any other sortable value (a name)."""
    at, last_id = after if after else (None, None)
    return {"at": at, "cursorId": last_id}
