"""People: reading profiles, with the visibility rules of the viewer."""

from __future__ import annotations

from collections.abc import Sequence

from graph_db.records import PersonRecord
from resolvers.context import Context


async def get_people(ctx: Context, ids: Sequence[str]) -> list[PersonRecord | None]:
    """People by id (batched through the request's loader), None where absent."""
    return list(await ctx.loaders.person_by_id.load_many(list(ids)))


async def get_person(ctx: Context, person_id: str) -> PersonRecord | None:
    return await ctx.loaders.person_by_id.load(person_id)
