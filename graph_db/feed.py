"""The home feed and the site-wide activity stream.

Home feed: posts by the people the viewer follows or is connected with, posts in the
viewer's groups, and the viewer's own, newest first, with keyset cursors over
(createdAt, id). It is computed on read (fan-out on read): one statement collects the
candidate posts through the viewer's own edges, so its cost follows the size of the
viewer's network, not of the site. Never anything from a member blocked either way, nor
from a group the viewer cannot see.
"""

from __future__ import annotations

from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.keyset import past_cursor
from graph_db.policy import (
    blocked_group_post_ids,
    blocked_ids,
    in_visible_group,
    is_public,
    live,
    public_content,
    viewer_groups,
)
from graph_db.posts import (
    BEFORE_CURSOR,
    LISTING_TAIL,
    POST_FIELDS,
    listing_params,
    page_records,
)
from graph_db.programs.awards import badge
from graph_db.programs.records import AwardActivityRecord, BadgeRecord
from graph_db.social_records import ActivityRecord, PostRecord

# The viewer's own lists are read once (pattern comprehensions over the viewer's edges);
# blocks and group rules are then list membership tests, not a pattern per candidate.
# Each branch keeps its newest `limit` before the merge, so a page touches at most
# 2 x limit posts after the (cheap) candidate scan. CONNECTED_WITH is stored in both
# directions (graph_db.network), so the directed pattern finds every connection once.
# The group branch sorts on the posts' own properties and meets the authors only of the
# `limit` it keeps: a large group holds tens of thousands of posts, and an author match
# per candidate cost ~5x the sort (M scale: a 26,612-post group, 65 ms -> 26 ms). Posts
# by members blocked either way are excluded by id, from the blocked members' side.
HOME_FEED: LiteralString = (
    "MATCH (v:Person {id: $viewer}) "
    "WITH v, [v] + [(v)-[:FOLLOWS]->(f:Person) | f] + [(v)-[:CONNECTED_WITH]->(c:Person) | c] "
    "  AS people, " + blocked_ids("v", "b") + " AS hidden, " + viewer_groups("v") + ", "
    "  " + blocked_group_post_ids("v", ":Group") + " AS hiddenGroupPosts "
    "CALL { WITH people, hidden, mine, banned "
    "  UNWIND people AS a WITH DISTINCT a, hidden, mine, banned WHERE NOT a.id IN hidden "
    "  MATCH (a)-[:AUTHORED]->(p:Post) WHERE " + live("p") + " AND " + BEFORE_CURSOR + " "
    "  OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group) "
    "  WITH p, a, g, mine, banned "
    "  WHERE " + in_visible_group("g") + " "
    "  WITH p, a, g ORDER BY p.createdAt DESC, p.id DESC LIMIT $limit "
    "  RETURN collect({p: p, a: a, g: g}) AS fromPeople } "
    "CALL { WITH v, hiddenGroupPosts "
    "  MATCH (v)-[:MEMBER_OF]->(g:Group)<-[:IN_GROUP]-(p:Post) "
    "  WHERE " + live("p") + " AND " + BEFORE_CURSOR + " AND NOT p.id IN hiddenGroupPosts "
    "  WITH p, g ORDER BY p.createdAt DESC, p.id DESC LIMIT $limit "
    "  MATCH (p)<-[:AUTHORED]-(a:Person) "
    "  RETURN collect({p: p, a: a, g: g}) AS fromGroups } "
    "UNWIND fromPeople + fromGroups AS x "
    "WITH DISTINCT x.p AS p, x.a AS a, x.g AS g, v "
    "WITH p, a, g, v ORDER BY p.createdAt DESC, p.id DESC LIMIT $limit " + LISTING_TAIL
)


async def home_feed(
    db: Executor, viewer_id: str, *, after: tuple[int, str] | None, limit: int
) -> list[PostRecord]:
    """The viewer's home feed, newest first, after the keyset (createdAt, id)."""
    return page_records(await db.read(HOME_FEED, listing_params(viewer_id, after, limit)))


# Each branch reads its label's newest items through the createdAt range index; the
# caller merges the four short lists. Only public things: posts outside any group or in
# a public one, members, public groups, published award winners (a WON edge exists only
# once a cycle's winners are published: graph_db.programs.awards); nothing from or by a
# member blocked either way.
ACTIVITY_CURSOR: LiteralString = past_cursor("x.createdAt", "x.id", descending=True)
# The posts branch sorts on the posts' own properties and keeps the newest `$scan` before
# it meets their authors and groups (matching every post of a long window first cost
# seconds at M scale). It returns the shown ones and where the scan stopped; when the
# filters leave fewer than a page and the scan was full, the caller scans on from there
# ($postAt, $postId: the posts' own cursor).
POST_SCAN_CURSOR: LiteralString = past_cursor(
    "x.createdAt", "x.id", descending=True, at="$postAt", last="$postId"
)

