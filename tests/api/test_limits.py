"""Query limits through real HTTP: depth, aliases through fragments, tokens, cost; nothing
runs when a limit is hit. Introspection and suggestions off in production. Batching."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from graph_db import people
from schema.base import to_global_id
from tests.api.conftest import Api, with_settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
LIMITS = with_settings(max_depth=2, max_aliases=3, max_tokens=60, max_cost=40)
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Person { name title } } }"


def too_complex(response: httpx.Response) -> str:
    """The refusal's message; asserts that nothing ran (no data, no database round trip)."""
    body = response.json()
    assert "data" not in body, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert response.headers["x-db-round-trips"] == "0"
    message: str = error["message"]
    return message


async def people_ids(api: Api, n: int) -> list[str]:
    ids = []
    for i in range(n):
        person = await people.create_person(
            api.backend, id=f"p{i}", email=f"p{i}@example.org", name=f"Person {i}", now=1
        )
        ids.append(to_global_id("Person", person.id))
    return ids


@pytest.mark.parametrize("settings", [with_settings(max_depth=2)])
async def test_depth_is_counted_through_fragments(api: Api) -> None:
    # Today's schema is two levels deep (a Person has scalars only); other tests pin deeper
    # documents on a schema of connections (tests/unit/test_limits.py).
    assert await api.gql("fragment F on Person { name } { me { ...F } }") == {"me": None}


@pytest.mark.parametrize("settings", [with_settings(max_depth=1)])
async def test_depth_over_the_limit_is_refused(api: Api) -> None:
    response = await api.post("fragment F on Person { name } query Q { me { ... on Node { ...F } } }")
    assert too_complex(response) == "query is too complex: depth 2 exceeds the limit of 1"
    assert (await api.post("{ __typename }")).json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("settings", [LIMITS])
async def test_aliases_are_counted_through_fragments_and_their_spreads(api: Api) -> None:
    assert "errors" not in (await api.post("{ a: me { id } b: me { id } c: me { id } }")).json()
    nested = """
        fragment Names on Person { first: name second: name }
        fragment Me on Query { me { ...Names } }
        query { ...Me ... on Query { ...Me } }
    """
    assert too_complex(await api.post(nested)) == "query is too complex: 4 aliases exceed the limit of 3"


@pytest.mark.parametrize("settings", [LIMITS])
async def test_tokens_are_limited(api: Api) -> None:
    many = "{ me { " + " ".join(["id"] * 60) + " } }"
    assert too_complex(await api.post(many)) == "query is too complex: more than 60 tokens"


@pytest.mark.parametrize("settings", [LIMITS])
async def test_cost_multiplies_lists_by_their_length(api: Api) -> None:
    ids = await people_ids(api, 14)
    # nodes(ids) costs 1 + len(ids) * (id + ... on Person { name title }) = 1 + 3n.
    allowed = await api.post(NODES, {"ids": ids[:13]})
    assert len(allowed.json()["data"]["nodes"]) == 13
    message = too_complex(await api.post(NODES, {"ids": ids}))
    assert message.startswith("query is too complex: estimated cost 43 exceeds the limit of 40")
    literal = ", ".join(f'"{i}"' for i in ids)
    too_complex(await api.post("{ nodes(ids: [" + literal + "]) { id ... on Person { name title } } }"))


@pytest.mark.parametrize("settings", [LIMITS])
async def test_graphql_response_clients_get_400_for_a_refusal(api: Api) -> None:
    many = "{ me { " + " ".join(["id"] * 60) + " } }"
    response = await api.http.post("/graphql", json={"query": many}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    too_complex(response)


@pytest.mark.parametrize("settings", [LIMITS])
async def test_fragment_explosion_is_refused_quickly(api: Api) -> None:
    levels = 40
    fragments = " ".join(f"fragment F{i} on Person {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels))
    query = "{ me { ...F0 } } " + fragments + f" fragment F{levels} on Person {{ a: id }}"
    started = time.perf_counter()
    response = await api.http.post("/graphql", json={"query": query})
    assert time.perf_counter() - started < 2
    assert "data" not in response.json()
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert "QUERY_TOO_COMPLEX" in codes


INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_and_suggestions_are_on_in_development(api: Api) -> None:
    assert (await api.gql(INTROSPECTION)) == {"__schema": {"queryType": {"name": "Query"}}}
    [error] = (await api.post("{ me { nmae } }")).json()["errors"]
    assert "Did you mean 'name'?" in error["message"]


async def test_graphiqls_introspection_fits_the_default_limits(api: Api) -> None:
    data = await api.gql(get_introspection_query(descriptions=True))
    assert data["__schema"]["queryType"]["name"] == "Query"


@pytest.mark.parametrize("settings", [with_settings(introspection=False)])
async def test_introspection_and_suggestions_are_off_without_introspection(api: Api) -> None:
    body = (await api.post(INTROSPECTION)).json()
    assert "data" not in body
    assert "introspection has been disabled" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    [error] = (await api.post("{ me { nmae } }")).json()["errors"]
    assert error["message"] == "Cannot query field 'nmae' on type 'Person'."
    [error] = (await api.post("{ mee { id } }")).json()["errors"]
    assert "Did you mean" not in error["message"]
    assert (await api.gql("{ __typename me { id } }")) == {"__typename": "Query", "me": None}


@pytest.mark.parametrize("settings", [with_settings(batch_max=3)])
async def test_batches_run_up_to_the_configured_maximum(api: Api) -> None:
    ids = await people_ids(api, 2)
    batch: list[dict[str, Any]] = [
        {"query": "{ me { id } }"},
        {"query": NODES, "variables": {"ids": ids}},
        {"query": "{ nope }"},
    ]
    response = await api.http.post("/graphql", json=batch)
    assert response.status_code == 200
    me, nodes, invalid = response.json()
    assert me == {"data": {"me": None}}
    assert [n["name"] for n in nodes["data"]["nodes"]] == ["Person 0", "Person 1"]
    assert invalid["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    too_many = await api.http.post("/graphql", json=[{"query": "{ me { id } }"}] * 4)
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["message"] == "a batch holds 1 to 3 operations"
    empty = await api.http.post("/graphql", json=[])
    assert empty.status_code == 400


@pytest.mark.parametrize("settings", [with_settings(batch_max=3, max_cost=20)])
async def test_each_operation_of_a_batch_is_limited_on_its_own(api: Api) -> None:
    ids = await people_ids(api, 8)
    response = await api.http.post("/graphql", json=[
        {"query": NODES, "variables": {"ids": ids[:3]}}, {"query": NODES, "variables": {"ids": ids}},
    ])
    small, large = response.json()
    assert len(small["data"]["nodes"]) == 3
    assert large["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
