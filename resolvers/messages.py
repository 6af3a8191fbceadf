"""Messages: who may message whom, sending, reading, and the live events of a conversation.

Rules (each checked by a read first, for a precise error, and again inside the write, which
refuses rather than trusts the read):
- A DIRECT conversation is the pair's only one; a GROUP conversation has 2 to 19 others and a
  name. Bodies are plain text, 1 to 5,000 characters; links are listed, @-mentions of
  participants (by name) recorded.
- A new conversation needs each recipient's `messagePolicy` (EVERYONE, CONNECTIONS, NOBODY) to
  allow the sender, no block either way, and fits the sender's daily budget of new
  conversations (RATE_LIMITED). An existing conversation stays open to its participants,
  except a DIRECT one with a block between the two (closed for both). Suspended members
  cannot send.
- Only participants read a conversation or its messages, through every path; a moderator
  reads a single message only while a report about it is open.

After a send, every participant's live subscriptions hear `{"kind": "message", "id"}` and
the delivery worker is woken (`services.extras[WAKE_KEY]`) to mail the outbox entries the
same statement stored (graph_api.mail).
"""

from __future__ import annotations

import asyncio
import functools
import re
import uuid
import zoneinfo
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import partial

from graph_db import messages, outbox
from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from graph_db.messages import ConversationRecord, MessageRecord, SentRecord, SettingsRecord
from graph_db.outbox import OutboxEntryRecord
from graph_db.people_records import PersonRecord
from resolvers import people as people_resolvers
from resolvers.auth import require_role, require_viewer
from resolvers.bus import publish_to_person, viewer_events
from resolvers.context import Context, Viewer
from resolvers.pagination import Page, time_page

MESSAGE_EVENT = "message"
READ_EVENT = "message_read"
OPTIONS_KEY = "messages.options"
WAKE_KEY = "messages.wake"
MAX_BODY = 5_000
MAX_NAME = 100
MAX_OTHERS = 19  # a group conversation has at most 20 members
DAY_MS = 86_400_000
LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


@dataclass(frozen=True)
class MessagingOptions:
    """Tunables (graph_api.config GRAPH_API_MESSAGES_*), kept in services.extras."""

    new_conversations_per_day: int = 50


@dataclass(frozen=True, slots=True)
class ReadReceiptRecord:
    conversationId: str
    readerId: str
    readAt: int


def options(ctx: Context) -> MessagingOptions:
    found = ctx.services.extras.get(OPTIONS_KEY)
    return found if isinstance(found, MessagingOptions) else MessagingOptions()


def clean_message_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput("a message cannot be empty", field="body")
    if len(text) > MAX_BODY:
        raise InvalidInput(f"a message holds at most {MAX_BODY} characters", field="body")
    return text


def links_in(body: str) -> list[str]:
    """The links a body contains, in order, each once (trailing punctuation left out)."""
    return list(dict.fromkeys(m.group(0).rstrip(".,;:!?)]}") for m in LINK.finditer(body)))


def mentions_in(body: str, people: Sequence[PersonRecord]) -> list[str]:
    """Ids of the participants whose name follows an '@' in the body (longest names first)."""
    lowered = body.lower()
    return [p.id for p in sorted(people, key=lambda p: -len(p.name))
            if p.name and f"@{p.name.lower()}" in lowered]


def _not_suspended(viewer: Viewer, now: int) -> None:
    person = viewer.person
    if person is not None and person.suspendedUntil is not None and person.suspendedUntil > now:
        raise Forbidden("a suspended member cannot send messages")


