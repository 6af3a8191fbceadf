"""Directory import: per-row validation with line numbers, upsert by email, idempotency."""

from __future__ import annotations

import io
import json
from pathlib import Path

from graph_db import importer, people, search, taxonomy, vocabulary
from graph_db.backend import Backend
from graph_db.importer import ImportProblem
from graph_db.search import PeopleFilter, SearchRequest
from tests.factories import make_person

NOW = 1_800_000_000_000

CSV = (
    "Email,First Name,Last Name,Title,Rank,Hospital,Department,Di"
    "vision,Phone,Interests,Mentorship Offered,Accepting Mentees,Shoe Size\n"
    "ada@uh.example.org,Ada,Chen,Professor of Medicine,Professor,University Hospital,"
    "Department of Medicine,Cardiology,+1 617 555 0100,Heart Failure; cardiac   AMYLOIDOSIS,"
    "Grant Writing,yes,38\n"
    "not-an-email,Bo,Li,,,,,,,,,,\n"
    "ben@uh.example.org,Ben,Okafor,\"Resident, Medicine\",resident,UH,MED,,,,,no,\n"
    "cy@uh.example.org,Cy,Nowhere,,,Atlantis General,Department of Medicine,,,,,,\n"
    "ADA@uh.example.org,Ada,Again,,,,,,,,,,\n"
    "dee@uh.example.org,Dee,Ng,,KING,,,,call me,,,maybe,\n"
    "eve@uh.example.org,,,,,,,,,,,,\n"
    "fay@uh.example.org,Fay,Ito,,,University Hospital,,,,,,,\n"
)


async def _import(db: Backend, text: str, **options: object) -> importer.ImportReport:
    return await importer.import_people(db, io.StringIO(text), now=NOW, batch_size=2, **options)  # type: ignore[arg-type]


def _lines(problems: list[ImportProblem]) -> list[tuple[int, str]]:
    return sorted((p.line, p.field or "") for p in problems)


async def test_bad_rows_are_reported_by_line_and_skipped(db: Backend) -> None:
    await taxonomy.load_default(db, now=NOW)
    await vocabulary.load_default(db, now=NOW)
    report = await _import(db, CSV)
    assert (report.rows, report.created, report.skipped) == (8, 2, 6)
    assert _lines(report.problems) == [
        (3, "email"), (5, "hospital"), (6, "email"), (7, "accepting_mentees"), (7, "phone"),
        (7, "rank"), (8, "name"), (9, "department"),
    ]
    assert "line 2" in next(p.message for p in report.problems if p.line == 6)
    assert report.ignored_columns == ["shoe_size"]
    assert report.terms_created == 1  # "cardiac amyloidosis"; Heart Failure and Grant Writing exist
    ada = await people.get_by_email(db, "ada@uh.example.org")
    assert ada is not None and ada.rank == "PROFESSOR" and ada.acceptingMentees is True
    assert ada.completeness == 75 and ada.profileGaps == ("BIO", "PHOTO")
    affiliation = (await people.get_affiliations(db, [ada.id]))[0]
    assert affiliation.division is not None and affiliation.division.name == "Cardiology"
    terms = (await people.get_terms(db, [ada.id]))[0]
    assert [t.name for t in terms["INTERESTED_IN"]] == ["cardiac AMYLOIDOSIS", "Heart Failure"]
    ben = await people.get_by_email(db, "ben@uh.example.org")  # matched by short names
    assert ben is not None and ben.rank == "RESIDENT" and ben.title == "Resident, Medicine"
    assert await people.count_people(db) == 2


async def test_importing_twice_changes_nothing(db: Backend) -> None:
    await taxonomy.load_default(db, now=NOW)
    first = await _import(db, CSV)
    before = await db.read("MATCH (p:Person) RETURN p {.*} AS p ORDER BY p.email")
    again = await importer.import_people(db, io.StringIO(CSV), now=NOW + 1000, batch_size=2)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    assert await db.read("MATCH (p:Person) RETURN p {.*} AS p ORDER BY p.email") == before
    edges = await db.read("MATCH ()-[r]->() RETURN count(r) AS n")
    await _import(db, CSV)
    assert await db.read("MATCH ()-[r]->() RETURN count(r) AS n") == edges


