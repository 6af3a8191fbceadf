"""Every people, vocabulary and taxonomy mutation, as each kind of actor: signed out, the
member themself, another member, a site admin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from graph_db import people, taxonomy, vocabulary
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from schema.base import to_global_id
from tests.factories import make_person
from tests.graphs import snapshot
from tests.resolvers.test_people import NOW, gid, gql

# operation, variables(owner, ids) -> the mutation's input; profile mutations act on `owner`.
Inputs = Callable[[PersonRecord, dict[str, str]], dict[str, Any]]
PROFILE: list[tuple[str, str, Inputs]] = [
    ("updateProfile", "UpdateProfileInput", lambda o, i: {"personId": gid(o), "title": "Dr"}),
    ("addInterests", "AddInterestsInput",
     lambda o, i: {"personId": gid(o), "interests": [{"name": "Wound Healing Research"}]}),
    ("removeInterests", "RemoveInterestsInput",
     lambda o, i: {"personId": gid(o), "interestIds": [i["interest"]]}),
    ("addMentorshipAreas", "AddMentorshipAreasInput",
     lambda o, i: {"personId": gid(o), "role": "OFFERED", "areas": [{"id": i["area"]}]}),
    ("removeMentorshipAreas", "RemoveMentorshipAreasInput",
     lambda o, i: {"personId": gid(o), "role": "OFFERED", "areaIds": [i["offered"]]}),
]
ADMIN_ONLY: list[tuple[str, str, Inputs]] = [
    ("createHospital", "CreateHospitalInput", lambda o, i: {"name": "New Hospital"}),
    ("createDepartment", "CreateDepartmentInput",
     lambda o, i: {"hospitalId": i["hospital"], "name": "Department of Lore"}),
    ("createDivision", "CreateDivisionInput",
     lambda o, i: {"departmentId": i["department"], "name": "Lore"}),
    ("renameOrgUnit", "RenameOrgUnitInput", lambda o, i: {"id": i["department"], "name": "Renamed"}),
]


async def _world(db: Backend) -> tuple[dict[str, PersonRecord], dict[str, str]]:
    await taxonomy.load_default(db, now=NOW)
    await vocabulary.load_default(db, now=NOW)
    actors = {
        "owner": await make_person(db, name="Owner"),
        "other": await make_person(db, name="Other"),
        "admin": await make_person(db, name="Admin", role="ADMIN"),
    }
    units = await taxonomy.list_all(db)
    hospital = next(u for u in units if u.kind == "Hospital")
    department = next(u for u in units if u.kind == "Department" and u.parentId == hospital.id)
    sepsis = (await vocabulary.autocomplete(db, "Interest", "sepsis", 1))[0][0]
    area = (await vocabulary.autocomplete(db, "MentorshipArea", "grant", 1))[0][0]
    offered = next(
        row["id"] for row in await db.read("MATCH (t:MentorshipArea) RETURN t.id AS id ORDER BY id")
        if row["id"] != area.id
    )
    await people.add_terms(db, actors["owner"].id, "INTERESTED_IN", terms=[
        {"id": sepsis.id, "slug": sepsis.slug, "name": sepsis.name, "broaderId": None}], now=NOW)
    await db.write(
        "MATCH (p:Person {id: $p}), (t:MentorshipArea {id: $t}) "
        "MERGE (p)-[:OFFERS_MENTORSHIP_IN {createdAt: $now}]->(t)",
        {"p": actors["owner"].id, "t": offered, "now": NOW},
    )
    ids = {
        "hospital": to_global_id("Hospital", hospital.id),
        "department": to_global_id("Department", department.id),
        "interest": to_global_id("Interest", sepsis.id),
        "area": to_global_id("MentorshipArea", area.id),
        "offered": to_global_id("MentorshipArea", offered),
        # Local ids, for reading the stored effect back.
        "owner_id": actors["owner"].id, "department_id": department.id,
        "sepsis_id": sepsis.id, "area_id": area.id, "offered_id": offered,
    }
    return actors, ids


async def _one(db: Backend, query: str, ids: dict[str, str]) -> Any:
    rows = await db.read(query, ids)
    assert len(rows) == 1, rows
    return rows[0]["v"]


def _owner_edges(edge: str, target: str, count: int) -> str:
    """A query for `v`: whether the owner has exactly `count` `edge` relationships to `target`."""
    return (f"MATCH (p:Person {{id: $owner_id}}) OPTIONAL MATCH "
            f"(p)-[r:{edge}]->({target}) RETURN count(r) = {count} AS v")


# What each allowed mutation must have stored (read back from the graph, not the payload).
EFFECTS: dict[str, Callable[[Backend, dict[str, str]], Awaitable[bool]]] = {
    "updateProfile": lambda db, i: _is(db, "MATCH (p:Person {id: $owner_id}) RETURN p.title = 'Dr' AS v", i),
    "addInterests": lambda db, i: _is(
        db, "MATCH (p:Person {id: $owner_id}) OPTIONAL MATCH (p)-[:INTERESTED_IN]->(t) "
        "WHERE toLower(t.name) = 'wound healing research' RETURN count(t) = 1 AS v", i),
    "removeInterests": lambda db, i: _is(
        db, _owner_edges("INTERESTED_IN", ":Interest {id: $sepsis_id}", 0), i),
    "addMentorshipAreas": lambda db, i: _is(
        db, _owner_edges("OFFERS_MENTORSHIP_IN", ":MentorshipArea {id: $area_id}", 1), i),
    "removeMentorshipAreas": lambda db, i: _is(
        db, _owner_edges("OFFERS_MENTORSHIP_IN", ":MentorshipArea {id: $offered_id}", 0), i),
    "createHospital": lambda db, i: _is(
        db, "OPTIONAL MATCH (h:Hospital {name: 'New Hospital'}) RETURN count(h) = 1 AS v", i),
    "createDepartment": lambda db, i: _is(
        db, "OPTIONAL MATCH (d:Department {name: 'Department of Lore'}) RETURN count(d) = 1 AS v", i),
    "createDivision": lambda db, i: _is(
        db, "OPTIONAL MATCH (d:Division {name: 'Lore'}) RETURN count(d) = 1 AS v", i),
    "renameOrgUnit": lambda db, i: _is(
        db, "MATCH (d:Department {id: $department_id}) RETURN d.name = 'Renamed' AS v", i),
}


async def _is(db: Backend, query: str, ids: dict[str, str]) -> bool:
    return bool(await _one(db, query, ids))


def _operation(name: str, input_type: str) -> str:
    return (f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ "
            "errors { field code } } }")


async def _check(
    db: Backend, name: str, input_type: str, inputs: Inputs, actor: str, expected: str | None
) -> None:
    """`actor` runs mutation `name`: allowed, its effect shows; refused, the graph is unchanged."""
    actors, ids = await _world(db)
    viewer = None if actor == "signed out" else actors[actor]
    before = await snapshot(db)
    assert not await EFFECTS[name](db, ids)
    data, code = await gql(db, viewer, _operation(name, input_type),
                           {"input": inputs(actors["owner"], ids)})
    assert code == expected
    if expected is None:
        assert data is not None and data[name]["errors"] == []
        assert await EFFECTS[name](db, ids)
    else:
        assert await snapshot(db) == before


@pytest.mark.parametrize(("name", "input_type", "inputs"), PROFILE, ids=[p[0] for p in PROFILE])
@pytest.mark.parametrize(
    ("actor", "expected"),
    [("signed out", "UNAUTHENTICATED"), ("other", "FORBIDDEN"), ("owner", None), ("admin", None)],
)
async def test_profile_mutations(
    db: Backend, name: str, input_type: str, inputs: Inputs, actor: str, expected: str | None
) -> None:
    await _check(db, name, input_type, inputs, actor, expected)


@pytest.mark.parametrize(("name", "input_type", "inputs"), ADMIN_ONLY, ids=[p[0] for p in ADMIN_ONLY])
@pytest.mark.parametrize(
    ("actor", "expected"),
    [("signed out", "UNAUTHENTICATED"), ("owner", "FORBIDDEN"), ("admin", None)],
)
async def test_taxonomy_mutations(
    db: Backend, name: str, input_type: str, inputs: Inputs, actor: str, expected: str | None
) -> None:
    await _check(db, name, input_type, inputs, actor, expected)
