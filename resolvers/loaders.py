"""Per-request DataLoaders: a page of N items costs one round trip per kind, not N."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import cached_property
from typing import Any, TypeVar

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
from graph_db.errors import NotFound
from graph_db.forums_records import ForumRecord, ReplyRecord, ThreadRecord
from graph_db.groups.records import GroupAccessRecord, GroupRecord
from graph_db.mentorship import committees, connections, meetings
from graph_db.mentorship.records import (
    CommitteeRecord,
    MentorshipRecord,
    MentorshipStatsRecord,
    MilestoneRecord,
)
from graph_db.moderation_records import ModerationActionRecord, ReportRecord
from graph_db.people import PersonTerms
from graph_db.people_records import (
    AffiliationRecord,
    NetworkCountsRecord,
    OrgUnitRecord,
    PersonCardRecord,
    PersonRecord,
    RelationRecord,
    TermRecord,
    TermUsageRecord,
)
from graph_db.social_records import CommentRecord, EngagementRecord, PostRecord

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


def or_not_found(value: V | None, what: str, field: str) -> V:
    """`value`, or NOT_FOUND ("no such <what>", on the input field `field`) when it is None."""
    if value is None:
        raise NotFound(f"no such {what}", field=field)
    return value


def forget(loader: DataLoader[K, V], key: K) -> None:
    """Drop `key` from a loader's cache (strawberry's `clear` raises KeyError for a key this
    request never loaded)."""
    with contextlib.suppress(KeyError):
        loader.clear(key)


def _loaded(loader: DataLoader[K, V], key: K) -> asyncio.Future[V] | None:
    """The finished load of `key`, if this request has one (not failed, not cancelled)."""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future
    return None


def unloaded(loader: DataLoader[K, V], keys: Sequence[K]) -> list[K]:
    """The keys of `keys` this request has not loaded yet (a read plan may have primed all)."""
    return [key for key in keys if _loaded(loader, key) is None]


def now_or_later(loader: DataLoader[K, V], key: K) -> V | Awaitable[V]:
    """The value if this request has loaded `key` already, else the (batched) load.

    A field that returns a plain value costs graphql-core a fraction of one that returns an
    awaitable (no coroutine, no task: ~20 us less per field and item), so pages preload
    what their items show (e.g. resolvers.posts.preload) and the items' fields answer
    through this."""
    future = _loaded(loader, key)
    return future.result() if future is not None else loader.load(key)


def then(value: V | Awaitable[V], convert: Callable[[V], T]) -> T | Awaitable[T]:
    """`convert` the value now, or once it arrives (for `now_or_later` results)."""
    if inspect.isawaitable(value):
        return _then(value, convert)
    return convert(value)


async def _then(value: Awaitable[V], convert: Callable[[V], T]) -> T:
    return convert(await value)


def loader(
    fn: Callable[..., Awaitable[Sequence[V]]], *before: Any, **after: Any
) -> DataLoader[Any, V]:
    """A DataLoader whose batches are `fn(*before, keys, **after)`.

    It holds what it reads with (the database, the viewer), never the Loaders: a closure
    over the Loaders made each request's loaders, their caches and every record in them a
    reference cycle, freed only by the cyclic collector (see graph_api.heap)."""

    async def batch(keys: list[Any]) -> Sequence[V]:
        return await fn(*before, keys, **after)

    return DataLoader(load_fn=batch)


class Loaders:
    """Created fresh for every request, never shared: results are per viewer. Each loader
    is made the first time the request asks for it (a request uses a few of the 32)."""

    def __init__(self, db: Executor, viewer_id: str | None = None) -> None:
        self._db = db
        self._viewer_id = viewer_id
        # Reads of content as this viewer sees it; signed out there is no viewer and no
        # Person has the empty id, so those reads find nothing.
        self._viewer = viewer_id or ""
        # Pages a read plan (resolvers.planner) has read ahead, by (listing, subject, after,
        # limit): the resolver that would read the same page takes it instead (once).
        self._pages: dict[tuple[object, str, object, int], list[Any]] = {}
        # The `author` field nodes that a plan found asking only what a person's card holds
        # (resolvers.planner.CARD_FIELDS), by id(); the node is kept to tell it from a later
        # node at the same address.
        self._card_nodes: dict[int, object] = {}

    def prime_page(
        self, listing: object, subject_id: str, after: object, limit: int, rows: list[Any]
    ) -> None:
        self._pages[(listing, subject_id, after, limit)] = rows

    def take_page(
        self, listing: object, subject_id: str, after: object, limit: int
    ) -> list[Any] | None:
        """The page read ahead for exactly these arguments, if any (it is then forgotten)."""
        return self._pages.pop((listing, subject_id, after, limit), None)

    def answer_with_cards(self, nodes: Iterable[object]) -> None:
        """Let the `author` field nodes `nodes`, which ask nothing of a person beyond their
        card, answer from `person_card_by_id` (resolvers.planner primes it)."""
        self._card_nodes.update((id(node), node) for node in nodes)

    def answers_with_cards(self, nodes: Sequence[object]) -> bool:
        """Whether a field asked at `nodes` (all of them) answers from person cards."""
        cards = self._card_nodes
        return bool(cards) and all(cards.get(id(node)) is node for node in nodes)

    @cached_property
    def person_by_id(self) -> DataLoader[str, PersonRecord | None]:
        return loader(people.get_many, self._db)

    @cached_property
    def person_card_by_id(self) -> DataLoader[str, PersonCardRecord | None]:
        return loader(people.get_cards, self._db)

    # What a page of people resolves: where they work, their terms, how the viewer relates
    # to them (blocks, follows, requests, degree), counts; and the taxonomy and
    # vocabularies behind them. Signed out there are no relations (no query at all).
    @cached_property
    def affiliation_by_person(self) -> DataLoader[str, AffiliationRecord]:
        return loader(people.get_affiliations, self._db)

    @cached_property
    def terms_by_person(self) -> DataLoader[str, PersonTerms]:
        return loader(people.get_terms, self._db)

    @cached_property
    def network_counts_by_person(self) -> DataLoader[str, NetworkCountsRecord]:
        return loader(network.get_counts, self._db)

    @cached_property
    def org_unit_by_id(self) -> DataLoader[str, OrgUnitRecord | None]:
        return loader(taxonomy.get_many, self._db)

    @cached_property
    def units_by_parent(self) -> DataLoader[str, list[OrgUnitRecord]]:
        return loader(taxonomy.list_children, self._db)

    @cached_property
    def term_by_id(self) -> DataLoader[str, TermRecord | None]:
        return loader(vocabulary.get_many, self._db)

    @cached_property
    def narrower_by_term(self) -> DataLoader[str, list[TermRecord]]:
        return loader(vocabulary.list_narrower, self._db)

    @cached_property
    def usage_by_interest(self) -> DataLoader[str, TermUsageRecord]:
        return loader(vocabulary.get_usage, self._db, "Interest")

    @cached_property
    def usage_by_area(self) -> DataLoader[str, TermUsageRecord]:
        return loader(vocabulary.get_usage, self._db, "MentorshipArea")

    # Posts and comments as this viewer may see them; signed out, there are none (no
    # Person has the empty id, so every read below finds nothing).
    @cached_property
    def post_by_id(self) -> DataLoader[str, PostRecord | None]:
        return loader(posts.get_many, self._db, viewer_id=self._viewer)

    @cached_property
    def comment_by_id(self) -> DataLoader[str, CommentRecord | None]:
        return loader(comments.get_many, self._db, viewer_id=self._viewer)

    @cached_property
    def engagement_by_post(self) -> DataLoader[str, EngagementRecord]:
        return loader(likes.get_post_engagement, self._db, viewer_id=self._viewer)

    @cached_property
    def engagement_by_comment(self) -> DataLoader[str, EngagementRecord]:
        return loader(likes.get_comment_engagement, self._db, viewer_id=self._viewer)

    @cached_property
    def comments_by_post(self) -> DataLoader[PageKey, list[CommentRecord]]:
        return loader(comments.list_on_posts, self._db, viewer_id=self._viewer)

    @cached_property
    def replies_by_comment(self) -> DataLoader[PageKey, list[CommentRecord]]:
        return loader(comments.list_replies, self._db, viewer_id=self._viewer)

    # Groups, forums and moderation (resolvers.groups, .forums, .moderation). The access
    # loader reads the viewer's group roles fresh for each request: a demotion holds
    # from the next request on.
    @cached_property
    def group_by_id(self) -> DataLoader[str, GroupRecord | None]:
        return loader(groups.get_many, self._db)

    @cached_property
    def group_access_by_id(self) -> DataLoader[str, GroupAccessRecord | None]:
        return loader(groups.get_access, self._db, viewer_id=self._viewer)

    @cached_property
    def forum_by_id(self) -> DataLoader[str, ForumRecord | None]:
        return loader(forums.get_forums, self._db, viewer_id=self._viewer)

    @cached_property
    def forums_by_group(self) -> DataLoader[str, list[ForumRecord]]:
        return loader(forums.list_group_forums, self._db, viewer_id=self._viewer)

    @cached_property
    def thread_by_id(self) -> DataLoader[str, ThreadRecord | None]:
        return loader(forums.get_threads, self._db, viewer_id=self._viewer)

    @cached_property
    def thread_liked_by_id(self) -> DataLoader[str, bool]:
        return loader(forums.get_viewer_liked, self._db, viewer_id=self._viewer)

    @cached_property
    def reply_by_id(self) -> DataLoader[str, ReplyRecord | None]:
        return loader(forums.get_replies, self._db, viewer_id=self._viewer)

    @cached_property
    def replies_by_thread(self) -> DataLoader[PageKey, list[ReplyRecord]]:
        return loader(forums.list_replies, self._db, viewer_id=self._viewer)

    @cached_property
    def report_by_id(self) -> DataLoader[str, ReportRecord | None]:
        return loader(moderation.get_reports, self._db)

    @cached_property
    def moderation_action_by_id(self) -> DataLoader[str, ModerationActionRecord | None]:
        return loader(moderation.get_actions, self._db)

    # Mentorships with the viewer's access flags (resolvers.mentorship decides what they
    # may see); signed out there is no viewer and every flag is false.
    @cached_property
    def mentorship_by_id(self) -> DataLoader[str, MentorshipRecord | None]:
        return loader(connections.get_many, self._db, viewer_id=self._viewer)

    @cached_property
    def mentorship_stats_by_person(self) -> DataLoader[str, MentorshipStatsRecord]:
        return loader(connections.get_stats, self._db)

    @cached_property
    def milestones_by_mentorship(self) -> DataLoader[str, list[MilestoneRecord]]:
        return loader(meetings.list_milestones, self._db)

    @cached_property
    def committee_by_id(self) -> DataLoader[str, CommitteeRecord | None]:
        return loader(committees.get_many, self._db, viewer_id=self._viewer)

    @cached_property
    def committee_id_by_mentee(self) -> DataLoader[str, str | None]:
        return loader(committees.current_ids, self._db)

    @cached_property
    def relation_by_person(self) -> DataLoader[str, RelationRecord]:
        # Signed out there are no relations (no query at all).
        viewer_id, db = self._viewer_id, self._db

        async def relations(ids: Sequence[str]) -> list[RelationRecord]:
            if viewer_id is None:
                return [RelationRecord(id=i) for i in ids]
            return await network.get_relations(db, viewer_id, ids)

        return loader(relations)
