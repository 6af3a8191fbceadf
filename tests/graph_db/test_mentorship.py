"""Mentorship repository: the life of a mentorship, exact capacity under concurrency,
committees, boards, meetings, milestones, programs and reporting lines, on every backend."""

from __future__ import annotations

import asyncio
import functools
import uuid

import pytest

from graph_db.backend import Backend
from graph_db.errors import ConstraintViolation
from graph_db.mentorship import boards, committees, connections, meetings, programs
from graph_db.people_records import PersonRecord
from tests.factories import make_person
from tests.mentoring import request_mentor

NOW = 1_767_225_600_000
DAY = 86_400_000


def new_id() -> str:
    return str(uuid.uuid4())


async def mentor(db: Backend, capacity: int = 2, accepting: bool = True, **extra: object) -> PersonRecord:
    return await make_person(
        db, rank="PROFESSOR", acceptingMentees=accepting, menteeCapacity=capacity, **extra
    )


async def ask(
    db: Backend,
    mentee: PersonRecord,
    mentor_: PersonRecord,
    kind: str = "SECONDARY",
    goals: str | None = "Write an R01",
    now: int = NOW,
) -> str:
    outcome = await request_mentor(
        db, mentor_, mentee, kind=kind, goals=goals, message="Would you mentor me?",
        cadence_days=30, now=now,
    )
    assert outcome.outcome == "OK" and outcome.mentorship is not None
    return outcome.mentorship.id


async def test_request_accept_end_with_a_notification_at_each_step(db: Backend) -> None:
    mentee, mr = await make_person(db, rank="RESIDENT"), await mentor(db)
    requested = await request_mentor(
        db, mr, mentee, kind="PRIMARY", goals="Grants", message="Hello", cadence_days=14, now=NOW
    )
    m = requested.mentorship
    assert m is not None and requested.outcome == "OK"
    assert (m.status, m.kind, m.mentorId, m.menteeId, m.requestedBy) == (
        "REQUESTED",
        "PRIMARY",
        mr.id,
        mentee.id,
        mentee.id,
    )
    assert (m.goals, m.message, m.cadenceDays) == ("Grants", "Hello", 14)
    assert [n.recipientId for n in requested.notified] == [mr.id]

    again = await request_mentor(db, mr, mentee, kind="SECONDARY", now=NOW)
    assert again.outcome == "EXISTS" and again.mentorship is not None
    assert again.mentorship.id == m.id and again.notified == ()

    accepted = await connections.accept(db, m.id, mentor_id=mr.id, message="Gladly", now=NOW + 1)
    assert accepted.outcome == "OK" and accepted.mentorship is not None
    assert accepted.mentorship.status == "ACTIVE" and accepted.mentorship.startedAt == NOW + 1
    assert [n.recipientId for n in accepted.notified] == [mentee.id]
    assert (await connections.get_stats(db, [mr.id]))[0].activeMentees == 1

    twice = await connections.accept(db, m.id, mentor_id=mr.id, message=None, now=NOW + 2)
    assert twice.outcome == "ACTIVE" and twice.notified == ()

    ended = await connections.end(db, m.id, viewer_id=mentee.id, reason="Moved", now=NOW + 3)
    assert ended.outcome == "OK" and ended.mentorship is not None
    assert (ended.mentorship.status, ended.mentorship.endReason, ended.mentorship.endedBy) == (
        "ENDED",
        "Moved",
        mentee.id,
    )
    assert [n.recipientId for n in ended.notified] == [mr.id]
    stats = (await connections.get_stats(db, [mr.id]))[0]
    assert (stats.activeMentees, stats.menteesEver, stats.firstStartedAt) == (0, 1, NOW + 1)

    # Closed, the pair may start again.
    await ask(db, mentee, mr)


