"""The home feed and the site-wide activity stream (signed-in members only)."""

from __future__ import annotations

from functools import partial

from graph_db import feed
from graph_db.social_records import ActivityRecord, PostRecord
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.pagination import Page, read_ahead, time_page


async def home_feed(ctx: Context, *, first: int | None, after: str | None) -> Page[PostRecord]:
    """Posts by people the viewer follows or is connected with, in their groups, and their
    own, newest first."""
    viewer = require_viewer(ctx)
    listing = read_ahead(ctx, feed.home_feed, viewer.id, partial(feed.home_feed, ctx.db, viewer.id))
    page = await time_page(ctx, first, after, listing, lambda p: (p.createdAt, p.id))
    for post in page.items:  # the page already holds what `node(id:)` would load
        ctx.loaders.post_by_id.prime(post.id, post)
    return page


async def activity(ctx: Context, *, first: int | None, after: str | None) -> Page[ActivityRecord]:
    """New posts, members and public groups across the site, newest first."""
    viewer = require_viewer(ctx)
    listing = partial(feed.activity, ctx.db, viewer.id, now=ctx.now_ms())
    page = await time_page(ctx, first, after, listing, lambda item: (item.createdAt, item.id))
    for item in page.items:
        if item.post is not None:
            ctx.loaders.post_by_id.prime(item.post.id, item.post)
    return page