ACTIVITY: LiteralString = (
    "MATCH (v:Person {id: $viewer}) WITH " + blocked_ids("v", "vb") + " AS hidden "
    "CALL { WITH hidden "
    "  MATCH (x:Post) WHERE x.createdAt >= $since AND " + POST_SCAN_CURSOR + " "
    "  AND " + live("x") + " "
    "  WITH hidden, x ORDER BY x.createdAt DESC, x.id DESC LIMIT $scan "
    "  MATCH (x)<-[:AUTHORED]-(a:Person) "
    "  OPTIONAL MATCH (x)-[:IN_GROUP]->(g:Group) "
    "  WITH x AS p, a, g, NOT a.id IN hidden AND " + public_content("g") + " AS shown "
    "  ORDER BY p.createdAt DESC, p.id DESC "
    "  WITH collect({shown: shown, at: p.createdAt, id: p.id, post: " + POST_FIELDS + "}) AS scanned "
    "  RETURN [s IN scanned WHERE s.shown | s.post][..$limit] AS posts, "
    "  size(scanned) AS scannedCount, scanned[-1] AS lastScanned } "
    "CALL { WITH hidden "
    "  MATCH (x:Person) WHERE x.createdAt >= $since AND " + ACTIVITY_CURSOR + " "
    "  AND NOT x.id IN hidden "
    "  WITH x ORDER BY x.createdAt DESC, x.id DESC LIMIT $limit "
    "  RETURN collect(x {.id, .createdAt}) AS members } "
    "CALL { "
    "  MATCH (x:Group) WHERE x.createdAt >= $since AND " + ACTIVITY_CURSOR + " "
    "  AND " + is_public("x") + " "
    "  WITH x ORDER BY x.createdAt DESC, x.id DESC LIMIT $limit "
    "  RETURN collect(x {.id, .createdAt}) AS groups } "
    "CALL { WITH hidden "
    "  MATCH (w:Person)-[x:WON]->(a:Award) WHERE x.createdAt >= $since AND " + ACTIVITY_CURSOR + " "
    "  AND NOT w.id IN hidden "
    "  WITH w, x, a ORDER BY x.createdAt DESC, x.id DESC LIMIT $limit "
    "  RETURN collect({id: x.id, createdAt: x.createdAt, badge: " + badge("w", "x", "a") + "}) "
    "  AS awards } "
    "RETURN posts, scannedCount, lastScanned, members, groups, awards"
)

# The first attempt only looks this far back from the cursor (the range index then
# touches only recent nodes); if that holds fewer than a page, the next looks further. An
# empty window costs a millisecond; the whole history is a scan of every post's createdAt
# (~0.5 s at M scale), so the windows widen gradually.
_DAY_MS = 24 * 3600 * 1000
ACTIVITY_WINDOWS_MS: tuple[int | None, ...] = (
    3600 * 1000, _DAY_MS, 30 * _DAY_MS, 365 * _DAY_MS, None,
)
SCAN_FACTOR = 4  # posts scanned per post wanted; each further scan of a window is 4x larger


async def activity(
    db: Executor, viewer_id: str, *, after: tuple[int, str] | None, limit: int, now: int
) -> list[ActivityRecord]:
    """The site-wide public stream (new posts, members, public groups, award winners), newest first,
    after the keyset (createdAt, id)."""
    at, last_id = after if after else (None, None)
    start = at if at is not None else now + 1
    items: list[ActivityRecord] = []
    for window in ACTIVITY_WINDOWS_MS:
        since = start - window if window is not None else -(2**62)
        scan = SCAN_FACTOR * limit
        params: dict[str, Any] = {
            "viewer": viewer_id, "at": at, "cursorId": last_id, "limit": limit, "since": since,
            "postAt": at, "postId": last_id, "scan": scan,
        }
        posts: list[dict[str, Any]] = []
        while True:
            rows = await db.read(ACTIVITY, params)
            if not rows:
                return []
            row = rows[0]
            posts += row["posts"]
            # Enough shown posts, or the window holds no more: this window's posts are known.
            if len(posts) >= limit or row["scannedCount"] < scan:
                break
            scan *= SCAN_FACTOR
            last = row["lastScanned"]
            params.update(postAt=last["at"], postId=last["id"], scan=scan)
        items = [
            ActivityRecord("POST", p["id"], p["createdAt"], PostRecord.from_row(p))
            for p in posts[:limit]
        ]
        items += [ActivityRecord("MEMBER", m["id"], m["createdAt"]) for m in row["members"]]
        items += [ActivityRecord("GROUP", g["id"], g["createdAt"]) for g in row["groups"]]
        items += [
            AwardActivityRecord("AWARD", w["id"], w["createdAt"], badge=BadgeRecord.from_row(w["badge"]))
            for w in row["awards"]
        ]
        if len(items) >= limit:
            break
    items.sort(key=lambda item: (item.createdAt, item.id), reverse=True)
    return items[:limit]
