"""Groups: the Group node, membership, roles, join requests, invitations, member discipline.

(:Person)-[:MEMBER_OF {role: OWNER|MODERATOR|MEMBER, createdAt}]->(:Group), and beside it
REQUESTED_TO_JOIN {createdAt, message}, INVITED_TO {createdAt, invitedBy}, BANNED_FROM
{createdAt, by, reason}, MUTED_IN {until, by, reason} (kept across leave and rejoin), and
(:Post)-[:PINNED_IN]->(:Group), (:Group)-[:ABOUT]->(:Interest).

`memberCount` is recounted from the MEMBER_OF edges by every statement that adds or
removes one, after the change: each such statement holds the group's write lock from the
edge change on (Neo4j locks both ends of a relationship it creates or deletes; FalkorDB
runs writes one at a time), so the count is exact under concurrent joins and leaves.
A group always keeps an owner: the statements that could remove the last one (leaving,
demotion) count the owners themselves under the group's lock (LOCK_GROUP) and refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.dialect import Dialect
from graph_db.migrations import GROUP_SEARCH
from graph_db.moderation import (
    audit,
    group_role,
    is_staff,
    moderates,
    open_reports,
    owns,
    sees_content,
)
from graph_db.notifications import notified, notify
from graph_db.people import PERSON_FIELDS
from graph_db.records import (
    GroupAccessRecord,
    GroupRecord,
    MembershipRecord,
    NotifiedRecord,
    PersonRecord,
)

MAX_PINNED_POSTS = 5

GROUP_FIELDS: LiteralString = (
    "g {.id, .name, .description, .visibility, .createdAt, .updatedAt, .archivedAt, "
    ".memberCount, .slowModeSeconds, interestIds: [(g)-[:ABOUT]->(gi:Interest) | gi.id], "
    "topics: [(g)-[:ABOUT]->(gt:Interest) | gt.name]}"
)



def recount(carry: LiteralString = "") -> LiteralString:
    """Recount `g`'s members after a membership change (see the module docstring), keeping
    the variables in `carry` (", a, b")."""
    return (
        " WITH DISTINCT g" + carry + ", [(g)<-[counted:MEMBER_OF]-(:Person) | 1] AS members"
        " SET g.memberCount = size(members)"
    )


RECOUNT: LiteralString = recount()

# A no-op write that takes Neo4j's exclusive lock on `g` before the owners are counted, so
# concurrent leaves and demotions count one at a time (FalkorDB serialises writes anyway).
LOCK_GROUP: LiteralString = " SET g.createdAt = g.createdAt"


def _group(row: dict[str, Any]) -> GroupRecord:
    return GroupRecord.from_row(row["group"])


GET_MANY: LiteralString = "UNWIND $ids AS id MATCH (g:Group {id: id}) RETURN " + GROUP_FIELDS + " AS group"


async def get_many(db: Executor, ids: Sequence[str]) -> list[GroupRecord | None]:
    """Groups by id, aligned with `ids`. A group itself (name, description) is public;
    its content is not (see `sees_content`)."""
    if not ids:
        return []
    rows = await db.read(GET_MANY, {"ids": list(dict.fromkeys(ids))})
    found = {row["group"]["id"]: _group(row) for row in rows}
    return [found.get(i) for i in ids]


ACCESS: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS id MATCH (g:Group {id: id}) "
    "OPTIONAL MATCH (v)-[:AUTHORED]->(ax)-[:ON*0..1]->()-[:IN_FORUM*0..1]->()-[:IN_GROUP]->(g) "
    "WHERE coalesce(g.slowModeSeconds, 0) > 0 "
    "WITH v, g, max(ax.createdAt) AS lastContributionAt "
    "RETURN g.id AS groupId, g.visibility AS visibility, g.archivedAt IS NOT NULL AS archived, "
    + group_role("v", "g") + " AS role, "
    "size([(v)-[ab:BANNED_FROM]->(g) | 1]) > 0 AS banned, "
    "[(v)-[au:MUTED_IN]->(g) | au.until][0] AS mutedUntil, "
    "size([(v)-[ar:REQUESTED_TO_JOIN]->(g) | 1]) > 0 AS requested, "
    "size([(v)-[ai:INVITED_TO]->(g) | 1]) > 0 AS invited, "
    "coalesce(g.slowModeSeconds, 0) AS slowModeSeconds, lastContributionAt"
)


async def get_access(
    db: Executor, ids: Sequence[str], *, viewer_id: str
) -> list[GroupAccessRecord | None]:
    """How the viewer stands in each group, aligned with `ids` (None: no such group, or no
    such viewer)."""
    if not ids:
        return []
    rows = await db.read(ACCESS, {"ids": list(dict.fromkeys(ids)), "viewer": viewer_id})
    found = {row["groupId"]: GroupAccessRecord.from_row(row) for row in rows}
    return [found.get(i) for i in ids]


# -- creating and changing groups ---------------------------------------------------------

LINK_INTERESTS: LiteralString = (
    " WITH DISTINCT a, g OPTIONAL MATCH (i:Interest) WHERE $setInterests AND i.id IN $interests"
    " WITH a, g, collect(i) AS interests"
    " FOREACH (it IN interests | MERGE (g)-[:ABOUT]->(it))"
)

CREATE_GROUP: LiteralString = (
    "MATCH (a:Person {id: $actor}) "
    "MERGE (g:Group {id: $id}) ON CREATE SET g.name = $name, g.description = $description, "
    "g.visibility = $visibility, g.createdAt = $now, g.updatedAt = $now, g.slowModeSeconds = 0, "
    "g.memberCount = 0 "
    "MERGE (a)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = 'OWNER', m.createdAt = $now"
    + LINK_INTERESTS + RECOUNT + " RETURN " + GROUP_FIELDS + " AS group"
)


async def create_group(
    db: Executor, *, id: str, actor_id: str, name: str, description: str, visibility: str,
    interest_ids: Sequence[str], now: int,
) -> GroupRecord | None:
    """Create a group (idempotent by `id`) with its creator as OWNER; unknown interest ids
    are ignored (the caller validates them). None if the actor does not exist."""
    rows = await db.write(
        CREATE_GROUP,
        {"id": id, "actor": actor_id, "name": name, "description": description,
         "visibility": visibility, "interests": list(interest_ids), "setInterests": True,
         "now": now},
    )
    return _group(rows[0]) if rows else None


UPDATE_GROUP: LiteralString = (
    "MATCH (a:Person {id: $actor}), (g:Group {id: $group}) "
    "WITH a, g, " + owns("a", "g") + " AS allowed WHERE allowed "
    "SET g += $changes, g.updatedAt = $now "
    "WITH a, g OPTIONAL MATCH (g)-[old:ABOUT]->(oi:Interest) "
    "WHERE $setInterests AND NOT oi.id IN $interests DELETE old"
    + LINK_INTERESTS + " WITH a, g"
    + audit("UPDATE_GROUP", actor="a", target="g", kind="GROUP", group="g", detail="$detail")
    + " RETURN " + GROUP_FIELDS + " AS group"
)


async def update_group(
    db: Executor, group_id: str, *, actor_id: str, changes: Mapping[str, Any],
    interest_ids: Sequence[str] | None, now: int, action_id: str,
) -> GroupRecord | None:
    """Apply validated changes (name, description, visibility) and, unless None, replace the
    interests; owners and admins only (None otherwise, or if there is no such group)."""
    rows = await db.write(
        UPDATE_GROUP,
        {"actor": actor_id, "group": group_id, "changes": dict(changes), "now": now,
         "setInterests": interest_ids is not None, "interests": list(interest_ids or ()),
         "detail": ", ".join(sorted([*changes, *(["interests"] if interest_ids is not None else [])])),
         "actionId": action_id, "reason": None},
    )
    return _group(rows[0]) if rows else None


def _archive(archived: bool) -> LiteralString:
    return (
        "MATCH (a:Person {id: $actor}), (g:Group {id: $group}) "
    "WITH a, g, " + owns("a", "g") + " AS allowed WHERE allowed "
        "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
        "WITH a, g, done WHERE g.archivedAt IS " + ("NULL" if archived else "NOT NULL") + " "
        "OR done IS NOT NULL "
        "SET g.archivedAt = " + ("$now" if archived else "null") + ", g.updatedAt = $now "
        "WITH a, g"
        + audit("ARCHIVE_GROUP" if archived else "UNARCHIVE_GROUP", actor="a", target="g",
                kind="GROUP", group="g")
        + " RETURN " + GROUP_FIELDS + " AS group"
    )


ARCHIVE_GROUP: LiteralString = _archive(True)
UNARCHIVE_GROUP: LiteralString = _archive(False)


async def set_archived(
    db: Executor, group_id: str, *, actor_id: str, archived: bool, reason: str | None, now: int,
    action_id: str,
) -> GroupRecord | None:
    """Archive (read-only: no joins, posts or threads) or unarchive a group; owners and
    admins only. None when refused or already in that state."""
    rows = await db.write(
        ARCHIVE_GROUP if archived else UNARCHIVE_GROUP,
        {"actor": actor_id, "group": group_id, "reason": reason, "now": now,
         "actionId": action_id},
    )
    return _group(rows[0]) if rows else None


# -- joining and leaving ----------------------------------------------------------------------

JOIN: LiteralString = (
    "MATCH (p:Person {id: $person}), (g:Group {id: $group}) "
    "WITH p, g, size([(p)-[jb:BANNED_FROM]->(g) | 1]) = 0 "
    "AND (g.visibility = 'PUBLIC' OR size([(p)-[ji:INVITED_TO]->(g) | 1]) > 0 "
    "  OR size([(p)-[jm:MEMBER_OF]->(g) | 1]) > 0) AS allowed "
    "WHERE allowed AND g.archivedAt IS NULL "
    "MERGE (p)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = 'MEMBER', m.createdAt = $now "
    "WITH p, g OPTIONAL MATCH (p)-[pending:REQUESTED_TO_JOIN|INVITED_TO]->(g) DELETE pending"
    + RECOUNT + " RETURN " + GROUP_FIELDS + " AS group"
)


async def join(db: Executor, group_id: str, *, person_id: str, now: int) -> GroupRecord | None:
    """Join a public group, or a private one the person is invited to (joining again changes
    nothing). None when the group is archived, private without an invitation, or the person
    is banned."""
    rows = await db.write(JOIN, {"person": person_id, "group": group_id, "now": now})
    return _group(rows[0]) if rows else None


LEAVE: LiteralString = (
    "MATCH (p:Person {id: $person})-[m:MEMBER_OF]->(g:Group {id: $group})" + LOCK_GROUP + " "
    "WITH p, g, m, [(g)<-[lo:MEMBER_OF]-(:Person) WHERE lo.role = 'OWNER' | 1] AS owners "
    "WITH p, g, m, m.role = 'OWNER' AND size(owners) <= 1 AS lastOwner "
    "FOREACH (gone IN CASE WHEN lastOwner THEN [] ELSE [m] END | DELETE gone) "
    "WITH g, lastOwner" + recount(", lastOwner")
    + " RETURN " + GROUP_FIELDS + " AS group, lastOwner"
)


async def leave(db: Executor, group_id: str, *, person_id: str) -> tuple[GroupRecord, bool] | None:
    """Leave a group: (group, False); (group, True) unchanged when the person is its last
    owner; None when they are not a member."""
    rows = await db.write(LEAVE, {"person": person_id, "group": group_id})
    return (_group(rows[0]), bool(rows[0]["lastOwner"])) if rows else None


REQUEST_TO_JOIN: LiteralString = (
    "MATCH (p:Person {id: $person}), (g:Group {id: $group}) "
    "WITH p, g, size([(p)-[rm:MEMBER_OF]->(g) | 1]) = 0 "
    "AND size([(p)-[rb:BANNED_FROM]->(g) | 1]) = 0 AS allowed "
    "WHERE allowed AND g.archivedAt IS NULL AND g.visibility = 'PRIVATE' "
    "OPTIONAL MATCH (p)-[known:REQUESTED_TO_JOIN]->(g) "
    "WITH p, g, known IS NULL AS created "
    "MERGE (p)-[r:REQUESTED_TO_JOIN]->(g) ON CREATE SET r.createdAt = $now, r.message = $message "
    "WITH p, g, created, [(g)<-[rq:MEMBER_OF]-(x:Person) WHERE rq.role IN ['OWNER', 'MODERATOR'] | x]"
    " AS moderators"
    + notify("JOIN_REQUEST", imports="p, g, created, moderators", recipients="moderators",
             actor="p", target="g", person="p", when="created")
    + " RETURN " + GROUP_FIELDS + " AS group, notified"
)


async def request_to_join(
    db: Executor, group_id: str, *, person_id: str, message: str | None, now: int
) -> tuple[GroupRecord | None, list[NotifiedRecord]]:
    """Ask to join a private group (again: no change); its owners and moderators are
    notified. None when archived, public, or the person is a member or banned."""
    rows = await db.write(
        REQUEST_TO_JOIN, {"person": person_id, "group": group_id, "message": message, "now": now}
    )
    return (_group(rows[0]), notified(rows)) if rows else (None, [])


def _answer(approve: bool) -> LiteralString:
    admit: LiteralString = (
        " MERGE (p)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = 'MEMBER', m.createdAt = $now"
        if approve else ""
    )
    tail: LiteralString = (
        " WITH a, g, p, answered"
        + notify("JOIN_APPROVED", imports="a, g, p, answered", recipients="[p]", actor="a",
                 target="g", when="answered")
        + " WITH g, notified" + recount(", notified")
        if approve else " WITH g, [] AS notified"
    )
    return (
        "MATCH (a:Person {id: $actor}), (g:Group {id: $group}), (p:Person {id: $person}) "
        "WITH a, g, p, " + moderates("a", "g") + " AS allowed WHERE allowed "
        "OPTIONAL MATCH (p)-[req:REQUESTED_TO_JOIN]->(g) "
        "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
        "WITH a, g, p, req, done WHERE (req IS NOT NULL "
        + ("AND g.archivedAt IS NULL " if approve else "") + ") OR done IS NOT NULL "
        "WITH a, g, p, req, done IS NULL AS answered "
        "FOREACH (x IN CASE WHEN req IS NULL THEN [] ELSE [req] END | DELETE x)" + admit
        + " WITH a, g, p, answered"
        + audit("APPROVE_JOIN_REQUEST" if approve else "DECLINE_JOIN_REQUEST", actor="a",
                target="p", kind="PERSON", group="g")
        + tail + " RETURN " + GROUP_FIELDS + " AS group, notified"
    )


APPROVE_JOIN_REQUEST: LiteralString = _answer(True)
DECLINE_JOIN_REQUEST: LiteralString = _answer(False)


async def answer_join_request(
    db: Executor, group_id: str, *, actor_id: str, person_id: str, approve: bool,
    reason: str | None, now: int, action_id: str,
) -> tuple[GroupRecord | None, list[NotifiedRecord]]:
    """Approve (the person becomes a MEMBER, and is told) or decline a pending request, as a
    moderator of the group. None when refused or there is no pending request."""
    rows = await db.write(
        APPROVE_JOIN_REQUEST if approve else DECLINE_JOIN_REQUEST,
        {"actor": actor_id, "group": group_id, "person": person_id, "reason": reason,
         "now": now, "actionId": action_id},
    )
    return (_group(rows[0]), notified(rows)) if rows else (None, [])


INVITE: LiteralString = (
    "MATCH (a:Person {id: $actor}), (g:Group {id: $group}), (p:Person {id: $person}) "
    "WHERE a <> p AND g.archivedAt IS NULL AND NOT (a)-[:BLOCKED]-(p) "
    "WITH a, g, p, size([(p)-[im:MEMBER_OF]->(g) | 1]) = 0 "
    "AND size([(p)-[ib:BANNED_FROM]->(g) | 1]) = 0 "
    "AND ((g.visibility = 'PUBLIC' AND size([(a)-[ia:MEMBER_OF]->(g) | 1]) > 0) "
    "  OR " + moderates("a", "g") + ") AS allowed WHERE allowed "
    "OPTIONAL MATCH (p)-[known:INVITED_TO]->(g) "
    "WITH a, g, p, known IS NULL AS created "
    "MERGE (p)-[i:INVITED_TO]->(g) ON CREATE SET i.createdAt = $now, i.invitedBy = a.id "
    "WITH a, g, p, created"
    + notify("GROUP_INVITE", imports="a, g, p, created", recipients="[p]", actor="a",
             target="g", when="created")
    + " RETURN " + GROUP_FIELDS + " AS group, notified"
)


async def invite(
    db: Executor, group_id: str, *, actor_id: str, person_id: str, now: int
) -> tuple[GroupRecord | None, list[NotifiedRecord]]:
    """Invite someone (notified once): any member to a public group, a moderator to any;
    an invitation lets the invitee join a private group without approval."""
    rows = await db.write(
        INVITE, {"actor": actor_id, "group": group_id, "person": person_id, "now": now}
    )
    return (_group(rows[0]), notified(rows)) if rows else (None, [])


# -- roles ----------------------------------------------------------------------------------

SET_ROLE: LiteralString = (
    "MATCH (a:Person {id: $actor}), (g:Group {id: $group}) "
    "WITH a, g, " + owns("a", "g") + " AS allowed WHERE allowed "
    "MATCH (p:Person {id: $person})-[m:MEMBER_OF]->(g)" + LOCK_GROUP + " "
    "WITH a, g, p, m, m.role AS before, "
    "[(g)<-[so:MEMBER_OF]-(:Person) WHERE so.role = 'OWNER' | 1] AS owners "
    "WITH a, g, p, m, before, before = 'OWNER' AND $role <> 'OWNER' AND size(owners) <= 1 "
    "AS lastOwner "
    "WITH a, g, p, m, before, lastOwner, NOT lastOwner AND before <> $role AS changed "
    "SET m.role = CASE WHEN changed THEN $role ELSE m.role END "
    "FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END |"
    + audit("SET_GROUP_ROLE", actor="a", target="p", kind="PERSON", group="g",
            detail="before + ' -> ' + $role")
    + ") RETURN before, lastOwner, m.role AS role"
)


async def set_role(
    db: Executor, group_id: str, *, actor_id: str, person_id: str, role: str, reason: str | None,
    now: int, action_id: str,
) -> tuple[str, bool] | None:
    """Give a member a group role, as an owner (or site admin). (role now, True) unchanged
    when that would leave the group without an owner; None when refused or not a member."""
    rows = await db.write(
        SET_ROLE,
        {"actor": actor_id, "group": group_id, "person": person_id, "role": role,
         "reason": reason, "now": now, "actionId": action_id},
    )
    return (rows[0]["role"], bool(rows[0]["lastOwner"])) if rows else None


# -- discipline: mute, ban ------------------------------------------------------------------

# Binds actorRole/targetRole and keeps only actors who outrank the target here: site staff
# and owners over moderators and members, moderators over members; never an owner, a site
# moderator or admin, or oneself.
def _disciplines(extra: LiteralString = "") -> LiteralString:
    return (
        "MATCH (a:Person {id: $actor}), (g:Group {id: $group}), (p:Person {id: $person}) "
        "WITH a, g, p, " + group_role("a", "g", "A") + " AS actorRole, "
        + group_role("p", "g", "T") + " AS targetRole "
        "WHERE a <> p AND NOT " + is_staff("p") + " AND coalesce(targetRole, '') <> 'OWNER' "
        "AND (" + is_staff("a") + " OR actorRole = 'OWNER' "
        "  OR (actorRole = 'MODERATOR' AND coalesce(targetRole, '') <> 'MODERATOR')) "
        "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
        "WITH a, g, p, done, " + (extra or "true") + " AS pending "
        "WHERE done IS NOT NULL OR pending "
    )


MUTE: LiteralString = (
    _disciplines()
    + "MERGE (p)-[mu:MUTED_IN]->(g) SET mu.until = $until, mu.createdAt = $now, mu.by = a.id, "
    "mu.reason = $reason "
    "WITH a, g, p, " + open_reports("p", "g") + " AS reports"
    + audit("MUTE_MEMBER", actor="a", target="p", kind="PERSON", group="g", until="$until",
            reports="reports")
    + " RETURN g.id AS id"
)

UNMUTE: LiteralString = (
    _disciplines("size([(p)-[um:MUTED_IN]->(g) | 1]) > 0")
    + "OPTIONAL MATCH (p)-[mu:MUTED_IN]->(g) DELETE mu WITH DISTINCT a, g, p"
    + audit("UNMUTE_MEMBER", actor="a", target="p", kind="PERSON", group="g")
    + " RETURN g.id AS id"
)

BAN: LiteralString = (
    _disciplines("size([(p)-[bb:BANNED_FROM]->(g) | 1]) = 0")
    + "MERGE (p)-[b:BANNED_FROM]->(g) ON CREATE SET b.createdAt = $now, b.by = a.id, "
    "b.reason = $reason "
    "WITH a, g, p OPTIONAL MATCH (p)-[gone:MEMBER_OF|REQUESTED_TO_JOIN|INVITED_TO]->(g) "
    "DELETE gone WITH DISTINCT a, g, p, " + open_reports("p", "g") + " AS reports"
    + audit("BAN_MEMBER", actor="a", target="p", kind="PERSON", group="g", reports="reports")
    + RECOUNT + " RETURN g.id AS id"
)

UNBAN: LiteralString = (
    _disciplines("size([(p)-[ub:BANNED_FROM]->(g) | 1]) > 0")
    + "OPTIONAL MATCH (p)-[b:BANNED_FROM]->(g) DELETE b WITH DISTINCT a, g, p"
    + audit("UNBAN_MEMBER", actor="a", target="p", kind="PERSON", group="g")
    + " RETURN g.id AS id"
)

DISCIPLINE: dict[str, LiteralString] = {
    "MUTE": MUTE, "UNMUTE": UNMUTE, "BAN": BAN, "UNBAN": UNBAN,
}


async def discipline(
    db: Executor, what: str, group_id: str, *, actor_id: str, person_id: str,
    reason: str | None, now: int, action_id: str, until: int | None = None,
) -> bool:
    """MUTE (until `until`: cannot post), UNMUTE, BAN (membership, request and invitation
    go; cannot rejoin) or UNBAN a person in a group. False when the actor does not outrank
    them there, or there is nothing to undo."""
    rows = await db.write(
        DISCIPLINE[what],
        {"actor": actor_id, "group": group_id, "person": person_id, "reason": reason,
         "now": now, "actionId": action_id, "until": until},
    )
    return bool(rows)


SLOW_MODE: LiteralString = (
    "MATCH (a:Person {id: $actor}), (g:Group {id: $group}) "
    "WITH a, g, " + moderates("a", "g") + " AS allowed WHERE allowed "
    "SET g.slowModeSeconds = $seconds WITH a, g"
    + audit("SET_SLOW_MODE", actor="a", target="g", kind="GROUP", group="g", seconds="$seconds")
    + " RETURN " + GROUP_FIELDS + " AS group"
)


async def set_slow_mode(
    db: Executor, group_id: str, *, actor_id: str, seconds: int, reason: str | None, now: int,
    action_id: str,
) -> GroupRecord | None:
    """Set the minimum seconds between a member's contributions in the group (0: off)."""
    rows = await db.write(
        SLOW_MODE,
        {"actor": actor_id, "group": group_id, "seconds": seconds, "reason": reason, "now": now,
         "actionId": action_id},
    )
    return _group(rows[0]) if rows else None


