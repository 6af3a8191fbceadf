"""A mentee's personal board of advisors: (mentee)-[:HAS_ADVISOR]->(:Advisor {role, note}).

An advisor who is a member is invited through a BOARD mentorship ((:Advisor)-[:FOR]->(m)),
which they accept or decline like any request; one who is not is recorded by name and email
only, and that entry is never shown to anyone but the mentee.
"""

from __future__ import annotations

from typing import LiteralString

from graph_db.backend import Executor, all_records, first_record
from graph_db.batch import aligned_reader
from graph_db.mentorship import OPEN_LIST, link_parties, open_key
from graph_db.mentorship.records import AdvisorRecord
from graph_db.notifications import notified, notify
from graph_db.policy import blocks_between
from graph_db.social_records import NotifiedRecord

MAX_ADVISORS = 12

ADVISOR_MAP: LiteralString = (
    "a {.id, .role, .note, .name, .email, .createdAt, menteeId: me.id, "
    "mentorshipId: head([(a)-[:FOR]->(am:Mentorship) | am.id])}"
)

ADD_EXTERNAL: LiteralString = (
    "MATCH (me:Person {id: $mentee}) "
    "WITH me, size([(me)-[:HAS_ADVISOR]->(ca:Advisor) | ca]) AS taken "
    "OPTIONAL MATCH (known:Advisor {id: $id}) "
    "WITH me, taken, known WHERE known IS NOT NULL OR taken < $max "
    "MERGE (a:Advisor {id: $id}) ON CREATE SET a.role = $role, a.note = $note, a.name = $name, "
    "  a.email = $email, a.createdAt = $now "
    "MERGE (me)-[h:HAS_ADVISOR]->(a) ON CREATE SET h.createdAt = $now "
    "RETURN " + ADVISOR_MAP + " AS advisor"
)


async def add_external(
    db: Executor, *, id: str, mentee_id: str, role: str, note: str | None, name: str,
    email: str, now: int, max_advisors: int = MAX_ADVISORS,
) -> AdvisorRecord | None:
    """Add someone outside the network (idempotent by id); None when the board is full."""
    return await first_record(db.write, ADD_EXTERNAL, "advisor", AdvisorRecord.from_row, {
        "id": id, "mentee": mentee_id, "role": role, "note": note, "name": name,
        "email": email, "now": now, "max": max_advisors,
    })


# A member: the advisor entry plus a BOARD mentorship, MERGEd on its open key so a member
# sits on a board once (an existing open seat: outcome EXISTS, nothing new).
ADD_MEMBER: LiteralString = (
    "MATCH (me:Person {id: $mentee}), (mr:Person {id: $person}) "
    "WITH me, mr, " + blocks_between("me", "mr") + " AS blocked, "
    "size([(me)-[:HAS_ADVISOR]->(ca:Advisor) | ca]) AS taken "
    "WHERE NOT blocked AND me <> mr "
    "OPTIONAL MATCH (known:Advisor {id: $id}) "
    "WITH me, mr, CASE WHEN known IS NULL AND taken >= $max THEN 'FULL' ELSE 'OK' END AS room "
    "WITH me, mr, room WHERE room = 'OK' "
    "MERGE (m:Mentorship {openKey: $openKey}) "
    "ON CREATE SET m.id = $seat, m.kind = 'BOARD', m.status = 'REQUESTED', m.requestedBy = me.id, "
    "  m.message = $message, m.advisorId = $id, m.createdAt = $now, m.updatedAt = $now "
    "WITH me, mr, m, m.id = $seat AS created "
    "FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | "
    + link_parties() +
    "  MERGE (a:Advisor {id: $id}) ON CREATE SET a.role = $role, a.note = $note, a.createdAt = $now "
    "  MERGE (me)-[h:HAS_ADVISOR]->(a) ON CREATE SET h.createdAt = $now "
    "  MERGE (a)-[f:FOR]->(m) ON CREATE SET f.createdAt = $now) "
    "WITH me, mr, m, created"
    + notify("MENTORSHIP_REQUESTED", imports="me, mr, m, created", recipients="[mr]", actor="me",
             target="m", when="created")
    + " WITH me, created, notified OPTIONAL MATCH (me)-[:HAS_ADVISOR]->(a:Advisor {id: $id}) "
    "RETURN CASE WHEN a IS NULL THEN null ELSE " + ADVISOR_MAP + " END AS advisor, "
    "CASE WHEN created THEN 'OK' ELSE 'EXISTS' END AS outcome, notified"
)


