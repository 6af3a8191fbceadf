"""Shared GraphQL building blocks: scalars, the Node interface, connections, user errors."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NewType, Protocol, Self, TypeVar

import strawberry
from graphql import FieldNode, FragmentSpreadNode
from strawberry.types import Info
from strawberry.types.field import StrawberryField
from strawberry.types.nodes import convert_value
from strawberry.types.scalar import ScalarDefinition

from graph_db.errors import Conflict, GraphApiError, InvalidInput, NotFound
from resolvers.context import Context
from resolvers.pagination import Page
from resolvers.planner import CARD_FIELDS, Wanted
from schema import memo

if TYPE_CHECKING:
    from schema.people import Person

T = TypeVar("T")
R = TypeVar("R")
AppInfo = Info[Context, None]


def _serialize_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO-8601 string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("DateTime must include a time zone (use Z for UTC)")
    return parsed.astimezone(UTC)


DateTime = NewType("DateTime", datetime)

SCALARS: dict[object, ScalarDefinition] = {
    DateTime: strawberry.scalar(
        name="DateTime",
        description="An instant in time, ISO-8601 in UTC with milliseconds: 2026-11-21T09:30:00.000Z.",
        serialize=_serialize_datetime,
        parse_value=_parse_datetime,
    )
}


def from_ms(ms: int) -> DateTime:
    """Stored epoch milliseconds to an aware UTC datetime."""
    return DateTime(datetime.fromtimestamp(ms / 1000, tz=UTC))


def from_ms_or_none(ms: int | None) -> DateTime | None:
    return None if ms is None else from_ms(ms)


def to_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def raw_value(member: Enum) -> str:
    """The string a member declared with `strawberry.enum_value(...)` holds."""
    # strawberry.enum swaps the raw value into each such member, but mypy still types
    # `.value` as the EnumValueDefinition written in the class body.
    value = member.value
    if not isinstance(value, str):
        raise TypeError(f"{member!r} does not hold a string")
    return value


class StoredAt:
    """An `attr_field`'s default: how to read its value from the object."""

    __slots__ = ("read",)

    def __init__(self, read: Callable[[Any], object]) -> None:
        self.read = read


class AttrField(StrawberryField):
    """The field `attr_field` makes: a basic field (no resolver function), whose value is read
    from the object by its `StoredAt` default (which Strawberry's copies of a field keep)."""

    def get_result(self, source: Any, info: Any, args: list[Any], kwargs: Any) -> Any:
        return self.reader()(source)

    def reader(self) -> Callable[[Any], object]:
        """What reads the value from the object (schema.execution calls it directly)."""
        stored = self.default
        assert isinstance(stored, StoredAt)
        return stored.read


def attr_field(path: str, convert: Callable[[Any], object] | None = None, *, description: str) -> Any:
    """A field that shows an attribute of the object, e.g. `name: str = attr_field("record.name",
    description=...)`; `convert` turns the stored value into the field's type (`from_ms`, an enum).

    The field's GraphQL type is the annotation it is assigned to; the getter is built here, once.
    It is a basic field (`AttrField`): Strawberry resolves it without the Info object, argument
    conversion and extension chain it builds for a resolver function (a third of a page's
    fields are these).
    """
    get = attrgetter(path)
    to = convert
    read: Callable[[Any], object] = get if to is None else (lambda obj: to(get(obj)))
    return AttrField(default=StoredAt(read), description=description)


def timestamp_field(path: str, description: str) -> Any:
    """A `DateTime` field showing stored epoch milliseconds at `path` (null stays null)."""
    return attr_field(path, from_ms_or_none, description=description)


async def person(info: AppInfo, person_id: str | None) -> Person | None:
    """`schema.people.person_by_id`, for the modules schema.people builds on (imported when
    called, as every schema module is loaded by then)."""
    from schema.people import person_by_id

    return await person_by_id(info, person_id)


def person_field(path: str, description: str) -> Any:
    """A field showing the member whose id is stored at `path`: null when there is none, or
    when they are gone or hidden from the viewer. Its type (`Person | None`) is its annotation."""
    get = attrgetter(path)

    async def resolve(self: object, info: AppInfo) -> Person | None:
        return await person(info, get(self))

    return strawberry.field(resolver=resolve, description=description)


