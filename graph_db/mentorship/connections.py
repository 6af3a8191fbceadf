"""One mentorship's life: request, accept or decline, withdraw, end; reading them; stats.

Every step is one statement that also notifies (graph_db.notifications.notify) and returns
the mentorship as the acting viewer sees it, with an `outcome`: OK when the step happened,
otherwise why nothing changed (the current status, NOT_ACCEPTING, FULL, HAS_PRIMARY,
BLOCKED). Repeating a step that already happened changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, LiteralString

from graph_db.backend import Executor, Row
from graph_db.batch import get_aligned, get_aligned_or
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.mentorship import (
    MENTORSHIP_MAP,
    ONE_TO_ONE,
    ONE_TO_ONE_LIST,
    OPEN_LIST,
    link_parties,
    open_key,
    returning,
    to_record,
    viewer_params,
)
from graph_db.mentorship.records import (
    MentorshipOutcomeRecord,
    MentorshipRecord,
    MentorshipStatsRecord,
)
from graph_db.notifications import notified, notify
from graph_db.policy import blocks_between


def _outcome(rows: list[dict[str, Any]]) -> MentorshipOutcomeRecord:
    if not rows:
        return MentorshipOutcomeRecord(None, "NOT_FOUND")
    return MentorshipOutcomeRecord(
        to_record(rows[0]), str(rows[0].get("outcome") or "OK"), tuple(notified(rows))
    )


async def _step(
    db: Executor, query: LiteralString, mentorship_id: str, viewer_id: str,
    viewer_is_admin: bool, **params: Any,
) -> MentorshipOutcomeRecord:
    """Run one step on mentorship `mentorship_id` as the viewer: its outcome."""
    rows = await db.write(query, {
        "id": mentorship_id, **params, **viewer_params(viewer_id, viewer_is_admin),
    })
    return _outcome(rows)


# The steps' common parts. A step projects `outcome` (OK, or why nothing changed), changes
# mentorship `m` only when it is OK, then tells the people concerned and re-reads `m`.
def _from_status(status: LiteralString) -> LiteralString:
    """The outcome of a step open only while `m` is `status`: OK, else the status it has."""
    return "CASE WHEN m.status = '" + status + "' THEN 'OK' ELSE m.status END AS outcome "


def _on_ok(changes: LiteralString) -> LiteralString:
    """SET `changes` (on `m`) when the outcome is OK."""
    return "FOREACH (_ IN CASE WHEN outcome = 'OK' THEN [1] ELSE [] END | SET " + changes + ") "


def _tell_on_ok(
    kind: str, carry: LiteralString, recipients: LiteralString, actor: LiteralString
) -> LiteralString:
    """Notify `recipients` of a step that happened (OK); return `m` with outcome, notified."""
    imports = carry + ", outcome"
    return (
        "WITH " + imports
        + notify(kind, imports=imports, recipients=recipients, actor=actor, target="m",
                 when="outcome = 'OK'")
        + returning(", outcome, notified")
    )


def _answered(kind: str) -> LiteralString:
    """The mentor's answer goes to the mentee and to whoever asked."""
    return (
        "WITH mr, me, m, outcome OPTIONAL MATCH (rq:Person {id: m.requestedBy}) "
        + _tell_on_ok(kind, "mr, me, m, rq", "[me, rq]", "mr")
    )


# The mentor (the viewer) answering; anyone the resolver allowed, for the later steps.
_AS_MENTOR: LiteralString = (
    "MATCH (mr:Person {id: $viewer})-[:MENTOR_IN]->(m:Mentorship {id: $id})<-[:MENTEE_IN]-(me:Person)"
)
_AS_VIEWER: LiteralString = (
    "MATCH (mr:Person)-[:MENTOR_IN]->(m:Mentorship {id: $id})<-[:MENTEE_IN]-(me:Person), "
    "(v:Person {id: $viewer}) "
)


# -- request --------------------------------------------------------------------------------

