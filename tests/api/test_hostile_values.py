"""Values FalkorDB cannot hold (NUL, unpaired surrogates, out-of-range numbers) sent over
HTTP: refused as BAD_USER_INPUT before the database, never an internal error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.factories import make_member


async def post_ascii(api: Api, query: str, variables: dict[str, Any], token: str) -> Any:
    """POST with the JSON \\u-escaped, as browsers send unpaired surrogates (httpx would refuse)."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await api.http.post(
        "/graphql", content=json.dumps({"query": query, "variables": variables}), headers=headers,
    )


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]


def global_id(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode().rstrip("=")


@pytest.mark.parametrize("raw", ["Person:\x00", "Person:a\x00b", "Group:\x00"])
async def test_an_id_with_a_nul_byte_is_refused(api: Api, raw: str) -> None:
    _, token = await make_member(api)
    response = await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": global_id(raw)},
                              token=token)
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"] == {"node": None}
    # No id the service makes holds NUL: refused while decoding, before either engine.
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_the_reported_literal_id_is_no_internal_error(api: Api) -> None:
    _, token = await make_member(api)
    response = await api.post('{ node(id: "UGVyc29uOgA") { id } }', token=token)  # "Person:\0"
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"] == {"node": None}
    assert codes(body) == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfffy"])
async def test_search_text_keeps_only_words(api: Api, text: str) -> None:
    # Search terms are \w+ words: NUL and surrogates never reach the engine.
    _, token = await make_member(api, name="Axel Bright")
    response = await post_ascii(
        api, "query($q: String) { searchPeople(query: $q, first: 5) { totalCount } }", {"q": text},
        token,
    )
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body


@pytest.mark.parametrize("operation", ["refreshToken", "logout"])
@pytest.mark.parametrize("token", ["a\x00b", "\ud800", "x\udfffy"])
async def test_a_refresh_token_that_is_not_unicode_is_just_a_bad_token(
    api: Api, operation: str, token: str
) -> None:
    query = (f"mutation($t: String!) {{ {operation}(input: {{refreshToken: $t}}) "
             "{ errors { field code } } }")
    garbage = await post_ascii(api, query, {"t": "not-a-token"}, "")
    hostile = await post_ascii(api, query, {"t": token}, "")
    assert hostile.status_code == garbage.status_code == 200
    assert hostile.json() == garbage.json()
    assert "INTERNAL_SERVER_ERROR" not in hostile.text
