"""Messages: conversations between members, each message stored with its email outbox entries.

The graph:
- (c:Conversation {id, kind: DIRECT|GROUP, name, createdAt, createdBy, lastMessageAt,
  lastMessageId, pairKey}); a DIRECT conversation's `pairKey` is its two member ids, sorted
  and joined by ':', unique (a constraint), so the pair's conversation is MERGEd on it and
  concurrent first messages between two members can only ever make one.
- (p:Person)-[:PARTICIPATES_IN {joinedAt, lastReadAt, muted, leftAt}]->(c); a member who
  left a group (`leftAt`) neither reads nor receives it any more.
- (p)-[:SENT]->(m:Message {id, body, createdAt, senderId, conversationId, mentionIds, links,
  deletedAt})-[:IN]->(c); a deleted message keeps its node and loses its body in every read.
- Member settings on the Person: `messagePolicy` (EVERYONE, CONNECTIONS, NOBODY: who may start
  a conversation with them), `emailMessages` (IMMEDIATE, DIGEST, NEVER), `emailNotifications`
  (DAILY, WEEKLY, NEVER: the notification digest, graph_db.digests) and `timeZone` (IANA name,
  when digests go out); null is the default (EVERYONE, IMMEDIATE, DAILY, UTC).

The statement that stores a message also MERGEs one EmailOutbox entry per recipient who wants
it by email (graph_db.outbox), so a crash after the write loses no mail. Every statement that
counts a sender's new conversations against the daily budget first writes the sender
(graph_db.locks.lock): on Neo4j that serialises the sender's sends (read-committed would let two
of them see the same count); FalkorDB runs each write alone anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString, Self

from graph_db.backend import Executor, all_records, first_count, first_record
from graph_db.batch import get_aligned, get_aligned_rows
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.policy import blocked_ids, blocks_among, blocks_any, blocks_with_id, suspended

POLICIES: tuple[str, ...] = ("EVERYONE", "CONNECTIONS", "NOBODY")
EMAIL_CHOICES: tuple[str, ...] = ("IMMEDIATE", "DIGEST", "NEVER")
# How notifications reach the inbox: a digest per local day (the default) or week, or none.
NOTIFICATION_EMAIL_CHOICES: tuple[str, ...] = ("DAILY", "WEEKLY", "NEVER")


def pair_key(a: str, b: str) -> str:
    """The DIRECT conversation key of two members, the same whichever of them asks."""
    return ":".join(sorted((a, b)))


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: str
    conversationId: str
    senderId: str
    body: str | None  # None once deleted
    createdAt: int
    deletedAt: int | None = None
    mentionIds: tuple[str, ...] = ()
    links: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        return cls(
            id=row["id"], conversationId=row["conversationId"], senderId=row["senderId"],
            body=row.get("body"), createdAt=int(row["createdAt"]), deletedAt=row.get("deletedAt"),
            mentionIds=tuple(row.get("mentionIds") or ()), links=tuple(row.get("links") or ()),
        )


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A conversation as one participant (the viewer) sees it."""

    id: str
    kind: str
    name: str | None
    createdAt: int
    lastMessageAt: int
    participantIds: tuple[str, ...]
    unreadCount: int = 0
    lastReadAt: int = 0
    muted: bool = False
    closed: bool = False  # a DIRECT conversation with a block between its two members
    lastMessage: MessageRecord | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any], last: dict[str, Any] | None = None) -> Self:
        return cls(
            id=row["id"], kind=row["kind"], name=row.get("name"), createdAt=int(row["createdAt"]),
            lastMessageAt=int(row.get("lastMessageAt") or row["createdAt"]),
            participantIds=tuple(sorted(row.get("participantIds") or ())),
            unreadCount=int(row.get("unreadCount") or 0), lastReadAt=int(row.get("lastReadAt") or 0),
            muted=bool(row.get("muted")), closed=bool(row.get("closed")),
            lastMessage=MessageRecord.from_row(last) if last else None,
        )


@dataclass(frozen=True, slots=True)
class SentRecord:
    """What a send stored: the message, and who else takes part (to tell them live)."""

    message: MessageRecord
    audience: tuple[str, ...]
    emailed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecipientCheck:
    """What decides whether the sender may message one would-be recipient."""

    id: str
    found: bool
    policy: str
    blocked: bool
    connected: bool


