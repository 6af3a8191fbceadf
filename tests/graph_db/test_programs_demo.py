"""The programs demo (`make run`): a program with a cohort, a survey due for the demo admin,
an upcoming speed-mentoring event with a waitlist, and an open award cycle; loaded once."""

from __future__ import annotations

import time

from graph_db.backend import Backend
from graph_db.programs import awards, cohorts, speed_events, surveys
from graph_db.programs.demo import PROGRAM_ID, load_programs_demo
from resolvers.programs.surveys import add_months
from tests.factories import make_person

ADMIN_EMAIL = "demo@example.org"


async def test_demo_has_something_of_each(db: Backend) -> None:
    now = int(time.time() * 1000)
    assert not await load_programs_demo(db, admin_email=ADMIN_EMAIL, now=now)  # nobody to use yet
    people = [await make_person(db, rank="PROFESSOR") for _ in range(12)]
    admin = await make_person(db, email=ADMIN_EMAIL, role="ADMIN")
    assert await load_programs_demo(db, admin_email=ADMIN_EMAIL, now=now)
    assert not await load_programs_demo(db, admin_email=ADMIN_EMAIL, now=now + 1)  # once

    (cohort,) = await cohorts.list_cohorts(db, PROGRAM_ID)
    assert cohort.pairs == 3 and len(await cohorts.list_pairs(db, cohort.id)) == 3
    ((survey, enrolled),) = await surveys.list_member_surveys(db, admin.id)
    assert [m for m in survey.occasions if add_months(enrolled, m) <= now] == [0, 6]  # due
    (event,) = await speed_events.list_events(db, ending_after=now, after=None, limit=5)
    assert event.startsAt > now and event.organiserIds == (admin.id,)
    assert (event.participantsConfirmed, event.participantsWaitlisted, event.leadersConfirmed) == (3, 2, 2)
    (cycle,) = await awards.list_open_cycles(db, now=now, limit=5)
    assert cycle.reviewerIds == tuple(sorted([admin.id, people[0].id]))
