"""Mentorship rules: who may request, answer, withdraw, end and see what.

Who sees a mentorship: its two parties; *program admins* of its mentee (site admins, and
admins of a program the mentee is in); and, for a committee seat, the other members of that
committee (who see who sits on it, not its private parts). Private parts (goals, messages,
the end reason, milestones, the meeting log) are for parties and program admins; meeting
notes are for the two parties only. Anything a viewer may not see is not found.

Capacity: a mentor's `acceptingMentees` and `menteeCapacity` apply to one-to-one kinds
(PRIMARY, SECONDARY, PEER) and are enforced exactly when a request is accepted
(graph_db.mentorship.connections.ACCEPT); requests check them early only to say so kindly.
"""

from __future__ import annotations

import contextlib
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader

from graph_db import network, people
from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_db.matching import level
from graph_db.mentorship import DAY_MS, ONE_TO_ONE, OPEN, STATUSES, boards, committees, connections
from graph_db.mentorship import meetings as meeting_repo
from graph_db.mentorship import programs as program_repo
from graph_db.profile_fields import clean_line, clean_text, email_problem, normalize_email
from graph_db.records import (
    AdvisorRecord,
    CommitteeRecord,
    MeetingRecord,
    MentorshipOutcomeRecord,
    MentorshipRecord,
    MentorshipStatsRecord,
    MilestoneRecord,
    ProgramRecord,
)
from resolvers.auth import require_role, require_viewer
from resolvers.context import Context, Viewer
from resolvers.notifications import announce
from resolvers.pagination import Page, PageRequest, keyset_page, page_request

MAX_MESSAGE = 1000
MAX_GOALS = 2000
MAX_REASON = 500
MAX_NOTES = 5000
MAX_TITLE = 200
MAX_NAME = 120
MAX_CADENCE_DAYS = 365
MIN_COMMITTEE, MAX_COMMITTEE = 2, committees.MAX_SEATS
ADVISOR_ROLES = ("RESEARCH", "CLINICAL", "CAREER", "PERSONAL", "OTHER")
PROGRAM_ROLES = ("ADMIN", "MEMBER")
YEAR_MS = 365.25 * DAY_MS
FUTURE_SKEW_MS = DAY_MS  # a meeting logged "today" in another time zone is not in the future


def new_id() -> str:
    return str(uuid.uuid4())


def _forget(loader: DataLoader[Any, Any], *keys: str) -> None:
    # strawberry's clear() raises KeyError for a key this request never loaded.
    for key in keys:
        with contextlib.suppress(KeyError):
            loader.clear(key)


def text(
    value: str | None, field: str, limit: int, *, required: bool = False, multiline: bool = True
) -> str | None:
    """Trimmed text of at most `limit` characters without control characters (newlines and
    tabs allowed when multiline); blank is None, or BAD_USER_INPUT when required."""
    cleaned = (clean_text(value) if multiline else clean_line(value)) if value is not None else ""
    if not cleaned:
        if required:
            raise InvalidInput("write something first", field=field)
        return None
    if len(cleaned) > limit:
        raise InvalidInput(f"at most {limit} characters", field=field)
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") and c not in allowed for c in cleaned):
        raise InvalidInput("remove control and formatting characters", field=field)
    return cleaned


