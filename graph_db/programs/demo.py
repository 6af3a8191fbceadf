"""Demo data for programs (`make run`): a program with a cohort of pairs, a survey due for
the demo admin, an upcoming speed-mentoring event with a waitlist, an open award cycle.

Loaded once (skipped when the demo program exists), through the repositories only.
"""

from __future__ import annotations

import uuid
from typing import LiteralString

from graph_db.backend import Executor
from graph_db.mentorship import connections
from graph_db.mentorship import programs as program_repo
from graph_db.programs import awards, cohorts, speed_events, surveys

PROGRAM_ID = "demo-medicine-mentoring"
DAY_MS = 86_400_000
PEOPLE = 12

DEMO_PEOPLE: LiteralString = (
    "MATCH (p:Person) WHERE p.email <> $admin RETURN p.id AS id ORDER BY p.createdAt, p.id LIMIT $limit"
)
ADMIN: LiteralString = "MATCH (p:Person {email: $admin}) RETURN p.id AS id"

QUESTIONS = [
    {"id": "useful", "kind": "LIKERT", "prompt": "How useful is your mentoring so far?", "required": True,
     "options": []},
    {"id": "often", "kind": "SINGLE_CHOICE", "prompt": "How often do you meet?", "required": True,
     "options": ["Weekly", "Every two weeks", "Monthly", "Less often"]},
    {"id": "topics", "kind": "MULTIPLE_CHOICE", "prompt": "What have you worked on?", "required": False,
     "options": ["Grants", "Papers", "Promotion", "Clinical skills", "Work-life balance"]},
    {"id": "more", "kind": "FREE_TEXT", "prompt": "Anything the program should know?", "required": False,
     "options": []},
]


async def load_programs_demo(db: Executor, *, admin_email: str, now: int) -> bool:
    """Load the programs demo unless it is there; False when skipped (or too few people)."""
    if (await program_repo.get_programs(db, [PROGRAM_ID], viewer_id=""))[0] is not None:
        return False
    people = [r["id"] for r in await db.read(DEMO_PEOPLE, {"admin": admin_email, "limit": PEOPLE})]
    if len(people) < PEOPLE:
        return False
    found = await db.read(ADMIN, {"admin": admin_email})
    admin = found[0]["id"] if found else people[0]
    await program_repo.create_program(
        db, id=PROGRAM_ID, name="Department of Medicine Mentoring Program",
        description="Faculty mentoring for the Department of Medicine: cohorts, check-in surveys "
        "at 0, 6 and 12 months, speed mentoring and the annual mentoring award.",
        viewer_id=admin, now=now,
    )
    await program_repo.set_role(db, PROGRAM_ID, people[0], "ADMIN", now=now, viewer_id=admin)
    if found:  # the demo admin joined seven months ago: the 0- and 6-month surveys are due
        await program_repo.set_role(db, PROGRAM_ID, admin, "MEMBER", now=now - 213 * DAY_MS, viewer_id=admin)

    cohort = await cohorts.create_cohort(
        db, id=f"{PROGRAM_ID}-fellows", program_id=PROGRAM_ID, name="Junior Faculty 2026",
        starts_at=now - 60 * DAY_MS, length_months=12,
        cadence=[{"untilMonth": 3, "everyDays": 30}, {"untilMonth": None, "everyDays": 60}],
        viewer_id=admin, now=now,
    )
    assert cohort is not None
    pairs = [(people[1], people[2], "PRIMARY"), (people[3], people[4], "RESEARCH"),
             (people[5], people[6], "CLINICAL")]
    for mentor, mentee, role in pairs:
        if await cohorts.open_mentorship_status(db, mentor_id=mentor, mentee_id=mentee) is None:
            await connections.create_many(db, [{
                "id": str(uuid.uuid4()), "mentorId": mentor, "menteeId": mentee,
                "kind": "PRIMARY" if role == "PRIMARY" else "SECONDARY", "status": "ACTIVE",
                "createdAt": now - 60 * DAY_MS, "startedAt": now - 60 * DAY_MS,
            }])
        # Their mentorship is made first as an import would (the demo's people may be at
        # their declared capacity), so the enrolment links it; a pair the rules refuse (a
        # pending request in the seeded network) is left out rather than failing the demo.
        await cohorts.enrol_pair(
            db, id=str(uuid.uuid4()), cohort_id=cohort.id, mentee_id=mentee, mentor_id=mentor, role=role,
            viewer_id=admin, now=now - 45 * DAY_MS,
        )

    await surveys.create_survey(
        db, id=f"{PROGRAM_ID}-checkin", program_id=PROGRAM_ID, title="Mentee check-in",
        occasions=[0, 6, 12], questions=QUESTIONS, viewer_id=admin, now=now,
    )

    starts = now + 10 * DAY_MS
    event = await speed_events.create_event(
        db, id=f"{PROGRAM_ID}-speed", viewer_id=admin, now=now, title="Speed mentoring: grants and promotion",
        description="Ten-minute rounds with senior faculty. Bring one question.",
        starts_at=starts, ends_at=starts + 2 * 3_600_000, time_zone="America/New_York",
        location="Conference Room B", link=None, opens_at=now - DAY_MS, closes_at=starts,
        leader_capacity=2, participant_capacity=3, seats_per_table=None, program_id=PROGRAM_ID,
    )
    assert event is not None
    for n, person in enumerate(people[7:12]):
        await speed_events.register(db, event.id, person, role="PARTICIPANT", now=now + n)
    for person in people[1:4:2]:
        await speed_events.register(db, event.id, person, role="LEADER", now=now)

    award = await awards.create_award(
        db, id=f"{PROGRAM_ID}-award", name="Distinguished Mentor Award",
        description="For faculty whose mentoring changed careers.",
        eligibility=[{"rule": "RANK_IN", "ranks": ["ASSOCIATE_PROFESSOR", "PROFESSOR", "EMERITUS"]}],
        criteria=["Impact on mentees", "Breadth", "Service to the program"], notify_nominee=False,
        viewer_id=admin, now=now,
    )
    await awards.create_cycle(
        db, id=f"{award.id}-{2026}", award_id=award.id, year=2026, nomination_opens_at=now - DAY_MS,
        nomination_closes_at=now + 30 * DAY_MS, review_opens_at=now + 31 * DAY_MS,
        review_closes_at=now + 60 * DAY_MS, reviewer_ids=[admin, people[0]], now=now,
    )
    return True
