"""GraphQL over HTTP through a real server: shapes, status codes, CSRF guard, limits."""

from __future__ import annotations

import json

import pytest

from graph_db import people
from schema.base import to_global_id
from tests.api.conftest import Api
from tests.factories import make_member

GRAPHQL_RESPONSE = "application/graphql-response+json"


async def test_query_over_post(api: Api) -> None:
    assert await api.gql("{ me { id } }") == {"me": None}


async def test_query_over_get(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "{ me { id } }"})
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}


async def test_malformed_json_is_400_with_json_errors(api: Api) -> None:
    response = await api.http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("depth", [1_000, 5_000])
async def test_deeply_nested_json_is_400_with_json_errors(api: Api, depth: int) -> None:
    variables = "[" * depth + "]" * depth
    response = await api.http.post(
        "/graphql", content='{"query": "{ me { id } }", "variables": {"v": ' + variables + "}}",
        headers={"content-type": "application/json"},
    )
    if depth <= 1_024:  # within what the JSON reader takes: an unused variable
        assert response.status_code == 200 and response.json() == {"data": {"me": None}}
    else:
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    get = await api.http.get("/graphql", params={"query": "{ me { id } }", "variables": variables})
    assert get.status_code == 400  # `variables` must be an object, or it is nested too deeply
    assert get.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "a string",
        {"query": 42},
        {"query": "{ me { id } }", "variables": [1]},
        {"query": "{ me { id } }", "operationName": 3},
        {"query": "{ me { id } }", "extensions": "x"},
        {},
    ],
)
async def test_wrong_parameter_shapes_are_400(api: Api, body: object) -> None:
    response = await api.http.post("/graphql", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_simple_request_content_types_are_refused(api: Api, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await api.http.post(
        "/graphql", content=json.dumps({"query": "{ me { id } }"}).encode(), headers=headers
    )
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_oversize_body_is_413(api: Api) -> None:
    huge = "{ me { id } }" + " " * 1_100_000
    response = await api.http.post("/graphql", json={"query": huge})
    assert response.status_code == 413
    assert "errors" in response.json()


async def test_parse_error_runs_nothing_and_is_400_for_graphql_response_clients(api: Api) -> None:
    with_accept = await api.http.post(
        "/graphql", json={"query": "{ me { id "}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert with_accept.status_code == 400
    assert with_accept.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert "data" not in with_accept.json()
    legacy = await api.http.post("/graphql", json={"query": "{ me { id "})
    assert legacy.status_code == 200
    assert legacy.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_validation_error_is_coded(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ nope }"}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unsupported_method_is_405_json(api: Api) -> None:
    response = await api.http.put("/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_batching_is_off_by_default(api: Api) -> None:
    response = await api.http.post("/graphql", json=[{"query": "{ me { id } }"}])
    assert response.status_code == 400


async def test_bad_global_id_is_bad_user_input(api: Api) -> None:
    response = await api.post("{ node(id: \"%%%\") { id } }")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_nodes_resolve_in_one_round_trip_whatever_n(api: Api) -> None:
    ids = []
    for i in range(30):
        person = await people.create_person(
            api.backend, id=f"p{i}", email=f"p{i}@example.org", name=f"Person {i}", now=1
        )
        ids.append(to_global_id("Person", person.id))

    # The server counts its database round trips per request (X-DB-Round-Trips outside production).
    async def trips(n: int) -> int:
        response = await api.post(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Person { name } } }",
            {"ids": ids[:n]},
        )
        assert [n["id"] for n in response.json()["data"]["nodes"]] == ids[:n]
        return int(response.headers["x-db-round-trips"])

    assert await trips(3) == await trips(30) == 1


async def test_request_id_is_echoed(api: Api) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"x-request-id": "abc123"}
    )
    assert response.headers["x-request-id"] == "abc123"


async def test_signed_in_me_costs_one_round_trip(api: Api) -> None:
    person, token = await make_member(api)
    response = await api.post("{ me { id name } }", token=token)
    assert response.json()["data"]["me"]["name"] == person.name
    # The authenticator's read of the viewer serves `me` too (primed into the loader).
    assert response.headers["x-db-round-trips"] == "1"


# -- operation types each transport accepts (graph_api.pipeline.Transport) -----------------------


async def test_a_subscription_over_post_is_refused(api: Api) -> None:
    response = await api.post("subscription { notificationAdded { id } }")
    assert response.status_code == 400
    assert response.json() == {"errors": [{
        "message": "subscriptions are served over WebSocket at this path",
        "extensions": {"code": "BAD_USER_INPUT"},
    }]}


@pytest.mark.parametrize("query", ["mutation { logout { ok } }", "subscription { notificationAdded { id } }"])
async def test_only_queries_are_run_over_get(api: Api, query: str) -> None:
    response = await api.http.get("/graphql", params={"query": query})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json() == {"errors": [{
        "message": "only queries may be sent with GET; use POST", "extensions": {"code": "BAD_USER_INPUT"},
    }]}
