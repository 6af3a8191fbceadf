"""The institution's units: Division -PART_OF-> Department -PART_OF-> Hospital.

Each unit has a `key`, unique per label: the slug of its name for a hospital, and
`<parent id>/<slug>` below, so names are unique among siblings and creating a unit is a MERGE
on the key (idempotent, safe under concurrency). Renaming recomputes the key in the same
statement; a clash with a sibling is a ConstraintViolation.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.batch import by_ids_of_labels, get_aligned_rows, list_aligned
from graph_db.people_records import OrgUnitRecord
from graph_db.profile_fields import slugify
from graph_db.taxonomy_data import DEFAULT_TAXONOMY

KINDS: tuple[LiteralString, ...] = ("Hospital", "Department", "Division")
PARENT_KIND: dict[str, str | None] = {"Hospital": None, "Department": "Hospital", "Division": "Department"}
_NAMESPACE = uuid.UUID("6f1d3f0e-3a52-4d0c-9a57-3c2f6f0b7a11")

UNIT_FIELDS: LiteralString = "u {.id, .name, .shortName, .createdAt, kind: labels(u)[0]}"


def unit_key(name: str, parent_id: str | None) -> str:
    slug = slugify(name)
    return slug if parent_id is None else f"{parent_id}/{slug}"


def stable_id(kind: str, path: Sequence[str]) -> str:
    """The id a unit gets when created from a path of names (same path, same id)."""
    return str(uuid.uuid5(_NAMESPACE, kind + ":" + "/".join(slugify(p) for p in path)))


def _record(row: Mapping[str, Any]) -> OrgUnitRecord:
    return OrgUnitRecord.from_row({**row["unit"], "parentId": row.get("parentId")})


# Units never move, so each also carries the ids of the units above it (`hospitalId`, and
# `departmentId` on a division): placing a person reads one node instead of walking PART_OF.
def _merge(label: LiteralString, parent: LiteralString | None, above: LiteralString) -> LiteralString:
    if parent is None:
        return (
            "UNWIND $units AS unit OPTIONAL MATCH (old:" + label + " {key: unit.key}) "
            "WITH unit, old IS NULL AS created MERGE (u:" + label + " {key: unit.key}) "
            "ON CREATE SET u.id = unit.id, u.name = unit.name, u.shortName = unit.shortName, "
            "u.createdAt = $now, u.updatedAt = $now, u.hospitalId = unit.id "
            "RETURN " + UNIT_FIELDS + " AS unit, null AS parentId, created"
        )
    return (
        "UNWIND $units AS unit MATCH (parent:" + parent + " {id: unit.parentId}) "
        "OPTIONAL MATCH (old:" + label + " {key: unit.key}) "
        "WITH unit, parent, old IS NULL AS created MERGE (u:" + label + " {key: unit.key}) "
        "ON CREATE SET u.id = unit.id, u.name = unit.name, u.shortName = unit.shortName, "
        "u.createdAt = $now, u.updatedAt = $now, " + above + " "
        "MERGE (u)-[:PART_OF]->(parent) "
        "RETURN " + UNIT_FIELDS + " AS unit, parent.id AS parentId, created"
    )


MERGE_UNITS: dict[str, LiteralString] = {
    "Hospital": _merge("Hospital", None, ""),
    "Department": _merge("Department", "Hospital", "u.hospitalId = parent.id"),
    "Division": _merge(
        "Division", "Department", "u.departmentId = parent.id, u.hospitalId = parent.hospitalId"
    ),
}

# Units stored before they carried the ids above them get them (idempotent).
BACKFILL_ABOVE: LiteralString = (
    "MATCH (h:Hospital) WHERE h.hospitalId IS NULL SET h.hospitalId = h.id "
    "WITH count(h) AS hospitals "
    "MATCH (d:Department)-[:PART_OF]->(h:Hospital) WHERE d.hospitalId IS NULL "
    "SET d.hospitalId = h.id WITH hospitals, count(d) AS departments "
    "MATCH (v:Division)-[:PART_OF]->(d:Department)-[:PART_OF]->(h:Hospital) "
    "WHERE v.hospitalId IS NULL SET v.departmentId = d.id, v.hospitalId = h.id "
    "WITH hospitals, departments, count(v) AS divisions "
    "RETURN hospitals + departments + divisions AS fixed"
)


@dataclass(frozen=True)
class NewUnit:
    id: str
    name: str
    shortName: str | None = None
    parentId: str | None = None

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "shortName": self.shortName,
            "parentId": self.parentId, "key": unit_key(self.name, self.parentId),
        }


async def merge_units(
    db: Executor, kind: str, units: Sequence[NewUnit], *, now: int
) -> list[tuple[OrgUnitRecord, bool]]:
    """Create units of `kind` that do not exist yet (by parent and name); returns each unit
    as stored and whether this call created it. Rows whose parent is missing are dropped."""
    if not units:
        return []
    rows = await db.write(MERGE_UNITS[kind], {"units": [u.row() for u in units], "now": now})
    return [(_record(r), bool(r["created"])) for r in rows]


async def create_unit(
    db: Executor, kind: str, unit: NewUnit, *, now: int
) -> tuple[OrgUnitRecord, bool] | None:
    """One unit; (stored unit, created). None when the parent does not exist."""
    found = await merge_units(db, kind, [unit], now=now)
    return found[0] if found else None


def _rename(label: LiteralString) -> LiteralString:
    return (
        "MATCH (u:" + label + " {id: $id}) OPTIONAL MATCH (u)-[:PART_OF]->(parent) "
        "SET u.name = $name, u.shortName = $shortName, u.updatedAt = $now, "
        "u.key = CASE WHEN parent IS NULL THEN $slug ELSE parent.id + '/' + $slug END "
        "RETURN " + UNIT_FIELDS + " AS unit, parent.id AS parentId"
    )


RENAME_UNIT: dict[str, LiteralString] = {kind: _rename(kind) for kind in KINDS}


async def rename_unit(
    db: Executor, kind: str, unit_id: str, *, name: str, short_name: str | None, now: int
) -> OrgUnitRecord | None:
    """Rename a unit; ConstraintViolation if a sibling has that name. None if absent."""
    rows = await db.write(
        RENAME_UNIT[kind],
        {"id": unit_id, "name": name, "shortName": short_name, "slug": slugify(name), "now": now},
    )
    return _record(rows[0]) if rows else None


GET_MANY: LiteralString = by_ids_of_labels("u", KINDS, UNIT_FIELDS, "unit", "PART_OF", "parentId")


async def get_many(db: Executor, ids: Sequence[str]) -> list[OrgUnitRecord | None]:
    """Units of any kind by id, aligned with `ids`."""
    return await get_aligned_rows(db, GET_MANY, ids, lambda row: row["unit"]["id"], _record)


LIST_ALL: LiteralString = (
    "MATCH (u) WHERE u:Hospital OR u:Department OR u:Division "
    "OPTIONAL MATCH (u)-[:PART_OF]->(parent) "
    "RETURN " + UNIT_FIELDS + " AS unit, parent.id AS parentId ORDER BY u.name, u.id"
)


async def list_all(db: Executor) -> list[OrgUnitRecord]:
    """Every unit (the whole taxonomy is small: hundreds of nodes)."""
    return [_record(r) for r in await db.read(LIST_ALL)]


LIST_HOSPITALS: LiteralString = (
    "MATCH (u:Hospital) RETURN " + UNIT_FIELDS + " AS unit, null AS parentId ORDER BY u.name, u.id"
)


async def list_hospitals(db: Executor) -> list[OrgUnitRecord]:
    return [_record(r) for r in await db.read(LIST_HOSPITALS)]


LIST_CHILDREN: LiteralString = (
    "UNWIND $ids AS id "
    "OPTIONAL MATCH (h:Hospital {id: id}) OPTIONAL MATCH (d:Department {id: id}) "
    "WITH id, coalesce(h, d) AS parent WHERE parent IS NOT NULL "
    "MATCH (u)-[:PART_OF]->(parent) "
    "RETURN " + UNIT_FIELDS + " AS unit, id AS parentId ORDER BY u.name, u.id"
)


async def list_children(db: Executor, parent_ids: Sequence[str]) -> list[list[OrgUnitRecord]]:
    """The units directly PART_OF each parent, by name, aligned with `parent_ids`."""
    return await list_aligned(db, LIST_CHILDREN, parent_ids, "parentId", _record)


async def load_default(db: Executor, *, now: int) -> int:
    """Ensure the default taxonomy exists (by name under each parent); returns units created."""
    await db.write(BACKFILL_ABOVE)
    created = 0
    hospitals = [
        NewUnit(stable_id("Hospital", [name]), name, short)
        for name, short, _ in DEFAULT_TAXONOMY
    ]
    stored = await merge_units(db, "Hospital", hospitals, now=now)
    created += sum(c for _, c in stored)
    hospital_ids = {r.name: r.id for r, _ in stored}
    departments: list[NewUnit] = []
    divisions: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
    for name, _, units in DEFAULT_TAXONOMY:
        for dept, dept_short, divs in units:
            departments.append(
                NewUnit(stable_id("Department", [name, dept]), dept, dept_short, hospital_ids[name])
            )
            divisions[(name, dept)] = divs
    stored = await merge_units(db, "Department", departments, now=now)
    created += sum(c for _, c in stored)
    by_parent = {(r.parentId, r.name): r.id for r, _ in stored}
    new_divisions = [
        NewUnit(stable_id("Division", [hospital, dept, div]), div, div_short,
                by_parent[(hospital_ids[hospital], dept)])
        for (hospital, dept), divs in divisions.items()
        for div, div_short in divs
    ]
    stored = await merge_units(db, "Division", new_divisions, now=now)
    return created + sum(c for _, c in stored)
