"""A mentee's personal board of advisors: theirs alone to see and change."""

from __future__ import annotations

from graph_db import network
from graph_db.errors import Conflict, InvalidInput, NotFound
from graph_db.mentorship import boards
from graph_db.mentorship.records import AdvisorRecord
from graph_db.profile_fields import normalize_email, valid_email
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.mentorship import ADVISOR_ROLES, MAX_MESSAGE, MAX_NAME, new_id, text
from resolvers.notifications import announce

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
    if email is None or not valid_email(normalize_email(email)):
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
