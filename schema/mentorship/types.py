"""GraphQL types for mentorship: mentorships, meetings, milestones, committees, advisors,
programs and stats. Person is referenced lazily (schema.people adds the mentoring fields to
Person through schema.mentorship.person)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_db.mentorship.records import (
    AdvisorRecord,
    CommitteeRecord,
    MeetingRecord,
    MentorshipRecord,
    MentorshipStatsRecord,
    MilestoneRecord,
    ProgramRecord,
)
from resolvers import mentorship as mentoring
from resolvers.mentorship import boards as board_rules
from resolvers.mentorship import committees as committee_rules
from resolvers.mentorship import connections as mentorships
from resolvers.mentorship import programs as program_rules
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    RecordNode,
    attr_field,
    connection,
    from_ms_or_none,
    load_optional,
    nodes,
    person,
    person_field,
    timestamp_field,
)

if TYPE_CHECKING:
    from schema.people import Person

LazyPerson = Annotated["Person", strawberry.lazy("schema.people")]


@strawberry.enum(description="What kind of mentoring relationship.")
class MentorshipKind(Enum):
    PRIMARY = "PRIMARY"
    SECONDARY = "SECONDARY"
    PEER = "PEER"
    COMMITTEE = "COMMITTEE"
    BOARD = "BOARD"


@strawberry.enum(
    description="Where a mentorship stands: REQUESTED, then ACTIVE (accepted), then ENDED; "
    "or DECLINED by the mentor, or WITHDRAWN before an answer."
)
class MentorshipStatus(Enum):
    REQUESTED = "REQUESTED"
    ACTIVE = "ACTIVE"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    ENDED = "ENDED"


@strawberry.enum(description="An answer to a mentorship request.")
class MentorshipDecision(Enum):
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"


@strawberry.enum(description="Requests to answer (INCOMING) or requests made (OUTGOING).")
class RequestDirection(Enum):
    INCOMING = "INCOMING"
    OUTGOING = "OUTGOING"


@strawberry.enum(
    description="FORMING until two members from different divisions have accepted, then "
    "ACTIVE; DISSOLVED once dissolved."
)
class CommitteeStatus(Enum):
    FORMING = "FORMING"
    ACTIVE = "ACTIVE"
    DISSOLVED = "DISSOLVED"


@strawberry.enum(description="What an advisor on a personal board helps with.")
class AdvisorRole(Enum):
    RESEARCH = "RESEARCH"
    CLINICAL = "CLINICAL"
    CAREER = "CAREER"
    PERSONAL = "PERSONAL"
    OTHER = "OTHER"


@strawberry.enum(description="A member's role in a mentoring program.")
class ProgramRole(Enum):
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"


@strawberry.type(
    description="A mentoring relationship between a mentor and a mentee. Only its two "
    "parties, program admins of the mentee and (for a committee seat) the other members of "
    "that committee can see it; goals, messages and the meeting log are for the parties and "
    "program admins, meeting notes for the parties only."
)
class Mentorship(RecordNode[MentorshipRecord]):
    def _private(self, info: AppInfo) -> bool:
        return mentoring.private(info.context, self.record)

    kind: MentorshipKind = attr_field("record.kind", MentorshipKind, description="The kind of relationship.")

    status: MentorshipStatus = attr_field("record.status", MentorshipStatus, description="Where it stands.")

    @strawberry.field(description="What the mentee wants from it (parties and program admins).")
    def goals(self, info: AppInfo) -> str | None:
        return self.record.goals if self._private(info) else None

    @strawberry.field(description="The request's message (parties and program admins).")
    def message(self, info: AppInfo) -> str | None:
        return self.record.message if self._private(info) else None

    @strawberry.field(description="The mentor's answer (parties and program admins).")
    def response_message(self, info: AppInfo) -> str | None:
        return self.record.responseMessage if self._private(info) else None

    @strawberry.field(description="Why it ended (parties and program admins).")
    def end_reason(self, info: AppInfo) -> str | None:
        return self.record.endReason if self._private(info) else None

    @strawberry.field(description="Who ended or withdrew it.")
    async def ended_by(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.record.endedBy) if self._private(info) else None

    created_at: DateTime = timestamp_field("record.createdAt", "When it was requested.")

    responded_at: DateTime | None = timestamp_field("record.respondedAt", "When the mentor answered.")

    started_at: DateTime | None = timestamp_field("record.startedAt", "When it became active.")

    ended_at: DateTime | None = timestamp_field("record.endedAt", "When it ended or was withdrawn.")

    mentor: LazyPerson | None = person_field("record.mentorId", "The mentor (the member asked).")

    mentee: LazyPerson | None = person_field("record.menteeId", "The mentee.")

    requested_by: LazyPerson | None = person_field(
        "record.requestedBy", "Who asked: the mentee, or a program admin for a committee."
    )

    @strawberry.field(description="The agreed meeting cadence in days (parties and program admins).")
    def meeting_cadence_days(self, info: AppInfo) -> int | None:
        return self.record.cadenceDays if self._private(info) else None

    @strawberry.field(description="When the last meeting was (parties and program admins).")
    def last_meeting_at(self, info: AppInfo) -> DateTime | None:
        return from_ms_or_none(self.record.lastMeetingAt) if self._private(info) else None

    @strawberry.field(
        description="When the next meeting is due at the agreed cadence: the last meeting "
        "(or the start) plus the cadence; null unless active with a cadence."
    )
    def next_meeting_due(self, info: AppInfo) -> DateTime | None:
        if not self._private(info):
            return None
        return from_ms_or_none(mentorships.next_meeting_due(self.record))

    @strawberry.field(
        description="The meeting log, most recent first (parties and program admins; notes "
        "only for the parties)."
    )
    async def meetings(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Meeting] | None:
        page = await mentorships.meetings(info.context, self.record, first=first, after=after)
        return None if page is None else connection(page, Meeting.from_record)

    @strawberry.field(description="Milestones, open ones by due date first (parties and program admins).")
    async def milestones(self, info: AppInfo) -> list[Milestone] | None:
        found = await mentorships.milestones(info.context, self.record)
        return None if found is None else [Milestone.from_record(m) for m in found]

    @strawberry.field(description="The committee this seat belongs to (COMMITTEE kind).")
    async def committee(self, info: AppInfo) -> MentoringCommittee | None:
        return await load_optional(
            info, self.record.committeeId, committee_rules.get_committee, MentoringCommittee.from_record
        )

    @strawberry.field(description="Whether you can accept or decline it now (you are asked).")
    def viewer_can_respond(self, info: AppInfo) -> bool:
        viewer = info.context.viewer
        return (
            viewer is not None and viewer.id == self.record.mentorId
            and self.record.status == "REQUESTED"
        )


@strawberry.type(description="A meeting logged on a mentorship.")
class Meeting(RecordNode[MeetingRecord]):
    date: DateTime = timestamp_field("record.date", "When it took place.")

    @strawberry.field(description="What was discussed: visible to the mentor and mentee only.")
    async def notes(self, info: AppInfo) -> str | None:
        return await mentorships.meeting_notes(info.context, self.record)

    @strawberry.field(description="Who logged it.")
    async def logged_by(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.record.createdBy)

    created_at: DateTime = timestamp_field("record.createdAt", "When it was logged.")


@strawberry.type(description="A milestone set on a mentorship.")
class Milestone(RecordNode[MilestoneRecord]):
    title: str = attr_field("record.title", description="What is to be achieved.")

    due_at: DateTime | None = timestamp_field("record.dueAt", "When it is due, if set.")

    @strawberry.field(description="Whether it is done.")
    def completed(self) -> bool:
        return self.record.completedAt is not None

    completed_at: DateTime | None = timestamp_field("record.completedAt", "When it was completed.")

    @strawberry.field(description="Who completed it.")
    async def completed_by(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.record.completedBy)

    @strawberry.field(description="Who set it.")
    async def created_by(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.record.createdBy)

    created_at: DateTime = timestamp_field("record.createdAt", "When it was set.")


@strawberry.type(
    description="A mentee's mentoring committee: 2 to 5 mentors from two divisions at least, "
    "none in the mentee's reporting line, each invited to a seat they accept or decline. "
    "Visible to the mentee, its members and program admins."
)
class MentoringCommittee(RecordNode[CommitteeRecord]):
    name: str | None = attr_field("record.name", description="Its name, if given.")

    goals: str | None = attr_field("record.goals", description="What it is for.")

    @strawberry.field(description="Forming, active or dissolved.")
    async def status(self, info: AppInfo) -> CommitteeStatus:
        return CommitteeStatus(await committee_rules.committee_status(info.context, self.record))

    @strawberry.field(description="The mentee it advises.")
    async def mentee(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.record.menteeId)

    @strawberry.field(description="Who formed it (the mentee or a program admin).")
    async def created_by(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.record.createdBy)

    @strawberry.field(description="Every seat, open or closed (each a COMMITTEE mentorship).")
    async def members(self, info: AppInfo) -> list[Mentorship]:
        seats = await mentoring.get_mentorships(info.context, self.record.memberIds)
        return [
            Mentorship.from_record(s)
            for s in sorted((s for s in seats if s), key=lambda s: (s.createdAt, s.id))
        ]

    created_at: DateTime = timestamp_field("record.createdAt", "When it was formed.")

    dissolved_at: DateTime | None = timestamp_field("record.dissolvedAt", "When it was dissolved.")


@strawberry.type(
    description="An advisor on your personal board: a member (invited through a BOARD "
    "mentorship) or someone outside the network, recorded by name and email. Only you see "
    "your board."
)
class Advisor(RecordNode[AdvisorRecord]):
    role: AdvisorRole = attr_field("record.role", AdvisorRole, description="What they advise you on.")

    note: str | None = attr_field("record.note", description="Your note about them.")

    async def _member(self, info: AppInfo) -> Person | None:
        if self.record.mentorshipId is None:
            return None
        seat = await mentoring.get_mentorship(info.context, self.record.mentorshipId)
        return await person(info, seat.mentorId) if seat else None

    @strawberry.field(description="Their name (a member's is their profile name).")
    async def name(self, info: AppInfo) -> str:
        if self.record.name is not None:
            return self.record.name
        found = await self._member(info)
        return found.record.name if found else ""

    email: str | None = attr_field(
        "record.email",
        description="Their email, for an advisor outside the network.",
    )

    @strawberry.field(description="The member, if they are one.")
    async def person(self, info: AppInfo) -> LazyPerson | None:
        return await self._member(info)

    @strawberry.field(description="A member's seat: REQUESTED until they accept, then ACTIVE.")
    async def mentorship(self, info: AppInfo) -> Mentorship | None:
        return await load_optional(
            info, self.record.mentorshipId, mentoring.get_mentorship, Mentorship.from_record
        )

    created_at: DateTime = timestamp_field("record.createdAt", "When you added them.")


@strawberry.type(
    description="A mentoring program (a department's or a cohort's). Its admins are program "
    "admins for its members: they see their mentorships' goals, form committees and get "
    "recommendations for them."
)
class MentoringProgram(RecordNode[ProgramRecord]):
    name: str = attr_field("record.name", description="Its name.")

    description: str | None = attr_field("record.description", description="What it is.")

    member_count: int = attr_field("record.members", description="How many members (admins included) it has.")

    @strawberry.field(description="Your role in it, if any.")
    def viewer_role(self) -> ProgramRole | None:
        return ProgramRole(self.record.viewerRole) if self.record.viewerRole else None

    created_at: DateTime = timestamp_field("record.createdAt", "When it was created.")


@strawberry.type(description="How much a member mentors: load, capacity and experience.")
class MentorshipStats:
    record: strawberry.Private[MentorshipStatsRecord]

    active_mentees: int = attr_field(
        "record.activeMentees",
        description="Active one-to-one mentees (what capacity counts).",
    )

    mentee_capacity: int = attr_field(
        "record.menteeCapacity",
        description="How many one-to-one mentees they take at most.",
    )

    @strawberry.field(description="Places free now (0 when not accepting mentees).")
    def open_slots(self) -> int:
        if not self.record.acceptingMentees:
            return 0
        return max(0, self.record.menteeCapacity - self.record.activeMentees)

    accepting_mentees: bool = attr_field(
        "record.acceptingMentees",
        description="Whether they accept new mentees.",
    )

    committee_seats: int = attr_field(
        "record.committeeSeats",
        description="Active seats on mentees' committees.",
    )

    board_seats: int = attr_field(
        "record.boardSeats",
        description="Active seats on mentees' boards of advisors.",
    )

    active_mentors: int = attr_field(
        "record.activeMentors",
        description="Their own active mentors, of every kind.",
    )

    mentees_ever: int = attr_field(
        "record.menteesEver",
        description="Different people they have ever mentored.",
    )

    @strawberry.field(description="Years since they first mentored anyone here.")
    def years_mentoring(self, info: AppInfo) -> float:
        return mentorships.years_mentoring(info.context, self.record)

    mentoring_since: DateTime | None = timestamp_field(
        "record.firstStartedAt", "When they first mentored anyone here."
    )


nodes("Mentorship", Mentorship.from_record, get_many=mentoring.get_mentorships)
nodes("Meeting", Meeting.from_record, get=mentorships.get_meeting)
nodes("Milestone", Milestone.from_record, get=mentorships.get_milestone)
nodes("MentoringCommittee", MentoringCommittee.from_record, get=committee_rules.get_committee)
nodes("Advisor", Advisor.from_record, get=board_rules.get_advisor)
nodes("MentoringProgram", MentoringProgram.from_record, get=program_rules.get_program)


TYPES: tuple[type, ...] = (Mentorship, Meeting, Milestone, MentoringCommittee, Advisor, MentoringProgram)
