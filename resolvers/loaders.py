"""Per-request DataLoaders: a page of N items costs one round trip per kind, not N."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph_db import comments, likes, people, posts
from graph_db.backend import Executor
from graph_db.comments import PageKey
from graph_db.mentorship import committees, connections, meetings
from graph_db.records import (
    CommentRecord,
    CommitteeRecord,
    EngagementRecord,
    MentorshipRecord,
    MentorshipStatsRecord,
    MilestoneRecord,
    PersonRecord,
    PostRecord,
)

K = TypeVar("K")
V = TypeVar("V")


def loader(fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
    async def batch(keys: list[K]) -> Sequence[V]:
        return await fn(keys)

    return DataLoader(load_fn=batch)


class Loaders:
    """Created fresh for every request, never shared: results are per viewer."""

    def __init__(self, db: Executor, viewer_id: str | None = None) -> None:
        self.person_by_id: DataLoader[str, PersonRecord | None] = loader(
            lambda ids: people.get_many(db, ids)
        )
        self._social(db, viewer_id)
        self._mentorship(db, viewer_id)

    def _social(self, db: Executor, viewer_id: str | None) -> None:
        # Posts and comments as this viewer may see them; signed out, there are none (no
        # Person has the empty id, so every read below finds nothing).
        viewer = viewer_id or ""
        self.post_by_id: DataLoader[str, PostRecord | None] = loader(
            lambda ids: posts.get_many(db, ids, viewer_id=viewer)
        )
        self.comment_by_id: DataLoader[str, CommentRecord | None] = loader(
            lambda ids: comments.get_many(db, ids, viewer_id=viewer)
        )
        self.engagement_by_post: DataLoader[str, EngagementRecord] = loader(
            lambda ids: likes.get_post_engagement(db, ids, viewer_id=viewer)
        )
        self.engagement_by_comment: DataLoader[str, EngagementRecord] = loader(
            lambda ids: likes.get_comment_engagement(db, ids, viewer_id=viewer)
        )
        self.comments_by_post: DataLoader[PageKey, list[CommentRecord]] = loader(
            lambda pages: comments.list_on_posts(db, pages, viewer_id=viewer)
        )
        self.replies_by_comment: DataLoader[PageKey, list[CommentRecord]] = loader(
            lambda pages: comments.list_replies(db, pages, viewer_id=viewer)
        )

    def _mentorship(self, db: Executor, viewer_id: str | None) -> None:
        # Mentorships with the viewer's access flags (resolvers.mentorship decides what they
        # may see); signed out there is no viewer and every flag is false.
        viewer = viewer_id or ""
        self.mentorship_by_id: DataLoader[str, MentorshipRecord | None] = loader(
            lambda ids: connections.get_many(db, ids, viewer_id=viewer)
        )
        self.mentorship_stats_by_person: DataLoader[str, MentorshipStatsRecord] = loader(
            lambda ids: connections.get_stats(db, ids)
        )
        self.milestones_by_mentorship: DataLoader[str, list[MilestoneRecord]] = loader(
            lambda ids: meetings.list_milestones(db, ids)
        )
        self.committee_by_id: DataLoader[str, CommitteeRecord | None] = loader(
            lambda ids: committees.get_many(db, ids, viewer_id=viewer)
        )
        self.committee_id_by_mentee: DataLoader[str, str | None] = loader(
            lambda ids: committees.current_ids(db, ids)
        )
