"""Frozen records for programs, speed-mentoring events, surveys and awards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_db.records import Record
from graph_db.social_records import ActivityRecord, NotifiedRecord


@dataclass(frozen=True, slots=True)
class SpeedEventRecord(Record):
    """A speed-mentoring event; counts are per role (LEADER, PARTICIPANT) and status."""

    id: str
    title: str
    startsAt: int
    endsAt: int
    timeZone: str
    opensAt: int
    closesAt: int
    leaderCapacity: int
    participantCapacity: int
    status: str
    createdAt: int
    description: str | None = None
    location: str | None = None
    link: str | None = None
    seatsPerTable: int | None = None
    programId: str | None = None
    cancelledAt: int | None = None
    publishedAt: int | None = None
    rounds: int | None = None
    tableLeaders: tuple[str, ...] = ()
    organiserIds: tuple[str, ...] = ()
    leadersConfirmed: int = 0
    leadersWaitlisted: int = 0
    participantsConfirmed: int = 0
    participantsWaitlisted: int = 0
    checkedIn: int = 0


@dataclass(frozen=True, slots=True)
class RegistrationRecord(Record):
    """One member's registration for a speed-mentoring event."""

    eventId: str
    personId: str
    role: str
    status: str
    seq: int
    createdAt: int
    checkedInAt: int | None = None
    promotedAt: int | None = None
    waitlistPosition: int | None = None  # 1 = next in line; None when confirmed
    tables: tuple[str, ...] = ()  # the leader met in each round, once the rotation is published


@dataclass(frozen=True, slots=True)
class RegistrationOutcomeRecord:
    """What a registration step did: OK or why not, the registration, who was told."""

    outcome: str
    registration: RegistrationRecord | None = None
    promoted: tuple[str, ...] = ()
    notified: tuple[NotifiedRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class RotationPersonRecord:
    """A checked-in member as the rotation sees them: role and what they share."""

    id: str
    role: str
    interests: frozenset[str]
    offers: frozenset[str]
    seeks: frozenset[str]


@dataclass(frozen=True, slots=True)
class SurveyRecord(Record):
    """A survey template at its current version; `questions` are that version's."""

    id: str
    programId: str
    title: str
    occasions: tuple[int, ...]  # months after enrolment
    version: int
    createdAt: int
    updatedAt: int
    questions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class SurveyResponseRecord:
    """One anonymous response: the occasion, the version answered, the answers by question id."""

    occasion: int
    version: int
    answers: dict[str, Any]
    cohortId: str | None = None  # the respondent's cohort in the program when they answered


@dataclass(frozen=True, slots=True)
class CohortRecord(Record):
    """A cohort of a program; `cadence` is its meeting rule as data."""

    id: str
    programId: str
    name: str
    startsAt: int
    lengthMonths: int
    createdAt: int
    cadence: tuple[dict[str, Any], ...] = ()
    pairs: int = 0


@dataclass(frozen=True, slots=True)
class CohortPairRecord(Record):
    """A mentee and mentor enrolled together in a cohort, with their logged meetings."""

    id: str
    cohortId: str
    menteeId: str
    mentorId: str
    role: str
    enrolledAt: int
    mentorshipId: str | None = None
    meetingsLogged: int = 0
    lastMeetingAt: int | None = None


@dataclass(frozen=True, slots=True)
class EnrolmentRecord:
    """What enrolling a pair did: OK or why not, the pair (when it exists), whether this call
    (this id) made it."""

    outcome: str
    pair: CohortPairRecord | None = None
    fresh: bool = False


@dataclass(frozen=True, slots=True)
class AwardRecord(Record):
    """An award definition; eligibility rules and scoring criteria are data."""

    id: str
    name: str
    createdAt: int
    description: str | None = None
    eligibility: tuple[dict[str, Any], ...] = ()
    criteria: tuple[str, ...] = ()
    notifyNominee: bool = False


@dataclass(frozen=True, slots=True)
class AwardCycleRecord(Record):
    """One year of an award: its windows, its committee, its winners once published."""

    id: str
    awardId: str
    year: int
    nominationOpensAt: int
    nominationClosesAt: int
    reviewOpensAt: int
    reviewClosesAt: int
    publishedAt: int | None = None
    reviewerIds: tuple[str, ...] = ()
    winnerIds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NominationRecord(Record):
    """A nomination of one member in one cycle, with who supports it."""

    id: str
    cycleId: str
    nomineeId: str
    nominatorId: str
    statement: str
    createdAt: int
    supporters: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EligibilityFactsRecord:
    """What eligibility rules look at."""

    personId: str
    rank: str | None
    firstMentoredAt: int | None
    menteeRanks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BadgeRecord(Record):
    """An award a member won (a published winner): the badge on their profile."""

    personId: str
    awardId: str
    name: str
    year: int
    cycleId: str
    awardedAt: int


@dataclass(frozen=True, slots=True)
class AwardActivityRecord(ActivityRecord):
    """An item of the activity stream (`kind` AWARD): a member won an award; `id` is the
    win's own id (cycle id and winner id)."""

    badge: BadgeRecord | None = None
