"""Speed-mentoring events in the repository: seats per role, FIFO waitlist, check-in,
cancellation and the stored rotation, on both engines."""

from __future__ import annotations

import asyncio
import uuid

from graph_db.backend import Backend
from graph_db.programs import speed_events
from graph_db.programs.records import SpeedEventRecord
from tests.factories import make_person

NOW = 1_790_000_000_000
HOUR = 3_600_000


async def make_event(
    db: Backend, *, leaders: int = 2, participants: int = 3, host: str | None = None
) -> SpeedEventRecord:
    organiser = host or (await make_person(db)).id
    event = await speed_events.create_event(
        db, id=str(uuid.uuid4()), viewer_id=organiser, now=NOW, title="Speed mentoring",
        description=None, starts_at=NOW + 48 * HOUR, ends_at=NOW + 50 * HOUR,
        time_zone="America/New_York", location="Room 1", link=None, opens_at=NOW - HOUR,
        closes_at=NOW + 24 * HOUR, leader_capacity=leaders, participant_capacity=participants,
        seats_per_table=None, program_id=None,
    )
    assert event is not None
    return event


async def test_seats_then_waitlist_then_fifo_promotion(db: Backend) -> None:
    event = await make_event(db, participants=2)
    people = [await make_person(db) for _ in range(5)]
    outcomes = [
        await speed_events.register(db, event.id, p.id, role="PARTICIPANT", now=NOW + i)
        for i, p in enumerate(people)
    ]
    assert [o.outcome for o in outcomes] == ["OK"] * 5
    assert [o.registration.status for o in outcomes if o.registration] == [
        "CONFIRMED", "CONFIRMED", "WAITLISTED", "WAITLISTED", "WAITLISTED"
    ]
    assert [o.registration.waitlistPosition for o in outcomes if o.registration] == [None, None, 1, 2, 3]
    again = await speed_events.register(db, event.id, people[0].id, role="LEADER", now=NOW)
    assert again.outcome == "EXISTS" and again.registration and again.registration.role == "PARTICIPANT"

    # A waitlisted member leaving promotes nobody; a confirmed one promotes the oldest.
    left = await speed_events.cancel_registration(db, event.id, people[3].id, now=NOW)
    assert left.outcome == "OK" and left.promoted == ()
    freed = await speed_events.cancel_registration(db, event.id, people[0].id, now=NOW)
    assert freed.promoted == (people[2].id,)
    assert [n.recipientId for n in freed.notified] == [people[2].id]
    regs = await speed_events.list_registrations(db, event.id)
    assert [(r.personId, r.status, r.waitlistPosition) for r in regs] == [
        (people[1].id, "CONFIRMED", None), (people[2].id, "CONFIRMED", None),
        (people[4].id, "WAITLISTED", 1),
    ]
    missing = await speed_events.cancel_registration(db, event.id, people[0].id, now=NOW)
    assert missing.outcome == "NOT_FOUND"
    (counted,) = await speed_events.get_many(db, [event.id])
    assert counted and (counted.participantsConfirmed, counted.participantsWaitlisted) == (2, 1)


async def test_roles_have_their_own_seats(db: Backend) -> None:
    event = await make_event(db, leaders=1, participants=1)
    a, b, c = [await make_person(db) for _ in range(3)]
    assert (await speed_events.register(db, event.id, a.id, role="LEADER", now=NOW)).registration
    lead2 = await speed_events.register(db, event.id, b.id, role="LEADER", now=NOW)
    part = await speed_events.register(db, event.id, c.id, role="PARTICIPANT", now=NOW)
    assert lead2.registration and lead2.registration.status == "WAITLISTED"
    assert part.registration and part.registration.status == "CONFIRMED"
    # A participant leaving does not promote a waitlisted leader.
    assert (await speed_events.cancel_registration(db, event.id, c.id, now=NOW)).promoted == ()


async def test_window_and_cancelled_event_refuse(db: Backend) -> None:
    event = await make_event(db)
    p = await make_person(db)
    late = await speed_events.register(db, event.id, p.id, role="PARTICIPANT", now=NOW + 25 * HOUR)
    assert late.outcome == "CLOSED"
    assert (await speed_events.register(db, "nope", p.id, role="PARTICIPANT", now=NOW)).outcome == "NOT_FOUND"
    await speed_events.register(db, event.id, p.id, role="PARTICIPANT", now=NOW)
    cancelled, live, told = await speed_events.cancel_event(db, event.id, now=NOW)
    assert cancelled and cancelled.status == "CANCELLED" and live
    assert [n.recipientId for n in told] == [p.id]
    _, again, told_again = await speed_events.cancel_event(db, event.id, now=NOW + 1)
    assert not again and told_again == []
    q = await make_person(db)
    refused = await speed_events.register(db, event.id, q.id, role="PARTICIPANT", now=NOW)
    assert refused.outcome == "CANCELLED"
    assert (await speed_events.check_in(db, event.id, p.id, now=NOW)).outcome == "CANCELLED"


async def test_concurrent_registrations_never_overbook(db: Backend) -> None:
    event = await make_event(db, leaders=3, participants=7)
    people = [await make_person(db) for _ in range(40)]
    await asyncio.gather(*(
        speed_events.register(db, event.id, p.id, role="LEADER" if i % 4 == 0 else "PARTICIPANT", now=NOW)
        for i, p in enumerate(people)
    ))
    regs = await speed_events.list_registrations(db, event.id)
    assert len(regs) == 40
    confirmed = {
        role: sum(1 for r in regs if r.role == role and r.status == "CONFIRMED")
        for role in ("LEADER", "PARTICIPANT")
    }
    assert confirmed == {"LEADER": 3, "PARTICIPANT": 7}
    assert len({r.seq for r in regs}) == 40


async def test_check_in_and_rotation_stored_once(db: Backend) -> None:
    event = await make_event(db, leaders=2, participants=2)
    leader, p1, p2, late = [await make_person(db) for _ in range(4)]
    await speed_events.register(db, event.id, leader.id, role="LEADER", now=NOW)
    for p in (p1, p2, late):
        await speed_events.register(db, event.id, p.id, role="PARTICIPANT", now=NOW)
    assert (await speed_events.check_in(db, event.id, late.id, now=NOW)).outcome == "WAITLISTED"
    for p in (leader, p1):
        done = await speed_events.check_in(db, event.id, p.id, now=NOW + 5)
        assert done.outcome == "OK" and done.registration and done.registration.checkedInAt == NOW + 5
    present = await speed_events.list_checked_in(db, event.id)
    assert sorted((x.id, x.role) for x in present) == sorted([(leader.id, "LEADER"), (p1.id, "PARTICIPANT")])
    stored, fresh = await speed_events.publish_rotation(
        db, event.id, rounds=1, table_leaders=[leader.id], seats={p1.id: [leader.id]}, now=NOW
    )
    assert fresh and stored and stored.rounds == 1 and stored.tableLeaders == (leader.id,)
    again, fresh_again = await speed_events.publish_rotation(
        db, event.id, rounds=1, table_leaders=[leader.id], seats={p2.id: [leader.id]}, now=NOW + 1
    )
    assert not fresh_again and again and again.publishedAt == NOW
    (mine, theirs) = await speed_events.get_registrations(db, p1.id, [event.id, "other"])
    assert mine and mine.tables == (leader.id,) and theirs is None
    (other,) = await speed_events.get_registrations(db, p2.id, [event.id])
    assert other and other.tables == ()
