"""GraphQL types, root fields and mutations for reports, moderator actions and the audit log."""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum

import strawberry

from graph_db.errors import InvalidInput
from graph_db.groups.records import GroupRecord
from graph_db.moderation_records import ModerationActionRecord, ReportRecord
from graph_db.people_records import PersonRecord
from resolvers import moderation as moderation_resolvers
from resolvers import people as people_resolvers
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    RecordNode,
    attr_field,
    audit_reason,
    connection,
    from_global_id,
    load_optional,
    local_id,
    nodes,
    optional_id,
    person_field,
    person_id,
    raw_value,
    timestamp_field,
    to_global_id,
)
from schema.groups import Group, group_id
from schema.people import Person, person_by_id

# Global id type -> what moderation calls it (graph_db.moderation.TARGET_KINDS).
KIND_OF_TYPE = {"Post": "POST", "Comment": "COMMENT", "Thread": "THREAD", "Reply": "REPLY",
                "Person": "PERSON", "Group": "GROUP", "Forum": "FORUM", "Message": "MESSAGE"}
TYPE_OF_KIND = {kind: name for name, kind in KIND_OF_TYPE.items()}


# The three enums below spell out graph_db.moderation's REPORT_REASONS, ACTIONS and TARGET_KINDS
# as classes, so that they are types to mypy; tests/unit/test_moderation_enums.py keeps them equal.
@strawberry.enum(description="Why something is reported.")
class ReportReason(Enum):
    SPAM = "SPAM"
    HARASSMENT = "HARASSMENT"
    HATE = "HATE"
    MISINFORMATION = "MISINFORMATION"
    PRIVACY = "PRIVACY"
    OFF_TOPIC = "OFF_TOPIC"
    OTHER = "OTHER"


@strawberry.enum(description="What a moderator did (graph_db.moderation.ACTIONS).")
class ModerationActionKind(Enum):
    UPDATE_GROUP = "UPDATE_GROUP"
    ARCHIVE_GROUP = "ARCHIVE_GROUP"
    UNARCHIVE_GROUP = "UNARCHIVE_GROUP"
    SET_GROUP_ROLE = "SET_GROUP_ROLE"
    APPROVE_JOIN_REQUEST = "APPROVE_JOIN_REQUEST"
    DECLINE_JOIN_REQUEST = "DECLINE_JOIN_REQUEST"
    MUTE_MEMBER = "MUTE_MEMBER"
    UNMUTE_MEMBER = "UNMUTE_MEMBER"
    BAN_MEMBER = "BAN_MEMBER"
    UNBAN_MEMBER = "UNBAN_MEMBER"
    SET_SLOW_MODE = "SET_SLOW_MODE"
    PIN_POST = "PIN_POST"
    UNPIN_POST = "UNPIN_POST"
    CREATE_FORUM = "CREATE_FORUM"
    PIN_THREAD = "PIN_THREAD"
    UNPIN_THREAD = "UNPIN_THREAD"
    LOCK_THREAD = "LOCK_THREAD"
    UNLOCK_THREAD = "UNLOCK_THREAD"
    MOVE_THREAD = "MOVE_THREAD"
    REMOVE_POST = "REMOVE_POST"
    REMOVE_COMMENT = "REMOVE_COMMENT"
    REMOVE_THREAD = "REMOVE_THREAD"
    REMOVE_REPLY = "REMOVE_REPLY"
    RESTORE_POST = "RESTORE_POST"
    RESTORE_COMMENT = "RESTORE_COMMENT"
    RESTORE_THREAD = "RESTORE_THREAD"
    RESTORE_REPLY = "RESTORE_REPLY"
    SUSPEND_MEMBER = "SUSPEND_MEMBER"
    UNSUSPEND_MEMBER = "UNSUSPEND_MEMBER"
    DISMISS_REPORT = "DISMISS_REPORT"


