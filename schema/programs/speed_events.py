"""GraphQL for speed-mentoring events: registration, waitlist, check-in, rotation."""

from __future__ import annotations

from enum import Enum
from typing import Self

import strawberry

from graph_db.programs.records import RegistrationRecord
from resolvers.programs import calendar
from resolvers.programs import speed_events as rules
from resolvers.programs.speed_events import EventView, NewEvent, RoundSeat
from schema.base import (
    AppInfo,
    DateTime,
    Node,
    Payload,
    attr_field,
    local_id,
    nodes,
    optional_id,
    person_field,
    person_id,
    timestamp_field,
    to_global_id,
    to_ms,
)
from schema.mentorship.types import LazyPerson


@strawberry.enum(description="How a member takes part in a speed-mentoring event.")
class SpeedMentoringRole(Enum):
    LEADER = "LEADER"
    PARTICIPANT = "PARTICIPANT"


@strawberry.enum(description="Whether a registration holds a seat or waits for one.")
class SpeedMentoringRegistrationStatus(Enum):
    CONFIRMED = "CONFIRMED"
    WAITLISTED = "WAITLISTED"


@strawberry.enum(description="Whether a speed-mentoring event will take place.")
class SpeedMentoringEventStatus(Enum):
    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


async def _people(info: AppInfo, ids: tuple[str, ...] | list[str]) -> list[LazyPerson]:
    from schema.people import people_by_ids  # schema.people builds on schema.programs

    return await people_by_ids(info, ids)


@strawberry.type(description="A member's registration for a speed-mentoring event.")
class SpeedMentoringRegistration:
    record: strawberry.Private[RegistrationRecord]

    role: SpeedMentoringRole = attr_field(
        "record.role", SpeedMentoringRole,
        description="As a mentor leader (hosting a table) or a participant.",
    )

    status: SpeedMentoringRegistrationStatus = attr_field(
        "record.status", SpeedMentoringRegistrationStatus,
        description="CONFIRMED (a seat) or WAITLISTED.",
    )

    waitlist_position: int | None = attr_field(
        "record.waitlistPosition",
        description="Place on the role's waitlist (1 is next); null when confirmed.",
    )

    registered_at: DateTime = timestamp_field("record.createdAt", "When they registered.")

    promoted_at: DateTime | None = timestamp_field(
        "record.promotedAt", "When they moved up from the waitlist, if they did."
    )

    checked_in_at: DateTime | None = timestamp_field(
        "record.checkedInAt", "When an organiser checked them in at the event."
    )

    person: LazyPerson | None = person_field("record.personId", "Who registered.")


@strawberry.type(description="Where you are in one round of the rotation.")
class SpeedMentoringRound:
    seat: strawberry.Private[RoundSeat]

    round: int = attr_field("seat.round", description="The round, from 1.")

    table: int = attr_field("seat.table", description="The table, from 1 (one per mentor leader).")

    leader: LazyPerson | None = person_field("seat.leader_id", "The mentor leader at that table.")

    @strawberry.field(description="For a leader: the participants at your table this round.")
    async def participants(self, info: AppInfo) -> list[LazyPerson]:
        return await _people(info, self.seat.participant_ids)


