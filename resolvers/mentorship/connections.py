"""One mentorship's life as the viewer may live it: lists, stats, the steps (request, answer,
withdraw, end, update), meetings and milestones."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Protocol, TypeVar

from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_db.matching import level
from graph_db.mentorship import DAY_MS, ONE_TO_ONE, OPEN, STATUSES, connections
from graph_db.mentorship import meetings as meeting_repo
from graph_db.mentorship.records import (
    MeetingRecord,
    MentorshipOutcomeRecord,
    MentorshipRecord,
    MentorshipStatsRecord,
    MilestoneRecord,
)
from resolvers.auth import require_viewer
from resolvers.context import Context, Viewer
from resolvers.mentorship import (
    FUTURE_SKEW_MS,
    MAX_GOALS,
    MAX_MESSAGE,
    MAX_NOTES,
    MAX_REASON,
    MAX_TITLE,
    YEAR_MS,
    access,
    check_cadence,
    forget,
    get_mentorship,
    new_id,
    notes_visible,
    private,
    require_mentorship,
    self_or_program_admin,
    text,
    visible_page,
)
from resolvers.notifications import announce
from resolvers.pagination import Page, time_page

# -- lists ---------------------------------------------------------------------------------


def _statuses(statuses: Sequence[str] | None, default: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(statuses)) if statuses else list(default)
    if any(s not in STATUSES for s in chosen):
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field="status")
    return chosen


async def list_mentorships(
    ctx: Context, person_id: str, side: str, *, statuses: Sequence[str] | None,
    kinds: Sequence[str] | None, first: int | None, after: str | None,
) -> Page[MentorshipRecord] | None:
    """A person's mentorships as MENTEE (their mentors) or MENTOR (their mentees), newest
    first; None unless the viewer is that person or one of their program admins. Items the
    viewer may not see (another program's mentee) are left out."""
    viewer = await self_or_program_admin(ctx, person_id)
    if viewer is None:
        return None
    chosen = _statuses(statuses, ("ACTIVE",))
    listing = partial(connections.list_by_person, ctx.db, person_id, side, statuses=chosen, kinds=kinds,
                      viewer_id=viewer.id)
    page = await time_page(ctx, first, after, listing, lambda m: (m.createdAt, m.id))
    return visible_page(ctx, page)


async def mentorship_requests(
    ctx: Context, person_id: str, direction: str, *, first: int | None, after: str | None
) -> Page[MentorshipRecord] | None:
    """Pending requests INCOMING (to answer as mentor) or OUTGOING (made), newest first;
    None unless the viewer is that person or one of their program admins."""
    viewer = await self_or_program_admin(ctx, person_id)
    if viewer is None:
        return None
    if direction not in ("INCOMING", "OUTGOING"):
        raise InvalidInput("direction must be INCOMING or OUTGOING", field="direction")
    listing = partial(connections.list_requests, ctx.db, person_id, direction, viewer_id=viewer.id)
    page = await time_page(ctx, first, after, listing, lambda m: (m.createdAt, m.id))
    return visible_page(ctx, page)


async def stats(ctx: Context, person_id: str) -> MentorshipStatsRecord | None:
    """Load, capacity and experience: public to signed-in members."""
    if ctx.viewer is None:
        return None
    return await ctx.loaders.mentorship_stats_by_person.load(person_id)


def years_mentoring(ctx: Context, record: MentorshipStatsRecord) -> float:
    """Years since the person first started mentoring anyone (one decimal)."""
    if record.firstStartedAt is None:
        return 0.0
    return round(max(0, ctx.now_ms() - record.firstStartedAt) / YEAR_MS, 1)


def next_meeting_due(m: MentorshipRecord) -> int | None:
    """When the next meeting is due at the agreed cadence: the last meeting (or the start)
    plus `cadenceDays`; None unless ACTIVE with a cadence."""
    if m.status != "ACTIVE" or not m.cadenceDays:
        return None
    since = m.lastMeetingAt if m.lastMeetingAt is not None else m.startedAt
    return None if since is None else since + m.cadenceDays * DAY_MS


async def meetings(
    ctx: Context, m: MentorshipRecord, *, first: int | None, after: str | None
) -> Page[MeetingRecord] | None:
    """The meeting log, most recent first (parties and program admins)."""
    if not private(ctx, m):
        return None
    listing = partial(meeting_repo.list_meetings, ctx.db, m.id)
    return await time_page(ctx, first, after, listing, lambda x: (x.date, x.id))


async def meeting_notes(ctx: Context, meeting: MeetingRecord) -> str | None:
    """A meeting's notes, for the two parties only."""
    m = await ctx.loaders.mentorship_by_id.load(meeting.mentorshipId)
    return meeting.notes if m is not None and notes_visible(ctx, m) else None


class _PartOfMentorship(Protocol):
    @property
    def mentorshipId(self) -> str: ...  # noqa: N802 (the records' field name)


P = TypeVar("P", bound=_PartOfMentorship)


async def _if_private(ctx: Context, found: P | None) -> P | None:
    """A meeting or a milestone, when the viewer may see its mentorship's private parts."""
    if found is None:
        return None
    m = await get_mentorship(ctx, found.mentorshipId)
    return found if m is not None and private(ctx, m) else None


async def get_meeting(ctx: Context, meeting_id: str) -> MeetingRecord | None:
    """A meeting whose mentorship's private parts the viewer may see."""
    return await _if_private(ctx, (await meeting_repo.get_meetings(ctx.db, [meeting_id]))[0])


async def milestones(ctx: Context, m: MentorshipRecord) -> list[MilestoneRecord] | None:
    if not private(ctx, m):
        return None
    return await ctx.loaders.milestones_by_mentorship.load(m.id)


async def get_milestone(ctx: Context, milestone_id: str) -> MilestoneRecord | None:
    return await _if_private(ctx, (await meeting_repo.get_milestones(ctx.db, [milestone_id]))[0])


# -- the steps of a mentorship ----------------------------------------------------------------


async def request_mentorship(
    ctx: Context, *, mentor_id: str, kind: str, message: str | None, goals: str | None,
    cadence_days: int | None = None,
) -> MentorshipRecord:
    """The viewer asks `mentor_id` for a one-to-one mentorship (PRIMARY, SECONDARY, PEER)."""
    viewer = require_viewer(ctx)
    if kind not in ONE_TO_ONE:
        raise InvalidInput(
            "ask for PRIMARY, SECONDARY or PEER here; committees and boards have their own "
            "mutations", field="kind",
        )
    message = text(message, "message", MAX_MESSAGE)
    goals = text(goals, "goals", MAX_GOALS)
    cadence = check_cadence(cadence_days)
    if mentor_id == viewer.id:
        raise InvalidInput("you cannot be your own mentor", field="mentorId")
    state = await connections.get_pair_state(ctx.db, mentee_id=viewer.id, mentor_id=mentor_id)
    if state is None or not state["mentorExists"] or state["blocked"]:
        raise NotFound("no such member", field="mentorId")
    if state["openKinds"]:
        raise Conflict("you already have an open request or mentorship with this member",
                       field="mentorId")
    if not state["accepting"]:
        raise Conflict("this member is not accepting mentees", field="mentorId")
    if state["active"] >= (state["capacity"] or 0):
        raise Conflict("this member has no mentee places free", field="mentorId")
    if kind == "PRIMARY" and state["primaries"]:
        raise Conflict("you already have a primary mentor: ask for a secondary one",
                       field="kind")
    mentor_level, mentee_level = level(state["mentorRank"]), level(state["menteeRank"])
    if kind in ("PRIMARY", "SECONDARY") and mentor_level and mentee_level and mentor_level <= mentee_level:
        raise InvalidInput("a primary or secondary mentor must be more senior than you; ask "
                           "for a PEER mentorship", field="kind")
    outcome = await connections.request(
        ctx.db, id=new_id(), kind=kind, mentor_id=mentor_id, mentee_id=viewer.id,
        requester_id=viewer.id, goals=goals, message=message, cadence_days=cadence,
        now=ctx.now_ms(),
    )
    if outcome.outcome == "EXISTS":
        raise Conflict("you already have an open request or mentorship with this member",
                       field="mentorId")
    return await _done(ctx, outcome)


async def _done(ctx: Context, outcome: MentorshipOutcomeRecord) -> MentorshipRecord:
    if outcome.mentorship is None:
        raise NotFound("no such mentorship")
    forget(ctx.loaders.mentorship_by_id, outcome.mentorship.id)
    ctx.loaders.mentorship_by_id.prime(outcome.mentorship.id, outcome.mentorship)
    forget(ctx.loaders.mentorship_stats_by_person, outcome.mentorship.mentorId,
            outcome.mentorship.menteeId)
    await announce(ctx, outcome.notified)
    return outcome.mentorship


_CLOSED = {
    "DECLINED": "this request was declined",
    "WITHDRAWN": "this request was withdrawn",
    "ENDED": "this mentorship has ended",
}


async def respond(
    ctx: Context, mentorship_id: str, *, accept: bool, message: str | None
) -> MentorshipRecord:
    """The mentor accepts or declines a request (again: no change)."""
    viewer = require_viewer(ctx)
    m = await require_mentorship(ctx, mentorship_id)
    if not access(ctx, m).mentor:
        raise Forbidden("only the member asked can answer this request")
    message = text(message, "message", MAX_MESSAGE)
    step = connections.accept if accept else connections.decline
    outcome = await step(ctx.db, m.id, mentor_id=viewer.id, message=message, now=ctx.now_ms())
    done = "ACTIVE" if accept else "DECLINED"
    if outcome.outcome in ("OK", done):
        return await _done(ctx, outcome)
    reasons = {
        **_CLOSED,
        "ACTIVE": "this request was already accepted",
        "NOT_ACCEPTING": "you are not accepting mentees: turn acceptingMentees on to accept",
        "FULL": "you have no mentee places free: end a mentorship or raise your capacity",
        "HAS_PRIMARY": "this member already has a primary mentor",
        "BLOCKED": "one of you has blocked the other",
    }
    raise Conflict(reasons.get(outcome.outcome, "this request cannot be answered now"))


async def withdraw(ctx: Context, mentorship_id: str) -> MentorshipRecord:
    """Withdraw a request: whoever made it, the mentee, or a program admin of the mentee."""
    viewer = require_viewer(ctx)
    m = await require_mentorship(ctx, mentorship_id)
    a = access(ctx, m)
    if not (m.requestedBy == viewer.id or a.mentee or a.admin):
        raise Forbidden("only whoever asked (or the mentee) can withdraw this request")
    outcome = await connections.withdraw(ctx.db, m.id, viewer_id=viewer.id, now=ctx.now_ms())
    if outcome.outcome in ("OK", "WITHDRAWN"):
        return await _done(ctx, outcome)
    reasons = {**_CLOSED, "ACTIVE": "this request was accepted: end the mentorship instead"}
    raise Conflict(reasons.get(outcome.outcome, "this request cannot be withdrawn now"))


async def end(ctx: Context, mentorship_id: str, *, reason: str | None) -> MentorshipRecord:
    """End an ACTIVE mentorship: either party or a program admin of the mentee."""
    viewer = require_viewer(ctx)
    m = await require_mentorship(ctx, mentorship_id)
    a = access(ctx, m)
    if not (a.party or a.admin):
        raise Forbidden("only its mentor, its mentee or a program admin can end a mentorship")
    reason = text(reason, "reason", MAX_REASON)
    outcome = await connections.end(ctx.db, m.id, viewer_id=viewer.id, reason=reason, now=ctx.now_ms())
    if outcome.outcome in ("OK", "ENDED"):
        return await _done(ctx, outcome)
    reasons = {**_CLOSED, "REQUESTED": "this request is still pending: withdraw or decline it"}
    raise Conflict(reasons.get(outcome.outcome, "this mentorship cannot be ended now"))


async def update(
    ctx: Context, mentorship_id: str, *, goals: tuple[str | None] | None,
    cadence_days: tuple[int | None] | None,
) -> MentorshipRecord:
    """Either party changes the goals or the agreed meeting cadence (1-tuples; None keeps)."""
    viewer = require_viewer(ctx)
    m = await require_mentorship(ctx, mentorship_id)
    if not access(ctx, m).party:
        raise Forbidden("only its mentor or mentee can change a mentorship")
    if m.status not in OPEN:
        raise Conflict("this mentorship is closed")
    new_goals = (text(goals[0], "goals", MAX_GOALS),) if goals is not None else None
    new_cadence = (check_cadence(cadence_days[0]),) if cadence_days is not None else None
    changed = await connections.update(
        ctx.db, m.id, viewer_id=viewer.id, now=ctx.now_ms(), goals=new_goals,
        cadence_days=new_cadence,
    )
    if changed is None:
        raise NotFound("no such mentorship")
    forget(ctx.loaders.mentorship_by_id, m.id)
    ctx.loaders.mentorship_by_id.prime(m.id, changed)
    return changed


# -- meetings and milestones ----------------------------------------------------------------


async def _party_in_active(ctx: Context, mentorship_id: str) -> tuple[Viewer, MentorshipRecord]:
    viewer = require_viewer(ctx)
    m = await require_mentorship(ctx, mentorship_id, field="mentorshipId")
    if not access(ctx, m).party:
        raise Forbidden("only its mentor or mentee can do this")
    if m.status != "ACTIVE":
        raise Conflict("the mentorship is not active", field="mentorshipId")
    return viewer, m


async def log_meeting(
    ctx: Context, mentorship_id: str, *, date: int, notes: str | None
) -> MeetingRecord:
    viewer, m = await _party_in_active(ctx, mentorship_id)
    if date > ctx.now_ms() + FUTURE_SKEW_MS:
        raise InvalidInput("log a meeting once it has happened", field="date")
    if m.startedAt is not None and date < m.startedAt - FUTURE_SKEW_MS:
        raise InvalidInput("the mentorship had not started then", field="date")
    notes = text(notes, "notes", MAX_NOTES)
    logged = await meeting_repo.log_meeting(
        ctx.db, id=new_id(), mentorship_id=m.id, viewer_id=viewer.id, date=date, notes=notes,
        now=ctx.now_ms(),
    )
    if logged is None:
        raise Conflict("the mentorship is not active", field="mentorshipId")
    forget(ctx.loaders.mentorship_by_id, m.id)
    return logged


async def add_milestone(
    ctx: Context, mentorship_id: str, *, title: str, due_at: int | None
) -> MilestoneRecord:
    viewer, m = await _party_in_active(ctx, mentorship_id)
    cleaned = text(title, "title", MAX_TITLE, required=True, multiline=False)
    assert cleaned is not None
    added = await meeting_repo.add_milestone(
        ctx.db, id=new_id(), mentorship_id=m.id, viewer_id=viewer.id, title=cleaned,
        due_at=due_at, now=ctx.now_ms(),
    )
    if added is None:
        raise Conflict(f"at most {meeting_repo.MAX_MILESTONES} milestones per mentorship",
                       field="mentorshipId")
    forget(ctx.loaders.milestones_by_mentorship, m.id)
    return added


async def complete_milestone(ctx: Context, milestone_id: str, *, completed: bool) -> MilestoneRecord:
    viewer = require_viewer(ctx)
    found = await get_milestone(ctx, milestone_id)
    if found is None:
        raise NotFound("no such milestone", field="id")
    await _party_in_active(ctx, found.mentorshipId)
    changed = await meeting_repo.set_completed(
        ctx.db, milestone_id, viewer_id=viewer.id, completed=completed, now=ctx.now_ms()
    )
    if changed is None:
        raise Conflict("the mentorship is not active", field="id")
    forget(ctx.loaders.milestones_by_mentorship, found.mentorshipId)
    return changed
