"""Program cohorts over real HTTP, on both engines: enrolment links or starts mentorships,
the cadence as data gives each pair DUE/OVERDUE/AT_RISK from its logged meetings, survey
completion per pair, the CSV export, reminders as notifications, permissions both ways."""

from __future__ import annotations

import csv
import io
import time
import uuid
from typing import Any

from graph_db import notifications
from graph_db.mentorship import meetings, programs
from graph_db.people_records import PersonRecord
from graph_db.programs import cohorts
from schema.base import local_id, to_global_id
from tests.api.calls import call, refused
from tests.api.conftest import Api
from tests.factories import make_person, token_for
from tests.mentoring import mentorship

DAY = 86_400_000
CREATE = """
mutation($input: CreateMentoringCohortInput!) {
  createMentoringCohort(input: $input) {
    cohort { id name lengthMonths pairCount cadence { untilMonth everyDays } }
    errors { field code message }
  }
}"""
ENROL = """
mutation($input: EnrolMentoringPairInput!) {
  enrolMentoringPair(input: $input) {
    pair { mentee { id } mentor { id } role meetingsLogged } errors { field code message }
  }
}"""
REPORT = """
query($id: ID!) {
  node(id: $id) {
    ... on MentoringCohort {
      pairCount
      report {
        pair { mentee { id } mentor { id } meetingsLogged } intervalDays status surveysDue surveysCompleted
      }
      reportCsv
    }
  }
}"""
COHORTS = "query($p: ID!) { mentoringCohorts(programId: $p) { id name } }"
REMIND = """
mutation($id: ID!) {
  sendCohortMeetingReminders(input: {cohortId: $id}) { remindedPairs errors { code } }
}"""
SURVEY = """
mutation($input: CreateSurveyInput!) { createSurvey(input: $input) { survey { id } errors { code } } }"""
SUBMIT = """
mutation($input: SubmitSurveyResponseInput!) { submitSurveyResponse(input: $input) { errors { code } } }"""


def now_ms() -> int:
    return int(time.time() * 1000)


def gid(p: PersonRecord) -> str:
    return to_global_id("Person", p.id)


async def setup(api: Api) -> tuple[str, PersonRecord, dict[str, Any]]:
    db = api.backend
    admin = await make_person(db)
    program = await programs.create_program(
        db, id=str(uuid.uuid4()), name="Medicine", description=None, viewer_id=admin.id, now=now_ms()
    )
    await programs.set_role(db, program.id, admin.id, "ADMIN", now=now_ms(), viewer_id=admin.id)
    made = await call(api, CREATE, {"input": {
        "programId": to_global_id("MentoringProgram", program.id), "name": "Fellows 2026",
        "startsAt": "2026-09-01T00:00:00.000Z", "lengthMonths": 12,
        "cadence": [{"untilMonth": 3, "everyDays": 30}, {"everyDays": 60}],
    }}, admin)
    assert made["errors"] == [], made
    return program.id, admin, made["cohort"]


async def with_meeting(api: Api, days_ago: int | None, **names: Any) -> tuple[PersonRecord, PersonRecord]:
    """A mentee and mentor with an active mentorship and (optionally) a meeting days ago."""
    db = api.backend
    mentee = await make_person(db, **names)
    mentor = await make_person(db, acceptingMentees=True, menteeCapacity=10)
    mid = await mentorship(db, mentor, mentee)
    if days_ago is not None:
        logged = await meetings.log_meeting(
            db, id=str(uuid.uuid4()), mentorship_id=mid, viewer_id=mentee.id,
            date=now_ms() - days_ago * DAY, notes=None, now=now_ms(),
        )
        assert logged is not None
    return mentee, mentor