REQUEST: LiteralString = (
    "MATCH (me:Person {id: $mentee}), (mr:Person {id: $mentor}), (rq:Person {id: $requester}) "
    "WITH me, mr, rq, " + blocks_between("me", "mr") + " AS blocked WHERE NOT blocked AND me <> mr "
    "MERGE (m:Mentorship {openKey: $openKey}) "
    "ON CREATE SET m.id = $id, m.kind = $kind, m.status = 'REQUESTED', m.requestedBy = rq.id, "
    "  m.goals = $goals, m.message = $message, m.cadenceDays = $cadenceDays, "
    "  m.createdAt = $now, m.updatedAt = $now "
    "WITH me, mr, rq, m, m.id = $id AS created "
    "FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | " + link_parties() + ") "
    "WITH me, mr, rq, m, created"
    + notify("MENTORSHIP_REQUESTED", imports="mr, rq, m, created", recipients="[mr]", actor="rq",
             target="m", when="created")
    + " WITH m, notified, CASE WHEN created THEN 'OK' ELSE 'EXISTS' END AS outcome"
    + returning(", notified, outcome")
)


async def request(
    db: Executor, *, id: str, kind: str, mentor_id: str, mentee_id: str, requester_id: str,
    goals: str | None, message: str | None, cadence_days: int | None, now: int,
    viewer_is_admin: bool = False,
) -> MentorshipOutcomeRecord:
    """Ask `mentor_id` to mentor `mentee_id` (one-to-one kinds). Outcome OK when created (or
    re-sent with the same `id`), EXISTS with the open mentorship already there, NOT_FOUND when
    either person is missing or a block stands between them."""
    return await _step(
        db, REQUEST, id, requester_id, viewer_is_admin, kind=kind, mentor=mentor_id,
        mentee=mentee_id, requester=requester_id, goals=goals, message=message,
        cadenceDays=cadence_days, now=now,
        openKey=open_key(kind, mentor_id=mentor_id, mentee_id=mentee_id),
    )


# -- respond ---------------------------------------------------------------------------------

# The SET on the mentor comes first (it changes nothing: the count is recomputed below): on
# Neo4j it takes the mentor's write lock before the count, so concurrent acceptances for one
# mentor are serialised and each sees the others.
ACCEPT: LiteralString = (
    _AS_MENTOR + lock("mr", "me", "m") +
    "WITH mr, me, m, m.kind IN " + ONE_TO_ONE_LIST + " AS counted, "
    "size([(mr)-[:MENTOR_IN]->(ax:Mentorship) WHERE ax.status = 'ACTIVE' "
    "  AND ax.kind IN " + ONE_TO_ONE_LIST + " | ax]) AS active, "
    "size([(me)-[:MENTEE_IN]->(px:Mentorship) WHERE px.status = 'ACTIVE' AND px.kind = 'PRIMARY' "
    "  | px]) AS primaries, "
    + blocks_between("me", "mr") + " AS blocked "
    "WITH mr, me, m, counted, active, "
    "CASE WHEN m.status <> 'REQUESTED' THEN m.status "
    "  WHEN blocked THEN 'BLOCKED' "
    "  WHEN counted AND coalesce(mr.acceptingMentees, false) = false THEN 'NOT_ACCEPTING' "
    "  WHEN counted AND active >= coalesce(mr.menteeCapacity, 0) THEN 'FULL' "
    "  WHEN m.kind = 'PRIMARY' AND primaries > 0 THEN 'HAS_PRIMARY' "
    "  ELSE 'OK' END AS outcome "
    + _on_ok("m.status = 'ACTIVE', m.startedAt = $now, m.respondedAt = $now, "
             "m.responseMessage = $message, m.updatedAt = $now")
    + "SET mr.activeMentees = active + CASE WHEN outcome = 'OK' AND counted THEN 1 ELSE 0 END "
    + _answered("MENTORSHIP_ACCEPTED")
)


async def accept(
    db: Executor, mentorship_id: str, *, mentor_id: str, message: str | None, now: int,
    viewer_is_admin: bool = False,
) -> MentorshipOutcomeRecord:
    """The mentor accepts a request: OK, or why not (its status if not REQUESTED; BLOCKED;
    NOT_ACCEPTING or FULL for a one-to-one kind; HAS_PRIMARY); NOT_FOUND unless the viewer is
    its mentor. Exact under concurrent acceptances (see the package docstring)."""
    return await _step(db, ACCEPT, mentorship_id, mentor_id, viewer_is_admin, message=message, now=now)


DECLINE: LiteralString = (
    _AS_MENTOR + " WITH mr, me, m, " + _from_status("REQUESTED")
    + _on_ok("m.status = 'DECLINED', m.respondedAt = $now, m.responseMessage = $message, "
             "m.updatedAt = $now, m.openKey = null")
    + _answered("MENTORSHIP_DECLINED")
)