def _cadence(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_CADENCE_DAYS:
        raise InvalidInput(f"a cadence is 1 to {MAX_CADENCE_DAYS} days", field="cadenceDays")
    return days


# -- access -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """How the viewer relates to one mentorship."""

    mentor: bool
    mentee: bool
    admin: bool
    committee: bool

    @property
    def party(self) -> bool:
        return self.mentor or self.mentee

    @property
    def visible(self) -> bool:
        return self.party or self.admin or self.committee

    @property
    def private(self) -> bool:
        """Goals, messages, milestones and the meeting log (not meeting notes)."""
        return self.party or self.admin


def access(ctx: Context, m: MentorshipRecord) -> Access:
    viewer = ctx.viewer
    if viewer is None:
        return Access(False, False, False, False)
    return Access(
        mentor=viewer.id == m.mentorId, mentee=viewer.id == m.menteeId,
        admin=viewer.is_admin or m.viewerIsProgramAdmin, committee=m.viewerOnCommittee,
    )


async def get_mentorship(ctx: Context, mentorship_id: str) -> MentorshipRecord | None:
    """A mentorship the viewer may see, or None."""
    found = await ctx.loaders.mentorship_by_id.load(mentorship_id)
    return found if found is not None and access(ctx, found).visible else None


async def get_mentorships(ctx: Context, ids: Sequence[str]) -> list[MentorshipRecord | None]:
    found = await ctx.loaders.mentorship_by_id.load_many(list(ids))
    return [m if m is not None and access(ctx, m).visible else None for m in found]


async def require_mentorship(ctx: Context, mentorship_id: str, field: str = "id") -> MentorshipRecord:
    require_viewer(ctx)
    found = await get_mentorship(ctx, mentorship_id)
    if found is None:
        raise NotFound("no such mentorship", field=field)
    return found


def private(ctx: Context, m: MentorshipRecord) -> bool:
    """May the viewer see the mentorship's goals, messages, milestones and meetings?"""
    return access(ctx, m).private


def notes_visible(ctx: Context, m: MentorshipRecord) -> bool:
    """Meeting notes: the two parties only."""
    return access(ctx, m).party


async def is_program_admin(ctx: Context, person_id: str) -> bool:
    """Site admin, or admin of a program `person_id` is in."""
    viewer = ctx.viewer
    if viewer is None:
        return False
    if viewer.is_admin:
        return True
    return person_id in await program_repo.administered(ctx.db, viewer.id, [person_id])


async def _self_or_program_admin(ctx: Context, person_id: str) -> Viewer | None:
    viewer = ctx.viewer
    if viewer is None:
        return None
    if viewer.id == person_id or await is_program_admin(ctx, person_id):
        return viewer
    return None


# -- lists ---------------------------------------------------------------------------------


def _keyset(request: PageRequest) -> tuple[int, str] | None:
    if request.cursor is None:
        return None
    at, last_id = request.cursor
    if not isinstance(at, int) or not isinstance(last_id, str):
        raise InvalidInput("invalid cursor", field="after")
    return at, last_id


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
    viewer = await _self_or_program_admin(ctx, person_id)
    if viewer is None:
        return None
    request = page_request(first=first, after=after, last=None, before=None, arity=2,
                           max_size=ctx.services.limits.max_page_size)
    cursor = _keyset(request)
    chosen = _statuses(statuses, ("ACTIVE",))

    async def fetch(_: object, __: bool, limit: int) -> list[MentorshipRecord]:
        return await connections.list_by_person(
            ctx.db, person_id, side, statuses=chosen, kinds=kinds, after=cursor, limit=limit,
            viewer_id=viewer.id,
        )

    page = await keyset_page(request, fetch, lambda m: (m.createdAt, m.id))
    return _visible_page(ctx, page)


def _visible_page(ctx: Context, page: Page[MentorshipRecord]) -> Page[MentorshipRecord]:
    kept = [(m, c) for m, c in zip(page.items, page.cursors, strict=True) if access(ctx, m).visible]
    for m, _ in kept:
        ctx.loaders.mentorship_by_id.prime(m.id, m)
    return Page([m for m, _ in kept], [c for _, c in kept], page.has_next, page.has_previous)


async def mentorship_requests(
    ctx: Context, person_id: str, direction: str, *, first: int | None, after: str | None
) -> Page[MentorshipRecord] | None:
    """Pending requests INCOMING (to answer as mentor) or OUTGOING (made), newest first;
    None unless the viewer is that person or one of their program admins."""
    viewer = await _self_or_program_admin(ctx, person_id)
    if viewer is None:
        return None
    if direction not in ("INCOMING", "OUTGOING"):
        raise InvalidInput("direction must be INCOMING or OUTGOING", field="direction")
    request = page_request(first=first, after=after, last=None, before=None, arity=2,
                           max_size=ctx.services.limits.max_page_size)
    cursor = _keyset(request)

    async def fetch(_: object, __: bool, limit: int) -> list[MentorshipRecord]:
        return await connections.list_requests(
            ctx.db, person_id, direction, after=cursor, limit=limit, viewer_id=viewer.id
        )

    page = await keyset_page(request, fetch, lambda m: (m.createdAt, m.id))
    return _visible_page(ctx, page)


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
    request = page_request(first=first, after=after, last=None, before=None, arity=2,
                           max_size=ctx.services.limits.max_page_size)
    cursor = _keyset(request)

    async def fetch(_: object, __: bool, limit: int) -> list[MeetingRecord]:
        return await meeting_repo.list_meetings(ctx.db, m.id, after=cursor, limit=limit)

    return await keyset_page(request, fetch, lambda x: (x.date, x.id))


async def meeting_notes(ctx: Context, meeting: MeetingRecord) -> str | None:
    """A meeting's notes, for the two parties only."""
    m = await ctx.loaders.mentorship_by_id.load(meeting.mentorshipId)
    return meeting.notes if m is not None and notes_visible(ctx, m) else None


async def get_meeting(ctx: Context, meeting_id: str) -> MeetingRecord | None:
    """A meeting whose mentorship's private parts the viewer may see."""
    found = (await meeting_repo.get_meetings(ctx.db, [meeting_id]))[0]
    if found is None:
        return None
    m = await get_mentorship(ctx, found.mentorshipId)
    return found if m is not None and private(ctx, m) else None


async def milestones(ctx: Context, m: MentorshipRecord) -> list[MilestoneRecord] | None:
    if not private(ctx, m):
        return None
    return await ctx.loaders.milestones_by_mentorship.load(m.id)


async def get_milestone(ctx: Context, milestone_id: str) -> MilestoneRecord | None:
    found = (await meeting_repo.get_milestones(ctx.db, [milestone_id]))[0]
    if found is None:
        return None
    m = await get_mentorship(ctx, found.mentorshipId)
    return found if m is not None and private(ctx, m) else None


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
    cadence = _cadence(cadence_days)
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
    _forget(ctx.loaders.mentorship_by_id, outcome.mentorship.id)
    ctx.loaders.mentorship_by_id.prime(outcome.mentorship.id, outcome.mentorship)
    _forget(ctx.loaders.mentorship_stats_by_person, outcome.mentorship.mentorId,
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
    new_cadence = (_cadence(cadence_days[0]),) if cadence_days is not None else None
    changed = await connections.update(
        ctx.db, m.id, viewer_id=viewer.id, now=ctx.now_ms(), goals=new_goals,
        cadence_days=new_cadence,
    )
    if changed is None:
        raise NotFound("no such mentorship")
    _forget(ctx.loaders.mentorship_by_id, m.id)
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
    _forget(ctx.loaders.mentorship_by_id, m.id)
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
    _forget(ctx.loaders.milestones_by_mentorship, m.id)
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
    _forget(ctx.loaders.milestones_by_mentorship, found.mentorshipId)
    return changed


# -- committees ------------------------------------------------------------------------------


async def get_committee(ctx: Context, committee_id: str) -> CommitteeRecord | None:
    """A committee the viewer may see: its mentee, a member with an open seat, a program admin."""
    viewer = ctx.viewer
    if viewer is None:
        return None
    c = await ctx.loaders.committee_by_id.load(committee_id)
    if c is None:
        return None
    if c.menteeId == viewer.id or c.viewerOnCommittee or c.viewerIsProgramAdmin or viewer.is_admin:
        return c
    return None


async def current_committee(ctx: Context, mentee_id: str) -> CommitteeRecord | None:
    if ctx.viewer is None:
        return None
    committee_id = await ctx.loaders.committee_id_by_mentee.load(mentee_id)
    return None if committee_id is None else await get_committee(ctx, committee_id)


async def committee_status(ctx: Context, c: CommitteeRecord) -> str:
    """DISSOLVED; ACTIVE once two members from different divisions have accepted; else FORMING."""
    if c.dissolvedAt is not None:
        return "DISSOLVED"
    seats = [s for s in await ctx.loaders.mentorship_by_id.load_many(list(c.memberIds)) if s]
    accepted = [s.mentorId for s in seats if s.status == "ACTIVE"]
    if len(accepted) < MIN_COMMITTEE:
        return "FORMING"
    places = await people.get_affiliations(ctx.db, accepted)
    units = {u.id for u in (p.division or p.department for p in places) if u is not None}
    return "ACTIVE" if len(units) >= 2 else "FORMING"


async def _check_members(ctx: Context, mentee_id: str, member_ids: Sequence[str]) -> None:
    """Every member exists, is not the mentee, no block either way, none in the mentee's
    reporting line."""
    found = await ctx.loaders.person_by_id.load_many(list(member_ids))
    hidden = set(await network.hidden_ids(ctx.db, mentee_id))
    for person_id, person in zip(member_ids, found, strict=True):
        if person is None or person_id in hidden:
            raise InvalidInput("a member does not exist", field="memberIds")
        if person_id == mentee_id:
            raise InvalidInput("the mentee cannot sit on their own committee", field="memberIds")
    above, below = (await program_repo.reporting_lines(ctx.db, [mentee_id]))[0]
    line = (above | below) & set(member_ids)
    if line:
        names = ", ".join(sorted(p.name for p in found if p is not None and p.id in line))
        raise InvalidInput(
            f"{names} in the mentee's reporting line: committee members must be independent",
            field="memberIds",
        )


async def create_committee(
    ctx: Context, *, mentee_id: str | None, member_ids: Sequence[str], name: str | None,
    goals: str | None, message: str | None,
) -> CommitteeRecord:
    """The mentee (or a program admin for them) forms a committee of 2-5 mentors from two
    divisions at least, none in the mentee's reporting line; each member is invited."""
    viewer = require_viewer(ctx)
    mentee = mentee_id or viewer.id
    if mentee != viewer.id and not await is_program_admin(ctx, mentee):
        raise Forbidden("only the mentee or their program admin can form a committee")
    members = list(dict.fromkeys(member_ids))
    if not MIN_COMMITTEE <= len(members) <= MAX_COMMITTEE:
        raise InvalidInput(f"a committee has {MIN_COMMITTEE} to {MAX_COMMITTEE} members",
                           field="memberIds")
    if await ctx.loaders.person_by_id.load(mentee) is None:
        raise NotFound("no such member", field="menteeId")
    await _check_members(ctx, mentee, members)
    places = await people.get_affiliations(ctx.db, members)
    units = [(p.division or p.department) for p in places]
    if any(u is None for u in units):
        raise InvalidInput("every member needs a division on their profile", field="memberIds")
    if len({u.id for u in units if u is not None}) < 2:
        raise InvalidInput("members must come from two divisions at least", field="memberIds")
    name = text(name, "name", MAX_NAME, multiline=False)
    goals = text(goals, "goals", MAX_GOALS)
    message = text(message, "message", MAX_MESSAGE)
    committee, created, notified = await committees.create(
        ctx.db, id=new_id(), mentee_id=mentee, creator_id=viewer.id, member_ids=members,
        seat_ids=[new_id() for _ in members], name=name, goals=goals, message=message,
        now=ctx.now_ms(),
    )
    if committee is None:
        raise NotFound("no such member", field="menteeId")
    if not created:
        raise Conflict("the mentee already has a committee: invite members to it or dissolve it")
    await announce(ctx, notified)
    _forget(ctx.loaders.committee_id_by_mentee, mentee)
    return committee


async def _manage_committee(ctx: Context, committee_id: str) -> tuple[Viewer, CommitteeRecord]:
    viewer = require_viewer(ctx)
    c = await get_committee(ctx, committee_id)
    if c is None:
        raise NotFound("no such committee", field="committeeId")
    if c.menteeId != viewer.id and not (viewer.is_admin or c.viewerIsProgramAdmin):
        raise Forbidden("only the mentee or their program admin can change a committee")
    return viewer, c


async def invite_committee_member(
    ctx: Context, committee_id: str, *, person_id: str, message: str | None
) -> CommitteeRecord:
    viewer, c = await _manage_committee(ctx, committee_id)
    await _check_members(ctx, c.menteeId, [person_id])
    message = text(message, "message", MAX_MESSAGE)
    changed, outcome, notified = await committees.invite(
        ctx.db, c.id, mentee_id=c.menteeId, person_id=person_id, seat_id=new_id(),
        inviter_id=viewer.id, message=message, now=ctx.now_ms(),
    )
    if changed is None:
        raise NotFound("no such committee", field="committeeId")
    if outcome == "FULL":
        raise Conflict(f"a committee has at most {MAX_COMMITTEE} members", field="personId")
    if outcome == "DISSOLVED":
        raise Conflict("this committee was dissolved", field="committeeId")
    await announce(ctx, notified)
    _forget(ctx.loaders.committee_by_id, c.id)
    return changed


async def dissolve_committee(ctx: Context, committee_id: str) -> CommitteeRecord:
    viewer, c = await _manage_committee(ctx, committee_id)
    changed, notified = await committees.dissolve(ctx.db, c.id, viewer_id=viewer.id, now=ctx.now_ms())
    if changed is None:
        raise NotFound("no such committee", field="id")
    await announce(ctx, notified)
    _forget(ctx.loaders.committee_by_id, c.id)
    _forget(ctx.loaders.committee_id_by_mentee, c.menteeId)
    _forget(ctx.loaders.mentorship_by_id, *c.memberIds)
    return changed


# -- personal board of advisors ----------------------------------------------------------------


async def board(ctx: Context, person_id: str) -> list[AdvisorRecord] | None:
    """A member's board of advisors: visible to that member only."""
    if ctx.viewer is None or ctx.viewer.id != person_id:
        return None
    return await boards.list_advisors(ctx.db, person_id)


async def get_advisor(ctx: Context, advisor_id: str) -> AdvisorRecord | None:
    if ctx.viewer is None:
        return None
    found = (await boards.get_many(ctx.db, [advisor_id]))[0]
    return found if found is not None and found.menteeId == ctx.viewer.id else None


async def add_advisor(
    ctx: Context, *, role: str, note: str | None, person_id: str | None, name: str | None,
    email: str | None, message: str | None,
) -> AdvisorRecord:
    """Add an advisor to the viewer's board: a member (invited) or someone outside."""
    viewer = require_viewer(ctx)
    if role not in ADVISOR_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ADVISOR_ROLES)}", field="role")
    note = text(note, "note", MAX_MESSAGE)
    now = ctx.now_ms()
    if person_id is not None:
        if name is not None or email is not None:
            raise InvalidInput("give a member, or a name and email, not both", field="personId")
        if person_id == viewer.id:
            raise InvalidInput("you cannot advise yourself", field="personId")
        advisor, outcome, notified = await boards.add_member(
            ctx.db, id=new_id(), seat_id=new_id(), mentee_id=viewer.id, person_id=person_id,
            role=role, note=note, message=text(message, "message", MAX_MESSAGE), now=now,
        )
        if outcome == "EXISTS":
            raise Conflict("this member is already on your board", field="personId")
        if advisor is None:
            if await ctx.loaders.person_by_id.load(person_id) is None or person_id in set(
                await network.hidden_ids(ctx.db, viewer.id)
            ):
                raise NotFound("no such member", field="personId")
            raise Conflict(f"a board has at most {boards.MAX_ADVISORS} advisors")
        await announce(ctx, notified)
        return advisor
    clean_name = text(name, "name", MAX_NAME, required=True, multiline=False)
    if email is None or email_problem(normalize_email(email)):
        raise InvalidInput("a valid email address is required", field="email")
    assert clean_name is not None
    added = await boards.add_external(
        ctx.db, id=new_id(), mentee_id=viewer.id, role=role, note=note, name=clean_name,
        email=normalize_email(email), now=now,
    )
    if added is None:
        raise Conflict(f"a board has at most {boards.MAX_ADVISORS} advisors")
    return added


