"""GraphQL types, fields and the live subscription for notifications."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from enum import Enum
from typing import TypeVar

import strawberry

from graph_db.social_records import NotificationRecord
from resolvers import comments as comment_resolvers
from resolvers import forums as forum_resolvers
from resolvers import groups as group_resolvers
from resolvers import notifications as notification_resolvers
from resolvers import people as people_resolvers
from resolvers import posts as post_resolvers
from resolvers.context import Context
from resolvers.mentorship import committees as committee_rules
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    RecordNode,
    attempt,
    attr_field,
    connection,
    ids,
    load_optional,
    nodes,
    timestamp_field,
)
from schema.forums import Reply, Thread
from schema.groups import Group
from schema.mentorship.types import MentoringCommittee, Mentorship
from schema.people import Person, people_by_ids
from schema.posts import Comment, Post


@strawberry.enum(description="What a notification is about (graph_db.notifications.KINDS).")
class NotificationKind(Enum):
    LIKE_POST = "LIKE_POST"
    LIKE_COMMENT = "LIKE_COMMENT"
    COMMENT = "COMMENT"
    REPLY = "REPLY"
    MENTION = "MENTION"
    FOLLOW = "FOLLOW"
    CONNECTION_REQUEST = "CONNECTION_REQUEST"
    CONNECTION_ACCEPTED = "CONNECTION_ACCEPTED"
    JOIN_REQUEST = "JOIN_REQUEST"
    JOIN_APPROVED = "JOIN_APPROVED"
    GROUP_INVITE = "GROUP_INVITE"
    THREAD_REPLY = "THREAD_REPLY"
    LIKE_THREAD = "LIKE_THREAD"
    MENTORSHIP_REQUESTED = "MENTORSHIP_REQUESTED"
    MENTORSHIP_ACCEPTED = "MENTORSHIP_ACCEPTED"
    MENTORSHIP_DECLINED = "MENTORSHIP_DECLINED"
    MENTORSHIP_WITHDRAWN = "MENTORSHIP_WITHDRAWN"
    MENTORSHIP_ENDED = "MENTORSHIP_ENDED"
    COMMITTEE_INVITATION = "COMMITTEE_INVITATION"
    COMMITTEE_DISSOLVED = "COMMITTEE_DISSOLVED"
    EVENT_SEAT_CONFIRMED = "EVENT_SEAT_CONFIRMED"
    EVENT_CANCELLED = "EVENT_CANCELLED"
    MEETING_REMINDER = "MEETING_REMINDER"
    SURVEY_DUE = "SURVEY_DUE"
    AWARD_NOMINATION = "AWARD_NOMINATION"
    AWARD_WON = "AWARD_WON"


@strawberry.type(
    description="Something that concerns you. Repeats are grouped until you read it: "
    "one notification says '12 people liked your update'."
)
class Notification(RecordNode[NotificationRecord]):
    kind: NotificationKind = attr_field("record.kind", NotificationKind, description="What happened.")

    @strawberry.field(description="One line to show, e.g. 'Ada Lovelace and 11 others liked your update'.")
    async def summary(self, info: AppInfo) -> str:
        actors = await people_resolvers.get_people(info.context, self.record.actorIds[:2])
        return notification_resolvers.summary(
            self.record.kind, [a for a in actors if a is not None], self.record.count
        )

    @strawberry.field(description="The most recent people who did it (up to 10), newest first.")
    async def actors(self, info: AppInfo) -> list[Person]:
        return await people_by_ids(info, self.record.actorIds)

    actor_count: int = attr_field("record.count", description="How many different people did it.")

    @strawberry.field(description="The update concerned, if any (null if no longer visible).")
    async def post(self, info: AppInfo) -> Post | None:
        return await load_optional(info, self.record.postId, post_resolvers.get_post, Post.from_record)

    @strawberry.field(
        description="The comment concerned, if any: the one liked or mentioning you, or the "
        "newest comment or reply."
    )
    async def comment(self, info: AppInfo) -> Comment | None:
        return await load_optional(
            info, self.record.commentId, comment_resolvers.get_comment, Comment.from_record
        )

    @strawberry.field(
        description="The mentorship concerned, if any (for a committee invitation: your seat)."
    )
    async def mentorship(self, info: AppInfo) -> Mentorship | None:
        return await _about(
            info, self.record, committee_rules.notification_mentorship, Mentorship.from_record
        )

    @strawberry.field(description="The group concerned: an invitation, a join request or approval.")
    async def group(self, info: AppInfo) -> Group | None:
        return await _about(info, self.record, group_resolvers.notification_group, Group.from_record)

    @strawberry.field(description="The forum thread concerned (a reply to it, a like), if visible.")
    async def thread(self, info: AppInfo) -> Thread | None:
        return await _about(info, self.record, forum_resolvers.notification_thread, Thread.from_record)

    @strawberry.field(description="The thread reply concerned (the new one, or the one liked), if any.")
    async def reply(self, info: AppInfo) -> Reply | None:
        record = await forum_resolvers.notification_reply(info.context, self.record.commentId)
        return Reply.from_record(record) if record else None

    @strawberry.field(description="The mentoring committee concerned, if any.")
    async def mentoring_committee(self, info: AppInfo) -> MentoringCommittee | None:
        return await _about(
            info, self.record, committee_rules.notification_committee, MentoringCommittee.from_record
        )

    created_at: DateTime = timestamp_field("record.createdAt", "When it first happened.")

    updated_at: DateTime = timestamp_field(
        "record.updatedAt", "When it last happened (the list is ordered by this)."
    )

    read_at: DateTime | None = timestamp_field("record.readAt", "When you marked it read; null while unread.")

    @strawberry.field(description="Whether you have read it.")
    def read(self) -> bool:
        return self.record.readAt is not None


nodes("Notification", Notification.from_record, get_many=notification_resolvers.get_own_many, signed_in=True)


@strawberry.input(description="Which notifications to mark read.")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="These (up to 100); leave out to mark all read."
    )


Target = TypeVar("Target")
Shown = TypeVar("Shown")


async def _about(
    info: AppInfo,
    record: NotificationRecord,
    get: Callable[[Context, str, str], Awaitable[Target | None]],
    convert: Callable[[Target], Shown],
) -> Shown | None:
    """What a notification is about, found from its kind and target; null if no longer visible."""
    found = await get(info.context, record.kind, record.targetId)
    return convert(found) if found else None


@strawberry.type(description="The result of `markNotificationsRead`.")
class MarkNotificationsReadPayload(Payload[int]):
    marked_count: int = strawberry.field(description="How many were unread and are now read.")
    unread_count: int = strawberry.field(description="How many unread remain.")


@strawberry.type
class NotificationsQuery:
    @strawberry.field(description="Your notifications, most recently active first.")
    async def notifications(
        self, info: AppInfo, first: int | None = 20, after: str | None = None,
        unread_only: bool = False,
    ) -> Connection[Notification]:
        page = await notification_resolvers.list_notifications(
            info.context, first=first, after=after, unread_only=unread_only
        )
        return connection(page, Notification.from_record)

    @strawberry.field(description="How many of your notifications are unread (the badge).")
    async def unread_notification_count(self, info: AppInfo) -> int:
        return await notification_resolvers.unread_count(info.context)


@strawberry.type
class NotificationsMutation:
    @strawberry.mutation(description="Mark your notifications read: the given ones, or all.")
    async def mark_notifications_read(
        self, info: AppInfo, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        marked, errors = await attempt(lambda: notification_resolvers.mark_read(
            info.context, None if input.ids is None else ids(input.ids, "Notification")
        ))
        unread = await notification_resolvers.unread_count(info.context)
        return MarkNotificationsReadPayload(marked_count=marked or 0, unread_count=unread, errors=errors)


@strawberry.type
class NotificationsSubscription:
    @strawberry.subscription(
        description="Your notifications as they are created or grow (only ever your own)."
    )
    async def notification_added(self, info: AppInfo) -> AsyncGenerator[Notification, None]:
        async for record in notification_resolvers.notification_added(info.context):
            yield Notification.from_record(record)
