"""Program cohorts and the mentoring pairs enrolled in them.

- (c:Cohort {id, programId, name, startsAt, lengthMonths, cadence (JSON: a list of
  {"untilMonth": n | null, "everyDays": d}), createdAt})-[:FOR]->(g:Program)
- (pair:CohortPair {id, key: cohort:mentor:mentee (unique), cohortId, menteeId, mentorId,
  role: PRIMARY|SECONDARY|CLINICAL|RESEARCH, enrolledAt, mentorshipId})-[:FOR]->(c), with
  (mentee)-[:PAIRED_IN {as: 'MENTEE'}]->(pair) and (mentor)-[:PAIRED_IN {as: 'MENTOR'}]->(pair)
  and (pair)-[:ABOUT]->(m:Mentorship), the one-to-one mentorship its meetings are logged on.
  Enrolling makes both people MEMBERs of the program (unless they already hold a role), and
  starts their mentorship when they have none: all in one statement (ENROL).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor, all_records, first_record
from graph_db.batch import aligned_reader, by_ids
from graph_db.locks import lock_pair
from graph_db.mentorship import ONE_TO_ONE_LIST, OPEN_LIST, open_key
from graph_db.notifications import notified, notify
from graph_db.policy import PROGRAM_MEMBER, blocks_between, text
from graph_db.programs.records import CohortPairRecord, CohortRecord, EnrolmentRecord

COHORT_MAP: LiteralString = (
    "c {.id, .programId, .name, .startsAt, .lengthMonths, .cadence, .createdAt, "
    "pairs: size([(c)<-[:FOR]-(cp:CohortPair) | cp])}"
)
PAIR_MAP: LiteralString = (
    "pair {.id, .cohortId, .menteeId, .mentorId, .role, .enrolledAt, .mentorshipId, "
    "meetings: [(pair)-[:ABOUT]->(:Mentorship)-[:HAS_MEETING]->(mt:Meeting) | mt.date]}"
)


def _cohort(row: dict[str, Any]) -> CohortRecord:
    return CohortRecord.from_row({**row, "cadence": tuple(json.loads(row["cadence"]))})


def _pair(row: dict[str, Any]) -> CohortPairRecord:
    dates = sorted(row.pop("meetings", None) or ())
    return CohortPairRecord.from_row({
        **row, "meetingsLogged": len(dates), "lastMeetingAt": dates[-1] if dates else None,
    })


CREATE_COHORT: LiteralString = (
    "MATCH (g:Program {id: $program}) "
    "MERGE (c:Cohort {id: $id}) ON CREATE SET c.programId = g.id, c.name = $name, "
    "  c.startsAt = $startsAt, c.lengthMonths = $lengthMonths, c.cadence = $cadence, "
    "  c.createdAt = $now, c.createdBy = $viewer "
    "MERGE (c)-[:FOR]->(g) RETURN " + COHORT_MAP + " AS cohort"
)


async def create_cohort(
    db: Executor, *, id: str, program_id: str, name: str, starts_at: int, length_months: int,
    cadence: Sequence[dict[str, Any]], viewer_id: str, now: int,
) -> CohortRecord | None:
    """A cohort of a program (None when the program does not exist)."""
    return await first_record(db.write, CREATE_COHORT, "cohort", _cohort, {
        "id": id, "program": program_id, "name": name, "startsAt": starts_at,
        "lengthMonths": length_months, "cadence": json.dumps(list(cadence)), "viewer": viewer_id,
        "now": now,
    })


GET_COHORTS: LiteralString = by_ids("c", "Cohort", COHORT_MAP, "cohort")
get_many = aligned_reader(GET_COHORTS, "cohort", _cohort)


LIST_COHORTS: LiteralString = (
    "MATCH (:Program {id: $program})<-[:FOR]-(c:Cohort) RETURN " + COHORT_MAP + " AS cohort "
    "ORDER BY c.startsAt DESC, c.id"
)


async def list_cohorts(db: Executor, program_id: str) -> list[CohortRecord]:
    return await all_records(db.read, LIST_COHORTS, "cohort", _cohort, {"program": program_id})


# One statement: the rules, the mentorship (linked, or started ACTIVE) and the pair, so a
# retry or a concurrent duplicate changes nothing twice. The mentee and mentor are locked
# first (graph_db.locks.lock_pair: in id order, so enrolments from either side queue
# instead of deadlocking); acceptances of requests lock the same two people, so every
# count below is the latest committed one on Neo4j (read-committed) as on FalkorDB.
# Outcomes: OK (made now, or by an earlier try of this same `$id`), EXISTS (the pair is in
# the cohort already), BLOCKED, PENDING (a request between them awaits an answer),
# HAS_PRIMARY (the mentee has a PRIMARY pair in this cohort, or would get a second ACTIVE
# PRIMARY mentorship). A mentor's menteeCapacity and acceptingMentees govern requests and
# matching (members asking); an enrolment is the program's assignment, agreed outside the
# graph, so it does not consult them (every new member has capacity 0 and is not
# accepting until they say otherwise), but it recounts `activeMentees` like any change.
ENROL: LiteralString = (
    "MATCH (c:Cohort {id: $cohort})-[:FOR]->(g:Program), (me:Person {id: $mentee}), "
    "(mr:Person {id: $mentor}) WHERE me <> mr"
    + lock_pair("me", "mr") +
    "WITH c, g, me, mr, "
    "head([(mr)-[:MENTOR_IN]->(om:Mentorship)<-[:MENTEE_IN]-(me) WHERE om.status IN " + OPEN_LIST
    + " AND om.kind IN " + ONE_TO_ONE_LIST + " | om]) AS open, "
    "head([(me)-[:PAIRED_IN]->(ep:CohortPair)-[:FOR]->(c) WHERE ep.menteeId = me.id "
    "  AND ep.mentorId = mr.id | ep]) AS existing, "
    "size([(me)-[:PAIRED_IN]->(pp:CohortPair)-[:FOR]->(c) WHERE pp.menteeId = me.id "
    "  AND pp.role = 'PRIMARY' | pp]) AS cohortPrimaries, "
    "size([(me)-[:MENTEE_IN]->(px:Mentorship) WHERE px.status = 'ACTIVE' AND px.kind = 'PRIMARY' "
    "  | px]) AS primaries, "
    + blocks_between("me", "mr") + " AS blocked "
    "WITH c, g, me, mr, open, CASE "
    "  WHEN existing IS NOT NULL AND existing.id = $id THEN 'OK' "
    "  WHEN existing IS NOT NULL THEN 'EXISTS' "
    "  WHEN blocked THEN 'BLOCKED' "
    "  WHEN open IS NOT NULL AND open.status = 'REQUESTED' THEN 'PENDING' "
    "  WHEN $role = 'PRIMARY' AND cohortPrimaries > 0 THEN 'HAS_PRIMARY' "
    "  WHEN open IS NULL AND $kind = 'PRIMARY' AND primaries > 0 THEN 'HAS_PRIMARY' "
    "  ELSE 'OK' END AS outcome "
    "FOREACH (_ IN CASE WHEN outcome = 'OK' AND open IS NULL THEN [1] ELSE [] END | "
    "  MERGE (m:Mentorship {openKey: $openKey}) "
    "  ON CREATE SET m.id = $mentorshipId, m.kind = $kind, m.status = 'ACTIVE', "
    "    m.requestedBy = $viewer, m.programId = g.id, m.createdAt = $now, m.updatedAt = $now, "
    "    m.respondedAt = $now, m.startedAt = $now "
    "  MERGE (mr)-[a:MENTOR_IN]->(m) ON CREATE SET a.createdAt = $now "
    "  MERGE (me)-[b:MENTEE_IN]->(m) ON CREATE SET b.createdAt = $now) "
    "WITH c, g, me, mr, outcome, "
    "head([(mr)-[:MENTOR_IN]->(lm:Mentorship)<-[:MENTEE_IN]-(me) WHERE lm.status = 'ACTIVE' "
    "  AND lm.openKey = $openKey | lm]) AS m "
    "CALL { WITH c, g, me, mr, outcome, m "
    "  WITH c, g, me, mr, m WHERE outcome = 'OK' AND m IS NOT NULL "
    "  MERGE (pair:CohortPair {key: c.id + ':' + mr.id + ':' + me.id}) "
    "  ON CREATE SET pair.id = $id, pair.cohortId = c.id, pair.menteeId = me.id, "
    "    pair.mentorId = mr.id, pair.role = $role, pair.enrolledAt = $now, pair.mentorshipId = m.id "
    "  MERGE (pair)-[:FOR]->(c) "
    "  MERGE (me)-[:PAIRED_IN {as: 'MENTEE'}]->(pair) "
    "  MERGE (mr)-[:PAIRED_IN {as: 'MENTOR'}]->(pair) "
    "  MERGE (pair)-[:ABOUT]->(m) "
    "  MERGE (me)-[hm:IN_PROGRAM]->(g) "
    "    ON CREATE SET hm.role = " + text(PROGRAM_MEMBER) + ", hm.createdAt = $now "
    "  MERGE (mr)-[hr:IN_PROGRAM]->(g) "
    "    ON CREATE SET hr.role = " + text(PROGRAM_MEMBER) + ", hr.createdAt = $now "
    "  RETURN count(pair) AS made } "
    # FalkorDB cannot SET from a pattern comprehension directly: counted in a WITH first.
    "WITH c, me, mr, outcome, size([(mr)-[:MENTOR_IN]->(ay:Mentorship) WHERE ay.status = 'ACTIVE' "
    "  AND ay.kind IN " + ONE_TO_ONE_LIST + " | ay]) AS mentoring "
    "SET mr.activeMentees = mentoring "
    "WITH c, me, mr, outcome "
    "OPTIONAL MATCH (pair:CohortPair {key: c.id + ':' + mr.id + ':' + me.id}) "
    "RETURN outcome, CASE WHEN pair IS NULL THEN null ELSE " + PAIR_MAP + " END AS pair, "
    "coalesce(pair.id = $id, false) AS fresh"
)


async def enrol_pair(
    db: Executor, *, id: str, cohort_id: str, mentee_id: str, mentor_id: str, role: str,
    viewer_id: str, now: int, mentorship_id: str | None = None,
) -> EnrolmentRecord | None:
    """Enrol a mentee and mentor as a pair of the cohort, linking their ACTIVE one-to-one
    mentorship or starting one (PRIMARY for a PRIMARY pair, else SECONDARY), and making both
    MEMBERs of the program (unless they hold a role there); see ENROL for the outcomes. None
    when the cohort or either person is missing (or they are the same person)."""
    kind = "PRIMARY" if role == "PRIMARY" else "SECONDARY"
    rows = await db.write(ENROL, {
        "id": id, "cohort": cohort_id, "mentee": mentee_id, "mentor": mentor_id, "role": role,
        "kind": kind, "openKey": open_key(kind, mentor_id=mentor_id, mentee_id=mentee_id),
        "mentorshipId": mentorship_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"enrolment:{id}")),
        "viewer": viewer_id, "now": now,
    })
    if not rows:
        return None
    found = rows[0]["pair"]
    return EnrolmentRecord(
        str(rows[0]["outcome"]), _pair(found) if found else None, bool(rows[0]["fresh"])
    )


LIST_PAIRS: LiteralString = (
    "MATCH (:Cohort {id: $cohort})<-[:FOR]-(pair:CohortPair) "
    "RETURN " + PAIR_MAP + " AS pair ORDER BY pair.enrolledAt, pair.id"
)


async def list_pairs(db: Executor, cohort_id: str) -> list[CohortPairRecord]:
    """A cohort's pairs with their logged meetings, in enrolment order."""
    return await all_records(db.read, LIST_PAIRS, "pair", _pair, {"cohort": cohort_id})


