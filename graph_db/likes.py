"""Likes on posts and comments, and the counts every post and comment shows.

(:Person)-[:LIKED {createdAt}]->(:Post|:Comment), at most one per pair: MERGE makes a
like idempotent. A post's `likeCount` is kept by every statement that adds or removes one:
it takes the post's write lock before anything is read (graph_db.locks; a repeated like
changes no edge, so the edge alone would not lock the post), then looks for the viewer's
edge, so whether this statement made or removed one is known exactly, and moves the count
by that one (`count_change`): O(1), where recounting the edges cost 50 ms for a post with
300,000 likes on the bench network. The count is exact under any concurrency because every
change holds the lock; a post nobody has liked yet has no count (null reads as 0). Bulk
writes (`like_many`) recount the posts they touch instead (`recount`). A page reads the
count in O(1). Comments have few likes; theirs are counted by the reading query.

FalkorDB's exists(pattern) with both ends bound answers true when the first node has any
such edge at all, so "did the viewer like it" is counted: size([(v)-[:LIKED]->(p) | v]) > 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, LiteralString

from graph_db.backend import Executor, Row, first_record
from graph_db.batch import Batch, aligned_or
from graph_db.comments import post_visible
from graph_db.counts import COMMENT_COUNT, stored_count
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.notifications import merge_edge, notified, notify, write_notifying
from graph_db.people import PERSON_FIELDS
from graph_db.people_records import LinkRecord, PersonRecord
from graph_db.policy import blocked, blocked_ids, live
from graph_db.posts import post_fields
from graph_db.social_records import EngagementRecord, LikedRecord, NotifiedRecord, PostRecord


def count_change(node: LiteralString, delta: LiteralString) -> LiteralString:
    """Move `node`'s likeCount by `delta` (an expression); the statement must hold the
    node's lock since before it looked for the edge it adds or removes."""
    return " SET " + node + ".likeCount = coalesce(" + node + ".likeCount, 0) + " + delta + " "


def recount(carry: LiteralString = "") -> LiteralString:
    """Recount `p`'s likes after the statement's change (see the module docstring), keeping
    the variables in `carry` (", a, b"). FalkorDB needs the comprehension in a WITH."""
    return (
        " WITH DISTINCT p" + carry + ", [(p)<-[counted:LIKED]-(:Person) | 1] AS likers"
        " SET p.likeCount = size(likers)"
    )


# The live comments on post `p` (replies included), as the post keeps them (graph_db.counts).
LIVE_COMMENTS: LiteralString = stored_count("p", COMMENT_COUNT)

# Answers with the post as the liker now sees it, and its counts, so that the mutation's
# payload needs no other read.
LIKE_POST: LiteralString = (
    "MATCH (v:Person {id: $viewer}), (p:Post {id: $post})<-[:AUTHORED]-(pa:Person) "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    + post_visible("v, p, pa, g") + lock("p") + merge_edge("v", "LIKED", "p", "v, p, pa, g")
    + count_change("p", "CASE WHEN created THEN 1 ELSE 0 END")
    + "WITH v, p, pa, g, created"
    + notify("LIKE_POST", imports="v, p, pa, created", recipients="[pa]", actor="v", target="p",
             post="p", when="created")
    + " RETURN " + post_fields(author="pa") + " AS post, {id: p.id, likes: p.likeCount, "
    "comments: " + LIVE_COMMENTS + ", viewerLiked: true} AS engagement, notified"
)

LIKE_COMMENT: LiteralString = (
    "MATCH (v:Person {id: $viewer}), (c:Comment {id: $comment})<-[:AUTHORED]-(a:Person) "
    "WHERE " + live("c") + " AND NOT " + blocked("v", "a") + " "
    "MATCH (c)-[:ON]->(p:Post)<-[:AUTHORED]-(pa:Person) "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    + post_visible("v, c, a, p, pa, g") + merge_edge("v", "LIKED", "c", "v, c, a, p")
    + notify("LIKE_COMMENT", imports="v, c, a, p, created", recipients="[a]", actor="v",
             target="c", post="p", comment="c", when="created")
    + " RETURN c.id AS id, size([(c)<-[:LIKED]-(x:Person) | x]) AS likes, notified"
)


