"""Comments and replies: writing, editing, removing, liking, and reading them in pages.

Comments read oldest first (a conversation); replies go one level deep: replying to a
reply joins the thread of the comment it belongs to.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence

from graph_db import comments, likes
from graph_db.errors import Forbidden, NotFound
from graph_db.people_records import LinkRecord
from graph_db.social_records import CommentRecord, EngagementRecord
from resolvers import groups as group_rules
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.loaders import forget, now_or_later, or_not_found
from resolvers.notifications import announce
from resolvers.pagination import Page, children_page
from resolvers.policy import moderates_scope
from resolvers.posts import (
    clean_body,
    clean_reason,
    liker_key,
    preload_content,
    require_post,
    valid_mentions,
    viewer_page,
)

MAX_COMMENT_CHARS = 1250


async def get_comment(ctx: Context, comment_id: str) -> CommentRecord | None:
    return await ctx.loaders.comment_by_id.load(comment_id)


async def get_comments(ctx: Context, comment_ids: Sequence[str]) -> list[CommentRecord | None]:
    return list(await ctx.loaders.comment_by_id.load_many(list(comment_ids)))


async def require_comment(ctx: Context, comment_id: str, field: str = "commentId") -> CommentRecord:
    return or_not_found(await get_comment(ctx, comment_id), "comment", field)


async def engagement(ctx: Context, comment_id: str) -> EngagementRecord:
    """Likes, replies and whether the viewer liked it: batched across the page."""
    return await ctx.loaders.engagement_by_comment.load(comment_id)


def engagement_now(ctx: Context, comment_id: str) -> EngagementRecord | Awaitable[EngagementRecord]:
    """`engagement`, without an await when the page preloaded it (see `preload`)."""
    return now_or_later(ctx.loaders.engagement_by_comment, comment_id)


async def preload(
    ctx: Context, items: Sequence[CommentRecord], *, engagement: bool, authors: Sequence[object]
) -> None:
    """resolvers.posts.preload_content for a page of comments."""
    loader = ctx.loaders.engagement_by_comment if engagement else None
    await preload_content(ctx, items, loader, authors=authors)


async def post_comments(
    ctx: Context, post_id: str, *, first: int | None, after: str | None
) -> Page[CommentRecord]:
    """Top-level comments on a post the viewer sees, oldest first; batched across posts."""
    return await children_page(ctx, ctx.loaders.comments_by_post, post_id, first, after)


async def replies(
    ctx: Context, comment_id: str, *, first: int | None, after: str | None
) -> Page[CommentRecord]:
    """Replies to a comment the viewer sees, oldest first; batched across comments."""
    return await children_page(ctx, ctx.loaders.replies_by_comment, comment_id, first, after)


async def likers(
    ctx: Context, comment_id: str, *, first: int | None, after: str | None
) -> Page[LinkRecord]:
    """Who liked a visible comment, newest like first."""
    return await viewer_page(ctx, likes.list_comment_likers, comment_id, first, after, liker_key)


# -- writing ------------------------------------------------------------------------------


async def create_comment(
    ctx: Context, post_id: str, *, body: str, parent_id: str | None = None,
    mention_ids: Sequence[str] | None = None,
) -> CommentRecord:
    """Comment on a post the viewer sees, or reply to a comment on it."""
    viewer = require_viewer(ctx)
    post = await require_post(ctx, post_id)
    text = clean_body(body, field="body", max_chars=MAX_COMMENT_CHARS)
    mentions = await valid_mentions(ctx, mention_ids) or []
    if post.groupId is not None:  # commenting in a group is posting there
        await group_rules.require_can_post(ctx, post.groupId, field="postId")
    if parent_id is not None:
        parent = await get_comment(ctx, parent_id)
        if parent is None or parent.postId != post_id:
            raise NotFound("no such comment on this post", field="parentId")
    comment, notified = await comments.create_comment(
        ctx.db, id=str(uuid.uuid4()), author_id=viewer.id, post_id=post_id, body=text,
        now=ctx.now_ms(), parent_id=parent_id, mention_ids=mentions,
    )
    if comment is None:  # the post or the comment replied to went away meanwhile
        raise NotFound("no such post", field="postId")
    ctx.loaders.comment_by_id.prime(comment.id, comment)
    forget(ctx.loaders.engagement_by_post, post_id)
    await announce(ctx, notified)
    return comment


async def edit_comment(
    ctx: Context, comment_id: str, *, body: str, mention_ids: Sequence[str] | None = None
) -> CommentRecord:
    """Replace the text (and, when given, the mentions) of the viewer's own comment."""
    viewer = require_viewer(ctx)
    current = await require_comment(ctx, comment_id, field="id")
    if current.authorId != viewer.id:
        raise Forbidden("only the author can edit a comment")
    text = clean_body(body, field="body", max_chars=MAX_COMMENT_CHARS)
    mentions = await valid_mentions(ctx, mention_ids)
    comment, notified = await comments.update_comment(
        ctx.db, comment_id, author_id=viewer.id, body=text, now=ctx.now_ms(),
        mention_ids=mentions,
    )
    if comment is None:
        raise NotFound("no such comment", field="id")
    forget(ctx.loaders.comment_by_id, comment_id)
    ctx.loaders.comment_by_id.prime(comment_id, comment)
    await announce(ctx, notified)
    return comment


async def delete_comment(ctx: Context, comment_id: str, *, reason: str | None = None) -> str:
    """Remove a comment and its replies (soft): its author, or a moderator."""
    viewer = require_viewer(ctx)
    comment = await require_comment(ctx, comment_id, field="id")
    moderator = False
    if comment.authorId != viewer.id:
        post = await require_post(ctx, comment.postId, field="id")
        moderator = await moderates_scope(ctx, post.groupId)
        if not moderator:
            raise Forbidden("only the author or a moderator can delete a comment")
    removed = await comments.remove_comment(
        ctx.db, comment_id, actor_id=viewer.id, moderator=moderator, now=ctx.now_ms(),
        action_id=str(uuid.uuid4()), reason=clean_reason(reason),
    )
    if not removed:
        raise NotFound("no such comment", field="id")
    forget(ctx.loaders.comment_by_id, comment_id)
    forget(ctx.loaders.engagement_by_post, comment.postId)
    return comment_id


async def like_comment(ctx: Context, comment_id: str) -> CommentRecord:
    """Like a comment (again: nothing changes); its author is notified once."""
    viewer = require_viewer(ctx)
    comment = await require_comment(ctx, comment_id)
    count, notified = await likes.like_comment(
        ctx.db, comment_id, viewer_id=viewer.id, now=ctx.now_ms()
    )
    if count is None:
        raise NotFound("no such comment", field="commentId")
    forget(ctx.loaders.engagement_by_comment, comment_id)
    await announce(ctx, notified)
    return comment


async def unlike_comment(ctx: Context, comment_id: str) -> CommentRecord:
    viewer = require_viewer(ctx)
    comment = await require_comment(ctx, comment_id)
    if await likes.unlike_comment(ctx.db, comment_id, viewer_id=viewer.id) is None:
        raise NotFound("no such comment", field="commentId")
    forget(ctx.loaders.engagement_by_comment, comment_id)
    return comment