# A reminder is a notification to both members of the pair, about the pair; repeats group
# into the open one (graph_db.notifications). One pair per statement: FalkorDB (4.x) ran the
# notify subquery for the first input row only when several pairs came in one statement.
REMIND: LiteralString = (
    "MATCH (c:Cohort {id: $cohort})<-[:FOR]-(pair:CohortPair {id: $pair}) "
    "MATCH (me:Person {id: pair.menteeId}), (mr:Person {id: pair.mentorId}), (v:Person {id: $viewer}) "
    "WITH v, pair, [me, mr] AS both"
    + notify("MEETING_REMINDER", imports="v, pair, both", recipients="both", actor="v", target="pair")
    + " RETURN pair.id AS pair, notified"
)


async def remind(
    db: Executor, cohort_id: str, pair_ids: Sequence[str], *, viewer_id: str, now: int
) -> list[Any]:
    """Notify both members of each pair that a meeting is due; the notifications made."""
    made: list[Any] = []
    for pair_id in dict.fromkeys(pair_ids):
        rows = await db.write(REMIND, {
            "cohort": cohort_id, "pair": pair_id, "viewer": viewer_id, "now": now,
        })
        made += notified(rows)
    return made


REMIND_SURVEY: LiteralString = (
    "MATCH (s:Survey {id: $survey}), (me:Person {id: $mentee}), (v:Person {id: $viewer}) "
    "WITH v, s, me"
    + notify("SURVEY_DUE", imports="v, s, me", recipients="[me]", actor="v", target="s")
    + " RETURN s.id AS survey, notified"
)


