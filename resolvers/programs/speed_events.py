"""Speed-mentoring events: who may create, register, check in, cancel and publish rounds.

Any signed-in member sees events and registers themselves, as a mentor LEADER or a
PARTICIPANT, while registration is open. An event's *organisers* (its hosts) and site
admins see the registrations, check people in, take anyone's registration out, publish
the rotation and cancel the event. Site admins, and admins of the program an event
belongs to, create events. Seats, the waitlist and promotions are decided inside one
statement each (graph_db.programs.speed_events); promoted members are notified.
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass, replace

from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_db.mentorship import programs as program_repo
from graph_db.programs import speed_events as repo
from graph_db.programs.records import RegistrationRecord, SpeedEventRecord
from resolvers.auth import require_viewer
from resolvers.context import Context, Viewer
from resolvers.mentorship import text
from resolvers.notifications import announce
from resolvers.policy import require_runs_program
from resolvers.programs.rotation import plan

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_PLACE = 300
MAX_CAPACITY = 1000
MAX_EVENTS_PAGE = 100
MAX_DURATION_MS = 24 * 3_600_000


@dataclass(frozen=True, slots=True)
class EventView:
    """An event and the viewer's own registration for it (None if not registered)."""

    event: SpeedEventRecord
    mine: RegistrationRecord | None


@dataclass(frozen=True, slots=True)
class RoundSeat:
    """Where a member is in one round: the table number (from 1) and its leader."""

    round: int
    table: int
    leader_id: str
    participant_ids: tuple[str, ...] = ()  # for a leader: who sits at their table


def is_organiser(viewer: Viewer, event: SpeedEventRecord) -> bool:
    return viewer.is_admin or viewer.id in event.organiserIds


async def _views(ctx: Context, events: list[SpeedEventRecord]) -> list[EventView]:
    viewer = require_viewer(ctx)
    mine = await repo.get_registrations(ctx.db, viewer.id, [e.id for e in events])
    return [EventView(e, m) for e, m in zip(events, mine, strict=True)]


async def get_events(ctx: Context, event_ids: list[str]) -> list[EventView | None]:
    """Events by id for a signed-in viewer (None when absent or signed out)."""
    if ctx.viewer is None:
        return [None] * len(event_ids)
    found = await repo.get_many(ctx.db, event_ids)
    views = {v.event.id: v for v in await _views(ctx, [e for e in found if e is not None])}
    return [views.get(i) for i in event_ids]


async def _event(ctx: Context, event_id: str) -> SpeedEventRecord:
    (event,) = await repo.get_many(ctx.db, [event_id])
    if event is None:
        raise NotFound("no such event", field="eventId")
    return event


async def _organised(ctx: Context, event_id: str) -> tuple[Viewer, SpeedEventRecord]:
    viewer = require_viewer(ctx)
    event = await _event(ctx, event_id)
    if not is_organiser(viewer, event):
        raise Forbidden("only the event's organisers or a site admin can do this")
    return viewer, event


async def list_events(ctx: Context, first: int) -> list[EventView]:
    """Events not yet over, soonest first."""
    require_viewer(ctx)
    if not 1 <= first <= MAX_EVENTS_PAGE:
        raise InvalidInput(f"first must be 1 to {MAX_EVENTS_PAGE}", field="first")
    found = await repo.list_events(ctx.db, ending_after=ctx.now_ms(), after=None, limit=first)
    return await _views(ctx, found)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """What `createSpeedMentoringEvent` asks for (times in epoch ms)."""

    title: str
    starts_at: int
    ends_at: int
    time_zone: str
    leader_capacity: int
    participant_capacity: int
    description: str | None = None
    location: str | None = None
    link: str | None = None
    opens_at: int | None = None
    closes_at: int | None = None
    seats_per_table: int | None = None
    program_id: str | None = None