async def like_post(
    db: Executor, post_id: str, *, viewer_id: str, now: int
) -> tuple[LikedRecord | None, list[NotifiedRecord]]:
    """Like a post the viewer can see (again: no change). (the post and its counts now,
    notified), or (None, []) when the post is absent, removed or hidden from the viewer."""
    rows = await db.write(LIKE_POST, {"viewer": viewer_id, "post": post_id, "now": now})
    if not rows:
        return None, []
    row = rows[0]
    liked = LikedRecord(PostRecord.from_row(row["post"]), EngagementRecord.from_row(row["engagement"]))
    return liked, notified(rows)


async def like_comment(
    db: Executor, comment_id: str, *, viewer_id: str, now: int
) -> tuple[int | None, list[NotifiedRecord]]:
    """Like a comment the viewer can see; as `like_post`."""
    return await write_notifying(
        db, LIKE_COMMENT, "likes", int, {"viewer": viewer_id, "comment": comment_id, "now": now}
    )


UNLIKE_POST: LiteralString = (
    "MATCH (p:Post {id: $post}) WHERE " + live("p") + lock("p") +
    # The viewer is bound first: from the post, FalkorDB walked every like (20 ms at 100,000).
    "OPTIONAL MATCH (v:Person {id: $viewer}) OPTIONAL MATCH (v)-[l:LIKED]->(p) "
    "WITH p, collect(l) AS gone FOREACH (x IN gone | DELETE x) WITH p, gone"
    + count_change("p", "-size(gone)") + "RETURN p.id AS id, p.likeCount AS likes"
)

UNLIKE_COMMENT: LiteralString = (
    "MATCH (c:Comment {id: $comment}) WHERE " + live("c") + " "
    "OPTIONAL MATCH (:Person {id: $viewer})-[l:LIKED]->(c) DELETE l "
    "WITH DISTINCT c RETURN c.id AS id, size([(c)<-[:LIKED]-(x:Person) | x]) AS likes"
)


async def unlike_post(db: Executor, post_id: str, *, viewer_id: str) -> int | None:
    """Withdraw the viewer's like (none: no change); likes now, or None if no such post."""
    return await first_record(db.write, UNLIKE_POST, "likes", int, {"viewer": viewer_id, "post": post_id})


async def unlike_comment(db: Executor, comment_id: str, *, viewer_id: str) -> int | None:
    return await first_record(
        db.write, UNLIKE_COMMENT, "likes", int,
        {"viewer": viewer_id, "comment": comment_id},
    )


# -- what a page shows beside each item ---------------------------------------------------

# A post `p`'s likes, comments and whether the viewer `v` liked it: EngagementRecord's columns.
_POST_ENGAGEMENT: tuple[tuple[LiteralString, LiteralString], ...] = (
    ("likes", "coalesce(p.likeCount, 0)"),
    ("comments", LIVE_COMMENTS),
    ("viewerLiked", "size([(v)-[:LIKED]->(p) | v]) > 0"),
)

POST_ENGAGEMENT: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS id MATCH (p:Post {id: id}) "
    "RETURN id, " + ", ".join(value + " AS " + name for name, value in _POST_ENGAGEMENT)
)

# The same as one map per post, a column for a listing to answer beside each of its posts
# (graph_db.posts.listing_with); `listed_engagement` reads it back.
ENGAGEMENT_COLUMN: LiteralString = (
    "{id: p.id, " + ", ".join(name + ": " + value for name, value in _POST_ENGAGEMENT)
    + "} AS engagement"
)

COMMENT_ENGAGEMENT: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS id MATCH (c:Comment {id: id}) "
    "RETURN id, size([(c)<-[:LIKED]-(x:Person) | x]) AS likes, "
    "size([(c)<-[:REPLY_TO]-(r:Comment) WHERE " + live("r") + " | r]) AS comments, "
    "size([(v)-[:LIKED]->(c) | v]) > 0 AS viewerLiked"
)


def _engagement(query: LiteralString) -> Batch[EngagementRecord]:
    return Batch(query, aligned_or(
        itemgetter("id"), EngagementRecord.from_row, lambda i: EngagementRecord(id=i)
    ))


