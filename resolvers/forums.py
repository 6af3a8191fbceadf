"""Forums: site-wide and per-group forums, threads, replies, likes, and the thread tools
moderators use (pin, lock, move).

Reading follows the group rules (resolvers.groups): a group's forums are for whoever may
see its content. Writing in a group's forum is posting in the group (member, not banned
or muted, slow mode); in a site-wide forum any signed-in member writes. A locked thread
takes no replies except from its moderators; a thread's slow mode spaces one member's
replies.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from graph_db import forums
from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from graph_db.forums_records import ForumRecord, ReplyRecord, ThreadRecord
from graph_db.policy import PRIVATE
from resolvers import groups as group_rules
from resolvers.auth import require_role, require_viewer
from resolvers.context import Context
from resolvers.loaders import forget, or_not_found
from resolvers.notifications import announce
from resolvers.pagination import Page, children_page, forward_request, keyset_page
from resolvers.policy import moderates_scope, sees_group_content
from resolvers.posts import clean_body, clean_reason

SORTS = tuple(forums.SORT_KEYS)
MAX_TITLE_CHARS = 200
MAX_THREAD_CHARS = 10_000
MAX_REPLY_CHARS = 5_000
MAX_FORUM_NAME_CHARS = 80
MAX_TAGS = 5
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Lowercase slugs (a-z, 0-9, '-', up to 32 characters), at most MAX_TAGS, deduplicated."""
    found = list(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))
    if len(found) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags", field="tags")
    if any(not _TAG.match(t) for t in found):
        raise InvalidInput("tags are lowercase words joined by '-' (up to 32 characters)",
                           field="tags")
    return found


def _action_id() -> str:
    return str(uuid.uuid4())


# -- reading ------------------------------------------------------------------------------


async def get_forums(ctx: Context, ids: Sequence[str]) -> list[ForumRecord | None]:
    if ctx.viewer is None:
        return [None] * len(ids)
    return list(await ctx.loaders.forum_by_id.load_many(list(ids)))


async def get_threads(ctx: Context, ids: Sequence[str]) -> list[ThreadRecord | None]:
    if ctx.viewer is None:
        return [None] * len(ids)
    return list(await ctx.loaders.thread_by_id.load_many(list(ids)))


async def get_replies(ctx: Context, ids: Sequence[str]) -> list[ReplyRecord | None]:
    if ctx.viewer is None:
        return [None] * len(ids)
    return list(await ctx.loaders.reply_by_id.load_many(list(ids)))


NOTIFICATION_KINDS = ("THREAD_REPLY", "LIKE_THREAD")


async def notification_thread(ctx: Context, kind: str, target_id: str) -> ThreadRecord | None:
    """The thread a forum notification (THREAD_REPLY, LIKE_THREAD) is about, if visible."""
    if kind not in NOTIFICATION_KINDS or ctx.viewer is None:
        return None
    return await ctx.loaders.thread_by_id.load(target_id)


async def notification_reply(ctx: Context, comment_id: str | None) -> ReplyRecord | None:
    """The thread reply a notification names (a new reply, or a liked one), if visible."""
    if comment_id is None or ctx.viewer is None:
        return None
    return await ctx.loaders.reply_by_id.load(comment_id)


async def require_forum(ctx: Context, forum_id: str, field: str = "forumId") -> ForumRecord:
    require_viewer(ctx)
    return or_not_found(await ctx.loaders.forum_by_id.load(forum_id), "forum", field)


async def require_thread(ctx: Context, thread_id: str, field: str = "threadId") -> ThreadRecord:
    require_viewer(ctx)
    return or_not_found(await ctx.loaders.thread_by_id.load(thread_id), "thread", field)


async def list_forums(ctx: Context, group_id: str | None) -> list[ForumRecord]:
    """The site-wide forums, or a group's (empty when the viewer may not see its content)."""
    viewer = require_viewer(ctx)
    if group_id is not None:  # batched across a page of groups
        found = await ctx.loaders.forums_by_group.load(group_id)
    else:
        found = await forums.list_forums(ctx.db, group_id=None, viewer_id=viewer.id)
    for forum in found:
        ctx.loaders.forum_by_id.prime(forum.id, forum)
    return found