async def test_report_statuses_surveys_csv_and_reminders(api: Api) -> None:
    program, admin, cohort = await setup(api)
    assert cohort["cadence"] == [{"untilMonth": 3, "everyDays": 30}, {"untilMonth": None, "everyDays": 60}]
    pairs = {
        "ON_TRACK": await with_meeting(api, 5, name="Zoë Ångström"),
        "DUE": await with_meeting(api, 26, name="=HYPERLINK(\"http://x\")"),
        "OVERDUE": await with_meeting(api, 40),
        "AT_RISK": await with_meeting(api, 70),
    }
    fresh_mentee, fresh_mentor = await make_person(api.backend), await make_person(api.backend)
    for mentee, mentor in [*pairs.values(), (fresh_mentee, fresh_mentor)]:
        done = await call(api, ENROL, {"input": {"cohortId": cohort["id"], "menteeId": gid(mentee),
                                                 "mentorId": gid(mentor), "role": "RESEARCH"}}, admin)
        assert done["errors"] == [] and done["pair"]["role"] == "RESEARCH", done
    assert await cohorts.open_mentorship_status(
        api.backend, mentor_id=fresh_mentor.id, mentee_id=fresh_mentee.id
    ) == "ACTIVE"  # enrolment started their mentorship
    again = await call(api, ENROL, {"input": {"cohortId": cohort["id"], "menteeId": gid(fresh_mentee),
                                              "mentorId": gid(fresh_mentor), "role": "PRIMARY"}}, admin)
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]

    survey = await call(api, SURVEY, {"input": {
        "programId": to_global_id("MentoringProgram", program), "title": "Start",
        "occasionsMonths": [0, 6], "questions": [{"id": "q", "kind": "LIKERT", "prompt": "How?"}],
    }}, admin)
    await call(api, SUBMIT, {"input": {"surveyId": survey["survey"]["id"], "occasionMonths": 0,
                                       "answers": [{"questionId": "q", "rating": 4}]}}, pairs["DUE"][0])

    node = (await api.gql(REPORT, {"id": cohort["id"]}, token=token_for(admin)))["node"]
    assert node["pairCount"] == 5
    status = {r["pair"]["mentee"]["id"]: r for r in node["report"]}
    for expected, (mentee, _) in pairs.items():
        assert status[gid(mentee)]["status"] == expected
        assert status[gid(mentee)]["intervalDays"] == 30
    assert status[gid(fresh_mentee)]["status"] == "ON_TRACK"
    assert status[gid(fresh_mentee)]["pair"]["meetingsLogged"] == 0
    answered, fresh = status[gid(pairs["DUE"][0])], status[gid(fresh_mentee)]
    assert (answered["surveysDue"], answered["surveysCompleted"]) == (1, 1)
    assert (fresh["surveysDue"], fresh["surveysCompleted"]) == (1, 0)

    rows = list(csv.reader(io.StringIO(node["reportCsv"])))
    assert rows[0][:5] == ["mentee", "mentee_email", "mentor", "mentor_email", "role"] and len(rows) == 6
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Zoë Ångström"][9] == "ON_TRACK"
    assert "'=HYPERLINK(\"http://x\")" in by_name  # a formula is exported as text
    assert node["reportCsv"].encode("utf-8").decode("utf-8") == node["reportCsv"]

    # Three pairs are behind on meetings; every mentee but one owes the 0-month survey.
    reminded = await call(api, REMIND, {"id": cohort["id"]}, admin)
    assert reminded == {"remindedPairs": 5, "errors": []}
    for key, (mentee, mentor) in [*pairs.items(), ("FRESH", (fresh_mentee, fresh_mentor))]:
        for who in (mentee, mentor):
            listed = await notifications.list_notifications(api.backend, who.id, limit=5)
            kinds = [n.kind for n in listed]
            assert ("MEETING_REMINDER" in kinds) == (key not in ("ON_TRACK", "FRESH")), (key, kinds)
            owes = who is mentee and key != "DUE"  # the DUE pair's mentee answered
            assert ("SURVEY_DUE" in kinds) == owes, (key, kinds)


async def test_pending_request_blocks_enrolment(api: Api) -> None:
    _, admin, cohort = await setup(api)
    mentee, mentor = await make_person(api.backend), await make_person(api.backend)
    await mentorship(api.backend, mentor, mentee, accept=False)  # requested, not answered
    pending = await call(api, ENROL, {"input": {"cohortId": cohort["id"], "menteeId": gid(mentee),
                                                "mentorId": gid(mentor), "role": "PRIMARY"}}, admin)
    assert [(e["field"], e["code"]) for e in pending["errors"]] == [("mentorId", "CONFLICT")]
    assert await cohorts.list_pairs(api.backend, local_id(cohort["id"], "MentoringCohort")) == []


