"""People repository: profiles, completeness and its derived properties, terms, bulk upsert."""

from __future__ import annotations

from typing import Any

from graph_db import people, taxonomy, vocabulary
from graph_db.backend import Backend
from graph_db.profile_fields import PROFILE_ITEMS
from tests.factories import make_person

NOW = 1_800_000_000_000


async def _division(db: Backend, name: str = "Cardiology") -> str:
    await taxonomy.load_default(db, now=NOW)
    units = await taxonomy.list_all(db)
    return next(u.id for u in units if u.kind == "Division" and u.name == name)


async def _derived(db: Backend, person_id: str) -> dict[str, Any]:
    rows = await db.read(
        "MATCH (p:Person {id: $id}) RETURN p {.topics, .interestIds, .offerIds, .seekIds, "
        ".hospitalId, .departmentId, .divisionId, .completeness, .profileGaps} AS p",
        {"id": person_id},
    )
    return dict(rows[0]["p"])


async def test_new_person_has_everything_missing(db: Backend) -> None:
    person = await make_person(db)
    assert person.completeness == 0
    assert person.profileGaps == PROFILE_ITEMS


async def test_completeness_follows_every_kind_of_change(db: Backend) -> None:
    division = await _division(db)
    person = await make_person(db)
    updated = await people.update_profile(
        db, person.id, changes={"title": "Professor", "rank": "PROFESSOR", "bio": "Heart."},
        now=NOW,
    )
    assert updated is not None
    assert updated.completeness == 35 and "TITLE" not in updated.profileGaps
    placed = await people.update_profile(db, person.id, changes={}, now=NOW, set_unit=True,
                                         unit_id=division)
    assert placed is not None and placed.completeness == 50
    with_interest = await people.add_terms(
        db, person.id, "INTERESTED_IN",
        terms=[vocabulary.proposal("Interest", "Heart Failure")], now=NOW,
    )
    assert with_interest is not None and with_interest.completeness == 70
    with_area = await people.add_terms(
        db, person.id, "SEEKS_MENTORSHIP_IN",
        terms=[vocabulary.proposal("MentorshipArea", "Grant Writing")], now=NOW,
    )
    assert with_area is not None and with_area.completeness == 85
    full = await people.update_profile(
        db, person.id, changes={"photoUrl": "https://x.org/a.jpg", "phone": "+1 617 555 0100"},
        now=NOW,
    )
    assert full is not None and full.completeness == 100 and full.profileGaps == ()
    cleared = await people.update_profile(db, person.id, changes={"bio": None}, now=NOW)
    assert cleared is not None and cleared.completeness == 85 and cleared.profileGaps == ("BIO",)
    detached = await people.update_profile(db, person.id, changes={}, now=NOW, set_unit=True,
                                           unit_id=None)
    assert detached is not None and "AFFILIATION" in detached.profileGaps


async def test_derived_properties_mirror_the_graph(db: Backend) -> None:
    division = await _division(db)
    person = await make_person(db)
    await people.update_profile(db, person.id, changes={}, now=NOW, set_unit=True, unit_id=division)
    hf = vocabulary.proposal("Interest", "Heart Failure")
    await people.add_terms(db, person.id, "INTERESTED_IN", terms=[hf], now=NOW)
    await people.add_terms(
        db, person.id, "OFFERS_MENTORSHIP_IN",
        terms=[vocabulary.proposal("MentorshipArea", "Leadership")], now=NOW,
    )
    derived = await _derived(db, person.id)
    affiliation = (await people.get_affiliations(db, [person.id]))[0]
    assert affiliation.division is not None and affiliation.department is not None
    assert affiliation.hospital is not None
    assert derived["divisionId"] == affiliation.division.id == division
    assert derived["departmentId"] == affiliation.department.id
    assert derived["hospitalId"] == affiliation.hospital.id
    assert affiliation.division.parentId == affiliation.department.id
    assert derived["interestIds"] == [hf["id"]]
    assert derived["topics"] == "Heart Failure Leadership"
    await people.remove_terms(db, person.id, "INTERESTED_IN", ids=[hf["id"]], now=NOW)
    derived = await _derived(db, person.id)
    assert derived["interestIds"] == [] and derived["topics"] == "Leadership"


async def test_people_in_one_unit_share_their_affiliation_until_a_unit_changes(db: Backend) -> None:
    division = await _division(db)
    ada, ben = await make_person(db), await make_person(db)
    for person in (ada, ben):
        await people.update_profile(db, person.id, changes={}, now=NOW, set_unit=True,
                                    unit_id=division)
    first, second = await people.get_affiliations(db, [ada.id, ben.id])
    assert first == second and first.division is not None and first.division.id == division
    assert first.department is not None and first.division.parentId == first.department.id
    # Read again after a rename: the new name (a shared record is one of equal values).
    renamed = await taxonomy.rename_unit(db, "Division", division, name="Cardiovascular Medicine",
                                         short_name=None, now=NOW + 1)
    assert renamed is not None
    again = (await people.get_affiliations(db, [ada.id]))[0]
    assert again.division is not None and again.division.name == "Cardiovascular Medicine"
    assert again.department == first.department and again.hospital == first.hospital
    assert again != first


