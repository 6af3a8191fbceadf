"""One text policy (resolvers/text.py) for every user-visible string, over real HTTP:
register, updateProfile, createGroup and report clean text alike, and refuse what does not
display as stored (bidi overrides, invisible or control characters, empty-looking names)."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest

from schema.base import to_global_id
from tests.api.conftest import Api
from tests.factories import make_member

REGISTER = """mutation($email: String!, $name: String!) {
  register(input: {email: $email, name: $name, password: "a long enough password 1"}) {
    viewer { id name } errors { field code message }
  }
}"""
PROFILE = """mutation($name: String, $title: String, $bio: String) {
  updateProfile(input: {name: $name, title: $title, bio: $bio}) {
    person { name title bio } errors { field code message }
  }
}"""
GROUP = """mutation($name: String!, $description: String!) {
  createGroup(input: {name: $name, description: $description}) {
    group { id name description } errors { field code message }
  }
}"""
REPORT = """mutation($id: ID!, $details: String) {
  report(input: {targetId: $id, reason: OTHER, details: $details}) {
    report { id } errors { field code message }
  }
}"""

# Each refused for the field it is sent in, by every mutation.
REFUSED_NAMES = [
    "\u202eevil\u202c",          # right-to-left override: displays as "live"
    "Ann\u2066a\u2069",          # isolate
    "\u200b\u200b\u200b",        # zero-width spaces only
    "\u3164\u3164",              # Hangul fillers: letters that show nothing
    "Bob\x07",                   # bell
    "Tab\x00Null",               # NUL
    "lone \ud800 surrogate",     # not Unicode
]
DECOMPOSED = "Jose\u0301 Mari\u0301a"  # e + combining acute: stored as NFC "José María"


async def send(api: Api, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    """POST with JSON \\u-escapes (unpaired surrogates included, which httpx would refuse)."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = await api.http.post(
        "/graphql", content=json.dumps({"query": query, "variables": variables}), headers=headers
    )
    body = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body
    return body["data"]


async def graph_snapshot(api: Api) -> list[dict[str, Any]]:
    rows = await api.backend.read(
        "MATCH (n) WHERE n:Person OR n:Group OR n:Report OR n:Credential "
        "RETURN labels(n)[0] AS label, n.id AS id, n.name AS name, n.details AS details "
        "ORDER BY label, id"
    )
    return rows


@pytest.mark.parametrize("bad", REFUSED_NAMES)
async def test_register_refuses_names_that_do_not_show_as_stored(api: Api, bad: str) -> None:
    before = await graph_snapshot(api)
    data = await send(api, REGISTER, {"email": "new@example.org", "name": bad})
    assert data["register"]["viewer"] is None
    assert [(e["field"], e["code"]) for e in data["register"]["errors"]] == [("name", "BAD_USER_INPUT")]
    assert await graph_snapshot(api) == before


async def test_register_stores_the_name_as_nfc_with_spaces_folded(api: Api) -> None:
    data = await send(api, REGISTER, {"email": "jose@example.org", "name": f"  {DECOMPOSED} \t "})
    assert data["register"]["errors"] == []
    expected = unicodedata.normalize("NFC", DECOMPOSED)
    assert data["register"]["viewer"]["name"] == expected == "José María"
    stored = await api.backend.read(
        "MATCH (p:Person {email: 'jose@example.org'}) RETURN p.name AS name"
    )
    assert stored == [{"name": expected}]


@pytest.mark.parametrize("bad", REFUSED_NAMES)
async def test_update_profile_refuses_the_same_names_and_titles(api: Api, bad: str) -> None:
    me, token = await make_member(api, name="Stable Name")
    before = await graph_snapshot(api)
    # A title may be blank-looking (it is cleared when blank); names may not.
    fields = ["name"] if bad == "\u3164\u3164" else ["name", "title"]
    for variables in ({field: bad} for field in fields):
        data = await send(api, PROFILE, variables, token)
        field = next(iter(variables))
        assert data["updateProfile"]["person"] is None
        assert (field, "BAD_USER_INPUT") in [
            (e["field"], e["code"]) for e in data["updateProfile"]["errors"]
        ]
    assert await graph_snapshot(api) == before


async def test_update_profile_keeps_line_breaks_in_the_bio_but_not_overrides(api: Api) -> None:
    me, token = await make_member(api)
    data = await send(api, PROFILE, {"bio": f"First line\r\n{DECOMPOSED}\tsecond"}, token)
    assert data["updateProfile"]["errors"] == []
    assert data["updateProfile"]["person"]["bio"] == "First line\nJosé María\tsecond"
    data = await send(api, PROFILE, {"bio": "fine \u202e text"}, token)
    assert [(e["field"], e["code"]) for e in data["updateProfile"]["errors"]] == [
        ("bio", "BAD_USER_INPUT")
    ]
    stored = await api.backend.read("MATCH (p:Person {id: $id}) RETURN p.bio AS bio", {"id": me.id})
    assert stored == [{"bio": "First line\nJosé María\tsecond"}]


@pytest.mark.parametrize("bad", REFUSED_NAMES)
async def test_create_group_refuses_the_same_names(api: Api, bad: str) -> None:
    _, token = await make_member(api)
    before = await graph_snapshot(api)
    data = await send(api, GROUP, {"name": bad + bad, "description": ""}, token)  # 3+ characters
    assert data["createGroup"]["group"] is None
    assert [(e["field"], e["code"]) for e in data["createGroup"]["errors"]] == [
        ("name", "BAD_USER_INPUT")
    ]
    assert await graph_snapshot(api) == before


async def test_create_group_stores_cleaned_text(api: Api) -> None:
    _, token = await make_member(api)
    data = await send(
        api, GROUP, {"name": f"  {DECOMPOSED}   fellows ", "description": f"{DECOMPOSED}\r\nline 2"},
        token,
    )
    group = data["createGroup"]["group"]
    assert data["createGroup"]["errors"] == []
    assert group["name"] == "José María fellows"
    stored = await api.backend.read(
        "MATCH (g:Group) RETURN g.name AS name, g.description AS description"
    )
    assert stored == [{"name": "José María fellows", "description": "José María\nline 2"}]


async def test_report_details_follow_the_policy(api: Api) -> None:
    target, _ = await make_member(api, name="Reported Person")
    _, token = await make_member(api, name="Reporter Person")
    target_id = to_global_id("Person", target.id)
    before = await graph_snapshot(api)
    data = await send(api, REPORT, {"id": target_id, "details": "look \u202eereh\u202c"}, token)
    assert data["report"]["report"] is None
    assert [(e["field"], e["code"]) for e in data["report"]["errors"]] == [
        ("details", "BAD_USER_INPUT")
    ]
    assert await graph_snapshot(api) == before
    data = await send(api, REPORT, {"id": target_id, "details": f" {DECOMPOSED}\r\nagain "}, token)
    assert data["report"]["errors"] == []
    stored = await api.backend.read("MATCH (r:Report) RETURN r.details AS details")
    assert stored == [{"details": "José María\nagain"}]
