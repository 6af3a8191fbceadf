"""The development-only query exposure that bench/ replays against the database directly."""

from __future__ import annotations

import pytest

from graph_api.config import ConfigError, Settings
from graph_db import people
from schema.base import to_global_id
from tests.api.conftest import Api, with_settings

NODE = "query($id: ID!) { node(id: $id) { id ... on Person { name } } }"
DEBUG = {"x-debug-queries": "1"}


async def _person(api: Api) -> str:
    await people.create_person(
        api.backend, id="p-1", email="ada@example.org", name="Ada Lovelace", now=1
    )
    return to_global_id("Person", "p-1")


@pytest.mark.parametrize("settings", [with_settings(expose_queries=True)])
async def test_exposed_queries_carry_exact_cypher_and_params(api: Api) -> None:
    gid = await _person(api)
    response = await api.http.post(
        "/graphql", json={"query": NODE, "variables": {"id": gid}}, headers=DEBUG
    )
    body = response.json()
    assert body["data"]["node"]["name"] == "Ada Lovelace"
    [executed] = body["extensions"]["queries"]
    assert executed["kind"] == "read"
    assert executed["query"] == people.GET_MANY
    assert executed["params"] == {"ids": ["p-1"]}
    assert executed["ms"] >= 0
    assert response.headers["x-db-round-trips"] == "1"


@pytest.mark.parametrize("settings", [with_settings(expose_queries=True)])
async def test_queries_are_exposed_only_on_request(api: Api) -> None:
    gid = await _person(api)
    body = (await api.post(NODE, {"id": gid})).json()
    assert "extensions" not in body
    other = await api.http.post(
        "/graphql", json={"query": NODE, "variables": {"id": gid}},
        headers={"x-debug-queries": "yes please"},
    )
    assert "extensions" not in other.json()


async def test_queries_are_not_exposed_by_default(api: Api) -> None:
    gid = await _person(api)
    response = await api.http.post(
        "/graphql", json={"query": NODE, "variables": {"id": gid}}, headers=DEBUG
    )
    assert response.json() == {"data": {"node": {"id": gid, "name": "Ada Lovelace"}}}


@pytest.mark.parametrize("settings", [with_settings(env="production", expose_queries=True)])
async def test_production_never_exposes_queries_even_if_constructed_directly(api: Api) -> None:
    gid = await _person(api)
    response = await api.http.post(
        "/graphql", json={"query": NODE, "variables": {"id": gid}}, headers=DEBUG
    )
    assert "extensions" not in response.json()
    assert "x-db-round-trips" not in response.headers


def test_config_refuses_exposed_queries_in_production() -> None:
    env = {"GRAPH_API_ENV": "production", "GRAPH_API_JWT_SECRET": "s" * 48,
           "GRAPH_API_EXPOSE_QUERIES": "true"}
    with pytest.raises(ConfigError, match="GRAPH_API_EXPOSE_QUERIES"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "GRAPH_API_ENV": "development"}).expose_queries is True
    assert Settings.from_env({}).expose_queries is False