@strawberry.enum(description="What kind of thing a report or moderator action is about.")
class ModerationTargetKind(Enum):
    POST = "POST"
    COMMENT = "COMMENT"
    THREAD = "THREAD"
    REPLY = "REPLY"
    PERSON = "PERSON"
    GROUP = "GROUP"
    FORUM = "FORUM"
    MESSAGE = "MESSAGE"


@strawberry.enum(description="Where a report is in review.")
class ReportStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for a moderator.")
    DISMISSED = strawberry.enum_value("DISMISSED", description="Reviewed; no action taken.")
    ACTIONED = strawberry.enum_value("ACTIONED", description="A moderator acted on what it reports.")


async def _group(info: AppInfo, group_id: str | None) -> Group | None:
    return await load_optional(
        info, group_id, lambda ctx, key: ctx.loaders.group_by_id.load(key), Group.from_record
    )


@strawberry.type(description="A member's report, in the review queue of its scope (a group, or the site).")
class Report(RecordNode[ReportRecord]):
    reason: ReportReason = attr_field("record.reason", ReportReason, description="Why it was reported.")

    details: str | None = attr_field("record.details", description="The reporter's own words, if any.")

    status: ReportStatus = attr_field("record.status", ReportStatus, description="Where it is in review.")

    target_kind: ModerationTargetKind = attr_field(
        "record.targetKind", ModerationTargetKind,
        description="What kind of thing is reported.",
    )

    @strawberry.field(
        description="The global id of what is reported (a Post, Comment, Thread, Reply or Person)."
    )
    def target_id(self) -> strawberry.ID:
        return to_global_id(TYPE_OF_KIND[self.record.targetKind], self.record.targetId)

    excerpt: str | None = attr_field(
        "record.excerpt",
        description="The reported text (or member's name) as it was when reported.",
    )

    @strawberry.field(description="Who reported it.")
    async def reporter(self, info: AppInfo) -> Person | None:
        return await person_by_id(info, self.record.reporterId)

    @strawberry.field(description="The group whose moderators review it; null for the site queue.")
    async def group(self, info: AppInfo) -> Group | None:
        return await _group(info, self.record.groupId)

    created_at: DateTime = timestamp_field("record.createdAt", "When it was reported.")

    resolved_at: DateTime | None = timestamp_field(
        "record.resolvedAt", "When a moderator closed it; null while open."
    )

    @strawberry.field(description="The moderator who closed it.")
    async def resolved_by(self, info: AppInfo) -> Person | None:
        return await person_by_id(info, self.record.resolvedBy)

    note: str | None = attr_field("record.note", description="The moderator's note when dismissing it.")

    @strawberry.field(description="The audit-log entry of the action that closed it.")
    async def action(self, info: AppInfo) -> ModerationAction | None:
        return await load_optional(
            info, self.record.actionId, moderation_resolvers.get_action, ModerationAction.from_record
        )


@strawberry.type(
    description="One entry of the moderation audit log: who did what to which target, why and "
    "when. Written with the action itself; it cannot be changed."
)
class ModerationAction(RecordNode[ModerationActionRecord]):
    action: ModerationActionKind = attr_field(
        "record.action", ModerationActionKind,
        description="What was done.",
    )

    @strawberry.field(description="What kind of thing it was done to.")
    def target_kind(self) -> ModerationTargetKind | None:
        kind = self.record.targetKind
        return ModerationTargetKind(kind) if kind else None

    @strawberry.field(description="The global id of what it was done to.")
    def target_id(self) -> strawberry.ID | None:
        kind, target = self.record.targetKind, self.record.targetId
        return to_global_id(TYPE_OF_KIND[kind], target) if kind and target else None

    reason: str | None = attr_field("record.reason", description="The reason given.")

    @strawberry.field(description="The group it happened in; null for site-wide actions.")
    async def group(self, info: AppInfo) -> Group | None:
        return await _group(info, self.record.groupId)

    created_at: DateTime = timestamp_field("record.createdAt", "When it was done.")

    until: DateTime | None = timestamp_field("record.until", "Until when a mute or suspension lasts.")

    seconds: int | None = attr_field("record.seconds", description="The slow-mode seconds set.")

    detail: str | None = attr_field(
        "record.detail",
        description="More detail: the role change, the forums of a move, the fields changed.",
    )

    actor: Person | None = person_field("record.actorId", "The moderator (or owner) who did it.")


