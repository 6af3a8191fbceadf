"""Read plans: what a root field will show, read in one statement before it resolves.

A profile asks for a person and, below it, where they work, their terms, how the viewer
relates to them, their counts, and their latest posts with each post's counts. Each of those
has a DataLoader; resolved field by field they cost a round trip per kind, level after level
(seven for a profile, five for a group page). A plan reads the operation's selection before
the root field resolves (`Wanted`, from schema.base.wanted), composes the reads the fields
below it will make into one statement (graph_db.compose, the loaders' own statements and
rules, unchanged), and primes the loaders and the page store with what it read, decoded by
the loaders' own decoders. What a page of posts shows beside each post (its engagement, its
author's card) is read by the listing itself, from the post and author it has matched
(graph_db.posts.listing_with, with the engagement read's own expressions), not by their ids
after it: a second match of each by id cost the group page a fifth of its database CPU.
The fields then resolve exactly as they would without a plan, through the same loaders and
checks, and find what they need already there.

A plan is an optimisation only: whatever it does not cover (another field, a later page, a
signed-out viewer) is read by the loaders as before, and a field it covers gets the value its
loader would have read. tests/api/test_planner.py holds both to that, on both engines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

from strawberry.dataloader import DataLoader

from graph_db import feed, groups, likes, network, people, posts
from graph_db.backend import Row
from graph_db.batch import Batch
from graph_db.compose import MAX_PARTS, Part, read_parts
from graph_db.errors import InvalidInput
from resolvers.context import Context
from resolvers.loaders import Loaders
from resolvers.pagination import forward_request

K = TypeVar("K")
V = TypeVar("V")

# The fields that read each kind (by their GraphQL names): a post's or comment's counts
# and the viewer's like; a group's standing of the viewer.
ENGAGEMENT_FIELDS = frozenset({"likeCount", "commentCount", "replyCount", "viewerHasLiked"})
ACCESS_FIELDS = frozenset({"viewerStatus", "viewerRole", "viewerCanModerate", "viewerMutedUntil"})


@dataclass(frozen=True)
class PersonKind:
    """What a page of people may show beside each person, read for all of them at once: the
    Person fields that show it, its batch read, and the request loader it primes."""

    fields: frozenset[str]
    batch: Batch[Any]
    loader: Callable[[Loaders], DataLoader[str, Any]]
    per_viewer: bool = False  # read as the viewer sees it (signed out: nothing to read)


PERSON_KINDS: dict[str, PersonKind] = {
    "affiliation": PersonKind(
        frozenset({"hospital", "department", "division"}), people.get_affiliations,
        lambda loaders: loaders.affiliation_by_person,
    ),
    "terms": PersonKind(
        frozenset({"interests", "mentorshipOffered", "mentorshipSought"}), people.get_terms,
        lambda loaders: loaders.terms_by_person,
    ),
    "relation": PersonKind(
        frozenset({"degree", "connectionStatus", "viewerFollows", "followsViewer", "email", "phone"}),
        network.RELATIONS_OF, lambda loaders: loaders.relation_by_person, per_viewer=True,
    ),
    "counts": PersonKind(
        frozenset({"followerCount", "followingCount", "connectionCount"}), network.get_counts,
        lambda loaders: loaders.network_counts_by_person,
    ),
}


# The Person fields a person's card (graph_db.people.get_cards: PersonCardRecord) answers:
# its own values, and what is read by the person's id alone (each kind but the contact
# details, which depend on the profile's visibility settings). A page whose people are asked
# nothing else reads their cards, not their profiles.
CARD_FIELDS = frozenset({"__typename", "id", "name", "title", "rank", "photoUrl"}).union(
    *(kind.fields for kind in PERSON_KINDS.values())
) - {"email", "phone"}


def person_kinds(names: frozenset[str]) -> list[str]:
    """The kinds the field names `names` show."""
    return [name for name, kind in PERSON_KINDS.items() if not names.isdisjoint(kind.fields)]


def people_parts(
    ctx: Context, kinds: Iterable[str], *, keys: Sequence[str] | None = None,
    keys_from: tuple[str, LiteralString] | None = None,
) -> list[Part]:
    """The reads of `kinds` for the people `keys` (or `keys_from` an earlier part), as parts of
    one statement; what needs a viewer is left out signed out (its loader answers then)."""
    parts = []
    for name in dict.fromkeys(kinds):
        kind = PERSON_KINDS[name]
        if kind.per_viewer and ctx.viewer is None:
            continue
        params = {"viewer": ctx.viewer.id} if kind.per_viewer and ctx.viewer else {}
        parts.append(kind.batch.part(name, keys=keys, keys_from=keys_from, params=params))
    return parts


def prime_people(ctx: Context, ids: Sequence[str], rows: dict[str, list[Row]]) -> None:
    """Prime each kind's loader with what `people_parts` read for the people `ids`."""
    for name, kind in PERSON_KINDS.items():
        if name in rows:
            _prime(kind.loader(ctx.loaders), ids, kind.batch.decode(ids, rows[name]))