# -- pinned posts ---------------------------------------------------------------------------

PIN_POST: LiteralString = (
    "MATCH (a:Person {id: $actor}), (p:Post {id: $post})-[:IN_GROUP]->(g:Group) "
    "WHERE p.removedAt IS NULL WITH a, p, g, " + moderates("a", "g") + " AS allowed "
    "WHERE allowed OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
    "WITH a, p, g, done, [(g)<-[pp:PINNED_IN]-(:Post) | 1] AS pins, "
    "size([(p)-[already:PINNED_IN]->(g) | 1]) = 0 AS unpinned "
    "WHERE done IS NOT NULL OR (unpinned AND size(pins) < $maxPins) "
    "MERGE (p)-[pin:PINNED_IN]->(g) ON CREATE SET pin.createdAt = $now, pin.by = a.id "
    "WITH a, p, g" + audit("PIN_POST", actor="a", target="p", kind="POST", group="g")
    + " RETURN g.id AS id"
)

UNPIN_POST: LiteralString = (
    "MATCH (a:Person {id: $actor}), (p:Post {id: $post})-[:IN_GROUP]->(g:Group) "
    "WITH a, p, g, " + moderates("a", "g") + " AS allowed WHERE allowed "
    "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
    "OPTIONAL MATCH (p)-[pin:PINNED_IN]->(g) "
    "WITH a, p, g, done, pin WHERE done IS NOT NULL OR pin IS NOT NULL "
    "FOREACH (x IN CASE WHEN pin IS NULL THEN [] ELSE [pin] END | DELETE x) "
    "WITH a, p, g" + audit("UNPIN_POST", actor="a", target="p", kind="POST", group="g")
    + " RETURN g.id AS id"
)


