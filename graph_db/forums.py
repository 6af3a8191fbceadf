"""Forums, threads and replies.

(:Forum)-[:IN_GROUP]->(:Group) for a group's forum (none for a site-wide one);
(:Person)-[:AUTHORED]->(:Thread)-[:IN_FORUM]->(:Forum); a reply is a Comment ON the thread
(the comment model of the social domain, as the design says), and likes are the same LIKED
edges as on posts. A thread keeps `likeCount`, `replyCount` and `lastActivityAt`, kept by
the statements that change them (a like moves the count by one under the thread's lock, as
graph_db.likes does for posts), because threads are sorted by them (keyset pagination needs
a stored key). Removal is soft (`removedAt`, graph_db.moderation). Reads take the viewer:
nothing of a group the viewer may not see, nothing removed, nothing by a member blocked
either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any, LiteralString

from graph_db.backend import Executor, all_records, first_record
from graph_db.batch import get_aligned, get_aligned_rows
from graph_db.comments import AFTER_REQUEST_CURSOR, PageKey, read_pages
from graph_db.counts import REPLY_COUNT, recount_live_comments
from graph_db.dialect import identifier
from graph_db.forums_records import ForumRecord, ReplyRecord, ThreadRecord
from graph_db.likes import count_change
from graph_db.locks import lock
from graph_db.moderation import audit, audited, audited_write, can_post, open_reports
from graph_db.notifications import merge_edge, notified, notify, write_notifying
from graph_db.policy import blocked, live, moderates, public_content, sees_content
from graph_db.social_records import NotifiedRecord

# Expects `f` (the forum) and `g` (its group or null).
FORUM_FIELDS: LiteralString = (
    "f {.id, .name, .description, .createdAt, groupId: g.id, "
    "threadCount: size([(f)<-[:IN_FORUM]-(ft:Thread) WHERE " + live("ft") + " | 1])}"
)

# Expects `t`, its author `a`, forum `f` and group `g` (or null).
THREAD_FIELDS: LiteralString = (
    "t {.id, .title, .body, .tags, .createdAt, .lastActivityAt, .pinned, .locked, .likeCount, "
    ".replyCount, .slowModeSeconds, authorId: a.id, forumId: f.id, groupId: g.id}"
)

# Expects `c` (the reply), its author `a`, and `t` (its thread).
REPLY_FIELDS: LiteralString = "c {.id, .body, .createdAt, authorId: a.id, threadId: t.id}"


def _visible_thread(id_expr: LiteralString, carry: LiteralString = "") -> LiteralString:
    """Binds the thread `t` (id in `id_expr`), its author `a`, forum `f` and group `g` when
    viewer `v` may see it, keeping the variables in `carry` (", x, y")."""
    return (
        "MATCH (t:Thread {id: " + id_expr + "})<-[:AUTHORED]-(a:Person) "
        "WHERE " + live("t") + " AND NOT " + blocked("v", "a") + " "
        "MATCH (t)-[:IN_FORUM]->(f:Forum) OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
        "WITH v" + carry + ", t, a, f, g, " + sees_content("v", "g") + " AS allowed WHERE allowed "
    )


# -- forums -----------------------------------------------------------------------------------

CREATE_FORUM: LiteralString = (
    "MATCH (a:Person {id: $actor}) OPTIONAL MATCH (g:Group {id: $group}) "
    "WITH a, g, " + moderates("a", "g") + " AS allowed "
    "WHERE allowed AND ($group IS NULL OR (g IS NOT NULL AND g.archivedAt IS NULL)) "
    "MERGE (f:Forum {id: $id}) ON CREATE SET f.name = $name, f.description = $description, "
    "f.createdAt = $now "
    "FOREACH (x IN CASE WHEN g IS NULL THEN [] ELSE [g] END | MERGE (f)-[:IN_GROUP]->(x)) "
    "WITH a, f, g" + audit("CREATE_FORUM", actor="a", target="f", kind="FORUM", group="g")
    + " RETURN " + FORUM_FIELDS + " AS forum"
)


async def create_forum(
    db: Executor, *, id: str, actor_id: str, name: str, description: str,
    group_id: str | None, now: int, action_id: str,
) -> ForumRecord | None:
    """Create a site-wide forum (site moderators) or a group's (its moderators); None when
    refused or the group is absent or archived."""
    return await first_record(
        db.write, CREATE_FORUM, "forum", ForumRecord.from_row,
        {**audited(actor_id, None, now, action_id), "id": id, "name": name, "description": description,
         "group": group_id},
    )


GET_FORUMS: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS id MATCH (f:Forum {id: id}) "
    "OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
    "WITH v, f, g, " + sees_content("v", "g") + " AS allowed WHERE allowed "
    "RETURN " + FORUM_FIELDS + " AS forum"
)


async def get_forums(db: Executor, ids: Sequence[str], *, viewer_id: str) -> list[ForumRecord | None]:
    """Forums by id as the viewer may see them, aligned with `ids`."""
    return await get_aligned(
        db, GET_FORUMS, ids, "forum", ForumRecord.from_row, {"viewer": viewer_id}
    )


LIST_SITE_FORUMS: LiteralString = (
    "MATCH (f:Forum) WITH f, size([(f)-[sg:IN_GROUP]->(:Group) | 1]) = 0 AS siteWide "
    "WHERE siteWide "
    "WITH f, null AS g RETURN " + FORUM_FIELDS + " AS forum ORDER BY f.name, f.id"
)

LIST_GROUP_FORUMS: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $groups AS gid MATCH (g:Group {id: gid}) "
    "WITH v, g, " + sees_content("v", "g") + " AS allowed WHERE allowed "
    "MATCH (g)<-[:IN_GROUP]-(f:Forum) WITH g, f ORDER BY f.name, f.id "
    "RETURN g.id AS group, collect(" + FORUM_FIELDS + ") AS forums"
)


async def list_forums(db: Executor, *, group_id: str | None, viewer_id: str) -> list[ForumRecord]:
    """The site-wide forums (group None), or a group's if the viewer may see its content;
    by name (a short list)."""
    if group_id is not None:
        return (await list_group_forums(db, [group_id], viewer_id=viewer_id))[0]
    return await all_records(db.read, LIST_SITE_FORUMS, "forum", ForumRecord.from_row)


async def list_group_forums(
    db: Executor, group_ids: Sequence[str], *, viewer_id: str
) -> list[list[ForumRecord]]:
    """Each group's forums by name (empty where the viewer may not see its content), aligned
    with `group_ids`: one round trip for a page of groups."""
    if not group_ids:
        return []
    rows = await db.read(
        LIST_GROUP_FORUMS, {"groups": list(dict.fromkeys(group_ids)), "viewer": viewer_id}
    )
    found = {r["group"]: [ForumRecord.from_row(f) for f in r["forums"]] for r in rows}
    return [found.get(i, []) for i in group_ids]


# -- threads ----------------------------------------------------------------------------------

GET_THREADS: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS id " + _visible_thread("id")
    + "RETURN " + THREAD_FIELDS + " AS thread"
)


async def get_threads(
    db: Executor, ids: Sequence[str], *, viewer_id: str
) -> list[ThreadRecord | None]:
    """Threads by id as the viewer may see them, aligned with `ids`."""
    return await get_aligned(
        db, GET_THREADS, ids, "thread", ThreadRecord.from_row, {"viewer": viewer_id}
    )


# Sort keys: pinned threads first, then the sort's key, then id; all descending.
SORT_KEYS: dict[str, LiteralString] = {
    "LATEST_ACTIVITY": "t.lastActivityAt",
    "NEWEST": "t.createdAt",
    "TOP": "coalesce(t.likeCount, 0)",
}


def _list_threads(sort: str) -> LiteralString:
    key = SORT_KEYS[identifier(sort)]
    return (
        "MATCH (v:Person {id: $viewer}), (f:Forum {id: $forum}) "
        "OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
        "WITH v, f, g, " + sees_content("v", "g") + " AS allowed WHERE allowed "
        "MATCH (f)<-[:IN_FORUM]-(t:Thread)<-[:AUTHORED]-(a:Person) "
        "WHERE " + live("t") + " AND NOT " + blocked("v", "a") + " AND ($tag IS NULL OR $tag IN t.tags) "
        "WITH v, f, g, t, a, CASE WHEN t.pinned THEN 1 ELSE 0 END AS k1, " + key + " AS k2 "
        "WHERE $k1 IS NULL OR k1 < $k1 OR (k1 = $k1 AND (k2 < $k2 OR (k2 = $k2 AND t.id < $cursorId))) "
        "RETURN " + THREAD_FIELDS + " AS thread, k1, k2 "
        "ORDER BY k1 DESC, k2 DESC, t.id DESC LIMIT $limit"
    )


LIST_THREADS: dict[str, LiteralString] = {sort: _list_threads(sort) for sort in SORT_KEYS}

ThreadKey = tuple[int, int, str]


async def list_threads(
    db: Executor, forum_id: str, *, viewer_id: str, sort: str, tag: str | None,
    after: ThreadKey | None, limit: int,
) -> list[tuple[ThreadRecord, ThreadKey]]:
    """A forum's threads the viewer may see, pinned first, then by `sort` (LATEST_ACTIVITY,
    NEWEST or TOP: most liked), newest id breaking ties; each with its keyset key, after
    `after`. Empty when the viewer may not see the forum."""
    k1, k2, last_id = after if after else (None, None, None)
    rows = await db.read(
        LIST_THREADS[sort],
        {"viewer": viewer_id, "forum": forum_id, "tag": tag, "k1": k1, "k2": k2,
         "cursorId": last_id, "limit": limit},
    )
    return [
        (ThreadRecord.from_row(r["thread"]), (int(r["k1"]), int(r["k2"]), r["thread"]["id"]))
        for r in rows
    ]


CREATE_THREAD: LiteralString = (
    "MATCH (a:Person {id: $author}), (f:Forum {id: $forum}) "
    "OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
    "OPTIONAL MATCH (known:Thread {id: $id}) "
    "WITH a, f, g, known IS NULL AS created, g IS NULL OR " + can_post("a", "g") + " AS allowed "
    "WHERE NOT created OR allowed "
    "MERGE (t:Thread {id: $id}) ON CREATE SET t.title = $title, t.body = $body, t.tags = $tags, "
    "t.createdAt = $now, t.lastActivityAt = $now, t.pinned = false, t.locked = false, "
    "t.likeCount = 0, t.replyCount = 0, t.slowModeSeconds = 0 "
    "MERGE (a)-[w:AUTHORED]->(t) ON CREATE SET w.createdAt = $now "
    # A retry must not link a thread that has since been moved back to this forum.
    "FOREACH (x IN CASE WHEN created THEN [f] ELSE [] END | "
    "  MERGE (t)-[i:IN_FORUM]->(x) ON CREATE SET i.createdAt = $now) "
    "WITH a, t MATCH (t)-[:IN_FORUM]->(f:Forum) OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
    "RETURN " + THREAD_FIELDS + " AS thread"
)


async def create_thread(
    db: Executor, *, id: str, author_id: str, forum_id: str, title: str, body: str,
    tags: Sequence[str], now: int,
) -> ThreadRecord | None:
    """Start a thread (idempotent by `id`): anyone in a site-wide forum; in a group's forum,
    whoever may post in the group now. None when refused."""
    return await first_record(
        db.write, CREATE_THREAD, "thread", ThreadRecord.from_row,
        {"id": id, "author": author_id, "forum": forum_id, "title": title, "body": body,
         "tags": list(tags), "now": now},
    )


THREAD_POSTING: LiteralString = (
    "MATCH (v:Person {id: $viewer}) " + _visible_thread("$thread")
    + "OPTIONAL MATCH (v)-[:AUTHORED]->(mine:Comment)-[:ON]->(t) "
    "WHERE coalesce(t.slowModeSeconds, 0) > 0 "
    "RETURN t.locked AS locked, coalesce(t.slowModeSeconds, 0) AS slowModeSeconds, "
    "g.id AS groupId, max(mine.createdAt) AS lastReplyAt"
)


async def get_thread_posting(
    db: Executor, thread_id: str, *, viewer_id: str
) -> dict[str, Any] | None:
    """What decides whether the viewer may reply now: locked, slowModeSeconds, groupId and
    their last reply (lastReplyAt, when slow mode is on). None if the thread is hidden."""
    rows = await db.read(THREAD_POSTING, {"viewer": viewer_id, "thread": thread_id})
    return rows[0] if rows else None


# -- replies ----------------------------------------------------------------------------------

REPLY: LiteralString = (
    "MATCH (v:Person {id: $author}) " + _visible_thread("$thread")
    # Slow mode and the reply count read the thread's replies: lock the thread first.
    + lock("t") + "OPTIONAL MATCH (known:Comment {id: $id}) "
    "WITH v, t, a, f, g, known IS NULL AS created, (g IS NULL OR " + can_post("v", "g") + ") "
    "AND (NOT t.locked OR " + moderates("v", "g", "Lock") + ") "
    "AND (coalesce(t.slowModeSeconds, 0) = 0 OR " + moderates("v", "g", "Thread") + " "
    "  OR size([(v)-[:AUTHORED]->(tsx:Comment)-[:ON]->(t) "
    "    WHERE tsx.createdAt > $now - 1000 * t.slowModeSeconds AND tsx.id <> $id | 1]) = 0) "
    "AS allowed WHERE NOT created OR allowed "
    "MERGE (c:Comment {id: $id}) ON CREATE SET c.body = $body, c.createdAt = $now "
    "MERGE (v)-[w:AUTHORED]->(c) ON CREATE SET w.createdAt = $now "
    "MERGE (c)-[o:ON]->(t) ON CREATE SET o.createdAt = $now"
    + recount_live_comments("t", REPLY_COUNT, "v, c, a, created") +
    "SET t.lastActivityAt = CASE WHEN created THEN $now ELSE t.lastActivityAt END "
    "WITH v, c, t, a, created"
    + notify("THREAD_REPLY", imports="v, c, t, a, created", recipients="[a]", actor="v",
             target="t", comment="c", when="created")
    + " WITH v AS a, c, t, notified RETURN " + REPLY_FIELDS + " AS reply, notified"
)


async def create_reply(
    db: Executor, *, id: str, author_id: str, thread_id: str, body: str, now: int
) -> tuple[ReplyRecord | None, list[NotifiedRecord]]:
    """Reply in a thread the author can see and may post in (not locked unless they moderate
    it; slow mode respected), idempotent by `id`; the thread's author is notified."""
    return await write_notifying(
        db, REPLY, "reply", ReplyRecord.from_row,
        {"id": id, "author": author_id, "thread": thread_id, "body": body, "now": now},
    )


