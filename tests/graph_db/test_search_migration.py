"""People search's stored analysis: what writes store (words, keys), the start-up migration
that brings older people up to date, and search over people that have none yet."""

from __future__ import annotations

from typing import Any

from graph_db import accounts, people, search, taxonomy, vocabulary
from graph_db.backend import Backend
from graph_db.migrations.search import update_search_words
from graph_db.search import PeopleFilter, SearchRequest, search_key
from graph_db.text_analysis import ANALYSIS_VERSION, index_words
from tests.factories import make_person

NOW = 1_800_000_000_000
STORED = (
    "MATCH (p:Person {id: $id}) RETURN p.searchName AS name, p.searchTitle AS title, "
    "p.searchBio AS bio, p.searchVersion AS version, p.searchKeys AS keys"
)


async def _stored(db: Backend, person_id: str) -> dict[str, Any]:
    return (await db.read(STORED, {"id": person_id}))[0]


async def _names(db: Backend, viewer: str, text: str, **filters: Any) -> list[str]:
    request = SearchRequest(viewer=viewer, text=text, filter=PeopleFilter(**filters))
    return [h.person.name for h in await search.search_people(db, request, after=None, limit=50)]


async def _hospital_person(db: Backend) -> tuple[str, str]:
    """A professor in a department of a hospital, interested in Sepsis: (id, hospital id)."""
    await taxonomy.load_default(db, now=NOW)
    hospital = next(u for u in await taxonomy.list_all(db) if u.kind == "Hospital")
    department = next(
        u for u in await taxonomy.list_all(db)
        if u.kind == "Department" and u.parentId == hospital.id
    )
    person = await make_person(db, name="Núñez Ortega", bio="Studies sepsis in children.")
    await people.update_profile(
        db, person.id, changes={"rank": "PROFESSOR", "title": "Intensivist"}, now=NOW,
        set_unit=True, unit_id=department.id,
    )
    await people.add_terms(
        db, person.id, "INTERESTED_IN", terms=[vocabulary.proposal("Interest", "Sepsis")], now=NOW
    )
    return person.id, hospital.id


async def test_writes_store_the_analysed_words_and_the_filter_keys(db: Backend) -> None:
    person_id, hospital_id = await _hospital_person(db)
    stored = await _stored(db, person_id)
    assert stored["name"] == index_words("Núñez Ortega") == "nunez ortega"
    assert stored["title"] == "intensivist" and stored["bio"] == index_words("Studies sepsis in children.")
    assert stored["version"] == ANALYSIS_VERSION
    keys = set(stored["keys"].split())
    sepsis = vocabulary.stable_id("Interest", "Sepsis")
    assert {search_key("h", hospital_id), search_key("r", "PROFESSOR"), search_key("i", sepsis)} <= keys
    await people.update_profile(db, person_id, changes={"title": None, "rank": None}, now=NOW)
    stored = await _stored(db, person_id)
    assert stored["title"] == "" and search_key("r", "PROFESSOR") not in stored["keys"].split()


async def test_the_migration_brings_older_people_up_to_date_once(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    person_id, hospital_id = await _hospital_person(db)
    filters = {"hospitals": (hospital_id,), "ranks": ("PROFESSOR",)}
    assert await _names(db, viewer.id, "sepsis", **filters) == ["Núñez Ortega"]
    # As stored before people search kept words and keys (or by an older analysis).
    await db.write(
        "MATCH (p:Person) REMOVE p.searchName, p.searchTitle, p.searchBio, p.searchVersion, "
        "p.searchKeys"
    )
    assert await _names(db, viewer.id, "nunez") == ["Núñez Ortega"]  # the text, analysed
    assert await update_search_words(db, batch=1) == 2
    assert (await _stored(db, person_id))["name"] == "nunez ortega"
    assert await _names(db, viewer.id, "sepsis", **filters) == ["Núñez Ortega"]
    assert await _names(db, viewer.id, "ortega", **filters) == ["Núñez Ortega"]
    assert await update_search_words(db) == 0


async def test_people_without_stored_words_are_found_by_their_text(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    # An account made at registration stores no search words; search reads its text.
    created = await accounts.create_account(
        db, id="acct1", email="zoe@example.org", name="Zoë Ångström", password_hash="x",
        credential_id="cred1", now=NOW, extra={"bio": "Pediatric cardiology."},
    )
    assert (await _stored(db, created.id))["version"] is None
    assert await _names(db, viewer.id, "zoe angstrom") == ["Zoë Ångström"]
    assert await _names(db, viewer.id, "cardiology") == ["Zoë Ångström"]
    hits = await search.search_people(
        db, SearchRequest(viewer=viewer.id, text="angstrom"), after=None, limit=5
    )
    assert hits[0].matched == ("Ångström",)
