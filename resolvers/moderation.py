"""Moderation: reports and the review queues, removing and restoring content, muting,
banning, slow mode, pinning posts, site suspensions, and reading the audit log.

Reach (README "Moderation"): a group's OWNER and MODERATOR act in that group only; site
MODERATOR and ADMIN act in every group and on site-wide content; only an ADMIN suspends
members site-wide. Every action writes its audit entry in the same statement as the
action (graph_db.moderation.audit); the log is readable by the moderators of its scope
and there is no way to change it through the API. Someone who may not even see the
content they try to act on gets NOT_FOUND (its existence is not confirmed); someone who
sees it but may not act gets FORBIDDEN.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Protocol, TypeVar

from strawberry.dataloader import DataLoader

from graph_db import forums, groups, moderation
from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_db.groups.records import GroupRecord
from graph_db.moderation import REPORT_REASONS
from graph_db.moderation_records import ModerationActionRecord, ReportRecord
from resolvers import groups as group_rules
from resolvers import text
from resolvers.auth import require_role, require_viewer
from resolvers.bus import session_changed
from resolvers.context import Context, Viewer
from resolvers.loaders import forget
from resolvers.pagination import Page, time_page
from resolvers.policy import moderates_scope, sees_group_content
from resolvers.posts import clean_reason

MAX_DETAILS_CHARS = 1000
MAX_MUTE_MINUTES = 366 * 24 * 60
MAX_SUSPENSION_DAYS = 3660
MAX_SLOW_MODE_SECONDS = 24 * 3600
REPORT_STATUSES = ("OPEN", "DISMISSED", "ACTIONED")


def _action_id() -> str:
    return str(uuid.uuid4())


async def _visible(ctx: Context, kind: str, target_id: str) -> bool:
    """Whether the viewer can see a post, comment, thread or reply (through the loaders)."""
    if kind == "POST":
        return await ctx.loaders.post_by_id.load(target_id) is not None
    if kind == "COMMENT":
        return await ctx.loaders.comment_by_id.load(target_id) is not None
    if kind == "THREAD":
        return await ctx.loaders.thread_by_id.load(target_id) is not None
    return await ctx.loaders.reply_by_id.load(target_id) is not None


def _forget_content(ctx: Context, kind: str, target_id: str) -> None:
    loaders = ctx.loaders
    if kind == "POST":
        forget(loaders.post_by_id, target_id)
    elif kind == "COMMENT":
        forget(loaders.comment_by_id, target_id)
    elif kind == "THREAD":
        forget(loaders.thread_by_id, target_id)
    else:
        forget(loaders.reply_by_id, target_id)


# -- reports ------------------------------------------------------------------------------


async def report(
    ctx: Context, kind: str, target_id: str, *, reason: str, details: str | None,
    group_id: str | None = None,
) -> ReportRecord:
    """Report a post, comment, thread, reply or member (optionally to one group's
    moderators) to the moderators of its scope; reporting again returns the open report."""
    viewer = require_viewer(ctx)
    if reason not in REPORT_REASONS:
        raise InvalidInput("unknown reason", field="reason")
    details = text.block(details or "", field="details", max_chars=MAX_DETAILS_CHARS) or None
    if kind == "PERSON":
        if target_id == viewer.id:
            raise InvalidInput("you cannot report yourself", field="targetId")
        if group_id is not None and not await sees_group_content(ctx, group_id):
            raise NotFound("no such group", field="groupId")
    elif group_id is not None:
        raise InvalidInput("a group is given only when reporting a member", field="groupId")
    found = await moderation.create_report(
        ctx.db, kind, id=str(uuid.uuid4()), reporter_id=viewer.id, target_id=target_id,
        reason=reason, details=details, now=ctx.now_ms(),
        group_id=group_id,
    )
    if found is None:
        raise NotFound("nothing to report here", field="targetId")
    ctx.loaders.report_by_id.prime(found.id, found)
    return found


class _Scoped(Protocol):
    @property
    def groupId(self) -> str | None: ...  # noqa: N802 (the records' field name)


S = TypeVar("S", bound=_Scoped)


async def _for_scope_moderators(ctx: Context, by_id: DataLoader[str, S | None], key: str) -> S | None:
    """A report or an audit entry, for the moderators of its scope (None for anyone else)."""
    if ctx.viewer is None:
        return None
    found = await by_id.load(key)
    if found is None or not await moderates_scope(ctx, found.groupId):
        return None
    return found


async def get_report(ctx: Context, report_id: str) -> ReportRecord | None:
    """A report, for the moderators of its scope (None for anyone else)."""
    return await _for_scope_moderators(ctx, ctx.loaders.report_by_id, report_id)


async def dismiss_report(ctx: Context, report_id: str, *, note: str | None) -> ReportRecord:
    """Close an open report without acting (a moderator of its scope); audited."""
    viewer = require_viewer(ctx)
    found = await ctx.loaders.report_by_id.load(report_id)
    if found is None:
        raise NotFound("no such report", field="reportId")
    if not await moderates_scope(ctx, found.groupId):
        raise Forbidden("only moderators of this report's scope can review it")
    if found.status != "OPEN":
        raise Conflict("this report is already closed", field="reportId")
    dismissed = await moderation.dismiss_report(
        ctx.db, report_id, actor_id=viewer.id, reason=clean_reason(note), now=ctx.now_ms(),
        action_id=_action_id(),
    )
    if dismissed is None:
        raise Conflict("this report changed meanwhile", field="reportId")
    ctx.loaders.report_by_id.prime(report_id, dismissed, force=True)
    return dismissed


async def _require_scope(ctx: Context, group_id: str | None) -> None:
    if group_id is None:
        require_role(ctx, "MODERATOR")
        return
    await group_rules.require_moderator(ctx, group_id)


async def queue(
    ctx: Context, *, group_id: str | None, status: str, first: int | None, after: str | None
) -> Page[ReportRecord]:
    """A scope's reports in `status`, oldest first: the site queue (site moderators) or a
    group's (its moderators, and site moderators)."""
    if status not in REPORT_STATUSES:
        raise InvalidInput("unknown status", field="status")
    await _require_scope(ctx, group_id)
    listing = partial(moderation.list_reports, ctx.db, group_id=group_id, status=status)
    return await time_page(ctx, first, after, listing, lambda r: (r.createdAt, r.id))