async def decline(
    db: Executor, mentorship_id: str, *, mentor_id: str, message: str | None, now: int,
    viewer_is_admin: bool = False,
) -> MentorshipOutcomeRecord:
    """The mentor declines a request: OK, or its status if it is no longer REQUESTED."""
    return await _step(db, DECLINE, mentorship_id, mentor_id, viewer_is_admin, message=message, now=now)


WITHDRAW: LiteralString = (
    _AS_VIEWER + "WITH mr, me, m, v, " + _from_status("REQUESTED")
    + _on_ok("m.status = 'WITHDRAWN', m.endedAt = $now, m.endedBy = v.id, m.updatedAt = $now, "
             "m.openKey = null")
    + _tell_on_ok("MENTORSHIP_WITHDRAWN", "mr, m, v", "[mr]", "v")
)


async def withdraw(
    db: Executor, mentorship_id: str, *, viewer_id: str, now: int, viewer_is_admin: bool = False,
) -> MentorshipOutcomeRecord:
    """Withdraw a request (the resolver has checked the viewer may): OK, or its status."""
    return await _step(db, WITHDRAW, mentorship_id, viewer_id, viewer_is_admin, now=now)


END: LiteralString = (
    _AS_VIEWER + "SET mr.activeMentees = coalesce(mr.activeMentees, 0) "
    "WITH mr, me, m, v, " + _from_status("ACTIVE")
    + _on_ok("m.status = 'ENDED', m.endedAt = $now, m.endedBy = v.id, m.endReason = $reason, "
             "m.updatedAt = $now, m.openKey = null")
    + "WITH mr, me, m, v, outcome, "
    "size([(mr)-[:MENTOR_IN]->(ax:Mentorship) WHERE ax.status = 'ACTIVE' "
    "  AND ax.kind IN " + ONE_TO_ONE_LIST + " | ax]) AS active "
    "SET mr.activeMentees = active "
    + _tell_on_ok("MENTORSHIP_ENDED", "mr, me, m, v", "[mr, me]", "v")
)


async def end(
    db: Executor, mentorship_id: str, *, viewer_id: str, reason: str | None, now: int,
    viewer_is_admin: bool = False,
) -> MentorshipOutcomeRecord:
    """End an ACTIVE mentorship (the resolver has checked the viewer may): OK, or its status."""
    return await _step(db, END, mentorship_id, viewer_id, viewer_is_admin, reason=reason, now=now)


UPDATE: LiteralString = (
    "MATCH (m:Mentorship {id: $id}) "
    "SET m.goals = CASE WHEN $setGoals THEN $goals ELSE m.goals END, "
    "m.cadenceDays = CASE WHEN $setCadence THEN $cadenceDays ELSE m.cadenceDays END, "
    "m.updatedAt = $now" + returning()
)


async def update(
    db: Executor, mentorship_id: str, *, viewer_id: str, now: int,
    goals: tuple[str | None] | None = None, cadence_days: tuple[int | None] | None = None,
    viewer_is_admin: bool = False,
) -> MentorshipRecord | None:
    """Change goals and/or the agreed meeting cadence (each given as a 1-tuple; None keeps)."""
    rows = await db.write(UPDATE, {
        "id": mentorship_id, "now": now,
        "setGoals": goals is not None, "goals": goals[0] if goals else None,
        "setCadence": cadence_days is not None,
        "cadenceDays": cadence_days[0] if cadence_days else None,
        **viewer_params(viewer_id, viewer_is_admin),
    })
    return to_record(rows[0]) if rows else None


# -- reading --------------------------------------------------------------------------------

GET_MANY: LiteralString = (
    "OPTIONAL MATCH (v:Person {id: $viewer}) "
    "WITH v UNWIND $ids AS id "
    "MATCH (mr:Person)-[:MENTOR_IN]->(m:Mentorship {id: id})<-[:MENTEE_IN]-(me:Person) "
    "RETURN " + MENTORSHIP_MAP + " AS mentorship"
)


async def get_many(
    db: Executor, ids: Sequence[str], *, viewer_id: str, viewer_is_admin: bool = False,
) -> list[MentorshipRecord | None]:
    """Mentorships by id with the viewer's access flags, aligned with `ids`."""
    return await get_aligned(
        db, GET_MANY, ids, "mentorship", MentorshipRecord.from_row,
        viewer_params(viewer_id, viewer_is_admin),
    )