async def test_decline_and_withdraw_close_the_request(db: Backend) -> None:
    mentee, mr = await make_person(db), await mentor(db)
    first = await ask(db, mentee, mr)
    declined = await connections.decline(db, first, mentor_id=mr.id, message="Too busy", now=NOW)
    assert declined.outcome == "OK" and declined.mentorship is not None
    assert declined.mentorship.status == "DECLINED"
    assert declined.mentorship.responseMessage == "Too busy"
    assert [n.recipientId for n in declined.notified] == [mentee.id]
    late = await connections.accept(db, first, mentor_id=mr.id, message=None, now=NOW)
    assert late.outcome == "DECLINED"

    second = await ask(db, mentee, mr)
    withdrawn = await connections.withdraw(db, second, viewer_id=mentee.id, now=NOW)
    assert withdrawn.outcome == "OK" and withdrawn.mentorship is not None
    assert withdrawn.mentorship.status == "WITHDRAWN"
    assert [n.recipientId for n in withdrawn.notified] == [mr.id]
    assert (await connections.withdraw(db, second, viewer_id=mentee.id, now=NOW)).outcome == "WITHDRAWN"


async def test_only_the_mentor_can_accept_or_decline(db: Backend) -> None:
    mentee, mr = await make_person(db), await mentor(db)
    mid = await ask(db, mentee, mr)
    assert (
        await connections.accept(db, mid, mentor_id=mentee.id, message=None, now=NOW)
    ).outcome == "NOT_FOUND"
    assert (
        await connections.decline(db, mid, mentor_id=mentee.id, message=None, now=NOW)
    ).outcome == "NOT_FOUND"


async def test_acceptance_respects_accepting_capacity_blocks_and_one_primary(db: Backend) -> None:
    mr = await mentor(db, capacity=1)
    a, b = await make_person(db), await make_person(db)
    first, second = await ask(db, a, mr), await ask(db, b, mr)
    assert (await connections.accept(db, first, mentor_id=mr.id, message=None, now=NOW)).outcome == "OK"
    full = await connections.accept(db, second, mentor_id=mr.id, message=None, now=NOW)
    assert full.outcome == "FULL" and full.mentorship is not None
    assert full.mentorship.status == "REQUESTED" and full.notified == ()

    closed = await mentor(db, capacity=3, accepting=False)
    pending = await ask(db, b, closed)
    assert (
        await connections.accept(db, pending, mentor_id=closed.id, message=None, now=NOW)
    ).outcome == "NOT_ACCEPTING"

    mentee = await make_person(db)
    p1, p2 = await mentor(db), await mentor(db)
    r1, r2 = await ask(db, mentee, p1, "PRIMARY"), await ask(db, mentee, p2, "PRIMARY")
    assert (await connections.accept(db, r1, mentor_id=p1.id, message=None, now=NOW)).outcome == "OK"
    assert (await connections.accept(db, r2, mentor_id=p2.id, message=None, now=NOW)).outcome == "HAS_PRIMARY"

    blocker = await mentor(db)
    r3 = await ask(db, mentee, blocker)
    from graph_db import network

    await network.block(db, blocker.id, mentee.id, now=NOW)
    assert (
        await connections.accept(db, r3, mentor_id=blocker.id, message=None, now=NOW)
    ).outcome == "BLOCKED"


async def test_a_request_across_a_block_is_refused(db: Backend) -> None:
    from graph_db import network

    mentee, mr = await make_person(db), await mentor(db)
    await network.block(db, mr.id, mentee.id, now=NOW)
    refused = await request_mentor(db, mr, mentee, kind="PEER", now=NOW)
    assert refused.outcome == "NOT_FOUND" and refused.mentorship is None


