"""schema.base.wanted and selected_names read the selection off the syntax tree; they must
find what Strawberry's `info.selected_fields` shows (the reference below, which they replaced),
through aliases, named and inline fragments, variables and literals."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from resolvers.planner import Wanted
from schema import base
from schema.base import selected_names, wanted
from tests.documents import ParsedOnce


def reference_names(info: Info) -> frozenset[str]:
    names: set[str] = set()
    pending: list[Any] = list(info.selected_fields)
    while pending:
        selection = pending.pop()
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        pending.extend(selection.selections)
    return frozenset(names)


def reference_wanted(info: Info, type_name: str) -> Wanted:
    pages: set[tuple[int | None, str | None]] = set()
    refused = False
    names: set[str] = set()
    pending: list[tuple[Any, bool]] = [(s, True) for f in info.selected_fields for s in f.selections]
    while pending:
        selection, own = pending.pop()
        if isinstance(selection, SelectedField):
            names.add(selection.name)
            pending.extend((s, False) for s in selection.selections)
            if own and selection.name == "posts":
                first = selection.arguments.get("first", 20)
                if isinstance(first, str) and first.lstrip("-").isdigit():
                    first = int(first)
                after = selection.arguments.get("after")
                if (first is None or isinstance(first, int)) and (after is None or isinstance(after, str)):
                    pages.add((first, after))
                else:
                    refused = True
        else:
            applies = getattr(selection, "type_condition", None) in (None, type_name, "Node")
            pending.extend((s, own and applies) for s in selection.selections)
    return Wanted(frozenset(names), pages.pop() if len(pages) == 1 and not refused else None)


seen: list[tuple[Any, Any]] = []


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class Post(Node):
    like_count: int


@strawberry.type
class Other(Node):
    title: str


@strawberry.type
class Thing(Node):
    name: str

    @strawberry.field
    def posts(self, first: int | None = 20, after: str | None = None) -> list[Post]:
        return [Post(id=strawberry.ID("p"), like_count=1)]

    @strawberry.field
    def other(self) -> Other:
        return Other(id=strawberry.ID("o"), title="t")


@strawberry.type
class Query:
    @strawberry.field
    def thing(self, info: Info) -> Thing:
        seen.append(((wanted(info, "Thing"), selected_names(info)),
                     (reference_wanted(info, "Thing"), reference_names(info))))
        return Thing(id=strawberry.ID("t"), name="n")

    @strawberry.field
    def node(self, info: Info) -> Node:
        seen.append(((wanted(info, "Thing"), selected_names(info)),
                     (reference_wanted(info, "Thing"), reference_names(info))))
        return Thing(id=strawberry.ID("t"), name="n")


SCHEMA = strawberry.Schema(query=Query, types=[Thing, Post, Other])
FRAGMENTS = """
fragment T on Thing { name posts(first: $n) { id } }
fragment N on Node { id }
fragment O on Other { title }
"""


@pytest.mark.parametrize(("document", "variables", "page"), [
    ("{ thing { id name } }", {}, None),
    ("{ thing { posts { id likeCount } } }", {}, (20, None)),
    ("{ thing { posts(first: 5, after: \"c\") { id } } }", {}, (5, "c")),
    ("{ thing { posts(first: null) { id } } }", {}, (None, None)),
    ("query($n: Int, $a: String) { thing { p: posts(first: $n, after: $a) { id } } }",
     {"n": 7, "a": "x"}, (7, "x")),
    ("query($n: Int) { thing { posts(first: $n) { id } } }", {}, (None, None)),
    ("{ thing { a: posts(first: 1) { id } b: posts(first: 2) { id } } }", {}, None),
    ("{ thing { other { ... on Other { id title } } posts(first: 3) { id } } }", {}, (3, None)),
    ("query($n: Int) { node { ...T ...N ...O ... on Other { heading: title } } } " + FRAGMENTS,
     {"n": 4}, (4, None)),
    ("query($n: Int) { node { ... { id ... on Thing { posts(first: $n) { likeCount } } } } }",
     {"n": 9}, (9, None)),
    ("{ node { ... on Other { other: id } } }", {}, None),
])
def test_the_tree_walk_finds_what_selected_fields_shows(
    document: str, variables: dict[str, Any], page: tuple[int | None, str | None] | None,
) -> None:
    seen.clear()
    result = SCHEMA.execute_sync(document, variable_values=variables)
    assert result.errors is None, result.errors
    assert len(seen) == 1
    found, reference = seen[0]
    assert found == reference
    assert found[0].posts_args == page


@pytest.mark.parametrize(("document", "runs"), [
    ("query($n: Int, $a: String) { thing { p: posts(first: $n, after: $a) { id } } }",
     [({"n": 7, "a": "x"}, (7, "x")), ({"n": 2}, (2, None)), ({"n": None, "a": "y"}, (None, "y"))]),
    ("query($n: Int) { node { ...T ...N ...O } } " + FRAGMENTS,
     [({"n": 4}, (4, None)), ({"n": 5}, (5, None))]),
    ("query($n: Int) { thing { a: posts(first: $n) { id } b: posts(first: 3) { id } } }",
     [({"n": 3}, (3, None)), ({"n": 4}, None)]),
])
def test_the_walk_kept_with_the_operation_reads_each_runs_page(
    document: str, runs: list[tuple[dict[str, Any], tuple[int | None, str | None] | None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same document run again (as the service's document cache runs it) walks its
    selection once (for the plan, and for `selected_names`), but each run's page follows
    that run's variables."""
    walks: list[str] = []
    walk, select = base._asked, base._selected

    def counted(info: Any, type_name: str) -> Any:
        walks.append(type_name)
        return walk(info, type_name)

    def counted_selection(info: Any) -> Any:
        walks.append("selected")
        return select(info)

    monkeypatch.setattr(base, "_asked", counted)
    monkeypatch.setattr(base, "_selected", counted_selection)
    schema = strawberry.Schema(query=Query, types=[Thing, Post, Other], extensions=[ParsedOnce])
    ParsedOnce.forget()
    try:
        for variables, page in runs:
            seen.clear()
            result = schema.execute_sync(document, variable_values=variables)
            assert result.errors is None, result.errors
            (found, reference), = seen
            assert found == reference
            assert found[0].posts_args == page
        assert sorted(walks) == ["Thing", "selected"]
    finally:
        ParsedOnce.forget()