async def set_pinned(
    db: Executor, post_id: str, *, actor_id: str, pinned: bool, reason: str | None, now: int,
    action_id: str,
) -> bool:
    """Pin (at most MAX_PINNED_POSTS per group) or unpin a group's post, as a moderator of
    that group. False when refused, full, or already in that state."""
    rows = await db.write(
        PIN_POST if pinned else UNPIN_POST,
        {"actor": actor_id, "post": post_id, "reason": reason, "now": now,
         "actionId": action_id, "maxPins": MAX_PINNED_POSTS},
    )
    return bool(rows)


PINNED_POST_IDS: LiteralString = (
    "MATCH (:Group {id: $group})<-[pin:PINNED_IN]-(p:Post) WHERE p.removedAt IS NULL "
    "RETURN p.id AS id ORDER BY pin.createdAt DESC, p.id"
)


async def list_pinned_post_ids(db: Executor, group_id: str) -> list[str]:
    """Ids of the group's pinned posts, last pinned first; the caller loads them through the
    viewer's visibility rules."""
    rows = await db.read(PINNED_POST_IDS, {"group": group_id})
    return [row["id"] for row in rows]


# -- lists ----------------------------------------------------------------------------------

MEMBER_CURSOR: LiteralString = (
    "($at IS NULL OR m.createdAt > $at OR (m.createdAt = $at AND p.id > $cursorId))"
)

