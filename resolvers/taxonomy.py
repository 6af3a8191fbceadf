"""The institution's hospitals, departments and divisions; admins add and rename them."""

from __future__ import annotations

import uuid

from graph_db import taxonomy
from graph_db.errors import Conflict, ConstraintViolation, InvalidInput, NotFound
from graph_db.people_records import OrgUnitRecord
from graph_db.profile_fields import clean_line, slugify
from graph_db.taxonomy import PARENT_KIND, NewUnit
from resolvers.auth import require_role
from resolvers.context import Context
from resolvers.loaders import forget

MAX_NAME = 120
MAX_SHORT_NAME = 20


async def hospitals(ctx: Context) -> list[OrgUnitRecord]:
    found = await taxonomy.list_hospitals(ctx.db)
    for unit in found:
        ctx.loaders.org_unit_by_id.prime(unit.id, unit)
    return found


async def unit(ctx: Context, unit_id: str) -> OrgUnitRecord | None:
    return await ctx.loaders.org_unit_by_id.load(unit_id)


async def units(ctx: Context, unit_ids: list[str]) -> list[OrgUnitRecord | None]:
    return list(await ctx.loaders.org_unit_by_id.load_many(unit_ids))


async def children(ctx: Context, parent_id: str) -> list[OrgUnitRecord]:
    return await ctx.loaders.units_by_parent.load(parent_id)


def _names(name: str, short_name: str | None) -> tuple[str, str | None]:
    clean = clean_line(name)
    problems: list[tuple[str | None, str]] = []
    if not clean or not slugify(clean):
        problems.append(("name", "a name with letters or digits is required"))
    elif len(clean) > MAX_NAME:
        problems.append(("name", f"at most {MAX_NAME} characters"))
    short = clean_line(short_name) if short_name is not None else None
    if short is not None and len(short) > MAX_SHORT_NAME:
        problems.append(("shortName", f"at most {MAX_SHORT_NAME} characters"))
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    return clean, short or None


async def create_unit(
    ctx: Context, kind: str, name: str, short_name: str | None, parent_id: str | None
) -> OrgUnitRecord:
    """Add a hospital, a department to a hospital, or a division to a department (admins).
    A sibling with the same name (ignoring case and punctuation) is a CONFLICT."""
    require_role(ctx, "ADMIN")
    clean, short = _names(name, short_name)
    parent_kind = PARENT_KIND[kind]
    if parent_kind is not None:
        parent = await ctx.loaders.org_unit_by_id.load(parent_id) if parent_id else None
        if parent is None or parent.kind != parent_kind:
            raise NotFound(f"no such {parent_kind.lower()}", field=f"{parent_kind.lower()}Id")
    new_id = str(uuid.uuid4())
    stored = await taxonomy.create_unit(
        ctx.db, kind, NewUnit(new_id, clean, short, parent_id if parent_kind else None),
        now=ctx.now_ms(),
    )
    if stored is None:
        raise NotFound(f"no such {(parent_kind or kind).lower()}", field="parentId")
    record, _ = stored
    if record.id != new_id:
        raise Conflict(f"there is already a {kind.lower()} called {record.name} here", field="name")
    if parent_id:
        forget(ctx.loaders.units_by_parent, parent_id)
    ctx.loaders.org_unit_by_id.prime(record.id, record, force=True)
    return record


async def rename_unit(
    ctx: Context, unit_id: str, name: str, short_name: str | None
) -> OrgUnitRecord:
    """Rename a unit (admins); a sibling with that name is a CONFLICT."""
    require_role(ctx, "ADMIN")
    clean, short = _names(name, short_name)
    current = await ctx.loaders.org_unit_by_id.load(unit_id)
    if current is None:
        raise NotFound("no such unit", field="id")
    try:
        renamed = await taxonomy.rename_unit(
            ctx.db, current.kind, unit_id, name=clean, short_name=short, now=ctx.now_ms()
        )
    except ConstraintViolation:
        raise Conflict(f"there is already a unit called {clean} here", field="name") from None
    if renamed is None:
        raise NotFound("no such unit", field="id")
    ctx.loaders.org_unit_by_id.prime(renamed.id, renamed, force=True)
    if renamed.parentId:
        forget(ctx.loaders.units_by_parent, renamed.parentId)
    return renamed
