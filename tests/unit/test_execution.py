"""schema.execution: the short path for plain fields answers exactly what graphql-core would,
errors and nulls included, and leaves every field it is not sure of to graphql-core."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

import pytest
import strawberry
from graphql import GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission

from schema import build_schema
from schema.execution import PlainFieldsExecutionContext, short_field
from tests.documents import ParsedOnce


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


def _path(field_def: Any) -> str | None:
    """Which short path a field takes: a plain or lean leaf, an object or a list of objects
    (plain or lean), or None (graphql-core's)."""
    short = short_field(field_def)
    if short is None:
        return None
    kind = "plain" if not short.lean else "lean"
    if short.leaf is not None:
        return kind
    return f"{kind} {'objects' if short.listed else 'object'}"


def test_the_pages_fields_take_the_short_paths() -> None:
    """Guards the Strawberry internals the short paths recognise (the basic resolver's
    name, the type check of a type with interfaces): after an upgrade that changes them,
    this fails instead of the pages slowing."""
    schema: GraphQLSchema = build_schema()._schema
    paths = {
        f"{type_name}.{field}": _path(schema.get_type(type_name).fields[field])  # type: ignore[union-attr]
        for type_name, field in [
            ("Person", "name"), ("Person", "title"), ("Person", "createdAt"), ("Post", "body"),
            ("Group", "visibility"), ("PageInfo", "hasNextPage"), ("PostEdge", "cursor"),
            ("Post", "likeCount"), ("Person", "degree"), ("Person", "hospital"),
            ("Person", "interests"), ("Post", "author"), ("PostEdge", "node"),
            ("PostConnection", "edges"), ("PostConnection", "pageInfo"),
            ("Person", "posts"), ("Query", "node"),
        ]
    }
    assert paths == {
        "Person.name": "plain", "Person.title": "plain", "Person.createdAt": "plain",
        "Post.body": "plain", "Group.visibility": "plain", "PageInfo.hasNextPage": "plain",
        "PostEdge.cursor": "plain",
        "Post.likeCount": "lean", "Person.degree": "lean",
        "Person.hospital": "lean object", "Person.interests": "lean objects",
        "Post.author": "lean object", "PostEdge.node": "plain object",
        "PostConnection.edges": "plain objects", "PostConnection.pageInfo": "plain object",
        # arguments, an async resolver, an interface: graphql-core's
        "Person.posts": None, "Query.node": None,
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


# Objects and lists of objects: completed by the execution context itself when their value
# is there and of the type; the same data and errors as graphql-core in every case.


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leafy(Named):
    size: int

    @strawberry.field
    def later(self) -> int:  # sync, awaitable result (what loaders do)
        async def value() -> int:
            return self.size * 10
        return value()  # type: ignore[return-value]

    @strawberry.field
    def strict(self) -> int:  # non-null, fails for odd sizes
        if self.size % 2:
            raise ValueError(f"odd size {self.size}")
        return self.size

    @strawberry.field
    def soon(self) -> str:  # awaitable, fails for odd sizes
        async def value() -> str:
            if self.size % 2:
                raise ValueError(f"odd later {self.size}")
            return self.name
        return value()  # type: ignore[return-value]


@strawberry.type
class Other:  # not a Leafy, nor Named: graphql-core refuses it where a Leafy is due
    name: str


@strawberry.type
class Tree:
    label: str
    leaf: Leafy
    maybe: Leafy | None
    leaves: list[Leafy]
    some: list[Leafy | None]
    shaky: list[Leafy] | None
    wrong: Leafy  # holds an Other: not of the type
    iterated: list[Leafy]  # holds a generator, not a list

    @strawberry.field
    def picked(self) -> Leafy:  # lean, a value now
        return self.leaves[0]

    @strawberry.field
    def fetched(self) -> Leafy | None:  # lean, an awaitable
        async def value() -> Leafy:
            return self.leaves[-1]
        return value()  # type: ignore[return-value]

    @strawberry.field
    def listed(self) -> list[Leafy]:  # lean list
        return list(self.leaves)

    @strawberry.field
    def failing(self) -> Leafy | None:  # lean, raises
        raise ValueError("no leaf")


TREES: dict[str, list[Tree]] = {}


def _leaves(*sizes: int) -> list[Leafy]:
    return [Leafy(name=f"l{size}", size=size) for size in sizes]


def _tree(**changes: Any) -> Tree:
    values: dict[str, Any] = dict(
        label="t", leaf=_leaves(2)[0], maybe=None, leaves=_leaves(2, 4, 6), some=[None, *_leaves(8)],
        shaky=_leaves(2, 3), wrong=Other(name="o"), iterated=(leaf for leaf in _leaves(2, 4)),
    )
    values.update(changes)
    return Tree(**values)


@strawberry.type
class TreeQuery:
    @strawberry.field
    def trees(self) -> list[Tree]:
        return TREES["value"]


class CountingContext(PlainFieldsExecutionContext):
    """Counts graphql-core's completions of objects (not taken by the short path)."""

    completed: list[str] = []

    def complete_object_value(self, return_type: Any, *args: Any) -> Any:
        CountingContext.completed.append(return_type.name)
        return super().complete_object_value(return_type, *args)


TREE_QUERIES = [
    # values now: every object and list completed by the short path
    "{ trees { label leaf { name size } maybe { name } leaves { name size __typename } "
    "  some { name } picked { name } listed { size } alias: leaves { size } } }",
    # fragments, an interface spread, a field asked twice with different selections
    "{ trees { leaf { ... on Named { name } ...F } leaf { size } } } "
    "fragment F on Leafy { size later }",
    # errors below objects and items: a non-null field's error nulls its item, then the
    # non-null list, then the tree; a nullable list and item keep the rest
    "{ trees { label shaky { name strict } } }",
    "{ trees { label leaves { name strict } } }",
    "{ trees { label some { name size } shaky { soon } } }",
    "{ trees { label leaves { soon } } }",
    # what graphql-core completes: an awaited object, a raising resolver, an object of
    # another type, a generator, directives on the list
    "{ trees { label fetched { name later } failing { name } } }",
    "{ trees { label wrong { name } } }",
    "{ trees { label iterated { name } } }",
    "query($yes: Boolean!) { trees { leaves @include(if: $yes) { name } maybe @skip(if: $yes) { name } } }",
]


def _tree_schemas(*, parsed_once: bool = True) -> tuple[strawberry.Schema, strawberry.Schema]:
    """Ours (lean resolvers; with `parsed_once`, documents run again as the service runs
    them), and Strawberry's stock schema."""
    from schema.execution import lean_resolvers

    ours = strawberry.Schema(
        query=TreeQuery, execution_context_class=PlainFieldsExecutionContext,
        extensions=[ParsedOnce] if parsed_once else [],
    )
    lean_resolvers(ours)
    return ours, strawberry.Schema(query=TreeQuery)


async def _same_answers(ours: strawberry.Schema, stock: strawberry.Schema, query: str,
                        collections: list[str] | None = None, variables: dict[str, Any] | None = None) -> int:
    """Run `query` on both schemas, check they answer alike; how many collections ours made
    (as `collections` counts them)."""
    counted = collections if collections is not None else []
    for tree in TREES["value"]:
        tree.iterated = (leaf for leaf in tree.leaves)
    before = len(counted)
    mine = await ours.execute(query, variable_values=variables)
    made = len(counted) - before
    for tree in TREES["value"]:
        tree.iterated = (leaf for leaf in tree.leaves)
    theirs = await stock.execute(query, variable_values=variables)
    assert mine.data == theirs.data
    assert sorted((e.message, tuple(e.path or ())) for e in mine.errors or []) == sorted(
        (e.message, tuple(e.path or ())) for e in theirs.errors or []
    )
    return made


@pytest.mark.parametrize("query", TREE_QUERIES)
async def test_objects_and_lists_answer_what_graphql_core_answers(query: str) -> None:
    TREES["value"] = [_tree(), _tree(label="u", leaves=_leaves(4, 5), some=[*_leaves(1)])]
    ours, stock = _tree_schemas(parsed_once=False)
    await _same_answers(ours, stock, query, variables={"yes": True})


async def test_objects_with_values_now_never_reach_graphql_cores_completion() -> None:
    """The short path is taken (a change that sends objects back to graphql-core fails
    here, not only in the benchmark); what it cannot take still reaches graphql-core."""
    from schema.execution import lean_resolvers

    TREES["value"] = [_tree()]
    schema = strawberry.Schema(query=TreeQuery, execution_context_class=CountingContext)
    lean_resolvers(schema)
    CountingContext.completed = []
    result = await schema.execute(TREE_QUERIES[0])
    assert not result.errors
    assert result.data is not None and result.data["trees"][0]["some"] == [None, {"name": "l8"}]
    assert CountingContext.completed == []
    result = await schema.execute("{ trees { fetched { name } } }")
    assert CountingContext.completed == ["Leafy"]  # awaited
    assert result.data == {"trees": [{"fetched": {"name": "l6"}}]}
    result = await schema.execute("{ trees { wrong { name } } }")
    assert CountingContext.completed == ["Leafy", "Leafy"]  # another type: graphql-core's error
    assert result.data is None and result.errors


# -- collections kept with the operation ------------------------------------------------------


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the types whose subfields graphql-core collects, call by call (called
    by its executor, or by ours)."""
    from graphql.execution import collect_fields, executor

    made: list[str] = []
    collect = collect_fields.collect_subfields

    def counted(schema: Any, fragments: Any, variables: Any, operation: Any, return_type: Any,
                *args: Any) -> Any:
        made.append(return_type.name)
        return collect(schema, fragments, variables, operation, return_type, *args)

    monkeypatch.setattr(executor, "collect_subfields", counted)
    monkeypatch.setattr(collect_fields, "collect_subfields", counted)
    ParsedOnce.forget()
    yield made
    ParsedOnce.forget()


@pytest.mark.parametrize("query", [q for q in TREE_QUERIES if "@" not in q])
async def test_an_operation_run_again_collects_nothing_again(query: str, collections: list[str]) -> None:
    """What an operation free of directives collects is kept with it: its next runs (the
    same document, as the service's document cache hands it) collect nothing, and answer
    what graphql-core answers, errors included."""
    TREES["value"] = [_tree(), _tree(label="u", leaves=_leaves(4, 5), some=[*_leaves(1)])]
    ours, stock = _tree_schemas()
    assert await _same_answers(ours, stock, query, collections) > 0
    TREES["value"] = [_tree(label="v", leaves=_leaves(8, 9, 10))]
    assert await _same_answers(ours, stock, query, collections) == 0
    assert await _same_answers(ours, stock, query, collections) == 0


@pytest.mark.parametrize(("query", "runs"), [
    ("query($yes: Boolean!) { trees { leaves @include(if: $yes) { name } maybe @skip(if: $yes) { name } } }",
     [{"yes": True}, {"yes": False}, {"yes": True}]),
    ("query($yes: Boolean!) { trees { leaf { ...F } } } fragment F on Leafy { name size @skip(if: $yes) }",
     [{"yes": False}, {"yes": True}]),
    ("query($yes: Boolean!) { trees { leaf { ... @include(if: $yes) { size } name } } }",
     [{"yes": True}, {"yes": False}]),
])
async def test_what_the_variables_decide_is_collected_each_run(
    query: str, runs: list[dict[str, Any]], collections: list[str],
) -> None:
    """A directive anywhere in the operation (its fragments included): each run collects
    with its own variables, and answers as graphql-core does with them."""
    TREES["value"] = [_tree(maybe=_leaves(3)[0])]
    ours, stock = _tree_schemas()
    made = [await _same_answers(ours, stock, query, collections, variables) for variables in runs]
    assert all(count > 0 for count in made), made


async def test_what_is_kept_goes_with_its_operation(collections: list[str]) -> None:
    import gc

    from schema import memo

    TREES["value"] = [_tree()]
    ours, stock = _tree_schemas()
    gc.collect()
    before = memo.held()
    for label in ("a", "b", "c"):
        await _same_answers(ours, stock, f"{{ trees {{ {label}: label leaf {{ name }} }} }}", collections)
    assert memo.held() == before + 3
    ParsedOnce.forget()
    gc.collect()
    assert memo.held() == before
