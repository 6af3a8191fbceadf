"""GraphQL types, root fields and mutations for groups."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_db.groups.records import GroupRecord, MembershipRecord
from resolvers import forums as forum_resolvers
from resolvers import groups as group_resolvers
from resolvers import planner, policy
from resolvers import posts as post_resolvers
from resolvers import vocabulary as vocabulary_resolvers
from resolvers.pagination import Page
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    RecordNode,
    attr_field,
    audit_reason,
    connection,
    from_ms,
    ids,
    local_id,
    nodes,
    person_id,
    raw_value,
    timestamp_field,
)
from schema.people import Person, preload_people
from schema.posts import Post, post_connection
from schema.vocabulary import Interest

if TYPE_CHECKING:
    from schema.forums import Forum


@strawberry.enum(description="Who can join a group and see what is in it.")
class GroupVisibility(Enum):
    PUBLIC = strawberry.enum_value("PUBLIC", description="Anyone joins; anyone not banned reads it.")
    PRIVATE = strawberry.enum_value(
        "PRIVATE",
        description="Join requests are approved by a moderator (or an invitation admits); "
        "posts, forums and the member list are for members only.",
    )


@strawberry.enum(description="A member's role in a group.")
class GroupRole(Enum):
    OWNER = strawberry.enum_value("OWNER", description="Moderates, and manages the group and roles.")
    MODERATOR = strawberry.enum_value("MODERATOR", description="Moderates the group's content and members.")
    MEMBER = strawberry.enum_value("MEMBER", description="Posts and takes part.")


@strawberry.enum(description="Where the signed-in member stands with a group.")
class GroupMembershipStatus(Enum):
    NONE = strawberry.enum_value("NONE", description="No relation yet.")
    MEMBER = strawberry.enum_value("MEMBER", description="A member (see viewerRole).")
    REQUESTED = strawberry.enum_value("REQUESTED", description="Asked to join; awaiting a moderator.")
    INVITED = strawberry.enum_value("INVITED", description="Invited: joinGroup admits you.")
    BANNED = strawberry.enum_value("BANNED", description="Banned by a moderator.")


@strawberry.type(description="A person's place in a group: a member, a join request or a ban.")
class GroupMember:
    record: strawberry.Private[MembershipRecord]

    @strawberry.field(description="The person.")
    def person(self) -> Person:
        return Person.from_record(self.record.person)

    @strawberry.field(description="Their role; null for a join request or a ban.")
    def role(self) -> GroupRole | None:
        return GroupRole(self.record.role) if self.record.role else None

    since: DateTime = timestamp_field("record.since", "When they joined, asked to join, or were banned.")

    note: str | None = attr_field(
        "record.note",
        description="The join request's message, or the ban's reason (moderators).",
    )


def _member(record: MembershipRecord) -> GroupMember:
    return GroupMember(record=record)


async def _member_connection(info: AppInfo, page: Page[MembershipRecord]) -> Connection[GroupMember]:
    await preload_people(info, (m.person for m in page.items))
    return connection(page, _member)


@strawberry.type(
    description="An interest group. Its name and description are public; a private group's "
    "posts, forums and members are for its members only."
)
class Group(RecordNode[GroupRecord]):
    name: str = attr_field("record.name", description="The group's name.")

    description: str = attr_field("record.description", description="What the group is about (plain text).")

    visibility: GroupVisibility = attr_field(
        "record.visibility", GroupVisibility,
        description="PUBLIC or PRIVATE.",
    )

    topics: list[str] = attr_field(
        "record.topics", list,
        description="Names of the research interests the group is about.",
    )

    @strawberry.field(description="The research interests the group is about.")
    async def interests(self, info: AppInfo) -> list[Interest]:
        found = await vocabulary_resolvers.terms(info.context, list(self.record.interestIds))
        return [Interest.from_record(t) for t in found if t is not None]

    member_count: int = attr_field("record.memberCount", description="How many members it has (exact).")

    slow_mode_seconds: int = attr_field(
        "record.slowModeSeconds",
        description="Minimum seconds between one member's contributions (0: off; moderators are exempt).",
    )

    created_at: DateTime = timestamp_field("record.createdAt", "When it was created.")

    updated_at: DateTime = timestamp_field("record.updatedAt", "When its details last changed.")

    archived_at: DateTime | None = timestamp_field(
        "record.archivedAt", "When it was archived (read-only); null while active."
    )

    @strawberry.field(description="Where you stand with this group.")
    async def viewer_status(self, info: AppInfo) -> GroupMembershipStatus:
        access = await policy.get_access(info.context, self.record.id)
        if access is None:
            return GroupMembershipStatus.NONE
        if access.banned:
            return GroupMembershipStatus.BANNED
        if access.member:
            return GroupMembershipStatus.MEMBER
        if access.invited:
            return GroupMembershipStatus.INVITED
        return GroupMembershipStatus.REQUESTED if access.requested else GroupMembershipStatus.NONE

    @strawberry.field(description="Your role here; null if you are not a member.")
    async def viewer_role(self, info: AppInfo) -> GroupRole | None:
        access = await policy.get_access(info.context, self.record.id)
        return GroupRole(access.role) if access and access.role else None

    @strawberry.field(description="Whether you can moderate this group (its moderators, site staff).")
    async def viewer_can_moderate(self, info: AppInfo) -> bool:
        viewer = info.context.viewer
        if viewer is None:
            return False
        access = await policy.get_access(info.context, self.record.id)
        return policy.moderates(viewer, access)

    @strawberry.field(description="Until when you are muted here (cannot post); null if not.")
    async def viewer_muted_until(self, info: AppInfo) -> DateTime | None:
        access = await policy.get_access(info.context, self.record.id)
        muted = access.mutedUntil if access else None
        return from_ms(muted) if muted is not None and muted > info.context.now_ms() else None

    @strawberry.field(description="Members in joining order (empty if you may not see them).")
    async def members(
        self, info: AppInfo, role: GroupRole | None = None, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[GroupMember]:
        page = await group_resolvers.members(
            info.context, self.record.id, role=raw_value(role) if role else None, first=first, after=after
        )
        return await _member_connection(info, page)

    @strawberry.field(description="Pending join requests, oldest first (moderators; else empty).")
    async def join_requests(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[GroupMember]:
        page = await group_resolvers.moderator_list(
            info.context, "REQUESTS", self.record.id, first=first, after=after
        )
        return await _member_connection(info, page)

    @strawberry.field(description="People banned from the group (moderators; else empty).")
    async def banned_members(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[GroupMember]:
        page = await group_resolvers.moderator_list(
            info.context, "BANNED", self.record.id, first=first, after=after
        )
        return await _member_connection(info, page)

    @strawberry.field(description="Updates posted in the group, newest first (if you may see them).")
    async def posts(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Post]:
        page = await post_resolvers.group_posts(info.context, self.record.id, first=first, after=after)
        return await post_connection(info, page)

    @strawberry.field(description="Updates pinned by moderators, last pinned first.")
    async def pinned_posts(self, info: AppInfo) -> list[Post]:
        return [Post.from_record(p) for p in await group_resolvers.pinned_posts(info.context, self.record.id)]

    @strawberry.field(description="The group's forums, by name (if you may see them).")
    async def forums(
        self, info: AppInfo
    ) -> list[Annotated[Forum, strawberry.lazy("schema.forums")]]:
        # Run-time import: schema.forums imports Group from here (Forum.group), a true cycle.
        from schema.forums import Forum

        found = await forum_resolvers.list_forums(info.context, self.record.id)
        return [Forum.from_record(f) for f in found]


nodes("Group", Group.from_record, get_many=group_resolvers.get_groups, plan=planner.plan_group)


# -- inputs -------------------------------------------------------------------------------


@strawberry.input(description="Which groups to list.")
class GroupFilter:
    query: str | None = strawberry.field(
        default=None, description="Words to find in the name or description (most relevant first)."
    )
    interest_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only groups about this research interest."
    )
    joined: bool = strawberry.field(default=False, description="Only groups you belong to.")
    include_archived: bool = strawberry.field(default=False, description="Include archived groups.")


@strawberry.input(description="A new group; you become its owner.")
class CreateGroupInput:
    name: str = strawberry.field(
        description=f"{group_resolvers.MIN_NAME_CHARS} to {group_resolvers.MAX_NAME_CHARS} characters."
    )
    description: str = strawberry.field(
        default="", description=f"Up to {group_resolvers.MAX_DESCRIPTION_CHARS} characters."
    )
    visibility: GroupVisibility = strawberry.field(
        default=GroupVisibility.PUBLIC, description="PUBLIC or PRIVATE."
    )
    interest_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description=f"Research interests it is about (up to {group_resolvers.MAX_INTERESTS}).",
    )


@strawberry.input(description="Changes to a group (owners and site admins); omitted fields stay.")
class UpdateGroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    name: str | None = strawberry.field(default=None, description="A new name.")
    description: str | None = strawberry.field(default=None, description="A new description.")
    visibility: GroupVisibility | None = strawberry.field(default=None, description="A new visibility.")
    interest_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The interests now (replaces the list)."
    )


@strawberry.input(description="Archive a group (read-only) or bring it back.")
class ArchiveGroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    archived: bool = strawberry.field(default=True, description="false un-archives.")
    reason: str | None = audit_reason()


@strawberry.input(description="A group to join or leave.")
class GroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")


@strawberry.input(description="Ask to join a private group.")
class RequestToJoinInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    message: str | None = strawberry.field(
        default=None,
        description=f"A note to the moderators (up to {group_resolvers.MAX_MESSAGE_CHARS} characters).",
    )


@strawberry.input(description="A pending join request to approve or decline.")
class JoinRequestInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    person_id: strawberry.ID = strawberry.field(description="Who asked to join.")
    reason: str | None = audit_reason()


@strawberry.input(description="Invite someone to a group.")
class InviteToGroupInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    person_id: strawberry.ID = strawberry.field(description="Who to invite (they are notified).")


@strawberry.input(description="Give a member a role (owners and site admins).")
class SetGroupRoleInput:
    group_id: strawberry.ID = strawberry.field(description="The group.")
    person_id: strawberry.ID = strawberry.field(description="A member of the group.")
    role: GroupRole = strawberry.field(description="The new role.")
    reason: str | None = audit_reason()


# -- payloads -----------------------------------------------------------------------------


@strawberry.type(description="The result of a mutation on a group.")
class GroupPayload(Payload[GroupRecord], result="group", convert=Group.from_record):
    group: Group | None = strawberry.field(description="The group as it is now.")


@strawberry.type(description="The result of `createGroup`.")
class CreateGroupPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `updateGroup`.")
class UpdateGroupPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `archiveGroup`.")
class ArchiveGroupPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `joinGroup`.")
class JoinGroupPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `leaveGroup`.")
class LeaveGroupPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `requestToJoin`.")
class RequestToJoinPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `approveJoinRequest` or `declineJoinRequest`.")
class JoinRequestPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `inviteToGroup`.")
class InviteToGroupPayload(GroupPayload):
    pass


@strawberry.type(description="The result of `setGroupRole`.")
class SetGroupRolePayload(GroupPayload):
    pass


def group_id(value: strawberry.ID, field: str = "groupId") -> str:
    return local_id(value, "Group", field=field)


@strawberry.type
class GroupsQuery:
    @strawberry.field(
        description="Groups: matching a search over name and description (most relevant first), "
        "else newest first."
    )
    async def groups(
        self, info: AppInfo, filter: GroupFilter | None = None, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Group]:
        chosen = filter or GroupFilter()
        page = await group_resolvers.list_groups(
            info.context, query=chosen.query,
            interest_id=local_id(chosen.interest_id, "Interest", field="interestId")
            if chosen.interest_id else None,
            joined=chosen.joined, include_archived=chosen.include_archived, first=first, after=after,
        )
        return connection(page, Group.from_record)


@strawberry.type
class GroupsMutation:
    @strawberry.mutation(description="Create a group; you become its owner.")
    async def create_group(self, info: AppInfo, input: CreateGroupInput) -> CreateGroupPayload:
        return await CreateGroupPayload.attempt(lambda: group_resolvers.create_group(
            info.context, name=input.name, description=input.description,
            visibility=raw_value(input.visibility),
            interest_ids=ids(input.interest_ids, "Interest", field="interestIds"),
        ))

    @strawberry.mutation(description="Change a group's details (owners and site admins).")
    async def update_group(self, info: AppInfo, input: UpdateGroupInput) -> UpdateGroupPayload:
        return await UpdateGroupPayload.attempt(lambda: group_resolvers.update_group(
            info.context, group_id(input.group_id), name=input.name, description=input.description,
            visibility=raw_value(input.visibility) if input.visibility else None,
            interest_ids=None if input.interest_ids is None
            else ids(input.interest_ids, "Interest", field="interestIds"),
        ))

    @strawberry.mutation(description="Archive a group (read-only) or un-archive it (owners and site admins).")
    async def archive_group(self, info: AppInfo, input: ArchiveGroupInput) -> ArchiveGroupPayload:
        return await ArchiveGroupPayload.attempt(lambda: group_resolvers.set_archived(
            info.context, group_id(input.group_id), archived=input.archived, reason=input.reason
        ))

    @strawberry.mutation(description="Join a public group, or a private one you are invited to.")
    async def join_group(self, info: AppInfo, input: GroupInput) -> JoinGroupPayload:
        return await JoinGroupPayload.attempt(
            lambda: group_resolvers.join_group(info.context, group_id(input.group_id))
        )

    @strawberry.mutation(description="Leave a group (its last owner cannot).")
    async def leave_group(self, info: AppInfo, input: GroupInput) -> LeaveGroupPayload:
        return await LeaveGroupPayload.attempt(
            lambda: group_resolvers.leave_group(info.context, group_id(input.group_id))
        )

    @strawberry.mutation(description="Ask to join a private group; its moderators are notified.")
    async def request_to_join(self, info: AppInfo, input: RequestToJoinInput) -> RequestToJoinPayload:
        return await RequestToJoinPayload.attempt(lambda: group_resolvers.request_to_join(
            info.context, group_id(input.group_id), message=input.message
        ))

    @strawberry.mutation(description="Admit someone who asked to join (the group's moderators).")
    async def approve_join_request(self, info: AppInfo, input: JoinRequestInput) -> JoinRequestPayload:
        return await JoinRequestPayload.attempt(lambda: group_resolvers.answer_join_request(
            info.context, group_id(input.group_id), person_id(input.person_id), approve=True,
            reason=input.reason,
        ))

    @strawberry.mutation(description="Turn down a join request (the group's moderators).")
    async def decline_join_request(self, info: AppInfo, input: JoinRequestInput) -> JoinRequestPayload:
        return await JoinRequestPayload.attempt(lambda: group_resolvers.answer_join_request(
            info.context, group_id(input.group_id), person_id(input.person_id), approve=False,
            reason=input.reason,
        ))

    @strawberry.mutation(
        description="Invite someone: any member to a public group, a moderator to any group."
    )
    async def invite_to_group(self, info: AppInfo, input: InviteToGroupInput) -> InviteToGroupPayload:
        return await InviteToGroupPayload.attempt(lambda: group_resolvers.invite(
            info.context, group_id(input.group_id), person_id(input.person_id)
        ))

    @strawberry.mutation(
        description="Make a member an OWNER, MODERATOR or MEMBER (owners and site admins); a "
        "group always keeps an owner."
    )
    async def set_group_role(self, info: AppInfo, input: SetGroupRoleInput) -> SetGroupRolePayload:
        return await SetGroupRolePayload.attempt(lambda: group_resolvers.set_role(
            info.context, group_id(input.group_id), person_id(input.person_id),
            role=raw_value(input.role), reason=input.reason,
        ))