async def test_attaching_to_a_department_without_division(db: Backend) -> None:
    await taxonomy.load_default(db, now=NOW)
    department = next(
        u for u in await taxonomy.list_all(db)
        if u.kind == "Department" and u.name == "Department of Emergency Medicine"
    )
    person = await make_person(db)
    await people.update_profile(db, person.id, changes={}, now=NOW, set_unit=True,
                                unit_id=department.id)
    affiliation = (await people.get_affiliations(db, [person.id]))[0]
    assert affiliation.division is None
    assert affiliation.department is not None and affiliation.department.id == department.id
    assert affiliation.hospital is not None and affiliation.hospital.id == department.parentId
    derived = await _derived(db, person.id)
    assert derived["divisionId"] is None and derived["departmentId"] == department.id


async def test_duplicate_proposals_land_on_one_term(db: Backend) -> None:
    a, b = await make_person(db), await make_person(db)
    await people.add_terms(
        db, a.id, "INTERESTED_IN", terms=[vocabulary.proposal("Interest", "  Sleep   MEDICINE ",
                                                               id="first")], now=NOW,
    )
    await people.add_terms(
        db, b.id, "INTERESTED_IN", terms=[vocabulary.proposal("Interest", "sleep medicine",
                                                               id="second")], now=NOW,
    )
    rows = await db.read("MATCH (t:Interest {slug: 'sleep-medicine'}) RETURN t.id AS id, t.name AS name")
    assert rows == [{"id": "first", "name": "Sleep MEDICINE"}]
    terms = await people.get_terms(db, [a.id, b.id])
    assert [t.id for t in terms[0]["INTERESTED_IN"]] == [t.id for t in terms[1]["INTERESTED_IN"]]


async def test_broader_is_set_only_when_the_proposal_creates_the_term(db: Backend) -> None:
    person = await make_person(db)
    broad = vocabulary.proposal("Interest", "Cardiology", id="broad")
    await people.add_terms(db, person.id, "INTERESTED_IN", terms=[broad], now=NOW)
    narrow = vocabulary.proposal("Interest", "Cardio-Genetics", id="narrow", broader_id="broad")
    await people.add_terms(db, person.id, "INTERESTED_IN", terms=[narrow], now=NOW)
    # The same term proposed again with another broader term does not move it.
    other = vocabulary.proposal("Interest", "Genetics", id="genetics")
    await people.add_terms(db, person.id, "INTERESTED_IN", terms=[other], now=NOW)
    again = vocabulary.proposal("Interest", "cardio genetics", id="retry", broader_id="genetics")
    await people.add_terms(db, person.id, "INTERESTED_IN", terms=[again], now=NOW)
    term = (await vocabulary.get_many(db, ["narrow"]))[0]
    assert term is not None and term.broaderId == "broad"


async def test_adding_terms_twice_changes_nothing(db: Backend) -> None:
    person = await make_person(db)
    term = vocabulary.proposal("Interest", "Sepsis")
    for _ in range(2):
        await people.add_terms(db, person.id, "INTERESTED_IN", terms=[term], now=NOW)
    rows = await db.read("MATCH (:Person)-[r:INTERESTED_IN]->() RETURN count(r) AS n")
    assert rows == [{"n": 1}]


async def test_upsert_many_creates_updates_and_is_idempotent(db: Backend) -> None:
    division = await _division(db)
    await vocabulary.load_default(db, now=NOW)
    stored = {t.slug: t for t in await vocabulary.list_all(db)}
    hf = stored["heart-failure"]
    row = {
        "email": "ada@example.org", "id": "ada", "hash": "h1",
        "props": {"name": "Ada Chen", "title": "Professor"}, "unit": division,
        "interests": [[hf.id, hf.slug, hf.name]], "offers": [], "seeks": [],
    }
    assert await people.upsert_many(db, [row], now=NOW) == (1, 0)
    assert await people.upsert_many(db, [row], now=NOW + 1) == (0, 0)  # same hash: no change
    person = await people.get_by_email(db, "ada@example.org")
    assert person is not None and person.updatedAt == NOW and person.completeness == 45
    changed = {**row, "id": "ignored", "hash": "h2", "props": {"name": "Ada Chen-Lovelace"},
               "unit": None, "interests": []}
    assert await people.upsert_many(db, [changed], now=NOW + 2) == (0, 1)
    person = await people.get_by_email(db, "ada@example.org")
    assert person is not None and person.id == "ada" and person.name == "Ada Chen-Lovelace"
    assert person.title == "Professor" and person.completeness == 45  # kept unit and interest
    derived = await _derived(db, "ada")
    assert derived["divisionId"] == division and derived["interestIds"] == [hf.id]


async def test_upsert_many_moves_a_person_to_another_unit(db: Backend) -> None:
    first = await _division(db, "Cardiology")
    second = await _division(db, "Nephrology")
    base = {"email": "bo@example.org", "id": "bo", "props": {"name": "Bo"}}
    await people.upsert_many(db, [{**base, "hash": "1", "unit": first}], now=NOW)
    await people.upsert_many(db, [{**base, "hash": "2", "unit": second}], now=NOW)
    rows = await db.read("MATCH (:Person {id: 'bo'})-[:WORKS_IN]->(u) RETURN u.id AS id")
    assert rows == [{"id": second}]
    assert (await _derived(db, "bo"))["divisionId"] == second