async def remove_advisor(ctx: Context, advisor_id: str) -> str:
    viewer = require_viewer(ctx)
    removed, notified = await boards.remove(ctx.db, advisor_id, mentee_id=viewer.id, now=ctx.now_ms())
    if not removed:
        raise NotFound("no such advisor on your board", field="id")
    await announce(ctx, notified)
    return advisor_id


# -- programs and reporting lines ---------------------------------------------------------------


async def set_supervision(
    ctx: Context, *, supervisor_id: str, supervisee_id: str, supervises: bool
) -> bool:
    """Record or remove a reporting line (site admins; imports use the repository)."""
    viewer = require_role(ctx, "ADMIN")
    if supervisor_id == supervisee_id:
        raise InvalidInput("nobody supervises themselves", field="superviseeId")
    if supervises:
        above, _ = (await program_repo.reporting_lines(ctx.db, [supervisor_id]))[0]
        if supervisee_id in above:
            raise InvalidInput("that would make a loop in the reporting line", field="superviseeId")
    done = await program_repo.set_supervision(
        ctx.db, supervisor_id=supervisor_id, supervisee_id=supervisee_id, supervises=supervises,
        viewer_id=viewer.id, now=ctx.now_ms(),
    )
    if not done:
        raise NotFound("no such member", field="supervisorId")
    return supervises