async def log(
    ctx: Context, *, group_id: str | None, first: int | None, after: str | None
) -> Page[ModerationActionRecord]:
    """A scope's audit log, newest first, for the moderators of that scope."""
    await _require_scope(ctx, group_id)
    listing = partial(moderation.list_actions, ctx.db, group_id=group_id)
    return await time_page(ctx, first, after, listing, lambda a: (a.createdAt, a.id))


async def get_action(ctx: Context, action_id: str) -> ModerationActionRecord | None:
    """An audit entry, for the moderators of its scope."""
    return await _for_scope_moderators(ctx, ctx.loaders.moderation_action_by_id, action_id)


# -- content --------------------------------------------------------------------------------


async def _content_scope(ctx: Context, kind: str, target_id: str) -> tuple[bool, str | None]:
    """(removed, group) of content the viewer moderates; NOT_FOUND when they cannot see it
    and do not moderate it, FORBIDDEN when they see it but do not moderate it."""
    scope = await moderation.get_content_scope(ctx.db, kind, target_id)
    if scope is None:
        raise NotFound("no such content", field="targetId")
    removed, group_id = scope
    if not await moderates_scope(ctx, group_id):
        if not removed and await _visible(ctx, kind, target_id):
            raise Forbidden("only moderators of this content's scope can do this")
        raise NotFound("no such content", field="targetId")
    return removed, group_id


async def remove_content(ctx: Context, kind: str, target_id: str, *, reason: str | None) -> str:
    """Remove a post, comment (with its replies), thread or reply, restorably; closes the
    open reports about it."""
    return await _set_removed(ctx, kind, target_id, reason, removing=True)


async def restore_content(ctx: Context, kind: str, target_id: str, *, reason: str | None) -> str:
    """Bring back content a moderator removed (what authors deleted themselves stays gone)."""
    return await _set_removed(ctx, kind, target_id, reason, removing=False)


async def _set_removed(ctx: Context, kind: str, target_id: str, reason: str | None, *, removing: bool) -> str:
    viewer = require_viewer(ctx)
    removed, _ = await _content_scope(ctx, kind, target_id)
    if removed == removing:
        raise Conflict("already removed" if removing else "this content is not removed", field="targetId")
    write = moderation.remove_content if removing else moderation.restore_content
    if not await write(
        ctx.db, kind, target_id, actor_id=viewer.id, reason=clean_reason(reason),
        now=ctx.now_ms(), action_id=_action_id(),
    ):
        refused = ("this content changed meanwhile" if removing
                   else "only content removed by a moderator can be restored")
        raise Conflict(refused, field="targetId")
    _forget_content(ctx, kind, target_id)
    return target_id


async def set_post_pinned(ctx: Context, post_id: str, *, pinned: bool, reason: str | None) -> str:
    """Pin a group's post to the top of the group (or unpin it), as its moderator."""
    viewer = require_viewer(ctx)
    removed, group_id = await _content_scope(ctx, "POST", post_id)
    if removed:
        raise NotFound("no such post", field="postId")
    if group_id is None:
        raise InvalidInput("only posts in a group can be pinned", field="postId")
    current = await groups.list_pinned_post_ids(ctx.db, group_id)
    if (post_id in current) == pinned:
        return group_id
    if pinned and len(current) >= groups.MAX_PINNED_POSTS:
        raise Conflict(f"a group pins at most {groups.MAX_PINNED_POSTS} posts; unpin one first",
                       field="postId")
    if not await groups.set_pinned(ctx.db, post_id, actor_id=viewer.id, pinned=pinned,
                                   reason=clean_reason(reason), now=ctx.now_ms(),
                                   action_id=_action_id()):
        raise Conflict("the group's pins changed meanwhile; try again", field="postId")
    return group_id