async def remind_survey(
    db: Executor, survey_id: str, mentee_id: str, *, viewer_id: str, now: int
) -> list[Any]:
    """Notify a mentee that a survey of their program awaits their answer."""
    rows = await db.write(REMIND_SURVEY, {
        "survey": survey_id, "mentee": mentee_id, "viewer": viewer_id, "now": now,
    })
    return notified(rows)


OPEN_BETWEEN: LiteralString = (
    "MATCH (:Person {id: $mentor})-[:MENTOR_IN]->(m:Mentorship)<-[:MENTEE_IN]-(:Person {id: $mentee}) "
    "WHERE m.status IN ['REQUESTED', 'ACTIVE'] AND m.kind IN ['PRIMARY', 'SECONDARY', 'PEER'] "
    "RETURN m.status AS status ORDER BY m.status"
)


async def open_mentorship_status(db: Executor, *, mentor_id: str, mentee_id: str) -> str | None:
    """ACTIVE or REQUESTED when a one-to-one mentorship between the two is open, else None."""
    rows = await db.read(OPEN_BETWEEN, {"mentor": mentor_id, "mentee": mentee_id})
    statuses = {r["status"] for r in rows}
    return "ACTIVE" if "ACTIVE" in statuses else ("REQUESTED" if statuses else None)
