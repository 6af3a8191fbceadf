"""Digests: emails gathering what a member has not read yet, one per member, kind and period.

Two kinds, each an EmailOutbox entry (graph_db.outbox) sent by the delivery worker:
- NOTIFICATION_DIGEST, by `emailNotifications` (DAILY, the default, WEEKLY or NEVER): the
  unread notifications (graph_db.notifications) last active in the period;
- MESSAGE_DIGEST, daily, for members whose `emailMessages` is DIGEST: the unread messages of
  the period they got no immediate email for (muted conversations and blocked senders left out).

A period is a window [start, end) of epoch milliseconds ending at the digest hour in the
member's `timeZone` (graph_api.mail.digest works the windows out per time zone; the key names
its last local day, `D2027-01-15` or `W2027-01-18`). `schedule_*` MERGEs one entry per member
with something to tell, id `<kind>:<member id>:<key>` (unique, like every outbox id), so any
number of workers scheduling the same period, and any driver retry, make one entry, claimed
and sent once. The scheduling statements first lock one guard node (graph_db.locks): they read
what members have before writing, and on Neo4j two of them then run one after the other. Each
(kind, zone, period) is scheduled once (a DigestRun marker): a member who turns a digest on
after their zone's period was scheduled gets the next one.

What a digest says is read again when it is sent (`gather`): a member who has read
everything since, or switched the digest off, gets nothing (the entry is cancelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, LiteralString

from graph_db.backend import Executor, first_count
from graph_db.locks import lock
from graph_db.notifications import RECIPIENT, SHOWN
from graph_db.policy import blocks_with_id

MESSAGE_DIGEST = "MESSAGE_DIGEST"
NOTIFICATION_DIGEST = "NOTIFICATION_DIGEST"
KINDS: tuple[str, ...] = (MESSAGE_DIGEST, NOTIFICATION_DIGEST)
MAX_ITEMS = 50  # items listed in one digest; the rest are counted


@dataclass(frozen=True, slots=True)
class Period:
    """One digest window in one time zone; `cadence` is DAILY or WEEKLY."""

    zone: str
    key: str
    start: int
    end: int
    cadence: str = "DAILY"

    def as_param(self) -> dict[str, Any]:
        return {"zone": self.zone, "key": self.key, "start": self.start, "end": self.end,
                "cadence": self.cadence}


def entry_id(kind: str, person_id: str, key: str) -> str:
    """The outbox id of a member's digest of one kind and period."""
    return f"{kind}:{person_id}:{key}"


@dataclass(frozen=True, slots=True)
class DigestMessageRecord:
    id: str
    body: str
    createdAt: int
    conversationId: str
    conversationKind: str
    conversationName: str | None
    senderName: str


@dataclass(frozen=True, slots=True)
class DigestNotificationRecord:
    id: str
    kind: str
    updatedAt: int
    count: int
    actorName: str
    targetId: str
    postId: str | None = None


@dataclass(frozen=True, slots=True)
class DigestContent:
    """What one digest lists (at most MAX_ITEMS of `total`); `wanted` is False when the member
    has switched this digest off since it was scheduled."""

    kind: str
    wanted: bool
    timeZone: str = "UTC"
    periodStart: int = 0
    periodEnd: int = 0
    total: int = 0
    messages: tuple[DigestMessageRecord, ...] = ()
    notifications: tuple[DigestNotificationRecord, ...] = ()


LIST_ZONES: LiteralString = (
    "MATCH (p:Person) WHERE p.emailMessages = 'DIGEST' "
    "OR coalesce(p.emailNotifications, 'DAILY') <> 'NEVER' "
    "RETURN DISTINCT coalesce(p.timeZone, 'UTC') AS zone"
)


async def list_zones(db: Executor) -> list[str]:
    """The time zones of members who get any digest (each zone's periods are worked out once)."""
    return sorted(str(r["zone"]) for r in await db.read(LIST_ZONES))


_GUARD: LiteralString = "MERGE (guard:Guard {id: 'digest-schedule'})" + lock("guard")

