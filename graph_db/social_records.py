"""Records for the social domain: updates, comments, likes, the activity stream, notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_db.records import Record, tuples


@dataclass(frozen=True, slots=True)
class PostRecord(Record):
    """An update; `groupId` when it was posted in a group, `mentionIds` the people it @-mentions."""

    id: str
    body: str
    authorId: str
    createdAt: int
    editedAt: int | None = None
    groupId: str | None = None
    mentionIds: tuple[str, ...] = ()

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        return tuples(row, "mentionIds")


@dataclass(frozen=True, slots=True)
class CommentRecord(Record):
    """A comment on a post; `parentId` is the comment it replies to (one level deep)."""

    id: str
    body: str
    authorId: str
    postId: str
    createdAt: int
    editedAt: int | None = None
    parentId: str | None = None
    mentionIds: tuple[str, ...] = ()

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        return tuples(row, "mentionIds")


@dataclass(frozen=True, slots=True)
class EngagementRecord(Record):
    """What a post or comment shows beside it: likes, comments (a comment: its replies), and
    whether the viewer liked it."""

    id: str
    likes: int = 0
    comments: int = 0
    viewerLiked: bool = False


@dataclass(frozen=True, slots=True)
class LikedRecord:
    """A post just liked, as the liker sees it, with its counts after the like."""

    post: PostRecord
    engagement: EngagementRecord


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One item of the site-wide stream: a new post, a new member or a new group (`kind`)."""

    kind: str
    id: str
    createdAt: int
    post: PostRecord | None = None


@dataclass(frozen=True, slots=True)
class NotificationRecord(Record):
    """Something that concerns `recipientId`, grouped per (recipient, kind, target) until read.

    `actorIds` are the most recent distinct actors (newest first, capped), `count` how many
    distinct actors there have been; `postId`/`commentId`/`personId` what it is about.
    """

    id: str
    kind: str
    recipientId: str
    targetId: str
    createdAt: int
    updatedAt: int
    count: int = 1
    actorIds: tuple[str, ...] = ()
    postId: str | None = None
    commentId: str | None = None
    personId: str | None = None
    readAt: int | None = None

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        return tuples(row, "actorIds")


@dataclass(frozen=True, slots=True)
class NotifiedRecord(Record):
    """A notification a write created or grew: whom to tell, live, after the write returns."""

    id: str
    recipientId: str
