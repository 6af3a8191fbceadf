"""Program surveys: versioned templates, responses once per person and occasion.

- (s:Survey {id, programId, title, occasions: [months after enrolment], version, createdAt,
  updatedAt})-[:FOR]->(g:Program); each edit adds (s)-[:HAS_VERSION]->(v:SurveyVersion {id,
  surveyId, version, questions (JSON text), createdAt}) and moves `s.version`; versions are
  never changed, so answers keep the questions they were given under.
- (r:SurveyResponse {id, key, surveyId, programId, cohortId, occasion, version, answers (JSON
  text), submittedAt})-[:ANSWERS]->(v); `cohortId` is the respondent's cohort when they
  answered (results group by it). No edge leads from a response to its respondent: `key` is
  a one-way digest of (survey, occasion, person), unique, which is what makes a second
  submission (or a concurrent double submit) find the first and store nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor, first_record
from graph_db.batch import aligned_reader, by_ids
from graph_db.locks import lock
from graph_db.policy import PROGRAM_MEMBER, text
from graph_db.programs.records import SurveyRecord, SurveyResponseRecord

SURVEY_MAP: LiteralString = (
    "s {.id, .programId, .title, .occasions, .version, .createdAt, .updatedAt, "
    "questions: head([(s)-[:HAS_VERSION]->(cv:SurveyVersion) WHERE cv.version = s.version "
    "  | cv.questions])}"
)


def response_key(survey_id: str, occasion: int, person_id: str) -> str:
    """The digest that stands for one person's answer to one occasion of a survey."""
    return hashlib.sha256(f"{survey_id}\x1f{occasion}\x1f{person_id}".encode()).hexdigest()


def _survey(row: dict[str, Any]) -> SurveyRecord:
    return SurveyRecord.from_row({
        **row, "occasions": tuple(row.get("occasions") or ()),
        "questions": tuple(json.loads(row["questions"] or "[]")),
    })


CREATE_SURVEY: LiteralString = (
    "MATCH (g:Program {id: $program}) "
    "MERGE (s:Survey {id: $id}) ON CREATE SET s.programId = g.id, s.title = $title, "
    "  s.occasions = $occasions, s.version = 1, s.createdAt = $now, s.updatedAt = $now, "
    "  s.createdBy = $viewer "
    "MERGE (s)-[:FOR]->(g) "
    "MERGE (v:SurveyVersion {id: $id + ':1'}) ON CREATE SET v.surveyId = $id, v.version = 1, "
    "  v.questions = $questions, v.createdAt = $now "
    "MERGE (s)-[:HAS_VERSION]->(v) "
    "RETURN " + SURVEY_MAP + " AS survey"
)


async def create_survey(
    db: Executor, *, id: str, program_id: str, title: str, occasions: Sequence[int],
    questions: Sequence[dict[str, Any]], viewer_id: str, now: int,
) -> SurveyRecord | None:
    """A survey template (version 1) of a program; None when the program does not exist."""
    return await first_record(db.write, CREATE_SURVEY, "survey", _survey, {
        "id": id, "program": program_id, "title": title, "occasions": list(occasions),
        "questions": json.dumps(list(questions)), "viewer": viewer_id, "now": now,
    })


# The survey is written first (its lock), so two edits make versions n+1 and n+2.
REVISE_SURVEY: LiteralString = (
    "MATCH (s:Survey {id: $id}) " + lock("s") +
    "WITH s, s.version + 1 AS next "
    "SET s.version = next, s.updatedAt = $now "
    "CREATE (s)-[:HAS_VERSION]->(:SurveyVersion {id: s.id + ':' + toString(next), surveyId: s.id, "
    "  version: next, questions: $questions, createdAt: $now}) "
    "WITH s RETURN " + SURVEY_MAP + " AS survey"
)


async def revise_survey(
    db: Executor, survey_id: str, questions: Sequence[dict[str, Any]], *, now: int
) -> SurveyRecord | None:
    """A new version of the questions; earlier versions (and answers) stay as they were."""
    return await first_record(
        db.write, REVISE_SURVEY, "survey", _survey,
        {"id": survey_id, "questions": json.dumps(list(questions)), "now": now},
    )


GET_SURVEYS: LiteralString = by_ids("s", "Survey", SURVEY_MAP, "survey")
get_many = aligned_reader(GET_SURVEYS, "survey", _survey)


GET_VERSION: LiteralString = (
    "MATCH (:Survey {id: $id})-[:HAS_VERSION]->(v:SurveyVersion) WHERE v.version = $version "
    "RETURN v.questions AS questions"
)


async def get_version(db: Executor, survey_id: str, version: int) -> list[dict[str, Any]] | None:
    """The questions of one version of a survey."""
    rows = await db.read(GET_VERSION, {"id": survey_id, "version": version})
    return list(json.loads(rows[0]["questions"])) if rows else None


# A member's enrolment in a program is when they were first enrolled in one of its cohorts
# (as mentee or mentor: CohortPair.enrolledAt), not when they joined the program (they may
# have been a member long before) nor when the cohort starts; a member in no cohort was
# enrolled when they joined. Survey occasions count from it.
ENROLMENT: LiteralString = (
    "[(p)-[:PAIRED_IN]->(cp:CohortPair)-[:FOR]->(:Cohort)-[:FOR]->(g) | cp.enrolledAt] AS pairedAt, "
    "m.createdAt AS joinedAt"
)


