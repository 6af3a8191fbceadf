"""Joining and leaving groups, join requests, invitations and roles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.groups.core import GROUP_FIELDS, LOCK_GROUP, RECOUNT, group_record, recount
from graph_db.groups.records import GroupRecord
from graph_db.moderation import audit, audited
from graph_db.notifications import merge_edge, notified, notify
from graph_db.policy import (
    GROUP_MODERATOR_ROLES,
    MEMBER,
    OWNER,
    banned,
    blocked,
    is_member,
    is_private,
    may_invite,
    may_join,
    moderates,
    owns,
    text,
    text_list,
)
from graph_db.social_records import NotifiedRecord

# -- joining and leaving ----------------------------------------------------------------------

JOIN: LiteralString = (
    "MATCH (p:Person {id: $person}), (g:Group {id: $group})" + LOCK_GROUP +
    "WITH p, g, " + may_join("p", "g") + " AS allowed "
    "WHERE allowed AND g.archivedAt IS NULL "
    "MERGE (p)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = " + text(MEMBER) + ", m.createdAt = $now "
    "WITH p, g OPTIONAL MATCH (p)-[pending:REQUESTED_TO_JOIN|INVITED_TO]->(g) DELETE pending"
    + RECOUNT + " RETURN " + GROUP_FIELDS + " AS group"
)


async def join(db: Executor, group_id: str, *, person_id: str, now: int) -> GroupRecord | None:
    """Join a public group, or a private one the person is invited to (joining again changes
    nothing). None when the group is archived, private without an invitation, or the person
    is banned."""
    rows = await db.write(JOIN, {"person": person_id, "group": group_id, "now": now})
    return group_record(rows[0]) if rows else None


LEAVE: LiteralString = (
    "MATCH (p:Person {id: $person})-[m:MEMBER_OF]->(g:Group {id: $group})" + LOCK_GROUP + " "
    "WITH p, g, m, [(g)<-[lo:MEMBER_OF]-(:Person) WHERE lo.role = " + text(OWNER) + " | 1] AS owners "
    "WITH p, g, m, m.role = " + text(OWNER) + " AND size(owners) <= 1 AS lastOwner "
    "FOREACH (gone IN CASE WHEN lastOwner THEN [] ELSE [m] END | DELETE gone) "
    "WITH g, lastOwner" + recount(", lastOwner")
    + " RETURN " + GROUP_FIELDS + " AS group, lastOwner"
)


async def leave(db: Executor, group_id: str, *, person_id: str) -> tuple[GroupRecord, bool] | None:
    """Leave a group: (group, False); (group, True) unchanged when the person is its last
    owner; None when they are not a member."""
    rows = await db.write(LEAVE, {"person": person_id, "group": group_id})
    return (group_record(rows[0]), bool(rows[0]["lastOwner"])) if rows else None


REQUEST_TO_JOIN: LiteralString = (
    "MATCH (p:Person {id: $person}), (g:Group {id: $group}) "
    "WITH p, g, NOT " + is_member("p", "g") + " AND NOT " + banned("p", "g") + " AS allowed "
    "WHERE allowed AND g.archivedAt IS NULL AND " + is_private("g") + " "
    "OPTIONAL MATCH (p)-[known:REQUESTED_TO_JOIN]->(g) "
    "WITH p, g, known IS NULL AS created "
    "MERGE (p)-[r:REQUESTED_TO_JOIN]->(g) ON CREATE SET r.createdAt = $now, r.message = $message "
    "WITH p, g, created, [(g)<-[rq:MEMBER_OF]-(x:Person) WHERE rq.role IN "
    + text_list(GROUP_MODERATOR_ROLES) + " | x]"
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
    return (group_record(rows[0]), notified(rows)) if rows else (None, [])


def _answer(approve: bool) -> LiteralString:
    admit: LiteralString = (
        " MERGE (p)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = " + text(MEMBER) + ", m.createdAt = $now"
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
        {**audited(actor_id, reason, now, action_id), "group": group_id, "person": person_id},
    )
    return (group_record(rows[0]), notified(rows)) if rows else (None, [])


INVITE: LiteralString = (
    "MATCH (a:Person {id: $actor}), (g:Group {id: $group}), (p:Person {id: $person}) "
    "WHERE a <> p AND g.archivedAt IS NULL AND NOT " + blocked("a", "p") + " "
    "WITH a, g, p, NOT " + is_member("p", "g") + " AND NOT " + banned("p", "g") + " "
    "AND " + may_invite("a", "g") + " AS allowed WHERE allowed "
    + merge_edge("p", "INVITED_TO", "g", "a, g, p", on_create=", made.invitedBy = a.id")
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
    return (group_record(rows[0]), notified(rows)) if rows else (None, [])


# -- roles ----------------------------------------------------------------------------------

SET_ROLE: LiteralString = (
    "MATCH (a:Person {id: $actor}), (g:Group {id: $group}) "
    "WITH a, g, " + owns("a", "g") + " AS allowed WHERE allowed "
    "MATCH (p:Person {id: $person})-[m:MEMBER_OF]->(g)" + LOCK_GROUP + " "
    "WITH a, g, p, m, m.role AS before, "
    "[(g)<-[so:MEMBER_OF]-(:Person) WHERE so.role = " + text(OWNER) + " | 1] AS owners "
    "WITH a, g, p, m, before, before = " + text(OWNER) + " AND $role <> " + text(OWNER)
    + " AND size(owners) <= 1 "
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
        {**audited(actor_id, reason, now, action_id), "group": group_id, "person": person_id, "role": role},
    )
    return (rows[0]["role"], bool(rows[0]["lastOwner"])) if rows else None


# -- bulk writes (synthetic networks, imports) -------------------------------------------

ADD_MEMBERS_MANY: LiteralString = (
    "UNWIND $rows AS row MATCH (g:Group {id: row.groupId}) MATCH (p:Person {id: row.personId}) "
    "MERGE (p)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = " + text(MEMBER) + ", m.createdAt = row.createdAt "
    # One recount per group, not per row (the comprehension is evaluated before DISTINCT).
    "WITH DISTINCT g" + RECOUNT + " RETURN count(g) AS n"
)


async def add_members_many(db: Executor, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add members to groups in one statement (idempotent per pair; an existing member
    keeps their role); no notifications. Each row: groupId, personId, createdAt."""
    if rows:
        await db.write(ADD_MEMBERS_MANY, {"rows": [dict(r) for r in rows]})
