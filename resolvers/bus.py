"""The pub/sub bus that pushes events to subscribers: the channels resolvers use.

The bus is `ctx.services.bus`, a resolvers.types.EventBus (graph_api.pubsub: Redis pub/sub
shared by every replica, the embedded FalkorDB server by default, or in-process for one
replica). Publish *after* the write it announces has returned (a write is one statement, so
it is committed), and keep events small and free of private data: an id and a kind. A subscription resolver
loads the object itself, through the loaders and the usual visibility rules, for the
subscriber. Delivery is best effort: a subscriber that was offline refetches.

    await publish_to_person(ctx, recipient_id, {"kind": "notification", "id": notification.id})

    async for event in viewer_events(ctx):       # in a Subscription field
        yield await load_notification(ctx, event["id"])
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.sessions import SESSIONS_CHANNEL
from resolvers.types import Event

log = logging.getLogger("resolvers.bus")


def person_channel(person_id: str) -> str:
    """Everything addressed to one member (notifications, messages)."""
    return f"person:{person_id}"


async def publish(ctx: Context, channel: str, event: Event) -> None:
    """Send `event` on `channel` to every replica; never fails the caller's request."""
    bus = ctx.services.bus
    if bus is None:
        return
    try:
        await bus.publish(channel, event)
    except Exception:  # the write it announces succeeded; a lost event is refetched later
        log.warning("event not published", exc_info=True, extra={"request_id": ctx.request_id})


async def publish_to_person(ctx: Context, person_id: str, event: Event) -> None:
    """Tell `person_id`'s open subscriptions about `event`."""
    await publish(ctx, person_channel(person_id), event)


async def session_changed(ctx: Context, person_id: str) -> None:
    """`person_id`'s role, suspension or sessions changed (the write is done): this replica
    forgets its cached session now, every other one when the event reaches it
    (resolvers.sessions)."""
    sessions = ctx.services.sessions
    if sessions is not None:
        sessions.forget(person_id)
    await publish(ctx, SESSIONS_CHANNEL, {"kind": "session", "id": person_id})


async def viewer_events(ctx: Context) -> AsyncIterator[Event]:
    """The signed-in viewer's events, until the client unsubscribes."""
    viewer = require_viewer(ctx)
    bus = ctx.services.bus
    if bus is None:
        raise RuntimeError("no event bus configured")
    async with contextlib.aclosing(bus.subscribe(person_channel(viewer.id))) as events:
        async for event in events:
            yield event
