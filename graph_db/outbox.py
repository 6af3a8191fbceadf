"""The durable email outbox: entries written with what they announce, claimed with a lease.

(o:EmailOutbox {id, kind: MESSAGE, messageId, recipientId, conversationId, status:
PENDING|SENT|DEAD|CANCELLED, attempts, dueAt, leaseOwner, leaseUntil, lastError, createdAt,
sentAt}). Entries are created inside the statement that stores what they announce
(graph_db.messages), with an id derived from it (`<message id>:<recipient id>`), so a retried
statement never makes two.

A delivery worker claims due entries (`claim`: PENDING, dueAt reached, no live lease), sends
them and marks each SENT, or failed: due again after a backoff, DEAD after the last attempt,
the SMTP error kept. A worker that dies mid-send leaves a lease that expires, and the entry is
claimed again. Claiming writes each candidate (graph_db.locks.lock) before checking it again: on
Neo4j that takes its write lock first, so two workers never both hold a lease on one entry.
Only the holder of the lease (`leaseOwner`) can settle an entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from graph_db.backend import Executor, all_records
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.records import Record


@dataclass(frozen=True, slots=True)
class OutboxEntryRecord(Record):
    id: str
    kind: str
    status: str
    recipientId: str
    attempts: int
    dueAt: int
    createdAt: int
    messageId: str | None = None
    conversationId: str | None = None
    lastError: str | None = None
    sentAt: int | None = None

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        return {**row, **{k: int(row.get(k) or 0) for k in ("attempts", "dueAt", "createdAt")}}


@dataclass(frozen=True, slots=True)
class ClaimedEmailRecord:
    """A claimed entry with what its email says; `deliverable` is False when the message was
    deleted or a person is gone (the entry is then cancelled, not sent)."""

    entry: OutboxEntryRecord
    deliverable: bool
    recipientEmail: str | None = None
    recipientName: str | None = None
    senderId: str | None = None
    senderName: str | None = None
    body: str | None = None
    sentAt: int | None = None  # when the message was written
    conversationName: str | None = None
    conversationKind: str | None = None


ENTRY_MAP: LiteralString = (
    "o {.id, .kind, .status, .recipientId, .attempts, .dueAt, .createdAt, .messageId, "
    ".conversationId, .lastError, .sentAt}"
)

CLAIM: LiteralString = (
    "MATCH (o:EmailOutbox) WHERE o.status = 'PENDING' AND o.dueAt <= $now "
    "AND (o.leaseUntil IS NULL OR o.leaseUntil <= $now) "
    "WITH o ORDER BY o.dueAt, o.id LIMIT $limit "
    + lock("o") +
    # Checked again under the lock: another worker may have claimed it meanwhile.
    "WITH o WHERE o.status = 'PENDING' AND (o.leaseUntil IS NULL OR o.leaseUntil <= $now) "
    "SET o.leaseOwner = $owner, o.leaseUntil = $now + $leaseMs, o.attempts = o.attempts + 1 "
    "WITH o OPTIONAL MATCH (m:Message {id: o.messageId}) "
    "WITH o, m OPTIONAL MATCH (r:Person {id: o.recipientId}) "
    "WITH o, m, r OPTIONAL MATCH (s:Person {id: m.senderId}) "
    "WITH o, m, r, s OPTIONAL MATCH (c:Conversation {id: o.conversationId}) "
    "RETURN " + ENTRY_MAP + " AS entry, m IS NOT NULL AND m.deletedAt IS NULL "
    "AND r IS NOT NULL AND s IS NOT NULL AS deliverable, r.email AS recipientEmail, "
    "r.name AS recipientName, s.id AS senderId, s.name AS senderName, m.body AS body, "
    "m.createdAt AS writtenAt, c.name AS conversationName, c.kind AS conversationKind"
)


async def claim(
    db: Executor, *, owner: str, now: int, lease_ms: int, limit: int
) -> list[ClaimedEmailRecord]:
    """Lease up to `limit` due entries to `owner` until now + lease_ms (attempts counted)."""
    rows = await db.write(CLAIM, {"owner": owner, "now": now, "leaseMs": lease_ms, "limit": limit})
    return [
        ClaimedEmailRecord(
            entry=OutboxEntryRecord.from_row(r["entry"]), deliverable=bool(r["deliverable"]),
            recipientEmail=r["recipientEmail"], recipientName=r["recipientName"],
            senderId=r["senderId"], senderName=r["senderName"], body=r["body"],
            sentAt=r["writtenAt"], conversationName=r["conversationName"],
            conversationKind=r["conversationKind"],
        )
        for r in rows
    ]


SETTLE: LiteralString = (
    "UNWIND $outcomes AS out MATCH (o:EmailOutbox {id: out.id}) "
    "WHERE o.leaseOwner = $owner AND o.status = 'PENDING' "
    "SET o.status = CASE WHEN out.ok THEN 'SENT' WHEN out.cancel THEN 'CANCELLED' "
    "WHEN o.attempts >= $maxAttempts THEN 'DEAD' ELSE 'PENDING' END, "
    "o.sentAt = CASE WHEN out.ok THEN $now ELSE o.sentAt END, "
    "o.lastError = CASE WHEN out.ok OR out.cancel THEN o.lastError ELSE out.error END, "
    "o.dueAt = CASE WHEN out.ok OR out.cancel THEN o.dueAt ELSE out.retryAt END, "
    "o.leaseUntil = null, o.leaseOwner = null "
    "RETURN o.id AS id, o.status AS status"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How sending one claimed entry went: ok, cancelled, or failed with `error` (due again
    at `retry_at` unless that was the last attempt)."""

    id: str
    ok: bool = False
    cancel: bool = False
    error: str | None = None
    retry_at: int = 0