async def test_permissions_both_ways(api: Api) -> None:
    program, admin, cohort = await setup(api)
    db = api.backend
    member = await make_person(db)
    await programs.set_role(db, program, member.id, "MEMBER", now=now_ms(), viewer_id=admin.id)
    site_admin = await make_person(db, role="ADMIN")
    mentee, mentor = await with_meeting(api, 70)
    create = {"input": {"programId": to_global_id("MentoringProgram", program), "name": "X",
                        "startsAt": "2026-09-01T00:00:00.000Z", "lengthMonths": 6}}
    enrol = {"input": {"cohortId": cohort["id"], "menteeId": gid(mentee), "mentorId": gid(mentor),
                       "role": "CLINICAL"}}
    for who, code in ((member, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        assert await refused(api, CREATE, create, who) == code
        assert await refused(api, ENROL, enrol, who) == code
        assert await refused(api, COHORTS, {"p": to_global_id("MentoringProgram", program)}, who) == code
    assert [c.name for c in await cohorts.list_cohorts(db, program)] == ["Fellows 2026"]
    assert await cohorts.list_pairs(db, local_id(cohort["id"], "MentoringCohort")) == []
    hidden = await api.gql(REPORT, {"id": cohort["id"]}, token=token_for(member))
    assert hidden["node"] is None

    assert (await call(api, ENROL, enrol, site_admin))["errors"] == []
    made = await call(api, CREATE, create, admin)
    assert made["errors"] == [] and made["cohort"]["lengthMonths"] == 6
    listed = await api.gql(COHORTS, {"p": to_global_id("MentoringProgram", program)}, token=token_for(admin))
    assert sorted(c["name"] for c in listed["mentoringCohorts"]) == ["Fellows 2026", "X"]

    assert await refused(api, REMIND, {"id": cohort["id"]}, member) == "FORBIDDEN"
    async def reminders() -> int:
        listed = await notifications.list_notifications(db, mentee.id, limit=5)
        return sum(1 for n in listed if n.kind == "MEETING_REMINDER")

    assert await reminders() == 0
    assert (await call(api, REMIND, {"id": cohort["id"]}, admin))["remindedPairs"] == 1
    assert await reminders() == 1

    bad = await call(api, CREATE, {"input": {**create["input"], "cadence": [
        {"everyDays": 30}, {"untilMonth": 3, "everyDays": 0}]}}, admin)
    assert {e["code"] for e in bad["errors"]} == {"BAD_USER_INPUT"}


async def test_survey_results_are_per_cohort_and_k_anonymous(api: Api) -> None:
    program, admin, first = await setup(api)
    second = (await call(api, CREATE, {"input": {
        "programId": to_global_id("MentoringProgram", program), "name": "Fellows 2027",
        "startsAt": "2027-09-01T00:00:00.000Z", "lengthMonths": 12,
    }}, admin))["cohort"]
    mentees: list[PersonRecord] = []
    for cohort, size in ((first, 5), (second, 2)):
        for _ in range(size):
            mentee, mentor = await make_person(api.backend), await make_person(api.backend)
            done = await call(api, ENROL, {"input": {"cohortId": cohort["id"], "menteeId": gid(mentee),
                                                     "mentorId": gid(mentor), "role": "PRIMARY"}}, admin)
            assert done["errors"] == []
            mentees.append(mentee)
    survey = await call(api, SURVEY, {"input": {
        "programId": to_global_id("MentoringProgram", program), "title": "Start",
        "occasionsMonths": [0], "questions": [{"id": "q", "kind": "LIKERT", "prompt": "How?"}],
    }}, admin)
    for n, mentee in enumerate(mentees):
        given = [{"questionId": "q", "rating": 1 + n % 5}]
        submit = {"input": {"surveyId": survey["survey"]["id"], "occasionMonths": 0, "answers": given}}
        answered = await call(api, SUBMIT, submit, mentee)
        assert answered["errors"] == []
    results = (await api.gql(
        "query($id: ID!) { surveyResults(surveyId: $id) { cohortId occasionMonths suppressed respondents "
        "questions { mean } } }", {"id": survey["survey"]["id"]}, token=token_for(admin),
    ))["surveyResults"]
    assert sorted((g["cohortId"] or "", g["suppressed"], g["respondents"]) for g in results) == sorted([
        (first["id"], False, 5), (second["id"], True, None), ("", True, None),
    ])
    shown = next(g for g in results if g["cohortId"] == first["id"])
    assert shown["questions"] == [{"mean": 3.0}]
