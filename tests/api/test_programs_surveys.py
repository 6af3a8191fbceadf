"""Program surveys over real HTTP, on both engines: templates and versions, what is due,
validation, once per person and occasion (concurrent double submits store one),
k-anonymous results without identities, and every permission both ways."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from graph_db.mentorship import programs
from graph_db.people_records import PersonRecord
from graph_db.programs import cohorts, surveys
from schema.base import local_id, to_global_id
from tests.api.calls import call, refused
from tests.api.conftest import Api
from tests.factories import make_person, token_for

DAY = 86_400_000
QUESTIONS = [
    {"id": "overall", "kind": "LIKERT", "prompt": "How useful is your mentoring?"},
    {"id": "often", "kind": "SINGLE_CHOICE", "prompt": "How often do you meet?",
     "options": ["Weekly", "Monthly", "Rarely"]},
    {"id": "topics", "kind": "MULTIPLE_CHOICE", "prompt": "What did you cover?", "required": False,
     "options": ["Grants", "Papers", "Career"]},
    {"id": "comments", "kind": "FREE_TEXT", "prompt": "Anything else?", "required": False},
]
CREATE = """
mutation($input: CreateSurveyInput!) {
  createSurvey(input: $input) {
    survey { id title version occasionsMonths questions { id kind prompt required options } }
    errors { field code message }
  }
}"""
REVISE = """
mutation($input: ReviseSurveyInput!) {
  reviseSurvey(input: $input) { survey { id version questions { id prompt } } errors { field code } }
}"""
SUBMIT = """
mutation($input: SubmitSurveyResponseInput!) {
  submitSurveyResponse(input: $input) { submittedAt errors { field code message } }
}"""
MINE = "{ mySurveys { survey { id title } occasionMonths dueAt overdue } }"
RESULTS = """
query($id: ID!) {
  surveyResults(surveyId: $id) {
    occasionMonths suppressed respondents
    questions { question { id kind } answered mean distribution { option count } texts suppressed }
  }
}"""


def now_ms() -> int:
    return int(time.time() * 1000)


async def program_with(api: Api, members: int, *, enrolled_days_ago: int = 200) -> tuple[
    str, PersonRecord, list[PersonRecord]
]:
    """A program with an admin and `members` members enrolled `enrolled_days_ago` days ago."""
    db = api.backend
    admin = await make_person(db)
    program = await programs.create_program(
        db, id=f"p{now_ms()}", name="Cardiology mentoring", description=None, viewer_id=admin.id,
        now=now_ms(),
    )
    await programs.set_role(db, program.id, admin.id, "ADMIN", now=now_ms(), viewer_id=admin.id)
    people = [await make_person(db) for _ in range(members)]
    for p in people:
        await programs.set_role(
            db, program.id, p.id, "MEMBER", now=now_ms() - enrolled_days_ago * DAY, viewer_id=admin.id
        )
    return program.id, admin, people


async def new_survey(api: Api, program_id: str, admin: PersonRecord) -> dict[str, Any]:
    made = await call(api, CREATE, {"input": {
        "programId": to_global_id("MentoringProgram", program_id), "title": "Mentee check-in",
        "questions": QUESTIONS,
    }}, admin)
    assert made["errors"] == [], made
    survey: dict[str, Any] = made["survey"]
    return survey


def answers(rating: int = 4, often: str = "Monthly", **extra: Any) -> list[dict[str, Any]]:
    given = [{"questionId": "overall", "rating": rating}, {"questionId": "often", "choice": often}]
    return given + [{"questionId": k, **v} for k, v in extra.items()]


def submission(survey: dict[str, Any], occasion: int, given: list[dict[str, Any]]) -> dict[str, Any]:
    return {"input": {"surveyId": survey["id"], "occasionMonths": occasion, "answers": given}}


async def test_due_occasions_validation_and_once_per_occasion(api: Api) -> None:
    program, admin, (member,) = await program_with(api, 1)
    survey = await new_survey(api, program, admin)
    assert survey["version"] == 1 and survey["occasionsMonths"] == [0, 6, 12]
    kinds = [q["kind"] for q in survey["questions"]]
    assert kinds == ["LIKERT", "SINGLE_CHOICE", "MULTIPLE_CHOICE", "FREE_TEXT"]

    due = (await api.gql(MINE, token=token_for(member)))["mySurveys"]
    assert [(d["occasionMonths"], d["overdue"]) for d in due] == [(0, True), (6, True)]
    assert (await api.gql(MINE, token=token_for(admin)))["mySurveys"] == []  # admins are not members

    bad = await call(api, SUBMIT, submission(survey, 0, [
        {"questionId": "overall", "rating": 7}, {"questionId": "often", "choice": "Daily"},
        {"questionId": "topics", "choices": ["Grants", "Grants"]}, {"questionId": "nope", "text": "x"},
    ]), member)
    assert bad["submittedAt"] is None
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [
        ("answers.0.rating", "BAD_USER_INPUT"), ("answers.1.choice", "BAD_USER_INPUT"),
        ("answers.2.choices", "BAD_USER_INPUT"), ("answers.3.questionId", "BAD_USER_INPUT"),
    ]
    missing = await call(api, SUBMIT, submission(survey, 0, [{"questionId": "overall", "rating": 3}]), member)
    assert [e["message"] for e in missing["errors"]] == ["question often is required"]
    not_yet = await call(api, SUBMIT, submission(survey, 12, answers()), member)
    assert [(e["field"], e["code"]) for e in not_yet["errors"]] == [("occasionMonths", "BAD_USER_INPUT")]
    assert await surveys.list_responses(api.backend, local_id(survey["id"], "Survey")) == []

    done = await call(api, SUBMIT, submission(survey, 0, answers(topics={"choices": ["Papers"]})), member)
    assert done["errors"] == [] and done["submittedAt"]
    again = await call(api, SUBMIT, submission(survey, 0, answers(rating=1)), member)
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]
    due = (await api.gql(MINE, token=token_for(member)))["mySurveys"]
    assert [d["occasionMonths"] for d in due] == [6]
    (stored,) = await surveys.list_responses(api.backend, local_id(survey["id"], "Survey"))
    assert stored.answers == {"overall": 4, "often": "Monthly", "topics": ["Papers"]}


async def test_concurrent_double_submits_store_one(api: Api) -> None:
    program, admin, (member,) = await program_with(api, 1)
    survey = await new_survey(api, program, admin)
    results = await asyncio.gather(*(
        call(api, SUBMIT, submission(survey, 6, answers(rating=1 + i % 5)), member) for i in range(12)
    ))
    assert sum(1 for r in results if r["errors"] == []) == 1
    assert sorted(e["code"] for r in results for e in r["errors"]) == ["CONFLICT"] * 11
    assert len(await surveys.list_responses(api.backend, local_id(survey["id"], "Survey"))) == 1


async def test_editing_makes_a_version_and_keeps_given_answers(api: Api) -> None:
    program, admin, (member,) = await program_with(api, 1)
    survey = await new_survey(api, program, admin)
    await call(api, SUBMIT, submission(survey, 0, answers(comments={"text": "Great"})), member)
    changed = [{**QUESTIONS[0], "prompt": "Rate your mentor"}, QUESTIONS[1],
               {"id": "next", "kind": "FREE_TEXT", "prompt": "Next steps?", "required": True}]
    revised = await call(api, REVISE, {"input": {"surveyId": survey["id"], "questions": changed}}, admin)
    assert revised["errors"] == [] and revised["survey"]["version"] == 2
    assert [q["id"] for q in revised["survey"]["questions"]] == ["overall", "often", "next"]
    local = local_id(survey["id"], "Survey")
    (kept,) = await surveys.list_responses(api.backend, local)
    assert kept.version == 1 and kept.answers["comments"] == "Great"
    first = await surveys.get_version(api.backend, local, 1)
    assert first and [q["prompt"] for q in first][0] == "How useful is your mentoring?"
    # The new version is what the next occasion is validated against.
    short = await call(api, SUBMIT, submission(survey, 6, answers()), member)
    assert [e["message"] for e in short["errors"]] == ["question next is required"]


async def test_results_are_k_anonymous_and_never_name_anyone(api: Api) -> None:
    program, admin, members = await program_with(api, 6)
    survey = await new_survey(api, program, admin)
    for n, m in enumerate(members[:4]):
        given = answers(rating=n + 1, comments={"text": f"note {n}"})
        await call(api, SUBMIT, submission(survey, 0, given), m)
    four = (await api.gql(RESULTS, {"id": survey["id"]}, token=token_for(admin)))["surveyResults"]
    assert [(g["occasionMonths"], g["suppressed"], g["respondents"], g["questions"]) for g in four] == [
        (0, True, None, []), (6, True, None, []), (12, True, None, []),
    ]
    fifth = answers(rating=5, often="Weekly", topics={"choices": ["Grants", "Career"]})
    await call(api, SUBMIT, submission(survey, 0, fifth), members[4])
    body = await api.gql(RESULTS, {"id": survey["id"]}, token=token_for(admin))
    zero = body["surveyResults"][0]
    assert (zero["suppressed"], zero["respondents"]) == (False, 5)
    overall, often, topics, comments = zero["questions"]
    assert overall["answered"] == 5 and overall["mean"] == 3.0
    assert [d["count"] for d in overall["distribution"]] == [1, 1, 1, 1, 1]
    counts = {d["option"]: d["count"] for d in often["distribution"]}
    assert counts == {"Weekly": 1, "Monthly": 4, "Rarely": 0}
    assert not overall["suppressed"] and not often["suppressed"]
    # Optional questions answered by fewer than 5 are groups of their own: counts only.
    assert (topics["answered"], topics["suppressed"], topics["distribution"]) == (1, True, [])
    assert (comments["answered"], comments["suppressed"], comments["texts"]) == (4, True, [])
    await call(api, SUBMIT, submission(survey, 0, answers(comments={"text": "a note"})), members[5])
    six = (await api.gql(RESULTS, {"id": survey["id"]}, token=token_for(admin)))["surveyResults"][0]
    comments = six["questions"][3]
    assert (six["respondents"], comments["answered"], comments["suppressed"]) == (6, 5, False)
    assert comments["texts"] == ["a note", "note 0", "note 1", "note 2", "note 3"]
    assert body["surveyResults"][1]["suppressed"]  # nobody answered the 6-month occasion
    text = json.dumps(body) + json.dumps(six)
    assert not any(p.id in text or p.name in text or p.email in text for p in members)


async def test_permissions_both_ways(api: Api) -> None:
    program, admin, (member,) = await program_with(api, 1)
    outsider = await make_person(api.backend)
    site_admin = await make_person(api.backend, role="ADMIN")
    create = {"input": {"programId": to_global_id("MentoringProgram", program), "title": "T",
                        "questions": QUESTIONS[:1]}}
    for who, code in ((member, "FORBIDDEN"), (outsider, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        assert await refused(api, CREATE, create, who) == code
    assert await surveys.list_member_surveys(api.backend, member.id) == []
    survey = await new_survey(api, program, admin)
    by_site_admin = await call(api, CREATE, create, site_admin)
    assert by_site_admin["errors"] == [] and by_site_admin["survey"]["version"] == 1
    local = local_id(survey["id"], "Survey")

    revise = {"input": {"surveyId": survey["id"], "questions": QUESTIONS[:2]}}
    assert await refused(api, REVISE, revise, member) == "FORBIDDEN"
    (unchanged,) = await surveys.get_many(api.backend, [local])
    assert unchanged and unchanged.version == 1

    assert await refused(api, SUBMIT, submission(survey, 0, answers()), outsider) == "FORBIDDEN"
    assert await surveys.list_responses(api.backend, local) == []
    assert (await call(api, SUBMIT, submission(survey, 0, answers()), member))["errors"] == []

    for who in (member, outsider):
        assert await refused(api, RESULTS, {"id": survey["id"]}, who) == "FORBIDDEN"
    for who in (admin, site_admin):
        groups = (await api.gql(RESULTS, {"id": survey["id"]}, token=token_for(who)))["surveyResults"]
        assert [g["suppressed"] for g in groups] == [True, True, True]


async def test_occasions_count_from_each_members_cohort_enrolment(api: Api) -> None:
    """Due dates come from when each member was enrolled in a cohort of the program, not
    from when they joined the program nor from when the cohort starts; a member in no
    cohort counts from joining."""
    db = api.backend
    program, admin, (veteran, direct) = await program_with(api, 2, enrolled_days_ago=400)
    cohort = await cohorts.create_cohort(
        db, id=f"c{now_ms()}", program_id=program, name="Fellows", starts_at=now_ms() + 90 * DAY,
        length_months=12, cadence=[{"untilMonth": None, "everyDays": 30}], viewer_id=admin.id,
        now=now_ms(),
    )
    assert cohort is not None
    enrolled = now_ms() - 10 * DAY
    newcomer, mentor = await make_person(db), await make_person(db)
    for mentee in (veteran, newcomer):
        done = await cohorts.enrol_pair(
            db, id=f"pair-{mentee.id}", cohort_id=cohort.id, mentee_id=mentee.id, mentor_id=mentor.id,
            role="RESEARCH", viewer_id=admin.id, now=enrolled,
        )
        assert done is not None and done.outcome == "OK"
    # A later enrolment in a second cohort does not move the schedule.
    later = await cohorts.create_cohort(
        db, id=f"c2{now_ms()}", program_id=program, name="Fellows II", starts_at=now_ms(),
        length_months=12, cadence=[{"untilMonth": None, "everyDays": 30}], viewer_id=admin.id,
        now=now_ms(),
    )
    assert later is not None
    again = await cohorts.enrol_pair(
        db, id=f"later-{veteran.id}", cohort_id=later.id, mentee_id=veteran.id,
        mentor_id=(await make_person(db)).id, role="CLINICAL", viewer_id=admin.id, now=now_ms(),
    )
    assert again is not None and again.outcome == "OK"
    survey = await new_survey(api, program, admin)

    def due_at(ms: int) -> str:
        from datetime import UTC, datetime

        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"
        )

    for who in (veteran, newcomer, mentor):  # the mentor is enrolled too
        due = (await api.gql(MINE, token=token_for(who)))["mySurveys"]
        assert [(d["occasionMonths"], d["overdue"]) for d in due] == [(0, True)], who
        assert due[0]["dueAt"][:19] == due_at(enrolled)[:19]
    direct_due = (await api.gql(MINE, token=token_for(direct)))["mySurveys"]
    assert [d["occasionMonths"] for d in direct_due] == [0, 6, 12]  # joined 400 days ago

    # Submitting follows the same dates: the veteran's 6-month occasion is not due yet.
    early = await call(api, SUBMIT, submission(survey, 6, answers()), veteran)
    assert [(e["field"], e["code"]) for e in early["errors"]] == [("occasionMonths", "BAD_USER_INPUT")]
    ok = await call(api, SUBMIT, submission(survey, 0, answers()), veteran)
    assert ok["errors"] == []