LIST_MEMBERS: LiteralString = (
    "MATCH (v:Person {id: $viewer}), (g:Group {id: $group}) "
    "WITH v, g, " + sees_content("v", "g") + " AS allowed WHERE allowed "
    "MATCH (g)<-[m:MEMBER_OF]-(p:Person) "
    "WHERE ($role IS NULL OR m.role = $role) AND " + MEMBER_CURSOR + " AND NOT (v)-[:BLOCKED]-(p) "
    "RETURN " + PERSON_FIELDS + " AS person, m.role AS role, m.createdAt AS since "
    "ORDER BY m.createdAt, p.id LIMIT $limit"
)


def _pending(rel: LiteralString, note: LiteralString) -> LiteralString:
    return (
        "MATCH (g:Group {id: $group})<-[m:" + rel + "]-(p:Person) WHERE " + MEMBER_CURSOR + " "
        "RETURN " + PERSON_FIELDS + " AS person, null AS role, m.createdAt AS since, "
        + note + " AS note ORDER BY m.createdAt, p.id LIMIT $limit"
    )


LIST_JOIN_REQUESTS: LiteralString = _pending("REQUESTED_TO_JOIN", "m.message")
LIST_BANNED: LiteralString = _pending("BANNED_FROM", "m.reason")

MEMBER_LISTS: dict[str, LiteralString] = {
    "MEMBERS": LIST_MEMBERS, "REQUESTS": LIST_JOIN_REQUESTS, "BANNED": LIST_BANNED,
}


