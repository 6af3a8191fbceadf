"""Mentoring programs (who is a program admin) and reporting lines."""

from __future__ import annotations

from graph_db.errors import InvalidInput, NotFound
from graph_db.mentorship import programs as program_repo
from graph_db.mentorship.records import ProgramRecord
from resolvers.auth import require_role, require_viewer
from resolvers.context import Context
from resolvers.mentorship import MAX_GOALS, MAX_NAME, PROGRAM_ROLES, new_id, text
from resolvers.policy import require_runs_program

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
    await require_runs_program(ctx, program_id, "change its members")
    changed = await program_repo.set_role(
        ctx.db, program_id, person_id, role, now=ctx.now_ms(), viewer_id=viewer.id
    )
    if changed is None:
        raise NotFound("no such member", field="personId")
    return changed