# The period's unread messages to `p` (imports p, since, until): muted conversations, their
# own messages and deleted ones left out. (Whether each was emailed is checked when sending.)
_UNREAD_MESSAGES: LiteralString = (
    "size([(p)-[q:PARTICIPATES_IN]->(:Conversation)<-[:IN]-(m:Message) "
    "WHERE q.leftAt IS NULL AND coalesce(q.muted, false) = false AND m.senderId <> p.id "
    "AND m.deletedAt IS NULL AND m.createdAt >= since AND m.createdAt < until "
    "AND m.createdAt > coalesce(q.lastReadAt, 0) | m])"
)
_UNREAD_NOTIFICATIONS: LiteralString = (
    "size([(p)<-[:NOTIFIES]-(n:Notification) WHERE n.readAt IS NULL "
    "AND n.updatedAt >= since AND n.updatedAt < until | n])"
)
_ENTRY: LiteralString = (
    "MERGE (o:EmailOutbox {id: $kind + ':' + p.id + ':' + key}) "
    "ON CREATE SET o.kind = $kind, o.recipientId = p.id, o.period = key, o.periodStart = since, "
    "o.periodEnd = until, o.status = 'PENDING', o.attempts = 0, o.dueAt = $now, "
    "o.createdAt = $now "
    "RETURN count(o) AS n"
)

# Each (kind, zone, period) is scheduled once: a DigestRun marker, checked and made under the
# guard's lock, so later checks (every worker, every minute) skip a period already done
# instead of scanning its zone's members again.
_ONCE: LiteralString = (
    "UNWIND $periods AS z "
    "OPTIONAL MATCH (done:DigestRun {id: $kind + ':' + z.zone + ':' + z.key}) "
    "WITH z WHERE done IS NULL "
    "MERGE (run:DigestRun {id: $kind + ':' + z.zone + ':' + z.key}) ON CREATE SET run.at = $now "
)

SCHEDULE_MESSAGE_DIGESTS: LiteralString = (
    _GUARD + _ONCE +
    "WITH z.zone AS zone, z.key AS key, z.start AS since, z.end AS until "
    "MATCH (p:Person) WHERE coalesce(p.timeZone, 'UTC') = zone AND p.emailMessages = 'DIGEST' "
    "WITH p, key, since, until, " + _UNREAD_MESSAGES + " AS found WHERE found > 0 " + _ENTRY
)

SCHEDULE_NOTIFICATION_DIGESTS: LiteralString = (
    _GUARD + _ONCE +
    "WITH z.zone AS zone, z.key AS key, z.start AS since, z.end AS until, z.cadence AS cadence "
    "MATCH (p:Person) WHERE coalesce(p.timeZone, 'UTC') = zone "
    "AND coalesce(p.emailNotifications, 'DAILY') = cadence "
    "WITH p, key, since, until, " + _UNREAD_NOTIFICATIONS + " AS found WHERE found > 0 " + _ENTRY
)


async def schedule_message_digests(db: Executor, periods: Sequence[Period], *, now: int) -> int:
    """Make the MESSAGE_DIGEST entry of every DIGEST member of each period's zone who has
    unread messages in it, for the periods not scheduled before; returns how many it made."""
    return await _schedule(db, SCHEDULE_MESSAGE_DIGESTS, MESSAGE_DIGEST, periods, now)


async def schedule_notification_digests(
    db: Executor, periods: Sequence[Period], *, now: int
) -> int:
    """Make the NOTIFICATION_DIGEST entry of every member whose cadence is the period's and who
    has unread notifications active in it, for the periods not scheduled before."""
    return await _schedule(db, SCHEDULE_NOTIFICATION_DIGESTS, NOTIFICATION_DIGEST, periods, now)


async def _schedule(
    db: Executor, statement: LiteralString, kind: str, periods: Sequence[Period], now: int
) -> int:
    """Run a scheduling statement of `kind` over `periods`: how many entries it made."""
    if not periods:
        return 0
    return await first_count(db.write, statement, "n", {
        "periods": [p.as_param() for p in periods], "kind": kind, "now": now,
    })


