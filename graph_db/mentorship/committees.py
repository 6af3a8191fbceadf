"""Mentoring committees: (mentee)-[:HAS_COMMITTEE]->(:Committee)<-[:PART_OF]-(seat), each seat
a COMMITTEE mentorship its member accepts or declines like any other request.

A mentee has at most one live committee (`openKey` = the mentee's id, unique, cleared on
dissolution). The rules on who may sit on it (2 to 5 members, two divisions at least, nobody
in the mentee's reporting line) are the resolvers'; the statements here keep the one limit
that concurrency could break, the number of open seats, exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import LiteralString

from graph_db.backend import Executor
from graph_db.batch import get_aligned, get_aligned_rows
from graph_db.locks import lock
from graph_db.mentorship import (
    OPEN_LIST,
    link_parties,
    open_key,
    program_admin,
    viewer_params,
)
from graph_db.mentorship.records import CommitteeRecord
from graph_db.notifications import notified, notify, write_notifying
from graph_db.social_records import NotifiedRecord

MAX_SEATS = 5

# Projects committee `c` (mentee `me`, viewer `v` possibly null).
COMMITTEE_MAP: LiteralString = (
    "c {.id, .createdBy, .createdAt, .name, .goals, .dissolvedAt, menteeId: me.id, "
    "memberIds: [(c)<-[:PART_OF]-(cs:Mentorship) | cs.id], "
    "viewerIsProgramAdmin: " + program_admin("v", "me") + ", "
    "viewerOnCommittee: size([(c)<-[:PART_OF]-(vs:Mentorship)<-[:MENTOR_IN]-(v) "
    "  WHERE vs.status IN " + OPEN_LIST + " | vs]) > 0}"
)

_RETURN: LiteralString = (
    " OPTIONAL MATCH (v:Person {id: $viewer}) RETURN " + COMMITTEE_MAP + " AS committee"
)



def _seat(key: LiteralString, seat_id: LiteralString, goals: LiteralString) -> LiteralString:
    """A REQUESTED seat for `mr` on committee `c` of mentee `me`, asked by `cr`: a COMMITTEE
    mentorship MERGEd on its open key `key` (a retry or a second invitation finds it)."""
    return (
        "MERGE (m:Mentorship {openKey: " + key + "}) "
        "ON CREATE SET m.id = " + seat_id + ", m.kind = 'COMMITTEE', m.status = 'REQUESTED', "
        "  m.requestedBy = cr.id, m.goals = " + goals + ", m.message = $message, "
        "  m.committeeId = c.id, m.createdAt = $now, m.updatedAt = $now "
        + link_parties() + "MERGE (m)-[p:PART_OF]->(c) ON CREATE SET p.createdAt = $now"
    )


# One row throughout (FalkorDB runs a CALL subquery with writes only for the first of several
# input rows, so notify() gets every invited member at once). Seats are made only when this
# call created the committee; a retry with the same id re-creates nothing.
CREATE: LiteralString = (
    "MATCH (me:Person {id: $mentee}), (cr:Person {id: $viewer}) "
    "MERGE (c:Committee {openKey: $mentee}) "
    "ON CREATE SET c.id = $id, c.name = $name, c.goals = $goals, c.createdBy = cr.id, "
    "  c.createdAt = $now, c.updatedAt = $now "
    "WITH me, cr, c, c.id = $id AS created "
    "MERGE (me)-[h:HAS_COMMITTEE]->(c) ON CREATE SET h.createdAt = $now "
    "WITH me, cr, c, created "
    "OPTIONAL MATCH (mr:Person) WHERE mr.id IN $memberIds "
    "WITH me, cr, c, created, collect(mr) AS members "
    "FOREACH (mr IN CASE WHEN created THEN members ELSE [] END | "
    + _seat("'committee:' + c.id + ':' + mr.id",
            "head([s IN $seats WHERE s.personId = mr.id | s.id])", "$goals") + ") "
    "WITH me, cr, c, created, members"
    + notify("COMMITTEE_INVITATION", imports="cr, c, created, members", recipients="members",
             actor="cr", target="c", when="created")
    + " WITH me, c, created, notified" + _RETURN + ", created, notified"
)


async def create(
    db: Executor, *, id: str, mentee_id: str, creator_id: str, member_ids: Sequence[str],
    seat_ids: Sequence[str], name: str | None, goals: str | None, message: str | None,
    now: int, viewer_is_admin: bool = False,
) -> tuple[CommitteeRecord | None, bool, list[NotifiedRecord]]:
    """Create the mentee's committee and invite each member (a REQUESTED seat each, ids
    `seat_ids`): (committee, created, notified). When the mentee already has a live committee
    that one comes back with created False; None when the mentee or creator is missing."""
    seats = [
        {"id": seat_id, "personId": person_id,
         "openKey": open_key("COMMITTEE", mentor_id=person_id, mentee_id=mentee_id, committee_id=id)}
        for person_id, seat_id in zip(member_ids, seat_ids, strict=True)
    ]
    rows = await db.write(CREATE, {
        "id": id, "mentee": mentee_id, **viewer_params(creator_id, viewer_is_admin),
        "name": name, "goals": goals, "message": message, "seats": seats, "now": now,
        "memberIds": list(member_ids),
    })
    if not rows:
        return None, False, []
    return CommitteeRecord.from_row(rows[0]["committee"]), bool(rows[0]["created"]), notified(rows)


# The committee is locked first (graph_db.locks) so that concurrent invitations to one
# committee queue and each counts the seats the others made; dissolving locks it too.
INVITE: LiteralString = (
    "MATCH (me:Person)-[:HAS_COMMITTEE]->(c:Committee {id: $committee}), "
    "(mr:Person {id: $person}), (cr:Person {id: $viewer})" + lock("c") +
    "WITH me, mr, cr, c, size([(c)<-[:PART_OF]-(os:Mentorship) WHERE os.status IN " + OPEN_LIST
    + " | os]) AS open "
    "WITH me, mr, cr, c, CASE WHEN c.dissolvedAt IS NOT NULL THEN 'DISSOLVED' "
    "  WHEN open >= $maxSeats THEN 'FULL' ELSE 'OK' END AS outcome "
    "FOREACH (_ IN CASE WHEN outcome = 'OK' THEN [1] ELSE [] END | "
    "  SET c.updatedAt = $now " + _seat("$openKey", "$seat", "c.goals") + ") "
    "WITH me, mr, cr, c, outcome"
    + notify("COMMITTEE_INVITATION", imports="mr, cr, c, outcome", recipients="[mr]", actor="cr",
             target="c", when="outcome = 'OK'")
    + " WITH me, c, outcome, notified" + _RETURN + ", outcome, notified"
)


async def invite(
    db: Executor, committee_id: str, *, mentee_id: str, person_id: str, seat_id: str,
    inviter_id: str, message: str | None, now: int, viewer_is_admin: bool = False,
    max_seats: int = MAX_SEATS,
) -> tuple[CommitteeRecord | None, str, list[NotifiedRecord]]:
    """Invite one more member: (committee, OK | FULL | DISSOLVED, notified); an open seat
    of the same member already there is left as it is (OK, nothing new)."""
    rows = await db.write(INVITE, {
        "committee": committee_id, "person": person_id, "seat": seat_id,
        **viewer_params(inviter_id, viewer_is_admin), "message": message, "now": now,
        "maxSeats": max_seats,
        "openKey": open_key("COMMITTEE", mentor_id=person_id, mentee_id=mentee_id,
                            committee_id=committee_id),
    })
    if not rows:
        return None, "NOT_FOUND", []
    return (CommitteeRecord.from_row(rows[0]["committee"]), str(rows[0]["outcome"]),
            notified(rows))


# Dissolving closes every open seat (ACTIVE ones end, REQUESTED ones are withdrawn) and tells
# their members, in one row (see CREATE).
DISSOLVE: LiteralString = (
    "MATCH (me:Person)-[:HAS_COMMITTEE]->(c:Committee {id: $id}), (v:Person {id: $viewer})"
    + lock("c") + "WITH me, v, c, c.dissolvedAt IS NULL AS live "
    "OPTIONAL MATCH (c)<-[:PART_OF]-(s:Mentorship)<-[:MENTOR_IN]-(mr:Person) "
    "WITH me, v, c, live, "
    "collect(CASE WHEN s.status IN " + OPEN_LIST + " THEN s END) AS seats, "
    "collect(CASE WHEN s.status IN " + OPEN_LIST + " THEN mr END) AS members "
    "FOREACH (x IN CASE WHEN live THEN seats ELSE [] END | "
    "  SET x.status = CASE WHEN x.status = 'ACTIVE' THEN 'ENDED' ELSE 'WITHDRAWN' END, "
    "  x.endedAt = $now, x.endedBy = v.id, x.endReason = 'The committee was dissolved.', "
    "  x.updatedAt = $now, x.openKey = null) "
    "SET c.dissolvedAt = coalesce(c.dissolvedAt, $now), c.openKey = null, c.updatedAt = $now "
    "WITH me, v, c, live, members"
    + notify("COMMITTEE_DISSOLVED", imports="v, c, live, members", recipients="members",
             actor="v", target="c", when="live")
    + " WITH me, c, notified" + _RETURN + ", notified"
)


async def dissolve(
    db: Executor, committee_id: str, *, viewer_id: str, now: int, viewer_is_admin: bool = False,
) -> tuple[CommitteeRecord | None, list[NotifiedRecord]]:
    """Dissolve a committee (again: no change); None if there is no such committee."""
    return await write_notifying(db, DISSOLVE, "committee", CommitteeRecord.from_row, {
        "id": committee_id, **viewer_params(viewer_id, viewer_is_admin), "now": now,
    })


GET_MANY: LiteralString = (
    "OPTIONAL MATCH (v:Person {id: $viewer}) WITH v UNWIND $ids AS id "
    "MATCH (me:Person)-[:HAS_COMMITTEE]->(c:Committee {id: id}) "
    "RETURN " + COMMITTEE_MAP + " AS committee"
)


async def get_many(
    db: Executor, ids: Sequence[str], *, viewer_id: str, viewer_is_admin: bool = False,
) -> list[CommitteeRecord | None]:
    return await get_aligned(
        db, GET_MANY, ids, "committee", CommitteeRecord.from_row,
        viewer_params(viewer_id, viewer_is_admin),
    )


CURRENT: LiteralString = (
    "UNWIND $ids AS id MATCH (:Person {id: id})-[:HAS_COMMITTEE]->(c:Committee) "
    "WITH id, c WHERE c.dissolvedAt IS NULL RETURN id, c.id AS committee"
)


async def current_ids(db: Executor, mentee_ids: Sequence[str]) -> list[str | None]:
    """Each mentee's live committee id (or None), aligned with `mentee_ids`."""
    return await get_aligned_rows(db, CURRENT, mentee_ids, itemgetter("id"), itemgetter("committee"))