async def send_message(
    ctx: Context, *, recipient_ids: Sequence[str] | None, conversation_id: str | None, body: str,
    name: str | None = None,
) -> SentRecord:
    """Send a message: into a conversation, or to recipients (their DIRECT conversation, or a
    new GROUP conversation when there are several)."""
    viewer = require_viewer(ctx)
    now = ctx.now_ms()
    _not_suspended(viewer, now)
    text = clean_message_body(body)
    if (recipient_ids is None) == (conversation_id is None):
        raise InvalidInput("give either recipientIds or conversationId", field="recipientIds")
    message_id = str(uuid.uuid4())
    if conversation_id is not None:
        sent = await _send_to_conversation(ctx, viewer, conversation_id, message_id, text, now)
    else:
        sent = await _start(ctx, viewer, list(dict.fromkeys(recipient_ids or ())), name,
                            message_id, text, now)
    await announce_message(ctx, sent)
    return sent


async def _send_to_conversation(
    ctx: Context, viewer: Viewer, conversation_id: str, message_id: str, text: str, now: int
) -> SentRecord:
    (conversation,) = await messages.get_conversations(ctx.db, viewer.id, [conversation_id])
    if conversation is None:
        raise NotFound("no such conversation", field="conversationId")
    if conversation.closed:
        raise Forbidden("this conversation is closed: one of you blocked the other")
    people = [p for p in await people_resolvers.get_people(ctx, conversation.participantIds) if p]
    sent = await messages.send_to_conversation(
        ctx.db, sender=viewer.id, conversation_id=conversation_id, message_id=message_id,
        body=text, mentions=mentions_in(text, people), links=links_in(text), now=now,
    )
    if sent is None:  # the conversation changed between the read and the write
        raise Forbidden("you cannot send to this conversation")
    return sent


async def _start(
    ctx: Context, viewer: Viewer, recipients: list[str], name: str | None, message_id: str,
    text: str, now: int,
) -> SentRecord:
    if not recipients:
        raise InvalidInput("name at least one recipient", field="recipientIds")
    if viewer.id in recipients:
        raise InvalidInput("you cannot message yourself", field="recipientIds")
    if len(recipients) > MAX_OTHERS:
        raise InvalidInput(f"a conversation has at most {MAX_OTHERS + 1} members",
                           field="recipientIds")
    group = len(recipients) > 1
    title = (name or "").strip()
    if group and not title:
        raise InvalidInput("a group conversation needs a name", field="name")
    if len(title) > MAX_NAME:
        raise InvalidInput(f"a name holds at most {MAX_NAME} characters", field="name")
    budget = options(ctx).new_conversations_per_day
    since = now - DAY_MS
    check = await messages.check_send(ctx.db, sender=viewer.id, recipients=recipients, since=since)
    if check is None:
        raise NotFound("your profile is gone")
    _verify(check, group=group, budget=budget)
    people = [p for p in await people_resolvers.get_people(ctx, [viewer.id, *recipients]) if p]
    mentions, links = mentions_in(text, people), links_in(text)
    if group:
        sent = await messages.send_group(
            ctx.db, sender=viewer.id, recipients=recipients, name=title,
            conversation_id=str(uuid.uuid4()), message_id=message_id, body=text, mentions=mentions,
            links=links, now=now, since=since, budget=budget,
        )
    else:
        sent = await messages.send_direct(
            ctx.db, sender=viewer.id, recipient=recipients[0], conversation_id=str(uuid.uuid4()),
            message_id=message_id, body=text, mentions=mentions, links=links, now=now,
            since=since, budget=budget,
        )
    if sent is None:
        # Refused by the write: something changed since the check; say what it is now.
        again = await messages.check_send(ctx.db, sender=viewer.id, recipients=recipients,
                                          since=since)
        if again is not None:
            _verify(again, group=group, budget=budget)
        raise Conflict("the conversation changed meanwhile; try again")
    return sent


def _verify(check: messages.SendCheck, *, group: bool, budget: int) -> None:
    for recipient in check.recipients:
        if not recipient.found:
            raise NotFound("no such member", field="recipientIds")
        if recipient.blocked:
            raise Forbidden("you cannot message this member")
    if check.existingId is not None and not group:
        return  # the pair's conversation exists: policy and budget were for starting it
    for recipient in check.recipients:
        if recipient.policy == "NOBODY":
            raise Forbidden("this member does not accept messages")
        if recipient.policy == "CONNECTIONS" and not recipient.connected:
            raise Forbidden("this member accepts messages from connections only")
    if check.startedToday >= budget:
        raise RateLimited(f"you can start at most {budget} conversations a day",
                          retry_after=3600.0)