async def test_changed_rows_update_and_member_edits_survive_an_unchanged_row(db: Backend) -> None:
    await taxonomy.load_default(db, now=NOW)
    await _import(db, CSV)
    ben = await people.get_by_email(db, "ben@uh.example.org")
    assert ben is not None
    await people.update_profile(db, ben.id, changes={"bio": "My own words."}, now=NOW)
    changed = CSV.replace("Professor of Medicine", "Professor of Cardiology")
    report = await _import(db, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    ada = await people.get_by_email(db, "ada@uh.example.org")
    assert ada is not None and ada.title == "Professor of Cardiology"
    ben = await people.get_by_email(db, "ben@uh.example.org")
    assert ben is not None and ben.bio == "My own words."


async def test_existing_accounts_are_updated_by_email(db: Backend) -> None:
    await taxonomy.load_default(db, now=NOW)
    existing = await make_person(db, email="ada@uh.example.org", name="A. Chen")
    report = await _import(db, CSV)
    assert (report.created, report.updated) == (1, 1)
    ada = await people.get_by_email(db, "ada@uh.example.org")
    assert ada is not None and ada.id == existing.id and ada.name == "Ada Chen"


async def test_create_units_adds_the_named_units(db: Backend) -> None:
    text = ("email,name,hospital,department,division\n"
            "a@x.org,A,North Hospital,Department of Surgery,Trauma\n"
            "b@x.org,B,north hospital,Department of Surgery,\n")
    refused = await _import(db, text)
    assert refused.created == 0 and "no units are defined yet" in refused.problems[0].message
    report = await _import(db, text, create_units=True)
    assert (report.created, report.units_created) == (2, 3)
    assert [u.name for u in await taxonomy.list_hospitals(db)] == ["North Hospital"]
    request = SearchRequest(viewer="nobody", filter=PeopleFilter(
        hospitals=(next(iter(await taxonomy.list_hospitals(db))).id,)))
    assert len(await search.search_people(db, request, after=None, limit=10)) == 2


async def test_json_lines(db: Backend, tmp_path: Path) -> None:
    path = tmp_path / "people.jsonl"
    path.write_text("\n".join([
        json.dumps({"email": "a@x.org", "name": "Ann", "interests": ["Sepsis", "sepsis "],
                    "mentee_capacity": 3, "accepting_mentees": True}),
        "{not json",
        json.dumps(["a list"]),
        "",
        json.dumps({"email": "b@x.org", "name": "Bob", "mentee_capacity": 99}),
    ]))
    report = await importer.import_people(db, path, now=NOW)
    assert report.created == 1
    assert _lines(report.problems) == [(2, ""), (3, ""), (5, "mentee_capacity")]
    ann = await people.get_by_email(db, "a@x.org")
    assert ann is not None and ann.menteeCapacity == 3 and ann.acceptingMentees is True
    assert [t.slug for t in (await people.get_terms(db, [ann.id]))[0]["INTERESTED_IN"]] == ["sepsis"]


async def test_a_row_the_database_refuses_is_isolated(db: Backend) -> None:
    taken = await make_person(db)
    rows = [
        importer._Row(line=2, email="good@x.org", name="Good", props={}, unit_path=(), terms={}),
        importer._Row(line=3, email="clash@x.org", name="Clash", props={}, unit_path=(), terms={}),
    ]
    payload = [importer._payload(row, importer._Units([]), {}) for row in rows]
    payload[1]["id"] = taken.id  # a new person with an id that exists: the constraint refuses
    report = importer.ImportReport()
    created, updated = await importer._one_by_one(db, payload, rows, NOW, report)
    assert (created, updated, report.failed) == (1, 0, 1)
    assert _lines(report.problems) == [(3, "")]
    assert await people.get_by_email(db, "good@x.org") is not None
    assert await people.get_by_email(db, "clash@x.org") is None