# Engagement of posts and of comments as `$viewer` sees them, aligned with the ids.
POSTS_ENGAGEMENT = _engagement(POST_ENGAGEMENT)
COMMENTS_ENGAGEMENT = _engagement(COMMENT_ENGAGEMENT)


def listed_engagement(post_ids: Sequence[str], rows: Sequence[Row]) -> list[EngagementRecord]:
    """The engagement of `post_ids` from a listing's rows with ENGAGEMENT_COLUMN, aligned
    (decoded as POSTS_ENGAGEMENT's rows)."""
    return POSTS_ENGAGEMENT.decode(post_ids, [row["engagement"] for row in rows])


async def get_post_engagement(
    db: Executor, post_ids: Sequence[str], *, viewer_id: str
) -> list[EngagementRecord]:
    """Likes, comments (replies included, removed ones not) and whether the viewer liked
    each post, aligned with `post_ids`: one round trip for a whole page."""
    return await POSTS_ENGAGEMENT.get(db, post_ids, {"viewer": viewer_id})


async def get_comment_engagement(
    db: Executor, comment_ids: Sequence[str], *, viewer_id: str
) -> list[EngagementRecord]:
    """Likes, replies and whether the viewer liked each comment, aligned with `comment_ids`."""
    return await COMMENTS_ENGAGEMENT.get(db, comment_ids, {"viewer": viewer_id})


# -- who liked ----------------------------------------------------------------------------

LIKERS_CURSOR: LiteralString = past_cursor("l.createdAt", "p.id", descending=True)

def _list_likers(label: LiteralString) -> LiteralString:
    return (
        "MATCH (v:Person {id: $viewer}) WITH " + blocked_ids("v", "vb") + " AS hidden "
        "MATCH (:" + label + " {id: $target})<-[l:LIKED]-(p:Person) "
        "WHERE " + LIKERS_CURSOR + " AND NOT p.id IN hidden "
        "WITH p, l ORDER BY l.createdAt DESC, p.id DESC LIMIT $limit "
        "RETURN " + PERSON_FIELDS + " AS person, l.createdAt AS since"
    )


LIST_POST_LIKERS: LiteralString = _list_likers("Post")
LIST_COMMENT_LIKERS: LiteralString = _list_likers("Comment")


async def _likers(
    db: Executor, query: LiteralString, target_id: str, viewer_id: str,
    after: tuple[int, str] | None, limit: int,
) -> list[LinkRecord]:
    rows = await db.read(
        query, {"target": target_id, "viewer": viewer_id, **cursor_params(after), "limit": limit}
    )
    return [LinkRecord(person=PersonRecord.from_row(r["person"]), since=r["since"]) for r in rows]


async def list_post_likers(
    db: Executor, post_id: str, *, viewer_id: str, after: tuple[int, str] | None, limit: int
) -> list[LinkRecord]:
    """People who liked a post, newest like first, after the keyset (liked at, person id);
    members blocked either way are left out. The caller checks the post is visible."""
    return await _likers(db, LIST_POST_LIKERS, post_id, viewer_id, after, limit)


async def list_comment_likers(
    db: Executor, comment_id: str, *, viewer_id: str, after: tuple[int, str] | None, limit: int
) -> list[LinkRecord]:
    return await _likers(db, LIST_COMMENT_LIKERS, comment_id, viewer_id, after, limit)


# -- bulk writes (synthetic networks, imports) -------------------------------------------

LIKE_MANY: LiteralString = (
    "UNWIND $rows AS row "
    "MATCH (v:Person {id: row.personId}) "
    "OPTIONAL MATCH (p:Post {id: row.targetId}) "
    "OPTIONAL MATCH (c:Comment {id: row.targetId}) "
    "WITH v, row, coalesce(p, c) AS x WHERE x IS NOT NULL "
    "MERGE (v)-[l:LIKED]->(x) ON CREATE SET l.createdAt = row.createdAt "
    "WITH DISTINCT x AS p WHERE p:Post" + recount() + " RETURN count(p) AS n"
)


async def like_many(db: Executor, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create likes in one statement, idempotent per (person, target); no notifications.

    Each row: personId, targetId (a post or comment id), createdAt.
    """
    if rows:
        await db.write(LIKE_MANY, {"rows": [dict(r) for r in rows]})

