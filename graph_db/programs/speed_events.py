"""Speed-mentoring events: registration with capacity per role, a FIFO waitlist, check-in,
cancellation and the published rotation.

- (o:Person)-[:HOSTS {createdAt}]->(e:Event {id, kind: 'SPEED_MENTORING', title, startsAt,
  endsAt, timeZone, opensAt, closesAt, leaderCapacity, participantCapacity, seatsPerTable,
  status: SCHEDULED|CANCELLED, seq, publishedAt, rounds, tableLeaders}); `programId` when a
  program runs it.
- (p:Person)-[r:REGISTERED_FOR {role: LEADER|PARTICIPANT, status: CONFIRMED|WAITLISTED, seq,
  createdAt, checkedInAt, promotedAt, tables}]->(e). `seq` comes from the event's counter, so
  the waitlist of a role is its WAITLISTED registrations by `seq` (strictly FIFO). A cancelled
  registration is deleted.

Every statement that reads a count and writes on it first locks the event (graph_db.locks.lock):
on Neo4j that takes the event's write lock before the count is read, so concurrent
registrations and cancellations of one event run one after the other (read-committed would
otherwise let two of them see the same free seat); FalkorDB runs each write alone anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor, all_records, first_record
from graph_db.batch import aligned_reader
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.notifications import notified, notify
from graph_db.programs.records import (
    RegistrationOutcomeRecord,
    RegistrationRecord,
    RotationPersonRecord,
    SpeedEventRecord,
)

ROLES: tuple[str, ...] = ("LEADER", "PARTICIPANT")

EVENT_MAP: LiteralString = (
    "e {.id, .title, .description, .startsAt, .endsAt, .timeZone, .location, .link, .opensAt, "
    ".closesAt, .leaderCapacity, .participantCapacity, .seatsPerTable, .status, .createdAt, "
    ".programId, .cancelledAt, .publishedAt, .rounds, .tableLeaders, "
    "organiserIds: [(e)<-[:HOSTS]-(o:Person) | o.id], "
    "tally: [(e)<-[t:REGISTERED_FOR]-(:Person) | t.role + ':' + t.status + "
    "  CASE WHEN t.checkedInAt IS NULL THEN '' ELSE ':IN' END]}"
)

# `r` of `p` for event `e`; its place in line counts the same role's earlier waitlisted.
REGISTRATION_MAP: LiteralString = (
    "{eventId: e.id, personId: p.id, role: r.role, status: r.status, seq: r.seq, "
    "createdAt: r.createdAt, checkedInAt: r.checkedInAt, promotedAt: r.promotedAt, "
    "tables: r.tables, "
    "ahead: size([(e)<-[q:REGISTERED_FOR]-(:Person) WHERE q.role = r.role "
    "  AND q.status = 'WAITLISTED' AND q.seq < r.seq | q])}"
)


def _event(row: dict[str, Any]) -> SpeedEventRecord:
    tally: dict[str, int] = {}
    checked_in = 0
    for entry in row.pop("tally", None) or ():
        role, status, *rest = entry.split(":")
        tally[f"{role}:{status}"] = tally.get(f"{role}:{status}", 0) + 1
        checked_in += 1 if rest else 0
    row["organiserIds"] = tuple(sorted(row.get("organiserIds") or ()))
    row["tableLeaders"] = tuple(row.get("tableLeaders") or ())
    return SpeedEventRecord.from_row({
        **row,
        "leadersConfirmed": tally.get("LEADER:CONFIRMED", 0),
        "leadersWaitlisted": tally.get("LEADER:WAITLISTED", 0),
        "participantsConfirmed": tally.get("PARTICIPANT:CONFIRMED", 0),
        "participantsWaitlisted": tally.get("PARTICIPANT:WAITLISTED", 0),
        "checkedIn": checked_in,
    })


def _registration(row: dict[str, Any]) -> RegistrationRecord:
    ahead = row.pop("ahead", 0)
    return RegistrationRecord.from_row({
        **row,
        "tables": tuple(row.get("tables") or ()),
        "waitlistPosition": ahead + 1 if row["status"] == "WAITLISTED" else None,
    })


# -- events ----------------------------------------------------------------------------------

CREATE_EVENT: LiteralString = (
    "MATCH (o:Person {id: $viewer}) "
    "MERGE (e:Event {id: $id}) ON CREATE SET e.kind = 'SPEED_MENTORING', e.title = $title, "
    "  e.description = $description, e.startsAt = $startsAt, e.endsAt = $endsAt, "
    "  e.timeZone = $timeZone, e.location = $location, e.link = $link, e.opensAt = $opensAt, "
    "  e.closesAt = $closesAt, e.leaderCapacity = $leaderCapacity, "
    "  e.participantCapacity = $participantCapacity, e.seatsPerTable = $seatsPerTable, "
    "  e.programId = $programId, e.status = 'SCHEDULED', e.seq = 0, e.createdAt = $now, "
    "  e.createdBy = $viewer "
    "MERGE (o)-[h:HOSTS]->(e) ON CREATE SET h.createdAt = $now "
    "RETURN " + EVENT_MAP + " AS event"
)


async def create_event(
    db: Executor, *, id: str, viewer_id: str, now: int, title: str, description: str | None,
    starts_at: int, ends_at: int, time_zone: str, location: str | None, link: str | None,
    opens_at: int, closes_at: int, leader_capacity: int, participant_capacity: int,
    seats_per_table: int | None, program_id: str | None,
) -> SpeedEventRecord | None:
    """Create an event hosted by `viewer_id` (None if that person does not exist)."""
    return await first_record(db.write, CREATE_EVENT, "event", _event, {
        "id": id, "viewer": viewer_id, "now": now, "title": title, "description": description,
        "startsAt": starts_at, "endsAt": ends_at, "timeZone": time_zone, "location": location,
        "link": link, "opensAt": opens_at, "closesAt": closes_at,
        "leaderCapacity": leader_capacity, "participantCapacity": participant_capacity,
        "seatsPerTable": seats_per_table, "programId": program_id,
    })


GET_EVENTS: LiteralString = (
    "UNWIND $ids AS id MATCH (e:Event {id: id}) WHERE e.kind = 'SPEED_MENTORING' "
    "RETURN " + EVENT_MAP + " AS event"
)
# Events by id, aligned with `ids`.
get_many = aligned_reader(GET_EVENTS, "event", _event)


LIST_EVENTS: LiteralString = (
    "MATCH (e:Event) WHERE e.kind = 'SPEED_MENTORING' AND e.endsAt >= $from "
    "AND " + past_cursor("e.startsAt", "e.id", descending=False) + " "
    "RETURN " + EVENT_MAP + " AS event ORDER BY e.startsAt, e.id LIMIT $limit"
)


async def list_events(
    db: Executor, *, ending_after: int, after: tuple[int, str] | None, limit: int
) -> list[SpeedEventRecord]:
    """Events not yet over, soonest first, after the keyset (startsAt, id)."""
    return await all_records(
        db.read, LIST_EVENTS, "event", _event,
        {"from": ending_after, **cursor_params(after), "limit": limit},
    )


CANCEL_EVENT: LiteralString = (
    "MATCH (e:Event {id: $event}) WHERE e.kind = 'SPEED_MENTORING' " + lock("e") +
    "WITH e, e.status = 'SCHEDULED' AS live "
    "SET e.status = 'CANCELLED', e.cancelledAt = coalesce(e.cancelledAt, $now) "
    "WITH e, live, [(e)<-[:REGISTERED_FOR]-(p:Person) | p] AS everyone"
    # The event is the actor: everyone registered hears of it, whoever blocked an organiser.
    + notify("EVENT_CANCELLED", imports="e, live, everyone", recipients="everyone", actor="e",
             target="e", when="live")
    + " RETURN " + EVENT_MAP + " AS event, live, notified"
)


async def cancel_event(
    db: Executor, event_id: str, *, now: int
) -> tuple[SpeedEventRecord | None, bool, list[Any]]:
    """Cancel an event and tell everyone registered: (event, whether it was live, notified)."""
    rows = await db.write(CANCEL_EVENT, {"event": event_id, "now": now})
    if not rows:
        return None, False, []
    return _event(rows[0]["event"]), bool(rows[0]["live"]), notified(rows)


# -- registrations -----------------------------------------------------------------------------

# The event is written first (the lock), then the role's confirmed seats are counted.
REGISTER: LiteralString = (
    "MATCH (e:Event {id: $event}) WHERE e.kind = 'SPEED_MENTORING' " + lock("e") +
    "WITH e MATCH (p:Person {id: $person}) "
    "OPTIONAL MATCH (p)-[old:REGISTERED_FOR]->(e) "
    "WITH e, p, old, "
    "size([(e)<-[c:REGISTERED_FOR]-(:Person) WHERE c.role = $role AND c.status = 'CONFIRMED' "
    "  | c]) AS taken, "
    "CASE $role WHEN 'LEADER' THEN e.leaderCapacity ELSE e.participantCapacity END AS capacity "
    "WITH e, p, coalesce(e.seq, 0) + 1 AS seq, "
    "CASE WHEN old IS NOT NULL THEN 'EXISTS' WHEN e.status <> 'SCHEDULED' THEN 'CANCELLED' "
    "  WHEN $now < e.opensAt OR $now >= e.closesAt THEN 'CLOSED' ELSE 'OK' END AS outcome, "
    "CASE WHEN taken < capacity THEN 'CONFIRMED' ELSE 'WAITLISTED' END AS status "
    "FOREACH (_ IN CASE WHEN outcome = 'OK' THEN [1] ELSE [] END | "
    "  SET e.seq = seq "
    "  CREATE (p)-[:REGISTERED_FOR {role: $role, status: status, seq: seq, createdAt: $now}]->(e)) "
    "WITH e, p, outcome OPTIONAL MATCH (p)-[r:REGISTERED_FOR]->(e) "
    "RETURN outcome, CASE WHEN r IS NULL THEN null ELSE " + REGISTRATION_MAP + " END AS registration"
)


async def register(
    db: Executor, event_id: str, person_id: str, *, role: str, now: int
) -> RegistrationOutcomeRecord:
    """Register a member: CONFIRMED while the role has seats, else WAITLISTED at the end.

    Outcomes: OK, EXISTS (already registered: that registration), CANCELLED, CLOSED (outside
    the registration window), NOT_FOUND (no such event or person)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    rows = await db.write(REGISTER, {"event": event_id, "person": person_id, "role": role, "now": now})
    if not rows:
        return RegistrationOutcomeRecord("NOT_FOUND")
    found = rows[0]["registration"]
    return RegistrationOutcomeRecord(rows[0]["outcome"], _registration(found) if found else None)


