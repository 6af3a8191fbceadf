"""Follows, connection requests and connections, blocks, and people you may know.

Every action is the signed-in viewer's own, towards another member; a member you blocked or
who blocked you looks like nobody (NOT_FOUND), and acting on yourself is BAD_USER_INPUT.
Each action is one idempotent statement, so doing it twice is harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from graph_db import network
from graph_db.errors import InvalidInput, NotFound
from graph_db.people_records import LinkRecord, PairChangeRecord, PersonRecord, SuggestionRecord
from graph_db.profile_fields import clean_text
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.loaders import forget
from resolvers.notifications import announce
from resolvers.pagination import Page, time_page
from resolvers.people import visible_person

MAX_MESSAGE = 500
MAX_SUGGESTIONS = 50


async def _other(ctx: Context, person_id: str) -> tuple[str, PersonRecord]:
    viewer = require_viewer(ctx)
    if person_id == viewer.id:
        raise InvalidInput("that is you", field="personId")
    return viewer.id, await visible_person(ctx, person_id)


def _changed(ctx: Context, person_id: str) -> None:
    forget(ctx.loaders.relation_by_person, person_id)
    forget(ctx.loaders.network_counts_by_person, person_id)
    if ctx.viewer is not None:
        forget(ctx.loaders.network_counts_by_person, ctx.viewer.id)


async def _act(
    ctx: Context, person_id: str,
    action: Callable[[str, str], Awaitable[PairChangeRecord | None]], missing: str = "no such member",
) -> PersonRecord:
    """One step of the viewer towards another member; the notifications it made (a follow,
    a request, an acceptance) go out live once the step has committed."""
    viewer_id, other = await _other(ctx, person_id)
    change = await action(viewer_id, other.id)
    if change is None:
        raise NotFound(missing, field="personId")
    _changed(ctx, other.id)
    await announce(ctx, change.notified)
    return other


async def follow(ctx: Context, person_id: str) -> PersonRecord:
    return await _act(
        ctx, person_id, lambda v, o: network.follow(ctx.db, v, o, now=ctx.now_ms())
    )


async def unfollow(ctx: Context, person_id: str) -> PersonRecord:
    return await _act(ctx, person_id, lambda v, o: network.unfollow(ctx.db, v, o))


async def request_connection(ctx: Context, person_id: str, message: str | None) -> PersonRecord:
    """Ask to connect; if they already asked you, you are connected at once."""
    text = clean_text(message) if message is not None else None
    if text is not None and len(text) > MAX_MESSAGE:
        raise InvalidInput(f"at most {MAX_MESSAGE} characters", field="message")
    return await _act(
        ctx, person_id,
        lambda v, o: network.request_connection(ctx.db, v, o, message=text or None, now=ctx.now_ms()),
    )


async def accept_connection(ctx: Context, person_id: str) -> PersonRecord:
    return await _act(
        ctx, person_id, lambda v, o: network.accept_connection(ctx.db, v, o, now=ctx.now_ms()),
        missing="this member has not asked to connect",
    )


async def decline_connection(ctx: Context, person_id: str) -> PersonRecord:
    return await _act(ctx, person_id, lambda v, o: network.decline_connection(ctx.db, v, o))


async def withdraw_request(ctx: Context, person_id: str) -> PersonRecord:
    return await _act(ctx, person_id, lambda v, o: network.withdraw_request(ctx.db, v, o))


async def remove_connection(ctx: Context, person_id: str) -> PersonRecord:
    return await _act(ctx, person_id, lambda v, o: network.remove_connection(ctx.db, v, o))


async def block(ctx: Context, person_id: str) -> PersonRecord:
    """Block a member: follows, requests and the connection between you end, and neither
    of you sees the other anywhere."""
    return await _act(ctx, person_id, lambda v, o: network.block(ctx.db, v, o, now=ctx.now_ms()))


async def unblock(ctx: Context, person_id: str) -> PersonRecord:
    """Lift your block (someone you blocked is still reachable by id for this)."""
    viewer = require_viewer(ctx)
    other = await ctx.loaders.person_by_id.load(person_id)
    if other is None or other.id == viewer.id:
        raise NotFound("no such member", field="personId")
    rel = await ctx.loaders.relation_by_person.load(person_id)
    if rel.blockedBy:  # their block is theirs to lift; you still cannot see them
        raise NotFound("no such member", field="personId")
    await network.unblock(ctx.db, viewer.id, other.id)
    _changed(ctx, other.id)
    return other


# -- lists ----------------------------------------------------------------------------------

PUBLIC_LISTS = ("followers", "following", "connections")
OWN_LISTS = ("incoming", "outgoing", "blocked")


async def links(
    ctx: Context, kind: str, owner_id: str, *, first: int | None, after: str | None
) -> Page[LinkRecord]:
    """A page of a member's followers/following/connections (any signed-in member may look;
    people hidden from the viewer are left out), or the viewer's own incoming/outgoing
    requests or blocked members (owner must be the viewer)."""
    viewer = require_viewer(ctx)
    if kind in OWN_LISTS and owner_id != viewer.id:
        raise InvalidInput("only your own", field="personId")
    listing = partial(network.list_links, ctx.db, kind, owner_id, viewer=viewer.id)
    page = await time_page(ctx, first, after, listing, lambda link: (link.since, link.person.id))
    for link in page.items:
        ctx.loaders.person_by_id.prime(link.person.id, link.person)
    return page


async def suggestions(ctx: Context, first: int | None) -> list[SuggestionRecord]:
    """People you may know: friends of your connections and people sharing your interests,
    never yourself, your connections, pending requests or blocked members."""
    viewer = require_viewer(ctx)
    size = 10 if first is None else first
    if not 0 <= size <= MAX_SUGGESTIONS:
        raise InvalidInput(f"first must be between 0 and {MAX_SUGGESTIONS}", field="first")
    if size == 0:
        return []
    found = await network.suggestions(ctx.db, viewer.id, limit=size)
    for s in found:
        ctx.loaders.person_by_id.prime(s.person.id, s.person)
    return found