@dataclass(frozen=True, slots=True)
class SendCheck:
    suspendedUntil: int | None
    startedToday: int
    existingId: str | None  # the pair's DIRECT conversation, when asked about one
    recipients: tuple[RecipientCheck, ...]


MESSAGE_MAP: LiteralString = (
    "m {.id, .conversationId, .senderId, .createdAt, .deletedAt, .mentionIds, .links, "
    "body: CASE WHEN m.deletedAt IS NULL THEN m.body ELSE null END}"
)

# Binds v (the viewer), p (their participation) and c; projects the conversation as v sees it.
# (Each pattern comprehension has its own variables: FalkorDB mixes up reused names.)
CONVERSATION_MAP: LiteralString = (
    "c {.id, .kind, .name, .createdAt, .lastMessageAt, lastReadAt: p.lastReadAt, "
    "muted: coalesce(p.muted, false), unreadCount: unread, "
    "participantIds: [(c)<-[pq:PARTICIPATES_IN]-(pp:Person) WHERE pq.leftAt IS NULL | pp.id], "
    "closed: c.kind = 'DIRECT' AND " + blocks_among("c", "PARTICIPATES_IN") + "}"
)
UNREAD: LiteralString = (
    "size([(c)<-[:IN]-(um:Message) WHERE um.createdAt > p.lastReadAt AND um.senderId <> v.id "
    "AND um.deletedAt IS NULL | um]) AS unread"
)

# Not suspended; the sender's conversations started since $since are counted as `started`.
_STARTED: LiteralString = (
    "size([(s)-[:PARTICIPATES_IN]->(sc:Conversation) WHERE sc.createdBy = s.id "
    "AND sc.createdAt > $since | sc]) AS started"
)
_ACTIVE: LiteralString = "(NOT " + suspended("s") + ")"
# `r` may be messaged by `s` as a new conversation: no block, and r's policy allows it.
_ALLOWED: LiteralString = (
    "NOT blocked AND (coalesce(r.messagePolicy, 'EVERYONE') = 'EVERYONE' "
    "OR (r.messagePolicy = 'CONNECTIONS' AND connected > 0))"
)
_PAIR_STATE: LiteralString = (
    blocks_with_id("s", "r.id") + " AS blocked, "
    "size([(s)-[:CONNECTED_WITH]->(cx:Person) WHERE cx.id = r.id | cx]) AS connected"
)

# The rest of every send: imports s (sender), c and ps (the sender's participation). Stores
# the message (MERGE on the id the resolver chose: a retried statement adds nothing) and one
# outbox entry per active participant who wants messages by email immediately, has not
# muted the conversation and stands on no block with the sender.
_POST: LiteralString = (
    " MERGE (m:Message {id: $messageId}) ON CREATE SET m.body = $body, m.createdAt = $now,"
    " m.senderId = s.id, m.conversationId = c.id, m.mentionIds = $mentions, m.links = $links"
    " MERGE (s)-[:SENT]->(m) MERGE (m)-[:IN]->(c)"
    " SET c.lastMessageAt = $now, c.lastMessageId = m.id, ps.lastReadAt = $now"
    " WITH s, c, m,"
    " [(c)<-[aq:PARTICIPATES_IN]-(ap:Person) WHERE aq.leftAt IS NULL AND ap.id <> s.id | ap.id]"
    " AS audience,"
    " [(c)<-[eq:PARTICIPATES_IN]-(ep:Person) WHERE eq.leftAt IS NULL AND ep.id <> s.id"
    " AND coalesce(eq.muted, false) = false"
    " AND coalesce(ep.emailMessages, 'IMMEDIATE') = 'IMMEDIATE' | ep.id] AS wanting,"
    " " + blocked_ids("s", "xb") + " AS blockedIds"
    " WITH s, c, m, audience, [i IN wanting WHERE NOT i IN blockedIds] AS emailed"
    " FOREACH (rid IN emailed | MERGE (o:EmailOutbox {id: m.id + ':' + rid})"
    " ON CREATE SET o.kind = 'MESSAGE', o.messageId = m.id, o.recipientId = rid,"
    " o.conversationId = c.id, o.status = 'PENDING', o.attempts = 0, o.dueAt = $now,"
    " o.createdAt = $now)"
    " RETURN " + MESSAGE_MAP + " AS message, audience, emailed"
)