async def announce_message(ctx: Context, sent: SentRecord) -> None:
    """Tell every participant (the sender's other sessions too) and wake the mailer."""
    event = {"kind": MESSAGE_EVENT, "id": sent.message.id}
    await asyncio.gather(*(publish_to_person(ctx, pid, event)
                           for pid in (*sent.audience, sent.message.senderId)))
    wake = ctx.services.extras.get(WAKE_KEY)
    if sent.emailed and callable(wake):
        wake()


async def list_conversations(
    ctx: Context, *, first: int | None, after: str | None, unread_only: bool = False
) -> Page[ConversationRecord]:
    """The viewer's conversations, newest activity first."""
    viewer = require_viewer(ctx)
    listing = partial(messages.list_conversations, ctx.db, viewer.id, unread_only=unread_only)
    return await time_page(ctx, first, after, listing, lambda c: (c.lastMessageAt, c.id))


async def list_messages(
    ctx: Context, conversation_id: str, *, first: int | None, after: str | None
) -> Page[MessageRecord]:
    """A conversation's messages, newest first (stable pages while new ones arrive)."""
    viewer = require_viewer(ctx)
    listing = partial(messages.list_messages, ctx.db, viewer.id, conversation_id)
    return await time_page(ctx, first, after, listing, lambda m: (m.createdAt, m.id))


async def get_conversations(ctx: Context, ids: Sequence[str]) -> list[ConversationRecord | None]:
    """Conversations by id, None where the viewer takes no part (or is signed out)."""
    if ctx.viewer is None:
        return [None] * len(ids)
    return await messages.get_conversations(ctx.db, ctx.viewer.id, ids)


async def get_conversation(ctx: Context, conversation_id: str) -> ConversationRecord | None:
    return (await get_conversations(ctx, [conversation_id]))[0]


async def get_messages(ctx: Context, ids: Sequence[str]) -> list[MessageRecord | None]:
    """Messages by id: a participant's, or a reported one for a moderator; else None."""
    if ctx.viewer is None:
        return [None] * len(ids)
    return await messages.get_messages(ctx.db, ctx.viewer.id, ids,
                                       moderator=ctx.viewer.is_moderator)


async def unread_count(ctx: Context) -> int:
    viewer = require_viewer(ctx)
    return await messages.count_unread(ctx.db, viewer.id)


async def mark_read(ctx: Context, conversation_id: str) -> ConversationRecord:
    """Mark a conversation read up to now; the other participants hear a read receipt."""
    viewer = require_viewer(ctx)
    done = await messages.mark_read(ctx.db, viewer.id, conversation_id, now=ctx.now_ms())
    if done is None:
        raise NotFound("no such conversation", field="conversationId")
    read_at, audience = done
    event = {"kind": READ_EVENT, "conversationId": conversation_id, "readerId": viewer.id,
             "readAt": read_at}
    await asyncio.gather(*(publish_to_person(ctx, pid, event) for pid in audience))
    return await _reload(ctx, conversation_id)


async def leave(ctx: Context, conversation_id: str) -> str:
    viewer = require_viewer(ctx)
    found = await get_conversation(ctx, conversation_id)
    if found is None:
        raise NotFound("no such conversation", field="conversationId")
    if found.kind != "GROUP":
        raise InvalidInput("only a group conversation can be left", field="conversationId")
    await messages.leave(ctx.db, viewer.id, conversation_id, now=ctx.now_ms())
    return conversation_id


