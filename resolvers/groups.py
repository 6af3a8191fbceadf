"""Groups: who may create, change, join, leave, invite, approve and set roles, and reading
groups, their members and pinned posts.

Everything here is for signed-in members. A group's name and description are public (so
people can find a private group and ask to join); its content (posts, members, forums)
is for members only when it is PRIVATE, and for anyone not banned when it is PUBLIC.
Group roles are read from the graph for every request (the access loader), and every
write re-checks them in its own statement: a demoted moderator has no power from the
next request on, and a raced request changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from functools import partial

from graph_db import groups, vocabulary
from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from graph_db.groups.records import GroupAccessRecord, GroupRecord, MembershipRecord
from graph_db.policy import GROUP_ROLES, VISIBILITIES
from graph_db.social_records import PostRecord
from resolvers import text
from resolvers.auth import require_viewer
from resolvers.context import Context, Viewer
from resolvers.loaders import forget, or_not_found
from resolvers.notifications import announce
from resolvers.pagination import Page, forward_request, keyset_page, time_page
from resolvers.policy import get_access, may_invite, may_join, moderates, owns, sees_group_content

MIN_NAME_CHARS, MAX_NAME_CHARS = 3, 100
MAX_DESCRIPTION_CHARS = 2000
MAX_INTERESTS = 10
MAX_MESSAGE_CHARS = 500


# -- reading ------------------------------------------------------------------------------


async def get_group(ctx: Context, group_id: str) -> GroupRecord | None:
    """A group (its public face) for a signed-in viewer; None signed out or absent."""
    if ctx.viewer is None:
        return None
    return await ctx.loaders.group_by_id.load(group_id)


async def get_groups(ctx: Context, group_ids: Sequence[str]) -> list[GroupRecord | None]:
    if ctx.viewer is None:
        return [None] * len(group_ids)
    return list(await ctx.loaders.group_by_id.load_many(list(group_ids)))


NOTIFICATION_KINDS = ("JOIN_REQUEST", "JOIN_APPROVED", "GROUP_INVITE")


async def notification_group(ctx: Context, kind: str, target_id: str) -> GroupRecord | None:
    """The group a group notification (JOIN_REQUEST, JOIN_APPROVED, GROUP_INVITE) is about."""
    return await get_group(ctx, target_id) if kind in NOTIFICATION_KINDS else None


async def require_access(
    ctx: Context, group_id: str, field: str = "groupId"
) -> tuple[Viewer, GroupAccessRecord]:
    """The signed-in viewer and their standing in an existing group, or NOT_FOUND."""
    viewer = require_viewer(ctx)
    return viewer, or_not_found(await get_access(ctx, group_id), "group", field)


async def require_moderator(
    ctx: Context, group_id: str, field: str = "groupId"
) -> tuple[Viewer, GroupAccessRecord]:
    return await _require_standing(ctx, group_id, field, moderates, "moderators")


async def require_owner(
    ctx: Context, group_id: str, field: str = "groupId"
) -> tuple[Viewer, GroupAccessRecord]:
    return await _require_standing(ctx, group_id, field, owns, "owners")


async def _require_standing(
    ctx: Context, group_id: str, field: str,
    holds: Callable[[Viewer, GroupAccessRecord], bool], who: str,
) -> tuple[Viewer, GroupAccessRecord]:
    viewer, access = await require_access(ctx, group_id, field)
    if not holds(viewer, access):
        raise Forbidden(f"only the group's {who} can do this")
    return viewer, access


async def require_can_post(ctx: Context, group_id: str, field: str = "groupId") -> GroupAccessRecord:
    """Raise unless the viewer may contribute in the group now: a member, not banned, not
    muted, the group not archived, and slow mode allowing it (moderators are exempt).
    Posting statements check the same again (graph_db.moderation.can_post)."""
    viewer, access = await require_access(ctx, group_id, field)
    now = ctx.now_ms()
    if access.banned:
        raise Forbidden("you are banned from this group")
    if not access.member:
        raise Forbidden("only members of the group can post in it")
    if access.archived:
        raise Forbidden("this group is archived (read-only)")
    if access.mutedUntil is not None and access.mutedUntil > now:
        raise Forbidden("you are muted in this group for now")
    if access.slowModeSeconds and not moderates(viewer, access) and access.lastContributionAt:
        wait = access.lastContributionAt + access.slowModeSeconds * 1000 - now
        if wait > 0:
            raise RateLimited(
                f"slow mode: one contribution every {access.slowModeSeconds} seconds",
                retry_after=wait / 1000,
            )
    return access


async def list_groups(
    ctx: Context, *, query: str | None, interest_id: str | None, joined: bool,
    include_archived: bool, first: int | None, after: str | None,
) -> Page[GroupRecord]:
    """Groups matching a search over name and description (most relevant first), else
    newest first; optionally about an interest, or only the viewer's."""
    viewer = require_viewer(ctx)
    request = forward_request(ctx, first, after)
    cursor = None
    if request.cursor is not None:
        rank, last_id = request.cursor
        if not isinstance(rank, int | float) or not isinstance(last_id, str):
            raise InvalidInput("invalid cursor", field="after")
        cursor = (float(rank), last_id)
    search = query.strip() if query is not None else None
    if search is not None and len(search) > 200:
        raise InvalidInput("at most 200 characters", field="query")
    ranks: dict[str, float] = {}

    async def fetch(_: object, __: bool, limit: int) -> list[GroupRecord]:
        found = await groups.list_groups(
            ctx.db, viewer_id=viewer.id, query=search or None, interest_id=interest_id,
            joined=joined, include_archived=include_archived, after=cursor, limit=limit,
        )
        ranks.update({g.id: rank for g, rank in found})
        return [g for g, _ in found]

    page = await keyset_page(request, fetch, lambda g: (ranks[g.id], g.id))
    for group in page.items:
        ctx.loaders.group_by_id.prime(group.id, group)
    return page


