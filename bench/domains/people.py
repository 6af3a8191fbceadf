"""People: members (the seed generator of `graph-api seed`) and their reads."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from bench.registry import Call, Fixtures, Operation, dig, seed_step
from bench.registry import first_problem as _first_problem
from bench.registry import problem as _problem
from graph_db import seed
from schema.base import to_global_id

STEPS = [
    seed_step(
        "people", seed.seed_network, params=("people", "follows"), by_name=("follows",),
        every=10_000,
        expect=lambda scale: {"Person": scale.params["people"], "FOLLOWS": scale.params["follows"]},
        # The people generator chooses these numbers itself (about 5 connections per person).
        derived=(
            "Hospital", "Department", "Division", "Interest", "MentorshipArea", "WORKS_IN",
            "INTERESTED_IN", "OFFERS_MENTORSHIP_IN", "SEEKS_MENTORSHIP_IN", "CONNECTED_WITH",
        ),
        sources=("graph_db/seed.py", "graph_db/taxonomy_data.py", "graph_db/vocabulary_data.py"),
    ),
]

# -- fixtures: the dataset's own answers, read directly, for the shape checks ---------------

PROFILE_FACTS = (
    "MATCH (p:Person) WITH p ORDER BY p.id LIMIT 5000 RETURN p.id AS id, "
    "size([(p)-[:INTERESTED_IN]->(:Interest) | 1]) AS interests, "
    "size([(p)<-[:FOLLOWS]-(:Person) | 1]) AS followers, "
    "size([(p)-[:FOLLOWS]->(:Person) | 1]) AS following, "
    "size([(p)-[:CONNECTED_WITH]->(:Person) | 1]) AS connections "
    "ORDER BY id"
)
# People with a rank, a hospital and an interest: each one is a search that must find them.
SEARCHABLE = (
    "MATCH (p:Person)-[:WORKS_IN]->()-[:PART_OF*0..2]->(h:Hospital) WHERE p.rank IS NOT NULL "
    "MATCH (p)-[:INTERESTED_IN]->(i:Interest) "
    "RETURN p.id AS id, p.rank AS rank, h.id AS hospital, min(i.name) AS interest "
    "ORDER BY id LIMIT 5000"
)


# -- person_node: the floor every profile read stands on ----------------------------------------


def _any_person(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    return Call({"id": to_global_id("Person", fx.pick(rng, "Person"))})


def _check_person_node(data: Mapping[str, Any], call: Call) -> str | None:
    node = data.get("node")
    if not isinstance(node, Mapping):
        return "node is null: a person id from the dataset was not found"
    return _first_problem(
        _problem(node.get("id") == call.variables["id"],
                 f"node.id is {node.get('id')!r}, expected {call.variables['id']!r}"),
        _problem(isinstance(node.get("name"), str) and bool(node["name"]), "node.name is missing"),
        _problem(isinstance(node.get("createdAt"), str), "node.createdAt is missing"),
    )


# -- me: token verification and the viewer's own record ------------------------------------------


def _as_viewer(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    return Call({}, viewer=fx.pick(rng, "Person"))


def _check_me(data: Mapping[str, Any], call: Call) -> str | None:
    assert call.viewer is not None
    expected = to_global_id("Person", call.viewer)
    return _first_problem(
        _problem(dig(data, "me.id") == expected,
                 f"me.id is {dig(data, 'me.id')!r}, expected the viewer {expected!r}"),
        _problem(bool(dig(data, "me.name")), "me.name is missing"),
    )


# -- profile_page -------------------------------------------------------------------------------


def _profile(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    facts = rng.choice(fx.rows(PROFILE_FACTS))
    return Call(
        {"id": to_global_id("Person", facts["id"]), "posts": page_size or 10},
        viewer=fx.pick(rng, "Person"), expect=facts,
    )


def _check_profile(data: Mapping[str, Any], call: Call) -> str | None:
    node = data.get("node")
    if not isinstance(node, Mapping):
        return "node is null: a person id from the dataset was not found"
    facts, posts = call.expect, node.get("posts") or {}
    edges = posts.get("edges")
    if not isinstance(edges, list):
        return "posts.edges is missing"
    times = [dig(e, "node.createdAt") for e in edges]
    first = call.variables["posts"]
    return _first_problem(
        _problem(node.get("id") == call.variables["id"], f"node.id is {node.get('id')!r}"),
        _problem(bool(node.get("name")), "name is missing"),
        _problem(len(node.get("interests") or []) == facts["interests"],
                 f"{len(node.get('interests') or [])} interests, the dataset has {facts['interests']}"),
        _problem(node.get("followerCount") == facts["followers"],
                 f"followerCount {node.get('followerCount')}, the dataset has {facts['followers']}"),
        _problem(node.get("followingCount") == facts["following"],
                 f"followingCount {node.get('followingCount')}, the dataset has {facts['following']}"),
        _problem(node.get("connectionCount") == facts["connections"],
                 f"connectionCount {node.get('connectionCount')}, the dataset has {facts['connections']}"),
        _problem(isinstance(node.get("viewerFollows"), bool), "viewerFollows is missing"),
        _problem(len(edges) <= first, f"{len(edges)} posts on a page of {first}"),
        _problem(all(isinstance(t, str) for t in times) and times == sorted(times, reverse=True),
                 "posts are not newest first"),
        _problem(all(isinstance(dig(e, "node.likeCount"), int) and dig(e, "node.likeCount") >= 0
                     and isinstance(dig(e, "node.viewerHasLiked"), bool) for e in edges),
                 "a post lacks likeCount or viewerHasLiked"),
        _problem(len(edges) == first or not dig(posts, "pageInfo.hasNextPage"),
                 "a short page claims a next page"),
    )


# -- search_people ------------------------------------------------------------------------------


def _search_word(interest: str) -> str:
    """The longest word of an interest name: the member who has it must be found."""
    words = [w.strip("(),'").lower() for w in interest.split()]
    return max(words, key=len)


def _search(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    target = rng.choice(fx.rows(SEARCHABLE))
    return Call(
        {
            "query": _search_word(target["interest"]),
            "hospital": to_global_id("Hospital", target["hospital"]),
            "rank": target["rank"],
            "first": page_size or 20,
        },
        viewer=fx.pick(rng, "Person"), expect=target,
    )


def _check_search(data: Mapping[str, Any], call: Call) -> str | None:
    found = data.get("searchPeople")
    if not isinstance(found, Mapping):
        return "searchPeople is null"
    edges: Sequence[Any] = found.get("edges") or []
    total, first = found.get("totalCount"), call.variables["first"]
    if not isinstance(total, int):
        return "totalCount is missing"
    nodes = [e.get("node") or {} for e in edges]
    return _first_problem(
        _problem(total >= 1, f"nothing found for {call.variables['query']!r}, though "
                             f"{call.expect['id']} matches the query and both filters"),
        _problem(len(edges) == min(first, total),
                 f"{len(edges)} results on a page of {first} with totalCount {total}"),
        _problem(dig(found, "pageInfo.hasNextPage") == (total > first),
                 "pageInfo.hasNextPage disagrees with totalCount"),
        _problem(all(dig(n, "hospital.id") == call.variables["hospital"] for n in nodes),
                 "a result is outside the hospital filter"),
        _problem(all(n.get("rank") == call.variables["rank"] for n in nodes),
                 "a result is outside the rank filter"),
        _problem(isinstance(dig(found, "facets.interests"), list), "facets are missing"),
    )


# -- people_by_interest (issue 14's comparison) ------------------------------------------------

INTEREST_HOLDERS = (
    "MATCH (p:Person)-[:INTERESTED_IN]->(i:Interest) "
    "RETURN i.id AS interest, count(p) AS holders ORDER BY interest"
)


def _by_interest(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    target = rng.choice(fx.rows(INTEREST_HOLDERS))
    return Call(
        {"interest": to_global_id("Interest", target["interest"]), "first": page_size or 20},
        viewer=fx.pick(rng, "Person"), expect=target,
    )


def _check_by_interest(data: Mapping[str, Any], call: Call) -> str | None:
    found = data.get("searchPeople")
    if not isinstance(found, Mapping):
        return "searchPeople is null"
    nodes = [e.get("node") or {} for e in found.get("edges") or []]
    holders, first = call.expect["holders"], call.variables["first"]
    return _first_problem(
        _problem(found.get("totalCount") == holders,
                 f"totalCount {found.get('totalCount')}, the dataset has {holders} holders"),
        _problem(len(nodes) == min(first, holders), f"{len(nodes)} people on a page of {first}"),
        _problem(all("hospital" in n and "department" in n for n in nodes), "a person lacks a hospital"),
    )


OPERATIONS = [
    Operation(
        name="person_node", document="person_node.graphql", variables=_any_person,
        check=_check_person_node, domain="people", requires=("Query.node",),
    ),
    Operation(
        name="me", document="me.graphql", variables=_as_viewer, check=_check_me,
        domain="people", requires=("Query.me", "auth"),
    ),
    Operation(
        name="profile_page", document="profile_page.graphql", variables=_profile,
        check=_check_profile, domain="people", requires=("Query.node", "auth"),
        page_sizes=(10, 100),
    ),
    Operation(
        name="people_by_interest", document="people_by_interest.graphql", variables=_by_interest,
        check=_check_by_interest, domain="people", requires=("Query.searchPeople", "auth"),
    ),
    Operation(
        name="search_people", document="search_people.graphql", variables=_search,
        check=_check_search, domain="people", requires=("Query.searchPeople", "auth"),
        page_sizes=(10, 100),
    ),
]