_KEYSET: LiteralString = past_cursor("m.createdAt", "m.id", descending=True)


def _page(start: LiteralString, where: LiteralString) -> LiteralString:
    """The mentorships `m` that `start` binds and `where` keeps, newest first after the
    keyset (createdAt, id), as the viewer sees them."""
    return (
        start + " WITH m WHERE " + where + " AND " + _KEYSET + " "
        "WITH m ORDER BY m.createdAt DESC, m.id DESC LIMIT $limit"
        + returning() + " ORDER BY m.createdAt DESC, m.id DESC"
    )


# MENTOR_IN: the person's mentees; MENTEE_IN: the person's mentors.
LIST_BY_SIDE: dict[str, LiteralString] = {
    side: _page(
        "MATCH (p:Person {id: $person})-[:" + rel + "]->(m:Mentorship)",
        "m.status IN $statuses AND ($kinds IS NULL OR m.kind IN $kinds)",
    )
    for side, rel in (("MENTOR", "MENTOR_IN"), ("MENTEE", "MENTEE_IN"))
}
LIST_INCOMING: LiteralString = _page(
    "MATCH (p:Person {id: $person})-[:MENTOR_IN]->(m:Mentorship)", "m.status = 'REQUESTED'"
)
LIST_OUTGOING: LiteralString = _page(
    "MATCH (m:Mentorship {requestedBy: $person})", "m.status = 'REQUESTED'"
)


async def _read_page(
    db: Executor, query: LiteralString, person_id: str, after: tuple[int, str] | None,
    limit: int, viewer_id: str, viewer_is_admin: bool, **params: Any,
) -> list[MentorshipRecord]:
    rows = await db.read(query, {
        "person": person_id, "limit": limit, **cursor_params(after), **params,
        **viewer_params(viewer_id, viewer_is_admin),
    })
    return [to_record(r) for r in rows]


async def list_by_person(
    db: Executor, person_id: str, side: str, *, statuses: Sequence[str],
    kinds: Sequence[str] | None, after: tuple[int, str] | None, limit: int,
    viewer_id: str, viewer_is_admin: bool = False,
) -> list[MentorshipRecord]:
    """A person's mentorships as MENTOR (their mentees) or MENTEE (their mentors), newest
    first, after the keyset (createdAt, id)."""
    return await _read_page(
        db, LIST_BY_SIDE[side], person_id, after, limit, viewer_id, viewer_is_admin,
        statuses=list(statuses), kinds=list(kinds) if kinds is not None else None,
    )


async def list_requests(
    db: Executor, person_id: str, direction: str, *, after: tuple[int, str] | None, limit: int,
    viewer_id: str, viewer_is_admin: bool = False,
) -> list[MentorshipRecord]:
    """Pending requests: INCOMING (awaiting the person's answer as mentor) or OUTGOING (the
    person asked), newest first."""
    query = LIST_INCOMING if direction == "INCOMING" else LIST_OUTGOING
    return await _read_page(db, query, person_id, after, limit, viewer_id, viewer_is_admin)


PAIR_STATE: LiteralString = (
    "MATCH (me:Person {id: $mentee}) OPTIONAL MATCH (mr:Person {id: $mentor}) "
    "RETURN mr IS NOT NULL AS mentorExists, "
    + blocks_between("me", "mr") + " AS blocked, "
    "[(me)-[:MENTEE_IN]->(om:Mentorship)<-[:MENTOR_IN]-(mr) WHERE om.status IN " + OPEN_LIST
    + " | om.kind] AS openKinds, "
    "size([(me)-[:MENTEE_IN]->(pm:Mentorship) WHERE pm.status = 'ACTIVE' AND pm.kind = 'PRIMARY' "
    "  | pm]) AS primaries, "
    "mr.acceptingMentees AS accepting, mr.menteeCapacity AS capacity, "
    "coalesce(mr.activeMentees, 0) AS active, mr.rank AS mentorRank, me.rank AS menteeRank"
)


async def get_pair_state(db: Executor, *, mentee_id: str, mentor_id: str) -> dict[str, Any] | None:
    """What a request from `mentee_id` to `mentor_id` must know (None: no such mentee)."""
    rows = await db.read(PAIR_STATE, {"mentee": mentee_id, "mentor": mentor_id})
    return rows[0] if rows else None