# Removing a registration frees its seat when it was confirmed; the role's waitlist then
# moves up into every free seat, oldest first, and each member promoted is notified.
CANCEL_REGISTRATION: LiteralString = (
    "MATCH (e:Event {id: $event}) WHERE e.kind = 'SPEED_MENTORING' " + lock("e") +
    "WITH e MATCH (p:Person {id: $person})-[r:REGISTERED_FOR]->(e) "
    "WITH e, p, r, r.role AS role, "
    "CASE r.role WHEN 'LEADER' THEN e.leaderCapacity ELSE e.participantCapacity END AS capacity "
    "DELETE r "
    "WITH e, p, role, capacity, "
    "size([(e)<-[c:REGISTERED_FOR]-(:Person) WHERE c.role = role AND c.status = 'CONFIRMED' "
    "  | c]) AS taken "
    "WITH e, p, role, CASE WHEN e.status = 'SCHEDULED' AND capacity > taken "
    "  THEN capacity - taken ELSE 0 END AS free "
    "OPTIONAL MATCH (w:Person)-[wr:REGISTERED_FOR]->(e) "
    "  WHERE wr.role = role AND wr.status = 'WAITLISTED' "
    "WITH e, p, free, w, wr ORDER BY wr.seq "
    "WITH e, p, free, collect(wr) AS queue, collect(w) AS waiting "
    "WITH e, p, queue[..free] AS moving, waiting[..free] AS promoted "
    "FOREACH (x IN moving | SET x.status = 'CONFIRMED', x.promotedAt = $now) "
    "WITH e, p, promoted"
    # The event is the actor: the member promoted is not told who cancelled.
    + notify("EVENT_SEAT_CONFIRMED", imports="e, promoted", recipients="promoted", actor="e",
             target="e")
    + " RETURN [x IN promoted | x.id] AS promoted, notified"
)