async def list_people(
    db: Executor, which: str, group_id: str, *, viewer_id: str, role: str | None = None,
    after: tuple[int, str] | None, limit: int,
) -> list[MembershipRecord]:
    """MEMBERS (those the viewer may see: nothing of a private group to non-members),
    REQUESTS (pending join requests) or BANNED people of a group, oldest first, after the
    keyset (since, person id). The caller checks who may read REQUESTS and BANNED."""
    at, last_id = after if after else (None, None)
    rows = await db.read(
        MEMBER_LISTS[which],
        {"group": group_id, "viewer": viewer_id, "role": role, "at": at, "cursorId": last_id,
         "limit": limit},
    )
    return [
        MembershipRecord(
            person=PersonRecord.from_row(r["person"]), role=r["role"], since=r["since"],
            note=r.get("note"),
        )
        for r in rows
    ]


# Projected (FalkorDB filters on a pattern comprehension only once it is a projected value).
GROUP_FILTER: LiteralString = (
    "($archived OR g.archivedAt IS NULL) AND ($interest IS NULL OR "
    "size([(g)-[fi:ABOUT]->(fii:Interest) WHERE fii.id = $interest | 1]) > 0) AS wanted"
)
NEWEST_CURSOR: LiteralString = (
    "($at IS NULL OR g.createdAt < $at OR (g.createdAt = $at AND g.id < $cursorId))"
)

