"""Mentoring programs and reporting lines: who administers whose mentoring, who reports to whom.

- (p:Person)-[:IN_PROGRAM {role: ADMIN|MEMBER, createdAt}]->(:Program {id, name, description}).
  An ADMIN of a program is a *program admin* for every person in it (graph_db.mentorship.
  program_admin); every site ADMIN is one for everybody.
- (a:Person)-[:SUPERVISES {createdAt, createdBy}]->(b:Person): `a` is `b`'s supervisor. A
  person's reporting line is everyone above them (supervisors, theirs, ...) and below them
  (the people they supervise, ...), up to MAX_LINE_DEPTH steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import LiteralString

from graph_db.backend import Executor, all_records, first_record
from graph_db.batch import get_aligned, get_aligned_or, list_aligned
from graph_db.mentorship.records import ProgramRecord
from graph_db.policy import runs_program_of

MAX_LINE_DEPTH = 8

PROGRAM_MAP: LiteralString = (
    "g {.id, .name, .description, .createdAt, "
    "members: size([(g)<-[:IN_PROGRAM]-(gm:Person) | gm]), "
    "viewerRole: head([(g)<-[vr:IN_PROGRAM]-(v) | vr.role])}"
)

CREATE_PROGRAM: LiteralString = (
    "MERGE (g:Program {id: $id}) ON CREATE SET g.name = $name, g.description = $description, "
    "  g.createdBy = $viewer, g.createdAt = $now "
    "WITH g OPTIONAL MATCH (v:Person {id: $viewer}) RETURN " + PROGRAM_MAP + " AS program"
)


async def create_program(
    db: Executor, *, id: str, name: str, description: str | None, viewer_id: str, now: int
) -> ProgramRecord:
    rows = await db.write(CREATE_PROGRAM, {
        "id": id, "name": name, "description": description, "viewer": viewer_id, "now": now,
    })
    return ProgramRecord.from_row(rows[0]["program"])


# Setting a role replaces the person's role in the program; a null role takes them out.
SET_ROLE: LiteralString = (
    "MATCH (g:Program {id: $program}), (p:Person {id: $person}) "
    "OPTIONAL MATCH (p)-[old:IN_PROGRAM]->(g) "
    "WITH g, p, old, old IS NOT NULL AND ($role IS NULL OR old.role <> $role) AS replaced "
    "FOREACH (x IN CASE WHEN replaced THEN [old] ELSE [] END | DELETE x) "
    "FOREACH (_ IN CASE WHEN $role IS NULL THEN [] ELSE [1] END | "
    "  MERGE (p)-[r:IN_PROGRAM {role: $role}]->(g) ON CREATE SET r.createdAt = $now) "
    "WITH DISTINCT g OPTIONAL MATCH (v:Person {id: $viewer}) RETURN " + PROGRAM_MAP + " AS program"
)


async def set_role(
    db: Executor, program_id: str, person_id: str, role: str | None, *, now: int,
    viewer_id: str,
) -> ProgramRecord | None:
    """Make `person_id` an ADMIN or MEMBER of a program, or (None) take them out. None when
    the program or the person does not exist; otherwise the program as the viewer sees it."""
    return await first_record(db.write, SET_ROLE, "program", ProgramRecord.from_row, {
        "program": program_id, "person": person_id, "role": role, "now": now, "viewer": viewer_id,
    })


GET_PROGRAMS: LiteralString = (
    "OPTIONAL MATCH (v:Person {id: $viewer}) WITH v UNWIND $ids AS id "
    "MATCH (g:Program {id: id}) RETURN " + PROGRAM_MAP + " AS program"
)


async def get_programs(
    db: Executor, ids: Sequence[str], *, viewer_id: str
) -> list[ProgramRecord | None]:
    return await get_aligned(
        db, GET_PROGRAMS, ids, "program", ProgramRecord.from_row, {"viewer": viewer_id}
    )


LIST_PROGRAMS: LiteralString = (
    "OPTIONAL MATCH (v:Person {id: $viewer}) WITH v "
    "MATCH (g:Program) RETURN " + PROGRAM_MAP + " AS program ORDER BY g.name, g.id LIMIT $limit"
)


async def list_programs(db: Executor, *, viewer_id: str, limit: int) -> list[ProgramRecord]:
    """Every program by name (programs are few: one per department or cohort)."""
    return await all_records(
        db.read, LIST_PROGRAMS, "program", ProgramRecord.from_row,
        {"viewer": viewer_id, "limit": limit},
    )


ADMINISTERED: LiteralString = (
    "MATCH " + runs_program_of("v:Person {id: $viewer}", "p:Person")
    + " WITH DISTINCT p WHERE p.id IN $ids RETURN p.id AS id"
)


async def administered(db: Executor, viewer_id: str, person_ids: Sequence[str]) -> set[str]:
    """Which of `person_ids` are in a program the viewer administers."""
    if not person_ids:
        return set()
    rows = await db.read(ADMINISTERED, {"viewer": viewer_id, "ids": list(dict.fromkeys(person_ids))})
    return {r["id"] for r in rows}


PROGRAM_ROLE: LiteralString = (
    "MATCH (:Person {id: $viewer})-[r:IN_PROGRAM]->(:Program {id: $program}) RETURN r.role AS role"
)


async def get_role(db: Executor, program_id: str, person_id: str) -> str | None:
    return await first_record(
        db.read, PROGRAM_ROLE, "role", str,
        {"viewer": person_id, "program": program_id},
    )


# -- reporting lines ---------------------------------------------------------------------------

SET_SUPERVISION: LiteralString = (
    "MATCH (a:Person {id: $supervisor}), (b:Person {id: $supervisee}) "
    "OPTIONAL MATCH (a)-[old:SUPERVISES]->(b) "
    "WITH a, b, old FOREACH (x IN CASE WHEN $supervises THEN [] ELSE [old] END | DELETE x) "
    "FOREACH (_ IN CASE WHEN $supervises THEN [1] ELSE [] END | "
    "  MERGE (a)-[s:SUPERVISES]->(b) ON CREATE SET s.createdAt = $now, s.createdBy = $viewer) "
    "RETURN a.id AS supervisor, b.id AS supervisee"
)


async def set_supervision(
    db: Executor, *, supervisor_id: str, supervisee_id: str, supervises: bool, viewer_id: str,
    now: int,
) -> bool:
    """Record (or remove) that one person supervises another; False if either is missing."""
    rows = await db.write(SET_SUPERVISION, {
        "supervisor": supervisor_id, "supervisee": supervisee_id, "supervises": supervises,
        "viewer": viewer_id, "now": now,
    })
    return bool(rows)


SUPERVISE_MANY: LiteralString = (
    "UNWIND $pairs AS pair MATCH (a:Person {id: pair[0]}) WITH a, pair "
    "MATCH (b:Person {id: pair[1]}) "
    "MERGE (a)-[s:SUPERVISES]->(b) ON CREATE SET s.createdAt = $now, s.createdBy = $by "
    "RETURN count(s) AS n"
)


async def supervise_many(
    db: Executor, pairs: Sequence[tuple[str, str]], *, now: int, by: str | None = None
) -> int:
    """Import reporting lines: each (supervisor id, supervisee id), idempotently."""
    if not pairs:
        return 0
    rows = await db.write(SUPERVISE_MANY, {"pairs": [list(p) for p in pairs], "now": now, "by": by})
    return int(rows[0]["n"])


# Variable-length SUPERVISES paths up and down, bounded (MAX_LINE_DEPTH is a literal below:
# Cypher takes no parameter there).
REPORTING_LINES: LiteralString = (
    "UNWIND $ids AS id MATCH (p:Person {id: id}) "
    "RETURN id, [(p)<-[:SUPERVISES*1..8]-(up:Person) | up.id] AS above, "
    "[(p)-[:SUPERVISES*1..8]->(down:Person) | down.id] AS below"
)


async def reporting_lines(
    db: Executor, person_ids: Sequence[str]
) -> list[tuple[set[str], set[str]]]:
    """Each person's reporting line as (everyone above, everyone below), aligned."""
    return await get_aligned_or(
        db, REPORTING_LINES, person_ids, itemgetter("id"),
        lambda r: (set(r["above"]), set(r["below"])), lambda _: (set(), set()),
    )


SUPERVISORS: LiteralString = (
    "UNWIND $ids AS id MATCH (:Person {id: id})<-[:SUPERVISES]-(s:Person) "
    "RETURN id, s.id AS supervisor ORDER BY s.id"
)


async def list_supervisors(db: Executor, person_ids: Sequence[str]) -> list[list[str]]:
    """Each person's direct supervisors' ids, aligned with `person_ids`."""
    return await list_aligned(db, SUPERVISORS, person_ids, "id", lambda r: str(r["supervisor"]))
