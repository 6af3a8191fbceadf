"""GraphQL types, root fields and mutations for forums, threads and replies."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_db.forums_records import ForumRecord, ReplyRecord, ThreadRecord
from resolvers import comments as comment_resolvers
from resolvers import forums as forum_resolvers
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    RecordNode,
    attr_field,
    audit_reason,
    connection,
    load_optional,
    local_id,
    nodes,
    optional_id,
    raw_value,
    timestamp_field,
)
from schema.groups import Group, group_id
from schema.people import Person, author_field


@strawberry.enum(description="How a forum's threads are ordered (pinned threads always come first).")
class ThreadSort(Enum):
    LATEST_ACTIVITY = strawberry.enum_value(
        "LATEST_ACTIVITY", description="Most recent reply (or start) first."
    )
    NEWEST = strawberry.enum_value("NEWEST", description="Most recently started first.")
    TOP = strawberry.enum_value("TOP", description="Most liked first.")


@strawberry.type(description="A forum: site-wide, or one of a group's.")
class Forum(RecordNode[ForumRecord]):
    name: str = attr_field("record.name", description="The forum's name.")

    description: str = attr_field("record.description", description="What it is for.")

    created_at: DateTime = timestamp_field("record.createdAt", "When it was created.")

    thread_count: int = attr_field(
        "record.threadCount",
        description="How many threads it holds (removed ones not counted).",
    )

    @strawberry.field(description="The group it belongs to; null for a site-wide forum.")
    async def group(self, info: AppInfo) -> Group | None:
        return await load_optional(
            info, self.record.groupId, lambda ctx, key: ctx.loaders.group_by_id.load(key), Group.from_record
        )

    @strawberry.field(description="Its threads: pinned first, then in the chosen order.")
    async def threads(
        self, info: AppInfo, sort: ThreadSort = ThreadSort.LATEST_ACTIVITY, tag: str | None = None,
        first: int | None = 20, after: str | None = None,
    ) -> Connection[Thread]:
        page = await forum_resolvers.list_threads(
            info.context, self.record.id, sort=raw_value(sort), tag=tag, first=first, after=after
        )
        return connection(page, Thread.from_record)


@strawberry.type(description="A discussion in a forum: a title, a body, tags, and replies.")
class Thread(RecordNode[ThreadRecord]):
    title: str = attr_field("record.title", description="The title.")

    body: str = attr_field("record.body", description="The opening text (plain text).")

    tags: list[str] = attr_field("record.tags", list, description="Topics, as lowercase tags.")

    @strawberry.field(description="The forum it is in.")
    async def forum(self, info: AppInfo) -> Forum | None:
        record = await info.context.loaders.forum_by_id.load(self.record.forumId)
        return Forum.from_record(record) if record else None

    created_at: DateTime = timestamp_field("record.createdAt", "When it was started.")

    last_activity_at: DateTime = timestamp_field(
        "record.lastActivityAt", "When it was started or last replied to."
    )

    pinned: bool = attr_field("record.pinned", description="Pinned to the top of its forum by a moderator.")

    locked: bool = attr_field("record.locked", description="Locked by a moderator: no new replies.")

    slow_mode_seconds: int = attr_field(
        "record.slowModeSeconds",
        description="Minimum seconds between one member's replies (0: off).",
    )

    like_count: int = attr_field("record.likeCount", description="How many members like it (exact).")

    reply_count: int = attr_field(
        "record.replyCount",
        description="How many replies it has (removed ones not counted).",
    )

    author: Person = author_field("Who started it.")

    @strawberry.field(description="Whether you like it.")
    async def viewer_has_liked(self, info: AppInfo) -> bool:
        return await forum_resolvers.viewer_liked(info.context, self.record.id)

    @strawberry.field(description="Replies, oldest first.")
    async def replies(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Reply]:
        page = await forum_resolvers.replies(info.context, self.record.id, first=first, after=after)
        return connection(page, Reply.from_record)


@strawberry.type(description="A reply in a forum thread.")
class Reply(RecordNode[ReplyRecord]):
    body: str = attr_field("record.body", description="The text (plain text).")

    @strawberry.field(description="The thread it is in.")
    async def thread(self, info: AppInfo) -> Thread | None:
        record = await info.context.loaders.thread_by_id.load(self.record.threadId)
        return Thread.from_record(record) if record else None

    created_at: DateTime = timestamp_field("record.createdAt", "When it was written.")

    author: Person = author_field("Who wrote it.")

    @strawberry.field(description="How many members like it (exact).")
    async def like_count(self, info: AppInfo) -> int:
        return (await comment_resolvers.engagement(info.context, self.record.id)).likes

    @strawberry.field(description="Whether you like it.")
    async def viewer_has_liked(self, info: AppInfo) -> bool:
        return (await comment_resolvers.engagement(info.context, self.record.id)).viewerLiked


nodes("Forum", Forum.from_record, get_many=forum_resolvers.get_forums)
nodes("Thread", Thread.from_record, get_many=forum_resolvers.get_threads)
nodes("Reply", Reply.from_record, get_many=forum_resolvers.get_replies)


# -- inputs and payloads --------------------------------------------------------------------


@strawberry.input(description="A new forum: site-wide (site moderators) or a group's (its moderators).")
class CreateForumInput:
    name: str = strawberry.field(description=f"Up to {forum_resolvers.MAX_FORUM_NAME_CHARS} characters.")
    description: str = strawberry.field(default="", description="What it is for.")
    group_id: strawberry.ID | None = strawberry.field(
        default=None, description="The group it belongs to; null for a site-wide forum."
    )


@strawberry.input(description="A new thread.")
class CreateThreadInput:
    forum_id: strawberry.ID = strawberry.field(description="The forum to start it in.")
    title: str = strawberry.field(description=f"Up to {forum_resolvers.MAX_TITLE_CHARS} characters.")
    body: str = strawberry.field(
        description=f"Plain text, up to {forum_resolvers.MAX_THREAD_CHARS} characters."
    )
    tags: list[str] = strawberry.field(
        default_factory=list,
        description=f"Up to {forum_resolvers.MAX_TAGS} topics (lowercase words joined by '-').",
    )


@strawberry.input(description="A reply in a thread.")
class ReplyToThreadInput:
    thread_id: strawberry.ID = strawberry.field(description="The thread.")
    body: str = strawberry.field(
        description=f"Plain text, up to {forum_resolvers.MAX_REPLY_CHARS} characters."
    )


@strawberry.input(description="A thread to like or unlike.")
class LikeThreadInput:
    thread_id: strawberry.ID = strawberry.field(description="The thread.")


@strawberry.input(description="A reply to like or unlike.")
class LikeReplyInput:
    reply_id: strawberry.ID = strawberry.field(description="The reply.")


@strawberry.input(description="Pin a thread to the top of its forum, or unpin it (its moderators).")
class PinThreadInput:
    thread_id: strawberry.ID = strawberry.field(description="The thread.")
    pinned: bool = strawberry.field(default=True, description="false unpins.")
    reason: str | None = audit_reason()


@strawberry.input(description="Lock a thread (no new replies), or unlock it (its moderators).")
class LockThreadInput:
    thread_id: strawberry.ID = strawberry.field(description="The thread.")
    locked: bool = strawberry.field(default=True, description="false unlocks.")
    reason: str | None = audit_reason()


@strawberry.input(description="Move a thread to another forum (moderators of both).")
class MoveThreadInput:
    thread_id: strawberry.ID = strawberry.field(description="The thread.")
    forum_id: strawberry.ID = strawberry.field(description="The forum to move it to.")
    reason: str | None = audit_reason()


@strawberry.type(description="The result of `createForum`.")
class CreateForumPayload(Payload[ForumRecord], result="forum", convert=Forum.from_record):
    forum: Forum | None = strawberry.field(description="The new forum.")


@strawberry.type(description="The result of a mutation on a thread.")
class ThreadPayload(Payload[ThreadRecord | None], result="thread", convert=Thread.from_record):
    thread: Thread | None = strawberry.field(description="The thread as it is now.")


@strawberry.type(description="The result of `createThread`.")
class CreateThreadPayload(ThreadPayload):
    pass


@strawberry.type(description="The result of `likeThread` or `unlikeThread`.")
class LikeThreadPayload(ThreadPayload):
    pass


@strawberry.type(description="The result of `pinThread`.")
class PinThreadPayload(ThreadPayload):
    pass


@strawberry.type(description="The result of `lockThread`.")
class LockThreadPayload(ThreadPayload):
    pass


@strawberry.type(description="The result of `moveThread`.")
class MoveThreadPayload(ThreadPayload):
    pass


@strawberry.type(description="The result of a mutation on a reply.")
class ReplyPayload(Payload[ReplyRecord], result="reply", convert=Reply.from_record):
    reply: Reply | None = strawberry.field(description="The reply.")


@strawberry.type(description="The result of `replyToThread`.")
class ReplyToThreadPayload(ReplyPayload):
    pass


@strawberry.type(description="The result of `likeReply` or `unlikeReply`.")
class LikeReplyPayload(ReplyPayload):
    pass


def thread_id(value: strawberry.ID) -> str:
    return local_id(value, "Thread", field="threadId")


def forum_id(value: strawberry.ID) -> str:
    return local_id(value, "Forum", field="forumId")


@strawberry.type
class ForumsQuery:
    @strawberry.field(description="Forums by name: site-wide ones, or a group's (if you may see them).")
    async def forums(self, info: AppInfo, group_id: strawberry.ID | None = None) -> list[Forum]:
        chosen = optional_id(group_id, "Group", "groupId")
        return [Forum.from_record(f) for f in await forum_resolvers.list_forums(info.context, chosen)]

    @strawberry.field(description="A forum's threads: pinned first, then in the chosen order.")
    async def threads(
        self, info: AppInfo, forum_id: strawberry.ID, sort: ThreadSort = ThreadSort.LATEST_ACTIVITY,
        tag: str | None = None, first: int | None = 20, after: str | None = None,
    ) -> Connection[Thread]:
        page = await forum_resolvers.list_threads(
            info.context, local_id(forum_id, "Forum", field="forumId"), sort=raw_value(sort), tag=tag,
            first=first, after=after,
        )
        return connection(page, Thread.from_record)


@strawberry.type
class ForumsMutation:
    @strawberry.mutation(
        description="Create a forum: site-wide (site moderators) or a group's (its moderators)."
    )
    async def create_forum(self, info: AppInfo, input: CreateForumInput) -> CreateForumPayload:
        return await CreateForumPayload.attempt(lambda: forum_resolvers.create_forum(
            info.context, name=input.name, description=input.description,
            group_id=None if input.group_id is None else group_id(input.group_id),
        ))

    @strawberry.mutation(description="Start a thread in a forum you may post in.")
    async def create_thread(self, info: AppInfo, input: CreateThreadInput) -> CreateThreadPayload:
        return await CreateThreadPayload.attempt(lambda: forum_resolvers.create_thread(
            info.context, forum_id(input.forum_id), title=input.title, body=input.body,
            tags=input.tags,
        ))

    @strawberry.mutation(description="Reply in a thread (not a locked one; slow mode applies).")
    async def reply_to_thread(self, info: AppInfo, input: ReplyToThreadInput) -> ReplyToThreadPayload:
        return await ReplyToThreadPayload.attempt(lambda: forum_resolvers.reply(
            info.context, thread_id(input.thread_id), body=input.body
        ))

    @strawberry.mutation(description="Like a thread (idempotent).")
    async def like_thread(self, info: AppInfo, input: LikeThreadInput) -> LikeThreadPayload:
        return await LikeThreadPayload.attempt(lambda: forum_resolvers.like_thread(
            info.context, thread_id(input.thread_id), like=True
        ))

    @strawberry.mutation(description="Withdraw your like of a thread (idempotent).")
    async def unlike_thread(self, info: AppInfo, input: LikeThreadInput) -> LikeThreadPayload:
        return await LikeThreadPayload.attempt(lambda: forum_resolvers.like_thread(
            info.context, thread_id(input.thread_id), like=False
        ))

    @strawberry.mutation(description="Like a reply (idempotent).")
    async def like_reply(self, info: AppInfo, input: LikeReplyInput) -> LikeReplyPayload:
        return await LikeReplyPayload.attempt(lambda: forum_resolvers.like_reply(
            info.context, local_id(input.reply_id, "Reply", field="replyId"), like=True
        ))

    @strawberry.mutation(description="Withdraw your like of a reply (idempotent).")
    async def unlike_reply(self, info: AppInfo, input: LikeReplyInput) -> LikeReplyPayload:
        return await LikeReplyPayload.attempt(lambda: forum_resolvers.like_reply(
            info.context, local_id(input.reply_id, "Reply", field="replyId"), like=False
        ))

    @strawberry.mutation(description="Pin or unpin a thread (its forum's moderators; audited).")
    async def pin_thread(self, info: AppInfo, input: PinThreadInput) -> PinThreadPayload:
        return await PinThreadPayload.attempt(lambda: forum_resolvers.set_flag(
            info.context, thread_id(input.thread_id), "pinned", input.pinned, reason=input.reason
        ))

    @strawberry.mutation(description="Lock or unlock a thread (its forum's moderators; audited).")
    async def lock_thread(self, info: AppInfo, input: LockThreadInput) -> LockThreadPayload:
        return await LockThreadPayload.attempt(lambda: forum_resolvers.set_flag(
            info.context, thread_id(input.thread_id), "locked", input.locked, reason=input.reason
        ))

    @strawberry.mutation(description="Move a thread to another forum (moderators of both; audited).")
    async def move_thread(self, info: AppInfo, input: MoveThreadInput) -> MoveThreadPayload:
        return await MoveThreadPayload.attempt(lambda: forum_resolvers.move_thread(
            info.context, thread_id(input.thread_id), forum_id(input.forum_id), reason=input.reason
        ))