async def _people(
    ctx: Context, which: str, group_id: str, *, role: str | None, first: int | None,
    after: str | None,
) -> Page[MembershipRecord]:
    viewer = require_viewer(ctx)
    listing = partial(groups.list_people, ctx.db, which, group_id, viewer_id=viewer.id, role=role)
    return await time_page(ctx, first, after, listing, lambda m: (m.since, m.person.id))


async def members(
    ctx: Context, group_id: str, *, role: str | None, first: int | None, after: str | None
) -> Page[MembershipRecord]:
    """A group's members, in joining order (empty when the viewer may not see its content)."""
    if role is not None and role not in GROUP_ROLES:
        raise InvalidInput("unknown group role", field="role")
    return await _people(ctx, "MEMBERS", group_id, role=role, first=first, after=after)


async def moderator_list(
    ctx: Context, which: str, group_id: str, *, first: int | None, after: str | None
) -> Page[MembershipRecord]:
    """Pending join REQUESTS or BANNED people: for the group's moderators (else empty)."""
    viewer = require_viewer(ctx)
    if not moderates(viewer, await get_access(ctx, group_id)):
        return Page([], [], False, False)
    return await _people(ctx, which, group_id, role=None, first=first, after=after)


async def pinned_posts(ctx: Context, group_id: str) -> list[PostRecord]:
    """The group's pinned posts, last pinned first, as the viewer may see them."""
    if not await sees_group_content(ctx, group_id):
        return []
    ids = await groups.list_pinned_post_ids(ctx.db, group_id)
    found = await ctx.loaders.post_by_id.load_many(ids)
    return [post for post in found if post is not None]


# -- validation ---------------------------------------------------------------------------


def clean_name(name: str) -> str:
    return text.name(name, field="name", max_chars=MAX_NAME_CHARS, min_chars=MIN_NAME_CHARS)


def clean_description(description: str) -> str:
    return text.block(description, field="description", max_chars=MAX_DESCRIPTION_CHARS)


def clean_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise InvalidInput("PUBLIC or PRIVATE", field="visibility")
    return visibility


def clean_message(message: str | None, field: str = "message") -> str | None:
    if message is None:
        return None
    return text.block(message, field=field, max_chars=MAX_MESSAGE_CHARS) or None