GET_REPLIES: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS rid "
    "MATCH (c:Comment {id: rid})-[:ON]->(th:Thread) WHERE " + live("c") + " "
    "MATCH (c)<-[:AUTHORED]-(ra:Person) WHERE NOT " + blocked("v", "ra") + " "
    "WITH v, c, ra, th.id AS tid " + _visible_thread("tid", ", c, ra")
    + "WITH c, ra AS a, t RETURN " + REPLY_FIELDS + " AS reply"
)


async def get_replies(db: Executor, ids: Sequence[str], *, viewer_id: str) -> list[ReplyRecord | None]:
    """Replies by id as the viewer may see them, aligned with `ids`."""
    return await get_aligned(
        db, GET_REPLIES, ids, "reply", ReplyRecord.from_row, {"viewer": viewer_id}
    )


LIST_REPLIES: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $requests AS req WITH v, req "
    + _visible_thread("req.parent", ", req")
    + "MATCH (t)<-[:ON]-(c:Comment)<-[:AUTHORED]-(ca:Person) "
    "WHERE " + live("c") + " AND NOT " + blocked("v", "ca") + " "
    "AND " + AFTER_REQUEST_CURSOR + " "
    "WITH req, c, ca AS a, t ORDER BY c.createdAt, c.id "
    "WITH req, collect(" + REPLY_FIELDS + ") AS replies "
    "RETURN req.key AS key, replies[..req.limit] AS replies"
)


