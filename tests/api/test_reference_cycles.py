"""A served request leaves no reference cycles: what it made is freed by reference counting
as soon as it is answered, not left for the cyclic collector (graph_api.heap).

Each cycle found here once held a whole request: graphql-core's execution context (its own
bound methods, handed to resolvers) and the request's loaders (closures over the Loaders).
The collector then traversed and freed thousands of objects per pass under load.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from graph_db import people, seed
from schema.base import to_global_id
from tests.api.conftest import Api
from tests.factories import token_for

OPERATIONS = Path(__file__).resolve().parents[2] / "bench" / "operations"
# Our code and the GraphQL stack it drives; the test's own HTTP client is not ours to judge.
OURS = ("graph_api", "resolvers", "schema", "graph_db", "graphql", "strawberry", "starlette", "uvicorn")


async def _cyclic_garbage(run: Callable[[], Awaitable[None]]) -> Counter[str]:
    """The types of our objects that `run` left in reference cycles."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection frees is kept in gc.garbage instead
    try:
        await run()
        gc.collect()
        return Counter(
            f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage
            if type(o).__module__.split(".")[0] in OURS
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


async def _world(api: Api) -> dict[str, Any]:
    db = api.backend
    await seed.seed_network(db, 20, seed=3)
    await seed.seed_content(db, groups=3, posts=60, likes=120, seed=3)
    row = (await db.read(
        "MATCH (v:Person)-[:MEMBER_OF]->(g:Group)<-[:IN_GROUP]-(p:Post)<-[:AUTHORED]-(a:Person) "
        "WHERE a <> v RETURN v.id AS viewer, g.id AS group, p.id AS post, a.id AS author "
        "ORDER BY viewer, post LIMIT 1"
    ))[0]
    interest = (await db.read(
        "MATCH (:Person)-[:INTERESTED_IN]->(i:Interest) RETURN i.id AS id ORDER BY id LIMIT 1"
    ))[0]["id"]
    viewer = (await people.get_many(db, [row["viewer"]]))[0]
    assert viewer is not None
    return {**row, "interest": interest, "token": token_for(viewer)}


@pytest.mark.parametrize("operation", ["profile_page", "group_page", "people_by_interest", "like_post"])
async def test_a_served_operation_leaves_no_reference_cycles(api: Api, operation: str) -> None:
    world = await _world(api)
    variables = {
        "profile_page": {"id": to_global_id("Person", world["author"]), "posts": 10},
        "group_page": {"id": to_global_id("Group", world["group"]), "posts": 20},
        "people_by_interest": {"interest": to_global_id("Interest", world["interest"]), "first": 20},
        "like_post": {"postId": to_global_id("Post", world["post"])},
    }[operation]
    query = (OPERATIONS / f"{operation}.graphql").read_text()
    # A document's first run parses and validates it (graphql-core's validation visitors
    # are cycles); what is measured is every later run, from the cache.
    await api.post(query, variables, token=world["token"])
    answers: list[dict[str, Any]] = []

    async def run() -> None:
        for _ in range(3):
            response = await api.post(query, variables, token=world["token"])
            answers.append(response.json())

    found = await _cyclic_garbage(run)
    assert all("errors" not in a and a["data"] for a in answers), answers[-1]
    assert found == Counter(), found.most_common(10)


async def test_a_refused_operation_leaves_no_reference_cycles(api: Api) -> None:
    world = await _world(api)
    like = (OPERATIONS / "like_post.graphql").read_text()
    absent = {"postId": to_global_id("Post", "absent")}
    unknown = "query($id: ID!) { node(id: $id) { id } }"
    for query, variables in ((like, absent), (unknown, {"id": "not-a-global-id"})):
        await api.post(query, variables, token=world["token"])  # parsed and validated
    answers: list[dict[str, Any]] = []

    async def run() -> None:
        for _ in range(3):
            # A post that is not there (a payload error), and an id that is not one (a
            # GraphQL error, with the exception behind it).
            answers.append((await api.post(like, absent, token=world["token"])).json())
            answers.append((await api.post(unknown, {"id": "not-a-global-id"},
                                           token=world["token"])).json())

    found = await _cyclic_garbage(run)
    assert [a["data"]["likePost"]["errors"][0]["code"] for a in answers[::2]] == ["NOT_FOUND"] * 3
    assert all(a["errors"][0]["extensions"]["code"] for a in answers[1::2]), answers[1]
    assert found == Counter(), found.most_common(10)
