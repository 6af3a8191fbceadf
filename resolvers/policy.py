"""Access rules checked before a statement runs: who moderates or owns a group, and who may
see its content. The same rules as the Cypher fragments of graph_db.policy, which every
statement applies again; a resolver never writes them out itself.

A person's standing in a group comes from the access loader (read fresh per request, never
cached across requests), so a demotion or ban holds from the next request on.
"""

from __future__ import annotations

from graph_db.errors import Forbidden
from graph_db.groups.records import GroupAccessRecord
from graph_db.mentorship import programs as program_repo
from graph_db.policy import GROUP_MODERATOR_ROLES, OWNER, PROGRAM_ADMIN, PUBLIC
from resolvers.auth import require_viewer
from resolvers.context import Context, Viewer


def moderates(viewer: Viewer, access: GroupAccessRecord | None) -> bool:
    """Site moderators and admins everywhere; a group's owners and moderators there, unless
    banned from it."""
    return viewer.is_moderator or (
        access is not None and access.role in GROUP_MODERATOR_ROLES and not access.banned
    )


def owns(viewer: Viewer, access: GroupAccessRecord | None) -> bool:
    """A group's owners, and site admins (to recover a group whose owners are gone)."""
    return viewer.is_admin or (access is not None and access.role == OWNER)


def may_join(access: GroupAccessRecord) -> bool:
    """Joins without approval (or is in already): not banned, and the group is public, or
    they are invited."""
    return not access.banned and (access.member or access.visibility == PUBLIC or access.invited)


def may_invite(viewer: Viewer, access: GroupAccessRecord) -> bool:
    """Invites people: any member of a public group, and its moderators."""
    return moderates(viewer, access) or (access.member and access.visibility == PUBLIC)


def can_see_content(access: GroupAccessRecord | None) -> bool:
    """Members see a group's content; others see a public group's content unless banned."""
    return access is not None and (
        access.member or (access.visibility == PUBLIC and not access.banned)
    )


async def get_access(ctx: Context, group_id: str) -> GroupAccessRecord | None:
    """How the viewer stands in a group, as of this request (None: signed out or no group)."""
    if ctx.viewer is None:
        return None
    return await ctx.loaders.group_access_by_id.load(group_id)


async def sees_group_content(ctx: Context, group_id: str) -> bool:
    """`can_see_content` for the viewer in a group."""
    return can_see_content(await get_access(ctx, group_id))


async def moderates_scope(ctx: Context, group_id: str | None) -> bool:
    """Whether the signed-in viewer moderates a scope: the site (None: staff only) or a group."""
    viewer = require_viewer(ctx)
    if viewer.is_moderator:  # without reading their standing in the group
        return True
    if group_id is None:
        return False
    return moderates(viewer, await get_access(ctx, group_id))


async def runs_program(ctx: Context, program_id: str) -> bool:
    """The viewer administers the program: a site admin, or one of its ADMINs (IN_PROGRAM)."""
    viewer = require_viewer(ctx)
    return viewer.is_admin or await program_repo.get_role(ctx.db, program_id, viewer.id) == PROGRAM_ADMIN


async def require_runs_program(ctx: Context, program_id: str, to: str = "do this") -> None:
    """`runs_program`, or FORBIDDEN saying who may `to`."""
    if not await runs_program(ctx, program_id):
        raise Forbidden(f"only a site admin or an admin of this program can {to}")