SEND_DIRECT: LiteralString = (
    "MATCH (s:Person {id: $sender}), (r:Person {id: $recipient}) WHERE s <> r "
    + lock("s") +
    "WITH s, r, " + _PAIR_STATE + ", " + _STARTED + " "
    "OPTIONAL MATCH (known:Conversation {pairKey: $pairKey}) "
    "WITH s, r, blocked, connected, started, known "
    "WHERE " + _ACTIVE + " AND NOT blocked AND (known IS NOT NULL OR (" + _ALLOWED
    + " AND started < $budget)) "
    "MERGE (c:Conversation {pairKey: $pairKey}) ON CREATE SET c.id = $conversationId, "
    "c.kind = 'DIRECT', c.createdAt = $now, c.createdBy = s.id, c.lastMessageAt = $now "
    "MERGE (r)-[pr:PARTICIPATES_IN]->(c) ON CREATE SET pr.joinedAt = $now, pr.lastReadAt = 0 "
    "MERGE (s)-[ps:PARTICIPATES_IN]->(c) ON CREATE SET ps.joinedAt = $now, ps.lastReadAt = 0 "
    "WITH s, c, ps" + _POST
)


async def send_direct(
    db: Executor, *, sender: str, recipient: str, conversation_id: str, message_id: str,
    body: str, mentions: Sequence[str], links: Sequence[str], now: int, since: int, budget: int,
) -> SentRecord | None:
    """Post into the pair's one DIRECT conversation (created on the first message). None when
    refused (a block, the recipient's policy for a new conversation, the daily budget, a
    suspension) or when a person is missing."""
    rows = await db.write(SEND_DIRECT, {
        "sender": sender, "recipient": recipient, "pairKey": pair_key(sender, recipient),
        "conversationId": conversation_id, "messageId": message_id, "body": body,
        "mentions": list(mentions), "links": list(links), "now": now, "since": since,
        "budget": budget,
    })
    return _sent(rows)


SEND_GROUP: LiteralString = (
    "MATCH (s:Person {id: $sender})" + lock("s") +
    "WITH s, " + _STARTED + " WHERE " + _ACTIVE + " AND started < $budget "
    "UNWIND $recipients AS rid MATCH (r:Person {id: rid}) WHERE r <> s "
    "WITH s, r, " + _PAIR_STATE + " WHERE " + _ALLOWED + " "
    "WITH s, collect(r) AS members WHERE size(members) = $count "
    "MERGE (c:Conversation {id: $conversationId}) ON CREATE SET c.kind = 'GROUP', "
    "c.name = $name, c.createdAt = $now, c.createdBy = s.id, c.lastMessageAt = $now "
    "FOREACH (r IN members | MERGE (r)-[pr:PARTICIPATES_IN]->(c) "
    "ON CREATE SET pr.joinedAt = $now, pr.lastReadAt = 0) "
    "MERGE (s)-[ps:PARTICIPATES_IN]->(c) ON CREATE SET ps.joinedAt = $now, ps.lastReadAt = 0 "
    "WITH s, c, ps" + _POST
)


async def send_group(
    db: Executor, *, sender: str, recipients: Sequence[str], name: str, conversation_id: str,
    message_id: str, body: str, mentions: Sequence[str], links: Sequence[str], now: int,
    since: int, budget: int,
) -> SentRecord | None:
    """Start a GROUP conversation with its first message; None when any recipient may not be
    messaged by the sender (or is missing), or the budget or a suspension refuses it."""
    unique = list(dict.fromkeys(recipients))
    rows = await db.write(SEND_GROUP, {
        "sender": sender, "recipients": unique, "count": len(unique), "name": name,
        "conversationId": conversation_id, "messageId": message_id, "body": body,
        "mentions": list(mentions), "links": list(links), "now": now, "since": since,
        "budget": budget,
    })
    return _sent(rows)