async def list_replies(
    db: Executor, pages: Sequence[PageKey], *, viewer_id: str
) -> list[list[ReplyRecord]]:
    """Pages of replies (oldest first), one per PageKey (parent = a thread id), in one round
    trip; empty for threads the viewer may not see."""
    return await read_pages(db, LIST_REPLIES, pages, viewer_id, "replies", ReplyRecord.from_row)


# -- likes ------------------------------------------------------------------------------------

LIKE_THREAD: LiteralString = (
    "MATCH (v:Person {id: $viewer}) " + _visible_thread("$thread")
    + lock("t") + merge_edge("v", "LIKED", "t", "v, t, a")
    + count_change("t", "CASE WHEN created THEN 1 ELSE 0 END")
    + "WITH v, t, a, created"
    + notify("LIKE_THREAD", imports="v, t, a, created", recipients="[a]", actor="v", target="t",
             when="created")
    + " RETURN t.likeCount AS likes, notified"
)

UNLIKE_THREAD: LiteralString = (
    "MATCH (t:Thread {id: $thread}) WHERE " + live("t") + lock("t") +
    "OPTIONAL MATCH (v:Person {id: $viewer}) OPTIONAL MATCH (v)-[l:LIKED]->(t) "
    "WITH t, collect(l) AS gone FOREACH (x IN gone | DELETE x) WITH t, gone"
    + count_change("t", "-size(gone)") + "RETURN t.likeCount AS likes"
)


