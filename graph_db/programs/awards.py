"""Mentoring awards: definitions, yearly cycles, nominations, support letters, committee
scores with conflicts of interest excluded, and published winners (badges).

- (a:Award {id, name, description, eligibility (JSON rules), criteria (JSON names),
  notifyNominee, createdAt})
- (cy:AwardCycle {id, awardId, year, nominationOpensAt, nominationClosesAt, reviewOpensAt,
  reviewClosesAt, publishedAt})-[:FOR]->(a); (r:Person)-[:REVIEWS]->(cy) for its committee.
- (n:Nomination {id, key: cycle:nominee (unique), cycleId, nomineeId, nominatorId, statement,
  createdAt})-[:FOR]->(cy), (n)-[:CONCERNS]->(nominee), (nominator)-[:NOMINATED]->(n);
  (s:Person)-[:SUPPORTS {letter, createdAt}]->(n); (r)-[:SCORED {scores, total, createdAt}]->(n).
- Winners: (p)-[:WON {id: cycle:winner, cycleId, year, createdAt}]->(a), the badge on their
  profile and an item of the activity stream (graph_db.feed).

A reviewer is *conflicted* on a nomination when they are its nominee, the nominee's mentor
or mentee (a mentorship either way, active or ended), or work in the nominee's division.
CONFLICT_OF_INTEREST below is the one Cypher test; scoring refuses, and ranking ignores,
conflicted scores.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor, all_records, first_record
from graph_db.batch import aligned_reader, by_ids, list_aligned
from graph_db.locks import lock
from graph_db.notifications import notified, notify
from graph_db.programs.records import (
    AwardCycleRecord,
    AwardRecord,
    BadgeRecord,
    EligibilityFactsRecord,
    NominationRecord,
)

# True when reviewer `r` may not score nominee `x` (both bound).
CONFLICT_OF_INTEREST: LiteralString = (
    "(r = x OR size([(r)-[:MENTOR_IN|MENTEE_IN]->(cm:Mentorship)<-[:MENTOR_IN|MENTEE_IN]-(x) "
    "  WHERE cm.status IN ['ACTIVE', 'ENDED'] | cm]) > 0 "
    "OR size([(r)-[:WORKS_IN]->(d:Division)<-[:WORKS_IN]-(x) | d]) > 0)"
)

AWARD_MAP: LiteralString = (
    "a {.id, .name, .description, .eligibility, .criteria, .notifyNominee, .createdAt}"
)
CYCLE_MAP: LiteralString = (
    "cy {.id, .awardId, .year, .nominationOpensAt, .nominationClosesAt, .reviewOpensAt, "
    ".reviewClosesAt, .publishedAt, reviewerIds: [(cy)<-[:REVIEWS]-(rv:Person) | rv.id], "
    "winnerIds: [(cy)-[:FOR]->(:Award)<-[won:WON]-(w:Person) WHERE won.cycleId = cy.id | w.id]}"
)
NOMINATION_MAP: LiteralString = (
    "n {.id, .cycleId, .nomineeId, .nominatorId, .statement, .createdAt, "
    "supporters: [(n)<-[:SUPPORTS]-(backer:Person) | backer.id]}"
)


def _award(row: dict[str, Any]) -> AwardRecord:
    return AwardRecord.from_row({
        **row, "eligibility": tuple(json.loads(row["eligibility"])),
        "criteria": tuple(json.loads(row["criteria"])),
    })


def _cycle(row: dict[str, Any]) -> AwardCycleRecord:
    return AwardCycleRecord.from_row({
        **row, "reviewerIds": tuple(sorted(row.get("reviewerIds") or ())),
        "winnerIds": tuple(sorted(row.get("winnerIds") or ())),
    })


def _nomination(row: dict[str, Any]) -> NominationRecord:
    return NominationRecord.from_row({**row, "supporters": tuple(sorted(row.get("supporters") or ()))})


CREATE_AWARD: LiteralString = (
    "MERGE (a:Award {id: $id}) ON CREATE SET a.name = $name, a.description = $description, "
    "  a.eligibility = $eligibility, a.criteria = $criteria, a.notifyNominee = $notifyNominee, "
    "  a.createdAt = $now, a.createdBy = $viewer "
    "RETURN " + AWARD_MAP + " AS award"
)


async def create_award(
    db: Executor, *, id: str, name: str, description: str | None, eligibility: Sequence[dict[str, Any]],
    criteria: Sequence[str], notify_nominee: bool, viewer_id: str, now: int,
) -> AwardRecord:
    rows = await db.write(CREATE_AWARD, {
        "id": id, "name": name, "description": description, "eligibility": json.dumps(list(eligibility)),
        "criteria": json.dumps(list(criteria)), "notifyNominee": notify_nominee, "viewer": viewer_id,
        "now": now,
    })
    return _award(rows[0]["award"])


GET_AWARDS: LiteralString = by_ids("a", "Award", AWARD_MAP, "award")
get_awards = aligned_reader(GET_AWARDS, "award", _award)


CREATE_CYCLE: LiteralString = (
    "MATCH (a:Award {id: $award}) "
    "MERGE (cy:AwardCycle {id: $id}) ON CREATE SET cy.awardId = a.id, cy.year = $year, "
    "  cy.nominationOpensAt = $nominationOpensAt, cy.nominationClosesAt = $nominationClosesAt, "
    "  cy.reviewOpensAt = $reviewOpensAt, cy.reviewClosesAt = $reviewClosesAt, cy.createdAt = $now "
    "MERGE (cy)-[:FOR]->(a) "
    "WITH cy UNWIND $reviewers AS rid MATCH (rv:Person {id: rid}) MERGE (rv)-[:REVIEWS]->(cy) "
    "WITH DISTINCT cy RETURN " + CYCLE_MAP + " AS cycle"
)


async def create_cycle(
    db: Executor, *, id: str, award_id: str, year: int, nomination_opens_at: int,
    nomination_closes_at: int, review_opens_at: int, review_closes_at: int,
    reviewer_ids: Sequence[str], now: int,
) -> AwardCycleRecord | None:
    """A yearly cycle with its review committee (at least one reviewer must exist)."""
    return await first_record(db.write, CREATE_CYCLE, "cycle", _cycle, {
        "id": id, "award": award_id, "year": year, "nominationOpensAt": nomination_opens_at,
        "nominationClosesAt": nomination_closes_at, "reviewOpensAt": review_opens_at,
        "reviewClosesAt": review_closes_at, "reviewers": list(reviewer_ids), "now": now,
    })


GET_CYCLES: LiteralString = by_ids("cy", "AwardCycle", CYCLE_MAP, "cycle")
get_cycles = aligned_reader(GET_CYCLES, "cycle", _cycle)


OPEN_CYCLES: LiteralString = (
    "MATCH (cy:AwardCycle) WHERE cy.nominationOpensAt <= $now AND $now < cy.nominationClosesAt "
    "RETURN " + CYCLE_MAP + " AS cycle ORDER BY cy.nominationClosesAt, cy.id LIMIT $limit"
)


async def list_open_cycles(db: Executor, *, now: int, limit: int) -> list[AwardCycleRecord]:
    """Cycles taking nominations now, closing soonest first."""
    return await all_records(db.read, OPEN_CYCLES, "cycle", _cycle, {"now": now, "limit": limit})


FACTS: LiteralString = (
    "MATCH (p:Person {id: $person}) "
    "RETURN p.id AS personId, p.rank AS rank, "
    "[(p)-[:MENTOR_IN]->(m:Mentorship) WHERE m.status IN ['ACTIVE', 'ENDED'] "
    "  AND m.startedAt IS NOT NULL | m.startedAt] AS starts, "
    # A name of its own per comprehension: FalkorDB found nothing when `m` was reused here.
    "[(p)-[:MENTOR_IN]->(mm:Mentorship)<-[:MENTEE_IN]-(x:Person) WHERE mm.status IN ['ACTIVE', 'ENDED'] "
    "  | [x.id, x.rank]] AS mentees"
)


async def eligibility_facts(db: Executor, person_id: str) -> EligibilityFactsRecord | None:
    """What eligibility rules look at: rank, when they first mentored, their mentees' ranks."""
    rows = await db.read(FACTS, {"person": person_id})
    if not rows:
        return None
    r = rows[0]
    starts = [int(s) for s in r["starts"]]
    ranks = {m[0]: m[1] for m in r["mentees"]}
    return EligibilityFactsRecord(
        personId=r["personId"], rank=r["rank"], firstMentoredAt=min(starts) if starts else None,
        menteeRanks=tuple(v for _, v in sorted(ranks.items()) if v is not None),
    )


