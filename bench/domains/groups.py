"""Groups: groups with their members (posts in them come with the social step) and the
group page."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from bench.registry import Call, Fixtures, Operation, dig, first_problem, problem, seed_step
from graph_db import seed
from schema.base import to_global_id

STEPS = [
    seed_step(
        "groups", seed.seed_groups, params=("groups",), every=10,
        expect=lambda scale: {"Group": scale.params["groups"]},
        derived=("MEMBER_OF",),
        sources=("graph_db/seed.py", "graph_db/seed_social.py"),
    ),
]

# Each group with its exact member count, its posts, and members to view it as (so private
# groups are seen from inside). The bench writes no group posts and changes no membership.
GROUP_FACTS = (
    "MATCH (g:Group) RETURN g.id AS id, g.memberCount AS members, g.visibility AS visibility, "
    "size([(g)<-[:IN_GROUP]-(p:Post) WHERE p.removedAt IS NULL | p]) AS posts, "
    "[(g)<-[:MEMBER_OF]-(m:Person) | m.id][0..20] AS viewers ORDER BY id"
)


def _group_page(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    facts = rng.choice(fx.rows(GROUP_FACTS))
    return Call(
        {"id": to_global_id("Group", facts["id"]), "posts": page_size or 20},
        viewer=rng.choice(sorted(facts["viewers"])), expect=facts,
    )


def _check_group_page(data: Mapping[str, Any], call: Call) -> str | None:
    node = data.get("node")
    if not isinstance(node, Mapping):
        return "node is null: a group id from the dataset was not found by one of its members"
    facts, first = call.expect, call.variables["posts"]
    edges = dig(node, "posts.edges")
    if not isinstance(edges, list):
        return "posts.edges is missing"
    keys = [(dig(e, "node.createdAt"), dig(e, "node.id")) for e in edges]
    wanted = min(first, facts["posts"])
    return first_problem(
        problem(node.get("id") == call.variables["id"], f"node.id is {node.get('id')!r}"),
        problem(node.get("memberCount") == facts["members"],
                f"memberCount {node.get('memberCount')}, the dataset has {facts['members']}"),
        problem(node.get("visibility") == facts["visibility"], "visibility differs from the dataset"),
        problem(node.get("viewerStatus") == "MEMBER",
                f"viewerStatus {node.get('viewerStatus')} for a member"),
        problem(len(edges) == wanted,
                f"{len(edges)} posts on a page of {first}; the group has {facts['posts']}"),
        problem(all(isinstance(t, str) for t, _ in keys) and keys == sorted(keys, reverse=True)
                and len(set(keys)) == len(keys), "posts are not newest first, or repeat"),
        problem(all(isinstance(dig(e, "node.likeCount"), int) and dig(e, "node.likeCount") >= 0
                    and isinstance(dig(e, "node.viewerHasLiked"), bool)
                    and bool(dig(e, "node.author.id")) for e in edges),
                "a post lacks its author, likeCount or viewerHasLiked"),
        problem(dig(node, "posts.pageInfo.hasNextPage") == (facts["posts"] > first),
                "pageInfo.hasNextPage disagrees with the group's post count"),
    )


OPERATIONS = [
    Operation(
        name="group_page", document="group_page.graphql", variables=_group_page,
        check=_check_group_page, domain="groups", requires=("Query.node", "auth"),
        page_sizes=(20, 100),
    ),
]