SEND_TO_CONVERSATION: LiteralString = (
    "MATCH (s:Person {id: $sender})-[ps:PARTICIPATES_IN]->(c:Conversation {id: $conversation}) "
    "WHERE ps.leftAt IS NULL AND " + _ACTIVE + " "
    "WITH s, ps, c, "
    + blocks_any("s", "(bz:Person)-[bq:PARTICIPATES_IN]->(c)", "bq.leftAt IS NULL") + " AS blocked "
    # A block closes a DIRECT conversation for both; in a group it only stops the mail.
    "WHERE c.kind <> 'DIRECT' OR NOT blocked "
    "WITH s, c, ps" + _POST
)


async def send_to_conversation(
    db: Executor, *, sender: str, conversation_id: str, message_id: str, body: str,
    mentions: Sequence[str], links: Sequence[str], now: int,
) -> SentRecord | None:
    """Post into a conversation the sender takes part in; None when they do not (or left,
    are suspended, or a block closed the DIRECT conversation)."""
    rows = await db.write(SEND_TO_CONVERSATION, {
        "sender": sender, "conversation": conversation_id, "messageId": message_id, "body": body,
        "mentions": list(mentions), "links": list(links), "now": now,
    })
    return _sent(rows)


def _sent(rows: list[dict[str, Any]]) -> SentRecord | None:
    if not rows:
        return None
    row = rows[0]
    return SentRecord(
        MessageRecord.from_row(row["message"]), tuple(row["audience"] or ()),
        tuple(row["emailed"] or ()),
    )


CHECK_SEND: LiteralString = (
    "MATCH (s:Person {id: $sender}) "
    "OPTIONAL MATCH (known:Conversation {pairKey: $pairKey}) "
    "WITH s, known.id AS existingId, " + _STARTED + " "
    "UNWIND $recipients AS rid OPTIONAL MATCH (r:Person {id: rid}) "
    "RETURN rid, r IS NOT NULL AS found, coalesce(r.messagePolicy, 'EVERYONE') AS policy, "
    + blocks_with_id("s", "rid") + " AS blocked, "
    "size([(s)-[:CONNECTED_WITH]->(cx:Person) WHERE cx.id = rid | cx]) AS connected, "
    "s.suspendedUntil AS suspendedUntil, started, existingId"
)


async def check_send(
    db: Executor, *, sender: str, recipients: Sequence[str], since: int
) -> SendCheck | None:
    """Everything the rules look at before a new conversation (None: no such sender)."""
    key = pair_key(sender, recipients[0]) if len(recipients) == 1 else ""
    rows = await db.read(
        CHECK_SEND, {"sender": sender, "recipients": list(recipients), "pairKey": key, "since": since}
    )
    if not rows:
        return None
    first = rows[0]
    return SendCheck(
        suspendedUntil=first["suspendedUntil"], startedToday=int(first["started"]),
        existingId=first["existingId"],
        recipients=tuple(
            RecipientCheck(r["rid"], bool(r["found"]), str(r["policy"]), bool(r["blocked"]),
                           int(r["connected"]) > 0)
            for r in rows
        ),
    )


_VIEWER_IN: LiteralString = (
    "MATCH (v:Person {id: $viewer})-[p:PARTICIPATES_IN]->(c:Conversation) WHERE p.leftAt IS NULL "
)

LIST_CONVERSATIONS: LiteralString = (
    _VIEWER_IN + "AND " + past_cursor("c.lastMessageAt", "c.id", descending=True) + " "
    "WITH v, p, c, " + UNREAD + " WHERE NOT $unreadOnly OR unread > 0 "
    "WITH v, p, c, unread ORDER BY c.lastMessageAt DESC, c.id DESC LIMIT $limit "
    "OPTIONAL MATCH (lm:Message {id: c.lastMessageId}) "
    "WITH v, p, c, unread, lm "
    "RETURN " + CONVERSATION_MAP + " AS conversation, "
    "CASE WHEN lm IS NULL THEN null ELSE lm {.id, .conversationId, .senderId, .createdAt, "
    ".deletedAt, .mentionIds, .links, body: CASE WHEN lm.deletedAt IS NULL THEN lm.body "
    "ELSE null END} END AS last ORDER BY c.lastMessageAt DESC, c.id DESC"
)


async def list_conversations(
    db: Executor, viewer: str, *, unread_only: bool = False,
    after: tuple[int, str] | None = None, limit: int,
) -> list[ConversationRecord]:
    """The viewer's conversations, newest activity first, after the keyset (lastMessageAt, id)."""
    rows = await db.read(LIST_CONVERSATIONS, {
        "viewer": viewer, "unreadOnly": unread_only, **cursor_params(after), "limit": limit,
    })
    return [ConversationRecord.from_row(r["conversation"], r["last"]) for r in rows]


