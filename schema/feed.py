"""GraphQL root fields for the home feed and the site-wide activity stream."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_db.programs.records import AwardActivityRecord
from graph_db.social_records import ActivityRecord
from resolvers import feed as feed_resolvers
from resolvers import planner
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    attr_field,
    connection,
    selected_names,
    timestamp_field,
    to_global_id,
)
from schema.people import Person, person_by_id
from schema.posts import Post, post_connection
from schema.programs.awards import AwardBadge


@strawberry.enum(description="What happened on the network.")
class ActivityKind(Enum):
    NEW_POST = "POST"
    NEW_MEMBER = "MEMBER"
    NEW_GROUP = "GROUP"
    AWARD_WON = "AWARD"


_SUBJECT_TYPE = {"POST": "Post", "MEMBER": "Person", "GROUP": "Group", "AWARD": "Award"}


@strawberry.type(description="One public event in the site-wide stream.")
class ActivityItem:
    record: strawberry.Private[ActivityRecord]

    kind: ActivityKind = attr_field("record.kind", ActivityKind, description="What happened.")

    occurred_at: DateTime = timestamp_field("record.createdAt", "When it happened.")

    @strawberry.field(
        description="The global id of what it is about (a Post, Person, Group, or the Award won)."
    )
    def subject_id(self) -> strawberry.ID:
        if isinstance(self.record, AwardActivityRecord) and self.record.badge is not None:
            return to_global_id("Award", self.record.badge.awardId)
        return to_global_id(_SUBJECT_TYPE[self.record.kind], self.record.id)

    @strawberry.field(description="The new update, for NEW_POST.")
    def post(self) -> Post | None:
        return Post.from_record(self.record.post) if self.record.post else None

    @strawberry.field(description="The award and year won, for AWARD_WON.")
    def badge(self) -> AwardBadge | None:
        if isinstance(self.record, AwardActivityRecord) and self.record.badge is not None:
            return AwardBadge.from_record(self.record.badge)
        return None

    @strawberry.field(
        description="Who: the author of a new update, the new member, or the award winner."
    )
    async def person(self, info: AppInfo) -> Person | None:
        if self.record.post is not None:
            person_id = self.record.post.authorId
        elif self.record.kind == "MEMBER":
            person_id = self.record.id
        elif isinstance(self.record, AwardActivityRecord) and self.record.badge is not None:
            person_id = self.record.badge.personId
        else:
            return None
        return await person_by_id(info, person_id)


@strawberry.type
class FeedQuery:
    @strawberry.field(
        description="Your home feed, newest first: updates by people you follow or are "
        "connected with, in your groups, and your own."
    )
    async def feed(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Post]:
        if info.context.services.read_plans:  # the page and what its posts show: one statement
            await planner.plan_feed(info.context, planner.Wanted(selected_names(info), (first, after)))
        page = await feed_resolvers.home_feed(info.context, first=first, after=after)
        return await post_connection(info, page)

    @strawberry.field(
        description="What is happening on the network, newest first: new public updates, "
        "new members, new public groups and mentoring award winners."
    )
    async def activity(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[ActivityItem]:
        page = await feed_resolvers.activity(info.context, first=first, after=after)
        return connection(page, lambda record: ActivityItem(record=record))