async def add_member(
    db: Executor, *, id: str, seat_id: str, mentee_id: str, person_id: str, role: str,
    note: str | None, message: str | None, now: int, max_advisors: int = MAX_ADVISORS,
) -> tuple[AdvisorRecord | None, str, list[NotifiedRecord]]:
    """Invite a member onto the mentee's board: (advisor, OK | EXISTS | FULL | NOT_FOUND,
    notified). NOT_FOUND: a person is missing, it is the mentee, or a block stands between."""
    rows = await db.write(ADD_MEMBER, {
        "id": id, "seat": seat_id, "mentee": mentee_id, "person": person_id, "role": role,
        "note": note, "message": message, "now": now, "max": max_advisors,
        "openKey": open_key("BOARD", mentor_id=person_id, mentee_id=mentee_id),
    })
    if not rows:
        return None, "FULL_OR_NOT_FOUND", []
    advisor = rows[0]["advisor"]
    return (AdvisorRecord.from_row(advisor) if advisor else None, str(rows[0]["outcome"]),
            notified(rows))


# Removing a member advisor closes their seat (withdrawn while requested, ended while active)
# and tells them; the entry itself is deleted.
REMOVE: LiteralString = (
    "MATCH (me:Person {id: $mentee})-[:HAS_ADVISOR]->(a:Advisor {id: $id}) "
    "OPTIONAL MATCH (a)-[:FOR]->(m:Mentorship)<-[:MENTOR_IN]-(mr:Person) "
    "WITH me, a, m, mr, m IS NOT NULL AND m.status IN " + OPEN_LIST + " AS closing, "
    "m.status = 'ACTIVE' AS wasActive "
    "FOREACH (x IN CASE WHEN closing THEN [m] ELSE [] END | "
    "  SET x.status = CASE WHEN x.status = 'ACTIVE' THEN 'ENDED' ELSE 'WITHDRAWN' END, "
    "  x.endedAt = $now, x.endedBy = me.id, x.updatedAt = $now, x.openKey = null) "
    "FOREACH (x IN CASE WHEN m IS NULL THEN [] ELSE [m] END | SET x.advisorId = null) "
    "DETACH DELETE a "
    "WITH me, m, mr, closing, wasActive"
    + notify("MENTORSHIP_ENDED", imports="me, m, mr, closing, wasActive", recipients="[mr]",
             actor="me", target="m", when="closing AND wasActive", out="ended")
    + notify("MENTORSHIP_WITHDRAWN", imports="me, m, mr, closing, wasActive", recipients="[mr]",
             actor="me", target="m", when="closing AND NOT wasActive", out="withdrawn")
    + " RETURN $id AS id, ended, withdrawn"
)


async def remove(
    db: Executor, advisor_id: str, *, mentee_id: str, now: int
) -> tuple[bool, list[NotifiedRecord]]:
    """Remove an advisor from the mentee's board: (removed, notified)."""
    rows = await db.write(REMOVE, {"id": advisor_id, "mentee": mentee_id, "now": now})
    return bool(rows), notified(rows, "ended", "withdrawn")


LIST: LiteralString = (
    "MATCH (me:Person {id: $mentee})-[:HAS_ADVISOR]->(a:Advisor) "
    "RETURN " + ADVISOR_MAP + " AS advisor ORDER BY a.createdAt, a.id"
)


async def list_advisors(db: Executor, mentee_id: str) -> list[AdvisorRecord]:
    """The mentee's whole board, oldest entry first (at most MAX_ADVISORS)."""
    return await all_records(db.read, LIST, "advisor", AdvisorRecord.from_row, {"mentee": mentee_id})


GET_MANY: LiteralString = (
    "UNWIND $ids AS id MATCH (me:Person)-[:HAS_ADVISOR]->(a:Advisor {id: id}) "
    "RETURN " + ADVISOR_MAP + " AS advisor"
)
get_many = aligned_reader(GET_MANY, "advisor", AdvisorRecord.from_row)