async def list_threads(
    ctx: Context, forum_id: str, *, sort: str, tag: str | None, first: int | None,
    after: str | None,
) -> Page[ThreadRecord]:
    """A forum's threads, pinned first, then by LATEST_ACTIVITY, NEWEST or TOP (most liked),
    with keyset cursors for each sort."""
    viewer = require_viewer(ctx)
    if sort not in SORTS:
        raise InvalidInput("unknown sort", field="sort")
    wanted = clean_tags([tag])[0] if tag else None
    request = forward_request(ctx, first, after, arity=3)
    cursor = None
    if request.cursor is not None:
        k1, k2, last_id = request.cursor
        if not isinstance(k1, int) or not isinstance(k2, int) or not isinstance(last_id, str):
            raise InvalidInput("invalid cursor", field="after")
        cursor = (k1, k2, last_id)
    keys: dict[str, tuple[int, int, str]] = {}

    async def fetch(_: object, __: bool, limit: int) -> list[ThreadRecord]:
        found = await forums.list_threads(ctx.db, forum_id, viewer_id=viewer.id, sort=sort,
                                          tag=wanted, after=cursor, limit=limit)
        keys.update({t.id: key for t, key in found})
        return [t for t, _ in found]

    page = await keyset_page(request, fetch, lambda t: keys[t.id])
    for thread in page.items:
        ctx.loaders.thread_by_id.prime(thread.id, thread)
    return page


async def viewer_liked(ctx: Context, thread_id: str) -> bool:
    if ctx.viewer is None:
        return False
    return await ctx.loaders.thread_liked_by_id.load(thread_id)


async def replies(
    ctx: Context, thread_id: str, *, first: int | None, after: str | None
) -> Page[ReplyRecord]:
    """A thread's replies, oldest first; batched across the threads of a page."""
    return await children_page(ctx, ctx.loaders.replies_by_thread, thread_id, first, after)


# -- writing ------------------------------------------------------------------------------


async def create_forum(
    ctx: Context, *, name: str, description: str, group_id: str | None
) -> ForumRecord:
    """A site-wide forum (site moderators) or a group's forum (its moderators)."""
    if group_id is None:
        viewer = require_role(ctx, "MODERATOR")
    else:
        viewer, access = await group_rules.require_moderator(ctx, group_id)
        if access.archived:
            raise Conflict("this group is archived", field="groupId")
    title = " ".join(name.split())
    if not 1 <= len(title) <= MAX_FORUM_NAME_CHARS:
        raise InvalidInput(f"1 to {MAX_FORUM_NAME_CHARS} characters", field="name")
    forum = await forums.create_forum(
        ctx.db, id=str(uuid.uuid4()), actor_id=viewer.id, name=title,
        description=group_rules.clean_description(description), group_id=group_id,
        now=ctx.now_ms(), action_id=_action_id(),
    )
    if forum is None:
        raise Forbidden("only moderators can create forums here")
    ctx.loaders.forum_by_id.prime(forum.id, forum)
    return forum


async def create_thread(
    ctx: Context, forum_id: str, *, title: str, body: str, tags: Sequence[str] = ()
) -> ThreadRecord:
    """Start a thread in a forum the viewer may post in."""
    viewer = require_viewer(ctx)
    forum = await require_forum(ctx, forum_id)
    heading = " ".join(title.split())
    if not 1 <= len(heading) <= MAX_TITLE_CHARS:
        raise InvalidInput(f"1 to {MAX_TITLE_CHARS} characters", field="title")
    text = clean_body(body, field="body", max_chars=MAX_THREAD_CHARS)
    labels = clean_tags(tags)
    if forum.groupId is not None:
        await group_rules.require_can_post(ctx, forum.groupId, field="forumId")
    thread = await forums.create_thread(
        ctx.db, id=str(uuid.uuid4()), author_id=viewer.id, forum_id=forum_id, title=heading,
        body=text, tags=labels, now=ctx.now_ms(),
    )
    if thread is None:
        raise Forbidden("you cannot post in this forum now")
    ctx.loaders.thread_by_id.prime(thread.id, thread)
    return thread


async def reply(ctx: Context, thread_id: str, *, body: str) -> ReplyRecord:
    """Reply in a thread: not when it is locked (unless you moderate it), and no faster
    than its slow mode allows."""
    viewer = require_viewer(ctx)
    text = clean_body(body, field="body", max_chars=MAX_REPLY_CHARS)
    posting = await forums.get_thread_posting(ctx.db, thread_id, viewer_id=viewer.id)
    if posting is None:
        raise NotFound("no such thread", field="threadId")
    group_id = posting["groupId"]
    if group_id is not None:
        await group_rules.require_can_post(ctx, group_id, field="threadId")
    moderator = await moderates_scope(ctx, group_id)
    if posting["locked"] and not moderator:
        raise Forbidden("this thread is locked")
    slow, last = posting["slowModeSeconds"], posting["lastReplyAt"]
    now = ctx.now_ms()
    if slow and last is not None and not moderator and last + slow * 1000 > now:
        raise RateLimited(f"slow mode: one reply every {slow} seconds",
                          retry_after=(last + slow * 1000 - now) / 1000)
    created, notified = await forums.create_reply(
        ctx.db, id=str(uuid.uuid4()), author_id=viewer.id, thread_id=thread_id, body=text, now=now
    )
    if created is None:
        raise Forbidden("you cannot reply in this thread now")
    ctx.loaders.reply_by_id.prime(created.id, created)
    forget(ctx.loaders.thread_by_id, thread_id)
    await announce(ctx, notified)
    return created


