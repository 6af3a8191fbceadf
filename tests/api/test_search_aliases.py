"""Site admins manage the aliases search finds terms by, over real HTTP on both engines:
allowed changes are read back from the graph and change what search finds; every refusal
leaves the whole graph as it was."""

from __future__ import annotations

from typing import Any

from graph_db import people, vocabulary
from schema.base import to_global_id
from tests.api.conftest import Api
from tests.factories import make_member, make_person
from tests.graphs import snapshot

NOW = 1_800_000_000_000
TERM = "{ id name aliases }"
ADD = """mutation($input: TermAliasInput!) { addTermAlias(input: $input) {
  interest TERM mentorshipArea TERM errors { field code message } } }""".replace("TERM", TERM)
REMOVE = ADD.replace("addTermAlias", "removeTermAlias")
SEARCH = """query($q: String) { searchPeople(query: $q, first: 10) {
  totalCount edges { matchedTerms node { name } } } }"""
ALIASES = "MATCH (t {id: $id}) RETURN t.aliases AS aliases"


async def _network(api: Api) -> dict[str, str]:
    """An interest and an area, each held by one person whose text never names the alias."""
    mi, grants = vocabulary.proposal("Interest", "Myocardial Infarction"), vocabulary.proposal(
        "MentorshipArea", "Grant Writing"
    )
    holder = await make_person(api.backend, name="Ines Holder", bio="Cardiology outcomes.")
    await people.add_terms(api.backend, holder.id, "INTERESTED_IN", terms=[mi], now=NOW)
    mentor = await make_person(api.backend, name="Otto Mentor")
    await people.add_terms(api.backend, mentor.id, "OFFERS_MENTORSHIP_IN", terms=[grants], now=NOW)
    await vocabulary.ensure_terms(api.backend, "Interest", ["Sepsis"], now=NOW)
    return {"mi": mi["id"], "grants": grants["id"], "sepsis": vocabulary.stable_id("Interest", "Sepsis")}


async def _aliases(api: Api, term_id: str) -> list[str]:
    return list((await api.backend.read(ALIASES, {"id": term_id}))[0]["aliases"] or [])


async def _found(api: Api, token: str, text: str) -> list[tuple[str, list[str]]]:
    body = (await api.post(SEARCH, {"q": text}, token=token)).json()
    assert "errors" not in body, body
    return [(e["node"]["name"], e["matchedTerms"]) for e in body["data"]["searchPeople"]["edges"]]


def _input(kind: str, term_id: str, alias: str) -> dict[str, Any]:
    return {"input": {"termId": to_global_id(kind, term_id), "alias": alias}}


async def test_an_admin_adds_and_removes_aliases_and_search_follows(api: Api) -> None:
    terms = await _network(api)
    _, admin = await make_member(api, role="ADMIN")
    _, member = await make_member(api)
    assert await _found(api, member, "heart attack") == []

    body = (await api.post(ADD, _input("Interest", terms["mi"], "  Heart  attack "), token=admin)).json()
    assert body["data"]["addTermAlias"] == {
        "interest": {"id": to_global_id("Interest", terms["mi"]), "name": "Myocardial Infarction",
                     "aliases": ["Heart attack"]},
        "mentorshipArea": None, "errors": [],
    }
    assert await _aliases(api, terms["mi"]) == ["Heart attack"]
    assert await _found(api, member, "heart attacks") == [("Ines Holder", ["Myocardial Infarction"])]

    body = (await api.post(ADD, _input("MentorshipArea", terms["grants"], "Funding applications"),
                           token=admin)).json()
    assert body["data"]["addTermAlias"]["mentorshipArea"]["aliases"] == ["Funding applications"]
    assert await _aliases(api, terms["grants"]) == ["Funding applications"]
    assert await _found(api, member, "funding application") == [("Otto Mentor", ["Grant Writing"])]

    body = (await api.post(REMOVE, _input("Interest", terms["mi"], "HEART ATTACK"), token=admin)).json()
    assert body["data"]["removeTermAlias"]["interest"]["aliases"] == []
    assert body["data"]["removeTermAlias"]["errors"] == []
    assert await _aliases(api, terms["mi"]) == []
    assert await _found(api, member, "heart attack") == []


async def _refused(api: Api, query: str, variables: dict[str, Any], token: str | None) -> Any:
    before = await snapshot(api.backend)
    body = (await api.post(query, variables, token=token)).json()
    assert await snapshot(api.backend) == before, body
    return body


async def test_refusals_change_nothing(api: Api) -> None:
    terms = await _network(api)
    _, admin = await make_member(api, role="ADMIN")
    _, member = await make_member(api)
    _, moderator = await make_member(api, role="MODERATOR")
    await api.post(ADD, _input("Interest", terms["mi"], "Heart attack"), token=admin)
    await api.post(ADD, _input("Interest", terms["sepsis"], "Septicaemia"), token=admin)

    for token, code in ((member, "FORBIDDEN"), (moderator, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        for query in (ADD, REMOVE):
            body = await _refused(api, query, _input("Interest", terms["mi"], "Heart attack"), token)
            assert [e["extensions"]["code"] for e in body["errors"]] == [code]

    def errors(body: Any) -> list[tuple[str, str]]:
        payload = body["data"]["addTermAlias" if "addTermAlias" in body["data"] else "removeTermAlias"]
        assert payload["interest"] is None and payload["mentorshipArea"] is None
        return [(e["field"], e["code"]) for e in payload["errors"]]

    cases = [
        (ADD, _input("Interest", terms["mi"], "   "), ("alias", "BAD_USER_INPUT")),
        (ADD, _input("Interest", terms["mi"], "of the"), ("alias", "BAD_USER_INPUT")),
        (ADD, _input("Interest", terms["mi"], "x" * 101), ("alias", "BAD_USER_INPUT")),
        (ADD, _input("Interest", "no-such-term", "Anything"), ("termId", "NOT_FOUND")),
        (ADD, _input("Hospital", terms["mi"], "Anything"), ("termId", "BAD_USER_INPUT")),
        # Search would read it as this term already, or as another one.
        (ADD, _input("Interest", terms["mi"], "heart attacks"), ("alias", "CONFLICT")),
        (ADD, _input("Interest", terms["mi"], "myocardial infarctions"), ("alias", "CONFLICT")),
        (ADD, _input("Interest", terms["mi"], "Sepsis"), ("alias", "CONFLICT")),
        (ADD, _input("Interest", terms["mi"], "septicaemia"), ("alias", "CONFLICT")),
        (REMOVE, _input("Interest", terms["mi"], "Cardiac arrest"), ("alias", "NOT_FOUND")),
        (REMOVE, _input("MentorshipArea", "no-such-term", "Anything"), ("termId", "NOT_FOUND")),
    ]
    for query, variables, expected in cases:
        assert errors(await _refused(api, query, variables, admin)) == [expected], variables
    assert await _aliases(api, terms["mi"]) == ["Heart attack"]