@pytest.mark.parametrize("capacity", [1, 3])
async def test_concurrent_acceptances_never_exceed_capacity(db: Backend, capacity: int) -> None:
    mr = await mentor(db, capacity=capacity)
    mentees = [await make_person(db) for _ in range(12)]
    requests = [await ask(db, m, mr) for m in mentees]
    results = await asyncio.gather(
        *(connections.accept(db, r, mentor_id=mr.id, message=None, now=NOW) for r in requests),
        return_exceptions=True,
    )
    outcomes = [r.outcome for r in results if not isinstance(r, BaseException)]
    assert outcomes.count("OK") == capacity
    assert all(o in ("OK", "FULL") for o in outcomes)
    active = await connections.list_by_person(
        db,
        mr.id,
        "MENTOR",
        statuses=["ACTIVE"],
        kinds=None,
        after=None,
        limit=50,
        viewer_id=mr.id,
    )
    assert len(active) == capacity
    assert (await connections.get_stats(db, [mr.id]))[0].activeMentees == capacity


async def test_concurrent_duplicate_requests_make_one_mentorship(db: Backend) -> None:
    mentee, mr = await make_person(db), await mentor(db)
    results = await asyncio.gather(
        *(request_mentor(db, mr, mentee, kind="SECONDARY", now=NOW) for _ in range(8)),
        return_exceptions=True,
    )
    made = {r.mentorship.id for r in results if not isinstance(r, BaseException) and r.mentorship}
    assert len(made) == 1
    assert all(isinstance(r, ConstraintViolation) or r.outcome in ("OK", "EXISTS") for r in results)
    open_ = await connections.list_requests(db, mr.id, "INCOMING", after=None, limit=10, viewer_id=mr.id)
    assert [m.id for m in open_] == list(made)


async def test_lists_requests_and_access_flags(db: Backend) -> None:
    mentee, m1, m2 = await make_person(db), await mentor(db), await mentor(db)
    first = await ask(db, mentee, m1, now=NOW)
    second = await ask(db, mentee, m2, now=NOW + 1)
    await connections.accept(db, first, mentor_id=m1.id, message=None, now=NOW + 2)
    # The mentee's own list of active and requested mentorships, page by page.
    mentee_page = functools.partial(
        connections.list_by_person, db, mentee.id, "MENTEE", statuses=["ACTIVE", "REQUESTED"],
        kinds=None, limit=10, viewer_id=mentee.id,
    )
    mentors = await mentee_page(after=None)
    assert [m.id for m in mentors] == [second, first]
    page = await mentee_page(after=(mentors[0].createdAt, mentors[0].id))
    assert [m.id for m in page] == [first]
    outgoing = await connections.list_requests(
        db, mentee.id, "OUTGOING", after=None, limit=10, viewer_id=mentee.id
    )
    assert [m.id for m in outgoing] == [second]
    incoming = await connections.list_requests(db, m2.id, "INCOMING", after=None, limit=10, viewer_id=m2.id)
    assert [m.id for m in incoming] == [second]
    assert await connections.list_requests(db, m1.id, "INCOMING", after=None, limit=10, viewer_id=m1.id) == []

    admin = await make_person(db)
    program = await programs.create_program(
        db, id=new_id(), name="Fellows", description=None, viewer_id=admin.id, now=NOW
    )
    await programs.set_role(db, program.id, admin.id, "ADMIN", now=NOW, viewer_id=admin.id)
    got = await connections.get_many(db, [first], viewer_id=admin.id)
    assert got[0] is not None and not got[0].viewerIsProgramAdmin
    await programs.set_role(db, program.id, mentee.id, "MEMBER", now=NOW, viewer_id=admin.id)
    got = await connections.get_many(db, [first, "missing"], viewer_id=admin.id)
    assert got[0] is not None and got[0].viewerIsProgramAdmin and got[1] is None
    assert (await programs.administered(db, admin.id, [mentee.id, m1.id])) == {mentee.id}
    site = await connections.get_many(db, [first], viewer_id=m2.id, viewer_is_admin=True)
    assert site[0] is not None and site[0].viewerIsProgramAdmin


