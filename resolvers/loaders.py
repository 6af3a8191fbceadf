"""Per-request DataLoaders: a page of N items costs one round trip per kind, not N."""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph_db import (
    comments,
    forums,
    groups,
    likes,
    moderation,
    network,
    people,
    posts,
    taxonomy,
    vocabulary,
)
from graph_db.backend import Executor
from graph_db.comments import PageKey
from graph_db.mentorship import committees, connections, meetings
from graph_db.people import PersonTerms
from graph_db.records import (
    AffiliationRecord,
    CommentRecord,
    CommitteeRecord,
    EngagementRecord,
    ForumRecord,
    GroupAccessRecord,
    GroupRecord,
    MentorshipRecord,
    MentorshipStatsRecord,
    MilestoneRecord,
    ModerationActionRecord,
    NetworkCountsRecord,
    OrgUnitRecord,
    PersonRecord,
    PostRecord,
    RelationRecord,
    ReplyRecord,
    ReportRecord,
    TermRecord,
    TermUsageRecord,
    ThreadRecord,
)

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


def forget(loader: DataLoader[K, V], key: K) -> None:
    """Drop `key` from a loader's cache (strawberry's `clear` raises KeyError for a key this
    request never loaded)."""
    with contextlib.suppress(KeyError):
        loader.clear(key)


def now_or_later(loader: DataLoader[K, V], key: K) -> V | Awaitable[V]:
    """The value if this request has loaded `key` already, else the (batched) load.

    A field that returns a plain value costs graphql-core a fraction of one that returns an
    awaitable (no coroutine, no task: ~20 us less per field and item), so pages preload
    what their items show (e.g. resolvers.posts.preload) and the items' fields answer
    through this."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return loader.load(key)


def then(value: V | Awaitable[V], convert: Callable[[V], T]) -> T | Awaitable[T]:
    """`convert` the value now, or once it arrives (for `now_or_later` results)."""
    if inspect.isawaitable(value):
        return _then(value, convert)
    return convert(value)


async def _then(value: Awaitable[V], convert: Callable[[V], T]) -> T:
    return convert(await value)


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
        self._people(db, viewer_id)
        self._social(db, viewer_id)
        self._groups(db, viewer_id)
        self._mentorship(db, viewer_id)

    def _people(self, db: Executor, viewer_id: str | None) -> None:
        # What a page of people resolves: where they work, their terms, how the viewer relates
        # to them (blocks, follows, requests, degree), counts; and the taxonomy and
        # vocabularies behind them. Signed out there are no relations (no query at all).
        self.affiliation_by_person: DataLoader[str, AffiliationRecord] = loader(
            lambda ids: people.get_affiliations(db, ids)
        )
        self.terms_by_person: DataLoader[str, PersonTerms] = loader(
            lambda ids: people.get_terms(db, ids)
        )

        async def relations(ids: Sequence[str]) -> list[RelationRecord]:
            if viewer_id is None:
                return [RelationRecord(id=i) for i in ids]
            return await network.get_relations(db, viewer_id, ids)

        self.relation_by_person: DataLoader[str, RelationRecord] = loader(relations)
        self.network_counts_by_person: DataLoader[str, NetworkCountsRecord] = loader(
            lambda ids: network.get_counts(db, ids)
        )
        self.org_unit_by_id: DataLoader[str, OrgUnitRecord | None] = loader(
            lambda ids: taxonomy.get_many(db, ids)
        )
        self.units_by_parent: DataLoader[str, list[OrgUnitRecord]] = loader(
            lambda ids: taxonomy.list_children(db, ids)
        )
        self.term_by_id: DataLoader[str, TermRecord | None] = loader(
            lambda ids: vocabulary.get_many(db, ids)
        )
        self.narrower_by_term: DataLoader[str, list[TermRecord]] = loader(
            lambda ids: vocabulary.list_narrower(db, ids)
        )
        self.usage_by_interest: DataLoader[str, TermUsageRecord] = loader(
            lambda ids: vocabulary.get_usage(db, "Interest", ids)
        )
        self.usage_by_area: DataLoader[str, TermUsageRecord] = loader(
            lambda ids: vocabulary.get_usage(db, "MentorshipArea", ids)
        )

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

    def _groups(self, db: Executor, viewer_id: str | None) -> None:
        # Groups, forums and moderation (resolvers.groups, .forums, .moderation). The access
        # loader reads the viewer's group roles fresh for each request: a demotion holds
        # from the next request on.
        viewer = viewer_id or ""
        self.group_by_id: DataLoader[str, GroupRecord | None] = loader(
            lambda ids: groups.get_many(db, ids)
        )
        self.group_access_by_id: DataLoader[str, GroupAccessRecord | None] = loader(
            lambda ids: groups.get_access(db, ids, viewer_id=viewer)
        )
        self.forum_by_id: DataLoader[str, ForumRecord | None] = loader(
            lambda ids: forums.get_forums(db, ids, viewer_id=viewer)
        )
        self.forums_by_group: DataLoader[str, list[ForumRecord]] = loader(
            lambda ids: forums.list_group_forums(db, ids, viewer_id=viewer)
        )
        self.thread_by_id: DataLoader[str, ThreadRecord | None] = loader(
            lambda ids: forums.get_threads(db, ids, viewer_id=viewer)
        )
        self.thread_liked_by_id: DataLoader[str, bool] = loader(
            lambda ids: forums.get_viewer_liked(db, ids, viewer_id=viewer)
        )
        self.reply_by_id: DataLoader[str, ReplyRecord | None] = loader(
            lambda ids: forums.get_replies(db, ids, viewer_id=viewer)
        )
        self.replies_by_thread: DataLoader[PageKey, list[ReplyRecord]] = loader(
            lambda pages: forums.list_replies(db, pages, viewer_id=viewer)
        )
        self.report_by_id: DataLoader[str, ReportRecord | None] = loader(
            lambda ids: moderation.get_reports(db, ids)
        )
        self.moderation_action_by_id: DataLoader[str, ModerationActionRecord | None] = loader(
            lambda ids: moderation.get_actions(db, ids)
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
