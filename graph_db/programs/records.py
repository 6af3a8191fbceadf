"""Frozen records for programs, speed-mentoring events, surveys and awards."""

from __future__ import annotations

from dataclasses import dataclass

from graph_db.records import NotifiedRecord, Record


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