# -- members in a group -------------------------------------------------------------------


async def discipline(
    ctx: Context, what: str, group_id: str, person_id: str, *, reason: str | None,
    minutes: int | None = None,
) -> str:
    """MUTE (for `minutes`: cannot post), UNMUTE, BAN or UNBAN a person in a group, as one
    of its moderators: moderators act on members, owners and site staff also on moderators;
    nobody on owners, site staff or themselves."""
    viewer, _ = await group_rules.require_moderator(ctx, group_id)
    if person_id == viewer.id:
        raise InvalidInput("you cannot do this to yourself", field="personId")
    target = (await groups.get_access(ctx.db, [group_id], viewer_id=person_id))[0]
    if target is None:
        raise NotFound("no such person", field="personId")
    now = ctx.now_ms()
    until = None
    if what == "MUTE":
        if minutes is None or not 1 <= minutes <= MAX_MUTE_MINUTES:
            raise InvalidInput(f"1 to {MAX_MUTE_MINUTES} minutes", field="minutes")
        until = now + minutes * 60_000
    muted = target.mutedUntil is not None and target.mutedUntil > now
    if (what == "UNMUTE" and not muted) or (what == "UNBAN" and not target.banned):
        raise Conflict(f"this person is not {'muted' if what == 'UNMUTE' else 'banned'} here",
                       field="personId")
    if what == "BAN" and target.banned:
        raise Conflict("this person is already banned here", field="personId")
    if not await groups.discipline(ctx.db, what, group_id, actor_id=viewer.id,
                                   person_id=person_id, reason=clean_reason(reason), now=now,
                                   action_id=_action_id(), until=until):
        raise Forbidden("you cannot do this to this person here (owners, moderators of your "
                        "rank and site staff are out of reach)")
    forget(ctx.loaders.group_by_id, group_id)
    return group_id


async def set_slow_mode(
    ctx: Context, kind: str, target_id: str, *, seconds: int, reason: str | None
) -> str:
    """Minimum seconds between one member's posts in a group (GROUP) or replies in a thread
    (THREAD); 0 turns it off. Moderators of the scope only; they are exempt."""
    viewer = require_viewer(ctx)
    if not 0 <= seconds <= MAX_SLOW_MODE_SECONDS:
        raise InvalidInput(f"0 to {MAX_SLOW_MODE_SECONDS} seconds", field="seconds")
    if kind == "GROUP":
        await group_rules.require_moderator(ctx, target_id, field="targetId")
        done: GroupRecord | bool | None = await groups.set_slow_mode(
            ctx.db, target_id, actor_id=viewer.id, seconds=seconds, reason=clean_reason(reason),
            now=ctx.now_ms(), action_id=_action_id(),
        )
        forget(ctx.loaders.group_by_id, target_id)
    else:
        removed, _ = await _content_scope(ctx, "THREAD", target_id)
        if removed:
            raise NotFound("no such thread", field="targetId")
        done = await forums.set_slow_mode(
            ctx.db, target_id, actor_id=viewer.id, seconds=seconds, reason=clean_reason(reason),
            now=ctx.now_ms(), action_id=_action_id(),
        )
        forget(ctx.loaders.thread_by_id, target_id)
    if not done:
        raise Forbidden("only moderators of this scope can set slow mode")
    return target_id


# -- site-wide ------------------------------------------------------------------------------


async def suspend(ctx: Context, person_id: str, *, days: int | None, reason: str | None) -> str:
    """Admins suspend a member site-wide for `days` (their next request is refused), or
    lift a suspension (`days` None). Admins cannot be suspended."""
    viewer: Viewer = require_role(ctx, "ADMIN")
    if person_id == viewer.id:
        raise InvalidInput("you cannot suspend yourself", field="personId")
    person = await ctx.loaders.person_by_id.load(person_id)
    if person is None:
        raise NotFound("no such person", field="personId")
    now = ctx.now_ms()
    if days is None:
        if person.suspendedUntil is None:
            raise Conflict("this member is not suspended", field="personId")
        done = await moderation.unsuspend(ctx.db, person_id, actor_id=viewer.id,
                                          reason=clean_reason(reason), now=now,
                                          action_id=_action_id())
    else:
        if not 1 <= days <= MAX_SUSPENSION_DAYS:
            raise InvalidInput(f"1 to {MAX_SUSPENSION_DAYS} days", field="days")
        if person.role == "ADMIN":
            raise Forbidden("an admin cannot be suspended; change their role first")
        done = await moderation.suspend(ctx.db, person_id, actor_id=viewer.id,
                                        until=now + days * 86_400_000,
                                        reason=clean_reason(reason), now=now,
                                        action_id=_action_id())
    if not done:
        raise Conflict("this member changed meanwhile; try again", field="personId")
    forget(ctx.loaders.person_by_id, person_id)
    await session_changed(ctx, person_id)
    return person_id
