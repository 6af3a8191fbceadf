"""Social: posts (a tenth in groups), comments and likes, and the home feed, likePost and
createPost. The writes run against the run's throwaway copy of the dataset; the reads'
checks hold whatever the writes added (lower bounds and invariants, not exact pages)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from bench.registry import Call, Fixtures, Operation, dig, first_problem, problem, seed_step
from graph_db import seed
from graph_db.errors import InvalidInput
from schema.base import from_global_id, to_global_id

STEPS = [
    seed_step(
        "posts", seed.seed_posts, params=("posts", "likes"), every=50_000,
        expect=lambda scale: {"Post": scale.params["posts"], "LIKED": scale.params["likes"]},
        derived=("Comment", "ON", "AUTHORED", "IN_GROUP"),
        sources=("graph_db/seed.py", "graph_db/seed_social.py"),
    ),
]

# Viewers with their network (themselves, whom they follow, their connections).
FEED_FACTS = (
    "MATCH (v:Person) WITH v ORDER BY v.id LIMIT 3000 "
    "RETURN v.id AS id, [v.id] + [(v)-[:FOLLOWS]->(f:Person) | f.id] "
    "  + [(v)-[:CONNECTED_WITH]->(c:Person) | c.id] AS network, "
    "  size([(v)-[:MEMBER_OF]->(g:Group) | g]) AS groups ORDER BY id"
)
# Posts outside any group per author (all visible to everyone here: nobody blocks anybody).
OPEN_POSTS = (
    "MATCH (a:Person)-[:AUTHORED]->(p:Post) WHERE NOT (p)-[:IN_GROUP]->(:Group) "
    "RETURN a.id AS id, count(p) AS posts ORDER BY id"
)
_open_posts: dict[int, dict[str, int]] = {}


def _reach(fx: Fixtures, network: list[str]) -> int:
    """A lower bound of a feed's length: the network's posts outside groups."""
    rows = fx.rows(OPEN_POSTS)
    if id(rows) not in _open_posts:
        _open_posts[id(rows)] = {r["id"]: r["posts"] for r in rows}
    counts = _open_posts[id(rows)]
    return sum(counts.get(i, 0) for i in set(network))


# Posts anyone may like: outside any group or in a public one (nobody blocks anybody here).
LIKEABLE = (
    "MATCH (p:Post) WHERE NOT (p)-[:IN_GROUP]->(:Group {visibility: 'PRIVATE'}) "
    "WITH p ORDER BY p.id LIMIT 20000 RETURN p.id AS id"
)


def _check_posts(edges: list[Any], first: int) -> str | None:
    keys = [(dig(e, "node.createdAt"), dig(e, "node.id")) for e in edges]
    return first_problem(
        problem(len(edges) <= first, f"{len(edges)} posts on a page of {first}"),
        problem(all(isinstance(t, str) for t, _ in keys) and keys == sorted(keys, reverse=True),
                "posts are not newest first"),
        problem(len(set(keys)) == len(keys), "a post appears twice on the page"),
        problem(all(isinstance(dig(e, "node.likeCount"), int) and dig(e, "node.likeCount") >= 0
                    and isinstance(dig(e, "node.commentCount"), int)
                    and isinstance(dig(e, "node.viewerHasLiked"), bool)
                    and bool(dig(e, "node.author.id")) for e in edges),
                "a post lacks its author, likeCount, commentCount or viewerHasLiked"),
    )


# -- home_feed ----------------------------------------------------------------------------------


def _feed(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    facts = rng.choice(fx.rows(FEED_FACTS))
    return Call({"first": page_size or 20}, viewer=facts["id"],
                expect={**facts, "reach": _reach(fx, facts["network"])})


def _check_feed(data: Mapping[str, Any], call: Call) -> str | None:
    feed, facts, first = data.get("feed"), call.expect, call.variables["first"]
    if not isinstance(feed, Mapping) or not isinstance(feed.get("edges"), list):
        return "feed.edges is missing"
    edges = feed["edges"]
    network = {to_global_id("Person", i) for i in facts["network"]}
    outsiders = [dig(e, "node.author.id") for e in edges if dig(e, "node.author.id") not in network]
    return first_problem(
        _check_posts(edges, first),
        # At least the network's posts outside groups (writes during the run only add).
        problem(len(edges) >= min(first, facts["reach"]),
                f"{len(edges)} posts on a page of {first}; the viewer's network has "
                f"{facts['reach']} posts outside groups"),
        # Without groups, every post is by the viewer or someone in their network.
        problem(facts["groups"] > 0 or not outsiders,
                f"a post by {outsiders[:1]}, outside the viewer's network, in a feed without groups"),
        problem(len(edges) == first or not dig(feed, "pageInfo.hasNextPage"),
                "a short page claims a next page"),
    )


# -- like_post ----------------------------------------------------------------------------------


def _like(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    post = rng.choice(fx.rows(LIKEABLE))["id"]
    return Call({"postId": to_global_id("Post", post)}, viewer=fx.pick(rng, "Person"))


def _check_like(data: Mapping[str, Any], call: Call) -> str | None:
    payload = data.get("likePost")
    if not isinstance(payload, Mapping):
        return "likePost is null"
    post = payload.get("post") or {}
    return first_problem(
        problem(payload.get("errors") == [], f"errors: {payload.get('errors')}"),
        problem(post.get("id") == call.variables["postId"], f"post.id is {post.get('id')!r}"),
        problem(post.get("viewerHasLiked") is True, "viewerHasLiked is not true after liking"),
        problem(isinstance(post.get("likeCount"), int) and post["likeCount"] >= 1,
                f"likeCount {post.get('likeCount')} after a like"),
    )


# -- create_post --------------------------------------------------------------------------------

WORDS = ("grant", "seminar", "cohort", "pilot", "protocol", "abstract", "poster", "trial",
         "mentoring", "review", "dataset", "clinic", "journal", "club", "writing", "retreat")


def _create(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30)))
    return Call({"body": f"Bench update {rng.getrandbits(32):08x}: {body}."},
                viewer=fx.pick(rng, "Person"))


def _is_post_id(value: Any) -> bool:
    try:
        return isinstance(value, str) and from_global_id(value)[0] == "Post"
    except InvalidInput:
        return False


def _check_create(data: Mapping[str, Any], call: Call) -> str | None:
    payload = data.get("createPost")
    if not isinstance(payload, Mapping):
        return "createPost is null"
    post = payload.get("post") or {}
    return first_problem(
        problem(payload.get("errors") == [], f"errors: {payload.get('errors')}"),
        problem(post.get("body") == call.variables["body"], "the post's body is not the one sent"),
        problem(dig(post, "author.id") == to_global_id("Person", call.viewer or ""),
                "the post's author is not the viewer"),
        problem(_is_post_id(post.get("id")), f"post.id {post.get('id')!r} is not a Post id"),
        problem(post.get("likeCount") == 0 and post.get("commentCount") == 0
                and post.get("viewerHasLiked") is False, "a new post has likes or comments"),
    )


OPERATIONS = [
    Operation(
        name="home_feed", document="home_feed.graphql", variables=_feed, check=_check_feed,
        domain="social", requires=("Query.feed", "auth"), page_sizes=(10, 20, 100),
    ),
    Operation(
        name="like_post", document="like_post.graphql", variables=_like, check=_check_like,
        domain="social", requires=("Mutation.likePost", "auth"), mutation=True, idempotent=True,
    ),
    Operation(
        name="create_post", document="create_post.graphql", variables=_create,
        check=_check_create, domain="social", requires=("Mutation.createPost", "auth"),
        mutation=True,
    ),
]
