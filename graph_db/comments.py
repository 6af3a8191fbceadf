"""Comments on posts, with one level of replies.

(:Person)-[:AUTHORED]->(:Comment)-[:ON]->(:Post); a reply also -[:REPLY_TO]->(:Comment),
always a top-level one (a reply to a reply joins its thread). Removal is soft like posts
(`removedAt`, `removedBy`); removing a comment removes its replies with it
(`removedWith` names the comment), so every read only checks `removedAt`. A post keeps the
count of its live comments (`commentCount`, graph_db.counts), stored anew by every statement
here that adds, removes or restores one, under the post's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

from graph_db.backend import Executor
from graph_db.batch import get_aligned
from graph_db.counts import COMMENT_COUNT, recount_live_comments
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.moderation import audited_write, can_post
from graph_db.notifications import notify, write_notifying
from graph_db.policy import blocked, blocked_ids, live, sees_content
from graph_db.posts import mention, mention_params, removal, unmention
from graph_db.social_records import CommentRecord, NotifiedRecord

# Projection of `c` (the comment) with `a` (its author), `p` (its post) and `parent` (or
# null); its mentions as graph_db.posts.mention stored them (see graph_db.posts.post_fields).
COMMENT_FIELDS: LiteralString = (
    "c {.id, .body, .createdAt, .editedAt, authorId: a.id, postId: p.id, "
    "parentId: parent.id, mentionIds: coalesce(c.mentionIds, [])}"
)


def post_visible(carry: LiteralString, also: LiteralString = "") -> LiteralString:
    """WITHs of `carry` keeping the rows where viewer `v` may see post `p` (written by `pa`,
    in group `g` or null) and the conditions `also` (" AND ...") hold. The pattern tests
    come in a WITH of their own: FalkorDB fails ("Type mismatch: expected Null but was
    Pointer") on a WHERE with a pattern predicate after a WITH projecting a comprehension."""
    return (
        "WITH " + carry + " WHERE " + live("p") + " AND NOT " + blocked("v", "pa") + also
        + " WITH " + carry + ", " + sees_content("v", "g") + " AS seen WHERE seen "
    )


GET_MANY: LiteralString = (
    "MATCH (v:Person {id: $viewer}) "
    "UNWIND $ids AS id MATCH (c:Comment {id: id})<-[:AUTHORED]-(a:Person) "
    "WHERE " + live("c") + " AND NOT " + blocked("v", "a") + " "
    "MATCH (c)-[:ON]->(p:Post)<-[:AUTHORED]-(pa:Person) "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    "OPTIONAL MATCH (c)-[:REPLY_TO]->(parent:Comment) "
    "OPTIONAL MATCH (parent)<-[:AUTHORED]-(ca:Person) "
    + post_visible("v, c, a, p, pa, g, parent, ca", " AND (ca IS NULL OR NOT " + blocked("v", "ca") + ")")
    + "RETURN " + COMMENT_FIELDS + " AS comment"
)


async def get_many(
    db: Executor, ids: Sequence[str], *, viewer_id: str
) -> list[CommentRecord | None]:
    """Comments by id as the viewer sees them, aligned with `ids` (None: absent or hidden)."""
    return await get_aligned(
        db, GET_MANY, ids, "comment", CommentRecord.from_row, {"viewer": viewer_id}
    )


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class PageKey:
    """One page of a comment list: the post's (or thread's) id, a keyset, a size."""

    parent: str
    after: tuple[int, str] | None
    limit: int

    def param(self, key: int) -> dict[str, Any]:
        return {"key": key, "parent": self.parent, **cursor_params(self.after), "limit": self.limit}


AFTER_REQUEST_CURSOR: LiteralString = past_cursor(
    "c.createdAt", "c.id", descending=False, at="req.at", last="req.cursorId"
)


def _comment_pages(
    var: LiteralString, label: LiteralString, edge: LiteralString, then: LiteralString
) -> LiteralString:
    """Each request's page of comments on its `label` `var` (`req.parent`) by `edge`, bound by `then`."""
    # Each page starts from its post (or comment) in a clause of its own, so FalkorDB never
    # plans a scan of every Comment; blocks are the viewer's `hidden` list.
    return (
        "MATCH (v:Person {id: $viewer}) WITH " + blocked_ids("v", "vb") + " AS hidden "
        "UNWIND $requests AS req MATCH (" + var + ":" + label + " {id: req.parent}) "
        "WITH hidden, req, " + var + " "
        "MATCH (" + var + ")<-[:" + edge + "]-(c:Comment)<-[:AUTHORED]-(a:Person) "
        "WHERE " + live("c") + " AND " + AFTER_REQUEST_CURSOR + " AND NOT a.id IN hidden "
        + then + " ORDER BY c.createdAt, c.id "
        "WITH req, collect(" + COMMENT_FIELDS + ") AS comments "
        "RETURN req.key AS key, comments[..req.limit] AS comments"
    )


LIST_ON_POSTS: LiteralString = _comment_pages(
    "p", "Post", "ON",
    "WITH req, c, a, p, size([(c)-[top:REPLY_TO]->(:Comment) | top]) AS depth WHERE depth = 0 "
    "WITH req, c, a, p, null AS parent",
)

LIST_REPLIES: LiteralString = _comment_pages(
    "parent", "Comment", "REPLY_TO", "MATCH (c)-[:ON]->(p:Post) WITH req, c, a, p, parent"
)


async def read_pages(
    db: Executor, query: LiteralString, pages: Sequence[PageKey], viewer_id: str, column: str,
    build: Callable[[dict[str, Any]], R],
) -> list[list[R]]:
    """One round trip for many pages: `query` reads `$requests` (each page's `param`) and
    returns each page's `key` with its items in `column`; the items built, aligned with
    `pages` (an empty list for a page with no row)."""
    if not pages:
        return []
    rows = await db.read(
        query, {"viewer": viewer_id, "requests": [page.param(i) for i, page in enumerate(pages)]}
    )
    found = {row["key"]: [build(item) for item in row[column]] for row in rows}
    return [found.get(i, []) for i in range(len(pages))]


async def list_on_posts(
    db: Executor, pages: Sequence[PageKey], *, viewer_id: str
) -> list[list[CommentRecord]]:
    """Pages of top-level comments (oldest first), one per PageKey (parent = a post id).

    The caller has already checked that the viewer may see each post; comments by
    members blocked either way are left out.
    """
    return await read_pages(db, LIST_ON_POSTS, pages, viewer_id, "comments", CommentRecord.from_row)


async def list_replies(
    db: Executor, pages: Sequence[PageKey], *, viewer_id: str
) -> list[list[CommentRecord]]:
    """Pages of replies (oldest first), one per PageKey (parent = a top-level comment id)."""
    return await read_pages(db, LIST_REPLIES, pages, viewer_id, "comments", CommentRecord.from_row)


CREATE_COMMENT: LiteralString = (
    "MATCH (v:Person {id: $author}), (p:Post {id: $post})<-[:AUTHORED]-(pa:Person) "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    + post_visible("v, p, pa, g") +
    # Commenting in a group is posting there (graph_db.moderation.can_post); a retry of a
    # comment already made is not refused by slow mode (can_post ignores $id).
    "WITH v, p, pa, g, g IS NULL OR " + can_post("v", "g") + " AS allowed WHERE allowed"
    # The post's comment count is stored anew below.
    + lock("p") +
    "OPTIONAL MATCH (p)<-[:ON]-(target:Comment {id: $parent}) "
    "OPTIONAL MATCH (target)-[:REPLY_TO]->(top:Comment) "
    "WITH v, p, pa, g, target, coalesce(top, target) AS parent "
    "OPTIONAL MATCH (parent)<-[:AUTHORED]-(ca:Person) "
    "OPTIONAL MATCH (target)<-[:AUTHORED]-(ta:Person) "
    "WITH v, p, pa, g, target, parent, ca, ta "
    "WHERE $parent IS NULL OR (target IS NOT NULL AND " + live("target") + " "
    "  AND " + live("parent") + " AND NOT " + blocked("v", "ca") + " AND NOT " + blocked("v", "ta") + ") "
    "OPTIONAL MATCH (known:Comment {id: $id}) "
    "WITH v, p, pa, g, parent, ca, ta, known IS NULL AS created "
    "MERGE (c:Comment {id: $id}) ON CREATE SET c.body = $body, c.createdAt = $now "
    "MERGE (v)-[w:AUTHORED]->(c) ON CREATE SET w.createdAt = $now "
    "MERGE (c)-[o:ON]->(p) ON CREATE SET o.createdAt = $now "
    "FOREACH (x IN CASE WHEN parent IS NULL THEN [] ELSE [parent] END | "
    "  MERGE (c)-[r:REPLY_TO]->(x) ON CREATE SET r.createdAt = $now) "
    + recount_live_comments("p", COMMENT_COUNT, "v, c, pa, g, parent, ca, ta, created") +
    "WITH v AS a, c, p, pa, g, parent, ca, ta, created" + mention("c", "a", "g")
    + notify("REPLY", imports="a, c, p, parent, ca, ta, created", recipients="[ca, ta]",
             actor="a", target="parent", post="p", comment="c",
             when="created AND parent IS NOT NULL", out="repliedTo")
    + notify("COMMENT", imports="a, c, p, pa, ca, ta, created",
             recipients="CASE WHEN pa IN [ca, ta] THEN [] ELSE [pa] END",
             actor="a", target="p", post="p", comment="c", when="created")
    + notify("MENTION", imports="a, c, p, mentioned, created", recipients="mentioned",
             actor="a", target="c", post="p", comment="c", when="created", out="mentionedIn")
    + " RETURN " + COMMENT_FIELDS + " AS comment, notified, repliedTo, mentionedIn"
)


async def create_comment(
    db: Executor, *, id: str, author_id: str, post_id: str, body: str, now: int,
    parent_id: str | None = None, mention_ids: Sequence[str] = (),
) -> tuple[CommentRecord | None, list[NotifiedRecord]]:
    """Comment on a post, or reply to a comment on it (idempotent by `id`), and notify the
    post's author, the authors replied to, and the people mentioned.

    None when the author may not see the post or the comment replied to.
    """
    return await write_notifying(
        db, CREATE_COMMENT, "comment", CommentRecord.from_row,
        {"id": id, "author": author_id, "post": post_id, "parent": parent_id, "body": body,
         "now": now, **mention_params(mention_ids)},
        "notified", "repliedTo", "mentionedIn",
    )


UPDATE_COMMENT: LiteralString = (
    "MATCH (c:Comment {id: $id})<-[:AUTHORED]-(a:Person {id: $author}) "
    "WHERE " + live("c") + " "
    "MATCH (c)-[:ON]->(p:Post) WHERE " + live("p") + " "
    "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    "OPTIONAL MATCH (c)-[:REPLY_TO]->(parent:Comment) "
    "SET c.body = $body, c.editedAt = $now "
    "WITH a, c, p, g, parent, " + unmention("c") +
    "WITH a, c, p, g, parent" + mention("c", "a", "g")
    + notify("MENTION", imports="a, c, p, mentioned", recipients="mentioned", actor="a",
             target="c", post="p", comment="c")
    + " RETURN " + COMMENT_FIELDS + " AS comment, notified"
)


async def update_comment(
    db: Executor, comment_id: str, *, author_id: str, body: str, now: int,
    mention_ids: Sequence[str] | None = None,
) -> tuple[CommentRecord | None, list[NotifiedRecord]]:
    """Replace the body (and, unless None, the mentions) of the author's own comment."""
    return await write_notifying(
        db, UPDATE_COMMENT, "comment", CommentRecord.from_row,
        {"id": comment_id, "author": author_id, "body": body, "now": now,
         **mention_params(mention_ids)},
    )


# The comment's live replies go with it (marked as removed with it, `removedWith`); its
# post, locked first, stores its count anew.
REMOVE_COMMENT: LiteralString = removal(
    "c", "Comment", "COMMENT", "-[:ON]->(:Post)-[:IN_GROUP]->",
    first="MATCH (c)-[:ON]->(p:Post) WITH c, a, actor, g, p" + lock("p"),
    then="WITH c, a, actor, g, p, [(c)<-[:REPLY_TO]-(rc:Comment) WHERE " + live("rc") + " | rc] AS cascade "
    "FOREACH (r IN cascade | SET r.removedAt = $now, r.removedBy = $actor, r.removedWith = c.id) "
    + recount_live_comments("p", COMMENT_COUNT, "c, a, actor, g"),
)


async def remove_comment(
    db: Executor, comment_id: str, *, actor_id: str, moderator: bool, now: int,
    action_id: str, reason: str | None = None,
) -> bool:
    """Soft-delete a comment and its replies: by its author, or (`moderator`) by someone
    allowed to moderate it, recorded as a ModerationAction. False if nothing was removed."""
    return await audited_write(
        db, REMOVE_COMMENT, actor_id, reason, now, action_id,
        {"id": comment_id, "moderator": moderator},
    )


# -- bulk writes (synthetic networks, imports) -------------------------------------------

CREATE_MANY: LiteralString = (
    "UNWIND $rows AS row "
    "MATCH (a:Person {id: row.authorId}), (p:Post {id: row.postId}) "
    "MERGE (c:Comment {id: row.id}) ON CREATE SET c.body = row.body, c.createdAt = row.createdAt "
    "MERGE (a)-[w:AUTHORED]->(c) ON CREATE SET w.createdAt = row.createdAt "
    "MERGE (c)-[o:ON]->(p) ON CREATE SET o.createdAt = row.createdAt "
    "WITH c, p, row OPTIONAL MATCH (parent:Comment {id: row.parentId}) "
    "FOREACH (x IN CASE WHEN parent IS NULL THEN [] ELSE [parent] END | "
    "  MERGE (c)-[r:REPLY_TO]->(x) ON CREATE SET r.createdAt = row.createdAt) "
    # Each post touched stores its count once, after all its comments are in.
    "WITH DISTINCT p" + lock("p") + recount_live_comments("p", COMMENT_COUNT)
    + "RETURN count(p) AS n"
)


async def create_many(db: Executor, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create comments in one statement, idempotent by id; no notifications.

    Each row: id, authorId, postId, body, createdAt, and optionally parentId (a top-level
    comment on the same post, created in an earlier call or earlier in `rows`).
    """
    if rows:
        await db.write(CREATE_MANY, {"rows": [{"parentId": None, **dict(r)} for r in rows]})