def audit_reason(description: str = "Why (kept in the audit log).") -> Any:
    """An input's optional `reason`, written to the audit log with the action it explains."""
    return strawberry.field(default=None, description=description)


# -- Relay node identity ----------------------------------------------------------------


# base64's url-safe alphabet from the standard one (what base64.urlsafe_b64encode does,
# through two more Python calls: a page shows ~60 ids, each made here).
_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def to_global_id(type_name: str, local_id: str) -> strawberry.ID:
    """The opaque id of the `type_name` object `local_id`: "<type>:<id>" in unpadded
    url-safe base64 (from_global_id reads it back)."""
    raw = f"{type_name}:{local_id}".encode()
    return strawberry.ID(binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE).decode().rstrip("="))


# No id the service makes (UUIDs, slugs) holds a control character, NUL included.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def from_global_id(global_id: str, *, field: str = "id") -> tuple[str, str]:
    """Decode an opaque id into (type name, local id); garbage is BAD_USER_INPUT.

    Decided here, before any database: an id that cannot exist (not UTF-8, unpaired
    surrogates, control characters such as NUL) is refused alike on every engine, rather
    than refused by one encoder and simply not found by the other.
    """
    try:
        raw = base64.urlsafe_b64decode((global_id + "=" * (-len(global_id) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("not a valid id", field=field) from None
    type_name, sep, local_id = raw.partition(":")
    if not sep or not type_name or not local_id or _CONTROL.search(raw):
        raise InvalidInput("not a valid id", field=field)
    return type_name, local_id


def local_id(global_id: str, expected: str, *, field: str = "id") -> str:
    """The local id inside a global id that must name an `expected` object."""
    type_name, value = from_global_id(global_id, field=field)
    if type_name != expected:
        raise InvalidInput(f"expected the id of a {expected}", field=field)
    return value


def ids(values: Iterable[str], expected: str, field: str = "ids") -> list[str]:
    return [local_id(v, expected, field=field) for v in values]


def global_id_of(type_name: str) -> Callable[[str], strawberry.ID]:
    """A local id of `type_name` to its global id (a payload's `convert` for a removed object)."""
    return lambda value: to_global_id(type_name, value)


def person_id(value: strawberry.ID, field: str = "personId") -> str:
    return local_id(value, "Person", field=field)


def optional_id(value: strawberry.ID | None, expected: str, field: str) -> str | None:
    """`local_id` of an optional id argument; null stays null."""
    return None if value is None else local_id(value, expected, field=field)


def mention_ids(values: list[strawberry.ID] | None) -> list[str] | None:
    """The people @-mentioned (`mentionIds`); null (keep the current mentions) stays null."""
    return None if values is None else ids(values, "Person", field="mentionIds")


@strawberry.interface(description="An object with a globally unique, opaque id.")
class Node:
    id: strawberry.ID = strawberry.field(description="The opaque, globally unique id.")


class HasId(Protocol):
    @property
    def id(self) -> str: ...


Stored = TypeVar("Stored", bound=HasId)


@strawberry.type
class RecordNode(Node, Generic[Stored]):
    """A Node shown from one stored record; its global id is the type's name and the record's id."""

    record: strawberry.Private[Stored]

    @classmethod
    def from_record(cls, record: Stored) -> Self:
        return cls(id=to_global_id(cls.__name__, record.id), record=record)


NodeResolver = Callable[[AppInfo, list[str]], Awaitable[list[Any]]]
NODE_RESOLVERS: dict[str, NodeResolver] = {}
# How `node(id:)` reads ahead what the fields below an object of a type will ask
# (resolvers.planner), by type name.
NodePlan = Callable[[Context, str, Wanted], Awaitable[None]]
NODE_PLANS: dict[str, NodePlan] = {}


def nodes(
    type_name: str,
    convert: Callable[[R], object],
    *,
    get_many: Callable[[Context, list[str]], Awaitable[Sequence[R | None]]] | None = None,
    get: Callable[[Context, str], Awaitable[R | None]] | None = None,
    signed_in: bool = False,
    plan: NodePlan | None = None,
) -> None:
    """Register how `node(id:)` loads objects of `type_name` (visibility rules included):
    through a batch `get_many`, or `get` one id after another; `signed_in`: nothing is found
    for a signed-out viewer; `plan`: reads ahead, in one statement, what the fields below one
    such object will ask (resolvers.planner)."""
    if (get_many is None) == (get is None):
        raise TypeError("give get_many or get")
    if plan is not None:
        NODE_PLANS[type_name] = plan

    async def resolve(info: AppInfo, local_ids: list[str]) -> list[object]:
        if signed_in and info.context.viewer is None:
            return [None] * len(local_ids)
        if get_many is not None:
            found = await get_many(info.context, local_ids)
        else:
            assert get is not None
            found = [await get(info.context, i) for i in local_ids]
        return [convert(r) if r else None for r in found]

    NODE_RESOLVERS[type_name] = resolve


class HasKind(Protocol):
    @property
    def kind(self) -> str: ...


Kinded = TypeVar("Kinded", bound=HasKind)


def of_kind(kind: str, convert: Callable[[Kinded], object]) -> Callable[[Kinded], object]:
    """`convert` for a record of `kind` only, None for another: for node types that share
    one store and one id space (interests and mentorship areas; hospitals, departments, divisions)."""
    return lambda record: convert(record) if record.kind == kind else None


async def load_optional(
    info: AppInfo,
    key: str | None,
    get: Callable[[Context, str], Awaitable[R | None]],
    convert: Callable[[R], T],
) -> T | None:
    """An optional reference to another object: null when there is none, or when the object
    is gone or hidden from the viewer (`get` returns None)."""
    if key is None:
        return None
    found = await get(info.context, key)
    return convert(found) if found else None


def reference_field(
    path: str,
    get: Callable[[Context, str], Awaitable[R | None]],
    convert: Callable[[R], object],
    description: str,
) -> Any:
    """A field showing the object whose id is stored at `path`, as `load_optional` finds it (null
    when there is none, or when it is gone or hidden). Its type is its annotation."""
    key = attrgetter(path)

    async def resolve(self: object, info: AppInfo) -> object:
        return await load_optional(info, key(self), get, convert)

    return strawberry.field(resolver=resolve, description=description)


# -- connections --------------------------------------------------------------------------


@strawberry.type(description="Where a page sits in its list (Relay cursor connections).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item.")

    @classmethod
    def of(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )


@strawberry.type(description="An item in a connection, with its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="Opaque cursor for `after`/`before`.")


@strawberry.type(description="A page of a list that grows, with keyset cursors.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
    total_count: int | None = strawberry.field(
        description="How many items the whole list holds, where that is cheap to know."
    )

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


# What the selection below a field asks for, read off the operation's syntax tree (the
# document's, so its fragments and variables): a walk over its nodes, without building
# Strawberry's `info.selected_fields` (which converts every argument and directive of every
# field below: it was ~0.3 ms of a profile page).


_ABSENT = object()  # an argument not given


def _arguments(info: AppInfo, node: FieldNode, names: tuple[str, ...]) -> list[Any]:
    """The values of the arguments `names` of a field node, as `info.selected_fields` gives
    them (a variable's value; a literal as its text), or the absent marker `_ABSENT`."""
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    raw = info._raw_info
    return [convert_value(raw, given[name]) if name in given else _ABSENT for name in names]


def selections_below(info: AppInfo, node: Any) -> Sequence[Any]:
    """The selections directly below a field or inline fragment node, or a spread's fragment."""
    if isinstance(node, FragmentSpreadNode):
        node = info._raw_info.fragments[node.name.value]
    selection_set = node.selection_set
    return selection_set.selections if selection_set is not None else ()


def selections_here(info: AppInfo) -> list[Any]:
    """The selections directly below the current field (each of its nodes, when the
    operation asks for it more than once)."""
    return [s for field in info._raw_info.field_nodes for s in selections_below(info, field)]


def _type_condition(info: AppInfo, node: Any) -> str | None:
    if isinstance(node, FragmentSpreadNode):
        return info._raw_info.fragments[node.name.value].type_condition.name.value
    return node.type_condition.name.value if node.type_condition is not None else None


def selected_names(info: AppInfo) -> frozenset[str]:
    """Every field name asked for at the current field and below it, at any depth and
    through fragments: enough to tell whether a page's items will show e.g. `likeCount`."""
    return selected(info)[0]


def selected(info: AppInfo) -> tuple[frozenset[str], tuple[FieldNode, ...]]:
    """`selected_names`, and the `author` field nodes among them (read from the document
    alone: worked out once per operation, schema.memo)."""
    return memo.kept(info._raw_info.operation, _below(_SELECTED, info), lambda: _selected(info))


_SELECTED = "selected below"  # the key of `selected`'s answers in the operation's memo


def _below(tag: str, info: AppInfo) -> tuple[object, ...]:
    """A key for what is worked out below the current field: `tag` and its nodes (the
    operation's own, alive as long as the operation)."""
    return (tag, *[id(node) for node in info._raw_info.field_nodes])


def _selected(info: AppInfo) -> tuple[frozenset[str], tuple[FieldNode, ...]]:
    names: set[str] = set()
    authors: list[FieldNode] = []
    pending: list[Any] = list(info._raw_info.field_nodes)
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode):
            names.add(node.name.value)
            if node.name.value == "author":
                authors.append(node)
        pending.extend(selections_below(info, node))
    return frozenset(names), tuple(authors)


def asks_only(
    info: AppInfo, selections: Iterable[Any], type_name: str, allowed: frozenset[str]
) -> bool:
    """Whether `selections`, of an object of `type_name`, ask for nothing but its fields
    `allowed` (through fragments; a fragment on another type: not sure, no)."""
    pending: list[Any] = list(selections)
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode):
            if node.name.value not in allowed:
                return False
        elif _applies(_type_condition(info, node), type_name):
            pending.extend(selections_below(info, node))
        else:
            return False
    return True


def author_cards(info: AppInfo, authors: Sequence[FieldNode]) -> tuple[FieldNode, ...]:
    """The `author` field nodes `authors` when each asks only what a person's card holds
    (resolvers.planner.CARD_FIELDS), else none."""
    if all(asks_only(info, selections_below(info, node), "Person", CARD_FIELDS) for node in authors):
        return tuple(authors)
    return ()


def _applies(type_condition: str | None, type_name: str) -> bool:
    """Whether a fragment's fields apply to an object of `type_name` (its own type, or the
    Node interface every object type here implements)."""
    return type_condition in (None, type_name, "Node")


def wanted(info: AppInfo, type_name: str) -> Wanted:
    """What the selection below the current field asks of a `type_name` object, for a read
    plan: every field name at any depth, and the arguments of its `posts` page when one page
    is asked for (a plan that guesses wrong only reads in vain: the page is taken by exact
    arguments). The walk through the selection depends on the document alone and is kept
    with the operation (schema.memo); only the page's arguments are read per request."""
    key = (*_below(_ASKED, info), type_name)
    asked = memo.kept(info._raw_info.operation, key, lambda: _asked(info, type_name))
    return Wanted(asked.names, _page_arguments(info, asked.pages), asked.author_cards)


_ASKED = "asked below"  # the key of an `_Asked` in the operation's memo


@dataclass(frozen=True)
class _Asked:
    """What a selection asks, read from the document: every field name at any depth, the
    object's own `posts` field nodes, and its `author` nodes when each asks only a card."""

    names: frozenset[str]
    pages: tuple[FieldNode, ...]
    author_cards: tuple[FieldNode, ...]


def _asked(info: AppInfo, type_name: str) -> _Asked:
    names: set[str] = set()
    pages: list[FieldNode] = []
    authors: list[FieldNode] = []
    # (selection node, whether it is a field of the object itself rather than deeper)
    pending: list[tuple[Any, bool]] = [(s, True) for s in selections_here(info)]
    while pending:
        node, own = pending.pop()
        if isinstance(node, FieldNode):
            names.add(node.name.value)
            pending.extend((s, False) for s in selections_below(info, node))
            if node.name.value == "author":
                authors.append(node)
            if own and node.name.value == "posts":
                pages.append(node)
        else:  # a fragment: its fields are the object's own if it applies to the type
            applies = own and _applies(_type_condition(info, node), type_name)
            pending.extend((s, applies) for s in selections_below(info, node))
    return _Asked(frozenset(names), tuple(pages), author_cards(info, authors))


def _page_arguments(info: AppInfo, nodes: Sequence[FieldNode]) -> tuple[int | None, str | None] | None:
    """The (first, after) the `posts` fields `nodes` ask for, when they ask for one page
    with arguments of the right types; else None."""
    pages: set[tuple[int | None, str | None]] = set()
    for node in nodes:
        first, after = _arguments(info, node, ("first", "after"))
        first = 20 if first is _ABSENT else first  # a literal comes as its text
        after = None if after is _ABSENT else after
        if isinstance(first, str) and first.lstrip("-").isdigit():
            first = int(first)
        if (first is None or isinstance(first, int)) and (after is None or isinstance(after, str)):
            pages.add((first, after))
        else:  # a value the field itself will refuse: no page is planned
            return None
    return pages.pop() if len(pages) == 1 else None


def connection(page: Page[R], convert: Callable[[R], T]) -> Connection[T]:
    """Build a Connection from a resolver Page, converting each record to its GraphQL type."""
    edges = [Edge(node=convert(item), cursor=c) for item, c in zip(page.items, page.cursors, strict=True)]
    return Connection(edges=edges, page_info=PageInfo.of(page), total_count=page.total_count)


# -- mutation results ---------------------------------------------------------------------


@strawberry.type(description="A problem with a mutation's input that the user can fix.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if any.")
    code: str = strawberry.field(description="Stable machine-readable code, e.g. BAD_USER_INPUT.")
    message: str = strawberry.field(description="Human-readable explanation.")

    @classmethod
    def from_exception(cls, exc: GraphApiError) -> list[UserError]:
        if isinstance(exc, InvalidInput):
            return [cls(field=f, code=exc.code, message=m) for f, m in exc.problems]
        return [cls(field=exc.field, code=exc.code, message=exc.message)]


USER_FIXABLE = (InvalidInput, Conflict, NotFound)


async def attempt(
    call: Callable[[], Awaitable[R]], fixable: tuple[type[GraphApiError], ...] = USER_FIXABLE
) -> tuple[R | None, list[UserError]]:
    """Run a mutation resolver; user-fixable failures become payload errors, others propagate.

    `call` is a thunk so that decoding its arguments (ids) fails inside, as a payload error.
    """
    try:
        return await call(), []
    except fixable as exc:
        return None, UserError.from_exception(exc)


@strawberry.type
class Payload(Generic[R]):
    """A mutation payload, built from what its resolver returned or the user errors it raised.

    A payload type subclasses `Payload[SomeRecord]` and says once, in its class line, which
    field holds the result and how a result becomes that field's value
    (`class PostPayload(Payload[PostRecord], result="post", convert=Post.from_record)`);
    each mutation is then `return await PostPayload.attempt(lambda: ...)`. A payload whose
    result fills several fields overrides `of` instead.
    """

    errors: list[UserError] = strawberry.field(description="Problems the user can fix.")

    # What the user can fix; a payload widens it (wrong credentials for the sign-in ones).
    fixable: ClassVar[tuple[type[GraphApiError], ...]] = USER_FIXABLE
    # The result's field, how a result becomes its value, and its value when there is none.
    result_field: ClassVar[tuple[str, Callable[[Any], object], object]]

    def __init_subclass__(
        cls,
        *,
        result: str | None = None,
        convert: Callable[[Any], object] = lambda value: value,
        empty: object = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if result is not None:
            cls.result_field = (result, convert, empty)

    @classmethod
    def of(cls, result: R | None, errors: list[UserError]) -> Self:
        name, convert, empty = cls.result_field
        return cls(errors=errors, **{name: empty if result is None else convert(result)})

    @classmethod
    async def attempt(cls, call: Callable[[], Awaitable[R]]) -> Self:
        return cls.of(*await attempt(call, cls.fixable))