async def test_update_goals_and_cadence(db: Backend) -> None:
    mentee, mr = await make_person(db), await mentor(db)
    mid = await ask(db, mentee, mr)
    changed = await connections.update(db, mid, viewer_id=mentee.id, now=NOW, goals=("K award",))
    assert changed is not None and (changed.goals, changed.cadenceDays) == ("K award", 30)
    changed = await connections.update(db, mid, viewer_id=mentee.id, now=NOW, cadence_days=(None,))
    assert changed is not None and (changed.goals, changed.cadenceDays) == ("K award", None)


async def test_meetings_and_milestones(db: Backend) -> None:
    mentee, mr, other = await make_person(db), await mentor(db), await make_person(db)
    mid = await ask(db, mentee, mr)
    assert (
        await meetings.log_meeting(
            db, id=new_id(), mentorship_id=mid, viewer_id=mentee.id, date=NOW, notes="x", now=NOW
        )
        is None
    )
    await connections.accept(db, mid, mentor_id=mr.id, message=None, now=NOW)
    m1 = await meetings.log_meeting(
        db, id=new_id(), mentorship_id=mid, viewer_id=mentee.id, date=NOW + DAY, notes="Aims", now=NOW
    )
    m2 = await meetings.log_meeting(
        db, id=new_id(), mentorship_id=mid, viewer_id=mr.id, date=NOW + 3 * DAY, notes=None, now=NOW
    )
    assert m1 is not None and m2 is not None and m1.notes == "Aims"
    assert (
        await meetings.log_meeting(
            db, id=new_id(), mentorship_id=mid, viewer_id=other.id, date=NOW, notes=None, now=NOW
        )
        is None
    )
    listed = await meetings.list_meetings(db, mid, after=None, limit=10)
    assert [m.id for m in listed] == [m2.id, m1.id]
    assert [m.id for m in await meetings.list_meetings(db, mid, after=(m2.date, m2.id), limit=10)] == [m1.id]
    record = (await connections.get_many(db, [mid], viewer_id=mentee.id))[0]
    assert record is not None and record.lastMeetingAt == NOW + 3 * DAY

    ms = await meetings.add_milestone(
        db, id=new_id(), mentorship_id=mid, viewer_id=mr.id, title="Submit", due_at=NOW + 9 * DAY, now=NOW
    )
    early = await meetings.add_milestone(
        db, id=new_id(), mentorship_id=mid, viewer_id=mentee.id, title="Draft", due_at=NOW + DAY, now=NOW
    )
    assert ms is not None and early is not None
    assert (
        await meetings.add_milestone(
            db, id=new_id(), mentorship_id=mid, viewer_id=other.id, title="x", due_at=None, now=NOW
        )
        is None
    )
    done = await meetings.set_completed(db, early.id, viewer_id=mentee.id, completed=True, now=NOW + 5)
    assert done is not None and done.completedAt == NOW + 5 and done.completedBy == mentee.id
    again = await meetings.set_completed(db, early.id, viewer_id=mr.id, completed=True, now=NOW + 9)
    assert again is not None and again.completedAt == NOW + 5
    assert await meetings.set_completed(db, early.id, viewer_id=other.id, completed=False, now=NOW) is None
    assert [m.id for m in (await meetings.list_milestones(db, [mid]))[0]] == [ms.id, early.id]