nodes("Report", Report.from_record, get=moderation_resolvers.get_report)
nodes("ModerationAction", ModerationAction.from_record, get=moderation_resolvers.get_action)


# -- inputs -------------------------------------------------------------------------------


@strawberry.input(description="Report something to the moderators.")
class ReportInput:
    target_id: strawberry.ID = strawberry.field(
        description="What to report: a Post, Comment, Thread, Reply, Person or Message."
    )
    reason: ReportReason = strawberry.field(description="Why.")
    details: str | None = strawberry.field(
        default=None, description=f"More detail (up to {moderation_resolvers.MAX_DETAILS_CHARS} characters)."
    )
    group_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Reporting a member: to this group's moderators (else the site's).",
    )


@strawberry.input(description="Close a report without acting.")
class DismissReportInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    note: str | None = strawberry.field(
        default=None, description="Why (kept with the report and in the log)."
    )


@strawberry.input(description="Content to remove or restore (moderators of its scope).")
class ContentInput:
    target_id: strawberry.ID = strawberry.field(description="A Post, Comment, Thread or Reply.")
    reason: str | None = audit_reason()


@strawberry.input(description="Pin a group's update to the top of the group, or unpin it.")
class PinPostInput:
    post_id: strawberry.ID = strawberry.field(description="An update posted in a group.")
    pinned: bool = strawberry.field(default=True, description="false unpins.")
    reason: str | None = audit_reason()


@strawberry.input(description="Mute a member of a group for a while: they cannot post there.")
class MuteMemberInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    person_id: strawberry.ID = strawberry.field(description="Who.")
    minutes: int = strawberry.field(description="For how long, in minutes (up to a year).")
    reason: str | None = audit_reason()


@strawberry.input(description="A member of a group to unmute, ban or unban.")
class GroupMemberInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    person_id: strawberry.ID = strawberry.field(description="Who.")
    reason: str | None = audit_reason()


@strawberry.input(description="Slow mode for a group or a thread.")
class SetSlowModeInput:
    target_id: strawberry.ID = strawberry.field(description="A Group or a Thread.")
    seconds: int = strawberry.field(description="Minimum seconds between one member's posts; 0 turns it off.")
    reason: str | None = audit_reason()


@strawberry.input(description="Suspend a member site-wide (admins).")
class SuspendMemberInput:
    person_id: strawberry.ID = strawberry.field(description="Who.")
    days: int = strawberry.field(description="For how many days.")
    reason: str | None = audit_reason()


@strawberry.input(description="Lift a member's suspension (admins).")
class UnsuspendMemberInput:
    person_id: strawberry.ID = strawberry.field(description="Who.")
    reason: str | None = audit_reason()


# -- payloads -------------------------------------------------------------------------------


@strawberry.type(description="The result of `report` or `dismissReport`.")
class ReportPayload(Payload[ReportRecord], result="report", convert=Report.from_record):
    report: Report | None = strawberry.field(description="The report as it is now.")


def _target_id(done: tuple[str, str]) -> strawberry.ID:
    """The global id of what an action on a (kind, local id) target returned."""
    return to_global_id(TYPE_OF_KIND[done[0]], done[1])


@strawberry.type(description="The result of `removeContent` or `restoreContent`.")
class ContentPayload(Payload[tuple[str, str]], result="target_id", convert=_target_id):
    target_id: strawberry.ID | None = strawberry.field(description="The content removed or restored.")


@strawberry.type(description="The result of a moderator action in a group.")
class GroupActionPayload(Payload[GroupRecord | None], result="group", convert=Group.from_record):
    group: Group | None = strawberry.field(description="The group as it is now.")