@strawberry.type(
    description="A speed-mentoring session: members register as mentor leaders or participants "
    "within the registration window; seats per role are limited and a FIFO waitlist moves up "
    "when someone cancels. Organisers check people in and publish a rotation of rounds."
)
class SpeedMentoringEvent(Node):
    view: strawberry.Private[EventView]

    @classmethod
    def from_view(cls, view: EventView) -> Self:
        return cls(id=to_global_id("SpeedMentoringEvent", view.event.id), view=view)

    title: str = attr_field("view.event.title", description="Title.")

    description: str | None = attr_field("view.event.description", description="What to expect.")

    starts_at: DateTime = timestamp_field("view.event.startsAt", "When it starts.")

    ends_at: DateTime = timestamp_field("view.event.endsAt", "When it ends.")

    time_zone: str = attr_field(
        "view.event.timeZone",
        description="The IANA time zone it is held in, e.g. America/New_York.",
    )

    location: str | None = attr_field("view.event.location", description="Where it is held.")

    link: str | None = attr_field("view.event.link", description="The video link, for an online event.")

    registration_opens_at: DateTime = timestamp_field("view.event.opensAt", "When registration opens.")

    registration_closes_at: DateTime = timestamp_field("view.event.closesAt", "When registration closes.")

    leader_capacity: int = attr_field("view.event.leaderCapacity", description="Seats for mentor leaders.")

    participant_capacity: int = attr_field(
        "view.event.participantCapacity",
        description="Seats for participants.",
    )

    seats_per_table: int | None = attr_field(
        "view.event.seatsPerTable",
        description="Participants per table in a round (null: as few as fit everyone).",
    )

    leaders_confirmed: int = attr_field(
        "view.event.leadersConfirmed",
        description="Mentor leaders confirmed.",
    )

    leaders_waitlisted: int = attr_field(
        "view.event.leadersWaitlisted",
        description="Mentor leaders waiting for a seat.",
    )

    participants_confirmed: int = attr_field(
        "view.event.participantsConfirmed",
        description="Participants confirmed.",
    )

    participants_waitlisted: int = attr_field(
        "view.event.participantsWaitlisted",
        description="Participants waiting for a seat.",
    )

    checked_in_count: int = attr_field(
        "view.event.checkedIn",
        description="How many registrants have been checked in.",
    )

    status: SpeedMentoringEventStatus = attr_field(
        "view.event.status", SpeedMentoringEventStatus,
        description="SCHEDULED or CANCELLED.",
    )

    cancelled_at: DateTime | None = timestamp_field(
        "view.event.cancelledAt", "When it was cancelled, if it was."
    )

    @strawberry.field(description="The organisers (they check people in and publish the rounds).")
    async def organisers(self, info: AppInfo) -> list[LazyPerson]:
        return await _people(info, self.view.event.organiserIds)

    @strawberry.field(description="Whether you organise it (or are a site admin).")
    def viewer_is_organiser(self, info: AppInfo) -> bool:
        viewer = info.context.viewer
        return viewer is not None and rules.is_organiser(viewer, self.view.event)

    @strawberry.field(description="Your registration, if you registered.")
    def my_registration(self) -> SpeedMentoringRegistration | None:
        mine = self.view.mine
        return SpeedMentoringRegistration(record=mine) if mine else None

    @strawberry.field(description="Everyone registered, in registration order (organisers only).")
    async def registrations(self, info: AppInfo) -> list[SpeedMentoringRegistration]:
        found = await rules.list_registrations(info.context, self.view.event)
        return [SpeedMentoringRegistration(record=r) for r in found]

    rotation_published_at: DateTime | None = timestamp_field(
        "view.event.publishedAt", "When the rotation was published (it never changes after)."
    )

    rounds: int | None = attr_field(
        "view.event.rounds",
        description="How many rounds the published rotation has.",
    )

    @strawberry.field(
        description="Your registration as an iCalendar file (text/calendar, in the event's time "
        "zone); null when you are not registered."
    )
    def my_calendar_file(self, info: AppInfo) -> str | None:
        mine = self.view.mine
        if mine is None:
            return None
        return calendar.ics(self.view.event, mine, now=info.context.now_ms()).decode()

    @strawberry.field(
        description="A link to your registration's iCalendar file that a calendar application "
        "can fetch without signing in (signed for you and this event); null when you are not "
        "registered."
    )
    def my_calendar_url(self, info: AppInfo) -> str | None:
        mine, services = self.view.mine, info.context.services
        if mine is None or not services.link_secret:
            return None
        return calendar.calendar_url(
            services.public_url, services.link_secret, self.view.event.id, mine.personId
        )

    @strawberry.field(description="Your own rounds, once the rotation is published.")
    async def my_rounds(self, info: AppInfo) -> list[SpeedMentoringRound]:
        return [SpeedMentoringRound(seat=s) for s in await rules.my_rounds(info.context, self.view)]