# One nomination per nominee and cycle (unique key): a second nominator finds the first.
NOMINATE: LiteralString = (
    "MATCH (cy:AwardCycle {id: $cycle})-[:FOR]->(a:Award), (x:Person {id: $nominee}), "
    "(v:Person {id: $viewer}) "
    "MERGE (n:Nomination {key: cy.id + ':' + x.id}) "
    "ON CREATE SET n.id = $id, n.cycleId = cy.id, n.nomineeId = x.id, n.nominatorId = v.id, "
    "  n.statement = $statement, n.createdAt = $now "
    "WITH a, cy, x, v, n, n.id = $id AS fresh "
    "FOREACH (_ IN CASE WHEN fresh THEN [1] ELSE [] END | "
    "  MERGE (n)-[:FOR]->(cy) MERGE (n)-[:CONCERNS]->(x) MERGE (v)-[:NOMINATED]->(n)) "
    "WITH a, x, v, n, fresh"
    + notify("AWARD_NOMINATION", imports="a, x, v, n, fresh", recipients="[x]", actor="v",
             target="n", when="fresh AND coalesce(a.notifyNominee, false)")
    + " RETURN " + NOMINATION_MAP + " AS nomination, fresh, notified"
)


async def nominate(
    db: Executor, *, id: str, cycle_id: str, nominee_id: str, viewer_id: str, statement: str, now: int
) -> tuple[NominationRecord, bool, list[Any]] | None:
    """(the nomination, whether this call made it, notifications); None if something is missing."""
    rows = await db.write(NOMINATE, {
        "id": id, "cycle": cycle_id, "nominee": nominee_id, "viewer": viewer_id,
        "statement": statement, "now": now,
    })
    if not rows:
        return None
    return _nomination(rows[0]["nomination"]), bool(rows[0]["fresh"]), notified(rows)


