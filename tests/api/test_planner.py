"""Read plans (resolvers.planner): a profile or group page in one round trip, with exactly
the answer the loaders give field by field (`GRAPH_API_READ_PLANS=false`), for viewers who
see it all, part of it (blocks, private groups, removed posts) or nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType

from graph_api.config import Settings
from graph_db import network, people, posts, seed
from graph_db.backend import Executor
from graph_db.people_records import PersonCardRecord
from resolvers.planner import CARD_FIELDS
from schema import build_schema
from schema.base import to_global_id
from schema.people import Person
from tests.api.conftest import Api, serve, with_settings
from tests.factories import token_for

OPERATIONS = Path(__file__).resolve().parents[2] / "bench" / "operations"
PROFILE = (OPERATIONS / "profile_page.graphql").read_text()
GROUP = (OPERATIONS / "group_page.graphql").read_text()
FEED = (OPERATIONS / "home_feed.graphql").read_text()
# More than the bench asks: an author's own fields below the page, completeness, a second
# page of posts under an alias (not planned: read by its loader), and fields no plan covers.
PROFILE_MORE = """query($id: ID!, $after: String) {
  node(id: $id) {
    ... on Person {
      id name completeness { score missing } hospital { name } interests { name }
      recent: posts(first: 3) { edges { node { id likeCount author { id name department { name } } } } }
      older: posts(first: 2, after: $after) { edges { node { id viewerHasLiked } } }
      followers(first: 3) { nodes { id name } }
    }
  }
}"""
GROUP_MORE = """query($id: ID!) {
  node(id: $id) {
    ... on Group { name viewerStatus posts(first: 5) { edges { node { id author { name } } }
                   pageInfo { hasNextPage } } }
  }
}"""
# Authors asked for no more than their cards (resolvers.planner.CARD_FIELDS), through a
# fragment, on posts and on their comments; beside a root field asking one person's profile.
GROUP_CARDS = """fragment Chip on Person { __typename id name title rank photoUrl }
query($id: ID!, $person: ID!) {
  node(id: $id) {
    ... on Group { posts(first: 8) { edges { node { id author { ...Chip }
      comments(first: 3) { edges { node { id author { name ... on Node { id } } } } } } } } }
  }
  person: node(id: $person) { ... on Person { id name email bio completeness { score } } }
}"""
# One of the page's `author` fields asks for more than a card: none of them reads cards.
GROUP_CARDS_AND_MORE = """query($id: ID!) {
  node(id: $id) {
    ... on Group { posts(first: 8) { edges { node { id author { name title }
                   full: author { name bio email acceptingMentees } } } } }
  }
}"""
NOW = 1_767_225_600_000
# Sessions kept for the whole test: a session read again when its 5 s are up (a slow engine
# on a loaded machine) would be counted among a page's round trips.
SETTINGS = with_settings(session_cache_seconds=3600, expose_queries=True)


@pytest.fixture
def settings() -> Settings:
    return SETTINGS


async def _world(db: Executor) -> dict[str, Any]:
    """A seeded network with groups (a fifth private), posts and likes, plus a block and a
    removed post, and who is who in it."""
    await seed.seed_network(db, 30, seed=5)
    await seed.seed_content(db, groups=5, posts=300, likes=900, seed=5)
    authors = await db.read(
        "MATCH (a:Person)-[:AUTHORED]->(p:Post) WITH a, count(p) AS n "
        "RETURN a.id AS id ORDER BY n DESC, id LIMIT 3"
    )
    prolific, blocker, remover = (row["id"] for row in authors)
    members = await db.read(
        "MATCH (v:Person)-[:MEMBER_OF]->(g:Group) WITH v, count(g) AS n "
        "RETURN v.id AS id ORDER BY n DESC, id LIMIT 2"
    )
    viewer, other = (row["id"] for row in members)
    assert await network.block(db, blocker, viewer, now=NOW)
    post = (await db.read("MATCH (:Person {id: $a})-[:AUTHORED]->(p:Post) RETURN p.id AS id "
                          "ORDER BY p.createdAt DESC LIMIT 1", {"a": remover}))[0]["id"]
    assert await posts.remove_post(db, post, actor_id=remover, moderator=False, now=NOW,
                                   action_id="removal-1")
    group_rows = await db.read("MATCH (g:Group) RETURN g.id AS id, g.visibility AS visibility ORDER BY id")
    return {
        "viewers": [viewer, other],
        "people": [prolific, blocker, remover, viewer],
        "groups": [row["id"] for row in group_rows],
        "private": [row["id"] for row in group_rows if row["visibility"] == "PRIVATE"],
    }


async def _ask(http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
               ) -> tuple[int, dict[str, Any]]:
    response = await http.post("/graphql", json={"query": query, "variables": variables},
                               headers={"authorization": f"Bearer {token}"})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return int(response.headers["x-db-round-trips"]), body["data"]


async def _token(db: Executor, person_id: str) -> str:
    from graph_db import people

    person = (await people.get_many(db, [person_id]))[0]
    assert person is not None
    return token_for(person)


async def test_a_planned_page_is_one_round_trip_and_the_loaders_answer(api: Api) -> None:
    world = await _world(api.backend)
    assert world["private"], "the seeded groups include a private one"
    cases: list[tuple[str, dict[str, Any]]] = []
    for person in world["people"]:
        node = to_global_id("Person", person)
        cases += [(PROFILE, {"id": node, "posts": 10}), (PROFILE, {"id": node, "posts": 100}),
                  (PROFILE_MORE, {"id": node, "after": None})]
    for group in world["groups"]:
        node = to_global_id("Group", group)
        cases += [(GROUP, {"id": node, "posts": 20}), (GROUP_MORE, {"id": node}),
                  (GROUP_CARDS_AND_MORE, {"id": node})]
        cases += [(GROUP_CARDS, {"id": node, "person": to_global_id("Person", person)})
                  for person in world["people"]]
    async with (
        serve(replace(SETTINGS, read_plans=False), api.backend) as unplanned_url,
        httpx.AsyncClient(base_url=unplanned_url, timeout=30) as unplanned,
    ):
        for viewer in world["viewers"]:
            token = await _token(api.backend, viewer)
            for http in (api.http, unplanned):  # the session is read once, then kept
                await _ask(http, "{ me { id } }", {}, token)
            shown = 0
            for query, variables in cases:
                planned_trips, planned = await _ask(api.http, query, variables, token)
                loaded_trips, loaded = await _ask(unplanned, query, variables, token)
                assert planned == loaded, (viewer, variables)
                if planned["node"] is None:  # hidden from this viewer: nothing more to read
                    continue
                shown += 1
                if query in (PROFILE, GROUP):
                    assert planned_trips == 1, (query[:40], variables)
                    assert loaded_trips > 1
                else:  # the plan covers part of these; the loaders read the rest
                    assert planned_trips < loaded_trips, (query[:40], variables)
            assert shown >= len(cases) - 3  # the blocked profile (and nothing else) is hidden
            assert sum(query == GROUP_CARDS for query, _ in cases) == 20
            # The home feed: a first page in one statement, the next one read as without a plan.
            for first in (10, 50):
                planned_trips, planned = await _ask(api.http, FEED, {"first": first}, token)
                loaded_trips, loaded = await _ask(unplanned, FEED, {"first": first}, token)
                assert planned == loaded and planned["feed"]["edges"]
                assert (planned_trips, loaded_trips) == (1, 3)
            after = planned["feed"]["pageInfo"]["endCursor"]
            query = FEED.replace("feed(first: $first)", "feed(first: $first, after: $after)").replace(
                "($first: Int!)", "($first: Int!, $after: String)")
            assert (await _ask(api.http, query, {"first": 5, "after": after}, token))[1] == (
                await _ask(unplanned, query, {"first": 5, "after": after}, token))[1]


async def test_the_plan_still_hides_what_the_viewer_may_not_see(api: Api) -> None:
    world = await _world(api.backend)
    viewer = world["viewers"][0]
    token = await _token(api.backend, viewer)
    blocker = world["people"][1]
    _, data = await _ask(api.http, PROFILE, {"id": to_global_id("Person", blocker), "posts": 10}, token)
    assert data["node"] is None  # blocked: the profile reads as absent
    for group in world["groups"]:
        _, data = await _ask(api.http, GROUP, {"id": to_global_id("Group", group), "posts": 100}, token)
        authors = {edge["node"]["author"]["id"] for edge in data["node"]["posts"]["edges"]}
        assert to_global_id("Person", blocker) not in authors
        if data["node"]["viewerStatus"] != "MEMBER" and group in world["private"]:
            assert data["node"]["posts"]["edges"] == []
    remover = world["people"][2]
    removed = await api.backend.read("MATCH (p:Post) WHERE p.removedAt IS NOT NULL RETURN p.id AS id")
    _, data = await _ask(api.http, PROFILE, {"id": to_global_id("Person", remover), "posts": 100}, token)
    shown = {edge["node"]["id"] for edge in data["node"]["posts"]["edges"]}
    assert shown and not shown & {to_global_id("Post", row["id"]) for row in removed}


@pytest.mark.parametrize("first", [-1, 101])
async def test_a_page_size_the_field_refuses_is_refused_as_without_a_plan(api: Api, first: int) -> None:
    world = await _world(api.backend)
    token = await _token(api.backend, world["viewers"][0])
    node = to_global_id("Person", world["people"][0])
    response = await api.post(PROFILE, {"id": node, "posts": first}, token=token)
    body = response.json()
    assert response.status_code == 200
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["node", "posts"]


async def test_a_page_reads_its_authors_cards_when_they_are_all_it_shows(api: Api) -> None:
    """Where every `author` field of a planned page asks only what a card holds, the plan
    reads cards (5 values a person), not profiles; where one asks more, profiles; and the
    answers are the loaders' either way (test_a_planned_page_is_one_round_trip_...)."""
    world = await _world(api.backend)
    token = await _token(api.backend, world["viewers"][0])
    group = to_global_id("Group", world["groups"][0])
    await _ask(api.http, "{ me { id } }", {}, token)  # the session, read once and kept

    async def statements(query: str, variables: dict[str, Any]) -> list[str]:
        response = await api.http.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}", "x-debug-queries": "1"},
        )
        body = response.json()
        assert "errors" not in body and body["data"]["node"]["posts"]["edges"], body
        return [executed["query"] for executed in body["extensions"]["queries"]]

    # The cards are read with the listing, from the authors it met.
    [plan] = await statements(GROUP, {"id": group, "posts": 20})
    assert posts.AUTHOR_CARD_COLUMN in plan and people.PERSON_FIELDS not in plan
    assert people.GET_CARDS not in plan
    plan, *_ = await statements(GROUP_CARDS_AND_MORE, {"id": group})  # then their relations
    assert people.PERSON_FIELDS in plan and posts.AUTHOR_CARD_COLUMN not in plan
    # The comments' authors (read after the plan, by the comments' page) are cards too; the
    # other root field's person is a profile.
    executed = await statements(
        GROUP_CARDS, {"id": group, "person": to_global_id("Person", world["people"][0])}
    )
    [plan] = [query for query in executed if "(g:Group {id: $group})" in query]
    assert posts.AUTHOR_CARD_COLUMN in plan and people.PERSON_FIELDS not in plan
    assert people.GET_CARDS in executed
    [profile] = [query for query in executed if people.PERSON_FIELDS in query]
    assert people.PERSON_CARD_FIELDS not in profile


def test_a_card_answers_no_field_beyond_it() -> None:
    card = PersonCardRecord(id="p-1", name="Ada Lovelace", title="Dr", rank=None, photoUrl=None)
    person = Person.from_card(card)
    assert (person.id, person.record.name) == (to_global_id("Person", "p-1"), "Ada Lovelace")
    with pytest.raises(AttributeError):
        _ = person.record.email
    person_type = build_schema()._schema.get_type("Person")
    assert isinstance(person_type, GraphQLObjectType)
    assert CARD_FIELDS - {"__typename"} <= set(person_type.fields)
    assert {"email", "phone", "bio", "completeness"}.isdisjoint(CARD_FIELDS)