LIST_GROUPS: LiteralString = (
    "MATCH (g:Group) WHERE " + NEWEST_CURSOR + " WITH g, " + GROUP_FILTER + " WHERE wanted "
    "RETURN " + GROUP_FIELDS + " AS group, g.createdAt AS rank "
    "ORDER BY g.createdAt DESC, g.id DESC LIMIT $limit"
)

LIST_JOINED: LiteralString = (
    "MATCH (:Person {id: $viewer})-[:MEMBER_OF]->(g:Group) "
    "WHERE " + NEWEST_CURSOR + " WITH g, " + GROUP_FILTER + " WHERE wanted "
    "RETURN " + GROUP_FIELDS + " AS group, g.createdAt AS rank "
    "ORDER BY g.createdAt DESC, g.id DESC LIMIT $limit"
)

# Search: the full-text call comes from the dialect; relevance first, then id.
SEARCH_TAIL: LiteralString = (
    " WITH node AS g, score WHERE ($at IS NULL OR score < $at OR (score = $at AND g.id > $cursorId)) "
    "WITH g, score, " + GROUP_FILTER + ", "
    "NOT $joined OR size([(:Person {id: $viewer})-[sj:MEMBER_OF]->(g) | 1]) > 0 AS mine "
    "WHERE wanted AND mine "
    "RETURN " + GROUP_FIELDS + " AS group, score AS rank ORDER BY score DESC, g.id LIMIT $limit"
)