def _validated(new: NewEvent, now: int) -> NewEvent:
    """The event with its texts cleaned and its window filled in, or every problem at once."""
    title = text(new.title, "title", MAX_TITLE, required=True, multiline=False)
    description = text(new.description, "description", MAX_DESCRIPTION)
    location = text(new.location, "location", MAX_PLACE, multiline=False)
    link = text(new.link, "link", MAX_PLACE, multiline=False)
    problems: list[tuple[str | None, str]] = []

    def check(field: str, ok: bool, message: str) -> None:
        if not ok:
            problems.append((field, message))

    check("link", link is None or link.startswith(("https://", "http://")), "a link starts with https://")
    try:
        zoneinfo.ZoneInfo(new.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(("timeZone", "an IANA time zone, e.g. Europe/London"))
    check("startsAt", new.starts_at > now, "the event must start in the future")
    check("endsAt", new.starts_at < new.ends_at <= new.starts_at + MAX_DURATION_MS,
          "an event ends after it starts, within 24 hours")
    opens = now if new.opens_at is None else new.opens_at
    closes = new.starts_at if new.closes_at is None else new.closes_at
    check("closesAt", opens < closes <= new.ends_at, "registration closes after it opens, by the end")
    for field, value in (("leaderCapacity", new.leader_capacity),
                         ("participantCapacity", new.participant_capacity)):
        check(field, 1 <= value <= MAX_CAPACITY, f"1 to {MAX_CAPACITY}")
    check("seatsPerTable", new.seats_per_table is None or 1 <= new.seats_per_table <= MAX_CAPACITY,
          f"1 to {MAX_CAPACITY}")
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    assert title is not None
    return replace(new, title=title, description=description, location=location, link=link,
                   opens_at=opens, closes_at=closes)


async def create_event(ctx: Context, new: NewEvent) -> EventView:
    """Site admins, or admins of the program named, create an event; they organise it."""
    viewer = require_viewer(ctx)
    if new.program_id is not None:
        await require_runs_program(ctx, new.program_id, "create its events")
        if not (await program_repo.get_programs(ctx.db, [new.program_id], viewer_id=viewer.id))[0]:
            raise NotFound("no such program", field="programId")
    elif not viewer.is_admin:
        raise Forbidden("only a site admin can create an event outside a program")
    now = ctx.now_ms()
    clean = _validated(new, now)
    assert clean.opens_at is not None and clean.closes_at is not None
    event = await repo.create_event(
        ctx.db, id=str(uuid.uuid4()), viewer_id=viewer.id, now=now, title=clean.title,
        description=clean.description, starts_at=clean.starts_at, ends_at=clean.ends_at,
        time_zone=clean.time_zone, location=clean.location, link=clean.link,
        opens_at=clean.opens_at, closes_at=clean.closes_at,
        leader_capacity=clean.leader_capacity, participant_capacity=clean.participant_capacity,
        seats_per_table=clean.seats_per_table, program_id=clean.program_id,
    )
    if event is None:
        raise NotFound("your account no longer exists")
    return EventView(event, None)


async def register(ctx: Context, event_id: str, role: str) -> EventView:
    """Register the viewer: a confirmed seat while the role has one, else the waitlist."""
    viewer = require_viewer(ctx)
    if role not in repo.ROLES:
        raise InvalidInput("role must be LEADER or PARTICIPANT", field="role")
    done = await repo.register(ctx.db, event_id, viewer.id, role=role, now=ctx.now_ms())
    if done.outcome == "NOT_FOUND":
        raise NotFound("no such event", field="eventId")
    if done.outcome == "CANCELLED":
        raise Conflict("this event has been cancelled", field="eventId")
    if done.outcome == "CLOSED":
        raise Conflict("registration for this event is not open", field="eventId")
    return EventView(await _event(ctx, event_id), done.registration)


async def cancel_registration(ctx: Context, event_id: str, person_id: str | None) -> EventView:
    """Take the viewer's registration out (or, for organisers, anyone's); the role's
    waitlist moves up into the freed seat and the members promoted are told."""
    viewer = require_viewer(ctx)
    target = person_id or viewer.id
    if target != viewer.id:
        await _organised(ctx, event_id)
    done = await repo.cancel_registration(ctx.db, event_id, target, now=ctx.now_ms())
    if done.outcome == "NOT_FOUND":
        raise NotFound("not registered for this event", field="eventId")
    await announce(ctx, done.notified)
    (mine,) = await repo.get_registrations(ctx.db, viewer.id, [event_id])
    return EventView(await _event(ctx, event_id), mine)


async def check_in(ctx: Context, event_id: str, person_id: str) -> RegistrationRecord:
    """Organisers check a confirmed registrant in at the event."""
    await _organised(ctx, event_id)
    done = await repo.check_in(ctx.db, event_id, person_id, now=ctx.now_ms())
    if done.outcome == "NOT_FOUND" or done.registration is None:
        raise NotFound("that member is not registered for this event", field="personId")
    if done.outcome == "CANCELLED":
        raise Conflict("this event has been cancelled", field="eventId")
    if done.outcome == "WAITLISTED":
        raise Conflict("that member is on the waitlist, not confirmed", field="personId")
    return done.registration


async def cancel_event(ctx: Context, event_id: str) -> EventView:
    """Organisers cancel an event; everyone registered is notified (once)."""
    viewer, _ = await _organised(ctx, event_id)
    event, _, told = await repo.cancel_event(ctx.db, event_id, now=ctx.now_ms())
    if event is None:
        raise NotFound("no such event", field="eventId")
    await announce(ctx, told)
    (mine,) = await repo.get_registrations(ctx.db, viewer.id, [event_id])
    return EventView(event, mine)


async def list_registrations(ctx: Context, event: SpeedEventRecord) -> list[RegistrationRecord]:
    """Everyone registered, in registration order (organisers and site admins)."""
    viewer = require_viewer(ctx)
    if not is_organiser(viewer, event):
        raise Forbidden("only the event's organisers or a site admin see its registrations")
    return await repo.list_registrations(ctx.db, event.id)


async def publish_rotation(ctx: Context, event_id: str, rounds: int) -> EventView:
    """Plan the rounds for everyone checked in and store them; once published the
    schedule never changes (a second publication is a CONFLICT)."""
    viewer, event = await _organised(ctx, event_id)
    if event.status != "SCHEDULED":
        raise Conflict("this event has been cancelled", field="eventId")
    if event.publishedAt is not None:
        raise Conflict("the rotation is already published", field="eventId")
    present = await repo.list_checked_in(ctx.db, event_id)
    rotation = plan(
        [p for p in present if p.role == "PARTICIPANT"], [p for p in present if p.role == "LEADER"],
        rounds=rounds, seats=event.seatsPerTable,
    )
    stored, fresh = await repo.publish_rotation(
        ctx.db, event_id, rounds=rotation.rounds, table_leaders=rotation.table_leaders,
        seats=rotation.tables, now=ctx.now_ms(),
    )
    if stored is None:
        raise NotFound("no such event", field="eventId")
    if not fresh:
        raise Conflict("the rotation is already published", field="eventId")
    (mine,) = await repo.get_registrations(ctx.db, viewer.id, [event_id])
    return EventView(stored, mine)


async def my_rounds(ctx: Context, view: EventView) -> list[RoundSeat]:
    """The viewer's own rounds once published: a participant's table and leader each
    round; a leader's table and who sits at it each round."""
    event, mine = view.event, view.mine
    if mine is None or event.publishedAt is None or not event.rounds:
        return []
    tables = {leader: n + 1 for n, leader in enumerate(event.tableLeaders)}
    if mine.role == "PARTICIPANT":
        return [RoundSeat(r + 1, tables.get(leader, 0), leader) for r, leader in enumerate(mine.tables)]
    if mine.personId not in tables:
        return []
    everyone = await repo.list_registrations(ctx.db, event.id)
    return [
        RoundSeat(
            r + 1, tables[mine.personId], mine.personId,
            tuple(x.personId for x in everyone if len(x.tables) > r and x.tables[r] == mine.personId),
        )
        for r in range(event.rounds)
    ]