async def like_thread(
    db: Executor, thread_id: str, *, viewer_id: str, now: int
) -> tuple[int | None, list[NotifiedRecord]]:
    """Like a visible thread (again: no change); (likes now, notified) or (None, [])."""
    return await write_notifying(
        db, LIKE_THREAD, "likes", int, {"viewer": viewer_id, "thread": thread_id, "now": now}
    )


async def unlike_thread(db: Executor, thread_id: str, *, viewer_id: str) -> int | None:
    return await first_record(
        db.write, UNLIKE_THREAD, "likes", int,
        {"viewer": viewer_id, "thread": thread_id},
    )


LIKE_REPLY: LiteralString = (
    "MATCH (v:Person {id: $viewer}), (c:Comment {id: $reply})-[:ON]->(th:Thread) "
    "WHERE " + live("c") + " MATCH (c)<-[:AUTHORED]-(ca:Person) WHERE NOT " + blocked("v", "ca") + " "
    "WITH v, c, ca, th.id AS tid " + _visible_thread("tid", ", c, ca")
    + merge_edge("v", "LIKED", "c", "v, c, ca, t")
    + notify("LIKE_COMMENT", imports="v, c, ca, t, created", recipients="[ca]", actor="v",
             target="c", comment="c", when="created")
    + " RETURN c.id AS id, notified"
)


