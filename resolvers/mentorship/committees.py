"""Mentoring committees: who may form, change and see them; what notifications point at."""

from __future__ import annotations

from collections.abc import Sequence

from graph_db import network, people
from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_db.mentorship import committees
from graph_db.mentorship import programs as program_repo
from graph_db.mentorship.records import CommitteeRecord, MentorshipRecord
from resolvers.auth import require_viewer
from resolvers.context import Context, Viewer
from resolvers.mentorship import (
    MAX_COMMITTEE,
    MAX_GOALS,
    MAX_MESSAGE,
    MAX_NAME,
    MIN_COMMITTEE,
    forget,
    get_mentorship,
    get_mentorships,
    is_program_admin,
    new_id,
    text,
)
from resolvers.notifications import announce

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
    forget(ctx.loaders.committee_id_by_mentee, mentee)
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
    forget(ctx.loaders.committee_by_id, c.id)
    return changed


async def dissolve_committee(ctx: Context, committee_id: str) -> CommitteeRecord:
    viewer, c = await _manage_committee(ctx, committee_id)
    changed, notified = await committees.dissolve(ctx.db, c.id, viewer_id=viewer.id, now=ctx.now_ms())
    if changed is None:
        raise NotFound("no such committee", field="id")
    await announce(ctx, notified)
    forget(ctx.loaders.committee_by_id, c.id)
    forget(ctx.loaders.committee_id_by_mentee, c.menteeId)
    forget(ctx.loaders.mentorship_by_id, *c.memberIds)
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