GET_CONVERSATIONS: LiteralString = (
    "UNWIND $ids AS cid MATCH (v:Person {id: $viewer})-[p:PARTICIPATES_IN]->"
    "(c:Conversation {id: cid}) WHERE p.leftAt IS NULL "
    "WITH v, p, c, " + UNREAD + " "
    "OPTIONAL MATCH (lm:Message {id: c.lastMessageId}) "
    "WITH v, p, c, unread, lm "
    "RETURN " + CONVERSATION_MAP + " AS conversation, "
    "CASE WHEN lm IS NULL THEN null ELSE lm {.id, .conversationId, .senderId, .createdAt, "
    ".deletedAt, .mentionIds, .links, body: CASE WHEN lm.deletedAt IS NULL THEN lm.body "
    "ELSE null END} END AS last"
)


async def get_conversations(
    db: Executor, viewer: str, ids: Sequence[str]
) -> list[ConversationRecord | None]:
    """Conversations by id as the viewer sees them, aligned; None where they take no part."""
    return await get_aligned_rows(
        db, GET_CONVERSATIONS, ids, lambda r: r["conversation"]["id"],
        lambda r: ConversationRecord.from_row(r["conversation"], r["last"]), {"viewer": viewer},
    )


LIST_MESSAGES: LiteralString = (
    _VIEWER_IN + "AND c.id = $conversation "
    "MATCH (c)<-[:IN]-(m:Message) "
    "WHERE " + past_cursor("m.createdAt", "m.id", descending=True) + " "
    "RETURN " + MESSAGE_MAP + " AS message ORDER BY m.createdAt DESC, m.id DESC LIMIT $limit"
)


async def list_messages(
    db: Executor, viewer: str, conversation_id: str, *, after: tuple[int, str] | None = None,
    limit: int,
) -> list[MessageRecord]:
    """A conversation's messages, newest first, for a participant (else nothing)."""
    return await all_records(db.read, LIST_MESSAGES, "message", MessageRecord.from_row, {
        "viewer": viewer, "conversation": conversation_id, **cursor_params(after), "limit": limit,
    })


# A participant reads every message of their conversations; a moderator reads a message only
# while a report about it is open (graph_db.moderation), and nothing else of the conversation.
GET_MESSAGES: LiteralString = (
    "UNWIND $ids AS mid MATCH (m:Message {id: mid})-[:IN]->(c:Conversation) "
    "WITH m, c, size([(c)<-[vp:PARTICIPATES_IN]-(vv:Person) WHERE vv.id = $viewer "
    "AND vp.leftAt IS NULL | vv]) AS mine, "
    "size([(m)<-[:CONCERNS]-(rep:Report) WHERE rep.status = 'OPEN' | rep]) AS reported "
    "WHERE mine > 0 OR ($moderator AND reported > 0) "
    "RETURN " + MESSAGE_MAP + " AS message"
)


async def get_messages(
    db: Executor, viewer: str, ids: Sequence[str], *, moderator: bool = False
) -> list[MessageRecord | None]:
    """Messages by id, aligned; None unless the viewer takes part in the conversation (or is
    a moderator and the message is reported)."""
    return await get_aligned(
        db, GET_MESSAGES, ids, "message", MessageRecord.from_row,
        {"viewer": viewer, "moderator": moderator},
    )


COUNT_UNREAD: LiteralString = (
    _VIEWER_IN + "WITH v, p, c, " + UNREAD + " RETURN sum(unread) AS n"
)


async def count_unread(db: Executor, viewer: str) -> int:
    return await first_count(db.read, COUNT_UNREAD, "n", {"viewer": viewer})


MARK_READ: LiteralString = (
    _VIEWER_IN + "AND c.id = $conversation "
    "SET p.lastReadAt = CASE WHEN p.lastReadAt > $now THEN p.lastReadAt ELSE $now END "
    "RETURN p.lastReadAt AS readAt, "
    "[(c)<-[aq:PARTICIPATES_IN]-(ap:Person) WHERE aq.leftAt IS NULL AND ap.id <> v.id | ap.id] "
    "AS audience"
)


