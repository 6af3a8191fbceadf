"""People rules through the schema with a real context: who may change what, what each
viewer sees (contact visibility, blocks on every read path), and validation."""

from __future__ import annotations

from typing import Any

import pytest

from graph_api.errors import ErrorCodes
from graph_db import network, people, taxonomy, vocabulary
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services
from schema import build_schema
from schema.base import to_global_id
from tests.factories import make_person

SCHEMA = build_schema(extensions=[ErrorCodes])
NOW = 1_800_000_000_000


async def gql(
    db: Backend, viewer: PersonRecord | None, query: str, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    """Run an operation as `viewer`; (data, top-level error code or None)."""
    ctx = Context(
        db=db, services=Services(backend=db, clock=lambda: NOW),
        loaders=Loaders(db, viewer.id if viewer else None),
        viewer=Viewer(viewer.id, viewer.role, viewer) if viewer else None,
    )
    result = await SCHEMA.execute(query, variable_values=variables, context_value=ctx)
    if result.errors:
        code = (result.errors[0].extensions or {}).get("code")
        assert code != "INTERNAL_SERVER_ERROR", result.errors[0].original_error
        return result.data, str(code)
    return result.data, None


def gid(person: PersonRecord) -> str:
    return to_global_id("Person", person.id)


UPDATE = """
mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    person { id name title rank bio photoUrl phone completeness { score missing } }
    errors { field code message }
  }
}"""


async def test_update_own_profile(db: Backend) -> None:
    me = await make_person(db)
    data, code = await gql(db, me, UPDATE, {"input": {
        "name": "  Ada   Chen ", "title": "Professor", "rank": "PROFESSOR",
        "photoUrl": "https://photos.example.org/ada.jpg", "phone": "+1 617 555 0100",
    }})
    assert code is None and data is not None
    payload = data["updateProfile"]
    assert payload["errors"] == []
    person = payload["person"]
    assert (person["name"], person["rank"], person["phone"]) == ("Ada Chen", "PROFESSOR", "+1 617 555 0100")
    assert person["completeness"] == {
        "score": 35, "missing": ["BIO", "AFFILIATION", "INTERESTS", "MENTORSHIP_AREAS"],
    }


async def test_update_profile_refused_signed_out_and_for_another_member(db: Backend) -> None:
    me, other = await make_person(db), await make_person(db)
    _, code = await gql(db, None, UPDATE, {"input": {"title": "x"}})
    assert code == "UNAUTHENTICATED"
    _, code = await gql(db, me, UPDATE, {"input": {"personId": gid(other), "title": "x"}})
    assert code == "FORBIDDEN"
    stored = await people.get(db, other.id)
    assert stored is not None and stored.title is None


async def test_admin_updates_anyone(db: Backend) -> None:
    admin, other = await make_person(db, role="ADMIN"), await make_person(db)
    data, code = await gql(db, admin, UPDATE, {"input": {"personId": gid(other), "title": "Chief"}})
    assert code is None and data is not None
    assert data["updateProfile"]["person"]["title"] == "Chief"


async def test_validation_lists_every_problem_and_changes_nothing(db: Backend) -> None:
    me = await make_person(db, title="Keep me")
    data, code = await gql(db, me, UPDATE, {"input": {
        "name": "", "title": "t" * 161, "photoUrl": "javascript:alert(1)", "phone": "call me",
        "menteeCapacity": 99, "bio": "ok",
    }})
    assert code is None and data is not None
    payload = data["updateProfile"]
    assert payload["person"] is None
    assert {e["field"] for e in payload["errors"]} == {
        "name", "title", "photoUrl", "phone", "menteeCapacity",
    }
    assert {e["code"] for e in payload["errors"]} == {"BAD_USER_INPUT"}
    stored = await people.get(db, me.id)
    assert stored is not None and stored.title == "Keep me" and stored.bio is None


async def test_affiliation_must_be_a_division_or_department(db: Backend) -> None:
    await taxonomy.load_default(db, now=NOW)
    units = await taxonomy.list_all(db)
    hospital = next(u for u in units if u.kind == "Hospital")
    division = next(u for u in units if u.kind == "Division" and u.name == "Cardiology")
    me = await make_person(db)
    query = """mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
      person { hospital { name } department { name } division { name shortName } }
      errors { field code } } }"""
    data, _ = await gql(db, me, query, {"input": {"affiliationId": to_global_id("Hospital", hospital.id)}})
    assert data is not None and data["updateProfile"]["errors"] == [
        {"field": "affiliationId", "code": "BAD_USER_INPUT"}
    ]
    data, _ = await gql(db, me, query, {"input": {"affiliationId": to_global_id("Division", division.id)}})
    assert data is not None
    person = data["updateProfile"]["person"]
    assert person["division"] == {"name": "Cardiology", "shortName": "CARD"}
    assert person["department"]["name"] == "Department of Medicine"
    assert person["hospital"]["name"] in {"University Hospital", "Riverside Medical Center",
                                          "Veterans Affairs Medical Center"}
    data, _ = await gql(db, me, query, {"input": {"affiliationId": None}})
    assert data is not None and data["updateProfile"]["person"]["division"] is None


ADD_INTERESTS = """
mutation($input: AddInterestsInput!) {
  addInterests(input: $input) {
    person { interests { name slug broader { name } } completeness { score } }
    errors { field code message }
  }
}"""


async def test_interests_existing_and_proposed_are_normalised(db: Backend) -> None:
    await vocabulary.load_default(db, now=NOW)
    hf = (await vocabulary.autocomplete(db, "Interest", "heart failure", 1))[0][0]
    me, other = await make_person(db), await make_person(db)
    data, code = await gql(db, me, ADD_INTERESTS, {"input": {"interests": [
        {"id": to_global_id("Interest", hf.id)},
        {"name": "  Cardiac   AMYLOIDOSIS ", "broaderId": to_global_id("Interest", hf.id)},
    ]}})
    assert code is None and data is not None
    interests = data["addInterests"]["person"]["interests"]
    assert interests == [
        {"name": "Cardiac AMYLOIDOSIS", "slug": "cardiac-amyloidosis", "broader": {"name": "Heart Failure"}},
        {"name": "Heart Failure", "slug": "heart-failure", "broader": {"name": "Cardiovascular Medicine"}},
    ]
    data, _ = await gql(db, other, ADD_INTERESTS, {"input": {"interests": [{"name": "cardiac amyloidosis"}]}})
    assert data is not None
    assert data["addInterests"]["person"]["interests"][0]["name"] == "Cardiac AMYLOIDOSIS"
    found, _ = await gql(db, me, '{ interests(prefix: "amyl") { name memberCount } }')
    assert found == {"interests": [{"name": "Cardiac AMYLOIDOSIS", "memberCount": 2}]}


async def test_interest_input_problems(db: Backend) -> None:
    me, other = await make_person(db), await make_person(db)
    data, _ = await gql(db, me, ADD_INTERESTS, {"input": {"interests": [
        {"name": "x"}, {}, {"id": to_global_id("Interest", "nope")},
        {"name": "Fine", "broaderId": to_global_id("Interest", "missing")},
    ]}})
    assert data is not None
    assert [e["field"] for e in data["addInterests"]["errors"]] == [
        "interests.0.name", "interests.1", "interests.2.id", "interests.3.broaderId",
    ]
    _, code = await gql(db, me, ADD_INTERESTS,
                        {"input": {"personId": gid(other), "interests": [{"name": "Sepsis"}]}})
    assert code == "FORBIDDEN"
    _, code = await gql(db, None, ADD_INTERESTS, {"input": {"interests": [{"name": "Sepsis"}]}})
    assert code == "UNAUTHENTICATED"
    assert await vocabulary.list_all(db) == []


async def test_mentorship_areas_offered_and_sought(db: Backend) -> None:
    me = await make_person(db)
    query = """mutation($input: AddMentorshipAreasInput!) { addMentorshipAreas(input: $input) {
      person { mentorshipOffered { name } mentorshipSought { name } } errors { field } } }"""
    data, _ = await gql(db, me, query, {"input": {"role": "OFFERED", "areas": [{"name": "Grant Writing"}]}})
    data, _ = await gql(db, me, query, {"input": {"role": "SOUGHT", "areas": [{"name": "Leadership"}]}})
    assert data is not None and data["addMentorshipAreas"]["person"] == {
        "mentorshipOffered": [{"name": "Grant Writing"}], "mentorshipSought": [{"name": "Leadership"}],
    }
    data, _ = await gql(db, me, query, {"input": {"role": "SOUGHT", "areas": [
        {"name": "Teaching", "broaderId": to_global_id("Interest", "x")}]}})
    assert data is not None
    assert data["addMentorshipAreas"]["errors"] == [{"field": "areas.0.broaderId"}]
    areas, _ = await gql(db, me, '{ mentorshipAreas { name memberCount offeredByCount soughtByCount } }')
    assert areas == {"mentorshipAreas": [
        {"name": "Grant Writing", "memberCount": 1, "offeredByCount": 1, "soughtByCount": 0},
        {"name": "Leadership", "memberCount": 1, "offeredByCount": 0, "soughtByCount": 1},
    ]}
    remove = """mutation($input: RemoveMentorshipAreasInput!) { removeMentorshipAreas(input: $input) {
      person { mentorshipOffered { name } mentorshipSought { name } } } }"""
    lead = (await vocabulary.autocomplete(db, "MentorshipArea", "lead", 1))[0][0]
    data, _ = await gql(db, me, remove, {"input": {"role": "SOUGHT", "areaIds": [
        to_global_id("MentorshipArea", lead.id)]}})
    assert data is not None and data["removeMentorshipAreas"]["person"]["mentorshipSought"] == []


CONTACT = """query($id: ID!) { node(id: $id) { ... on Person { email phone
  privacy { emailVisibility phoneVisibility } } } }"""


@pytest.mark.parametrize(
    ("setting", "stranger", "connection", "signed_out"),
    [("MEMBERS", True, True, False), ("CONNECTIONS", False, True, False),
     ("NOBODY", False, False, False)],
)
async def test_contact_visibility(
    db: Backend, setting: str, stranger: bool, connection: bool, signed_out: bool
) -> None:
    owner = await make_person(db, phone="+1 555 0100", emailVisibility=setting, phoneVisibility=setting)
    member, friend = await make_person(db), await make_person(db)
    admin = await make_person(db, role="ADMIN")
    await network.connect_many(db, [(owner.id, friend.id, NOW)])

    async def sees(viewer: PersonRecord | None) -> tuple[bool, bool, bool]:
        data, code = await gql(db, viewer, CONTACT, {"id": gid(owner)})
        assert code is None and data is not None
        node = data["node"]
        return node["email"] == owner.email, node["phone"] == "+1 555 0100", node["privacy"] is not None

    assert await sees(owner) == (True, True, True)
    assert await sees(admin) == (True, True, True)
    assert await sees(member) == (stranger, stranger, False)
    assert await sees(friend) == (connection, connection, False)
    assert await sees(None) == (signed_out, signed_out, False)


async def test_blocks_hide_people_on_every_read_path(db: Backend) -> None:
    await vocabulary.load_default(db, now=NOW)
    sepsis = (await vocabulary.autocomplete(db, "Interest", "sepsis", 1))[0][0]
    me, hidden, friend, fine = [
        await make_person(db, name=n) for n in ("Me", "Hidden Sepsis", "Friend", "Fine Sepsis")
    ]
    for person in (me, hidden, fine):
        await people.add_terms(db, person.id, "INTERESTED_IN", terms=[
            {"id": sepsis.id, "slug": sepsis.slug, "name": sepsis.name, "broaderId": None}], now=NOW)
    await network.connect_many(db, [(me.id, friend.id, NOW), (friend.id, hidden.id, NOW),
                                    (friend.id, fine.id, NOW)])
    await network.follow_many(db, [(hidden.id, friend.id, NOW), (fine.id, friend.id, NOW)])
    await network.block(db, hidden.id, me.id, now=NOW)  # they blocked me: same effect for both

    reads = {
        "node": ("query($id: ID!) { node(id: $id) { id } }", {"id": gid(hidden)}),
        "search": ('{ searchPeople(query: "sepsis") { nodes { name } totalCount } }', None),
        "pymk": ("{ peopleYouMayKnow { person { name } } }", None),
        "byInterest": ("query($i: ID!) { peopleByInterest(interestId: $i) { nodes { name } } }",
                       {"i": to_global_id("Interest", sepsis.id)}),
        "connections": ("query($id: ID!) { node(id: $id) { ... on Person { connections { nodes { name } } "
                        "followers { nodes { name } } } } }", {"id": gid(friend)}),
    }
    results = {}
    for name, (query, variables) in reads.items():
        data, code = await gql(db, me, query, variables)
        assert code is None, name
        results[name] = data
    assert results["node"] == {"node": None}
    assert results["search"] == {"searchPeople": {
        "nodes": [{"name": "Fine Sepsis"}, {"name": "Me"}], "totalCount": 2,  # you find yourself
    }}
    assert results["pymk"] == {"peopleYouMayKnow": [{"person": {"name": "Fine Sepsis"}}]}
    assert results["byInterest"] == {"peopleByInterest": {
        "nodes": [{"name": "Fine Sepsis"}, {"name": "Me"}]}}
    lists = results["connections"]["node"]  # same `since`: in id order, which is random here
    assert sorted(n["name"] for n in lists["connections"]["nodes"]) == ["Fine Sepsis", "Me"]
    assert lists["followers"] == {"nodes": [{"name": "Fine Sepsis"}]}
    # And the other way round: the blocker does not see me either.
    data, _ = await gql(db, hidden, "query($id: ID!) { node(id: $id) { id } }", {"id": gid(me)})
    assert data == {"node": None}


async def test_search_and_directory_need_a_signed_in_member(db: Backend) -> None:
    for query in ('{ searchPeople(query: "x") { totalCount } }', "{ peopleYouMayKnow { score: __typename } }",
                  "{ blockedMembers { totalCount } }",
                  "{ connectionRequests(direction: INCOMING) { totalCount } }"):
        _, code = await gql(db, None, query)
        assert code == "UNAUTHENTICATED", query


async def test_search_rejects_bad_cursors_and_sizes(db: Backend) -> None:
    me = await make_person(db)
    for args in ('first: 1000', 'after: "garbage"', 'after: "WyJ4IiwieSJd"'):
        _, code = await gql(db, me, f"{{ searchPeople({args}) {{ totalCount }} }}")
        assert code == "BAD_USER_INPUT", args
