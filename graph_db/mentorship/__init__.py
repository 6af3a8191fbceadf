"""Mentorship: connections between mentors and mentees, and what hangs off them.

The graph, for every module of this package:
- (:Mentorship {id, kind, status, requestedBy, goals, message, cadenceDays, createdAt,
  updatedAt, respondedAt, responseMessage, startedAt, endedAt, endedBy, endReason, openKey})
  with (mentor:Person)-[:MENTOR_IN]->(m) and (mentee:Person)-[:MENTEE_IN]->(m).
  kind: PRIMARY, SECONDARY, PEER (one to one), COMMITTEE (a seat: (m)-[:PART_OF]->(:Committee))
  or BOARD (a member on a personal board: (:Advisor)-[:FOR]->(m)).
  status: REQUESTED -> ACTIVE -> ENDED, or REQUESTED -> DECLINED / WITHDRAWN.
- `openKey` (unique) is set while a mentorship is open (REQUESTED or ACTIVE) and cleared when
  it closes: one open one-to-one mentorship per (mentor, mentee), one seat per committee and
  member, one board seat per (mentee, member). Requests MERGE on it, so a retried or
  concurrent duplicate lands on the same node.
- Person.activeMentees: how many ACTIVE one-to-one mentorships the person mentors, recounted
  by every statement that changes one (acceptance, end, bulk import) in that statement, so
  matching can filter on it without walking edges. Capacity (menteeCapacity,
  acceptingMentees) applies to one-to-one kinds; committee and board seats are invitations
  to serve and do not use it.
- (:Mentorship)-[:HAS_MEETING]->(:Meeting {id, date, notes, createdBy, createdAt}) (and
  Mentorship.lastMeetingAt, kept by the statement that logs one),
  (:Mentorship)-[:HAS_MILESTONE]->(:Milestone {id, title, dueAt, completedAt, ...}).
- (mentee)-[:HAS_COMMITTEE]->(:Committee), (mentee)-[:HAS_ADVISOR]->(:Advisor).
- (a:Person)-[:SUPERVISES]->(b:Person): the reporting line, set by admins or import.
- (p:Person)-[:IN_PROGRAM {role: ADMIN|MEMBER}]->(:Program): a program's admins are
  "program admins" for its members (as is every site ADMIN).

Acceptance is exact under concurrency: the statement first writes the mentor node (on Neo4j
that takes the mentor's write lock, so concurrent acceptances for one mentor queue; FalkorDB
runs write queries one at a time per graph), then counts the mentor's ACTIVE mentorships and
flips the status only while the count is under capacity.
"""

from __future__ import annotations

from typing import Any, LiteralString

from graph_db.mentorship.records import MentorshipRecord
from graph_db.policy import runs_program_of

KINDS: tuple[str, ...] = ("PRIMARY", "SECONDARY", "PEER", "COMMITTEE", "BOARD")
ONE_TO_ONE: tuple[str, ...] = ("PRIMARY", "SECONDARY", "PEER")  # the kinds capacity counts
STATUSES: tuple[str, ...] = ("REQUESTED", "ACTIVE", "DECLINED", "WITHDRAWN", "ENDED")
OPEN: tuple[str, ...] = ("REQUESTED", "ACTIVE")
DAY_MS = 86_400_000

# Cypher list literals of the tuples above (kept equal by tests/unit/test_mentorship_rules.py).
ONE_TO_ONE_LIST: LiteralString = "['PRIMARY', 'SECONDARY', 'PEER']"
OPEN_LIST: LiteralString = "['REQUESTED', 'ACTIVE']"


def open_key(kind: str, *, mentor_id: str, mentee_id: str, committee_id: str | None = None) -> str:
    """The key that keeps one open mentorship per slot (see the module docstring)."""
    if kind in ONE_TO_ONE:
        return f"pair:{mentor_id}:{mentee_id}"
    if kind == "COMMITTEE":
        assert committee_id is not None
        return f"committee:{committee_id}:{mentor_id}"
    return f"board:{mentee_id}:{mentor_id}"


def program_admin(viewer: LiteralString, mentee: LiteralString) -> LiteralString:
    """Whether node `viewer` (possibly null) administers a program node `mentee` is in.
    A site ADMIN is a program admin too; the resolvers add that (`$viewerIsAdmin`)."""
    return (
        "($viewerIsAdmin OR size([" + runs_program_of(viewer, mentee) + " | 1]) > 0)"
    )


def viewer_params(viewer_id: str, viewer_is_admin: bool) -> dict[str, Any]:
    """The parameters `program_admin` and the maps built on it read: $viewer, $viewerIsAdmin."""
    return {"viewer": viewer_id, "viewerIsAdmin": viewer_is_admin}


# Projects a mentorship `m` (mentor `mr`, mentee `me`, viewer `v` possibly null) to the
# MentorshipRecord map. committeeId/advisorId are set when a seat is made and lastMeetingAt
# by every meeting logged (same statements), so a page costs no walks for them; the access
# walks run only for a viewer who is not a party. Comprehension variables are all distinct
# (a FalkorDB requirement).
MENTORSHIP_MAP: LiteralString = (
    "m {.id, .kind, .status, .requestedBy, .createdAt, .updatedAt, .goals, .message, "
    ".respondedAt, .responseMessage, .startedAt, .endedAt, .endedBy, .endReason, .cadenceDays, "
    ".committeeId, .advisorId, .lastMeetingAt, mentorId: mr.id, menteeId: me.id, "
    "viewerIsProgramAdmin: CASE WHEN v = mr OR v = me THEN false ELSE "
    + program_admin("v", "me") + " END, "
    "viewerOnCommittee: CASE WHEN m.committeeId IS NULL OR v = me THEN false ELSE "
    "size([(m)-[:PART_OF]->(:Committee)<-[:PART_OF]-(ps:Mentorship)"
    "<-[:MENTOR_IN]-(v) WHERE ps.status IN " + OPEN_LIST + " | ps]) > 0 END}"
)

# After a write: re-read the mentorship `m` as the viewer sees it, keeping `carry`.
def returning(carry: LiteralString = "") -> LiteralString:
    return (
        " WITH m" + carry + " MATCH (mr:Person)-[:MENTOR_IN]->(m)<-[:MENTEE_IN]-(me:Person)"
        " OPTIONAL MATCH (v:Person {id: $viewer})"
        " RETURN " + MENTORSHIP_MAP + " AS mentorship" + carry
    )


def to_record(row: dict[str, Any]) -> MentorshipRecord:
    return MentorshipRecord.from_row(row["mentorship"])


def link_parties(at: LiteralString = "$now") -> LiteralString:
    """MERGE mentor `mr` and mentee `me` onto mentorship `m`, the edges dated `at`."""
    return (
        "MERGE (mr)-[mrIn:MENTOR_IN]->(m) ON CREATE SET mrIn.createdAt = " + at + " "
        "MERGE (me)-[meIn:MENTEE_IN]->(m) ON CREATE SET meIn.createdAt = " + at + " "
    )