async def valid_interests(ctx: Context, interest_ids: Sequence[str]) -> list[str]:
    ids = list(dict.fromkeys(interest_ids))
    if len(ids) > MAX_INTERESTS:
        raise InvalidInput(f"at most {MAX_INTERESTS} interests", field="interestIds")
    terms = await vocabulary.get_many(ctx.db, ids)
    if any(t is None or t.kind != "Interest" for t in terms):
        raise InvalidInput("an interest does not exist", field="interestIds")
    return ids


def _forget(ctx: Context, group_id: str) -> None:
    forget(ctx.loaders.group_by_id, group_id)
    forget(ctx.loaders.group_access_by_id, group_id)


def _remember(ctx: Context, group: GroupRecord) -> GroupRecord:
    ctx.loaders.group_by_id.prime(group.id, group, force=True)
    forget(ctx.loaders.group_access_by_id, group.id)
    return group


def _action_id() -> str:
    return str(uuid.uuid4())


# -- creating and changing ----------------------------------------------------------------


async def create_group(
    ctx: Context, *, name: str, description: str, visibility: str,
    interest_ids: Sequence[str] = (),
) -> GroupRecord:
    """Any member creates a group and becomes its OWNER."""
    viewer = require_viewer(ctx)
    clean = clean_name(name), clean_description(description), clean_visibility(visibility)
    interests = await valid_interests(ctx, interest_ids)
    group = await groups.create_group(
        ctx.db, id=str(uuid.uuid4()), actor_id=viewer.id, name=clean[0], description=clean[1],
        visibility=clean[2], interest_ids=interests, now=ctx.now_ms(),
    )
    if group is None:
        raise NotFound("this account no longer exists")
    return _remember(ctx, group)


async def update_group(
    ctx: Context, group_id: str, *, name: str | None = None, description: str | None = None,
    visibility: str | None = None, interest_ids: Sequence[str] | None = None,
) -> GroupRecord:
    """Owners (and site admins) change a group's name, description, visibility, interests."""
    viewer, _ = await require_owner(ctx, group_id)
    changes: dict[str, str] = {}
    if name is not None:
        changes["name"] = clean_name(name)
    if description is not None:
        changes["description"] = clean_description(description)
    if visibility is not None:
        changes["visibility"] = clean_visibility(visibility)
    interests = None if interest_ids is None else await valid_interests(ctx, interest_ids)
    if not changes and interests is None:
        raise InvalidInput("nothing to change")
    group = await groups.update_group(
        ctx.db, group_id, actor_id=viewer.id, changes=changes, interest_ids=interests,
        now=ctx.now_ms(), action_id=_action_id(),
    )
    if group is None:
        raise Forbidden("only the group's owners can do this")
    return _remember(ctx, group)


async def set_archived(ctx: Context, group_id: str, *, archived: bool, reason: str | None) -> GroupRecord:
    """Owners (and site admins) archive a group (read-only) or bring it back."""
    viewer, access = await require_owner(ctx, group_id)
    if access.archived == archived:
        group = await ctx.loaders.group_by_id.load(group_id)
        if group is None:
            raise NotFound("no such group", field="groupId")
        return group
    group = await groups.set_archived(
        ctx.db, group_id, actor_id=viewer.id, archived=archived, reason=clean_message(reason, "reason"),
        now=ctx.now_ms(), action_id=_action_id(),
    )
    if group is None:
        raise Conflict("the group changed meanwhile; try again", field="groupId")
    return _remember(ctx, group)


# -- joining and leaving ------------------------------------------------------------------


async def join_group(ctx: Context, group_id: str) -> GroupRecord:
    """Join a public group, or a private one you are invited to (joining again: no change)."""
    viewer, access = await require_access(ctx, group_id)
    if access.banned:
        raise Forbidden("you are banned from this group")
    if not access.member:
        if access.archived:
            raise Conflict("this group is archived", field="groupId")
        if not may_join(access):
            raise Forbidden("this group is private: ask to join instead")
    group = await groups.join(ctx.db, group_id, person_id=viewer.id, now=ctx.now_ms())
    if group is None:
        raise Conflict("the group changed meanwhile; try again", field="groupId")
    return _remember(ctx, group)


