"""Read plans: what a root field will show, read in one statement before it resolves.

A profile asks for a person and, below it, where they work, their terms, how the viewer
relates to them, their counts, and their latest posts with each post's counts. Each of those
has a DataLoader; resolved field by field they cost a round trip per kind, level after level
(seven for a profile, five for a group page). A plan reads the operation's selection before
the root field resolves (`Wanted`, from schema.base.wanted), composes the reads the fields
below it will make into one statement (graph_db.compose, the loaders' own statements and
rules, unchanged), and primes the loaders and the page store with what it read, decoded by
the loaders' own decoders. The fields then resolve exactly as they would without a plan,
through the same loaders and checks, and find what they need already there.

A plan is an optimisation only: whatever it does not cover (another field, a later page, a
signed-out viewer) is read by the loaders as before, and a field it covers gets the value its
loader would have read. tests/api/test_planner.py holds both to that, on both engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

from strawberry.dataloader import DataLoader

from graph_db import groups, likes, network, people, posts
from graph_db.compose import Part, read_parts
from graph_db.errors import InvalidInput
from graph_db.keyset import cursor_params
from graph_db.social_records import PostRecord
from resolvers.context import Context
from resolvers.pagination import forward_request

K = TypeVar("K")
V = TypeVar("V")

# The fields below a root that read each kind (by their GraphQL names).
AFFILIATION_FIELDS = frozenset({"hospital", "department", "division"})
TERM_FIELDS = frozenset({"interests", "mentorshipOffered", "mentorshipSought"})
COUNT_FIELDS = frozenset({"followerCount", "followingCount", "connectionCount"})
ENGAGEMENT_FIELDS = frozenset({"likeCount", "commentCount", "viewerHasLiked"})
ACCESS_FIELDS = frozenset({"viewerStatus", "viewerRole", "viewerCanModerate", "viewerMutedUntil"})


@dataclass(frozen=True)
class Wanted:
    """What the selection below a root object asks for: every field name at any depth, and
    the arguments of its one `posts` page (None: not asked, or asked more than once)."""

    names: frozenset[str]
    posts_args: tuple[int | None, str | None] | None = None  # (first, after)


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


def _page_parts(
    viewer_id: str, statement: LiteralString, params: dict[str, Any], limit: int, wanted: Wanted,
) -> list[Part]:
    """The page of posts (`statement`, a listing of graph_db.posts), and what its posts show."""
    parts = [Part("posts", statement, params={
        **params, "viewer": viewer_id, "limit": limit, **cursor_params(None),
    })]
    if not wanted.names.isdisjoint(ENGAGEMENT_FIELDS):
        parts.append(likes.POSTS_ENGAGEMENT.part(
            "engagement", keys_from=("posts", "post.id"), params={"viewer": viewer_id},
        ))
    if "author" in wanted.names:
        parts.append(people.get_many.part("authors", keys_from=("posts", "post.authorId")))
    return parts


def _prime_page(
    ctx: Context, listing: object, subject_id: str, limit: int, rows: dict[str, list[Any]]
) -> None:
    """Hand the page to the resolver that reads it (by the listing function it calls), and
    what its posts show to their loaders."""
    page = [PostRecord.from_row(row["post"]) for row in rows["posts"]]
    ctx.loaders.prime_page(listing, subject_id, None, limit, page)
    ids = [post.id for post in page]
    if "engagement" in rows:
        _prime(ctx.loaders.engagement_by_post, ids, likes.POSTS_ENGAGEMENT.decode(ids, rows["engagement"]))
    if "authors" in rows:
        authors = list(dict.fromkeys(post.authorId for post in page))
        _prime(ctx.loaders.person_by_id, authors, people.get_many.decode(authors, rows["authors"]))


async def plan_person(ctx: Context, person_id: str, wanted: Wanted) -> None:
    """Read ahead what a Person's fields will ask (signed in: the profile and its posts)."""
    if ctx.viewer is None:
        return
    viewer_id, keys, names = ctx.viewer.id, [person_id], wanted.names
    parts = [
        people.get_many.part("person", keys=keys),
        network.RELATIONS_OF.part("relation", keys=keys, params={"viewer": viewer_id}),
    ]
    if not names.isdisjoint(AFFILIATION_FIELDS):
        parts.append(people.get_affiliations.part("affiliation", keys=keys))
    if not names.isdisjoint(TERM_FIELDS):
        parts.append(people.get_terms.part("terms", keys=keys))
    if not names.isdisjoint(COUNT_FIELDS):
        parts.append(network.get_counts.part("counts", keys=keys))
    limit = _posts_limit(ctx, wanted)
    if limit is not None:
        parts += _page_parts(viewer_id, posts.LIST_BY_AUTHOR, {"author": person_id}, limit, wanted)
    rows = await read_parts(ctx.db, parts)
    loaders = ctx.loaders
    _prime(loaders.person_by_id, keys, people.get_many.decode(keys, rows["person"]))
    _prime(loaders.relation_by_person, keys, network.RELATIONS_OF.decode(keys, rows["relation"]))
    if "affiliation" in rows:
        _prime(loaders.affiliation_by_person, keys,
               people.get_affiliations.decode(keys, rows["affiliation"]))
    if "terms" in rows:
        _prime(loaders.terms_by_person, keys, people.get_terms.decode(keys, rows["terms"]))
    if "counts" in rows:
        _prime(loaders.network_counts_by_person, keys, network.get_counts.decode(keys, rows["counts"]))
    if limit is not None:
        _prime_page(ctx, posts.list_by_author, person_id, limit, rows)


async def plan_group(ctx: Context, group_id: str, wanted: Wanted) -> None:
    """Read ahead what a Group's fields will ask (signed in: the group page and its posts)."""
    if ctx.viewer is None:
        return
    viewer_id, keys = ctx.viewer.id, [group_id]
    parts = [groups.get_many.part("group", keys=keys)]
    if not wanted.names.isdisjoint(ACCESS_FIELDS):
        parts.append(groups.ACCESS_OF.part("access", keys=keys, params={"viewer": viewer_id}))
    limit = _posts_limit(ctx, wanted)
    if limit is not None:
        parts += _page_parts(viewer_id, posts.LIST_IN_GROUP, {"group": group_id}, limit, wanted)
    rows = await read_parts(ctx.db, parts)
    loaders = ctx.loaders
    _prime(loaders.group_by_id, keys, groups.get_many.decode(keys, rows["group"]))
    if "access" in rows:
        _prime(loaders.group_access_by_id, keys, groups.ACCESS_OF.decode(keys, rows["access"]))
    if limit is not None:
        _prime_page(ctx, posts.list_in_group, group_id, limit, rows)