async def settle_many(
    db: Executor, outcomes: list[Outcome], *, owner: str, now: int, max_attempts: int
) -> dict[str, str]:
    """Record the outcomes of entries `owner` claimed, in one statement: SENT, CANCELLED, or
    PENDING again (DEAD once `max_attempts` were made). Returns each settled entry's status;
    entries whose lease `owner` no longer holds (it expired, another worker took them) are
    left alone and absent."""
    if not outcomes:
        return {}
    rows = await db.write(SETTLE, {
        "outcomes": [{"id": o.id, "ok": o.ok, "cancel": o.cancel, "error": o.error,
                      "retryAt": o.retry_at} for o in outcomes],
        "owner": owner, "now": now, "maxAttempts": max_attempts,
    })
    return {str(r["id"]): str(r["status"]) for r in rows}


async def settle(
    db: Executor, entry_id: str, *, owner: str, now: int, ok: bool = False, cancel: bool = False,
    error: str | None = None, retry_at: int = 0, max_attempts: int = 1,
) -> str | None:
    """`settle_many` for one entry: its status, or None when `owner` lost the lease."""
    done = await settle_many(db, [Outcome(entry_id, ok, cancel, error, retry_at)], owner=owner,
                             now=now, max_attempts=max_attempts)
    return done.get(entry_id)


LIST_ENTRIES: LiteralString = (
    "MATCH (o:EmailOutbox) WHERE ($status IS NULL OR o.status = $status) "
    "AND " + past_cursor("o.createdAt", "o.id", descending=True) + " "
    "RETURN " + ENTRY_MAP + " AS entry ORDER BY o.createdAt DESC, o.id DESC LIMIT $limit"
)


async def list_entries(
    db: Executor, *, status: str | None = None, after: tuple[int, str] | None = None, limit: int
) -> list[OutboxEntryRecord]:
    """Entries (of one status, or all), newest first, after the keyset (createdAt, id)."""
    return await all_records(
        db.read, LIST_ENTRIES, "entry", OutboxEntryRecord.from_row,
        {"status": status, **cursor_params(after), "limit": limit},
    )


COUNT_BY_STATUS: LiteralString = (
    "MATCH (o:EmailOutbox) RETURN o.status AS status, count(o) AS n"
)


async def count_by_status(db: Executor) -> dict[str, int]:
    rows = await db.read(COUNT_BY_STATUS)
    return {str(r["status"]): int(r["n"]) for r in rows}