async def leave_group(ctx: Context, group_id: str) -> GroupRecord:
    """Leave a group (not a member: no change); its last owner cannot leave."""
    viewer, access = await require_access(ctx, group_id)
    result = await groups.leave(ctx.db, group_id, person_id=viewer.id)
    if result is None:
        group = await ctx.loaders.group_by_id.load(group_id)
        if group is None:
            raise NotFound("no such group", field="groupId")
        return group
    group, last_owner = result
    if last_owner:
        raise Conflict("the last owner cannot leave; make someone else an owner first",
                       field="groupId")
    return _remember(ctx, group)


async def request_to_join(ctx: Context, group_id: str, *, message: str | None) -> GroupRecord:
    """Ask to join a private group; its owners and moderators are notified. Invited, you
    join straight away; a public group you simply join."""
    viewer, access = await require_access(ctx, group_id)
    if access.banned:
        raise Forbidden("you are banned from this group")
    if access.member:
        raise Conflict("you are already a member", field="groupId")
    if access.archived:
        raise Conflict("this group is archived", field="groupId")
    if may_join(access):
        return await join_group(ctx, group_id)
    group, notified = await groups.request_to_join(
        ctx.db, group_id, person_id=viewer.id, message=clean_message(message), now=ctx.now_ms()
    )
    if group is None:
        raise Conflict("the group changed meanwhile; try again", field="groupId")
    await announce(ctx, notified)
    return _remember(ctx, group)


async def answer_join_request(
    ctx: Context, group_id: str, person_id: str, *, approve: bool, reason: str | None
) -> GroupRecord:
    """A moderator of the group approves (the person becomes a member) or declines."""
    viewer, access = await require_moderator(ctx, group_id)
    if approve and access.archived:
        raise Conflict("this group is archived", field="groupId")
    group, notified = await groups.answer_join_request(
        ctx.db, group_id, actor_id=viewer.id, person_id=person_id, approve=approve,
        reason=clean_message(reason, "reason"), now=ctx.now_ms(), action_id=_action_id(),
    )
    if group is None:
        raise NotFound("no pending request from this person", field="personId")
    await announce(ctx, notified)
    return _remember(ctx, group)


async def invite(ctx: Context, group_id: str, person_id: str) -> GroupRecord:
    """Invite someone: any member to a public group; a moderator to any group."""
    viewer, access = await require_access(ctx, group_id)
    if not may_invite(viewer, access):
        raise Forbidden("only the group's moderators can invite to it")
    if access.archived:
        raise Conflict("this group is archived", field="groupId")
    if person_id == viewer.id:
        raise InvalidInput("you cannot invite yourself", field="personId")
    if await ctx.loaders.person_by_id.load(person_id) is None:
        raise NotFound("no such person", field="personId")
    group, notified = await groups.invite(ctx.db, group_id, actor_id=viewer.id,
                                          person_id=person_id, now=ctx.now_ms())
    if group is None:
        raise Conflict("this person cannot be invited (a member, banned, or blocked)",
                       field="personId")
    await announce(ctx, notified)
    return _remember(ctx, group)


async def set_role(
    ctx: Context, group_id: str, person_id: str, *, role: str, reason: str | None
) -> GroupRecord:
    """Owners (and site admins) make a member an OWNER, MODERATOR or MEMBER; a group always
    keeps at least one owner (checked inside the write)."""
    viewer, _ = await require_owner(ctx, group_id)
    if role not in GROUP_ROLES:
        raise InvalidInput("unknown group role", field="role")
    result = await groups.set_role(
        ctx.db, group_id, actor_id=viewer.id, person_id=person_id, role=role,
        reason=clean_message(reason, "reason"), now=ctx.now_ms(), action_id=_action_id(),
    )
    if result is None:
        raise NotFound("this person is not a member of the group", field="personId")
    if result[1]:
        raise Conflict("a group keeps at least one owner; make someone else an owner first",
                       field="role")
    _forget(ctx, group_id)
    group = await ctx.loaders.group_by_id.load(group_id)
    if group is None:
        raise NotFound("no such group", field="groupId")
    return group
