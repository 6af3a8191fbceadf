"""Posts (updates) and likes: who may write, edit, remove and like what, and reading them.

Everything social is for signed-in members: signed out, no post is visible. Bodies are
plain text (links are recognised, not markup); @-mentions are given as person ids beside
the text (`mentionIds`), so the server never parses names, and each person newly
mentioned is notified.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from graph_db import likes, posts
from graph_db.backend import Executor
from graph_db.errors import Forbidden, InvalidInput, NotFound
from graph_db.people_records import LinkRecord
from graph_db.social_records import EngagementRecord, PostRecord
from resolvers import groups as group_rules
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.loaders import forget, now_or_later, or_not_found, unloaded
from resolvers.notifications import announce
from resolvers.pagination import Page, forward_request, keyset_page, time_key
from resolvers.policy import moderates_scope

R = TypeVar("R")

MAX_POST_CHARS = 3000
MAX_MENTIONS = 20
MAX_REASON_CHARS = 500
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def clean_body(text: str, *, field: str, max_chars: int) -> str:
    """Trimmed plain text of 1..max_chars characters, no control characters but newlines
    and tabs; line endings normalised. Anything else is BAD_USER_INPUT on `field`."""
    body = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not body:
        raise InvalidInput("write something first", field=field)
    if len(body) > max_chars:
        raise InvalidInput(f"at most {max_chars} characters", field=field)
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") and c not in "\n\t" for c in body):
        raise InvalidInput("remove control and formatting characters", field=field)
    return body


def links(body: str) -> list[str]:
    """The http(s) links in a body, in order, without trailing punctuation, deduplicated."""
    found = (m.group(0).rstrip(_TRAILING) for m in _LINK.finditer(body))
    return list(dict.fromkeys(link for link in found if len(link) > len("https://")))


async def valid_mentions(ctx: Context, person_ids: Sequence[str] | None) -> list[str] | None:
    """Mentioned people, deduplicated; each must exist (BAD_USER_INPUT on mentionIds)."""
    if person_ids is None:
        return None
    ids = list(dict.fromkeys(person_ids))
    if len(ids) > MAX_MENTIONS:
        raise InvalidInput(f"mention at most {MAX_MENTIONS} people", field="mentionIds")
    found = await ctx.loaders.person_by_id.load_many(ids)
    if any(person is None for person in found):
        raise InvalidInput("a mentioned person does not exist", field="mentionIds")
    return ids


def clean_reason(reason: str | None) -> str | None:
    if reason is None or not reason.strip():
        return None
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"at most {MAX_REASON_CHARS} characters", field="reason")
    return reason.strip()


# -- reading ------------------------------------------------------------------------------


async def get_post(ctx: Context, post_id: str) -> PostRecord | None:
    """A post as the viewer may see it (None: absent, removed, hidden, or signed out)."""
    return await ctx.loaders.post_by_id.load(post_id)


async def get_posts(ctx: Context, post_ids: Sequence[str]) -> list[PostRecord | None]:
    return list(await ctx.loaders.post_by_id.load_many(list(post_ids)))


async def require_post(ctx: Context, post_id: str, field: str = "postId") -> PostRecord:
    return or_not_found(await get_post(ctx, post_id), "post", field)


def engagement_now(ctx: Context, post_id: str) -> EngagementRecord | Awaitable[EngagementRecord]:
    """Likes, comments and whether the viewer liked it, batched across the page; without
    an await when the page preloaded it (see `preload`)."""
    return now_or_later(ctx.loaders.engagement_by_post, post_id)


class Authored(Protocol):
    """A post or a comment, as far as a page of them needs to know."""

    @property
    def id(self) -> str: ...

    @property
    def authorId(self) -> str: ...  # noqa: N802 (the records' field name)


async def preload_content(
    ctx: Context, items: Sequence[Authored],
    engagement: DataLoader[str, EngagementRecord] | None, *, authors: Sequence[object],
) -> None:
    """Load what a page of posts or comments will show, concurrently and in one round trip
    per kind: their counts with the viewer's likes (from `engagement`, when given) and their
    authors, when the `author` field nodes `authors` are asked (as cards where a plan said
    those fields answer from cards). Their fields then answer without awaiting
    (resolvers.loaders.now_or_later)."""
    wanted: list[tuple[DataLoader[str, Any], list[str]]] = []
    if engagement is not None:
        wanted.append((engagement, [item.id for item in items]))
    if authors:
        people = ctx.loaders.person_card_by_id if ctx.loaders.answers_with_cards(authors) else (
            ctx.loaders.person_by_id)
        wanted.append((people, list({i.authorId: 0 for i in items})))
    # What a read plan primed is not loaded again (nor awaited: nothing to wait for).
    loads = [loader.load_many(left) for loader, keys in wanted if (left := unloaded(loader, keys))]
    if loads:
        await asyncio.gather(*loads)


async def preload(
    ctx: Context, items: Sequence[PostRecord], *, engagement: bool, authors: Sequence[object]
) -> None:
    """`preload_content` for a page of posts."""
    loader = ctx.loaders.engagement_by_post if engagement else None
    await preload_content(ctx, items, loader, authors=authors)


class ViewerListing(Protocol[R]):
    """A repository read of one subject's rows as a viewer sees them, after a (time, id) key."""

    def __call__(
        self, db: Executor, subject_id: str, /, *, viewer_id: str,
        after: tuple[int, str] | None, limit: int,
    ) -> Awaitable[list[R]]: ...