@strawberry.type(description="The result of `setSlowMode`.")
class SetSlowModePayload(Payload[tuple[str, str]], result="target_id", convert=_target_id):
    target_id: strawberry.ID | None = strawberry.field(description="The group or thread.")


@strawberry.type(description="The result of `suspendMember` or `unsuspendMember`.")
class SuspensionPayload(Payload[PersonRecord | None], result="person", convert=Person.from_record):
    person: Person | None = strawberry.field(description="The member as they are now.")


def target(value: strawberry.ID, allowed: tuple[str, ...], field: str = "targetId") -> tuple[str, str]:
    """(kind, local id) of a global id naming one of `allowed` kinds."""
    type_name, local = from_global_id(value, field=field)
    kind = KIND_OF_TYPE.get(type_name)
    if kind not in allowed:
        raise InvalidInput("this kind of object cannot be the target here", field=field)
    return kind, local


async def _group_after(info: AppInfo, action: Awaitable[str]) -> GroupRecord | None:
    """The group as a moderator action (which returns the group's id) left it."""
    return await info.context.loaders.group_by_id.load(await action)


async def _person_after(info: AppInfo, action: Awaitable[str]) -> PersonRecord | None:
    """The member as a suspension (which returns their id) left them."""
    return await people_resolvers.get_person(info.context, await action)


