"""People: members (the seed generator of `graph-api seed`) and their reads."""

from __future__ import annotations

import random
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bench.registry import Call, Fixtures, Operation, Step, dig
from schema.base import to_global_id

if TYPE_CHECKING:
    from bench.scales import Scale
    from graph_db.backend import Backend


async def _seed_people(db: Backend, scale: Scale) -> None:
    from graph_db import seed

    def progress(stage: str, done: int, total: int) -> None:
        if done == total or done % 10_000 == 0:
            print(f"    {stage}: {done:,}/{total:,}", file=sys.stderr, flush=True)

    await seed.seed_network(db, scale.params["people"], seed=scale.seed, progress=progress)


STEPS = [
    Step(
        name="people",
        params=("people",),
        run=_seed_people,
        expect=lambda scale: {"Person": scale.params["people"]},
        # The people generator chooses these numbers itself (about 5 connections and 3.5
        # follows per person); a `follows` parameter is not taken yet.
        derived=(
            "Hospital", "Department", "Division", "Interest", "MentorshipArea", "WORKS_IN",
            "INTERESTED_IN", "OFFERS_MENTORSHIP_IN", "SEEKS_MENTORSHIP_IN", "CONNECTED_WITH",
            "FOLLOWS",
        ),
        sources=("graph_db/seed.py", "graph_db/taxonomy_data.py", "graph_db/vocabulary_data.py"),
    ),
]


def _any_person(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    return Call({"id": to_global_id("Person", fx.pick(rng, "Person"))})


def _check_person_node(data: Mapping[str, Any], call: Call) -> str | None:
    node = data.get("node")
    if not isinstance(node, Mapping):
        return "node is null: a person id from the dataset was not found"
    if node.get("id") != call.variables["id"]:
        return f"node.id is {node.get('id')!r}, expected {call.variables['id']!r}"
    if not isinstance(node.get("name"), str) or not node["name"]:
        return "node.name is missing"
    if not isinstance(node.get("createdAt"), str):
        return "node.createdAt is missing"
    return None


def _as_viewer(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    return Call({}, viewer=fx.pick(rng, "Person"))


def _check_me(data: Mapping[str, Any], call: Call) -> str | None:
    assert call.viewer is not None
    expected = to_global_id("Person", call.viewer)
    if dig(data, "me.id") != expected:
        return f"me.id is {dig(data, 'me.id')!r}, expected the viewer {expected!r}"
    if not dig(data, "me.name"):
        return "me.name is missing"
    return None


OPERATIONS = [
    Operation(
        name="person_node", document="person_node.graphql", variables=_any_person,
        check=_check_person_node, domain="people", requires=("Query.node",),
    ),
    Operation(
        name="me", document="me.graphql", variables=_as_viewer, check=_check_me,
        domain="people", requires=("Query.me", "auth"),
    ),
]
