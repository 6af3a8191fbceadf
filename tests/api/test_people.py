"""People over real HTTP: round trips per page independent of its size, and the flows
clients run (profile, connecting, visibility, search with facets, paging)."""

from __future__ import annotations

from typing import Any

import pytest

from graph_db import network, people, seed
from graph_db.people_records import PersonRecord
from schema.base import to_global_id
from tests.api.conftest import Api, with_settings
from tests.factories import make_member, token_for

PERSON_FIELDS = """
  id name title rank bio photoUrl email phone acceptingMentees menteeCapacity role
  privacy { emailVisibility }
  hospital { name } department { name hospital { name } } division { name department { name } }
  interests { name broader { name } memberCount } mentorshipOffered { name } mentorshipSought { name }
  completeness { score missing } degree connectionStatus viewerFollows followsViewer
  followerCount followingCount connectionCount
"""

SEARCH = """query($q: String, $first: Int, $after: String, $filter: PeopleFilter) {
  searchPeople(query: $q, first: $first, after: $after, filter: $filter) {
    edges { cursor node { PERSON } }
    pageInfo { hasNextPage endCursor }
    totalCount
    facets { hospitals { id name count } departments { id count } interests { id name count }
             mentorshipAreas { id count } }
  }
}""".replace("PERSON", PERSON_FIELDS)


async def _seeded(api: Api, people: int = 40) -> tuple[PersonRecord, str]:
    await seed.seed_network(api.backend, people, seed=11)
    viewer, token = await make_member(api, name="Viewer Person")
    rows = await api.backend.read("MATCH (p:Person) WHERE p.id <> $id RETURN p.id AS id "
                                  "ORDER BY id LIMIT 3", {"id": viewer.id})
    await network.connect_many(api.backend, [(viewer.id, r["id"], 1) for r in rows])
    await trips(api, "{ me { id } }", {}, token)  # the session is read once, then kept
    return viewer, token


async def trips(api: Api, query: str, variables: dict[str, Any], token: str) -> tuple[int, dict[str, Any]]:
    response = await api.post(query, variables, token=token)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return int(response.headers["x-db-round-trips"]), body["data"]


async def test_a_search_page_costs_the_same_round_trips_for_3_or_40_people(api: Api) -> None:
    _, token = await _seeded(api)
    small, data = await trips(api, SEARCH, {"first": 3}, token)
    assert len(data["searchPeople"]["edges"]) == 3
    large, data = await trips(api, SEARCH, {"first": 40}, token)
    assert len(data["searchPeople"]["edges"]) == 40
    assert small == large <= 12
    # A page without text reads what it shows of its people in its own statement; a text
    # page is ranked by the service, so those reads follow it, in one statement more.
    text, data = await trips(api, SEARCH, {"q": "research", "first": 40}, token)
    assert text == small + 1 and data["searchPeople"]["totalCount"] > 0


async def test_person_lists_and_suggestions_cost_a_bounded_number_of_round_trips(api: Api) -> None:
    _, token = await _seeded(api, 60)
    busiest = await api.backend.read(
        "MATCH (p:Person)-[:CONNECTED_WITH]->(c) RETURN p.id AS id, count(c) AS n "
        "ORDER BY n DESC, id LIMIT 1"
    )
    gid = to_global_id("Person", busiest[0]["id"])
    # One list per request: sibling lists resolve concurrently, and how their loaders batch
    # then depends on which answer arrives first.
    queries = {
        "connections": "query($id: ID!, $first: Int) { node(id: $id) { ... on Person { "
                       "connections(first: $first) { nodes { PERSON } } } } }",
        "followers": "query($id: ID!, $first: Int) { node(id: $id) { ... on Person { "
                     "followers(first: $first) { nodes { PERSON } } } } }",
        "suggestions": "query($first: Int) { peopleYouMayKnow(first: $first) { "
                       "person { PERSON } mutualConnectionCount } }",
    }
    for name, query in queries.items():
        query = query.replace("PERSON", PERSON_FIELDS)
        variables: dict[str, Any] = {"first": 5} if name == "suggestions" else {"id": gid, "first": 5}
        small, _ = await trips(api, query, variables, token)
        large, data = await trips(api, query, {**variables, "first": 20}, token)
        assert small == large <= 12, name
    connections = (await trips(api, queries["connections"].replace("PERSON", "name"),
                                      {"id": gid, "first": 20}, token))[1]
    assert len(connections["node"]["connections"]["nodes"]) > 2


async def test_profile_connect_and_contact_visibility_flow(api: Api) -> None:
    ada, ada_token = await make_member(api, name="Ada Chen")
    ben, ben_token = await make_member(api, name="Ben Okafor")
    update = """mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
      person { privacy { emailVisibility phoneVisibility } phone } errors { field } } }"""
    data = await api.gql(update, {"input": {
        "phone": "+1 617 555 0100", "phoneVisibility": "CONNECTIONS", "emailVisibility": "NOBODY",
    }}, token=ada_token)
    assert data["updateProfile"] == {"person": {
        "privacy": {"emailVisibility": "NOBODY", "phoneVisibility": "CONNECTIONS"},
        "phone": "+1 617 555 0100"}, "errors": []}
    contact = ("query($id: ID!) { node(id: $id) { ... on Person { email phone "
               "privacy { emailVisibility } } } }")
    ada_id = to_global_id("Person", ada.id)
    assert (await api.gql(contact, {"id": ada_id}, token=ben_token))["node"] == {
        "email": None, "phone": None, "privacy": None}
    await api.gql("mutation($id: ID!) { requestConnection(input: {personId: $id}) { errors { code } } }",
                  {"id": ada_id}, token=ben_token)
    accepted = await api.gql(
        "mutation($id: ID!) { acceptConnection(input: {personId: $id}) { "
        "person { connectionStatus degree } } }",
        {"id": to_global_id("Person", ben.id)}, token=ada_token)
    assert accepted["acceptConnection"]["person"] == {"connectionStatus": "CONNECTED", "degree": 1}
    assert (await api.gql(contact, {"id": ada_id}, token=ben_token))["node"] == {
        "email": None, "phone": "+1 617 555 0100", "privacy": None}


