"""Matching: the graph reads behind mentor and collaborator recommendations.

A recommendation costs two round trips, both anchored on indexed ids, with bounded fan-out:

1. `get_context`: everything about the mentee (rank, unit, hospital and its units, the
   interests and areas to match with their broader/narrower neighbours, who is excluded:
   blocked either way, open mentors, the reporting line; 1st- and 2nd-degree connections).
2. `find_candidates`: from each asked term, at most a per-class cap of members who pass
   every cheap hard filter (open to mentoring, room under capacity, career level, unit or
   hospital) — the walk stops there, so a popular interest costs no more than a rare one;
   candidates are ordered by a partial score (weighted shared terms, seniority, load) and
   the best `limit` come back together with every eligible 1st/2nd-degree contact (so the
   proximity bonus, added by the caller, can lift anyone it applies to). Each row says
   exactly which asked terms the candidate shares, from the candidate's own edges.

Term rarity (IDF) needs how many members use each interest: `get_term_stats` counts them
for the whole vocabulary at once (one statement, through the dialect's degree count); the
resolvers cache it for a few minutes.

FalkorDB planning notes, kept by every statement here: a MATCH whose WHERE has more than one
predicate, or an UNWIND followed by a pattern MATCH, is planned as a scan of every node; so
each anchor is matched alone (`WITH x` barriers) and further filters go in a later WITH.
Large map or list parameters are re-read per row: per-row work uses node properties only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.dialect import FalkorDialect, Neo4jDialect
from graph_db.mentorship import OPEN_LIST
from graph_db.mentorship.records import MatchCandidateRecord, MatchContextRecord
from graph_db.people import PERSON_FIELDS
from graph_db.people_records import PersonRecord
from graph_db.policy import blocked_ids

# Career stage by rank: a mentor for PRIMARY/SECONDARY must have a strictly higher level.
# Students 1, residents 2, fellows, postdocs and staff 3, instructors 4, assistant 5,
# associate 6, full and emeritus professors 7. No rank: 0.
RANK_LEVELS: dict[str, int] = {
    "MEDICAL_STUDENT": 1, "GRADUATE_STUDENT": 1, "RESIDENT": 2, "CLINICAL_FELLOW": 3,
    "POSTDOCTORAL_FELLOW": 3, "RESEARCH_STAFF": 3, "CLINICAL_STAFF": 3, "INSTRUCTOR": 4,
    "ASSISTANT_PROFESSOR": 5, "ASSOCIATE_PROFESSOR": 6, "PROFESSOR": 7, "EMERITUS": 7,
}
# The same table as Cypher over `c` (tests/unit/test_mentorship_rules.py keeps them equal).
LEVEL_OF_C: LiteralString = (
    "CASE c.rank WHEN 'MEDICAL_STUDENT' THEN 1 WHEN 'GRADUATE_STUDENT' THEN 1 "
    "WHEN 'RESIDENT' THEN 2 WHEN 'CLINICAL_FELLOW' THEN 3 WHEN 'POSTDOCTORAL_FELLOW' THEN 3 "
    "WHEN 'RESEARCH_STAFF' THEN 3 WHEN 'CLINICAL_STAFF' THEN 3 WHEN 'INSTRUCTOR' THEN 4 "
    "WHEN 'ASSISTANT_PROFESSOR' THEN 5 WHEN 'ASSOCIATE_PROFESSOR' THEN 6 "
    "WHEN 'PROFESSOR' THEN 7 WHEN 'EMERITUS' THEN 7 ELSE 0 END"
)

MAX_NEAR = 150  # 1st/2nd-degree contacts considered beside the ranked walk


def level(rank: str | None) -> int:
    return RANK_LEVELS.get(rank or "", 0)


@dataclass(frozen=True)
class TermStats:
    """How many people there are, and how many are interested in each interest."""

    people: int
    members: dict[str, int]


def _term_stats(in_degree: LiteralString) -> LiteralString:
    return "MATCH (i:Interest) RETURN collect([i.id, " + in_degree + "]) AS members"


# Counting a label alone is answered from the label's size; inside a larger query it scans.
COUNT_PEOPLE: LiteralString = "MATCH (p:Person) RETURN count(p) AS people"
TERM_STATS: dict[str, LiteralString] = {
    dialect.name: _term_stats(dialect.in_degree("i", "INTERESTED_IN"))
    for dialect in (FalkorDialect(), Neo4jDialect())
}


async def get_term_stats(db: Executor) -> TermStats:
    """People, and members per interest for the whole vocabulary (a few hundred terms)."""
    people = await db.read(COUNT_PEOPLE)
    rows = await db.read(TERM_STATS[db.dialect.name])
    members = rows[0]["members"] if rows else []
    return TermStats(int(people[0]["people"]), {str(k): int(v) for k, v in members})


CONTEXT: LiteralString = (
    "MATCH (me:Person {id: $mentee}) "
    "OPTIONAL MATCH (me)-[:WORKS_IN]->(u) "
    "OPTIONAL MATCH (u)-[:PART_OF*1..2]->(h:Hospital) "
    "WITH me, u, h LIMIT 1 "
    "WITH me, u, h, "
    "coalesce($interests, [(me)-[:INTERESTED_IN]->(oi:Interest) | oi.id]) AS wanted, "
    "coalesce($areas, [(me)-[:SEEKS_MENTORSHIP_IN]->(oa:MentorshipArea) | oa.id]) AS sought "
    "OPTIONAL MATCH (wi:Interest) WHERE wi.id IN wanted "
    "OPTIONAL MATCH (wi)-[:BROADER]->(wb:Interest) "
    "WITH me, u, h, sought, wi, collect(wb {.id, .name}) AS broader "
    "OPTIONAL MATCH (wn:Interest)-[:BROADER]->(wi) "
    "WITH me, u, h, sought, wi, broader, collect(wn {.id, .name}) AS narrower "
    "WITH me, u, h, sought, collect(CASE WHEN wi IS NULL THEN null ELSE "
    "  {id: wi.id, name: wi.name, related: broader + narrower} END) AS interests "
    "OPTIONAL MATCH (sa:MentorshipArea) WHERE sa.id IN sought "
    "WITH me, u, h, interests, collect(sa {.id, .name}) AS areas "
    "RETURN me.rank AS rank, u.id AS unitId, h.id AS hospitalId, interests, areas, "
    "CASE WHEN h IS NULL THEN [] ELSE [(h)<-[:PART_OF*1..2]-(hu) | hu.id] END AS hospitalUnits, "
    + blocked_ids("me", "bk") + " AS blocked, "
    "[(me)-[:MENTEE_IN]->(om:Mentorship)<-[:MENTOR_IN]-(omr:Person) "
    "  WHERE om.status IN " + OPEN_LIST + " | omr.id] AS mentors, "
    "[(me)<-[:SUPERVISES*1..8]-(up:Person) | up.id] AS above, "
    "[(me)-[:SUPERVISES*1..8]->(dn:Person) | dn.id] AS below, "
    "[(me)-[:CONNECTED_WITH]->(f1:Person) | f1.id] AS first, "
    "[(me)-[:CONNECTED_WITH]->(:Person)-[:CONNECTED_WITH]->(f2:Person) | f2.id] AS second"
)


def _terms(items: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    # An OPTIONAL MATCH that found nothing projects to a map of nulls: drop those.
    found = {t["id"]: t for t in items if t and t.get("id") is not None}
    return sorted(found.values(), key=lambda t: (str(t["name"]).lower(), t["id"]))


async def get_context(
    db: Executor, mentee_id: str, *, interest_ids: Sequence[str] | None = None,
    area_ids: Sequence[str] | None = None,
) -> tuple[MatchContextRecord, dict[str, str]] | None:
    """What matching needs to know about a mentee, and the names of every term involved
    (id -> name). `interest_ids`/`area_ids` replace the mentee's own interests and sought
    areas when given (unknown ids are ignored). None when there is no such person."""
    rows = await db.read(CONTEXT, {
        "mentee": mentee_id,
        "interests": list(interest_ids) if interest_ids is not None else None,
        "areas": list(area_ids) if area_ids is not None else None,
    })
    if not rows:
        return None
    r = rows[0]
    names: dict[str, str] = {}
    asked: list[str] = []
    related: list[tuple[str, str]] = []
    for interest in _terms(r["interests"]):
        names[interest["id"]] = interest["name"]
        asked.append(interest["id"])
        for other in _terms(interest["related"]):
            names[other["id"]] = other["name"]
            related.append((other["id"], interest["id"]))
    areas = _terms(r["areas"])
    names.update({a["id"]: a["name"] for a in areas})
    near: dict[str, int] = {}
    for other in r["second"]:
        near[other] = near.get(other, 0) + 1
    for other in r["first"]:
        near[other] = 0
    near.pop(mentee_id, None)
    excluded = frozenset({mentee_id, *r["blocked"], *r["mentors"], *r["above"], *r["below"]})
    context = MatchContextRecord(
        menteeId=mentee_id, rank=r["rank"], unitId=r["unitId"], hospitalId=r["hospitalId"],
        hospitalUnitIds=tuple(r["hospitalUnits"]), interestIds=tuple(asked),
        relatedInterests=tuple(related), areaIds=tuple(a["id"] for a in areas),
        excludedIds=excluded, near=near,
    )
    return context, names


# -- candidate walk ---------------------------------------------------------------------------

# Cheap hard filters on a walked member `c`, in a WITH after the walk's single-predicate WHERE.
_MENTOR_FILTER: LiteralString = (
    "WITH c WHERE " + LEVEL_OF_C + " > $minLevel "
    "AND coalesce(c.activeMentees, 0) < coalesce(c.menteeCapacity, 0) "
)
_PLACE_FILTER: LiteralString = (
    "OPTIONAL MATCH (c)-[:WORKS_IN]->(cu) "
    "WITH c, cu WHERE cu IS NOT NULL AND (NOT $crossDivision OR cu.id <> $unit) "
    "AND (NOT $crossHospital OR NOT cu.id IN $hospitalUnits) "
)


def _walk(
    terms: LiteralString, label: LiteralString, rel: LiteralString, cap: LiteralString,
    scan: LiteralString, open_only: bool, placed: bool,
) -> LiteralString:
    # Rows (c, w): of the first `scan` members of each term in `terms` ({id, w}), at most
    # `cap` that pass the filters (both bounds stop the walk early).
    who: LiteralString = (" WHERE c.acceptingMentees = true " + _MENTOR_FILTER) if open_only else " "
    where: LiteralString = _PLACE_FILTER if placed else ""
    return (
        "UNWIND " + terms + " AS t MATCH (x:" + label + " {id: t.id}) WITH x, t "
        "CALL { WITH x MATCH (x)<-[:" + rel + "]-(c) WITH c LIMIT " + scan
        + who + where + "RETURN c LIMIT " + cap + " } "
        "RETURN c, t.w AS w "
    )


_SENIORITY: LiteralString = (
    "CASE WHEN level = 0 OR abs(level - $menteeLevel - $idealGap) >= $gapSpan THEN 0.0 "
    "ELSE $wSeniority * (1.0 - toFloat(abs(level - $menteeLevel - $idealGap)) / $gapSpan) END"
)

_CANDIDATE_RETURN: LiteralString = (
    "WITH ranked, c AS p "
    "RETURN ranked, " + PERSON_FIELDS + " AS person, "
    "coalesce(p.activeMentees, 0) AS activeMentees, "
    "[(p)-[:INTERESTED_IN]->(pi:Interest) WHERE pi.id IN $interestIds | pi.id] AS interestIds, "
    "[(p)-[:OFFERS_MENTORSHIP_IN]->(pa:MentorshipArea) WHERE pa.id IN $areaIds | pa.id] AS areaIds, "
    "head([(p)-[:WORKS_IN]->(pu) | pu.id]) AS unitId"
)


def _mentors(placed: bool) -> LiteralString:
    return (
        "CALL { "
        + _walk("$interests", "Interest", "INTERESTED_IN", "$capInterest", "$scanInterest",
                True, placed)
        + "UNION ALL "
        + _walk("$related", "Interest", "INTERESTED_IN", "$capRelated", "$scanRelated", True,
                placed)
        + "UNION ALL "
        + _walk("$areas", "MentorshipArea", "OFFERS_MENTORSHIP_IN", "$capArea", "$scanArea",
                True, placed)
        + "} "
        "WITH c, sum(w) AS shared "
        "WITH c, shared, " + LEVEL_OF_C + " AS level, coalesce(c.activeMentees, 0) AS load, "
        "c.menteeCapacity AS capacity "
        "WITH c, shared + " + _SENIORITY + " + $wLoad * (1.0 - toFloat(load) / capacity) AS partial "
        "ORDER BY partial DESC, c.id LIMIT $limit "
        "WITH collect(c) AS top "
        "OPTIONAL MATCH (n:Person) WHERE n.id IN $near "
        "WITH top, collect(n) AS near "
        "UNWIND top + near AS c "
        "WITH c, c IN top AS ranked "
        "WITH c, ranked WHERE ranked OR (c.acceptingMentees = true AND " + LEVEL_OF_C
        + " > $minLevel AND coalesce(c.activeMentees, 0) < coalesce(c.menteeCapacity, 0)) "
        "WITH DISTINCT c, ranked "
        + _CANDIDATE_RETURN
    )


MENTORS: LiteralString = _mentors(False)
MENTORS_PLACED: LiteralString = _mentors(True)

# Collaborators: anyone sharing interests, outside the person's unit, by shared terms.
COLLABORATORS: LiteralString = (
    "CALL { "
    + _walk("$interests", "Interest", "INTERESTED_IN", "$capInterest", "$scanInterest", False,
            False)
    + "UNION ALL "
    + _walk("$related", "Interest", "INTERESTED_IN", "$capRelated", "$scanRelated", False, False)
    + "} "
    "WITH c, sum(w) AS shared "
    "OPTIONAL MATCH (c)-[:WORKS_IN]->(cu) "
    "WITH c, shared, cu WHERE cu IS NOT NULL AND cu.id <> $unit "
    "WITH c, shared ORDER BY shared DESC, c.id LIMIT $limit "
    "WITH collect(c) AS top "
    "OPTIONAL MATCH (n:Person) WHERE n.id IN $near "
    "WITH top, collect(n) AS near "
    "UNWIND top + near AS c "
    "WITH DISTINCT c, c IN top AS ranked "
    + _CANDIDATE_RETURN
)


@dataclass(frozen=True)
class Walk:
    """What to walk: weight per term (interests asked, their neighbours, areas), the most
    members taken from one term of each class, and how many more are looked at to find them
    (`scan_factor` times the cap)."""

    interests: dict[str, float]
    related: dict[str, float]
    areas: dict[str, float]
    cap_interest: int
    cap_related: int
    cap_area: int
    scan_factor: int = 4

    def params(self) -> dict[str, Any]:
        def rows(weights: dict[str, float]) -> list[dict[str, Any]]:
            return [{"id": term, "w": w} for term, w in weights.items()]

        return {
            "interests": rows(self.interests), "related": rows(self.related),
            "areas": rows(self.areas), "capInterest": self.cap_interest,
            "capRelated": self.cap_related, "capArea": self.cap_area,
            "scanInterest": self.cap_interest * self.scan_factor,
            "scanRelated": self.cap_related * self.scan_factor,
            "scanArea": self.cap_area * self.scan_factor,
            "interestIds": [*self.interests, *self.related], "areaIds": list(self.areas),
        }


async def find_candidates(
    db: Executor, context: MatchContextRecord, walk: Walk, *, limit: int, min_level: int,
    mentee_level: int, ideal_gap: int, gap_span: int, w_seniority: float, w_load: float,
    cross_division: bool = False, cross_hospital: bool = False,
) -> list[MatchCandidateRecord]:
    """Candidate mentors for the context's mentee (see the module docstring): level above
    `min_level` (-1: any), room under capacity, and with the cross options a unit outside
    the mentee's unit or hospital; the best `limit` by partial score plus near contacts."""
    query = MENTORS_PLACED if cross_division or cross_hospital else MENTORS
    rows = await db.read(query, {
        **walk.params(), "limit": limit, "minLevel": min_level, "menteeLevel": mentee_level,
        "idealGap": ideal_gap, "gapSpan": gap_span, "wSeniority": w_seniority, "wLoad": w_load,
        "near": nearest(context), "crossDivision": cross_division,
        "crossHospital": cross_hospital, "unit": context.unitId or "",
        "hospitalUnits": list(context.hospitalUnitIds),
    })
    return _candidates(rows)


async def find_collaborators(
    db: Executor, context: MatchContextRecord, walk: Walk, *, limit: int
) -> list[MatchCandidateRecord]:
    """People outside the person's unit sharing the walked interests (the best `limit` by
    shared weight), and every 1st/2nd-degree contact, to score."""
    rows = await db.read(COLLABORATORS, {
        **walk.params(), "limit": limit, "near": nearest(context), "unit": context.unitId or "",
    })
    return _candidates(rows)


def nearest(context: MatchContextRecord) -> list[str]:
    """Connections first, then 2nd-degree contacts by mutual connections, at most MAX_NEAR."""
    ranked = sorted(context.near.items(), key=lambda kv: (kv[1] != 0, -kv[1], kv[0]))
    return [person for person, _ in ranked[:MAX_NEAR]]


def _candidates(rows: list[dict[str, Any]]) -> list[MatchCandidateRecord]:
    return [
        MatchCandidateRecord(
            person=PersonRecord.from_row(r["person"]), activeMentees=int(r["activeMentees"]),
            interestIds=tuple(r["interestIds"]), areaIds=tuple(r["areaIds"]),
            unitId=r["unitId"], ranked=bool(r["ranked"]),
        )
        for r in rows
    ]
