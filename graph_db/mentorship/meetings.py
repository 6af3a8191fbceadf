"""Meetings and milestones on a mentorship.

(m:Mentorship)-[:HAS_MEETING]->(:Meeting {id, date, notes, createdBy, createdAt}) and
(m)-[:HAS_MILESTONE]->(:Milestone {id, title, dueAt, completedAt, completedBy, ...}).
Only the two parties write them (the statements require the writer to be MENTOR_IN or
MENTEE_IN the mentorship), and only while it is ACTIVE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor, all_records, first_record
from graph_db.batch import aligned_reader, list_aligned
from graph_db.keyset import cursor_params, past_cursor
from graph_db.mentorship.records import MeetingRecord, MilestoneRecord

MAX_MILESTONES = 50

MEETING_MAP: LiteralString = "mt {.id, .date, .notes, .createdBy, .createdAt, mentorshipId: m.id}"
MILESTONE_MAP: LiteralString = (
    "ms {.id, .title, .dueAt, .completedAt, .completedBy, .createdBy, .createdAt, mentorshipId: m.id}"
)

LOG_MEETING: LiteralString = (
    "MATCH (v:Person {id: $viewer})-[:MENTOR_IN|MENTEE_IN]->(m:Mentorship {id: $mentorship}) "
    "WITH v, m WHERE m.status = 'ACTIVE' "
    "MERGE (mt:Meeting {id: $id}) ON CREATE SET mt.date = $date, mt.notes = $notes, "
    "  mt.createdBy = v.id, mt.createdAt = $now "
    "MERGE (m)-[h:HAS_MEETING]->(mt) ON CREATE SET h.createdAt = $now "
    "SET m.updatedAt = $now, m.lastMeetingAt = CASE WHEN m.lastMeetingAt IS NULL "
    "  OR mt.date > m.lastMeetingAt THEN mt.date ELSE m.lastMeetingAt END "
    "RETURN " + MEETING_MAP + " AS meeting"
)


async def log_meeting(
    db: Executor, *, id: str, mentorship_id: str, viewer_id: str, date: int, notes: str | None,
    now: int,
) -> MeetingRecord | None:
    """Record a meeting (idempotent by id); None unless the viewer is a party to an ACTIVE
    mentorship."""
    return await first_record(db.write, LOG_MEETING, "meeting", MeetingRecord.from_row, {
        "id": id, "mentorship": mentorship_id, "viewer": viewer_id, "date": date,
        "notes": notes, "now": now,
    })


LIST_MEETINGS: LiteralString = (
    "MATCH (m:Mentorship {id: $mentorship})-[:HAS_MEETING]->(mt:Meeting) "
    "WITH m, mt WHERE " + past_cursor("mt.date", "mt.id", descending=True) + " "
    "RETURN " + MEETING_MAP + " AS meeting ORDER BY mt.date DESC, mt.id DESC LIMIT $limit"
)


async def list_meetings(
    db: Executor, mentorship_id: str, *, after: tuple[int, str] | None, limit: int
) -> list[MeetingRecord]:
    """A mentorship's meetings, most recent date first, after the keyset (date, id)."""
    return await all_records(db.read, LIST_MEETINGS, "meeting", MeetingRecord.from_row, {
        "mentorship": mentorship_id, **cursor_params(after), "limit": limit,
    })


GET_MEETINGS: LiteralString = (
    "UNWIND $ids AS id MATCH (m:Mentorship)-[:HAS_MEETING]->(mt:Meeting {id: id}) "
    "RETURN " + MEETING_MAP + " AS meeting"
)
get_meetings = aligned_reader(GET_MEETINGS, "meeting", MeetingRecord.from_row)