nodes("SpeedMentoringEvent", SpeedMentoringEvent.from_view, get_many=rules.get_events)


# -- inputs and payloads --------------------------------------------------------------------


@strawberry.input(description="A new speed-mentoring event (site admins, or a program's admins).")
class CreateSpeedMentoringEventInput:
    title: str = strawberry.field(description=f"Title (1 to {rules.MAX_TITLE} characters).")
    starts_at: DateTime = strawberry.field(description="When it starts (in the future).")
    ends_at: DateTime = strawberry.field(description="When it ends (within 24 hours of the start).")
    time_zone: str = strawberry.field(description="IANA time zone it is held in, e.g. Europe/London.")
    leader_capacity: int = strawberry.field(description="Seats for mentor leaders.")
    participant_capacity: int = strawberry.field(description="Seats for participants.")
    description: str | None = strawberry.field(default=None, description="What to expect.")
    location: str | None = strawberry.field(default=None, description="Where.")
    link: str | None = strawberry.field(default=None, description="A video link (https://...).")
    registration_opens_at: DateTime | None = strawberry.field(
        default=None, description="When registration opens (default: now)."
    )
    registration_closes_at: DateTime | None = strawberry.field(
        default=None, description="When registration closes (default: the start)."
    )
    seats_per_table: int | None = strawberry.field(
        default=None, description="Participants per table in a round (default: as few as fit)."
    )
    program_id: strawberry.ID | None = strawberry.field(
        default=None, description="The mentoring program running it (its admins may create it)."
    )


@strawberry.input(description="Register yourself for a speed-mentoring event.")
class RegisterForSpeedMentoringEventInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    role: SpeedMentoringRole = strawberry.field(description="As a mentor leader or a participant.")


@strawberry.input(description="Take a registration out: yours, or (organisers) anyone's.")
class CancelSpeedMentoringRegistrationInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Whose (organisers only); default: yours."
    )


@strawberry.input(description="Check a confirmed registrant in at the event (organisers).")
class CheckInToSpeedMentoringEventInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    person_id: strawberry.ID = strawberry.field(description="Who arrived.")


@strawberry.input(description="A speed-mentoring event, by id.")
class SpeedMentoringEventIdInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")


@strawberry.input(description="Plan and publish the rounds for everyone checked in (organisers).")
class PublishSpeedMentoringRotationInput:
    event_id: strawberry.ID = strawberry.field(description="The event.")
    rounds: int = strawberry.field(
        description="Rounds: each participant meets this many different mentor leaders."
    )


@strawberry.type(description="The result of a mutation on a speed-mentoring event.")
class SpeedMentoringEventPayload(Payload[EventView], result="event", convert=SpeedMentoringEvent.from_view):
    event: SpeedMentoringEvent | None = strawberry.field(description="The event as it is now.")


@strawberry.type(description="The result of checking someone in.")
class SpeedMentoringRegistrationPayload(
    Payload[RegistrationRecord], result="registration", convert=lambda r: SpeedMentoringRegistration(record=r)
):
    registration: SpeedMentoringRegistration | None = strawberry.field(
        description="The registration as it is now."
    )


def _event_id(value: strawberry.ID) -> str:
    return local_id(value, "SpeedMentoringEvent", field="eventId")


