"""Moderating a group's members and posts: mute, ban, slow mode, pinned posts."""

from __future__ import annotations

from typing import LiteralString

from graph_db.backend import Executor
from graph_db.groups.core import GROUP_FIELDS, MAX_PINNED_POSTS, RECOUNT, group_record
from graph_db.groups.records import GroupRecord
from graph_db.moderation import audit, audited, audited_write, open_reports
from graph_db.policy import MODERATOR, OWNER, banned, group_role, is_staff, live, moderates, text

# -- discipline: mute, ban ------------------------------------------------------------------

# Binds actorRole/targetRole and keeps only actors who outrank the target here: site staff
# and owners over moderators and members, moderators over members; never an owner, a site
# moderator or admin, or oneself.
def _disciplines(extra: LiteralString = "") -> LiteralString:
    return (
        "MATCH (a:Person {id: $actor}), (g:Group {id: $group}), (p:Person {id: $person}) "
        "WITH a, g, p, " + group_role("a", "g", "A") + " AS actorRole, "
        + group_role("p", "g", "T") + " AS targetRole "
        "WHERE a <> p AND NOT " + is_staff("p") + " AND coalesce(targetRole, '') <> " + text(OWNER)
        + " AND (" + is_staff("a") + " OR actorRole = " + text(OWNER)
        + " OR (actorRole = " + text(MODERATOR) + " AND coalesce(targetRole, '') <> "
        + text(MODERATOR) + ")) "
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
    _disciplines("NOT " + banned("p", "g"))
    + "MERGE (p)-[b:BANNED_FROM]->(g) ON CREATE SET b.createdAt = $now, b.by = a.id, "
    "b.reason = $reason "
    "WITH a, g, p OPTIONAL MATCH (p)-[gone:MEMBER_OF|REQUESTED_TO_JOIN|INVITED_TO]->(g) "
    "DELETE gone WITH DISTINCT a, g, p, " + open_reports("p", "g") + " AS reports"
    + audit("BAN_MEMBER", actor="a", target="p", kind="PERSON", group="g", reports="reports")
    + RECOUNT + " RETURN g.id AS id"
)

UNBAN: LiteralString = (
    _disciplines(banned("p", "g"))
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
    return await audited_write(
        db, DISCIPLINE[what], actor_id, reason, now, action_id,
        {"group": group_id, "person": person_id, "until": until},
    )


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
        {**audited(actor_id, reason, now, action_id), "group": group_id, "seconds": seconds},
    )
    return group_record(rows[0]) if rows else None


# -- pinned posts ---------------------------------------------------------------------------

PIN_POST: LiteralString = (
    "MATCH (a:Person {id: $actor}), (p:Post {id: $post})-[:IN_GROUP]->(g:Group) "
    "WHERE " + live("p") + " WITH a, p, g, " + moderates("a", "g") + " AS allowed "
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
    return await audited_write(
        db, PIN_POST if pinned else UNPIN_POST, actor_id, reason, now, action_id,
        {"post": post_id, "maxPins": MAX_PINNED_POSTS},
    )


PINNED_POST_IDS: LiteralString = (
    "MATCH (:Group {id: $group})<-[pin:PINNED_IN]-(p:Post) WHERE " + live("p") + " "
    "RETURN p.id AS id ORDER BY pin.createdAt DESC, p.id"
)


async def list_pinned_post_ids(db: Executor, group_id: str) -> list[str]:
    """Ids of the group's pinned posts, last pinned first; the caller loads them through the
    viewer's visibility rules."""
    rows = await db.read(PINNED_POST_IDS, {"group": group_id})
    return [row["id"] for row in rows]
