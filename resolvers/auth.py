"""Permission helpers used by every domain: signed in, owner, site role."""

from __future__ import annotations

from graph_db.errors import Forbidden, Unauthenticated
from resolvers.context import Context, Viewer

ROLE_RANK = {"MEMBER": 0, "MODERATOR": 1, "ADMIN": 2}


def require_viewer(ctx: Context) -> Viewer:
    """The signed-in viewer, or UNAUTHENTICATED."""
    if ctx.viewer is None:
        raise Unauthenticated("sign in to do this")
    return ctx.viewer


def require_role(ctx: Context, role: str) -> Viewer:
    """A viewer whose site role is at least `role` (MEMBER < MODERATOR < ADMIN)."""
    viewer = require_viewer(ctx)
    if ROLE_RANK.get(viewer.role, -1) < ROLE_RANK[role]:
        raise Forbidden(f"only a site {role.lower()} can do this")
    return viewer


def require_self_or_role(ctx: Context, person_id: str, role: str = "ADMIN") -> Viewer:
    """The viewer acting on their own record, or holding `role` over anyone's."""
    viewer = require_viewer(ctx)
    if viewer.id != person_id and ROLE_RANK.get(viewer.role, -1) < ROLE_RANK[role]:
        raise Forbidden("you can only change your own record")
    return viewer