async def like_reply(
    db: Executor, reply_id: str, *, viewer_id: str, now: int
) -> tuple[bool, list[NotifiedRecord]]:
    """Like a visible reply (again: no change); (False, []) when absent or hidden."""
    rows = await db.write(LIKE_REPLY, {"viewer": viewer_id, "reply": reply_id, "now": now})
    return (True, notified(rows)) if rows else (False, [])


UNLIKE_REPLY: LiteralString = (
    "MATCH (c:Comment {id: $reply})-[:ON]->(:Thread) WHERE " + live("c") + " "
    "OPTIONAL MATCH (:Person {id: $viewer})-[l:LIKED]->(c) DELETE l "
    "WITH DISTINCT c RETURN c.id AS id"
)


async def unlike_reply(db: Executor, reply_id: str, *, viewer_id: str) -> bool:
    rows = await db.write(UNLIKE_REPLY, {"viewer": viewer_id, "reply": reply_id})
    return bool(rows)


THREAD_ENGAGEMENT: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS id MATCH (t:Thread {id: id}) "
    "RETURN id, size([(v)-[vl:LIKED]->(t) | 1]) > 0 AS liked"
)


async def get_viewer_liked(db: Executor, ids: Sequence[str], *, viewer_id: str) -> list[bool]:
    """Whether the viewer likes each thread, aligned with `ids` (one round trip a page)."""
    liked = await get_aligned_rows(
        db, THREAD_ENGAGEMENT, ids, itemgetter("id"), itemgetter("liked"), {"viewer": viewer_id}
    )
    return [bool(v) for v in liked]


# -- moderator tools: pin, lock, move, slow mode ---------------------------------------------


def _moderated_thread(carry: LiteralString = "", also: LiteralString = "true") -> LiteralString:
    """Binds actor `a`, live thread `t`, its IN_FORUM edge `old`, forum `f`, group `g` and
    `done` (this action already applied), keeping actors who moderate the thread (and for
    whom `also` holds), and the variables in `carry`."""
    return (
        "MATCH (a:Person {id: $actor}), (t:Thread {id: $thread})-[old:IN_FORUM]->(f:Forum) "
        "WHERE " + live("t") + " OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
        "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
        "WITH a" + carry + ", t, old, f, g, done, " + moderates("a", "g") + " AND " + also
        + " AS allowed WHERE allowed "
    )


_MODERATED_THREAD: LiteralString = _moderated_thread()


def _audit_thread(
    action: str, *, seconds: LiteralString = "null", detail: LiteralString = "null",
    reports: LiteralString | None = None,
) -> LiteralString:
    """`audit` of the moderator `a`'s `action` on thread `t` in scope `g`, then its id as the row."""
    return (
        audit(action, actor="a", target="t", kind="THREAD", group="g", seconds=seconds, detail=detail,
              reports=reports)
        + " RETURN t.id AS id"
    )


def _flag(prop: str, value: bool, action: str, closes_reports: bool) -> LiteralString:
    name = identifier(prop)
    literal: LiteralString = "true" if value else "false"
    reports: LiteralString = (
        " WITH a, t, g, " + open_reports("t", "g") + " AS reports" if closes_reports
        else " WITH a, t, g"
    )
    return (
        _MODERATED_THREAD + "AND (coalesce(t." + name + ", false) <> " + literal + " "
        "OR done IS NOT NULL) SET t." + name + " = " + literal + reports
        + _audit_thread(action, reports="reports" if closes_reports else None)
    )