SUPPORT: LiteralString = (
    "MATCH (n:Nomination {id: $nomination}), (s:Person {id: $viewer}) "
    "MERGE (s)-[sp:SUPPORTS]->(n) ON CREATE SET sp.letter = $letter, sp.createdAt = $now "
    "RETURN " + NOMINATION_MAP + " AS nomination"
)


async def support(
    db: Executor, nomination_id: str, *, viewer_id: str, letter: str, now: int
) -> NominationRecord | None:
    return await first_record(
        db.write, SUPPORT, "nomination", _nomination,
        {"nomination": nomination_id, "viewer": viewer_id, "letter": letter, "now": now},
    )


GET_NOMINATIONS: LiteralString = by_ids("n", "Nomination", NOMINATION_MAP, "nomination")
get_nominations = aligned_reader(GET_NOMINATIONS, "nomination", _nomination)


# Scoring is refused inside the statement when the reviewer is conflicted or not on the
# committee; a second score by the same reviewer replaces the first.
SCORE: LiteralString = (
    "MATCH (cy:AwardCycle)<-[:FOR]-(n:Nomination {id: $nomination})-[:CONCERNS]->(x:Person), "
    "(r:Person {id: $viewer}) "
    "WITH cy, n, x, r, size([(r)-[:REVIEWS]->(cy) | r]) > 0 AS onCommittee, "
    + CONFLICT_OF_INTEREST + " AS conflicted "
    "WITH cy, n, r, CASE WHEN NOT onCommittee THEN 'NOT_REVIEWER' WHEN conflicted THEN 'CONFLICT' "
    "  ELSE 'OK' END AS outcome "
    "FOREACH (_ IN CASE WHEN outcome = 'OK' THEN [1] ELSE [] END | "
    "  MERGE (r)-[s:SCORED]->(n) SET s.scores = $scores, s.total = $total, s.createdAt = $now) "
    "RETURN outcome"
)


async def score(
    db: Executor, nomination_id: str, *, viewer_id: str, scores: Sequence[int], now: int
) -> str:
    """OK, NOT_REVIEWER, CONFLICT, or NOT_FOUND."""
    rows = await db.write(SCORE, {
        "nomination": nomination_id, "viewer": viewer_id, "scores": list(scores),
        "total": sum(scores), "now": now,
    })
    return str(rows[0]["outcome"]) if rows else "NOT_FOUND"


# For a reviewer: each nomination of the cycle, whether they are conflicted on it.
REVIEWABLE: LiteralString = (
    "MATCH (cy:AwardCycle {id: $cycle})<-[:FOR]-(n:Nomination)-[:CONCERNS]->(x:Person), "
    "(r:Person {id: $viewer}) "
    "RETURN " + NOMINATION_MAP + " AS nomination, " + CONFLICT_OF_INTEREST + " AS conflicted "
    "ORDER BY n.createdAt, n.id"
)