async def list_programs(ctx: Context, first: int) -> list[ProgramRecord]:
    viewer = require_viewer(ctx)
    if not 1 <= first <= ctx.services.limits.max_page_size:
        raise InvalidInput(f"first must be 1 to {ctx.services.limits.max_page_size}", field="first")
    return await program_repo.list_programs(ctx.db, viewer_id=viewer.id, limit=first)


async def get_program(ctx: Context, program_id: str) -> ProgramRecord | None:
    if ctx.viewer is None:
        return None
    return (await program_repo.get_programs(ctx.db, [program_id], viewer_id=ctx.viewer.id))[0]


async def create_program(ctx: Context, *, name: str, description: str | None) -> ProgramRecord:
    viewer = require_role(ctx, "ADMIN")
    clean_name = text(name, "name", MAX_NAME, required=True, multiline=False)
    assert clean_name is not None
    return await program_repo.create_program(
        ctx.db, id=new_id(), name=clean_name, description=text(description, "description", MAX_GOALS),
        viewer_id=viewer.id, now=ctx.now_ms(),
    )


async def set_program_role(
    ctx: Context, program_id: str, *, person_id: str, role: str | None
) -> ProgramRecord:
    """Site admins and the program's admins make members, admins, or take people out."""
    viewer = require_viewer(ctx)
    if role is not None and role not in PROGRAM_ROLES:
        raise InvalidInput("role must be ADMIN or MEMBER", field="role")
    if await get_program(ctx, program_id) is None:
        raise NotFound("no such program", field="programId")
    if not viewer.is_admin and await program_repo.get_role(ctx.db, program_id, viewer.id) != "ADMIN":
        raise Forbidden("only a site admin or an admin of this program can change its members")
    changed = await program_repo.set_role(
        ctx.db, program_id, person_id, role, now=ctx.now_ms(), viewer_id=viewer.id
    )
    if changed is None:
        raise NotFound("no such member", field="personId")
    return changed


# -- notifications ----------------------------------------------------------------------------


async def notification_mentorship(ctx: Context, kind: str, target_id: str) -> MentorshipRecord | None:
    """What a mentorship notification is about, if the viewer may still see it; for a
    committee invitation, the viewer's own seat on that committee."""
    if kind.startswith("MENTORSHIP_"):
        return await get_mentorship(ctx, target_id)
    if kind != "COMMITTEE_INVITATION" or ctx.viewer is None:
        return None
    committee = await get_committee(ctx, target_id)
    if committee is None:
        return None
    seats = [s for s in await get_mentorships(ctx, committee.memberIds) if s is not None]
    mine = [s for s in seats if s.mentorId == ctx.viewer.id]
    return max(mine, key=lambda s: (s.createdAt, s.id)) if mine else None


async def notification_committee(ctx: Context, kind: str, target_id: str) -> CommitteeRecord | None:
    """The committee a committee notification (or a seat's notification) is about."""
    if kind.startswith("COMMITTEE_"):
        return await get_committee(ctx, target_id)
    if kind.startswith("MENTORSHIP_"):
        seat = await get_mentorship(ctx, target_id)
        if seat is not None and seat.committeeId is not None:
            return await get_committee(ctx, seat.committeeId)
    return None
