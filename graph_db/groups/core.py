"""Groups: the Group node, reading, creating and changing groups, and lists and search."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.batch import Batch, aligned, aligned_reader, by_ids
from graph_db.dialect import Dialect
from graph_db.groups.records import GroupAccessRecord, GroupRecord, MembershipRecord
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.migrations import GROUP_SEARCH
from graph_db.moderation import audit, audited
from graph_db.people import PERSON_FIELDS
from graph_db.people_records import PersonRecord
from graph_db.policy import MEMBER, OWNER, PUBLIC, banned, blocked, group_role, owns, sees_content, text

MAX_PINNED_POSTS = 5

GROUP_FIELDS: LiteralString = (
    "g {.id, .name, .description, .visibility, .createdAt, .updatedAt, .archivedAt, "
    ".memberCount, .slowModeSeconds, about: [(g)-[:ABOUT]->(gi:Interest) | [gi.id, gi.name]]}"
)


def recount(carry: LiteralString = "") -> LiteralString:
    """Recount `g`'s members after a membership change (see graph_db.groups), keeping
    the variables in `carry` (", a, b")."""
    return (
        " WITH DISTINCT g" + carry + ", [(g)<-[counted:MEMBER_OF]-(:Person) | 1] AS members"
        " SET g.memberCount = size(members)"
    )


RECOUNT: LiteralString = recount()

# Takes the group's write lock before the owners are counted (graph_db.locks), so
# concurrent leaves and demotions count one at a time.
LOCK_GROUP: LiteralString = lock("g")


def group_record(row: dict[str, Any]) -> GroupRecord:
    """A GroupRecord from a row with a `group` column (GROUP_FIELDS)."""
    return GroupRecord.from_row(row["group"])


GET_MANY: LiteralString = by_ids("g", "Group", GROUP_FIELDS, "group")
# Groups by id, aligned with `ids`. A group itself (name, description) is public;
# its content is not (see `sees_content`).
get_many = aligned_reader(GET_MANY, "group", GroupRecord.from_row)


ACCESS: LiteralString = (
    "MATCH (v:Person {id: $viewer}) UNWIND $ids AS id MATCH (g:Group {id: id}) "
    "OPTIONAL MATCH (v)-[:AUTHORED]->(ax)-[:ON*0..1]->()-[:IN_FORUM*0..1]->()-[:IN_GROUP]->(g) "
    "WHERE coalesce(g.slowModeSeconds, 0) > 0 "
    "WITH v, g, max(ax.createdAt) AS lastContributionAt "
    "RETURN g.id AS groupId, g.visibility AS visibility, g.archivedAt IS NOT NULL AS archived, "
    + group_role("v", "g") + " AS role, "
    + banned("v", "g") + " AS banned, "
    "[(v)-[au:MUTED_IN]->(g) | au.until][0] AS mutedUntil, "
    "size([(v)-[ar:REQUESTED_TO_JOIN]->(g) | 1]) > 0 AS requested, "
    "size([(v)-[ai:INVITED_TO]->(g) | 1]) > 0 AS invited, "
    "coalesce(g.slowModeSeconds, 0) AS slowModeSeconds, lastContributionAt"
)


# How `$viewer` stands in each group (aligned; None: no such group or viewer).
ACCESS_OF = Batch(ACCESS, aligned(itemgetter("groupId"), GroupAccessRecord.from_row))


async def get_access(
    db: Executor, ids: Sequence[str], *, viewer_id: str
) -> list[GroupAccessRecord | None]:
    """How the viewer stands in each group, aligned with `ids` (None: no such group, or no
    such viewer)."""
    return await ACCESS_OF.get(db, ids, {"viewer": viewer_id})


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
    "MERGE (a)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = " + text(OWNER) + ", m.createdAt = $now"
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
    return group_record(rows[0]) if rows else None


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
        {**audited(actor_id, None, now, action_id), "group": group_id, "changes": dict(changes),
         "setInterests": interest_ids is not None, "interests": list(interest_ids or ()),
         "detail": ", ".join(sorted([*changes, *(["interests"] if interest_ids is not None else [])]))},
    )
    return group_record(rows[0]) if rows else None


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
        {**audited(actor_id, reason, now, action_id), "group": group_id},
    )
    return group_record(rows[0]) if rows else None


# -- lists ----------------------------------------------------------------------------------

MEMBER_CURSOR: LiteralString = past_cursor("m.createdAt", "p.id", descending=False)

LIST_MEMBERS: LiteralString = (
    "MATCH (v:Person {id: $viewer}), (g:Group {id: $group}) "
    "WITH v, g, " + sees_content("v", "g") + " AS allowed WHERE allowed "
    "MATCH (g)<-[m:MEMBER_OF]-(p:Person) "
    "WHERE ($role IS NULL OR m.role = $role) AND " + MEMBER_CURSOR + " AND NOT " + blocked("v", "p") + " "
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
    rows = await db.read(
        MEMBER_LISTS[which],
        {"group": group_id, "viewer": viewer_id, "role": role, **cursor_params(after), "limit": limit},
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
NEWEST_CURSOR: LiteralString = past_cursor("g.createdAt", "g.id", descending=True)

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
    params: dict[str, Any] = {
        "viewer": viewer_id, "interest": interest_id, "joined": joined,
        "archived": include_archived, **cursor_params(after), "limit": limit,
    }
    if query is not None:
        text = db.dialect.fulltext_query(query)
        if text is None:
            return []
        rows = await db.read(search_query(db.dialect), {**params, "q": text})
    else:
        rows = await db.read(LIST_JOINED if joined else LIST_GROUPS, params)
    return [(group_record(row), row["rank"]) for row in rows]


# -- bulk writes (synthetic networks, imports) -------------------------------------------

CREATE_MANY: LiteralString = (
    "UNWIND $rows AS row MATCH (a:Person {id: row.ownerId}) "
    "MERGE (g:Group {id: row.id}) ON CREATE SET g.name = row.name, "
    "g.description = row.description, g.visibility = row.visibility, "
    "g.createdAt = row.createdAt, g.updatedAt = row.createdAt, g.slowModeSeconds = 0 "
    "MERGE (a)-[m:MEMBER_OF]->(g) ON CREATE SET m.role = " + text(OWNER) + ", m.createdAt = row.createdAt "
    "WITH g, row OPTIONAL MATCH (p:Person) WHERE p.id IN row.memberIds "
    "WITH g, row, collect(p) AS joining "
    "FOREACH (x IN joining | MERGE (x)-[j:MEMBER_OF]->(g) "
    "  ON CREATE SET j.role = " + text(MEMBER) + ", j.createdAt = row.createdAt)"
    + RECOUNT + " RETURN count(g) AS n"
)


async def create_many(db: Executor, rows: Sequence[Mapping[str, Any]]) -> None:
    """Create groups with their members in one statement, idempotent by id; no notifications.

    Each row: id, ownerId, name, description, visibility, createdAt, memberIds (may be empty).
    """
    if rows:
        await db.write(
            CREATE_MANY,
            {"rows": [{"description": "", "visibility": PUBLIC, "memberIds": [], **dict(r)}
                      for r in rows]},
        )
