"""Records for mentorship: connections, meetings, committees, boards, programs, matching."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_db.people_records import PersonRecord
from graph_db.records import Record, tuples
from graph_db.social_records import NotifiedRecord


@dataclass(frozen=True, slots=True)
class MentorshipRecord(Record):
    """A mentorship between `mentorId` and `menteeId` (graph_db.mentorship).

    The access flags say how the reading viewer relates to it: `viewerIsProgramAdmin` (a
    site admin or an admin of a program the mentee is in) and `viewerOnCommittee` (holds an
    open seat on the same committee); the parties are `mentorId`/`menteeId`.
    """

    id: str
    kind: str
    status: str
    mentorId: str
    menteeId: str
    requestedBy: str
    createdAt: int
    updatedAt: int = 0
    goals: str | None = None
    message: str | None = None
    respondedAt: int | None = None
    responseMessage: str | None = None
    startedAt: int | None = None
    endedAt: int | None = None
    endedBy: str | None = None
    endReason: str | None = None
    cadenceDays: int | None = None
    lastMeetingAt: int | None = None
    committeeId: str | None = None
    advisorId: str | None = None
    viewerIsProgramAdmin: bool = False
    viewerOnCommittee: bool = False


@dataclass(frozen=True, slots=True)
class MentorshipOutcomeRecord:
    """The result of a step on a mentorship: the mentorship as it is now, what the step did
    (OK, or why nothing changed), and the notifications it created."""

    mentorship: MentorshipRecord | None
    outcome: str
    notified: tuple[NotifiedRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class MeetingRecord(Record):
    id: str
    mentorshipId: str
    date: int
    createdAt: int
    createdBy: str
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class MilestoneRecord(Record):
    id: str
    mentorshipId: str
    title: str
    createdAt: int
    createdBy: str
    dueAt: int | None = None
    completedAt: int | None = None
    completedBy: str | None = None


@dataclass(frozen=True, slots=True)
class CommitteeRecord(Record):
    """A mentee's mentoring committee; its members are COMMITTEE mentorships PART_OF it."""

    id: str
    menteeId: str
    createdBy: str
    createdAt: int
    name: str | None = None
    goals: str | None = None
    dissolvedAt: int | None = None
    memberIds: tuple[str, ...] = ()  # mentorship ids of every seat, open or closed
    viewerIsProgramAdmin: bool = False
    viewerOnCommittee: bool = False  # the viewer holds an open seat on it

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        return tuples(row, "memberIds")


@dataclass(frozen=True, slots=True)
class AdvisorRecord(Record):
    """An entry on a mentee's personal board of advisors: a member (through a BOARD
    mentorship, `mentorshipId`) or someone outside the network (`name` and `email` only)."""

    id: str
    menteeId: str
    role: str
    createdAt: int
    note: str | None = None
    name: str | None = None
    email: str | None = None
    mentorshipId: str | None = None


@dataclass(frozen=True, slots=True)
class MentorshipStatsRecord(Record):
    """What a member's mentoring looks like: load, capacity and experience."""

    id: str
    activeMentees: int = 0
    menteeCapacity: int = 0
    acceptingMentees: bool = False
    committeeSeats: int = 0
    boardSeats: int = 0
    activeMentors: int = 0
    menteesEver: int = 0
    firstStartedAt: int | None = None


@dataclass(frozen=True, slots=True)
class ProgramRecord(Record):
    """A mentoring program (a department's or a cohort's); `viewerRole` is ADMIN, MEMBER or None."""

    id: str
    name: str
    createdAt: int
    description: str | None = None
    members: int = 0
    viewerRole: str | None = None


@dataclass(frozen=True, slots=True)
class MatchContextRecord:
    """What matching knows about a mentee before looking for candidates."""

    menteeId: str
    rank: str | None
    unitId: str | None
    hospitalId: str | None
    hospitalUnitIds: tuple[str, ...]
    interestIds: tuple[str, ...]
    relatedInterests: tuple[tuple[str, str], ...]  # (related interest id, the mentee's interest id)
    areaIds: tuple[str, ...]
    excludedIds: frozenset[str]
    near: dict[str, int]  # person id -> 0 for a connection, else mutual connections (2nd degree)


@dataclass(frozen=True, slots=True)
class MatchCandidateRecord:
    """A candidate mentor or collaborator as matching found it: the person, the unit they
    work in, their load, which of the asked terms (interests exact or related, areas) they
    share, and whether they came from the ranked term walk or from the neighbourhood."""

    person: PersonRecord
    activeMentees: int
    interestIds: tuple[str, ...]
    areaIds: tuple[str, ...]
    unitId: str | None
    ranked: bool
