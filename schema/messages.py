"""GraphQL types, fields and live events for conversations and messages."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import Enum
from typing import Self

import strawberry

from graph_db.messages import ConversationRecord, MessageRecord, SettingsRecord
from graph_db.outbox import OutboxEntryRecord
from resolvers import messages as message_resolvers
from resolvers.messages import ReadReceiptRecord
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    RecordNode,
    UserError,
    attr_field,
    connection,
    global_id_of,
    ids,
    local_id,
    nodes,
    person_field,
    timestamp_field,
)
from schema.people import Person, people_by_ids, person_by_id


@strawberry.enum(description="Who may start a conversation with you.")
class MessagePolicy(Enum):
    EVERYONE = "EVERYONE"
    CONNECTIONS = "CONNECTIONS"
    NOBODY = "NOBODY"


@strawberry.enum(description="How messages reach your email inbox.")
class MessageEmail(Enum):
    IMMEDIATE = "IMMEDIATE"
    DIGEST = "DIGEST"
    NEVER = "NEVER"


@strawberry.enum(description="How notifications reach your email inbox: a digest of the unread "
                 "ones, each morning in your time zone (weekly: once a week), or none.")
class NotificationEmail(Enum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    NEVER = "NEVER"


@strawberry.enum(description="A conversation between two members, or a named group of them.")
class ConversationKind(Enum):
    DIRECT = "DIRECT"
    GROUP = "GROUP"


@strawberry.enum(description="Where an email stands in the delivery outbox.")
class EmailStatus(Enum):
    PENDING = "PENDING"
    SENT = "SENT"
    DEAD = "DEAD"
    CANCELLED = "CANCELLED"


@strawberry.type(description="A message in a conversation; only its participants read it.")
class Message(RecordNode[MessageRecord]):
    body: str | None = attr_field(
        "record.body",
        description="The text, as written (plain text); null once deleted.",
    )

    @strawberry.field(description="Whether the sender deleted it.")
    def deleted(self) -> bool:
        return self.record.deletedAt is not None

    @strawberry.field(description="Who wrote it.")
    async def sender(self, info: AppInfo) -> Person | None:
        return await person_by_id(info, self.record.senderId)

    @strawberry.field(description="The conversation it belongs to (null for a moderator).")
    async def conversation(self, info: AppInfo) -> Conversation | None:
        record = await message_resolvers.get_conversation(info.context, self.record.conversationId)
        return Conversation.from_record(record) if record else None

    @strawberry.field(description="The links in the text, in order.")
    def links(self) -> list[str]:
        return [] if self.record.deletedAt is not None else list(self.record.links)

    @strawberry.field(description="The participants it @-mentions.")
    async def mentions(self, info: AppInfo) -> list[Person]:
        if self.record.deletedAt is not None:
            return []
        return await people_by_ids(info, self.record.mentionIds)

    created_at: DateTime = timestamp_field("record.createdAt", "When it was sent.")


@strawberry.type(description="A conversation you take part in.")
class Conversation(RecordNode[ConversationRecord]):
    kind: ConversationKind = attr_field(
        "record.kind", ConversationKind,
        description="DIRECT (two members) or GROUP.",
    )

    name: str | None = attr_field("record.name", description="A group conversation's name; null for DIRECT.")

    @strawberry.field(description="Who takes part (you included).")
    async def participants(self, info: AppInfo) -> list[Person]:
        return await people_by_ids(info, self.record.participantIds)

    @strawberry.field(description="The newest message.")
    def last_message(self) -> Message | None:
        last = self.record.lastMessage
        return Message.from_record(last) if last else None

    last_message_at: DateTime = timestamp_field(
        "record.lastMessageAt", "When the newest message was sent (the list is ordered by it)."
    )

    unread_count: int = attr_field(
        "record.unreadCount",
        description="Messages from others you have not read yet.",
    )

    muted: bool = attr_field("record.muted", description="Whether you muted it (no email for it).")

    closed: bool = attr_field(
        "record.closed",
        description="Closed by a block between the two members: nobody can send.",
    )

    @strawberry.field(description="Its messages, newest first (stable while messages arrive).")
    async def messages(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Message]:
        page = await message_resolvers.list_messages(
            info.context, self.record.id, first=first, after=after
        )
        return connection(page, Message.from_record)

    created_at: DateTime = timestamp_field("record.createdAt", "When it started.")


@strawberry.type(description="A participant read a conversation up to `readAt`.")
class ReadReceipt:
    record: strawberry.Private[ReadReceiptRecord]

    read_at: DateTime = timestamp_field("record.readAt", "Everything sent up to this instant is read.")

    conversation_id: strawberry.ID = attr_field(
        "record.conversationId", global_id_of("Conversation"), description="The conversation."
    )

    reader: Person | None = person_field("record.readerId", "Who read it.")


@strawberry.type(description="Your messaging and email settings.")
class MessageSettings:
    message_policy: MessagePolicy = strawberry.field(description="Who may start a conversation with you.")
    email_messages: MessageEmail = strawberry.field(description="How messages reach your inbox.")
    email_notifications: NotificationEmail = strawberry.field(
        description="How notifications reach your inbox (DAILY unless changed)."
    )
    time_zone: str = strawberry.field(
        description="Your IANA time zone, e.g. Europe/London (UTC unless changed): digests "
                    "arrive in your morning."
    )


@strawberry.type(description="An email in the delivery outbox (admins).")
class EmailDelivery:
    record: strawberry.Private[OutboxEntryRecord]

    status: EmailStatus = attr_field("record.status", EmailStatus, description="Where it stands.")

    attempts: int = attr_field("record.attempts", description="Sending attempts made.")

    last_error: str | None = attr_field("record.lastError", description="The last SMTP error, if any.")

    created_at: DateTime = timestamp_field("record.createdAt", "When it was queued.")

    sent_at: DateTime | None = timestamp_field("record.sentAt", "When it was handed to the mail server.")

    id: strawberry.ID = attr_field(
        "record.id", strawberry.ID, description="The outbox entry's id (also in the email's Message-ID)."
    )

    recipient: Person | None = person_field("record.recipientId", "The member it is for.")


nodes("Conversation", Conversation.from_record, get_many=message_resolvers.get_conversations)
nodes("Message", Message.from_record, get_many=message_resolvers.get_messages)


@strawberry.input(description="A message: into a conversation, or to members.")
class SendMessageInput:
    body: str = strawberry.field(description="Plain text, 1 to 5,000 characters.")
    recipient_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="One member (your conversation with them, started if need "
        "be), or up to 19 (a new group conversation, `name` required)."
    )
    conversation_id: strawberry.ID | None = strawberry.field(
        default=None, description="A conversation you take part in."
    )
    name: str | None = strawberry.field(default=None, description="A new group conversation's name.")


@strawberry.type(description="The result of `sendMessage`.")
class SendMessagePayload(Payload[tuple[MessageRecord, ConversationRecord | None]]):
    message: Message | None = strawberry.field(description="The message sent; null on errors.")
    conversation: Conversation | None = strawberry.field(description="Its conversation.")

    @classmethod
    def of(
        cls, sent: tuple[MessageRecord, ConversationRecord | None] | None, errors: list[UserError]
    ) -> Self:
        if sent is None:
            return cls(message=None, conversation=None, errors=errors)
        message, conversation = sent
        return cls(
            message=Message.from_record(message),
            conversation=None if conversation is None else Conversation.from_record(conversation),
            errors=errors,
        )


@strawberry.input(description="A conversation of yours.")
class ConversationInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")


@strawberry.input(description="Mute or unmute a conversation.")
class MuteConversationInput:
    conversation_id: strawberry.ID = strawberry.field(description="The conversation.")
    muted: bool = strawberry.field(default=True, description="True to mute, false to unmute.")


@strawberry.type(description="The result of a change to one of your conversations.")
class ConversationPayload(
    Payload[ConversationRecord], result="conversation", convert=Conversation.from_record
):
    conversation: Conversation | None = strawberry.field(description="It, as it now is.")


@strawberry.type(description="The result of `leaveConversation`.")
class LeaveConversationPayload(Payload[str], result="conversation_id", convert=global_id_of("Conversation")):
    conversation_id: strawberry.ID | None = strawberry.field(description="The conversation left.")


@strawberry.input(description="A message you sent.")
class DeleteMessageInput:
    message_id: strawberry.ID = strawberry.field(description="The message.")


@strawberry.type(description="The result of `deleteMessage`.")
class DeleteMessagePayload(Payload[MessageRecord], result="message", convert=Message.from_record):
    message: Message | None = strawberry.field(description="The message, now without its text.")


@strawberry.input(description="Messaging settings to change (left out: unchanged).")
class UpdateMessageSettingsInput:
    message_policy: MessagePolicy | None = strawberry.field(
        default=None, description="Who may start a conversation with you."
    )
    email_messages: MessageEmail | None = strawberry.field(
        default=None, description="How messages reach your inbox."
    )
    email_notifications: NotificationEmail | None = strawberry.field(
        default=None, description="How notifications reach your inbox."
    )
    time_zone: str | None = strawberry.field(
        default=None, description="Your IANA time zone, e.g. Europe/London (BAD_USER_INPUT if unknown)."
    )


def _settings(found: SettingsRecord) -> MessageSettings:
    return MessageSettings(
        message_policy=MessagePolicy(found.messagePolicy), email_messages=MessageEmail(found.emailMessages),
        email_notifications=NotificationEmail(found.emailNotifications), time_zone=found.timeZone,
    )


@strawberry.type(description="The result of `updateMessageSettings`.")
class UpdateMessageSettingsPayload(Payload[SettingsRecord], result="settings", convert=_settings):
    settings: MessageSettings | None = strawberry.field(description="The settings now.")


@strawberry.type
class MessagesQuery:
    @strawberry.field(description="Your conversations, newest activity first.")
    async def conversations(
        self, info: AppInfo, first: int | None = 20, after: str | None = None,
        unread_only: bool = False,
    ) -> Connection[Conversation]:
        page = await message_resolvers.list_conversations(
            info.context, first=first, after=after, unread_only=unread_only
        )
        return connection(page, Conversation.from_record)

    @strawberry.field(description="How many messages to you are unread (the badge).")
    async def unread_message_count(self, info: AppInfo) -> int:
        return await message_resolvers.unread_count(info.context)

    @strawberry.field(description="Your messaging settings.")
    async def message_settings(self, info: AppInfo) -> MessageSettings:
        return _settings(await message_resolvers.get_settings(info.context))

    @strawberry.field(description="Admins: the email outbox, newest first (status DEAD: given up).")
    async def email_deliveries(
        self, info: AppInfo, status: EmailStatus | None = None, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[EmailDelivery]:
        page = await message_resolvers.list_outbox(
            info.context, status=status.value if status else None, first=first, after=after
        )
        return connection(page, lambda r: EmailDelivery(record=r))


def _conversation_id(value: strawberry.ID) -> str:
    return local_id(value, "Conversation", field="conversationId")


@strawberry.type
class MessagesMutation:
    @strawberry.mutation(description="Send a message (it also reaches the recipients' email).")
    async def send_message(self, info: AppInfo, input: SendMessageInput) -> SendMessagePayload:
        async def run() -> tuple[MessageRecord, ConversationRecord | None]:
            sent = await message_resolvers.send_message(
                info.context,
                recipient_ids=None if input.recipient_ids is None
                else ids(input.recipient_ids, "Person", "recipientIds"),
                conversation_id=None if input.conversation_id is None
                else _conversation_id(input.conversation_id),
                body=input.body, name=input.name,
            )
            conversation = await message_resolvers.get_conversation(
                info.context, sent.message.conversationId
            )
            return sent.message, conversation

        return await SendMessagePayload.attempt(run)

    @strawberry.mutation(description="Mark a conversation read up to now.")
    async def mark_conversation_read(self, info: AppInfo, input: ConversationInput) -> ConversationPayload:
        return await ConversationPayload.attempt(lambda: message_resolvers.mark_read(
            info.context, _conversation_id(input.conversation_id)
        ))

    @strawberry.mutation(description="Mute or unmute a conversation.")
    async def mute_conversation(self, info: AppInfo, input: MuteConversationInput) -> ConversationPayload:
        return await ConversationPayload.attempt(lambda: message_resolvers.mute(
            info.context, _conversation_id(input.conversation_id), muted=input.muted
        ))

    @strawberry.mutation(description="Leave a group conversation.")
    async def leave_conversation(
        self, info: AppInfo, input: ConversationInput
    ) -> LeaveConversationPayload:
        return await LeaveConversationPayload.attempt(lambda: message_resolvers.leave(
            info.context, _conversation_id(input.conversation_id)
        ))

    @strawberry.mutation(description="Delete a message you sent (its text goes for everyone).")
    async def delete_message(self, info: AppInfo, input: DeleteMessageInput) -> DeleteMessagePayload:
        return await DeleteMessagePayload.attempt(lambda: message_resolvers.delete_message(
            info.context, local_id(input.message_id, "Message", field="messageId")
        ))

    @strawberry.mutation(
        description="Change who may message you, how messages and notifications reach your inbox, "
                    "and your time zone."
    )
    async def update_message_settings(
        self, info: AppInfo, input: UpdateMessageSettingsInput
    ) -> UpdateMessageSettingsPayload:
        return await UpdateMessageSettingsPayload.attempt(lambda: message_resolvers.update_settings(
            info.context,
            policy=input.message_policy.value if input.message_policy else None,
            email=input.email_messages.value if input.email_messages else None,
            notifications=input.email_notifications.value if input.email_notifications else None,
            time_zone=input.time_zone,
        ))


@strawberry.type
class MessagesSubscription:
    @strawberry.subscription(description="New messages in your conversations, as they are sent.")
    async def message_added(self, info: AppInfo) -> AsyncGenerator[Message, None]:
        async for record in message_resolvers.message_added(info.context):
            yield Message.from_record(record)

    @strawberry.subscription(description="Read receipts: another participant read a conversation.")
    async def conversation_read(self, info: AppInfo) -> AsyncGenerator[ReadReceipt, None]:
        async for record in message_resolvers.conversation_read(info.context):
            yield ReadReceipt(record=record)
