"""The development-only query exposure that bench/ replays against the database directly."""

from __future__ import annotations

import json

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


async def test_bench_raw_client_reads_what_httpx_reads(api: Api) -> None:
    from bench.load import Load, Prepared, RawConnection

    gid = await _person(api)
    request = Prepared(
        call=None,  # type: ignore[arg-type]
        body=json.dumps({"query": NODE, "variables": {"id": gid}}).encode(),
        headers={"content-type": "application/json"},
    )
    async with Load(api.url, 1) as load:
        conn = load.connection()
        assert isinstance(conn, RawConnection)
        for _ in range(3):  # the same keep-alive connection, three times
            status, headers, body = await conn.post(request)
            assert status == 200
            assert json.loads(body) == {"data": {"node": {"id": gid, "name": "Ada Lovelace"}}}
            assert headers["x-db-round-trips"] == "1"
            assert headers["content-type"] == "application/json"
        assert conn.opened == 1
        refused = Prepared(call=None, body=b"{", headers={"content-type": "application/json"})  # type: ignore[arg-type]
        status, _, body = await conn.post(refused)
        assert status == 400 and b"BAD_USER_INPUT" in body
