"""Speed-mentoring events over real HTTP, on both engines: seats per role and the FIFO
waitlist exact under 100 concurrent registrations and cancellations, promotion and
cancellation notices, check-in, the published rotation, and every permission both ways."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_db import notifications
from graph_db.mentorship import programs
from graph_db.people_records import PersonRecord
from graph_db.programs import speed_events
from schema.base import to_global_id
from tests.api.calls import call, refused
from tests.api.conftest import Api
from tests.factories import make_person, token_for
from tests.mentoring import NOW, member

EVENT = """
fragment E on SpeedMentoringEvent {
  id title status timeZone leaderCapacity participantCapacity
  leadersConfirmed leadersWaitlisted participantsConfirmed participantsWaitlisted checkedInCount
  viewerIsOrganiser organisers { id } rounds rotationPublishedAt
  myRegistration { role status waitlistPosition promotedAt checkedInAt person { id } }
}"""
CREATE = """
mutation($input: CreateSpeedMentoringEventInput!) {
  createSpeedMentoringEvent(input: $input) { event { ...E } errors { field code message } }
}""" + EVENT
REGISTER = """
mutation($event: ID!, $role: SpeedMentoringRole!) {
  registerForSpeedMentoringEvent(input: {eventId: $event, role: $role}) {
    event { ...E } errors { field code message }
  }
}""" + EVENT
CANCEL_REGISTRATION = """
mutation($event: ID!, $person: ID) {
  cancelSpeedMentoringRegistration(input: {eventId: $event, personId: $person}) {
    event { ...E } errors { field code message }
  }
}""" + EVENT
CHECK_IN = """
mutation($event: ID!, $person: ID!) {
  checkInToSpeedMentoringEvent(input: {eventId: $event, personId: $person}) {
    registration { status checkedInAt person { id } } errors { field code message }
  }
}"""
CANCEL_EVENT = """
mutation($event: ID!) {
  cancelSpeedMentoringEvent(input: {eventId: $event}) { event { ...E } errors { field code message } }
}""" + EVENT
PUBLISH = """
mutation($event: ID!, $rounds: Int!) {
  publishSpeedMentoringRotation(input: {eventId: $event, rounds: $rounds}) {
    event { ...E } errors { field code message }
  }
}""" + EVENT
REGISTRATIONS = """
query($id: ID!) {
  node(id: $id) {
    ... on SpeedMentoringEvent { registrations { person { id } role status waitlistPosition } }
  }
}"""
ROUNDS = """
query($id: ID!) {
  node(id: $id) {
    ... on SpeedMentoringEvent { myRounds { round table leader { id } participants { id } } }
  }
}"""
EVENTS = "{ speedMentoringEvents(first: 10) { id title participantsConfirmed myRegistration { status } } }"
NOTIFICATIONS = "{ notifications(first: 20) { nodes { kind summary } } }"
CALENDAR = "query($id: ID!) { node(id: $id) { ... on SpeedMentoringEvent { myCalendarFile } } }"


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def soon(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat().replace("+00:00", "Z")


def gid(person: PersonRecord) -> str:
    return to_global_id("Person", person.id)


def event_input(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Spring speed mentoring", "startsAt": soon(7), "endsAt": soon(7.1),
        "timeZone": "America/New_York", "leaderCapacity": 3, "participantCapacity": 5,
        "location": "Atrium", **overrides,
    }


async def new_event(api: Api, organiser: PersonRecord, **overrides: Any) -> dict[str, Any]:
    created = await call(api, CREATE, {"input": event_input(**overrides)}, organiser)
    assert created["errors"] == [], created
    event: dict[str, Any] = created["event"]
    return event


async def kinds(api: Api, who: PersonRecord) -> list[str]:
    data = await api.gql(NOTIFICATIONS, token=token_for(who))
    return [n["kind"] for n in data["notifications"]["nodes"]]


async def test_register_waitlist_cancel_and_promote(api: Api) -> None:
    admin = await make_person(api.backend, role="ADMIN")
    event = await new_event(api, admin, participantCapacity=2)
    assert event["viewerIsOrganiser"] and [o["id"] for o in event["organisers"]] == [gid(admin)]
    a, b, c, d = [await make_person(api.backend) for _ in range(4)]
    statuses = []
    for p in (a, b, c, d):
        done = await call(api, REGISTER, {"event": event["id"], "role": "PARTICIPANT"}, p)
        mine = done["event"]["myRegistration"]
        statuses.append((mine["status"], mine["waitlistPosition"]))
    assert statuses == [("CONFIRMED", None), ("CONFIRMED", None), ("WAITLISTED", 1), ("WAITLISTED", 2)]
    listed = (await api.gql(EVENTS, token=token_for(d)))["speedMentoringEvents"]
    shown = [(e["participantsConfirmed"], e["myRegistration"]["status"]) for e in listed]
    assert shown == [(2, "WAITLISTED")]

    left = await call(api, CANCEL_REGISTRATION, {"event": event["id"]}, a)
    assert left["errors"] == [] and left["event"]["myRegistration"] is None
    assert (left["event"]["participantsConfirmed"], left["event"]["participantsWaitlisted"]) == (2, 1)
    seen = (await call(api, REGISTER, {"event": event["id"], "role": "PARTICIPANT"}, c))["event"]
    assert seen["myRegistration"]["status"] == "CONFIRMED" and seen["myRegistration"]["promotedAt"]
    assert await kinds(api, c) == ["EVENT_SEAT_CONFIRMED"]
    told = (await api.gql(NOTIFICATIONS, token=token_for(c)))["notifications"]["nodes"][0]["summary"]
    assert told == "Someone cancelled, so you have a seat at a speed-mentoring event"
    assert await kinds(api, d) == [] and await kinds(api, b) == []

    again = await call(api, CANCEL_REGISTRATION, {"event": event["id"]}, a)
    assert [e["code"] for e in again["errors"]] == ["NOT_FOUND"]
    ics = (await api.gql(CALENDAR, {"id": event["id"]}, token=token_for(c)))["node"]["myCalendarFile"]
    assert ics.startswith("BEGIN:VCALENDAR") and "TZID=America/New_York" in ics and "STATUS:CONFIRMED" in ics
    gone = await api.gql(CALENDAR, {"id": event["id"]}, token=token_for(a))
    assert gone["node"]["myCalendarFile"] is None


async def test_bad_input_and_closed_registration(api: Api) -> None:
    admin = await make_person(api.backend, role="ADMIN")
    bad = await call(api, CREATE, {"input": event_input(
        timeZone="Mars/Olympus", participantCapacity=0, startsAt=soon(-1), endsAt=soon(-0.9),
        link="javascript:alert(1)",
    )}, admin)
    assert bad["event"] is None
    assert {e["field"] for e in bad["errors"]} >= {"timeZone", "participantCapacity", "startsAt", "link"}
    assert {e["code"] for e in bad["errors"]} == {"BAD_USER_INPUT"}
    closed = await new_event(api, admin, registrationOpensAt=soon(1), registrationClosesAt=soon(2))
    p = await make_person(api.backend)
    early = await call(api, REGISTER, {"event": closed["id"], "role": "LEADER"}, p)
    assert [e["code"] for e in early["errors"]] == ["CONFLICT"]
    assert await speed_events.list_registrations(api.backend, await node_id(api, closed["id"])) == []
    wrong = await call(api, REGISTER, {"event": gid(p), "role": "LEADER"}, p)
    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [("eventId", "BAD_USER_INPUT")]
    missing = await call(api, REGISTER, {"event": to_global_id("SpeedMentoringEvent", "nope"),
                                         "role": "LEADER"}, p)
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]


async def test_100_concurrent_registrations_and_cancellations_over_http(api: Api) -> None:
    admin = await make_person(api.backend, role="ADMIN")
    capacity = {"LEADER": 5, "PARTICIPANT": 12}
    event = await new_event(api, admin, leaderCapacity=5, participantCapacity=12)
    local = event["id"]
    first = list(await asyncio.gather(*(make_person(api.backend) for _ in range(100))))
    role_of = {p.id: ("LEADER" if i % 5 == 0 else "PARTICIPANT") for i, p in enumerate(first)}

    def within(payload: dict[str, Any]) -> None:
        shown = payload["event"]
        assert shown["leadersConfirmed"] <= capacity["LEADER"]
        assert shown["participantsConfirmed"] <= capacity["PARTICIPANT"]

    results = await asyncio.gather(*(
        call(api, REGISTER, {"event": local, "role": role_of[p.id]}, p) for p in first
    ))
    assert all(r["errors"] == [] for r in results)
    for r in results:
        within(r)
    regs = await speed_events.list_registrations(api.backend, (await node_id(api, local)))
    assert_fifo(regs, capacity)
    assert len(regs) == 100

    # 50 leave (confirmed and waitlisted alike) while 50 newcomers register, all at once.
    rng = random.Random(16)
    leaving = rng.sample(first, 50)
    newcomers = list(await asyncio.gather(*(make_person(api.backend) for _ in range(50))))
    role_of.update({p.id: ("LEADER" if i % 5 == 0 else "PARTICIPANT") for i, p in enumerate(newcomers)})
    before = {r.personId: r for r in regs}
    calls = [call(api, CANCEL_REGISTRATION, {"event": local}, p) for p in leaving] + [
        call(api, REGISTER, {"event": local, "role": role_of[p.id]}, p) for p in newcomers
    ]
    rng.shuffle(calls)
    results = await asyncio.gather(*calls)
    assert all(r["errors"] == [] for r in results)
    for r in results:
        within(r)

    after = await speed_events.list_registrations(api.backend, await node_id(api, local))
    expected = {p.id for p in first} - {p.id for p in leaving} | {p.id for p in newcomers}
    assert {r.personId for r in after} == expected  # no one lost, nobody left behind
    assert_fifo(after, capacity)
    # Everyone promoted was waitlisted before and has exactly one notice; nobody else has one.
    promoted = {r.personId for r in after if r.promotedAt is not None}
    assert promoted and all(
        before[p].status == "WAITLISTED" for p in promoted if p in before
    )
    notices = await asyncio.gather(*(
        notifications.list_notifications(api.backend, r.personId, limit=5) for r in after
    ))
    for r, theirs in zip(after, notices, strict=True):
        assert [n.kind for n in theirs] == (["EVENT_SEAT_CONFIRMED"] if r.personId in promoted else [])


async def node_id(api: Api, global_id: str) -> str:
    from schema.base import local_id

    return local_id(global_id, "SpeedMentoringEvent")


def assert_fifo(regs: list[Any], capacity: dict[str, int]) -> None:
    """Per role: never over capacity, a waitlist only behind full seats, and every confirmed
    registration older than every waitlisted one (the line was served strictly in order)."""
    assert len({r.seq for r in regs}) == len(regs)
    for role, seats in capacity.items():
        confirmed = [r.seq for r in regs if r.role == role and r.status == "CONFIRMED"]
        waiting = sorted(r.seq for r in regs if r.role == role and r.status == "WAITLISTED")
        assert len(confirmed) <= seats
        if waiting:
            assert len(confirmed) == seats
            assert max(confirmed) < waiting[0]
        positions = [r.waitlistPosition for r in sorted(
            (r for r in regs if r.role == role and r.status == "WAITLISTED"), key=lambda r: r.seq
        )]
        assert positions == list(range(1, len(waiting) + 1))


async def test_create_permissions_both_ways(api: Api) -> None:
    db = api.backend
    member_ = await make_person(db)
    program_admin = await make_person(db)
    program_member = await make_person(db)
    program = await programs.create_program(
        db, id="surgery", name="Surgery mentoring", description=None, viewer_id=program_admin.id, now=NOW
    )
    await programs.set_role(db, program.id, program_admin.id, "ADMIN", now=NOW, viewer_id=program_admin.id)
    await programs.set_role(db, program.id, program_member.id, "MEMBER", now=NOW, viewer_id=program_admin.id)
    in_program = {"programId": to_global_id("MentoringProgram", program.id)}

    assert await refused(api, CREATE, {"input": event_input()}, member_) == "FORBIDDEN"
    assert await refused(api, CREATE, {"input": event_input(**in_program)}, program_member) == "FORBIDDEN"
    assert await refused(api, CREATE, {"input": event_input()}, program_admin) == "FORBIDDEN"
    assert await refused(api, CREATE, {"input": event_input()}, None) == "UNAUTHENTICATED"
    assert await refused(api, EVENTS, {}, None) == "UNAUTHENTICATED"
    assert await speed_events.list_events(db, ending_after=0, after=None, limit=10) == []

    made = await new_event(api, program_admin, **in_program)
    assert made["viewerIsOrganiser"]
    (stored,) = await speed_events.list_events(db, ending_after=0, after=None, limit=10)
    assert stored.programId == program.id and stored.organiserIds == (program_admin.id,)


async def test_organiser_powers_both_ways(api: Api) -> None:
    db = api.backend
    organiser = await make_person(db, role="ADMIN")
    event = await new_event(api, organiser, participantCapacity=1)
    local = await node_id(api, event["id"])
    p, q, stranger = [await make_person(db) for _ in range(3)]
    signed_out = await api.post(REGISTER, {"event": event["id"], "role": "PARTICIPANT"})
    assert [e["extensions"]["code"] for e in signed_out.json()["errors"]] == ["UNAUTHENTICATED"]
    assert await speed_events.list_registrations(db, local) == []
    for who in (p, q):
        await call(api, REGISTER, {"event": event["id"], "role": "PARTICIPANT"}, who)

    # Registrations: organisers only.
    assert await refused(api, REGISTRATIONS, {"id": event["id"]}, stranger) == "FORBIDDEN"
    listed = (await api.gql(REGISTRATIONS, {"id": event["id"]}, token=token_for(organiser)))["node"]
    assert [(r["person"]["id"], r["status"]) for r in listed["registrations"]] == [
        (gid(p), "CONFIRMED"), (gid(q), "WAITLISTED")
    ]

    # Check-in: a registrant cannot check anyone in; the organiser can (confirmed only).
    assert await refused(api, CHECK_IN, {"event": event["id"], "person": gid(p)}, p) == "FORBIDDEN"
    (unchanged,) = await speed_events.get_registrations(db, p.id, [local])
    assert unchanged and unchanged.checkedInAt is None
    done = await call(api, CHECK_IN, {"event": event["id"], "person": gid(p)}, organiser)
    assert done["errors"] == [] and done["registration"]["checkedInAt"]
    waiting = await call(api, CHECK_IN, {"event": event["id"], "person": gid(q)}, organiser)
    assert [e["code"] for e in waiting["errors"]] == ["CONFLICT"]

    # Taking someone else's registration out: not for a stranger; yes for the organiser.
    assert await refused(
        api, CANCEL_REGISTRATION, {"event": event["id"], "person": gid(p)}, stranger
    ) == "FORBIDDEN"
    assert [r.personId for r in await speed_events.list_registrations(db, local)] == [p.id, q.id]
    out = await call(api, CANCEL_REGISTRATION, {"event": event["id"], "person": gid(p)}, organiser)
    assert out["errors"] == [] and out["event"]["participantsConfirmed"] == 1
    assert await kinds(api, q) == ["EVENT_SEAT_CONFIRMED"]

    # Cancelling the event: not for a registrant; the organiser's tells everyone, once.
    assert await refused(api, CANCEL_EVENT, {"event": event["id"]}, q) == "FORBIDDEN"
    (still,) = await speed_events.get_many(db, [local])
    assert still and still.status == "SCHEDULED"
    late = await make_person(db)
    await call(api, REGISTER, {"event": event["id"], "role": "PARTICIPANT"}, late)
    cancelled = await call(api, CANCEL_EVENT, {"event": event["id"]}, organiser)
    assert cancelled["errors"] == [] and cancelled["event"]["status"] == "CANCELLED"
    await call(api, CANCEL_EVENT, {"event": event["id"]}, organiser)
    assert await kinds(api, q) == ["EVENT_CANCELLED", "EVENT_SEAT_CONFIRMED"]
    assert await kinds(api, late) == ["EVENT_CANCELLED"]
    assert await kinds(api, p) == []  # no longer registered
    closed = await call(api, REGISTER, {"event": event["id"], "role": "LEADER"}, stranger)
    assert [e["code"] for e in closed["errors"]] == ["CONFLICT"]


async def test_rotation_published_once_and_seen_by_each(api: Api) -> None:
    db = api.backend
    organiser = await make_person(db, role="ADMIN")
    event = await new_event(api, organiser, leaderCapacity=3, participantCapacity=6, seatsPerTable=2)
    local = await node_id(api, event["id"])
    cardio = await member(db, interests=["Cardiology"])
    grants = await member(db, offers=["Grant writing"])
    onco = await member(db, interests=["Oncology"])
    leaders = [cardio, grants, onco]
    participants = [
        await member(db, interests=["Cardiology"]), await member(db, seeks=["Grant writing"]),
        await member(db, interests=["Oncology"]), await member(db), await member(db),
        await member(db),
    ]
    absent = await member(db)
    for who in leaders:
        await call(api, REGISTER, {"event": event["id"], "role": "LEADER"}, who)
    for who in participants:
        await call(api, REGISTER, {"event": event["id"], "role": "PARTICIPANT"}, who)
    await speed_events.cancel_registration(db, local, participants[-1].id, now=NOW)
    await call(api, REGISTER, {"event": event["id"], "role": "PARTICIPANT"}, absent)
    present = leaders + participants[:-1]
    for who in present:
        await call(api, CHECK_IN, {"event": event["id"], "person": gid(who)}, organiser)

    assert await refused(api, PUBLISH, {"event": event["id"], "rounds": 2}, participants[0]) == "FORBIDDEN"
    (unpublished,) = await speed_events.get_many(db, [local])
    assert unpublished and unpublished.publishedAt is None
    too_many = await call(api, PUBLISH, {"event": event["id"], "rounds": 4}, organiser)
    assert [(e["field"], e["code"]) for e in too_many["errors"]] == [("rounds", "BAD_USER_INPUT")]

    published = await call(api, PUBLISH, {"event": event["id"], "rounds": 2}, organiser)
    assert published["errors"] == [] and published["event"]["rounds"] == 2
    again = await call(api, PUBLISH, {"event": event["id"], "rounds": 3}, organiser)
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]

    seen: dict[tuple[int, str], list[str]] = {}
    for who in participants[:-1]:
        rounds = (await api.gql(ROUNDS, {"id": event["id"]}, token=token_for(who)))["node"]["myRounds"]
        assert [r["round"] for r in rounds] == [1, 2]
        met = [r["leader"]["id"] for r in rounds]
        assert len(set(met)) == 2 and set(met) <= {gid(x) for x in leaders}
        for r in rounds:
            seen.setdefault((r["round"], r["leader"]["id"]), []).append(gid(who))
    assert all(len(v) <= 2 for v in seen.values())  # two seats a table
    first_rounds = await api.gql(ROUNDS, {"id": event["id"]}, token=token_for(participants[0]))
    assert gid(cardio) in [r["leader"]["id"] for r in first_rounds["node"]["myRounds"]]
    for leader in leaders:
        rounds = (await api.gql(ROUNDS, {"id": event["id"]}, token=token_for(leader)))["node"]["myRounds"]
        for r in rounds:
            assert r["leader"]["id"] == gid(leader)
            table = sorted(seen.get((r["round"], gid(leader)), []))
            assert sorted(x["id"] for x in r["participants"]) == table
    not_in = await api.gql(ROUNDS, {"id": event["id"]}, token=token_for(absent))
    assert not_in["node"]["myRounds"] == []