async def test_committee_seats_invitations_and_dissolution(db: Backend) -> None:
    mentee = await make_person(db)
    members = [await mentor(db) for _ in range(3)]
    seat_ids = [new_id() for _ in members[:2]]
    committee, created, sent = await committees.create(
        db,
        id=new_id(),
        mentee_id=mentee.id,
        creator_id=mentee.id,
        member_ids=[m.id for m in members[:2]],
        seat_ids=seat_ids,
        name="Thesis committee",
        goals="PhD",
        message=None,
        now=NOW,
    )
    assert committee is not None and created and sorted(committee.memberIds) == sorted(seat_ids)
    assert sorted(n.recipientId for n in sent) == sorted(m.id for m in members[:2])
    second, created_again, none = await committees.create(
        db,
        id=new_id(),
        mentee_id=mentee.id,
        creator_id=mentee.id,
        member_ids=[members[2].id],
        seat_ids=[new_id()],
        name=None,
        goals=None,
        message=None,
        now=NOW,
    )
    assert second is not None and second.id == committee.id and not created_again and none == []
    assert (await committees.current_ids(db, [mentee.id]))[0] == committee.id

    accepted = await connections.accept(db, seat_ids[0], mentor_id=members[0].id, message=None, now=NOW)
    assert accepted.outcome == "OK" and accepted.mentorship is not None
    assert accepted.mentorship.committeeId == committee.id and accepted.mentorship.kind == "COMMITTEE"
    peer = (await connections.get_many(db, [seat_ids[0]], viewer_id=members[1].id))[0]
    assert peer is not None and peer.viewerOnCommittee

    third = new_id()
    invited, outcome, notified_ = await committees.invite(
        db,
        committee.id,
        mentee_id=mentee.id,
        person_id=members[2].id,
        seat_id=third,
        inviter_id=mentee.id,
        message=None,
        now=NOW,
    )
    assert outcome == "OK" and invited is not None and third in invited.memberIds
    assert [n.recipientId for n in notified_] == [members[2].id]
    _, full, _ = await committees.invite(
        db,
        committee.id,
        mentee_id=mentee.id,
        person_id=(await mentor(db)).id,
        seat_id=new_id(),
        inviter_id=mentee.id,
        message=None,
        now=NOW,
        max_seats=3,
    )
    assert full == "FULL"

    dissolved, told = await committees.dissolve(db, committee.id, viewer_id=mentee.id, now=NOW + 1)
    assert dissolved is not None and dissolved.dissolvedAt == NOW + 1
    assert sorted(n.recipientId for n in told) == sorted(m.id for m in members)
    seats = await connections.get_many(db, [*seat_ids, third], viewer_id=mentee.id)
    assert [s.status for s in seats if s] == ["ENDED", "WITHDRAWN", "WITHDRAWN"]
    assert (await committees.current_ids(db, [mentee.id]))[0] is None
    _, closed, _ = await committees.invite(
        db,
        committee.id,
        mentee_id=mentee.id,
        person_id=members[0].id,
        seat_id=new_id(),
        inviter_id=mentee.id,
        message=None,
        now=NOW,
    )
    assert closed == "DISSOLVED"


async def test_board_members_and_outside_advisors(db: Backend) -> None:
    mentee, member = await make_person(db), await mentor(db)
    outside = await boards.add_external(
        db,
        id=new_id(),
        mentee_id=mentee.id,
        role="PERSONAL",
        note="Old friend",
        name="Grace Hopper",
        email="grace@example.com",
        now=NOW,
    )
    assert outside is not None and (outside.name, outside.email, outside.mentorshipId) == (
        "Grace Hopper",
        "grace@example.com",
        None,
    )
    # The mentee invites the same member twice (a new seat id each time).
    invite_member = functools.partial(
        boards.add_member, db, mentee_id=mentee.id, person_id=member.id, note=None
    )
    advisor, outcome, sent = await invite_member(
        id=new_id(), seat_id=new_id(), role="RESEARCH", message="Join my board?", now=NOW + 1
    )
    assert outcome == "OK" and advisor is not None and advisor.mentorshipId is not None
    assert [n.recipientId for n in sent] == [member.id]
    _, dup, _ = await invite_member(id=new_id(), seat_id=new_id(), role="CAREER", message=None, now=NOW)
    assert dup == "EXISTS"
    assert [a.id for a in await boards.list_advisors(db, mentee.id)] == [outside.id, advisor.id]
    seat = await connections.accept(db, advisor.mentorshipId, mentor_id=member.id, message=None, now=NOW)
    assert seat.mentorship is not None and seat.mentorship.advisorId == advisor.id
    assert (await connections.get_stats(db, [member.id]))[0].boardSeats == 1

    removed, told = await boards.remove(db, advisor.id, mentee_id=mentee.id, now=NOW)
    assert removed and [n.recipientId for n in told] == [member.id]
    assert (await connections.get_many(db, [advisor.mentorshipId], viewer_id=mentee.id))[0].status == "ENDED"  # type: ignore[union-attr]
    assert (await boards.remove(db, outside.id, mentee_id=member.id, now=NOW))[0] is False
    full = await boards.add_external(
        db,
        id=new_id(),
        mentee_id=mentee.id,
        role="CAREER",
        note=None,
        name="A",
        email="a@b.co",
        now=NOW,
        max_advisors=1,
    )
    assert full is None