def _new_event(input: CreateSpeedMentoringEventInput) -> NewEvent:
    program = (
        None if input.program_id is None
        else local_id(input.program_id, "MentoringProgram", field="programId")
    )
    return NewEvent(
        title=input.title, starts_at=to_ms(input.starts_at), ends_at=to_ms(input.ends_at),
        time_zone=input.time_zone, leader_capacity=input.leader_capacity,
        participant_capacity=input.participant_capacity, description=input.description,
        location=input.location, link=input.link,
        opens_at=None if input.registration_opens_at is None
        else to_ms(input.registration_opens_at),
        closes_at=None if input.registration_closes_at is None
        else to_ms(input.registration_closes_at),
        seats_per_table=input.seats_per_table, program_id=program,
    )


@strawberry.type
class SpeedEventsQuery:
    @strawberry.field(description="Speed-mentoring events not yet over, soonest first.")
    async def speed_mentoring_events(self, info: AppInfo, first: int = 20) -> list[SpeedMentoringEvent]:
        return [SpeedMentoringEvent.from_view(v) for v in await rules.list_events(info.context, first)]


@strawberry.type
class SpeedEventsMutation:
    @strawberry.mutation(description="Create a speed-mentoring event; you organise it.")
    async def create_speed_mentoring_event(
        self, info: AppInfo, input: CreateSpeedMentoringEventInput
    ) -> SpeedMentoringEventPayload:
        return await SpeedMentoringEventPayload.attempt(
            lambda: rules.create_event(info.context, _new_event(input))
        )

    @strawberry.mutation(
        description="Register yourself: a confirmed seat while your role has one, else the "
        "end of the waitlist (you are notified when you move up)."
    )
    async def register_for_speed_mentoring_event(
        self, info: AppInfo, input: RegisterForSpeedMentoringEventInput
    ) -> SpeedMentoringEventPayload:
        return await SpeedMentoringEventPayload.attempt(
            lambda: rules.register(info.context, _event_id(input.event_id), input.role.value)
        )

    @strawberry.mutation(
        description="Cancel a registration; the first on that role's waitlist takes the seat."
    )
    async def cancel_speed_mentoring_registration(
        self, info: AppInfo, input: CancelSpeedMentoringRegistrationInput
    ) -> SpeedMentoringEventPayload:
        async def run() -> EventView:
            who = optional_id(input.person_id, "Person", "personId")
            return await rules.cancel_registration(info.context, _event_id(input.event_id), who)

        return await SpeedMentoringEventPayload.attempt(run)

    @strawberry.mutation(description="Check a confirmed registrant in (organisers).")
    async def check_in_to_speed_mentoring_event(
        self, info: AppInfo, input: CheckInToSpeedMentoringEventInput
    ) -> SpeedMentoringRegistrationPayload:
        # The ids are decoded before the attempt, so a malformed one is a top-level error here.
        event_id, person = _event_id(input.event_id), person_id(input.person_id)
        return await SpeedMentoringRegistrationPayload.attempt(
            lambda: rules.check_in(info.context, event_id, person)
        )

    @strawberry.mutation(description="Cancel the event (organisers); everyone registered is notified.")
    async def cancel_speed_mentoring_event(
        self, info: AppInfo, input: SpeedMentoringEventIdInput
    ) -> SpeedMentoringEventPayload:
        # The id is decoded before the attempt, so a malformed one is a top-level error here.
        event_id = _event_id(input.event_id)
        return await SpeedMentoringEventPayload.attempt(lambda: rules.cancel_event(info.context, event_id))

    @strawberry.mutation(
        description="Plan the rounds for everyone checked in and publish them (organisers): each "
        "participant meets `rounds` different leaders, tables never over their seats, shared "
        "interests and mentorship areas favoured. Published once; it never changes after."
    )
    async def publish_speed_mentoring_rotation(
        self, info: AppInfo, input: PublishSpeedMentoringRotationInput
    ) -> SpeedMentoringEventPayload:
        return await SpeedMentoringEventPayload.attempt(
            lambda: rules.publish_rotation(info.context, _event_id(input.event_id), input.rounds)
        )


TYPES: tuple[type, ...] = (SpeedMentoringEvent,)
