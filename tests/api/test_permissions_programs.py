"""Program permissions over HTTP (issue 12): cohorts, enrolment, surveys, speed-mentoring
events and registration, and awards; every mutation and private read by every kind of actor
(signed out, unrelated, program member, program admin and event organiser, award reviewer,
site admin, suspended), on one world per engine. Refusals answer their code and change
nothing at all; allowed runs are read back from the graph (tests/api/permissions.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from graph_db.backend import Backend
from graph_db.mentorship import programs
from schema.base import from_global_id
from tests.api import permissions as p
from tests.api.conftest import Api
from tests.api.permissions import HIDDEN, Case, Served, World, check, engine, served, table
from tests.factories import make_person, token_for
from tests.mentoring import mentorship

__all__ = ["engine", "served"]

ACTORS = ["signed_out", "stranger", "member", "program_admin", "reviewer", "admin", "suspended"]
SIGNED_IN = frozenset(a for a in ACTORS if a not in ("signed_out", "suspended"))
ADMINS = frozenset({"program_admin", "admin"})  # of the program (site admins are of every one)
DAY = 86_400_000
QUESTIONS = [{"id": "q1", "kind": "LIKERT", "prompt": "How useful?"}]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def m(name: str, input_type: str, selection: str = "__typename") -> str:
    return (f"mutation($input: {input_type}!) {{ {name}(input: $input) "
            f"{{ {selection} errors {{ field code }} }} }}")


async def build(api: Api) -> World:
    db = api.backend
    now = int(time.time() * 1000)
    w = World()
    w.people = {
        "stranger": await make_person(db),
        "member": await make_person(db),
        "program_admin": await make_person(db),
        "reviewer": await make_person(db),
        "admin": await make_person(db, role="ADMIN"),
        "suspended": await make_person(db, suspendedUntil=4_000_000_000_000),
    }
    actors = w.people
    for name in ("nominee", "nominee2", "attendee", "leader"):
        w.ids[name] = (await make_person(db)).id
    # Two pairs with active mentorships: one enrolled in the cohort, one to enrol.
    pairs = {}
    for name in ("enrolled", "unenrolled"):
        mentee = await make_person(db, rank="RESIDENT")
        mentor = await make_person(db, rank="PROFESSOR", acceptingMentees=True, menteeCapacity=5)
        await mentorship(db, mentor, mentee)
        pairs[name] = (mentee, mentor)
        w.ids[f"{name}_mentee"], w.ids[f"{name}_mentor"] = mentee.id, mentor.id
    program = await programs.create_program(db, id="program-p", name="Fellows", description=None,
                                            viewer_id=actors["admin"].id, now=now)
    w.ids["program"] = program.id
    roles = [(actors["program_admin"].id, "ADMIN"), (actors["member"].id, "MEMBER"),
             *((person.id, "MEMBER") for pair in pairs.values() for person in pair)]
    for person_id, role in roles:
        await programs.set_role(db, program.id, person_id, role, now=now,
                                viewer_id=actors["admin"].id)

    async def made(query: str, input: dict[str, Any], actor: str, path: str | None) -> str:
        data = await api.gql(query, {"input": input}, token=token_for(actors[actor]))
        (payload,) = data.values()
        assert payload["errors"] == [], payload
        return from_global_id(payload[path]["id"])[1] if path else ""

    program_id = w.gid("MentoringProgram", "program")
    w.ids["cohort"] = await made(CREATE_COHORT, {
        "programId": program_id, "name": "Fellows 2025", "startsAt": iso(now - 200 * DAY),
        "lengthMonths": 12, "cadence": [{"everyDays": 30}]}, "program_admin", "cohort")
    mentee, mentor = pairs["enrolled"]
    await made(ENROL, {"cohortId": w.gid("MentoringCohort", "cohort"), "menteeId": w.gid(
        "Person", "enrolled_mentee"), "mentorId": w.gid("Person", "enrolled_mentor"),
        "role": "PRIMARY"}, "program_admin", None)
    w.ids["survey"] = await made(CREATE_SURVEY, {
        "programId": program_id, "title": "Check-in", "questions": QUESTIONS},
        "program_admin", "survey")
    w.ids["event"] = await made(CREATE_EVENT, event_input(program_id, "Spring rounds"),
                                "program_admin", "event")
    # A participant registered, and a leader registered and checked in (rounds can be planned).
    for name, role in (("attendee", "PARTICIPANT"), ("leader", "LEADER")):
        registered = await api.gql(REGISTER, {"input": {
            "eventId": w.gid("SpeedMentoringEvent", "event"), "role": role}},
            token=await _token(db, w.ids[name]))
        assert registered["registerForSpeedMentoringEvent"]["errors"] == []
    await made(m("checkInToSpeedMentoringEvent", "CheckInToSpeedMentoringEventInput"), {
        "eventId": w.gid("SpeedMentoringEvent", "event"), "personId": w.gid("Person", "leader")},
        "program_admin", None)
    w.ids["award"] = await made(CREATE_AWARD, {"name": "Mentor of the year", "criteria": ["Impact"],
                                               "eligibility": []}, "admin", "award")
    for name, nominee in (("open_cycle", "nominee"), ("review_cycle", "nominee2")):
        w.ids[name] = await made(CREATE_CYCLE, {
            "awardId": w.gid("Award", "award"), "year": 2026 if name == "open_cycle" else 2025,
            "nominationOpensAt": iso(now - DAY), "nominationClosesAt": iso(now + 10 * DAY),
            "reviewOpensAt": iso(now + 11 * DAY), "reviewClosesAt": iso(now + 20 * DAY),
            "reviewerIds": [w.person("reviewer")]}, "admin", "cycle")
        w.ids[f"{name}_nomination"] = await made(NOMINATE, {
            "cycleId": w.gid("AwardCycle", name), "nomineeId": w.gid("Person", nominee),
            "statement": "Generous."}, "stranger", "nomination")
    # The review cycle's nominations closed yesterday and its review is open.
    await db.write(
        "MATCH (cy:AwardCycle {id: $id}) SET cy.nominationOpensAt = $a, cy.nominationClosesAt = $b, "
        "cy.reviewOpensAt = $b, cy.reviewClosesAt = $c",
        {"id": w.ids["review_cycle"], "a": now - 20 * DAY, "b": now - DAY, "c": now + 10 * DAY},
    )
    return w


async def _token(db: Backend, person_id: str) -> str:
    from graph_db import people

    found = await people.get(db, person_id)
    assert found is not None
    return token_for(found)


def event_input(program_id: str | None, title: str) -> dict[str, Any]:
    starts = int(time.time() * 1000) + 7 * DAY
    return {"title": title, "startsAt": iso(starts), "endsAt": iso(starts + DAY // 8),
            "timeZone": "America/New_York", "leaderCapacity": 3, "participantCapacity": 5,
            "location": "Atrium", **({"programId": program_id} if program_id else {})}


CREATE_COHORT = m("createMentoringCohort", "CreateMentoringCohortInput", "cohort { id }")
ENROL = m("enrolMentoringPair", "EnrolMentoringPairInput")
CREATE_SURVEY = m("createSurvey", "CreateSurveyInput", "survey { id }")
CREATE_EVENT = m("createSpeedMentoringEvent", "CreateSpeedMentoringEventInput", "event { id }")
REGISTER = m("registerForSpeedMentoringEvent", "RegisterForSpeedMentoringEventInput")
CREATE_AWARD = m("createAward", "CreateAwardInput", "award { id }")
CREATE_CYCLE = m("createAwardCycle", "CreateAwardCycleInput", "cycle { id }")
NOMINATE = m("nominateForAward", "NominateForAwardInput", "nomination { id }")


def count_is(pattern: str, n: int = 1) -> Any:
    return f"OPTIONAL MATCH {pattern} RETURN count(x) = {n} AS v"


def event(w: World, **extra: Any) -> dict[str, Any]:
    return {"input": {"eventId": w.gid("SpeedMentoringEvent", "event"), **extra}}


# Reminders (of a meeting or of a survey owed) are notifications to the mentee.
REMINDED: Any = ("OPTIONAL MATCH (x:Notification {recipientId: $enrolled_mentee}) "
                 "WHERE x.kind IN ['MEETING_REMINDER', 'SURVEY_DUE'] RETURN count(x) > 0 AS v")

CASES = [
    # -- cohorts ---------------------------------------------------------------------------------
    Case("createMentoringCohort", CREATE_COHORT,
         lambda w: {"input": {"programId": w.gid("MentoringProgram", "program"), "name": "Cohort B",
                              "startsAt": "2030-01-01T00:00:00Z", "lengthMonths": 6}},
         ADMINS, effect=count_is("(x:Cohort {name: 'Cohort B'})")),  # type: ignore[arg-type]
    Case("enrolMentoringPair", ENROL,
         lambda w: {"input": {"cohortId": w.gid("MentoringCohort", "cohort"),
                              "menteeId": w.gid("Person", "unenrolled_mentee"),
                              "mentorId": w.gid("Person", "unenrolled_mentor"), "role": "PRIMARY"}},
         ADMINS, effect=count_is(  # type: ignore[arg-type]
             "(x:CohortPair)-[:FOR]->(:Cohort {id: $cohort}) WHERE x.key ENDS WITH $unenrolled_mentee")),
    Case("sendCohortMeetingReminders",
         m("sendCohortMeetingReminders", "MentoringCohortIdInput", "remindedPairs"),
         lambda w: {"input": {"cohortId": w.gid("MentoringCohort", "cohort")}}, ADMINS,
         shown=lambda data: data["sendCohortMeetingReminders"]["remindedPairs"] == 1,
         effect=REMINDED),
    Case("mentoringCohorts", "query($p: ID!) { mentoringCohorts(programId: $p) { id } }",
         lambda w: {"p": w.gid("MentoringProgram", "program")}, ADMINS,
         shown=lambda data: len(data["mentoringCohorts"]) == 1),
    Case("cohort report", "query($id: ID!) { node(id: $id) { ... on MentoringCohort { pairCount } } }",
         lambda w: {"id": w.gid("MentoringCohort", "cohort")}, ADMINS,
         shown=lambda data: (data["node"] or {}).get("pairCount") == 1,
         codes=dict.fromkeys(SIGNED_IN - ADMINS | {"signed_out"}, HIDDEN)),
    # -- surveys ---------------------------------------------------------------------------------
    Case("createSurvey", CREATE_SURVEY,
         lambda w: {"input": {"programId": w.gid("MentoringProgram", "program"), "title": "Exit",
                              "questions": QUESTIONS}},
         ADMINS, effect=count_is("(x:Survey {title: 'Exit'})")),  # type: ignore[arg-type]
    Case("reviseSurvey", m("reviseSurvey", "ReviseSurveyInput"),
         lambda w: {"input": {"surveyId": w.gid("Survey", "survey"), "questions": [
             *QUESTIONS, {"id": "q2", "kind": "FREE_TEXT", "prompt": "Anything else?", "required": False}]}},
         ADMINS, effect="MATCH (x:Survey {id: $survey}) RETURN x.version = 2 AS v"),
    Case("submitSurveyResponse", m("submitSurveyResponse", "SubmitSurveyResponseInput"),
         lambda w: {"input": {"surveyId": w.gid("Survey", "survey"), "occasionMonths": 0,
                              "answers": [{"questionId": "q1", "rating": 4}]}},
         frozenset({"member"}), codes={"program_admin": "FORBIDDEN"},
         effect=count_is("(x:SurveyResponse {surveyId: $survey})")),  # type: ignore[arg-type]
    Case("surveyResults",
         "query($id: ID!) { surveyResults(surveyId: $id) { respondents } }",
         lambda w: {"id": w.gid("Survey", "survey")}, ADMINS,
         shown=lambda data: data["surveyResults"] is not None),
    # -- speed-mentoring events -------------------------------------------------------------------
    Case("createSpeedMentoringEvent in the program", CREATE_EVENT,
         lambda w: {"input": event_input(w.gid("MentoringProgram", "program"), "Autumn rounds")},
         ADMINS, effect=count_is("(x:Event {title: 'Autumn rounds'})")),  # type: ignore[arg-type]
    Case("createSpeedMentoringEvent site-wide", CREATE_EVENT,
         lambda w: {"input": event_input(None, "Site rounds")},
         frozenset({"admin"}), effect=count_is("(x:Event {title: 'Site rounds'})")),  # type: ignore[arg-type]
    Case("registerForSpeedMentoringEvent", REGISTER,
         lambda w: event(w, role="LEADER"), SIGNED_IN,
         effect=count_is("(:Person {id: $viewer_id})-[x:REGISTERED_FOR]->(:Event {id: $event})")),  # type: ignore[arg-type]
    Case("cancelSpeedMentoringRegistration of another",
         m("cancelSpeedMentoringRegistration", "CancelSpeedMentoringRegistrationInput"),
         lambda w: event(w, personId=w.gid("Person", "attendee")), ADMINS,
         codes=dict.fromkeys(SIGNED_IN - ADMINS, "FORBIDDEN"),
         effect=count_is("(:Person {id: $attendee})-[x:REGISTERED_FOR]->(:Event {id: $event}) "  # type: ignore[arg-type]
                         "WHERE x.status <> 'CANCELLED'", 0)),
    Case("checkInToSpeedMentoringEvent",
         m("checkInToSpeedMentoringEvent", "CheckInToSpeedMentoringEventInput"),
         lambda w: event(w, personId=w.gid("Person", "attendee")), ADMINS,
         effect="MATCH (:Person {id: $attendee})-[r:REGISTERED_FOR]->(:Event {id: $event}) "
                "RETURN r.checkedInAt IS NOT NULL AS v"),
    Case("cancelSpeedMentoringEvent", m("cancelSpeedMentoringEvent", "SpeedMentoringEventIdInput"),
         lambda w: event(w), ADMINS,
         effect="MATCH (x:Event {id: $event}) RETURN x.status = 'CANCELLED' AS v"),
    Case("publishSpeedMentoringRotation",
         m("publishSpeedMentoringRotation", "PublishSpeedMentoringRotationInput"),
         lambda w: event(w, rounds=1), ADMINS,
         effect="MATCH (x:Event {id: $event}) RETURN x.publishedAt IS NOT NULL AS v"),
    Case("event registrations",
         "query($id: ID!) { node(id: $id) { ... on SpeedMentoringEvent { registrations { role } } } }",
         lambda w: {"id": w.gid("SpeedMentoringEvent", "event")}, ADMINS,
         shown=lambda data: len((data["node"] or {}).get("registrations") or []) == 2,
         codes={"signed_out": HIDDEN}),
    # -- awards ----------------------------------------------------------------------------------
    Case("createAward", CREATE_AWARD,
         lambda w: {"input": {"name": "Rising mentor", "criteria": ["Impact"], "eligibility": []}},
         frozenset({"admin"}), effect=count_is("(x:Award {name: 'Rising mentor'})")),  # type: ignore[arg-type]
    Case("createAwardCycle", CREATE_CYCLE,
         lambda w: {"input": {"awardId": w.gid("Award", "award"), "year": 2030,
                              "nominationOpensAt": "2030-01-01T00:00:00Z",
                              "nominationClosesAt": "2030-02-01T00:00:00Z",
                              "reviewOpensAt": "2030-02-02T00:00:00Z",
                              "reviewClosesAt": "2030-03-01T00:00:00Z",
                              "reviewerIds": [w.person("reviewer")]}},
         frozenset({"admin"}), effect=count_is("(x:AwardCycle {year: 2030})")),  # type: ignore[arg-type]
    Case("nominateForAward", NOMINATE,
         lambda w: {"input": {"cycleId": w.gid("AwardCycle", "open_cycle"),
                              "nomineeId": w.gid("Person", "nominee2"), "statement": "Kind."}},
         SIGNED_IN, effect=count_is(  # type: ignore[arg-type]
             "(x:Nomination)-[:CONCERNS]->(:Person {id: $nominee2}) WHERE x.key STARTS WITH $open_cycle")),
    Case("supportAwardNomination", m("supportAwardNomination", "SupportAwardNominationInput"),
         lambda w: {"input": {"nominationId": w.gid("AwardNomination", "open_cycle_nomination"),
                              "letter": "Seconded."}},
         SIGNED_IN, effect=count_is(  # type: ignore[arg-type]
             "(:Person {id: $viewer_id})-[x:SUPPORTS]->(:Nomination {id: $open_cycle_nomination})")),
    Case("scoreAwardNomination", m("scoreAwardNomination", "ScoreAwardNominationInput"),
         lambda w: {"input": {"nominationId": w.gid("AwardNomination", "review_cycle_nomination"),
                              "scores": [5]}},
         frozenset({"reviewer"}), effect=count_is(  # type: ignore[arg-type]
             "(:Person {id: $viewer_id})-[x:SCORED]->(:Nomination {id: $review_cycle_nomination})")),
    Case("publishAwardWinners", m("publishAwardWinners", "PublishAwardWinnersInput"),
         lambda w: {"input": {"cycleId": w.gid("AwardCycle", "review_cycle"), "winnerNominationIds": [
             w.gid("AwardNomination", "review_cycle_nomination")]}},
         frozenset({"admin"}),
         effect="MATCH (x:AwardCycle {id: $review_cycle}) RETURN x.publishedAt IS NOT NULL AS v"),
    Case("awardNominationsToReview",
         "query($id: ID!) { awardNominationsToReview(cycleId: $id) { conflictOfInterest } }",
         lambda w: {"id": w.gid("AwardCycle", "review_cycle")}, frozenset({"reviewer", "admin"}),
         shown=lambda data: len(data["awardNominationsToReview"]) == 1),
    Case("awardResults", "query($id: ID!) { awardResults(cycleId: $id) { rank } }",
         lambda w: {"id": w.gid("AwardCycle", "review_cycle")}, frozenset({"reviewer", "admin"}),
         shown=lambda data: len(data["awardResults"]) == 1),
]


@pytest.mark.parametrize(("case", "actor"), table(CASES, ACTORS))
async def test_program_permissions(served: Served, case: Case, actor: str) -> None:
    await check(served, case, actor)


def test_every_program_mutation_is_in_the_table() -> None:
    from schema.programs import ProgramsMutation

    assert p.untested_mutations(ProgramsMutation, CASES) == set()