async def test_signed_out_and_bad_input_over_http(api: Api) -> None:
    response = await api.post('{ searchPeople(query: "x") { totalCount } }')
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _, token = await make_member(api)
    response = await api.post(
        "mutation { updateProfile(input: {rank: KING}) { errors { field } } }", token=token
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    response = await api.post('{ searchPeople(after: "not-a-cursor") { totalCount } }', token=token)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


CARD = """
  __typename id name title rank photoUrl hospital { name } department { name } division { name }
  interests { name } mentorshipOffered { name } mentorshipSought { name } degree connectionStatus
  viewerFollows followsViewer followerCount followingCount connectionCount
"""
# The same page of people, asked one field more than their cards hold: read as profiles.
CARD_SEARCH = SEARCH.replace(PERSON_FIELDS, CARD)
PROFILE_SEARCH = SEARCH.replace(PERSON_FIELDS, CARD + " bio")
COUNTLESS = """query($filter: PeopleFilter, $first: Int) {
  searchPeople(filter: $filter, first: $first) { nodes { id name } }
}"""


@pytest.mark.parametrize("settings", [with_settings(expose_queries=True)])
async def test_a_search_page_asked_only_what_cards_hold_reads_cards_with_the_same_answer(
    api: Api,
) -> None:
    _, token = await _seeded(api, 50)

    async def ask(query: str, variables: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        response = await api.http.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}", "x-debug-queries": "1"},
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"], [executed["query"] for executed in body["extensions"]["queries"]]

    facets = (await api.gql(SEARCH, {"first": 1}, token=token))["searchPeople"]["facets"]
    interest = {"interests": [facets["interests"][0]["id"]]}
    hospital = {"hospitals": [facets["hospitals"][0]["id"]]}
    for variables in ({"first": 30}, {"first": 30, "filter": interest},
                      {"first": 5, "filter": hospital}, {"q": "research", "first": 10}):
        after = None
        for _ in range(3):  # the first page and two more
            carded, statements = await ask(CARD_SEARCH, {**variables, "after": after})
            profiled, _ = await ask(PROFILE_SEARCH, {**variables, "after": after})
            for edge in profiled["searchPeople"]["edges"]:
                del edge["node"]["bio"]
            assert carded == profiled and carded["searchPeople"]["edges"], variables
            # Without text the page reads cards; with text, profiles (the ranking reads them).
            cards = [q for q in statements if people.PERSON_CARD_FIELDS in q]
            assert len(cards) == (0 if "q" in variables else 1), variables
            if not carded["searchPeople"]["pageInfo"]["hasNextPage"]:
                break
            after = carded["searchPeople"]["pageInfo"]["endCursor"]
    # Without a total or facets the page is read alone (its own statement): cards as well.
    data, statements = await ask(COUNTLESS, {"first": 4, "filter": interest})
    assert len(data["searchPeople"]["nodes"]) == 4
    assert any(people.PERSON_CARD_FIELDS in q for q in statements)


async def test_filters_facets_and_paging_over_http(api: Api) -> None:
    _, token = await _seeded(api, 50)
    data = await api.gql(SEARCH, {"first": 1}, token=token)
    facets = data["searchPeople"]["facets"]
    hospital = facets["hospitals"][0]
    narrowed = {"hospitals": [hospital["id"]]}
    seen: list[str] = []
    after = None
    while True:
        page = (await api.gql(SEARCH, {"first": 7, "after": after, "filter": narrowed},
                              token=token))["searchPeople"]
        assert page["totalCount"] == hospital["count"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert all(edge["node"]["hospital"]["name"] == hospital["name"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == hospital["count"]
    interest = facets["interests"][0]
    page = (await api.gql(SEARCH, {"first": 100, "filter": {"interests": [interest["id"]]}},
                          token=token))["searchPeople"]
    assert page["totalCount"] == interest["count"] == len(page["edges"])
    assert all(interest["name"] in [i["name"] for i in e["node"]["interests"]] for e in page["edges"])


async def test_token_for_a_seeded_person_works(api: Api) -> None:
    await seed.seed_network(api.backend, 5, seed=2)
    rows = await api.backend.read("MATCH (p:Person) RETURN p.id AS id LIMIT 1")
    person = PersonRecord(id=rows[0]["id"], email="x", name="x")
    data = await api.gql("{ me { name completeness { score } hospital { name } } }", token=token_for(person))
    assert data["me"]["name"] and 0 <= data["me"]["completeness"]["score"] <= 100
