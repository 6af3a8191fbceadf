"""Relay root fields: `node(id:)` and `nodes(ids:)`."""

from __future__ import annotations

import strawberry

from graph_db.errors import InvalidInput
from schema.base import NODE_PLANS, NODE_RESOLVERS, AppInfo, Node, from_global_id, wanted

MAX_NODES = 100


async def _resolve(info: AppInfo, global_ids: list[str], *, planned: bool = False) -> list[Node | None]:
    """The objects of `global_ids`, in order; `planned` (one id): read ahead in one statement
    what the fields below it will ask (resolvers.planner), when its type has a plan."""
    if len(global_ids) > MAX_NODES:
        raise InvalidInput(f"at most {MAX_NODES} ids per request", field="ids")
    decoded = [from_global_id(g, field="ids" if len(global_ids) > 1 else "id") for g in global_ids]
    by_type: dict[str, list[str]] = {}
    for type_name, local in decoded:
        by_type.setdefault(type_name, []).append(local)
    found: dict[tuple[str, str], Node | None] = {}
    for type_name, locals_ in by_type.items():
        resolver = NODE_RESOLVERS.get(type_name)
        if resolver is None:  # an unknown type is simply not found, like a missing object
            continue
        plan = NODE_PLANS.get(type_name)
        if planned and plan is not None and info.context.services.read_plans:
            await plan(info.context, locals_[0], wanted(info, type_name))
        for local, obj in zip(locals_, await resolver(info, locals_), strict=True):
            found[(type_name, local)] = obj
    return [found.get(key) for key in decoded]


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Fetch any object by its global id; null if absent or hidden.")
    async def node(self, info: AppInfo, id: strawberry.ID) -> Node | None:
        return (await _resolve(info, [id], planned=True))[0]

    @strawberry.field(description="Fetch up to 100 objects by global id, in order; null where absent.")
    async def nodes(self, info: AppInfo, ids: list[strawberry.ID]) -> list[Node | None]:
        return await _resolve(info, list(ids))