async def cancel_registration(
    db: Executor, event_id: str, person_id: str, *, now: int
) -> RegistrationOutcomeRecord:
    """Remove a registration and promote the role's waitlist into the seats it frees.

    Outcomes: OK (with the ids promoted, in order) or NOT_FOUND (not registered)."""
    rows = await db.write(CANCEL_REGISTRATION, {"event": event_id, "person": person_id, "now": now})
    if not rows:
        return RegistrationOutcomeRecord("NOT_FOUND")
    return RegistrationOutcomeRecord(
        "OK", promoted=tuple(rows[0]["promoted"]), notified=tuple(notified(rows))
    )


CHECK_IN: LiteralString = (
    "MATCH (e:Event {id: $event})<-[r:REGISTERED_FOR]-(p:Person {id: $person}) "
    "WHERE e.kind = 'SPEED_MENTORING' "
    "WITH e, p, r, CASE WHEN e.status <> 'SCHEDULED' THEN 'CANCELLED' "
    "  WHEN r.status <> 'CONFIRMED' THEN 'WAITLISTED' ELSE 'OK' END AS outcome "
    "FOREACH (_ IN CASE WHEN outcome = 'OK' THEN [1] ELSE [] END | "
    "  SET r.checkedInAt = coalesce(r.checkedInAt, $now)) "
    "RETURN outcome, " + REGISTRATION_MAP + " AS registration"
)