def _enrolled_at(row: dict[str, Any]) -> int:
    paired = [int(at) for at in row["pairedAt"] if at is not None]
    return min(paired) if paired else int(row["joinedAt"])


MEMBER_SURVEYS: LiteralString = (
    "MATCH (p:Person {id: $person})-[m:IN_PROGRAM]->(g:Program)<-[:FOR]-(s:Survey) "
    "WITH p, m, g, s, " + ENROLMENT + " "
    "WHERE m.role = " + text(PROGRAM_MEMBER) + " OR size(pairedAt) > 0 "
    "RETURN " + SURVEY_MAP + " AS survey, pairedAt, joinedAt ORDER BY s.createdAt, s.id"
)


async def list_member_surveys(db: Executor, person_id: str) -> list[tuple[SurveyRecord, int]]:
    """The surveys of every program a person is enrolled in (a MEMBER, or paired in one of
    its cohorts), each with the person's enrolment date there (see ENROLMENT)."""
    rows = await db.read(MEMBER_SURVEYS, {"person": person_id})
    return [(_survey(r["survey"]), _enrolled_at(r)) for r in rows]


ENROLLED_AT: LiteralString = (
    "MATCH (p:Person {id: $person})-[m:IN_PROGRAM]->(g:Program {id: $program}) "
    "WITH p, m, g, " + ENROLMENT + " "
    "WHERE m.role = " + text(PROGRAM_MEMBER) + " OR size(pairedAt) > 0 RETURN pairedAt, joinedAt"
)


async def enrolled_at(db: Executor, program_id: str, person_id: str) -> int | None:
    """When a person was enrolled in a program (see ENROLMENT); None if they are not."""
    rows = await db.read(ENROLLED_AT, {"person": person_id, "program": program_id})
    return _enrolled_at(rows[0]) if rows else None


ANSWERED: LiteralString = (
    "UNWIND $keys AS k MATCH (r:SurveyResponse {key: k}) RETURN r.key AS key"
)


async def answered(db: Executor, keys: Sequence[str]) -> set[str]:
    """Which of these response keys have been submitted."""
    if not keys:
        return set()
    rows = await db.read(ANSWERED, {"keys": list(dict.fromkeys(keys))})
    return {r["key"] for r in rows}


# The key is unique: a second submit (concurrent or not) matches the first and changes nothing.
SUBMIT: LiteralString = (
    "MATCH (s:Survey {id: $survey})-[:HAS_VERSION]->(v:SurveyVersion) WHERE v.version = $version "
    "MERGE (r:SurveyResponse {key: $key}) "
    "ON CREATE SET r.id = $id, r.surveyId = s.id, r.programId = s.programId, "
    "  r.occasion = $occasion, r.version = $version, r.answers = $answers, r.submittedAt = $now, "
    "  r.cohortId = $cohort "
    "WITH v, r, r.id = $id AS fresh "
    "FOREACH (_ IN CASE WHEN fresh THEN [1] ELSE [] END | CREATE (r)-[:ANSWERS]->(v)) "
    "RETURN fresh, r.submittedAt AS submittedAt"
)


async def submit(
    db: Executor, *, id: str, survey_id: str, version: int, occasion: int, person_id: str,
    answers: dict[str, Any], now: int, cohort_id: str | None = None,
) -> tuple[bool, int] | None:
    """Store one response: (whether this call stored it, when it was submitted); None when
    the survey or version is gone."""
    rows = await db.write(SUBMIT, {
        "id": id, "survey": survey_id, "version": version, "occasion": occasion,
        "key": response_key(survey_id, occasion, person_id), "answers": json.dumps(answers),
        "now": now, "cohort": cohort_id,
    })
    return (bool(rows[0]["fresh"]), int(rows[0]["submittedAt"])) if rows else None


RESPONSES: LiteralString = (
    "MATCH (:Survey {id: $survey})-[:HAS_VERSION]->(:SurveyVersion)<-[:ANSWERS]-(r:SurveyResponse) "
    "RETURN r.occasion AS occasion, r.version AS version, r.answers AS answers, r.cohortId AS cohortId"
)


async def list_responses(db: Executor, survey_id: str) -> list[SurveyResponseRecord]:
    """Every response to a survey, without anything that names its respondent."""
    rows = await db.read(RESPONSES, {"survey": survey_id})
    return [
        SurveyResponseRecord(int(r["occasion"]), int(r["version"]), json.loads(r["answers"]), r["cohortId"])
        for r in rows
    ]


MEMBER_COHORT: LiteralString = (
    "MATCH (:Person {id: $person})-[:PAIRED_IN {as: 'MENTEE'}]->(cp:CohortPair)-[:FOR]->(c:Cohort) "
    "WHERE c.programId = $program RETURN c.id AS cohortId ORDER BY cp.enrolledAt DESC, c.id LIMIT 1"
)


async def member_cohort(db: Executor, program_id: str, person_id: str) -> str | None:
    """The cohort of the program a person was last enrolled in as a mentee (None: none)."""
    return await first_record(
        db.read, MEMBER_COHORT, "cohortId", str,
        {"program": program_id, "person": person_id},
    )
