"""Persisted queries in the Apollo APQ format through real HTTP; the allow-list mode; the
Redis-backed store shared by replicas."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_api.app import create_app
from graph_api.config import ConfigError
from graph_api.persisted import sha256_hex
from graph_db.embedded import EmbeddedFalkorDB
from tests.api.conftest import Api, serve, with_settings

QUERY = "query Me { me { id } }"
SHA = sha256_hex(QUERY)
OTHER = "query Typename { __typename }"
REGISTER = (
    "mutation Register($input: RegisterInput!) { register(input: $input) { errors { field code } } }"
)


def apq(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


async def by_hash(http: httpx.AsyncClient, sha: str, method: str = "POST") -> httpx.Response:
    if method == "GET":
        return await http.get("/graphql", params={"extensions": json.dumps(apq(sha))})
    return await http.post("/graphql", json={"extensions": apq(sha)})


def code_of(response: httpx.Response) -> str:
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code


def assert_not_found(response: httpx.Response) -> None:
    # HTTP 200: Apollo clients read the body and resend the operation with its text.
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error == {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}


async def test_an_unknown_hash_is_persisted_query_not_found(api: Api) -> None:
    assert_not_found(await by_hash(api.http, SHA))
    assert_not_found(await by_hash(api.http, SHA, "GET"))


async def test_hash_and_query_register_then_the_hash_alone_runs(api: Api) -> None:
    first = await api.http.post("/graphql", json={"query": QUERY, "extensions": apq(SHA)})
    assert first.json() == {"data": {"me": None}}
    assert (await by_hash(api.http, SHA)).json() == {"data": {"me": None}}
    # GET with the hash only: a URL a CDN can cache.
    response = await by_hash(api.http, SHA.upper(), "GET")
    assert response.status_code == 200 and response.json() == {"data": {"me": None}}


async def test_a_hash_that_does_not_match_the_query_is_refused(api: Api) -> None:
    response = await api.http.post("/graphql", json={"query": QUERY, "extensions": apq(sha256_hex(OTHER))})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "extensions.persistedQuery"}
    assert error["message"] == "the sha256Hash does not match the query"
    assert_not_found(await by_hash(api.http, sha256_hex(OTHER)))


@pytest.mark.parametrize(
    "extension",
    [
        {"persistedQuery": "abc"},
        {"persistedQuery": {"version": 2, "sha256Hash": SHA}},
        {"persistedQuery": {"version": 1, "sha256Hash": "not-hex"}},
        {"persistedQuery": {"version": 1}},
    ],
)
async def test_malformed_persisted_query_extensions_are_bad_user_input(api: Api, extension: Any) -> None:
    response = await api.http.post("/graphql", json={"query": QUERY, "extensions": extension})
    assert response.status_code == 400
    assert code_of(response) == "BAD_USER_INPUT"


async def test_a_persisted_mutation_is_refused_over_get_and_runs_nothing(api: Api) -> None:
    variables = {"input": {"email": "ada@example.org", "name": "Ada", "password": "short"}}
    sha = sha256_hex(REGISTER)
    first = await api.http.post(
        "/graphql", json={"query": REGISTER, "variables": variables, "extensions": apq(sha)}
    )
    assert first.json()["data"]["register"]["errors"][0]["field"] == "password"
    valid = {"input": {**variables["input"], "password": "a long enough passphrase"}}
    response = await api.http.get(
        "/graphql", params={"extensions": json.dumps(apq(sha)), "variables": json.dumps(valid)}
    )
    assert response.status_code == 405
    assert await api.backend.read("MATCH (p:Person) RETURN count(p) AS n") == [{"n": 0}]


async def test_replicas_share_registered_queries_through_redis(
    api: Api, falkordb_server: EmbeddedFalkorDB
) -> None:
    settings = with_settings(redis_url=falkordb_server.url, redis_key_prefix=f"test:{uuid.uuid4().hex}:")
    async with (
        serve(settings, api.backend) as one, serve(settings, api.backend) as two,
        httpx.AsyncClient(base_url=one) as a, httpx.AsyncClient(base_url=two) as b,
    ):
        assert_not_found(await by_hash(b, SHA))
        await a.post("/graphql", json={"query": QUERY, "extensions": apq(SHA)})
        assert (await by_hash(b, SHA, "GET")).json() == {"data": {"me": None}}
    # Without Redis a replica only knows what it was sent itself.
    assert_not_found(await by_hash(api.http, SHA))


# -- allow-list mode -----------------------------------------------------------------------------


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "persisted-queries.json"
    path.write_text(json.dumps({SHA: QUERY}))
    return path


async def test_allow_list_runs_listed_hashes_only(api: Api, manifest: Path) -> None:
    settings = with_settings(persisted_queries_only=True, persisted_queries_file=manifest)
    async with serve(settings, api.backend) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await by_hash(http, SHA)).json() == {"data": {"me": None}}
        assert (await by_hash(http, SHA, "GET")).json() == {"data": {"me": None}}
        listed = await http.post("/graphql", json={"query": QUERY, "extensions": apq(SHA)})
        assert listed.json() == {"data": {"me": None}}
        assert_not_found(await by_hash(http, sha256_hex(OTHER)))
        # Any text that is not on the list is refused, with a hash (Apollo's retry) or without.
        for body in ({"query": OTHER}, {"query": OTHER, "extensions": apq(sha256_hex(OTHER))}):
            refused = await http.post("/graphql", json=body)
            assert refused.status_code == 403
            assert code_of(refused) == "FORBIDDEN"
        assert_not_found(await by_hash(http, sha256_hex(OTHER)))  # the retry registered nothing
        mismatch = await http.post("/graphql", json={"query": OTHER, "extensions": apq(SHA)})
        assert mismatch.status_code == 400 and code_of(mismatch) == "BAD_USER_INPUT"
        get_text = await http.get("/graphql", params={"query": QUERY})
        assert get_text.status_code == 403


async def test_a_manifest_preloads_the_store_without_the_allow_list(api: Api, manifest: Path) -> None:
    settings = with_settings(persisted_queries_file=manifest)
    async with serve(settings, api.backend) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await by_hash(http, SHA)).json() == {"data": {"me": None}}
        arbitrary = await http.post("/graphql", json={"query": OTHER})
        assert arbitrary.json() == {"data": {"__typename": "Query"}}


def test_a_bad_manifest_stops_the_start_with_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "queries.json"
    path.write_text(json.dumps({"0" * 64: QUERY, SHA: 42}))
    settings = with_settings(persisted_queries_only=True, persisted_queries_file=path)
    with pytest.raises(ConfigError) as raised:
        create_app(settings)
    assert f"{'0' * 64}: is not the SHA-256 of its query" in str(raised.value)
    assert f"{SHA}: the query must be a string" in str(raised.value)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        create_app(settings)
    with pytest.raises(ConfigError, match="cannot read"):
        create_app(with_settings(persisted_queries_file=tmp_path / "missing.json"))