async def list_for_reviewer(
    db: Executor, cycle_id: str, viewer_id: str
) -> list[tuple[NominationRecord, bool]]:
    rows = await db.read(REVIEWABLE, {"cycle": cycle_id, "viewer": viewer_id})
    return [(_nomination(r["nomination"]), bool(r["conflicted"])) for r in rows]


# Ranking counts only committee scores that are not conflicted (a reviewer who became
# conflicted after scoring, e.g. by a new mentorship, no longer counts).
RANKED: LiteralString = (
    "MATCH (cy:AwardCycle {id: $cycle})<-[:FOR]-(n:Nomination)-[:CONCERNS]->(x:Person) "
    "OPTIONAL MATCH (r:Person)-[s:SCORED]->(n) WHERE (r)-[:REVIEWS]->(cy) "
    "WITH n, x, r, s, CASE WHEN r IS NULL THEN true ELSE " + CONFLICT_OF_INTEREST + " END AS conflicted "
    "WITH n, collect(CASE WHEN conflicted THEN null ELSE s.total END) AS totals "
    "RETURN " + NOMINATION_MAP + " AS nomination, totals"
)


async def ranked(db: Executor, cycle_id: str) -> list[tuple[NominationRecord, list[int]]]:
    """Every nomination with the totals of its non-conflicted committee scores."""
    rows = await db.read(RANKED, {"cycle": cycle_id})
    return [(_nomination(r["nomination"]), [int(t) for t in r["totals"]]) for r in rows]


PUBLISH: LiteralString = (
    "MATCH (cy:AwardCycle {id: $cycle})-[:FOR]->(a:Award) " + lock("cy") +
    "WITH cy, a, cy.publishedAt IS NULL AS fresh "
    "SET cy.publishedAt = coalesce(cy.publishedAt, $now) "
    "WITH cy, a, fresh, [(cy)<-[:FOR]-(n:Nomination)-[:CONCERNS]->(w:Person) "
    "  WHERE n.id IN $winners | w] AS winners "
    "FOREACH (w IN CASE WHEN fresh THEN winners ELSE [] END | "
    "  MERGE (w)-[won:WON {cycleId: cy.id}]->(a) "
    "  ON CREATE SET won.id = cy.id + ':' + w.id, won.year = cy.year, won.createdAt = $now) "
    "WITH cy, a, fresh, winners"
    + notify("AWARD_WON", imports="cy, a, fresh, winners", recipients="winners", actor="a",
             target="cy", when="fresh")
    + " RETURN fresh, notified"
)


async def publish(
    db: Executor, cycle_id: str, winner_nomination_ids: Sequence[str], *, now: int
) -> tuple[bool, list[Any]] | None:
    """Publish a cycle's winners once: badges (WON) and a notification to each winner."""
    rows = await db.write(PUBLISH, {"cycle": cycle_id, "winners": list(winner_nomination_ids), "now": now})
    if not rows:
        return None
    return bool(rows[0]["fresh"]), notified(rows)


# The win's `id` (cycle:winner) is what the activity stream pages by (graph_db.feed).
def badge(person: LiteralString, won: LiteralString, award: LiteralString) -> LiteralString:
    """The badge (a BadgeRecord map) of the WON edge `won` from `person` to `award`."""
    return (
        "{personId: " + person + ".id, awardId: " + award + ".id, name: " + award + ".name, "
        "year: " + won + ".year, cycleId: " + won + ".cycleId, awardedAt: " + won + ".createdAt}"
    )


BADGES: LiteralString = (
    "UNWIND $ids AS pid MATCH (p:Person {id: pid})-[won:WON]->(a:Award) "
    "RETURN p.id AS personId, " + badge("p", "won", "a") + " AS badge"
)


async def get_badges_many(db: Executor, person_ids: Sequence[str]) -> list[list[BadgeRecord]]:
    """The awards each person won (published winners), newest first, aligned with `person_ids`."""
    found = await list_aligned(
        db, BADGES, person_ids, "personId", lambda row: BadgeRecord.from_row(row["badge"])
    )
    return [sorted(badges, key=lambda b: (-b.year, b.name, b.cycleId)) for badges in found]
