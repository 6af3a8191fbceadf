"""schema.execution: the short path for plain fields answers exactly what graphql-core would,
errors and nulls included, and leaves every field it is not sure of to graphql-core."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from graphql import GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from schema import build_schema
from schema.execution import PlainFieldsExecutionContext, short_field


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Never(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Item:
    name: str
    nickname: str | None
    colour: Colour
    count: int
    tags: list[str]
    # Wrong on purpose: what the data layer might hand back by mistake.
    required: str = strawberry.field(default=None)  # type: ignore[assignment]
    secret: str = strawberry.field(default="hidden", permission_classes=[Never])


@strawberry.type
class Holder:
    item: Item
    maybe: Item | None


def _holder(**changes: Any) -> Holder:
    values: dict[str, Any] = dict(
        name="a", nickname=None, colour=Colour.RED, count=3, tags=["x", "y"], required="r",
    )
    values.update(changes)
    item = Item(**values)
    return Holder(item=item, maybe=item)


HOLDER: dict[str, Holder] = {}


@strawberry.type
class Query:
    @strawberry.field
    def holder(self) -> Holder:
        return HOLDER["value"]


def _schemas(extensions: list[Any] | None = None) -> tuple[strawberry.Schema, strawberry.Schema]:
    plain = strawberry.Schema(
        query=Query, extensions=extensions or [],
        execution_context_class=PlainFieldsExecutionContext,
    )
    stock = strawberry.Schema(query=Query, extensions=extensions or [])
    return plain, stock


QUERY = "{ holder { item { name nickname colour count tags required } maybe { name required } } }"


@pytest.mark.parametrize(("changes", "errors"), [
    ({}, 0),  # every field has a value
    ({"required": None}, 1),  # non-null field reads None: an error, null up to the root
    ({"count": "many"}, 1),  # a value the Int scalar refuses: an error at that path
    ({"colour": "green"}, 1),  # not an enum value
    ({"nickname": 12}, 0),  # String serialises an int, as graphql-core always has
    ({"count": True}, 0),  # and Int a bool
])
async def test_the_short_path_answers_what_graphql_core_answers(
    changes: dict[str, Any], errors: int,
) -> None:
    HOLDER["value"] = _holder(**changes)
    plain, stock = _schemas()
    ours, theirs = await plain.execute(QUERY), await stock.execute(QUERY)
    assert ours.data == theirs.data
    assert [(e.message, e.path) for e in ours.errors or []] == [
        (e.message, e.path) for e in theirs.errors or []
    ]
    assert len(ours.errors or []) == errors


async def test_a_field_with_a_permission_class_is_never_short_cut() -> None:
    HOLDER["value"] = _holder()
    plain, _ = _schemas()
    result = await plain.execute("{ holder { item { name secret } } }")
    assert result.data is None
    assert result.errors and result.errors[0].message == "not for you"


async def test_a_resolve_hook_sees_every_field_plain_ones_too() -> None:
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    HOLDER["value"] = _holder()
    plain, _ = _schemas([Watch])
    result = await plain.execute("{ holder { item { name count } } }")
    assert result.data == {"holder": {"item": {"name": "a", "count": 3}}}
    assert seen == ["holder", "item", "name", "count"]


def _plain(field_def: Any) -> bool:
    """Whether the field takes the short path as a plain field (no resolver, no info)."""
    short = short_field(field_def)
    return short is not None and short.field_def is None


def test_the_pages_plain_fields_take_the_short_path() -> None:
    """Guards the Strawberry internals the short path recognises (the basic resolver's
    name): after an upgrade that changes them, this fails instead of the pages slowing."""
    schema: GraphQLSchema = build_schema()._schema
    shortcut = {
        (type_name, field): _plain(schema.get_type(type_name).fields[field])  # type: ignore[union-attr]
        for type_name, field in [
            ("Person", "name"), ("Person", "title"), ("Person", "createdAt"), ("Post", "body"),
            ("Group", "visibility"), ("PageInfo", "hasNextPage"), ("PostEdge", "cursor"),
            ("Post", "likeCount"), ("Person", "posts"), ("Person", "hospital"),
        ]
    }
    assert shortcut == {
        ("Person", "name"): True, ("Person", "title"): True, ("Person", "createdAt"): True,
        ("Post", "body"): True, ("Group", "visibility"): True, ("PageInfo", "hasNextPage"): True,
        ("PostEdge", "cursor"): True,
        # resolvers (loaders, arguments) and objects stay with graphql-core
        ("Post", "likeCount"): False, ("Person", "posts"): False, ("Person", "hospital"): False,
    }


# lean_resolvers: the same answers and errors as Strawberry's wrapper, for the signatures
# resolvers use (self, root, info, none), sync and awaitable results, and raised errors.


@strawberry.type
class Thing:
    label: str

    @strawberry.field
    def shout(self) -> str:
        return self.label.upper()

    @strawberry.field
    def with_root(self, root: Thing) -> str:
        return f"{self.label}/{root.label}"

    @strawberry.field
    def with_info(self, info: strawberry.Info) -> str:
        return f"{self.label}@{info.path.key}:{info.context['who']}"

    @strawberry.field
    def later(self) -> str:  # sync, but hands back an awaitable (what loaders do)
        async def value() -> str:
            return self.label * 2
        return value()  # type: ignore[return-value]

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("no such thing")

    @strawberry.field
    def takes(self, times: int = 1) -> str:
        return self.label * times

    @strawberry.field(permission_classes=[Never])
    def guarded(self) -> str:
        return "should not be seen"

    @strawberry.field
    async def slow(self) -> str:
        return self.label


@strawberry.type
class ThingQuery:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(label="a"), Thing(label="b")]


THING_QUERY = (
    "{ things { label shout withRoot withInfo later broken takes(times: 2) slow } }"
)


async def test_lean_resolvers_answer_what_strawberry_answers() -> None:
    from schema.execution import lean_resolvers

    lean = strawberry.Schema(query=ThingQuery)
    assert lean_resolvers(lean) == 6  # things, shout, withRoot, withInfo, later, broken
    stock = strawberry.Schema(query=ThingQuery)
    context = {"who": "me"}
    ours = await lean.execute(THING_QUERY, context_value=context)
    theirs = await stock.execute(THING_QUERY, context_value=context)
    assert ours.data == theirs.data == {"things": [
        {"label": "a", "shout": "A", "withRoot": "a/a", "withInfo": "a@withInfo:me",
         "later": "aa", "broken": None, "takes": "aa", "slow": "a"},
        {"label": "b", "shout": "B", "withRoot": "b/b", "withInfo": "b@withInfo:me",
         "later": "bb", "broken": None, "takes": "bb", "slow": "b"},
    ]}
    assert [(e.message, e.path) for e in ours.errors or []] == [
        (e.message, e.path) for e in theirs.errors or []
    ] == [("no such thing", ["things", 0, "broken"]), ("no such thing", ["things", 1, "broken"])]


async def test_a_resolver_with_a_permission_class_keeps_strawberrys_wrapper() -> None:
    from schema.execution import lean_resolvers

    lean = strawberry.Schema(query=ThingQuery)
    lean_resolvers(lean)
    result = await lean.execute("{ things { label guarded } }")
    assert result.data is None
    assert result.errors and result.errors[0].message == "not for you"


def test_the_pages_resolvers_are_lean() -> None:
    """Guards the Strawberry internals lean_resolvers recognises (see the module)."""
    schema: GraphQLSchema = build_schema()._schema
    names = {
        f"{type_name}.{field}": schema.get_type(type_name).fields[field].resolve.__name__  # type: ignore[union-attr]
        for type_name, field in [
            ("Post", "likeCount"), ("Post", "author"), ("Person", "hospital"),
            ("Person", "degree"), ("Person", "posts"), ("Query", "node"),
        ]
    }
    assert names == {
        "Post.likeCount": "lean_like_count", "Post.author": "lean_author",
        "Person.hospital": "lean_hospital", "Person.degree": "lean_degree",
        # arguments, async: Strawberry's own
        "Person.posts": "_async_resolver", "Query.node": "_async_resolver",
    }


@strawberry.type
class Counted:
    label: str

    @strawberry.field
    def now(self) -> int:
        return len(self.label)

    @strawberry.field
    def later(self) -> int:
        async def value() -> int:
            return len(self.label) * 10
        return value()  # type: ignore[return-value]

    @strawberry.field
    def fails(self) -> int | None:
        raise ValueError(f"no count for {self.label}")

    @strawberry.field
    def missing(self) -> int:
        return None  # type: ignore[return-value]

    @strawberry.field
    def refused(self) -> int | None:
        return "many"  # type: ignore[return-value]

@strawberry.type
class CountedQuery:
    @strawberry.field
    def items(self) -> list[Counted | None]:
        return [Counted(label="ab"), Counted(label="abc")]



async def test_lean_scalar_fields_answer_what_graphql_core_answers_errors_included() -> None:
    """Lean resolvers of scalar fields are called by the execution context itself: values
    now and later, a raised error, a None for a non-null field, a value the scalar refuses."""
    from schema.execution import lean_resolvers

    query = "{ items { label now later fails refused } more: items { missing } }"
    lean = strawberry.Schema(query=CountedQuery, execution_context_class=PlainFieldsExecutionContext)
    assert lean_resolvers(lean) == 6
    stock = strawberry.Schema(query=CountedQuery)
    ours, theirs = await lean.execute(query), await stock.execute(query)
    assert ours.data == theirs.data == {
        "items": [
            {"label": "ab", "now": 2, "later": 20, "fails": None, "refused": None},
            {"label": "abc", "now": 3, "later": 30, "fails": None, "refused": None},
        ],
        "more": [None, None],
    }
    assert sorted((e.message, tuple(e.path or ())) for e in ours.errors or []) == sorted(
        (e.message, tuple(e.path or ())) for e in theirs.errors or []
    )
    assert len(ours.errors or []) == 6