SET_FLAG: dict[tuple[str, bool], LiteralString] = {
    ("pinned", True): _flag("pinned", True, "PIN_THREAD", False),
    ("pinned", False): _flag("pinned", False, "UNPIN_THREAD", False),
    ("locked", True): _flag("locked", True, "LOCK_THREAD", True),
    ("locked", False): _flag("locked", False, "UNLOCK_THREAD", False),
}


async def set_flag(
    db: Executor, thread_id: str, flag: str, value: bool, *, actor_id: str, reason: str | None,
    now: int, action_id: str,
) -> bool:
    """Pin/unpin (`pinned`) or lock/unlock (`locked`: no new replies) a thread, as a
    moderator of its forum's scope; locking closes the thread's open reports. False when
    refused or already so."""
    return await audited_write(
        db, SET_FLAG[(flag, value)], actor_id, reason, now, action_id,
        {"thread": thread_id},
    )


MOVE_THREAD: LiteralString = (
    "MATCH (dest:Forum {id: $forum}) OPTIONAL MATCH (dest)-[:IN_GROUP]->(dg:Group) "
    "WITH dest, dg " + _moderated_thread(", dest, dg", moderates("a", "dg", "Dest"))
    + "AND (f <> dest OR done IS NOT NULL) "
    # A private group's thread never leaves the group (its readers are its members).
    "AND (" + public_content("g") + " OR g = dg) AND (dg IS NULL OR dg.archivedAt IS NULL) "
    "FOREACH (x IN CASE WHEN f = dest THEN [] ELSE [old] END | DELETE x) "
    "MERGE (t)-[i:IN_FORUM]->(dest) ON CREATE SET i.createdAt = $now "
    "WITH a, t, f, dest, g"
    + _audit_thread("MOVE_THREAD", detail="f.id + ' -> ' + dest.id")
)


async def move_thread(
    db: Executor, thread_id: str, *, forum_id: str, actor_id: str, reason: str | None, now: int,
    action_id: str,
) -> bool:
    """Move a thread to another forum; the actor must moderate both forums' scopes, and a
    private group's thread stays in that group. False when refused."""
    return await audited_write(
        db, MOVE_THREAD, actor_id, reason, now, action_id,
        {"thread": thread_id, "forum": forum_id},
    )


THREAD_SLOW_MODE: LiteralString = (
    _MODERATED_THREAD + "SET t.slowModeSeconds = $seconds WITH a, t, g"
    + _audit_thread("SET_SLOW_MODE", seconds="$seconds")
)


async def set_slow_mode(
    db: Executor, thread_id: str, *, actor_id: str, seconds: int, reason: str | None, now: int,
    action_id: str,
) -> bool:
    """Set the minimum seconds between one member's replies in a thread (0: off)."""
    return await audited_write(
        db, THREAD_SLOW_MODE, actor_id, reason, now, action_id,
        {"thread": thread_id, "seconds": seconds},
    )


THREAD_SCOPE: LiteralString = (
    "MATCH (t:Thread {id: $thread})-[:IN_FORUM]->(f:Forum) "
    "OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
    "RETURN t.removedAt IS NOT NULL AS removed, g.id AS groupId, f.id AS forumId, "
    "g.visibility AS visibility, coalesce(t.pinned, false) AS pinned, "
    "coalesce(t.locked, false) AS locked"
)


async def get_thread_scope(db: Executor, thread_id: str) -> dict[str, Any] | None:
    """A thread's moderation facts (removed, groupId, forumId, visibility, pinned, locked),
    whoever can see it; for moderator checks only."""
    rows = await db.read(THREAD_SCOPE, {"thread": thread_id})
    return rows[0] if rows else None


FORUM_SCOPE: LiteralString = (
    "MATCH (f:Forum {id: $forum}) OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group) "
    "RETURN g.id AS groupId, g.visibility AS visibility, g.archivedAt IS NOT NULL AS archived"
)


async def get_forum_scope(db: Executor, forum_id: str) -> dict[str, Any] | None:
    """A forum's group (groupId None: site-wide), visibility and archived flag."""
    rows = await db.read(FORUM_SCOPE, {"forum": forum_id})
    return rows[0] if rows else None