async def viewer_page(
    ctx: Context, listing: ViewerListing[R], subject_id: str, first: int | None,
    after: str | None, key: Callable[[R], Sequence[Any]], *, signed_out_empty: bool = False,
) -> Page[R]:
    """A forward page of `listing` for the signed-in viewer (the cursor is checked first);
    signed out: UNAUTHENTICATED, or an empty page when `signed_out_empty`."""
    request = forward_request(ctx, first, after)
    cursor = time_key(request)
    if signed_out_empty and ctx.viewer is None:
        return Page([], [], False, False)
    viewer = require_viewer(ctx)

    async def fetch(_: object, __: bool, limit: int) -> list[R]:
        planned = ctx.loaders.take_page(listing, subject_id, cursor, limit)
        if planned is not None:
            return planned
        return await listing(ctx.db, subject_id, viewer_id=viewer.id, after=cursor, limit=limit)

    return await keyset_page(request, fetch, key)


def _post_key(post: PostRecord) -> tuple[int, str]:
    return post.createdAt, post.id


def liker_key(link: LinkRecord) -> tuple[int, str]:
    return link.since, link.person.id


async def person_posts(
    ctx: Context, person_id: str, *, first: int | None, after: str | None
) -> Page[PostRecord]:
    """A member's posts, newest first (empty when blocked either way or signed out)."""
    return await viewer_page(
        ctx, posts.list_by_author, person_id, first, after, _post_key, signed_out_empty=True
    )


async def group_posts(
    ctx: Context, group_id: str, *, first: int | None, after: str | None
) -> Page[PostRecord]:
    """A group's posts, newest first; empty unless the viewer may see the group."""
    return await viewer_page(ctx, posts.list_in_group, group_id, first, after, _post_key)


async def likers(
    ctx: Context, post_id: str, *, first: int | None, after: str | None
) -> Page[LinkRecord]:
    """Who liked a visible post, newest like first."""
    return await viewer_page(ctx, likes.list_post_likers, post_id, first, after, liker_key)


# -- writing ------------------------------------------------------------------------------


async def create_post(
    ctx: Context, *, body: str, group_id: str | None = None,
    mention_ids: Sequence[str] | None = None,
) -> PostRecord:
    """Post an update as the viewer, optionally in a group they belong to."""
    viewer = require_viewer(ctx)
    text = clean_body(body, field="body", max_chars=MAX_POST_CHARS)
    mentions = await valid_mentions(ctx, mention_ids) or []
    if group_id is not None:  # member, not banned or muted, not archived, slow mode
        await group_rules.require_can_post(ctx, group_id)
    post, notified = await posts.create_post(
        ctx.db, id=str(uuid.uuid4()), author_id=viewer.id, body=text, now=ctx.now_ms(),
        group_id=group_id, mention_ids=mentions,
    )
    if post is None:  # membership (or a mute, or slow mode) changed since the check above
        raise Forbidden("you cannot post in this group now")
    ctx.loaders.post_by_id.prime(post.id, post)
    await announce(ctx, notified)
    return post


async def edit_post(
    ctx: Context, post_id: str, *, body: str, mention_ids: Sequence[str] | None = None
) -> PostRecord:
    """Replace the text (and, when given, the mentions) of the viewer's own post."""
    viewer = require_viewer(ctx)
    current = await require_post(ctx, post_id, field="id")
    if current.authorId != viewer.id:
        raise Forbidden("only the author can edit a post")
    text = clean_body(body, field="body", max_chars=MAX_POST_CHARS)
    mentions = await valid_mentions(ctx, mention_ids)
    post, notified = await posts.update_post(
        ctx.db, post_id, author_id=viewer.id, body=text, now=ctx.now_ms(), mention_ids=mentions
    )
    if post is None:
        raise NotFound("no such post", field="id")
    forget(ctx.loaders.post_by_id, post_id)
    ctx.loaders.post_by_id.prime(post_id, post)
    await announce(ctx, notified)
    return post


async def delete_post(ctx: Context, post_id: str, *, reason: str | None = None) -> str:
    """Remove a post (soft): its author, or a moderator (recorded for the audit log)."""
    viewer = require_viewer(ctx)
    post = await require_post(ctx, post_id, field="id")
    moderator = False
    if post.authorId != viewer.id:
        moderator = await moderates_scope(ctx, post.groupId)
        if not moderator:
            raise Forbidden("only the author or a moderator can delete a post")
    removed = await posts.remove_post(
        ctx.db, post_id, actor_id=viewer.id, moderator=moderator, now=ctx.now_ms(),
        action_id=str(uuid.uuid4()), reason=clean_reason(reason),
    )
    if not removed:
        raise NotFound("no such post", field="id")
    forget(ctx.loaders.post_by_id, post_id)
    return post_id


async def like_post(ctx: Context, post_id: str) -> PostRecord:
    """Like a post (liking it again changes nothing); its author is notified once."""
    viewer = require_viewer(ctx)
    liked, notified = await likes.like_post(ctx.db, post_id, viewer_id=viewer.id, now=ctx.now_ms())
    if liked is None:  # absent, removed or hidden from the viewer: the write found nothing
        raise NotFound("no such post", field="postId")
    # The statement answered with the post and its counts: the payload reads no more.
    ctx.loaders.post_by_id.prime(post_id, liked.post)
    forget(ctx.loaders.engagement_by_post, post_id)
    ctx.loaders.engagement_by_post.prime(post_id, liked.engagement)
    await announce(ctx, notified)
    return liked.post


async def unlike_post(ctx: Context, post_id: str) -> PostRecord:
    """Withdraw the viewer's like (none: nothing changes)."""
    viewer = require_viewer(ctx)
    post = await require_post(ctx, post_id)
    if await likes.unlike_post(ctx.db, post_id, viewer_id=viewer.id) is None:
        raise NotFound("no such post", field="postId")
    forget(ctx.loaders.engagement_by_post, post_id)
    return post