async def mute(ctx: Context, conversation_id: str, *, muted: bool) -> ConversationRecord:
    """Mute a conversation (no email for it) or unmute it."""
    viewer = require_viewer(ctx)
    if not await messages.mute(ctx.db, viewer.id, conversation_id, muted=muted):
        raise NotFound("no such conversation", field="conversationId")
    return await _reload(ctx, conversation_id)


async def _reload(ctx: Context, conversation_id: str) -> ConversationRecord:
    found = await get_conversation(ctx, conversation_id)
    if found is None:
        raise NotFound("no such conversation", field="conversationId")
    return found


async def delete_message(ctx: Context, message_id: str) -> MessageRecord:
    """Delete (soft) a message you sent: its body is gone for everyone, its mail unsent."""
    viewer = require_viewer(ctx)
    deleted = await messages.delete_message(ctx.db, viewer.id, message_id, now=ctx.now_ms())
    if deleted is None:
        (seen,) = await get_messages(ctx, [message_id])
        if seen is not None:
            raise Forbidden("you can only delete messages you sent")
        raise NotFound("no such message", field="messageId")
    return deleted


async def get_settings(ctx: Context) -> SettingsRecord:
    viewer = require_viewer(ctx)
    found = await messages.get_settings(ctx.db, viewer.id)
    if found is None:
        raise NotFound("your profile is gone")
    return found


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_time_zone(name: str) -> bool:
    """An IANA time zone name this server knows (e.g. Europe/London)."""
    if name not in _time_zones():
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def update_settings(
    ctx: Context, *, policy: str | None, email: str | None, notifications: str | None = None,
    time_zone: str | None = None,
) -> SettingsRecord:
    viewer = require_viewer(ctx)
    if policy is not None and policy not in messages.POLICIES:
        raise InvalidInput("unknown message policy", field="messagePolicy")
    if email is not None and email not in messages.EMAIL_CHOICES:
        raise InvalidInput("unknown email choice", field="emailMessages")
    if notifications is not None and notifications not in messages.NOTIFICATION_EMAIL_CHOICES:
        raise InvalidInput("unknown notification email choice", field="emailNotifications")
    if time_zone is not None and not valid_time_zone(time_zone):
        raise InvalidInput("an IANA time zone, e.g. Europe/London", field="timeZone")
    found = await messages.update_settings(ctx.db, viewer.id, policy=policy, email=email,
                                           notifications=notifications, time_zone=time_zone)
    if found is None:
        raise NotFound("your profile is gone")
    return found


async def list_outbox(
    ctx: Context, *, status: str | None, first: int | None, after: str | None
) -> Page[OutboxEntryRecord]:
    """Admins: the email outbox (e.g. the DEAD entries with their last SMTP error)."""
    require_role(ctx, "ADMIN")
    listing = partial(outbox.list_entries, ctx.db, status=status)
    return await time_page(ctx, first, after, listing, lambda e: (e.createdAt, e.id))


async def message_added(ctx: Context) -> AsyncIterator[MessageRecord]:
    """Each new message of the viewer's conversations, loaded again as the viewer."""
    require_viewer(ctx)
    async for event in viewer_events(ctx):
        if event.get("kind") != MESSAGE_EVENT or not isinstance(event.get("id"), str):
            continue
        (record,) = await get_messages(ctx, [event["id"]])
        if record is not None:
            yield record


async def conversation_read(ctx: Context) -> AsyncIterator[ReadReceiptRecord]:
    """Read receipts: another participant read one of the viewer's conversations."""
    viewer = require_viewer(ctx)
    async for event in viewer_events(ctx):
        if event.get("kind") != READ_EVENT:
            continue
        conversation_id, reader, read_at = (event.get("conversationId"), event.get("readerId"),
                                            event.get("readAt"))
        if not (isinstance(conversation_id, str) and isinstance(reader, str)
                and isinstance(read_at, int)) or reader == viewer.id:
            continue
        if await get_conversation(ctx, conversation_id) is not None:
            yield ReadReceiptRecord(conversation_id, reader, read_at)