async def read(ctx: Context, parts: Sequence[Part]) -> dict[str, list[Row]]:
    """Each part's rows, by part name (graph_db.compose.read_parts), one round trip; the
    viewer's sign-in check rides along while it is still to be made (resolvers.sessions)."""
    check = ctx.viewer.check if ctx.viewer is not None else None
    if check is None or len(parts) >= MAX_PARTS or (ride := check.part()) is None:
        return await read_parts(ctx.db, parts)
    rows = await read_parts(ctx.db, [*parts, ride])
    check.take(rows)
    return rows


@dataclass(frozen=True)
class Wanted:
    """What the selection below a root object asks for: every field name at any depth, the
    arguments of its one `posts` page (None: not asked, or asked more than once), and its
    `author` field nodes when each asks only CARD_FIELDS (else none)."""

    names: frozenset[str]
    posts_args: tuple[int | None, str | None] | None = None  # (first, after)
    author_cards: tuple[object, ...] = ()


def _posts_limit(ctx: Context, wanted: Wanted) -> int | None:
    """Rows the `posts` field will read (its page size + 1), if it reads a first page."""
    if wanted.posts_args is None:
        return None
    first, after = wanted.posts_args
    try:
        request = forward_request(ctx, first, after)
    except InvalidInput:
        return None  # the field itself says what is wrong
    if request.cursor is not None or request.size == 0:
        return None
    return request.size + 1


def _prime(loader: DataLoader[K, V], keys: Sequence[K], values: Sequence[V]) -> None:
    loader.prime_many(dict(zip(keys, values, strict=True)))


@dataclass(frozen=True)
class PageShows:
    """What the posts of a planned page show beyond themselves: their engagement, their
    authors' cards (all the page's `author` fields ask), or their authors' profiles."""

    engagement: bool
    cards: bool
    profiles: bool

    @classmethod
    def of(cls, wanted: Wanted) -> PageShows:
        authors = "author" in wanted.names
        return cls(
            engagement=not wanted.names.isdisjoint(ENGAGEMENT_FIELDS),
            cards=authors and bool(wanted.author_cards),
            profiles=authors and not wanted.author_cards,
        )


def _page_parts(
    viewer_id: str, statement: LiteralString, subject: dict[str, str], limit: int, shows: PageShows,
) -> list[Part]:
    """The first page of posts (`statement`, a listing of graph_db.posts or the home feed,
    for `subject`) with what its posts show: their engagement and their authors' cards in
    the listing's own rows (met there already: no second match by id), their authors'
    profiles by the authors' ids after it."""
    columns = [likes.ENGAGEMENT_COLUMN] if shows.engagement else []
    if shows.cards:
        columns.append(posts.AUTHOR_CARD_COLUMN)
    listing = posts.listing_with(statement, *columns)
    parts = [posts.first_page_part("posts", listing, viewer_id=viewer_id, limit=limit, **subject)]
    if shows.profiles:
        parts.append(people.get_many.part("authors", keys_from=("posts", "post.authorId")))
    return parts