async def mark_read(
    db: Executor, viewer: str, conversation_id: str, *, now: int
) -> tuple[int, tuple[str, ...]] | None:
    """Mark everything up to now read; (readAt, other participants), None if not a participant."""
    rows = await db.write(MARK_READ, {"viewer": viewer, "conversation": conversation_id, "now": now})
    if not rows:
        return None
    return int(rows[0]["readAt"]), tuple(rows[0]["audience"] or ())


LEAVE: LiteralString = (
    _VIEWER_IN + "AND c.id = $conversation AND c.kind = 'GROUP' "
    "SET p.leftAt = $now RETURN c.id AS id"
)


async def leave(db: Executor, viewer: str, conversation_id: str, *, now: int) -> bool:
    """Leave a GROUP conversation; False when the viewer is not in it (or it is DIRECT)."""
    return bool(await db.write(LEAVE, {"viewer": viewer, "conversation": conversation_id, "now": now}))


MUTE: LiteralString = (
    _VIEWER_IN + "AND c.id = $conversation SET p.muted = $muted RETURN c.id AS id"
)


async def mute(db: Executor, viewer: str, conversation_id: str, *, muted: bool) -> bool:
    """Mute (no email, no unread mail) or unmute a conversation; False if not a participant."""
    return bool(await db.write(MUTE, {"viewer": viewer, "conversation": conversation_id,
                                      "muted": muted}))


DELETE_MESSAGE: LiteralString = (
    "MATCH (v:Person {id: $viewer})-[:SENT]->(m:Message {id: $message}) "
    "SET m.deletedAt = coalesce(m.deletedAt, $now) RETURN " + MESSAGE_MAP + " AS message"
)


async def delete_message(db: Executor, viewer: str, message_id: str, *, now: int) -> MessageRecord | None:
    """Soft-delete a message the viewer sent (mail not yet sent is dropped); None otherwise."""
    return await first_record(
        db.write, DELETE_MESSAGE, "message", MessageRecord.from_row,
        {"viewer": viewer, "message": message_id, "now": now},
    )


@dataclass(frozen=True, slots=True)
class SettingsRecord:
    """A member's messaging and email settings, defaults filled in."""

    messagePolicy: str
    emailMessages: str
    emailNotifications: str
    timeZone: str


# What each setting is when never set (a member gets mail unless they say otherwise).
_SETTINGS: LiteralString = (
    "coalesce(v.messagePolicy, 'EVERYONE') AS policy, coalesce(v.emailMessages, 'IMMEDIATE') AS email, "
    "coalesce(v.emailNotifications, 'DAILY') AS notifications, coalesce(v.timeZone, 'UTC') AS timeZone"
)


def _settings(rows: list[dict[str, Any]]) -> SettingsRecord | None:
    if not rows:
        return None
    row = rows[0]
    return SettingsRecord(str(row["policy"]), str(row["email"]), str(row["notifications"]),
                          str(row["timeZone"]))


GET_SETTINGS: LiteralString = "MATCH (v:Person {id: $viewer}) RETURN " + _SETTINGS


async def get_settings(db: Executor, viewer: str) -> SettingsRecord | None:
    """A member's messagePolicy, emailMessages, emailNotifications and timeZone."""
    return _settings(await db.read(GET_SETTINGS, {"viewer": viewer}))


UPDATE_SETTINGS: LiteralString = (
    "MATCH (v:Person {id: $viewer}) "
    "SET v.messagePolicy = coalesce($policy, v.messagePolicy), "
    "v.emailMessages = coalesce($email, v.emailMessages), "
    "v.emailNotifications = coalesce($notifications, v.emailNotifications), "
    "v.timeZone = coalesce($timeZone, v.timeZone) "
    "RETURN " + _SETTINGS
)


async def update_settings(
    db: Executor, viewer: str, *, policy: str | None, email: str | None,
    notifications: str | None = None, time_zone: str | None = None,
) -> SettingsRecord | None:
    """Change the settings given (None: unchanged); None when there is no such member."""
    return _settings(await db.write(UPDATE_SETTINGS, {
        "viewer": viewer, "policy": policy, "email": email, "notifications": notifications,
        "timeZone": time_zone,
    }))