GET_ENTRY: LiteralString = (
    "MATCH (o:EmailOutbox {id: $entry}) MATCH (p:Person {id: o.recipientId}) "
    "RETURN p.id AS person, o.kind AS kind, o.periodStart AS since, o.periodEnd AS until, "
    "coalesce(p.timeZone, 'UTC') AS zone, CASE o.kind "
    "WHEN 'MESSAGE_DIGEST' THEN coalesce(p.emailMessages, 'IMMEDIATE') = 'DIGEST' "
    "ELSE coalesce(p.emailNotifications, 'DAILY') <> 'NEVER' END AS wanted"
)

LIST_MESSAGES: LiteralString = (
    "MATCH (p:Person {id: $recipient})-[q:PARTICIPATES_IN]->(c:Conversation)<-[:IN]-(m:Message) "
    "WHERE q.leftAt IS NULL AND coalesce(q.muted, false) = false AND m.senderId <> p.id "
    "AND m.deletedAt IS NULL AND m.createdAt >= $since AND m.createdAt < $until "
    "AND m.createdAt > coalesce(q.lastReadAt, 0) "
    "WITH p, c, m, " + blocks_with_id("p", "m.senderId") + " AS blocked WHERE NOT blocked "
    # An immediate email sent (or on its way) for it: not again.
    "OPTIONAL MATCH (e:EmailOutbox {id: m.id + ':' + p.id}) "
    "WITH c, m, e WHERE e IS NULL OR e.status IN ['CANCELLED', 'DEAD'] "
    "MATCH (s:Person {id: m.senderId}) "
    "WITH c, m, s ORDER BY m.createdAt, m.id "
    "WITH collect({id: m.id, body: m.body, createdAt: m.createdAt, conversationId: c.id, "
    "conversationKind: c.kind, conversationName: c.name, senderName: s.name}) AS items "
    "RETURN items[..$limit] AS items, size(items) AS total"
)

LIST_NOTIFICATIONS: LiteralString = (
    RECIPIENT + "MATCH (r)<-[:NOTIFIES]-(n:Notification) WHERE n.readAt IS NULL "
    "AND n.updatedAt >= $since AND n.updatedAt < $until "
    # The notifications the inbox shows (graph_db.notifications), each by its latest actor seen.
    + SHOWN + " MATCH (a:Person {id: seen[0]}) "
    "WITH n, a ORDER BY n.updatedAt DESC, n.id DESC "
    "WITH collect({id: n.id, kind: n.kind, updatedAt: n.updatedAt, count: n.count, "
    "actorName: a.name, targetId: n.targetId, postId: n.postId}) AS items "
    "RETURN items[..$limit] AS items, size(items) AS total"
)


async def gather(db: Executor, entry_id: str) -> DigestContent | None:
    """What a digest entry announces now (messages oldest first, notifications most recently
    active first); None when the entry, or its member, is gone."""
    rows = await db.read(GET_ENTRY, {"entry": entry_id})
    if not rows:
        return None
    head = rows[0]
    content = DigestContent(
        kind=str(head["kind"]), wanted=bool(head["wanted"]), timeZone=str(head["zone"]),
        periodStart=int(head["since"] or 0), periodEnd=int(head["until"] or 0),
    )
    if not content.wanted:
        return content
    params = {"recipient": head["person"], "since": content.periodStart, "until": content.periodEnd,
              "limit": MAX_ITEMS}
    if content.kind == MESSAGE_DIGEST:
        found = await db.read(LIST_MESSAGES, params)
        messages = tuple(DigestMessageRecord(
            id=i["id"], body=str(i["body"] or ""), createdAt=int(i["createdAt"]),
            conversationId=i["conversationId"], conversationKind=str(i["conversationKind"]),
            conversationName=i.get("conversationName"), senderName=str(i["senderName"] or ""),
        ) for i in (found[0]["items"] if found else ()))
        return replace(content, messages=messages, total=int(found[0]["total"]) if found else 0)
    found = await db.read(LIST_NOTIFICATIONS, params)
    notifications = tuple(DigestNotificationRecord(
        id=i["id"], kind=str(i["kind"]), updatedAt=int(i["updatedAt"]), count=int(i["count"] or 1),
        actorName=str(i["actorName"] or ""), targetId=str(i["targetId"]), postId=i.get("postId"),
    ) for i in (found[0]["items"] if found else ()))
    return replace(content, notifications=notifications,
                   total=int(found[0]["total"]) if found else 0)
