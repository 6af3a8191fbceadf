"""Records for forums: forums, threads, replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_db.records import Record, tuples, zeros


@dataclass(frozen=True, slots=True)
class ForumRecord(Record):
    """A forum: site-wide (`groupId` None) or a group's."""

    id: str
    name: str
    description: str = ""
    groupId: str | None = None
    createdAt: int = 0
    threadCount: int = 0


@dataclass(frozen=True, slots=True)
class ThreadRecord(Record):
    """A forum thread; `likeCount`, `replyCount` and `lastActivityAt` are kept by the
    statements that change them (they are sort keys)."""

    id: str
    title: str
    body: str
    authorId: str
    forumId: str
    createdAt: int
    lastActivityAt: int
    groupId: str | None = None
    tags: tuple[str, ...] = ()
    pinned: bool = False
    locked: bool = False
    likeCount: int = 0
    replyCount: int = 0
    slowModeSeconds: int = 0

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        row = zeros(tuples(row, "tags"), "likeCount", "replyCount", "slowModeSeconds")
        row["pinned"], row["locked"] = bool(row.get("pinned")), bool(row.get("locked"))
        return row


@dataclass(frozen=True, slots=True)
class ReplyRecord(Record):
    """A reply in a forum thread (a Comment ON a Thread)."""

    id: str
    body: str
    authorId: str
    threadId: str
    createdAt: int