ADD_MILESTONE: LiteralString = (
    "MATCH (v:Person {id: $viewer})-[:MENTOR_IN|MENTEE_IN]->(m:Mentorship {id: $mentorship}) "
    "WITH v, m WHERE m.status = 'ACTIVE' "
    "OPTIONAL MATCH (known:Milestone {id: $id}) "
    "WITH v, m, known, size([(m)-[:HAS_MILESTONE]->(xm:Milestone) | xm]) AS taken "
    "WITH v, m WHERE known IS NOT NULL OR taken < $max "
    "MERGE (ms:Milestone {id: $id}) ON CREATE SET ms.title = $title, ms.dueAt = $dueAt, "
    "  ms.createdBy = v.id, ms.createdAt = $now "
    "MERGE (m)-[h:HAS_MILESTONE]->(ms) ON CREATE SET h.createdAt = $now "
    "SET m.updatedAt = $now "
    "RETURN " + MILESTONE_MAP + " AS milestone"
)


async def add_milestone(
    db: Executor, *, id: str, mentorship_id: str, viewer_id: str, title: str,
    due_at: int | None, now: int, max_milestones: int = MAX_MILESTONES,
) -> MilestoneRecord | None:
    """Set a milestone (idempotent by id); None unless the viewer is a party to an ACTIVE
    mentorship with room for another."""
    return await first_record(db.write, ADD_MILESTONE, "milestone", MilestoneRecord.from_row, {
        "id": id, "mentorship": mentorship_id, "viewer": viewer_id, "title": title,
        "dueAt": due_at, "now": now, "max": max_milestones,
    })


SET_COMPLETED: LiteralString = (
    "MATCH (v:Person {id: $viewer})-[:MENTOR_IN|MENTEE_IN]->(m:Mentorship)"
    "-[:HAS_MILESTONE]->(ms:Milestone {id: $id}) "
    "WITH v, m, ms WHERE m.status = 'ACTIVE' "
    "SET ms.completedAt = CASE WHEN NOT $completed THEN null "
    "  WHEN ms.completedAt IS NULL THEN $now ELSE ms.completedAt END, "
    "ms.completedBy = CASE WHEN NOT $completed THEN null "
    "  WHEN ms.completedAt IS NULL THEN v.id ELSE ms.completedBy END, "
    "m.updatedAt = $now "
    "RETURN " + MILESTONE_MAP + " AS milestone"
)


async def set_completed(
    db: Executor, milestone_id: str, *, viewer_id: str, completed: bool, now: int
) -> MilestoneRecord | None:
    """Complete (or reopen) a milestone; completing twice keeps the first completion.
    None unless the viewer is a party to its ACTIVE mentorship."""
    return await first_record(db.write, SET_COMPLETED, "milestone", MilestoneRecord.from_row, {
        "id": milestone_id, "viewer": viewer_id, "completed": completed, "now": now,
    })


LIST_MILESTONES: LiteralString = (
    "UNWIND $ids AS id MATCH (m:Mentorship {id: id})-[:HAS_MILESTONE]->(ms:Milestone) "
    "RETURN id, " + MILESTONE_MAP + " AS milestone"
)


async def list_milestones(db: Executor, mentorship_ids: Sequence[str]) -> list[list[MilestoneRecord]]:
    """Each mentorship's milestones (open ones by due date, then completed ones), aligned."""
    found = await list_aligned(
        db, LIST_MILESTONES, mentorship_ids, "id", lambda r: MilestoneRecord.from_row(r["milestone"])
    )
    return [sorted(items, key=_milestone_order) for items in found]


def _milestone_order(ms: MilestoneRecord) -> tuple[Any, ...]:
    never = 2**62
    return (ms.completedAt is not None, ms.dueAt if ms.dueAt is not None else never,
            ms.createdAt, ms.id)


GET_MILESTONES: LiteralString = (
    "UNWIND $ids AS id MATCH (m:Mentorship)-[:HAS_MILESTONE]->(ms:Milestone {id: id}) "
    "RETURN " + MILESTONE_MAP + " AS milestone"
)
get_milestones = aligned_reader(GET_MILESTONES, "milestone", MilestoneRecord.from_row)