async def test_reporting_lines_and_program_roles(db: Backend) -> None:
    chief, boss, me, report = [await make_person(db) for _ in range(4)]
    assert await programs.supervise_many(db, [(chief.id, boss.id), (boss.id, me.id)], now=NOW) == 2
    assert await programs.set_supervision(
        db, supervisor_id=me.id, supervisee_id=report.id, supervises=True, viewer_id=chief.id, now=NOW
    )
    assert (await programs.reporting_lines(db, [me.id]))[0] == ({chief.id, boss.id}, {report.id})
    assert (await programs.list_supervisors(db, [me.id, chief.id])) == [[boss.id], []]
    await programs.set_supervision(
        db, supervisor_id=boss.id, supervisee_id=me.id, supervises=False, viewer_id=chief.id, now=NOW
    )
    assert (await programs.reporting_lines(db, [me.id]))[0] == (set(), {report.id})
    assert not await programs.set_supervision(
        db, supervisor_id="nobody", supervisee_id=me.id, supervises=True, viewer_id=chief.id, now=NOW
    )

    program = await programs.create_program(
        db, id=new_id(), name="K Scholars", description="d", viewer_id=chief.id, now=NOW
    )
    changed = await programs.set_role(db, program.id, boss.id, "MEMBER", now=NOW, viewer_id=boss.id)
    assert changed is not None and (changed.members, changed.viewerRole) == (1, "MEMBER")
    changed = await programs.set_role(db, program.id, boss.id, "ADMIN", now=NOW, viewer_id=boss.id)
    assert changed is not None and (changed.members, changed.viewerRole) == (1, "ADMIN")
    assert await programs.get_role(db, program.id, boss.id) == "ADMIN"
    changed = await programs.set_role(db, program.id, boss.id, None, now=NOW, viewer_id=boss.id)
    assert changed is not None and (changed.members, changed.viewerRole) == (0, None)
    assert await programs.set_role(db, program.id, "nobody", "ADMIN", now=NOW, viewer_id=boss.id) is None
    assert [p.name for p in await programs.list_programs(db, viewer_id=me.id, limit=10)] == ["K Scholars"]


async def test_bulk_mentorships_count_active_mentees(db: Backend) -> None:
    mr, a, b = await mentor(db, capacity=5), await make_person(db), await make_person(db)
    rows = [
        {
            "id": new_id(),
            "mentorId": mr.id,
            "menteeId": a.id,
            "kind": "PRIMARY",
            "status": "ACTIVE",
            "createdAt": NOW,
            "startedAt": NOW,
        },
        {
            "id": new_id(),
            "mentorId": mr.id,
            "menteeId": b.id,
            "kind": "PEER",
            "status": "ENDED",
            "createdAt": NOW,
            "startedAt": NOW,
            "endedAt": NOW + DAY,
        },
    ]
    assert await connections.create_many(db, rows) == 1
    assert await connections.create_many(db, rows) == 1  # idempotent
    stats = (await connections.get_stats(db, [mr.id]))[0]
    assert (stats.activeMentees, stats.menteesEver) == (1, 2)
    with pytest.raises(ValueError):
        await connections.create_many(db, [{**rows[0], "kind": "BOARD"}])
