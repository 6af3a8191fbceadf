"""Keyset pagination: opaque cursors over sort keys, never SKIP-deep paging."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import orjson

from graph_db.comments import PageKey
from graph_db.errors import InvalidInput

if TYPE_CHECKING:
    from strawberry.dataloader import DataLoader

    from resolvers.context import Context

T = TypeVar("T")
CursorKey = tuple[Any, ...]


def encode_cursor(key: Sequence[Any]) -> str:
    """A page item's sort key as an opaque cursor: its JSON, base64url without padding."""
    try:
        raw = orjson.dumps(list(key))  # a fifth of json.dumps' time; a page makes one per item
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, say
        raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, arity: int, field: str) -> CursorKey:
    """Decode a cursor made by `encode_cursor`; anything else is BAD_USER_INPUT."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput("invalid cursor", field=field) from None
    if (
        not isinstance(value, list)
        or len(value) != arity
        or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value)
    ):
        raise InvalidInput("invalid cursor", field=field)
    return tuple(value)


@dataclass(frozen=True)
class PageRequest:
    """A validated page request: `size` items going forward (after) or backward (before)."""

    size: int
    cursor: CursorKey | None
    backward: bool


def page_request(
    *, first: int | None, after: str | None, last: int | None, before: str | None,
    arity: int, max_size: int, default_size: int = 20,
) -> PageRequest:
    if first is not None and last is not None:
        raise InvalidInput("pass either first or last, not both", field="last")
    if last is not None or before is not None:
        if after is not None:
            raise InvalidInput("after cannot be combined with last/before", field="after")
        size = default_size if last is None else last
        name = "last"
        cursor = decode_cursor(before, arity=arity, field="before") if before else None
        backward = True
    else:
        size = default_size if first is None else first
        name = "first"
        cursor = decode_cursor(after, arity=arity, field="after") if after else None
        backward = False
    if size < 0:
        raise InvalidInput(f"{name} cannot be negative", field=name)
    if size > max_size:
        raise InvalidInput(f"{name} cannot exceed {max_size}", field=name)
    return PageRequest(size=size, cursor=cursor, backward=backward)


def forward_request(
    ctx: Context, first: int | None, after: str | None, *, arity: int = 2
) -> PageRequest:
    """A first/after page request, capped at the site's page size."""
    return page_request(first=first, after=after, last=None, before=None, arity=arity,
                        max_size=ctx.services.limits.max_page_size)


def time_key(request: PageRequest) -> TimeKey | None:
    """The (epoch ms, id) key a page resumes after; a cursor of another shape is BAD_USER_INPUT."""
    if request.cursor is None:
        return None
    at, last_id = request.cursor
    if not isinstance(at, int) or not isinstance(last_id, str):
        raise InvalidInput("invalid cursor", field="after")
    return at, last_id


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    total_count: int | None = None


Fetch = Callable[[CursorKey | None, bool, int], Awaitable[list[T]]]


async def keyset_page(
    request: PageRequest, fetch: Fetch[T], key: Callable[[T], Sequence[Any]],
    total_count: int | None = None,
) -> Page[T]:
    """Fetch one extra row to learn whether there is another page; reverse for `last`."""
    if request.size == 0:
        return Page([], [], False, False, total_count)
    rows = await fetch(request.cursor, request.backward, request.size + 1)
    more = len(rows) > request.size
    rows = rows[: request.size]
    if request.backward:
        rows.reverse()
        has_next, has_previous = request.cursor is not None, more
    else:
        has_next, has_previous = more, request.cursor is not None
    return Page(rows, [encode_cursor(key(r)) for r in rows], has_next, has_previous, total_count)


TimeKey = tuple[int, str]
R_co = TypeVar("R_co", covariant=True)


class ListAfter(Protocol[R_co]):
    """A repository listing newest first: up to `limit` rows after the (epoch ms, id) key
    `after` (None: from the newest), e.g. `partial(feed.home_feed, db, viewer_id)`."""

    def __call__(self, *, after: TimeKey | None, limit: int) -> Awaitable[Sequence[R_co]]: ...


def read_ahead(
    ctx: Context, listing_fn: object, subject_id: str, listing: ListAfter[T]
) -> ListAfter[T]:
    """`listing`, answered by the page a read plan (resolvers.planner) read ahead for
    `listing_fn` and `subject_id` with exactly the same arguments, when there is one."""

    async def planned_or_read(*, after: TimeKey | None, limit: int) -> Sequence[T]:
        planned = ctx.loaders.take_page(listing_fn, subject_id, after, limit)
        return planned if planned is not None else await listing(after=after, limit=limit)

    return planned_or_read


async def time_page(
    ctx: Context, first: int | None, after: str | None, listing: ListAfter[T],
    key: Callable[[T], Sequence[Any]],
) -> Page[T]:
    """A first/after page of `listing`, which reads one row more than the page shows."""
    request = forward_request(ctx, first, after)
    cursor = time_key(request)

    async def fetch_page(_: object, __: bool, limit: int) -> list[T]:
        return list(await listing(after=cursor, limit=limit))

    return await keyset_page(request, fetch_page, key)


class Dated(Protocol):
    """A row a (time, id) keyset orders: a comment, a reply."""

    @property
    def id(self) -> str: ...

    @property
    def createdAt(self) -> int: ...  # noqa: N802 (the records' field name)


D = TypeVar("D", bound=Dated)


async def children_page(
    ctx: Context, by_parent: DataLoader[PageKey, list[D]], parent_id: str,
    first: int | None, after: str | None,
) -> Page[D]:
    """A forward page of a parent's children (the comments on a post, a thread's replies)
    through a loader batched across the parents of a page; empty when signed out."""
    request = forward_request(ctx, first, after)
    cursor = time_key(request)
    if request.size == 0 or ctx.viewer is None:
        return Page([], [], False, request.cursor is not None)
    rows = await by_parent.load(PageKey(parent_id, cursor, request.size + 1))
    more = len(rows) > request.size
    rows = rows[: request.size]
    cursors = [encode_cursor((r.createdAt, r.id)) for r in rows]
    return Page(rows, cursors, more, request.cursor is not None)
