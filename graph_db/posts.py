"""Posts (updates): writing, editing, removing, and reading them as a given viewer.

A post is (:Person)-[:AUTHORED]->(:Post), optionally -[:IN_GROUP]->(:Group), and
-[:MENTIONS]->(:Person) for each person it @-mentions (their ids also stored, in the order
written, as `mentionIds`: see `mention`). Removal is soft: `removedAt`
(and `removedBy`) are set, the node stays for the audit log, and every read here and in
the other social modules skips it. Reads take the viewer's id: nothing is returned from
a member blocked either way, or from a group the viewer cannot see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor, Row
from graph_db.batch import get_aligned
from graph_db.compose import Part
from graph_db.keyset import cursor_params, past_cursor
from graph_db.moderation import audit, audited_write, can_post, open_reports
from graph_db.notifications import notify, write_notifying
from graph_db.people import card_fields, get_cards
from graph_db.people_records import PersonCardRecord
from graph_db.policy import (
    blocked,
    blocked_group_post_ids,
    blocked_ids,
    in_visible_group,
    live,
    moderates,
    sees_content,
    viewer_groups,
)
from graph_db.social_records import NotifiedRecord, PostRecord


def post_fields(author: LiteralString = "a") -> LiteralString:
    """Projection of `p` (the post) with its `author` (`a`) and `g` (its group or null); its
    mentions are the ids `mention` stored beside the MENTIONS edges (none: never mentioned)."""
    return (
        "p {.id, .body, .createdAt, .editedAt, authorId: " + author + ".id, groupId: g.id, "
        "mentionIds: coalesce(p.mentionIds, [])}"
    )


POST_FIELDS: LiteralString = post_fields()

# The end of a newest-first listing once its page is cut (`p`, `a`, `g` and the viewer `v`
# bound): the page in order (a match after the cut need not keep it), each post projected.
LISTING_TAIL: LiteralString = (
    "WITH p, a, g, v ORDER BY p.createdAt DESC, p.id DESC RETURN " + POST_FIELDS + " AS post"
)


def listing_with(listing: LiteralString, *columns: LiteralString) -> LiteralString:
    """`listing` (a newest-first listing: LIST_BY_AUTHOR, LIST_IN_GROUP, graph_db.feed's
    HOME_FEED) answering `columns` beside each post, each `expression AS name` over the post
    `p`, its author `a`, its group `g` and the viewer `v`: what a page shows beside its posts,
    read with them rather than by their ids after them."""
    if not listing.endswith(LISTING_TAIL):
        raise ValueError("not a newest-first listing of posts: " + listing[-80:])
    return listing + "".join(", " + column for column in columns)


# Each post's author as a card (people.get_cards' projection), a column for `listing_with`;
# `listed_cards` reads it back.
AUTHOR_CARD_COLUMN: LiteralString = card_fields("a") + " AS card"


def listed_cards(author_ids: Sequence[str], rows: Sequence[Row]) -> list[PersonCardRecord | None]:
    """The cards of `author_ids` from a listing's rows with AUTHOR_CARD_COLUMN, aligned
    (decoded as people.get_cards' rows)."""
    return get_cards.decode(author_ids, [{"person": row["card"]} for row in rows])


# Keyset condition for newest-first lists: strictly after ($at, $id) in (createdAt, id) DESC.
BEFORE_CURSOR: LiteralString = past_cursor("p.createdAt", "p.id", descending=True)


GET_MANY: LiteralString = (
    "MATCH (v:Person {id: $viewer}) "
    "UNWIND $ids AS id MATCH (p:Post {id: id})<-[:AUTHORED]-(a:Person) "
    "WHERE " + live("p") + " AND NOT " + blocked("v", "a") + " "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    "WITH v, p, a, g, " + sees_content("v", "g") + " AS seen WHERE seen "
    "RETURN " + POST_FIELDS + " AS post"
)


async def get_many(db: Executor, ids: Sequence[str], *, viewer_id: str) -> list[PostRecord | None]:
    """Posts by id as `viewer_id` sees them, aligned with `ids` (None: absent, removed or hidden)."""
    return await get_aligned(db, GET_MANY, ids, "post", PostRecord.from_row, {"viewer": viewer_id})


def mention(node: LiteralString, author: LiteralString, group: LiteralString) -> LiteralString:
    """A CALL linking `node` (a post or comment) to each person in $mentions; yields
    `mentioned` (the people newly linked: to notify) and `mentionIds` (all of $mentions
    linked). Nobody blocked either way with the author, nor anyone who cannot see `group`.

    When $setMentions, the ids linked are also stored on `node` as `mentionIds`, in the order
    written: what reads show (a read of the edges cost a listing ~10 us a post on FalkorDB).
    `unmention` has removed any others by then; nothing else writes MENTIONS, and
    graph_db.migrations.mentions stores the list for what was written before it was kept."""
    return (
        " CALL { WITH " + node + ", " + author + ", " + group
        + " UNWIND $mentions AS mid MATCH (m:Person {id: mid})"
        " WHERE m <> " + author + " AND NOT " + blocked("m", author) +
        " WITH " + node + ", m, " + sees_content("m", group, "Mention") + " AS seen WHERE seen"
        " OPTIONAL MATCH (" + node + ")-[known:MENTIONS]->(m)"
        " WITH " + node + ", m, known IS NULL AS fresh"
        " MERGE (" + node + ")-[r:MENTIONS]->(m) ON CREATE SET r.createdAt = $now"
        " RETURN collect(CASE WHEN fresh THEN m END) AS mentioned, collect(m.id) AS mentionIds }"
        " SET " + node + ".mentionIds = CASE WHEN $setMentions THEN mentionIds"
        " ELSE " + node + ".mentionIds END WITH *"
    )


def unmention(node: LiteralString) -> LiteralString:
    """Projects `stale` and deletes it: `node`'s MENTIONS of people no longer in $mentions,
    when $setMentions (an edit that leaves the mentions alone deletes none)."""
    return (
        "CASE WHEN $setMentions THEN [(" + node + ")-[r:MENTIONS]->(om:Person) "
        "WHERE NOT om.id IN $mentions | r] ELSE [] END AS stale "
        "FOREACH (old IN stale | DELETE old) "
    )


def mention_params(mention_ids: Sequence[str] | None) -> dict[str, Any]:
    """The parameters `mention` and `unmention` read: the people to mention, once each, and
    whether to set them at all (None: keep the mentions as they are)."""
    return {"setMentions": mention_ids is not None, "mentions": list(dict.fromkeys(mention_ids or ()))}


CREATE_POST: LiteralString = (
    "MATCH (a:Person {id: $author}) "
    "OPTIONAL MATCH (g:Group {id: $group}) "
    # Posting in a group: a member, not banned or muted, group not archived, slow mode.
    "WITH a, g, $group IS NULL OR (g IS NOT NULL AND " + can_post("a", "g") + ") AS allowed "
    "WHERE allowed "
    "OPTIONAL MATCH (known:Post {id: $id}) "
    "WITH a, g, known IS NULL AS created "
    "MERGE (p:Post {id: $id}) ON CREATE SET p.body = $body, p.createdAt = $now "
    "MERGE (a)-[w:AUTHORED]->(p) ON CREATE SET w.createdAt = $now "
    "FOREACH (x IN CASE WHEN g IS NULL THEN [] ELSE [g] END | "
    "  MERGE (p)-[i:IN_GROUP]->(x) ON CREATE SET i.createdAt = $now) "
    "WITH a, g, p, created" + mention("p", "a", "g")
    + notify("MENTION", imports="a, p, mentioned, created", recipients="mentioned", actor="a",
             target="p", post="p", when="created")
    + " RETURN " + POST_FIELDS + " AS post, notified"
)


async def create_post(
    db: Executor, *, id: str, author_id: str, body: str, now: int,
    group_id: str | None = None, mention_ids: Sequence[str] = (),
) -> tuple[PostRecord | None, list[NotifiedRecord]]:
    """Create a post (idempotent by `id`) and notify the people it mentions.

    None when the author does not exist or may not post in `group_id` (not a member,
    banned, or no such group).
    """
    return await write_notifying(
        db, CREATE_POST, "post", PostRecord.from_row,
        {"id": id, "author": author_id, "body": body, "now": now, "group": group_id,
         **mention_params(mention_ids)},
    )


UPDATE_POST: LiteralString = (
    "MATCH (p:Post {id: $id})<-[:AUTHORED]-(a:Person {id: $author}) WHERE " + live("p") + " "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    "SET p.body = $body, p.editedAt = $now "
    "WITH a, g, p, " + unmention("p") +
    "WITH a, g, p" + mention("p", "a", "g")
    + notify("MENTION", imports="a, p, mentioned", recipients="mentioned", actor="a",
             target="p", post="p")
    + " RETURN " + POST_FIELDS + " AS post, notified"
)


async def update_post(
    db: Executor, post_id: str, *, author_id: str, body: str, now: int,
    mention_ids: Sequence[str] | None = None,
) -> tuple[PostRecord | None, list[NotifiedRecord]]:
    """Replace the body (and, unless None, the mentions) of the author's own post.

    People newly mentioned are notified. None if the post is absent, removed or not theirs.
    """
    return await write_notifying(
        db, UPDATE_POST, "post", PostRecord.from_row,
        {"id": post_id, "author": author_id, "body": body, "now": now,
         **mention_params(mention_ids)},
    )


def removal(
    var: LiteralString, label: LiteralString, kind: LiteralString, to_group: LiteralString,
    then: LiteralString = "", first: LiteralString = "",
) -> LiteralString:
    """The soft-delete of the `label` node `$id` (bound as `var`; `a` its author, `actor` who
    removes it, `g` its group reached by the path `to_group`): by its author, or (`$moderator`)
    by someone who moderates it, audited as REMOVE_<kind> when not the author's own. `first`
    runs once the removal is allowed, before the node is marked (e.g. to lock what `then`
    recounts), `then` after it; a retry by the same actor at the same `$now` passes again."""
    return (
        "MATCH (" + var + ":" + label + " {id: $id})<-[:AUTHORED]-(a:Person), (actor:Person {id: $actor}) "
        "WHERE (" + live(var) + " OR (" + var + ".removedAt = $now AND " + var + ".removedBy = $actor)) "
        "OPTIONAL MATCH (" + var + ")" + to_group + "(g:Group) "
        # The moderator's power is checked again here, from the graph (graph_db.moderation).
        "WITH " + var + ", a, actor, g, a.id = $actor OR ($moderator AND " + moderates("actor", "g") + ") "
        "AS allowed WHERE allowed " + first +
        "SET " + var + ".removedAt = $now, " + var + ".removedBy = $actor " + then
        + "WITH " + var + ", a, actor, g, " + open_reports(var, "g") + " AS reports "
        "FOREACH (_ IN CASE WHEN a.id = $actor THEN [] ELSE [1] END |"
        + audit("REMOVE_" + kind, actor="actor", target=var, kind=kind, group="g", reports="reports")
        + ") RETURN " + var + ".id AS id"
    )


REMOVE_POST: LiteralString = removal("p", "Post", "POST", "-[:IN_GROUP]->")


async def remove_post(
    db: Executor, post_id: str, *, actor_id: str, moderator: bool, now: int,
    action_id: str, reason: str | None = None,
) -> bool:
    """Soft-delete a post: by its author, or (`moderator`) by someone allowed to moderate it,
    which also records a ModerationAction (id `action_id`). False if nothing was removed."""
    return await audited_write(
        db, REMOVE_POST, actor_id, reason, now, action_id,
        {"id": post_id, "moderator": moderator},
    )


# The viewer's blocks and groups, read once as lists, so that a list query tests list
# membership instead of a pattern per row (and FalkorDB plans from the anchored node).
VIEWER_SCOPE: LiteralString = (
    "MATCH (v:Person {id: $viewer}) "
    "WITH v, " + blocked_ids("v", "vb") + " AS hidden, " + viewer_groups("v") + " "
)
# After VIEWER_SCOPE: whether the viewer may see group `g` (null: outside any group).
IN_VISIBLE_GROUP: LiteralString = in_visible_group("g")

LIST_BY_AUTHOR: LiteralString = (
    VIEWER_SCOPE + "WHERE NOT $author IN hidden "
    # Bound first, in its own clause: otherwise FalkorDB plans a scan of every Post.
    "MATCH (a:Person {id: $author}) WITH v, a, mine, banned "
    "MATCH (a)-[:AUTHORED]->(p:Post) WHERE " + live("p") + " AND " + BEFORE_CURSOR + " "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    "WITH p, a, g, v, mine, banned WHERE " + IN_VISIBLE_GROUP + " "
    "WITH p, a, g, v ORDER BY p.createdAt DESC, p.id DESC LIMIT $limit " + LISTING_TAIL
)


def listing_params(
    viewer_id: str, after: tuple[int, str] | None, limit: int, **subject: str
) -> dict[str, Any]:
    """The parameters of a newest-first listing of posts (LIST_BY_AUTHOR, LIST_IN_GROUP,
    graph_db.feed.HOME_FEED): whose or where (`subject`), the viewer, the page."""
    return {**subject, "viewer": viewer_id, "limit": limit, **cursor_params(after)}


def page_records(rows: Sequence[Row]) -> list[PostRecord]:
    """The posts of such a listing's rows, in order."""
    return [PostRecord.from_row(row["post"]) for row in rows]


def first_page_part(
    name: str, statement: LiteralString, *, viewer_id: str, limit: int, **subject: str
) -> Part:
    """The first page of such a listing as a part of a composed statement (graph_db.compose)."""
    return Part(name, statement, params=listing_params(viewer_id, None, limit, **subject))


async def list_by_author(
    db: Executor, author_id: str, *, viewer_id: str, after: tuple[int, str] | None, limit: int
) -> list[PostRecord]:
    """A person's posts the viewer may see, newest first, after the keyset (createdAt, id)."""
    return page_records(
        await db.read(LIST_BY_AUTHOR, listing_params(viewer_id, after, limit, author=author_id))
    )


# A group can hold tens of thousands of posts: they are sorted on their own properties and
# the authors met only for the page kept (as graph_db.feed's group branch); posts by members
# blocked either way are excluded by id, found from the blocked members' side.
LIST_IN_GROUP: LiteralString = (
    # The viewer's groups only: posts by blocked members are excluded by id below.
    "MATCH (v:Person {id: $viewer}) WITH v, " + viewer_groups("v") + " "
    "MATCH (g:Group {id: $group}) WITH v, g, mine, banned "
    "WHERE " + IN_VISIBLE_GROUP + " "
    "WITH v, g, " + blocked_group_post_ids("v", "g") + " AS hiddenPosts "
    "MATCH (g)<-[:IN_GROUP]-(p:Post) WHERE " + live("p") + " AND " + BEFORE_CURSOR + " "
    "AND NOT p.id IN hiddenPosts "
    "WITH p, g, v ORDER BY p.createdAt DESC, p.id DESC LIMIT $limit "
    "MATCH (p)<-[:AUTHORED]-(a:Person) " + LISTING_TAIL
)


async def list_in_group(
    db: Executor, group_id: str, *, viewer_id: str, after: tuple[int, str] | None, limit: int
) -> list[PostRecord]:
    """A group's posts, newest first, if the viewer may see the group (else empty)."""
    return page_records(
        await db.read(LIST_IN_GROUP, listing_params(viewer_id, after, limit, group=group_id))
    )


# -- bulk writes (synthetic networks, imports) -------------------------------------------

CREATE_MANY: LiteralString = (
    "UNWIND $rows AS row MATCH (a:Person {id: row.authorId}) "
    "MERGE (p:Post {id: row.id}) ON CREATE SET p.body = row.body, p.createdAt = row.createdAt "
    "MERGE (a)-[w:AUTHORED]->(p) ON CREATE SET w.createdAt = row.createdAt "
    "WITH p, row WHERE row.groupId IS NOT NULL "
    "MATCH (g:Group {id: row.groupId}) "
    "MERGE (p)-[i:IN_GROUP]->(g) ON CREATE SET i.createdAt = row.createdAt "
    "RETURN count(p) AS n"
)


async def create_many(db: Executor, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create posts in one statement, idempotent by id; no notifications.

    Each row: id, authorId, body, createdAt (epoch ms), and optionally groupId. Rows whose
    author (or group) does not exist are skipped (or posted outside the group).
    """
    if rows:
        await db.write(
            CREATE_MANY,
            {"rows": [{"groupId": None, **dict(r)} for r in rows]},
        )
