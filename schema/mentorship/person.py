"""The mentoring fields of Person, as a base class schema.people's Person inherits (so the
people module needs one line to have them, and this domain owns them)."""

from __future__ import annotations

from typing import Any

import strawberry

from graph_db.people_records import PersonRecord
from resolvers.mentorship import boards as board_rules
from resolvers.mentorship import committees as committee_rules
from resolvers.mentorship import connections as mentorships
from schema.base import AppInfo, Connection, connection
from schema.mentorship.types import (
    Advisor,
    MentoringCommittee,
    Mentorship,
    MentorshipKind,
    MentorshipStats,
    MentorshipStatus,
    RequestDirection,
)


def _values(items: list[MentorshipStatus] | list[MentorshipKind] | None) -> list[str] | None:
    return None if items is None else [i.value for i in items]


def _mentorships_as(side: str) -> Any:
    """A resolver for the mentorships in which the member is on `side` (MENTEE: their mentors)."""

    async def resolve(
        self: PersonMentoring, info: AppInfo, status: list[MentorshipStatus] | None = None,
        kind: list[MentorshipKind] | None = None, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Mentorship] | None:
        page = await mentorships.list_mentorships(
            info.context, self.record.id, side, statuses=_values(status), kinds=_values(kind),
            first=first, after=after,
        )
        return None if page is None else connection(page, Mentorship.from_record)

    return resolve


@strawberry.type
class PersonMentoring:
    record: strawberry.Private[PersonRecord]

    mentors: Connection[Mentorship] | None = strawberry.field(
        resolver=_mentorships_as("MENTEE"),
        description="Mentorships in which this member is the mentee (each with its mentor), "
        "newest first; ACTIVE ones unless `status` says otherwise. Null unless you are this "
        "member or one of their program admins.",
    )

    mentees: Connection[Mentorship] | None = strawberry.field(
        resolver=_mentorships_as("MENTOR"),
        description="Mentorships in which this member is the mentor (each with its mentee), "
        "newest first; ACTIVE ones unless `status` says otherwise. Null unless you are this "
        "member or one of their program admins.",
    )

    @strawberry.field(
        description="Pending mentorship requests: INCOMING ones this member is asked to "
        "answer, or OUTGOING ones they made; newest first. Null unless you are this member or "
        "one of their program admins."
    )
    async def mentorship_requests(
        self, info: AppInfo, direction: RequestDirection, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Mentorship] | None:
        page = await mentorships.mentorship_requests(
            info.context, self.record.id, direction.value, first=first, after=after
        )
        return None if page is None else connection(page, Mentorship.from_record)

    @strawberry.field(description="How much this member mentors (null when signed out).")
    async def mentorship_stats(self, info: AppInfo) -> MentorshipStats | None:
        found = await mentorships.stats(info.context, self.record.id)
        return None if found is None else MentorshipStats(record=found)

    @strawberry.field(
        description="This member's current mentoring committee (visible to them, its "
        "members and program admins)."
    )
    async def mentoring_committee(self, info: AppInfo) -> MentoringCommittee | None:
        found = await committee_rules.current_committee(info.context, self.record.id)
        return MentoringCommittee.from_record(found) if found else None

    @strawberry.field(description="This member's personal board of advisors (null unless it is yours).")
    async def board_of_advisors(self, info: AppInfo) -> list[Advisor] | None:
        found = await board_rules.board(info.context, self.record.id)
        return None if found is None else [Advisor.from_record(a) for a in found]