def search_query(dialect: Dialect) -> LiteralString:
    return dialect.fulltext_nodes(GROUP_SEARCH, "$q") + SEARCH_TAIL


async def list_groups(
    db: Executor, *, viewer_id: str, query: str | None, interest_id: str | None, joined: bool,
    include_archived: bool, after: tuple[float, str] | None, limit: int,
) -> list[tuple[GroupRecord, float]]:
    """Groups with their keyset rank: matching `query` in name or description (relevance,
    then id), else newest first (createdAt, id); optionally only those about an interest,
    or those the viewer belongs to. Private groups are listed (their name and description
    are public); their content is not."""
    at, last_id = after if after else (None, None)
    params: dict[str, Any] = {
        "viewer": viewer_id, "interest": interest_id, "joined": joined,
        "archived": include_archived, "at": at, "cursorId": last_id, "limit": limit,
    }
    if query is not None:
        text = db.dialect.fulltext_query(query)
        if text is None:
            return []
        rows = await db.read(search_query(db.dialect), {**params, "q": text})
    else:
        rows = await db.read(LIST_JOINED if joined else LIST_GROUPS, params)
    return [(_group(row), row["rank"]) for row in rows]


# -- bulk writes (synthetic networks, imports) -------------------------------------------

CREATE_MANY: LiteralString = (
    "UNWIND $rows AS row MATCH (a:Person {id: row.ownerId}) "
    "MERGE (g:Group {id: row.id}) ON CREATE SET g.name = row.name, "
    "g.description = row.description, g.visibility = row.visibility, "
    "g.createdAt = row.createdAt, g.updatedAt = row.createdAt, g.slowModeSeconds = 0 "
    "MERGE (a)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = 'OWNER', m.createdAt = row.createdAt "
    "WITH g, row OPTIONAL MATCH (p:Person) WHERE p.id IN row.memberIds "
    "WITH g, row, collect(p) AS joining "
    "FOREACH (x IN joining | MERGE (x)-[j:MEMBER_OF]->(g) "
    "  ON CREATE SET j.role = 'MEMBER', j.createdAt = row.createdAt)"
    + RECOUNT + " RETURN count(g) AS n"
)


async def create_many(db: Executor, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create groups with their members in one statement, idempotent by id; no notifications.

    Each row: id, ownerId, name, description, visibility, createdAt, memberIds (may be empty).
    """
    if rows:
        await db.write(
            CREATE_MANY,
            {"rows": [{"description": "", "visibility": "PUBLIC", "memberIds": [], **dict(r)}
                      for r in rows]},
        )