def _prime_page(
    ctx: Context, listing: object, subject_id: str, limit: int, wanted: Wanted, shows: PageShows,
    rows: dict[str, list[Any]],
) -> None:
    """Hand the page to the resolver that reads it (by the listing function it calls), and
    what its posts show to their loaders: their authors' cards when those are all the
    page's `author` fields ask (those fields then answer from them: Loaders.answer_with_cards)."""
    loaders = ctx.loaders
    listed = rows["posts"]
    page = posts.page_records(listed)
    loaders.prime_page(listing, subject_id, None, limit, page)
    ids = [post.id for post in page]
    if shows.engagement:
        _prime(loaders.engagement_by_post, ids, likes.listed_engagement(ids, listed))
    authors = list(dict.fromkeys(post.authorId for post in page))
    if shows.cards:
        _prime(loaders.person_card_by_id, authors, posts.listed_cards(authors, listed))
        loaders.answer_with_cards(wanted.author_cards)
    elif shows.profiles:
        _prime(loaders.person_by_id, authors, people.get_many.decode(authors, rows["authors"]))


async def plan_person(ctx: Context, person_id: str, wanted: Wanted) -> None:
    """Read ahead what a Person's fields will ask (signed in: the profile and its posts)."""
    if ctx.viewer is None:
        return
    viewer_id, keys = ctx.viewer.id, [person_id]
    # The relation always: whether the viewer may see the person at all depends on it.
    kinds = ["relation", *person_kinds(wanted.names)]
    parts = [people.get_many.part("person", keys=keys), *people_parts(ctx, kinds, keys=keys)]
    limit, shows = _posts_limit(ctx, wanted), PageShows.of(wanted)
    if limit is not None:
        parts += _page_parts(viewer_id, posts.LIST_BY_AUTHOR, {"author": person_id}, limit, shows)
    rows = await read(ctx, parts)
    _prime(ctx.loaders.person_by_id, keys, people.get_many.decode(keys, rows["person"]))
    prime_people(ctx, keys, rows)
    if limit is not None:
        _prime_page(ctx, posts.list_by_author, person_id, limit, wanted, shows, rows)


async def plan_feed(ctx: Context, wanted: Wanted) -> None:
    """Read ahead the viewer's home feed page and what its posts show (signed in)."""
    if ctx.viewer is None:
        return
    limit = _posts_limit(ctx, wanted)
    if limit is None:
        return
    viewer_id, shows = ctx.viewer.id, PageShows.of(wanted)
    rows = await read(ctx, _page_parts(viewer_id, feed.HOME_FEED, {}, limit, shows))
    _prime_page(ctx, feed.home_feed, viewer_id, limit, wanted, shows, rows)


async def plan_group(ctx: Context, group_id: str, wanted: Wanted) -> None:
    """Read ahead what a Group's fields will ask (signed in: the group page and its posts)."""
    if ctx.viewer is None:
        return
    viewer_id, keys = ctx.viewer.id, [group_id]
    parts = [groups.get_many.part("group", keys=keys)]
    if not wanted.names.isdisjoint(ACCESS_FIELDS):
        parts.append(groups.ACCESS_OF.part("access", keys=keys, params={"viewer": viewer_id}))
    limit, shows = _posts_limit(ctx, wanted), PageShows.of(wanted)
    if limit is not None:
        parts += _page_parts(viewer_id, posts.LIST_IN_GROUP, {"group": group_id}, limit, shows)
    rows = await read(ctx, parts)
    loaders = ctx.loaders
    _prime(loaders.group_by_id, keys, groups.get_many.decode(keys, rows["group"]))
    if "access" in rows:
        _prime(loaders.group_access_by_id, keys, groups.ACCESS_OF.decode(keys, rows["access"]))
    if limit is not None:
        _prime_page(ctx, posts.list_in_group, group_id, limit, wanted, shows, rows)
