"""Notifications: reading them, marking them read, and telling live subscribers.

Writes create notifications inside their own statement (graph_db.notifications.notify);
the resolver that ran the write then calls `announce(ctx, notified)`, which publishes an
event per notification on the recipient's channel (resolvers.bus), after the write
has committed. `notification_added` is the subscription side: it hears only the
subscriber's own channel, and loads each notification again, as the subscriber, before
yielding it, so an event can never show anyone else's notification.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from functools import partial

from graph_db import notifications
from graph_db.errors import InvalidInput
from graph_db.people_records import PersonRecord
from graph_db.social_records import NotificationRecord, NotifiedRecord
from resolvers.auth import require_viewer
from resolvers.bus import publish_to_person, viewer_events
from resolvers.context import Context
from resolvers.pagination import Page, time_page

EVENT_KIND = "notification"
MAX_MARK_IDS = 100

# What each kind says, given who did it ("Ada", "Ada and Ben", "Ada and 11 others").
PHRASES = {
    "LIKE_POST": "liked your update",
    "LIKE_COMMENT": "liked your comment",
    "COMMENT": "commented on your update",
    "REPLY": "replied to your comment",
    "MENTION": "mentioned you",
    "FOLLOW": "started following you",
    "CONNECTION_REQUEST": "asked to connect with you",
    "CONNECTION_ACCEPTED": "accepted your connection request",
    "JOIN_REQUEST": "asked to join your group",
    "JOIN_APPROVED": "approved your request to join a group",
    "GROUP_INVITE": "invited you to a group",
    "THREAD_REPLY": "replied to your thread",
    "LIKE_THREAD": "liked your thread",
    "MENTORSHIP_REQUESTED": "asked you to be their mentor",
    "MENTORSHIP_ACCEPTED": "accepted your mentorship request",
    "MENTORSHIP_DECLINED": "declined your mentorship request",
    "MENTORSHIP_WITHDRAWN": "withdrew their mentorship request",
    "MENTORSHIP_ENDED": "ended a mentorship with you",
    "COMMITTEE_INVITATION": "invited you to a mentoring committee",
    "COMMITTEE_DISSOLVED": "dissolved a mentoring committee you sat on",
    # The event is the actor (nobody is named): "Someone cancelled, so ..."
    "EVENT_SEAT_CONFIRMED": "cancelled, so you have a seat at a speed-mentoring event",
    "EVENT_CANCELLED": "cancelled a speed-mentoring event you registered for",
    "MEETING_REMINDER": "reminds you that a mentoring meeting is due",
    "SURVEY_DUE": "reminds you that a program survey awaits your answer",
    "AWARD_NOMINATION": "nominated you for a mentoring award",
    # The award is the actor: "Someone ..." reads as the award committee.
    "AWARD_WON": "chose you as a mentoring award winner",
}


async def announce(ctx: Context, notified: Sequence[NotifiedRecord]) -> None:
    """Tell each recipient's live subscriptions about notifications a write just made."""
    await asyncio.gather(
        *(publish_to_person(ctx, n.recipientId, {"kind": EVENT_KIND, "id": n.id}) for n in notified)
    )


def summary(kind: str, actors: Sequence[PersonRecord], count: int) -> str:
    """One line for a grouped notification, e.g. "Ada Lovelace and 11 others liked your update"."""
    phrase = PHRASES.get(kind, "did something that concerns you")
    if not actors:
        who = "Someone" if count <= 1 else f"{count} people"
    elif count <= 1:
        who = actors[0].name
    elif count == 2 and len(actors) >= 2:
        who = f"{actors[0].name} and {actors[1].name}"
    else:
        others = count - 1
        who = f"{actors[0].name} and {others} {'other' if others == 1 else 'others'}"
    return f"{who} {phrase}"


async def list_notifications(
    ctx: Context, *, first: int | None, after: str | None, unread_only: bool = False
) -> Page[NotificationRecord]:
    """The viewer's notifications, most recently active first."""
    viewer = require_viewer(ctx)
    listing = partial(notifications.list_notifications, ctx.db, viewer.id, unread_only=unread_only)
    return await time_page(ctx, first, after, listing, lambda n: (n.updatedAt, n.id))


async def unread_count(ctx: Context) -> int:
    viewer = require_viewer(ctx)
    return await notifications.count_unread(ctx.db, viewer.id)


async def mark_read(ctx: Context, ids: Sequence[str] | None) -> int:
    """Mark the viewer's notifications read: those in `ids`, or all when None.

    Ids of anyone else's notifications are ignored (they are not the viewer's to mark).
    """
    viewer = require_viewer(ctx)
    if ids is not None and len(ids) > MAX_MARK_IDS:
        raise InvalidInput(f"at most {MAX_MARK_IDS} ids at once; or leave ids out for all",
                           field="ids")
    return await notifications.mark_read(
        ctx.db, viewer.id, ids=None if ids is None else list(dict.fromkeys(ids)), now=ctx.now_ms()
    )


async def get_own_many(ctx: Context, ids: Sequence[str]) -> list[NotificationRecord | None]:
    """The viewer's notifications by id, aligned; None where absent, hidden or not theirs."""
    viewer = require_viewer(ctx)
    found = await notifications.get_many(ctx.db, ids)
    return [n if n is not None and n.recipientId == viewer.id else None for n in found]


async def get_own(ctx: Context, notification_id: str) -> NotificationRecord | None:
    """One of the viewer's notifications, or None (absent, someone else's, or hidden)."""
    return (await get_own_many(ctx, [notification_id]))[0]


async def notification_added(ctx: Context) -> AsyncIterator[NotificationRecord]:
    """Each of the viewer's notifications as it is created or grows, until unsubscribed."""
    require_viewer(ctx)
    async for event in viewer_events(ctx):
        if event.get("kind") != EVENT_KIND or not isinstance(event.get("id"), str):
            continue
        record = await get_own(ctx, event["id"])
        if record is not None:
            yield record