@strawberry.type
class ModerationQuery:
    @strawberry.field(
        description="Reports to review, oldest first: a group's (its moderators, site moderators) "
        "or, without groupId, the site queue (site moderators)."
    )
    async def moderation_queue(
        self, info: AppInfo, group_id: strawberry.ID | None = None,
        status: ReportStatus = ReportStatus.OPEN, first: int | None = 20, after: str | None = None,
    ) -> Connection[Report]:
        chosen = optional_id(group_id, "Group", "groupId")
        page = await moderation_resolvers.queue(
            info.context, group_id=chosen, status=raw_value(status), first=first, after=after
        )
        return connection(page, Report.from_record)

    @strawberry.field(
        description="The audit log, newest first: a group's (its moderators, site moderators) or, "
        "without groupId, the site's (site moderators)."
    )
    async def moderation_log(
        self, info: AppInfo, group_id: strawberry.ID | None = None, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[ModerationAction]:
        chosen = optional_id(group_id, "Group", "groupId")
        page = await moderation_resolvers.log(info.context, group_id=chosen, first=first, after=after)
        return connection(page, ModerationAction.from_record)


CONTENT = ("POST", "COMMENT", "THREAD", "REPLY")


@strawberry.type
class ModerationMutation:
    @strawberry.mutation(
        description="Report a post, comment, thread, reply, member or a message sent to you to "
        "the moderators."
    )
    async def report(self, info: AppInfo, input: ReportInput) -> ReportPayload:
        return await ReportPayload.attempt(lambda: moderation_resolvers.report(
            info.context, *target(input.target_id, (*CONTENT, "PERSON", "MESSAGE")),
            reason=input.reason.value, details=input.details,
            group_id=None if input.group_id is None else group_id(input.group_id),
        ))

    @strawberry.mutation(description="Close a report without acting (moderators of its scope; audited).")
    async def dismiss_report(self, info: AppInfo, input: DismissReportInput) -> ReportPayload:
        return await ReportPayload.attempt(lambda: moderation_resolvers.dismiss_report(
            info.context, local_id(input.report_id, "Report", field="reportId"), note=input.note
        ))

    @strawberry.mutation(description="Remove content, restorably (moderators of its scope; audited).")
    async def remove_content(self, info: AppInfo, input: ContentInput) -> ContentPayload:
        async def call() -> tuple[str, str]:
            kind, local = target(input.target_id, CONTENT)
            done = await moderation_resolvers.remove_content(info.context, kind, local, reason=input.reason)
            return kind, done

        return await ContentPayload.attempt(call)

    @strawberry.mutation(
        description="Restore content a moderator removed (moderators of its scope; audited)."
    )
    async def restore_content(self, info: AppInfo, input: ContentInput) -> ContentPayload:
        async def call() -> tuple[str, str]:
            kind, local = target(input.target_id, CONTENT)
            done = await moderation_resolvers.restore_content(info.context, kind, local, reason=input.reason)
            return kind, done

        return await ContentPayload.attempt(call)

    @strawberry.mutation(description="Pin or unpin an update in its group (the group's moderators; audited).")
    async def pin_post(self, info: AppInfo, input: PinPostInput) -> GroupActionPayload:
        return await GroupActionPayload.attempt(lambda: _group_after(
            info, moderation_resolvers.set_post_pinned(
                info.context, local_id(input.post_id, "Post", field="postId"), pinned=input.pinned,
                reason=input.reason,
            ),
        ))

    @strawberry.mutation(
        description="Mute a member of a group for a while (the group's moderators; audited)."
    )
    async def mute_member(self, info: AppInfo, input: MuteMemberInput) -> GroupActionPayload:
        return await GroupActionPayload.attempt(lambda: _group_after(info, moderation_resolvers.discipline(
            info.context, "MUTE", group_id(input.group_id), person_id(input.person_id),
            reason=input.reason, minutes=input.minutes,
        )))

    @strawberry.mutation(description="Unmute a member of a group (the group's moderators; audited).")
    async def unmute_member(self, info: AppInfo, input: GroupMemberInput) -> GroupActionPayload:
        return await GroupActionPayload.attempt(lambda: _group_after(info, moderation_resolvers.discipline(
            info.context, "UNMUTE", group_id(input.group_id), person_id(input.person_id),
            reason=input.reason,
        )))

    @strawberry.mutation(
        description="Ban someone from a group: they leave it and cannot rejoin (the group's "
        "moderators; audited)."
    )
    async def ban_member(self, info: AppInfo, input: GroupMemberInput) -> GroupActionPayload:
        return await GroupActionPayload.attempt(lambda: _group_after(info, moderation_resolvers.discipline(
            info.context, "BAN", group_id(input.group_id), person_id(input.person_id),
            reason=input.reason,
        )))

    @strawberry.mutation(description="Lift a ban (the group's moderators; audited).")
    async def unban_member(self, info: AppInfo, input: GroupMemberInput) -> GroupActionPayload:
        return await GroupActionPayload.attempt(lambda: _group_after(info, moderation_resolvers.discipline(
            info.context, "UNBAN", group_id(input.group_id), person_id(input.person_id),
            reason=input.reason,
        )))

    @strawberry.mutation(description="Set slow mode on a group or thread (its moderators; audited).")
    async def set_slow_mode(self, info: AppInfo, input: SetSlowModeInput) -> SetSlowModePayload:
        async def call() -> tuple[str, str]:
            kind, local = target(input.target_id, ("GROUP", "THREAD"))
            return kind, await moderation_resolvers.set_slow_mode(
                info.context, kind, local, seconds=input.seconds, reason=input.reason
            )

        return await SetSlowModePayload.attempt(call)

    @strawberry.mutation(description="Suspend a member site-wide (admins; audited).")
    async def suspend_member(self, info: AppInfo, input: SuspendMemberInput) -> SuspensionPayload:
        return await SuspensionPayload.attempt(lambda: _person_after(info, moderation_resolvers.suspend(
            info.context, person_id(input.person_id), days=input.days, reason=input.reason
        )))

    @strawberry.mutation(description="Lift a member's suspension (admins; audited).")
    async def unsuspend_member(self, info: AppInfo, input: UnsuspendMemberInput) -> SuspensionPayload:
        return await SuspensionPayload.attempt(lambda: _person_after(info, moderation_resolvers.suspend(
            info.context, person_id(input.person_id), days=None, reason=input.reason
        )))
