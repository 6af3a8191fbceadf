"""Records for moderation: reports and the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from graph_db.records import Record


@dataclass(frozen=True, slots=True)
class ReportRecord(Record):
    """A member's report of a post, comment, thread, reply or member, in the review queue
    of its scope (`groupId`, None for site-wide) until a moderator dismisses it or acts."""

    id: str
    reason: str
    status: str
    targetKind: str
    targetId: str
    reporterId: str
    createdAt: int
    details: str | None = None
    groupId: str | None = None
    excerpt: str | None = None
    resolvedAt: int | None = None
    resolvedBy: str | None = None
    note: str | None = None
    actionId: str | None = None


@dataclass(frozen=True, slots=True)
class ModerationActionRecord(Record):
    """One audit-log entry, written by the same statement as the action it records."""

    id: str
    action: str
    actorId: str
    createdAt: int
    targetKind: str | None = None
    targetId: str | None = None
    groupId: str | None = None
    reason: str | None = None
    until: int | None = None
    seconds: int | None = None
    detail: str | None = None
