"""Cohort enrolment in the repository, on both engines: one atomic, idempotent statement
that links or starts the mentorship, with its rules (one PRIMARY per mentee, the mentor's
kept count of mentees, no block, no pending request) exact under concurrent enrolments."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

from graph_db.backend import Backend
from graph_db.mentorship import connections
from graph_db.mentorship import programs as program_repo
from graph_db.network import block
from graph_db.people_records import PersonRecord
from graph_db.programs import cohorts
from graph_db.programs.records import CohortRecord, EnrolmentRecord
from tests.factories import make_person
from tests.mentoring import mentorship

NOW = 1_790_000_000_000


async def make_cohort(db: Backend) -> tuple[CohortRecord, PersonRecord]:
    admin = await make_person(db)
    program = await program_repo.create_program(
        db, id=str(uuid.uuid4()), name="Medicine", description=None, viewer_id=admin.id, now=NOW
    )
    cohort = await cohorts.create_cohort(
        db, id=str(uuid.uuid4()), program_id=program.id, name="Fellows", starts_at=NOW,
        length_months=12, cadence=[{"untilMonth": None, "everyDays": 30}], viewer_id=admin.id, now=NOW,
    )
    assert cohort is not None
    return cohort, admin


async def enrol(
    db: Backend, cohort: CohortRecord, mentee: PersonRecord, mentor: PersonRecord, role: str,
    admin: PersonRecord, id: str | None = None,
) -> EnrolmentRecord:
    done = await cohorts.enrol_pair(
        db, id=id or str(uuid.uuid4()), cohort_id=cohort.id, mentee_id=mentee.id, mentor_id=mentor.id,
        role=role, viewer_id=admin.id, now=NOW,
    )
    assert done is not None
    return done


async def mentorships(db: Backend, person: PersonRecord) -> list[dict[str, Any]]:
    """Every mentorship the person is in, either side, with both ends."""
    return await db.read(
        "MATCH (p:Person {id: $id})-[:MENTOR_IN|MENTEE_IN]->(m:Mentorship) "
        "MATCH (mr:Person)-[:MENTOR_IN]->(m)<-[:MENTEE_IN]-(me:Person) "
        "RETURN m.id AS id, m.kind AS kind, m.status AS status, mr.id AS mentor, me.id AS mentee",
        {"id": person.id},
    )


async def memberships(db: Backend, person: PersonRecord, program_id: str) -> list[str]:
    rows = await db.read(
        "MATCH (:Person {id: $id})-[r:IN_PROGRAM]->(:Program {id: $program}) RETURN r.role AS role",
        {"id": person.id, "program": program_id},
    )
    return [r["role"] for r in rows]


async def test_enrolment_starts_the_mentorship_once_and_a_retry_changes_nothing(db: Backend) -> None:
    cohort, admin = await make_cohort(db)
    mentee, mentor = await make_person(db), await make_person(db)
    pair_id = str(uuid.uuid4())
    first = await enrol(db, cohort, mentee, mentor, "PRIMARY", admin, id=pair_id)
    assert first.outcome == "OK" and first.fresh and first.pair is not None
    retried = await enrol(db, cohort, mentee, mentor, "PRIMARY", admin, id=pair_id)  # a driver retry
    assert (retried.outcome, retried.fresh, retried.pair) == ("OK", True, first.pair)
    other = await enrol(db, cohort, mentee, mentor, "PRIMARY", admin)
    assert (other.outcome, other.fresh) == ("EXISTS", False)

    (made,) = await mentorships(db, mentee)
    assert (made["kind"], made["status"], made["mentor"]) == ("PRIMARY", "ACTIVE", mentor.id)
    assert first.pair.mentorshipId == made["id"]
    assert len(await cohorts.list_pairs(db, cohort.id)) == 1
    for who in (mentee, mentor):
        assert await memberships(db, who, cohort.programId) == ["MEMBER"]
    stats = await connections.get_stats(db, [mentor.id])
    assert stats[0].activeMentees == 1
    (stored,) = await db.read("MATCH (p:Person {id: $id}) RETURN p.activeMentees AS n", {"id": mentor.id})
    assert stored["n"] == 1  # the mentor's kept count moved with the new mentorship


async def test_an_existing_mentorship_is_linked_and_the_rules_refuse_the_rest(db: Backend) -> None:
    cohort, admin = await make_cohort(db)
    mentee = await make_person(db)
    mentor = await make_person(db, acceptingMentees=True, menteeCapacity=5)
    linked = await mentorship(db, mentor, mentee, kind="SECONDARY")
    done = await enrol(db, cohort, mentee, mentor, "RESEARCH", admin)
    assert done.outcome == "OK" and done.pair is not None and done.pair.mentorshipId == linked
    assert len(await mentorships(db, mentee)) == 1  # linked, not a second one

    asking, asked = await make_person(db), await make_person(db, acceptingMentees=True, menteeCapacity=5)
    await mentorship(db, asked, asking, accept=False)
    assert (await enrol(db, cohort, asking, asked, "CLINICAL", admin)).outcome == "PENDING"

    shy, other = await make_person(db), await make_person(db)
    await block(db, shy.id, other.id, now=NOW)
    assert (await enrol(db, cohort, shy, other, "SECONDARY", admin)).outcome == "BLOCKED"
    assert (await enrol(db, cohort, other, shy, "SECONDARY", admin)).outcome == "BLOCKED"

    # A second PRIMARY pair for the mentee in the cohort, or a second ACTIVE PRIMARY mentorship.
    second = await make_person(db)
    assert (await enrol(db, cohort, mentee, second, "PRIMARY", admin)).outcome == "OK"
    third = await make_person(db)
    assert (await enrol(db, cohort, mentee, third, "PRIMARY", admin)).outcome == "HAS_PRIMARY"
    elsewhere, _ = await make_cohort(db)
    assert (await enrol(db, elsewhere, mentee, third, "PRIMARY", admin)).outcome == "HAS_PRIMARY"
    assert (await enrol(db, elsewhere, mentee, third, "SECONDARY", admin)).outcome == "OK"

    pairs = await cohorts.list_pairs(db, cohort.id)
    assert sorted((p.menteeId, p.mentorId) for p in pairs) == sorted(
        [(mentee.id, mentor.id), (mentee.id, second.id)]
    )
    assert await cohorts.enrol_pair(
        db, id=str(uuid.uuid4()), cohort_id=cohort.id, mentee_id=mentee.id, mentor_id=mentee.id,
        role="PRIMARY", viewer_id=admin.id, now=NOW,
    ) is None


async def test_concurrent_enrolments_of_one_pair_make_one(db: Backend) -> None:
    cohort, admin = await make_cohort(db)
    mentee, mentor = await make_person(db), await make_person(db)
    results = await asyncio.gather(*(
        enrol(db, cohort, mentee, mentor, "PRIMARY", admin) for _ in range(12)
    ))
    assert Counter(r.outcome for r in results) == {"OK": 1, "EXISTS": 11}
    assert sum(r.fresh for r in results) == 1
    assert len(await mentorships(db, mentee)) == 1
    assert len(await cohorts.list_pairs(db, cohort.id)) == 1
    for who in (mentee, mentor):
        assert await memberships(db, who, cohort.programId) == ["MEMBER"]


async def test_concurrent_primary_enrolments_give_one_primary(db: Backend) -> None:
    cohort, admin = await make_cohort(db)
    mentee = await make_person(db)
    mentors = [await make_person(db) for _ in range(8)]
    results = await asyncio.gather(*(enrol(db, cohort, mentee, m, "PRIMARY", admin) for m in mentors))
    assert Counter(r.outcome for r in results) == {"OK": 1, "HAS_PRIMARY": 7}
    found = await mentorships(db, mentee)
    assert [(m["kind"], m["status"]) for m in found] == [("PRIMARY", "ACTIVE")]
    assert await memberships(db, mentee, cohort.programId) == ["MEMBER"]


async def test_concurrent_enrolments_with_one_mentor_keep_its_count_exact(db: Backend) -> None:
    cohort, admin = await make_cohort(db)
    mentor = await make_person(db, acceptingMentees=True, menteeCapacity=1)
    await mentorship(db, mentor, await make_person(db))  # one mentee already: at capacity
    mentees = [await make_person(db) for _ in range(10)]
    results = await asyncio.gather(*(enrol(db, cohort, m, mentor, "RESEARCH", admin) for m in mentees))
    assert [r.outcome for r in results] == ["OK"] * 10  # the program's assignment (see ENROL)
    active = [
        m for m in await mentorships(db, mentor) if m["status"] == "ACTIVE" and m["mentor"] == mentor.id
    ]
    assert len(active) == 11
    (stored,) = await db.read("MATCH (p:Person {id: $id}) RETURN p.activeMentees AS n", {"id": mentor.id})
    assert stored["n"] == 11  # no recount lost to a concurrent one


async def test_crossing_enrolments_do_not_deadlock(db: Backend) -> None:
    cohort, admin = await make_cohort(db)
    people = [await make_person(db) for _ in range(6)]
    # Each enrols with the next as mentor and the previous as mentee, all at once.
    calls = [
        enrol(db, cohort, people[i], people[(i + 1) % 6], "SECONDARY", admin) for i in range(6)
    ] + [enrol(db, cohort, people[(i + 1) % 6], people[i], "SECONDARY", admin) for i in range(6)]
    results = await asyncio.gather(*calls)
    assert [r.outcome for r in results] == ["OK"] * 12
    assert len(await cohorts.list_pairs(db, cohort.id)) == 12