STATS: LiteralString = (
    "UNWIND $ids AS id MATCH (p:Person {id: id}) "
    "RETURN id, coalesce(p.menteeCapacity, 0) AS menteeCapacity, "
    "coalesce(p.acceptingMentees, false) AS acceptingMentees, "
    "[(p)-[:MENTOR_IN]->(s:Mentorship)<-[:MENTEE_IN]-(x:Person) "
    "  | [s.kind, s.status, s.startedAt, x.id]] AS mentoring, "
    "size([(p)-[:MENTEE_IN]->(r:Mentorship) WHERE r.status = 'ACTIVE' | r]) AS activeMentors"
)


async def get_stats(db: Executor, ids: Sequence[str]) -> list[MentorshipStatsRecord]:
    """Mentoring load, capacity and experience per person, aligned with `ids`."""
    return await get_aligned_or(
        db, STATS, ids, itemgetter("id"), _stats, lambda i: MentorshipStatsRecord(id=i)
    )


def _stats(r: Row) -> MentorshipStatsRecord:
    active = [(kind, mentee) for kind, status, _, mentee in r["mentoring"] if status == "ACTIVE"]
    started = [(at, mentee) for _, _, at, mentee in r["mentoring"] if at is not None]
    return MentorshipStatsRecord(
        id=r["id"], menteeCapacity=int(r["menteeCapacity"]),
        acceptingMentees=bool(r["acceptingMentees"]),
        activeMentees=sum(1 for kind, _ in active if kind in ONE_TO_ONE),
        committeeSeats=sum(1 for kind, _ in active if kind == "COMMITTEE"),
        boardSeats=sum(1 for kind, _ in active if kind == "BOARD"),
        activeMentors=int(r["activeMentors"]),
        menteesEver=len({mentee for _, mentee in started}),
        firstStartedAt=min((at for at, _ in started), default=None),
    )


# -- bulk writes (import, synthetic networks) ----------------------------------------------

CREATE_MANY: LiteralString = (
    "UNWIND $rows AS row "
    "MATCH (mr:Person {id: row.mentorId}), (me:Person {id: row.menteeId}) "
    "MERGE (m:Mentorship {id: row.id}) "
    "ON CREATE SET m.kind = row.kind, m.status = row.status, m.requestedBy = me.id, "
    "  m.goals = row.goals, m.message = row.message, m.cadenceDays = row.cadenceDays, "
    "  m.createdAt = row.createdAt, m.updatedAt = coalesce(row.endedAt, row.startedAt, row.createdAt), "
    "  m.respondedAt = row.startedAt, m.startedAt = row.startedAt, m.endedAt = row.endedAt, "
    "  m.openKey = CASE WHEN row.status IN " + OPEN_LIST + " THEN row.openKey ELSE null END "
    + link_parties("row.createdAt") +
    "WITH DISTINCT mr "
    "WITH mr, size([(mr)-[:MENTOR_IN]->(ax:Mentorship) WHERE ax.status = 'ACTIVE' "
    "  AND ax.kind IN " + ONE_TO_ONE_LIST + " | ax]) AS active "
    "SET mr.activeMentees = active "
    "RETURN count(mr) AS mentors"
)


async def create_many(db: Executor, rows: Sequence[Mapping[str, Any]]) -> int:
    """Create one-to-one mentorships in one statement (idempotent by id; no notifications).

    Each row: id, mentorId, menteeId, kind (one-to-one), status, createdAt, startedAt,
    endedAt (None unless ENDED), goals, message, cadenceDays. Each mentor's `activeMentees`
    is recounted. Capacity is the caller's to respect (this is an import path). Returns how
    many distinct mentors the batch touched.
    """
    if not rows:
        return 0
    payload = []
    for row in rows:
        if row["kind"] not in ONE_TO_ONE:
            raise ValueError(f"bulk mentorships are one-to-one, not {row['kind']}")
        payload.append({
            "goals": None, "message": None, "cadenceDays": None, "startedAt": None,
            "endedAt": None, **row,
            "openKey": open_key(row["kind"], mentor_id=row["mentorId"], mentee_id=row["menteeId"]),
        })
    result = await db.write(CREATE_MANY, {"rows": payload})
    return int(result[0]["mentors"]) if result else 0
