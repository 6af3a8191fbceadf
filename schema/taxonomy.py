"""GraphQL types, root fields and admin mutations for hospitals, departments and divisions."""

from __future__ import annotations

from typing import Self

import strawberry

from graph_db.errors import InvalidInput
from graph_db.people_records import OrgUnitRecord
from resolvers import taxonomy as taxonomy_resolvers
from schema.base import (
    AppInfo,
    DateTime,
    Node,
    Payload,
    UserError,
    attr_field,
    from_global_id,
    local_id,
    nodes,
    of_kind,
    timestamp_field,
    to_global_id,
)

UNIT_TYPES = ("Hospital", "Department", "Division")


@strawberry.interface(description="A part of the institution: a hospital, department or division.")
class OrgUnit(Node):
    record: strawberry.Private[OrgUnitRecord]

    @classmethod
    def from_record(cls, record: OrgUnitRecord) -> Self:
        """As a Hospital, Department or Division: the type it is called on."""
        return cls(id=to_global_id(cls.__name__, record.id), record=record)

    name: str = attr_field("record.name", description="Full name, e.g. 'Department of Medicine'.")

    short_name: str | None = attr_field("record.shortName", description="Abbreviation, e.g. 'MED'.")

    created_at: DateTime = timestamp_field("record.createdAt", "When the unit was added.")


@strawberry.type(description="A hospital of the system (the medical school counts as one).")
class Hospital(OrgUnit):
    @strawberry.field(description="Its departments, by name.")
    async def departments(self, info: AppInfo) -> list[Department]:
        found = await taxonomy_resolvers.children(info.context, self.record.id)
        return [Department.from_record(u) for u in found]


@strawberry.type(description="A department of a hospital.")
class Department(OrgUnit):
    @strawberry.field(description="The hospital it belongs to.")
    async def hospital(self, info: AppInfo) -> Hospital | None:
        found = await _parent(info, self.record)
        return Hospital.from_record(found) if found else None

    @strawberry.field(description="Its divisions, by name (none for a department without).")
    async def divisions(self, info: AppInfo) -> list[Division]:
        found = await taxonomy_resolvers.children(info.context, self.record.id)
        return [Division.from_record(u) for u in found]


@strawberry.type(description="A division of a department (e.g. Cardiology in Medicine).")
class Division(OrgUnit):
    @strawberry.field(description="The department it belongs to.")
    async def department(self, info: AppInfo) -> Department | None:
        found = await _parent(info, self.record)
        return Department.from_record(found) if found else None


async def _parent(info: AppInfo, record: OrgUnitRecord) -> OrgUnitRecord | None:
    if record.parentId is None:
        return None
    return await taxonomy_resolvers.unit(info.context, record.parentId)


def unit_from_record(record: OrgUnitRecord) -> OrgUnit:
    """The GraphQL type for a unit of any kind."""
    if record.kind == "Hospital":
        return Hospital.from_record(record)
    if record.kind == "Department":
        return Department.from_record(record)
    return Division.from_record(record)


for _kind in UNIT_TYPES:
    nodes(_kind, of_kind(_kind, unit_from_record), get_many=taxonomy_resolvers.units)


@strawberry.input(description="A new hospital.")
class CreateHospitalInput:
    name: str = strawberry.field(description="Full name, unique among hospitals.")
    short_name: str | None = strawberry.field(default=None, description="Abbreviation.")


@strawberry.input(description="A new department of a hospital.")
class CreateDepartmentInput:
    hospital_id: strawberry.ID = strawberry.field(description="The hospital it belongs to.")
    name: str = strawberry.field(description="Full name, unique within the hospital.")
    short_name: str | None = strawberry.field(default=None, description="Abbreviation.")


@strawberry.input(description="A new division of a department.")
class CreateDivisionInput:
    department_id: strawberry.ID = strawberry.field(description="The department it belongs to.")
    name: str = strawberry.field(description="Full name, unique within the department.")
    short_name: str | None = strawberry.field(default=None, description="Abbreviation.")


@strawberry.input(description="New names for a hospital, department or division.")
class RenameOrgUnitInput:
    id: strawberry.ID = strawberry.field(description="The unit.")
    name: str = strawberry.field(description="The new full name, unique among its siblings.")
    short_name: str | None = strawberry.field(
        default=None, description="The new abbreviation (null removes it)."
    )


@strawberry.type(description="The result of creating or renaming a unit.")
class OrgUnitPayload(Payload[OrgUnitRecord], result="unit", convert=unit_from_record):
    unit: OrgUnit | None = strawberry.field(description="The unit as stored; null on errors.")
    errors: list[UserError] = strawberry.field(description="What to fix, if anything.")


def _any_unit(value: strawberry.ID) -> str:
    kind, local = from_global_id(value, field="id")
    if kind not in UNIT_TYPES:
        raise InvalidInput("expected the id of a hospital, department or division", field="id")
    return local


@strawberry.type
class TaxonomyQuery:
    @strawberry.field(description="Every hospital of the institution, by name.")
    async def hospitals(self, info: AppInfo) -> list[Hospital]:
        return [Hospital.from_record(u) for u in await taxonomy_resolvers.hospitals(info.context)]


@strawberry.type
class TaxonomyMutation:
    @strawberry.mutation(description="Add a hospital (site admins).")
    async def create_hospital(self, info: AppInfo, input: CreateHospitalInput) -> OrgUnitPayload:
        return await OrgUnitPayload.attempt(lambda: taxonomy_resolvers.create_unit(
            info.context, "Hospital", input.name, input.short_name, None
        ))

    @strawberry.mutation(description="Add a department to a hospital (site admins).")
    async def create_department(
        self, info: AppInfo, input: CreateDepartmentInput
    ) -> OrgUnitPayload:
        return await OrgUnitPayload.attempt(lambda: taxonomy_resolvers.create_unit(
            info.context, "Department", input.name, input.short_name,
            local_id(input.hospital_id, "Hospital", field="hospitalId"),
        ))

    @strawberry.mutation(description="Add a division to a department (site admins).")
    async def create_division(self, info: AppInfo, input: CreateDivisionInput) -> OrgUnitPayload:
        return await OrgUnitPayload.attempt(lambda: taxonomy_resolvers.create_unit(
            info.context, "Division", input.name, input.short_name,
            local_id(input.department_id, "Department", field="departmentId"),
        ))

    @strawberry.mutation(description="Rename a hospital, department or division (site admins).")
    async def rename_org_unit(self, info: AppInfo, input: RenameOrgUnitInput) -> OrgUnitPayload:
        return await OrgUnitPayload.attempt(lambda: taxonomy_resolvers.rename_unit(
            info.context, _any_unit(input.id), input.name, input.short_name
        ))