async def check_in(db: Executor, event_id: str, person_id: str, *, now: int) -> RegistrationOutcomeRecord:
    """Mark a confirmed registrant present (again changes nothing).

    Outcomes: OK, CANCELLED (the event), WAITLISTED (not confirmed), NOT_FOUND."""
    rows = await db.write(CHECK_IN, {"event": event_id, "person": person_id, "now": now})
    if not rows:
        return RegistrationOutcomeRecord("NOT_FOUND")
    return RegistrationOutcomeRecord(rows[0]["outcome"], _registration(rows[0]["registration"]))


GET_REGISTRATIONS: LiteralString = (
    "MATCH (p:Person {id: $person}) UNWIND $events AS id "
    "MATCH (p)-[r:REGISTERED_FOR]->(e:Event {id: id}) RETURN " + REGISTRATION_MAP + " AS registration"
)


async def get_registrations(
    db: Executor, person_id: str, event_ids: Sequence[str]
) -> list[RegistrationRecord | None]:
    """A member's registrations for `event_ids`, aligned (None where not registered)."""
    if not event_ids:
        return []
    rows = await db.read(GET_REGISTRATIONS, {"person": person_id, "events": list(dict.fromkeys(event_ids))})
    found = {r["registration"]["eventId"]: _registration(r["registration"]) for r in rows}
    return [found.get(i) for i in event_ids]


LIST_REGISTRATIONS: LiteralString = (
    "MATCH (e:Event {id: $event})<-[r:REGISTERED_FOR]-(p:Person) "
    "RETURN " + REGISTRATION_MAP + " AS registration ORDER BY r.seq"
)


async def list_registrations(db: Executor, event_id: str) -> list[RegistrationRecord]:
    """Everyone registered for an event, in the order they registered."""
    return await all_records(db.read, LIST_REGISTRATIONS, "registration", _registration, {"event": event_id})


# -- the rotation ------------------------------------------------------------------------------

CHECKED_IN: LiteralString = (
    "MATCH (e:Event {id: $event})<-[r:REGISTERED_FOR]-(p:Person) "
    "WHERE r.status = 'CONFIRMED' AND r.checkedInAt IS NOT NULL "
    "RETURN p.id AS id, r.role AS role, [(p)-[:INTERESTED_IN]->(i) | i.id] AS interests, "
    "[(p)-[:OFFERS_MENTORSHIP_IN]->(a) | a.id] AS offers, "
    "[(p)-[:SEEKS_MENTORSHIP_IN]->(a) | a.id] AS seeks ORDER BY p.id"
)


async def list_checked_in(db: Executor, event_id: str) -> list[RotationPersonRecord]:
    """Everyone confirmed and checked in, with their interests and mentorship areas."""
    rows = await db.read(CHECKED_IN, {"event": event_id})
    return [
        RotationPersonRecord(
            id=r["id"], role=r["role"], interests=frozenset(r["interests"]),
            offers=frozenset(r["offers"]), seeks=frozenset(r["seeks"]),
        )
        for r in rows
    ]


# Stored once: a second publication (or a concurrent one) finds `publishedAt` set and
# changes nothing.
PUBLISH_ROTATION: LiteralString = (
    "MATCH (e:Event {id: $event}) WHERE e.kind = 'SPEED_MENTORING' " + lock("e") +
    "WITH e, e.publishedAt IS NULL AND e.status = 'SCHEDULED' AS fresh "
    "SET e.publishedAt = CASE WHEN fresh THEN $now ELSE e.publishedAt END, "
    "e.rounds = CASE WHEN fresh THEN $rounds ELSE e.rounds END, "
    "e.tableLeaders = CASE WHEN fresh THEN $tableLeaders ELSE e.tableLeaders END "
    "WITH e, fresh "
    "CALL { WITH e, fresh UNWIND CASE WHEN fresh THEN $seats ELSE [] END AS seat "
    "  MATCH (e)<-[r:REGISTERED_FOR]-(:Person {id: seat.person}) SET r.tables = seat.tables "
    "  RETURN count(r) AS seated } "
    "RETURN fresh, seated, " + EVENT_MAP + " AS event"
)


async def publish_rotation(
    db: Executor, event_id: str, *, rounds: int, table_leaders: Sequence[str],
    seats: dict[str, list[str]], now: int,
) -> tuple[SpeedEventRecord | None, bool]:
    """Store a rotation (participant id -> the leader met in each round) unless one is
    already published: (the event, whether this call stored it)."""
    rows = await db.write(PUBLISH_ROTATION, {
        "event": event_id, "rounds": rounds, "tableLeaders": list(table_leaders), "now": now,
        "seats": [{"person": person, "tables": tables} for person, tables in seats.items()],
    })
    if not rows:
        return None, False
    return _event(rows[0]["event"]), bool(rows[0]["fresh"])
