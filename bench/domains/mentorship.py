"""Mentorship: mentorships between members (mixed kinds and statuses, capacity respected)
and mentor recommendations."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bench.registry import Call, Fixtures, Operation, first_problem, problem, seed_step
from graph_db import seed
from schema.base import to_global_id

if TYPE_CHECKING:
    from bench.scales import Scale


def _expect(scale: Scale) -> dict[str, int]:
    n = scale.params["mentorships"]
    return {"Mentorship": n, "MENTOR_IN": n, "MENTEE_IN": n}


STEPS = [
    seed_step(
        "mentorships", seed.seed_mentorships, params=("mentorships",), every=10_000,
        expect=_expect,
        sources=("graph_db/seed.py", "graph_db/mentorship/synthetic.py"),
    ),
]

# Trainees and junior faculty with interests (so recommendations have something to match),
# with the mentors they have or asked for: never recommended again.
MENTEES = (
    "MATCH (v:Person) WHERE v.rank IN ['MEDICAL_STUDENT', 'GRADUATE_STUDENT', 'RESIDENT', "
    "'CLINICAL_FELLOW', 'POSTDOCTORAL_FELLOW', 'INSTRUCTOR'] AND (v)-[:INTERESTED_IN]->(:Interest) "
    "WITH v ORDER BY v.id LIMIT 3000 "
    "RETURN v.id AS id, [(v)-[:MENTEE_IN]->(m:Mentorship)<-[:MENTOR_IN]-(x:Person) "
    "  WHERE m.status IN ['ACTIVE', 'REQUESTED'] | x.id] AS mentors ORDER BY id"
)


def _recommendations(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    facts = rng.choice(fx.rows(MENTEES))
    return Call({"first": page_size or 10}, viewer=facts["id"], expect=facts)


def _check_recommendations(data: Mapping[str, Any], call: Call) -> str | None:
    found = data.get("mentorRecommendations")
    if not isinstance(found, list):
        return "mentorRecommendations is missing"
    ids = [(r.get("person") or {}).get("id") for r in found]
    scores = [r.get("score") for r in found]
    excluded = {to_global_id("Person", i) for i in [call.viewer or "", *call.expect["mentors"]]}
    return first_problem(
        problem(len(found) >= 1, "no mentor recommended for a trainee with interests"),
        problem(len(found) <= call.variables["first"], f"{len(found)} recommendations, asked for "
                f"{call.variables['first']}"),
        problem(all(isinstance(s, float | int) for s in scores)
                and scores == sorted(scores, reverse=True), "recommendations are not best first"),
        problem(len(set(ids)) == len(ids) and all(ids), "a recommended person repeats or lacks an id"),
        problem(not excluded & set(ids), "the mentee or a current/requested mentor is recommended"),
        problem(all(r.get("reasons") for r in found), "a recommendation has no reasons"),
    )


OPERATIONS = [
    Operation(
        name="mentor_recommendations", document="mentor_recommendations.graphql",
        variables=_recommendations, check=_check_recommendations, domain="mentorship",
        requires=("Query.mentorRecommendations", "auth"),
    ),
]