async def like_thread(ctx: Context, thread_id: str, *, like: bool) -> ThreadRecord:
    """Like (or stop liking) a thread you can see; idempotent."""
    viewer = require_viewer(ctx)
    await require_thread(ctx, thread_id)
    if like:
        count, notified = await forums.like_thread(ctx.db, thread_id, viewer_id=viewer.id,
                                                   now=ctx.now_ms())
        await announce(ctx, notified)
    else:
        count = await forums.unlike_thread(ctx.db, thread_id, viewer_id=viewer.id)
    if count is None:
        raise NotFound("no such thread", field="threadId")
    forget(ctx.loaders.thread_by_id, thread_id)
    forget(ctx.loaders.thread_liked_by_id, thread_id)
    return await require_thread(ctx, thread_id)


async def like_reply(ctx: Context, reply_id: str, *, like: bool) -> ReplyRecord:
    """Like (or stop liking) a reply you can see; idempotent (the social domain's likes)."""
    viewer = require_viewer(ctx)
    reply = or_not_found(await ctx.loaders.reply_by_id.load(reply_id), "reply", "replyId")
    if like:
        done, notified = await forums.like_reply(ctx.db, reply_id, viewer_id=viewer.id,
                                                 now=ctx.now_ms())
        await announce(ctx, notified)
    else:
        done = await forums.unlike_reply(ctx.db, reply_id, viewer_id=viewer.id)
    if not done:
        raise NotFound("no such reply", field="replyId")
    forget(ctx.loaders.engagement_by_comment, reply_id)
    return reply


# -- moderator tools ------------------------------------------------------------------------


async def _moderated(ctx: Context, thread_id: str) -> dict[str, object]:
    """The thread's scope, if the viewer moderates it (NOT_FOUND if they cannot even see it)."""
    require_viewer(ctx)
    scope = await forums.get_thread_scope(ctx.db, thread_id)
    if scope is None or scope["removed"]:
        raise NotFound("no such thread", field="threadId")
    if not await moderates_scope(ctx, scope["groupId"]):
        if await ctx.loaders.thread_by_id.load(thread_id) is None:
            raise NotFound("no such thread", field="threadId")
        raise Forbidden("only moderators of this forum can do this")
    return scope


async def _as_seen(ctx: Context, thread_id: str) -> ThreadRecord | None:
    """The thread after a moderator's change, as the moderator may read it: a site moderator
    acting in a private group's forum does not read its content (None)."""
    forget(ctx.loaders.thread_by_id, thread_id)
    return await ctx.loaders.thread_by_id.load(thread_id)


async def set_flag(
    ctx: Context, thread_id: str, flag: str, value: bool, *, reason: str | None
) -> ThreadRecord | None:
    """Pin/unpin (`pinned`) or lock/unlock (`locked`) a thread, as a moderator of its forum."""
    viewer = require_viewer(ctx)
    scope = await _moderated(ctx, thread_id)
    if scope[flag] != value and not await forums.set_flag(
        ctx.db, thread_id, flag, value, actor_id=viewer.id, reason=clean_reason(reason),
        now=ctx.now_ms(), action_id=_action_id(),
    ):
        raise Conflict("this thread changed meanwhile; try again", field="threadId")
    return await _as_seen(ctx, thread_id)


async def move_thread(
    ctx: Context, thread_id: str, forum_id: str, *, reason: str | None
) -> ThreadRecord | None:
    """Move a thread to another forum: moderators of both; a private group's threads stay
    in that group."""
    viewer = require_viewer(ctx)
    scope = await _moderated(ctx, thread_id)
    dest = await forums.get_forum_scope(ctx.db, forum_id)
    if dest is None or (dest["groupId"] is not None
                        and not await sees_group_content(ctx, dest["groupId"])
                        and not await moderates_scope(ctx, dest["groupId"])):
        raise NotFound("no such forum", field="forumId")
    if not await moderates_scope(ctx, dest["groupId"]):
        raise Forbidden("only moderators of both forums can move a thread between them")
    if scope["forumId"] == forum_id:
        return await _as_seen(ctx, thread_id)
    if scope["visibility"] == PRIVATE and dest["groupId"] != scope["groupId"]:
        raise InvalidInput("a private group's thread cannot leave the group", field="forumId")
    if dest["archived"]:
        raise Conflict("that forum's group is archived", field="forumId")
    if not await forums.move_thread(ctx.db, thread_id, forum_id=forum_id, actor_id=viewer.id,
                                    reason=clean_reason(reason), now=ctx.now_ms(),
                                    action_id=_action_id()):
        raise Conflict("this thread changed meanwhile; try again", field="threadId")
    return await _as_seen(ctx, thread_id)
