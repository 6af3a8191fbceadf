"""The cost model, depth and alias counting, and the token count, on a small schema of
connections (no database: only the document is measured)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import strawberry
from graphql import GraphQLSyntaxError, parse

from graph_api.config import Settings
from graph_api.errors import ErrorCodes
from graph_api.limits import Documents, estimate_cost, exceeds_tokens, query_limits
from schema.base import Connection, PageInfo


@strawberry.type(description="An item.")
class Item:
    name: str = strawberry.field(description="Name.")
    tags: list[str] = strawberry.field(description="A small fixed list.")

    @strawberry.field(description="Child items, paged.")
    def children(self, first: int | None = None, last: int | None = None) -> Connection[Item]:
        return _empty()


def _empty() -> Connection[Item]:
    info = PageInfo(has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None)
    return Connection(edges=[], page_info=info, total_count=0)


@strawberry.type(description="Root.")
class Query:
    @strawberry.field(description="Items, paged.")
    def items(self, first: int | None = None, after: str | None = None) -> Connection[Item]:
        return _empty()

    @strawberry.field(description="A paged list with a declared default page size.")
    def pinned(self, first: int = 5) -> list[Item]:
        return []

    @strawberry.field(description="Items by id.")
    def by_ids(self, ids: list[str]) -> list[Item]:
        return []


SCHEMA = strawberry.Schema(query=Query)
GRAPHQL_SCHEMA = SCHEMA._schema
ITEMS = "edges { node { name } }"  # costs 3 per item: edges, node, name


def cost(query: str, variables: dict[str, Any] | None = None, **config: Any) -> int:
    return estimate_cost(GRAPHQL_SCHEMA, parse(query), None, variables, Settings(**config))


def test_a_connection_multiplies_by_first() -> None:
    assert cost("{ items(first: 10) { " + ITEMS + " } }") == 1 + 10 * 3


def test_default_page_size_when_first_is_absent() -> None:
    assert cost("{ items { " + ITEMS + " } }") == 1 + 20 * 3


def test_nested_connections_multiply() -> None:
    query = "{ items(first: 10) { edges { node { children(first: 5) { " + ITEMS + " } } } } }"
    assert cost(query) == 1 + 10 * (1 + 1 + 1 + 5 * 3)
    assert cost(query.replace("first: 5", "last: 7")) == 1 + 10 * (1 + 1 + 1 + 7 * 3)


def test_variables_and_their_defaults_give_the_page_size() -> None:
    def query(default: str) -> str:
        return "query($n: Int" + default + ") { items(first: $n) { " + ITEMS + " } }"

    assert cost(query(""), {"n": 3}) == 1 + 3 * 3
    assert cost(query(" = 7")) == 1 + 7 * 3
    assert cost(query(" = 7"), {"n": 2}) == 1 + 2 * 3
    assert cost(query("")) == 1 + 20 * 3


def test_page_size_is_capped_like_the_resolvers_cap_it() -> None:
    assert cost("{ items(first: 100000) { " + ITEMS + " } }", max_page_size=100) == 1 + 100 * 3


def test_an_argument_default_is_the_page_size() -> None:
    assert cost("{ pinned { name } }") == 1 + 5 * 1


def test_a_list_by_ids_multiplies_by_their_number() -> None:
    assert cost('{ byIds(ids: ["a", "b", "c"]) { name tags } }') == 1 + 3 * 2
    assert cost("query($ids: [String!]!) { byIds(ids: $ids) { name } }", {"ids": list("abcdefg")}) == 1 + 7


def test_fragments_count_every_time_they_are_spread() -> None:
    query = "fragment F on Item { name tags } { items(first: 2) { edges { node { ...F ...F } } } }"
    assert cost(query) == 1 + 2 * (1 + 1 + 4)
    inline = "{ items(first: 2) { edges { node { ... on Item { name } } } } }"
    assert cost(inline) == 1 + 2 * 3


def test_introspection_fields_are_free() -> None:
    assert cost("{ __typename items(first: 50) { __typename } }") == 1


def test_fragment_explosion_is_measured_without_walking_it() -> None:
    levels = 60
    fragments = [f"fragment F{i} on Item {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    fragments.append(f"fragment F{levels} on Item {{ a: name }}")
    query = "{ items(first: 1) { edges { node { ...F0 } } } } " + " ".join(fragments)
    started = time.perf_counter()
    assert cost(query) == 1 + 1 * (1 + 1 + 2**levels)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("limit", [1, 5, 9, 10, 11, 50])
def test_token_count_matches_the_parser(limit: int) -> None:
    query = "# a comment is not a token\n{ items(first: 2) { edges { node { name } } } }"
    try:
        parse(query, max_tokens=limit)
        refused = False
    except GraphQLSyntaxError:
        refused = True
    assert exceeds_tokens(query, limit) is refused


async def run(query: str, **config: Any) -> list[tuple[str, str]]:
    schema = strawberry.Schema(query=Query, extensions=[ErrorCodes, query_limits(Settings(**config))])
    result = await schema.execute(query)
    return [(e.message, (e.extensions or {}).get("code", "")) for e in result.errors or []]


async def test_depth_counts_through_fragments() -> None:
    query = (
        "fragment C on Item { children { edges { node { name } } } } "
        "{ items { edges { node { ...C } } } }"
    )
    assert await run(query, max_depth=7) == []
    [(message, code)] = await run(query, max_depth=6)
    assert code == "QUERY_TOO_COMPLEX"
    assert message == "query is too complex: depth 7 exceeds the limit of 6"


async def test_aliases_count_through_nested_fragments() -> None:
    query = """
        fragment Inner on Item { a: name b: name }
        fragment Outer on Item { ...Inner ...Inner c: tags }
        { items { edges { node { ...Outer ... on Item { ...Outer } } } } }
    """
    assert await run(query, max_aliases=10) == []
    [(message, code)] = await run(query, max_aliases=9)
    assert (message, code) == ("query is too complex: 10 aliases exceed the limit of 9", "QUERY_TOO_COMPLEX")


async def test_cost_over_the_limit_is_refused_with_advice() -> None:
    [(message, code)] = await run("{ items(first: 100) { " + ITEMS + " } }", max_cost=300)
    assert code == "QUERY_TOO_COMPLEX"
    assert message.startswith("query is too complex: estimated cost 301 exceeds the limit of 300")
    assert "first/last" in message
    assert await run("{ items(first: 99) { " + ITEMS + " } }", max_cost=300) == []


async def test_tokens_over_the_limit_are_refused() -> None:
    query = "{ items { edges { node { " + " ".join(["name"] * 30) + " } } } }"
    [(message, code)] = await run(query, max_tokens=30)
    assert (message, code) == ("query is too complex: more than 30 tokens", "QUERY_TOO_COMPLEX")
    assert await run(query, max_tokens=60) == []


async def test_suggestions_are_hidden_without_introspection() -> None:
    [(shown, _)] = await run("{ items { edges { node { nam } } } }")
    assert "Did you mean 'name'?" in shown
    [(hidden, code)] = await run("{ items { edges { node { nam } } } }", introspection=False)
    assert hidden == "Cannot query field 'nam' on type 'Item'."
    assert code == "BAD_USER_INPUT"


def test_document_cache_is_bounded_by_entries_and_characters() -> None:
    documents = Documents(Settings(document_cache_size=3), max_chars=1_000)
    for i in range(5):
        documents.parse(f"{{ a{i}: __typename }}")
    assert len(documents) == 3
    documents.parse("{ a4: __typename }")
    assert (documents.hits, documents.misses) == (1, 5)
    documents.parse('{ items(after: "' + "x" * 940 + '") { __typename } }')
    assert len(documents) == 2  # the long one pushed the two oldest out
    documents.parse('{ items(after: "' + "x" * 2_000 + '") { __typename } }')
    assert len(documents) == 0  # larger than the whole budget: served, not kept


def test_a_remembered_cost_is_the_cost_of_these_variables() -> None:
    query = (
        "query A($n: Int = 7, $ids: [String!], $after: String) { items(first: $n, after: $after) { "
        + ITEMS + " } byIds(ids: $ids) { name } } query B { pinned { name } }"
    )
    documents = Documents(Settings())
    entry = documents.parse(query)
    shapes: list[dict[str, Any] | None] = [
        None, {}, {"n": 3}, {"n": 3, "after": "x"}, {"n": None}, {"n": 3.0}, {"n": True},
        {"ids": ["a", "b"]}, {"ids": list("abcde"), "n": 3}, {"n": 3},
    ]
    for operation in ("A", "B", "C"):
        for variables in shapes * 2:  # the second time from memory
            expected = estimate_cost(GRAPHQL_SCHEMA, entry.document, operation, variables, Settings())
            assert entry.cost(GRAPHQL_SCHEMA, operation, variables, Settings()) == expected


async def test_a_cached_document_is_refused_by_the_page_size_it_asks_for() -> None:
    schema = strawberry.Schema(query=Query, extensions=[ErrorCodes, query_limits(Settings(max_cost=300))])
    query = "query($n: Int!) { items(first: $n) { " + ITEMS + " } }"
    for n, refused in [(99, False), (100, True), (99, False), (100, True), (100, True)]:
        result = await schema.execute(query, variable_values={"n": n})
        codes = [(e.extensions or {}).get("code") for e in result.errors or []]
        assert codes == (["QUERY_TOO_COMPLEX"] if refused else []), (n, codes)
