"""People search: relevance on a planted set, filters and facets agreeing, stable paging."""

from __future__ import annotations

from typing import Any

from graph_db import network, people, search, seed, taxonomy, vocabulary
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from graph_db.search import PeopleFilter, SearchRequest
from tests.factories import make_person

NOW = 1_800_000_000_000


async def _planted(
    db: Backend, name: str, *, interests: tuple[str, ...] = (), **profile: Any
) -> PersonRecord:
    person = await make_person(db, name=name)
    if profile:
        await people.update_profile(db, person.id, changes=profile, now=NOW)
    if interests:
        await people.add_terms(
            db, person.id, "INTERESTED_IN",
            terms=[vocabulary.proposal("Interest", i) for i in interests], now=NOW,
        )
    found = await people.get(db, person.id)
    assert found is not None
    return found


async def _search(db: Backend, viewer: str, text: str | None, **filters: Any) -> list[str]:
    hits = await search.search_people(
        db, SearchRequest(viewer=viewer, text=text, filter=PeopleFilter(**filters)),
        after=None, limit=50,
    )
    return [h.person.name for h in hits]


async def test_best_matches_rank_first(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    await _planted(db, "Ann Title", interests=("Heart Failure",), title="Heart Failure Cardiologist")
    await _planted(db, "Bea Topic", interests=("Heart Failure",))
    await _planted(db, "Cy Bio", bio="Works on heart failure in the elderly.")
    await _planted(db, "Dee Onebio", bio="Heart transplant outcomes.")
    await _planted(db, "Eve Other", bio="Dermatology.", interests=("Psoriasis",))
    await _planted(db, "Heart Name", bio="Dermatology.")
    # Everyone matching both words first: the interest named as a whole and the title, the
    # interest alone, the bio; then one word: in the name (8) above the bio (1).
    assert await _search(db, viewer.id, "heart failure") == [
        "Ann Title", "Bea Topic", "Cy Bio", "Heart Name", "Dee Onebio",
    ]


async def test_name_beats_bio_and_prefix_and_typos_match(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    await _planted(db, "Grace Hopper", title="Professor")
    await _planted(db, "Alan Turing", bio="Worked with Hopper on compilers.")
    assert await _search(db, viewer.id, "hopper") == ["Grace Hopper", "Alan Turing"]
    assert await _search(db, viewer.id, "hop") == ["Grace Hopper", "Alan Turing"]
    # One edit away still finds both; typo-only matches rank by completeness alone.
    assert sorted(await _search(db, viewer.id, "hoppr")) == ["Alan Turing", "Grace Hopper"]
    assert await _search(db, viewer.id, "zzzz") == []
    assert await _search(db, viewer.id, "!!! ???") == []


async def test_fuller_profile_wins_a_tie(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    await _planted(db, "Sparse Sepsis", interests=("Sepsis",))
    await _planted(db, "Full Sepsis", interests=("Sepsis",), title="Intensivist", bio="ICU.",
                   rank="PROFESSOR", photoUrl="https://x.org/p.jpg")
    assert await _search(db, viewer.id, "sepsis") == ["Full Sepsis", "Sparse Sepsis"]


async def test_blocked_people_never_appear(db: Backend) -> None:
    viewer = await _planted(db, "Viewer One")
    blocked = await _planted(db, "Sepsis Blocked", interests=("Sepsis",))
    blocker = await _planted(db, "Sepsis Blocker", interests=("Sepsis",))
    await _planted(db, "Sepsis Fine", interests=("Sepsis",))
    await network.block(db, viewer.id, blocked.id, now=NOW)
    await network.block(db, blocker.id, viewer.id, now=NOW)
    assert await _search(db, viewer.id, "sepsis") == ["Sepsis Fine"]
    facets = await search.search_facets(db, SearchRequest(viewer=viewer.id, text="sepsis"))
    assert facets.total == 1 and [f.count for f in facets.interests] == [1]
    sepsis = (await vocabulary.autocomplete(db, "Interest", "sepsis", 1))[0][0]
    listed = await search.list_by_interest(db, sepsis.id, viewer=viewer.id, after=None, limit=10)
    assert [p.name for p in listed] == ["Sepsis Fine"]


async def test_filters_and_facets_agree(db: Backend) -> None:
    await seed.seed_network(db, 150, seed=3, now=NOW)
    viewer = (await db.read("MATCH (p:Person) RETURN p.id AS id ORDER BY id LIMIT 1"))[0]["id"]
    for text in (None, "research"):
        request = SearchRequest(viewer=viewer, text=text)
        facets = await search.search_facets(db, request)
        everyone = await search.search_people(db, request, after=None, limit=500)
        assert facets.total == len(everyone) > 0
        checks = [
            ("hospitals", facets.hospitals), ("departments", facets.departments),
            ("interests", facets.interests),
        ]
        for key, values in checks:
            assert values, key
            for facet in values[:4]:
                narrowed = SearchRequest(viewer=viewer, text=text,
                                         filter=PeopleFilter(**{key: (facet.id,)}))
                hits = await search.search_people(db, narrowed, after=None, limit=500)
                assert len(hits) == facet.count, (key, facet)
                assert (await search.search_facets(db, narrowed)).total == facet.count
        for area in facets.mentorshipAreas[:3]:
            offered = await search.search_people(
                db, SearchRequest(viewer=viewer, text=text,
                                  filter=PeopleFilter(areas_offered=(area.id,))),
                after=None, limit=500,
            )
            sought = await search.search_people(
                db, SearchRequest(viewer=viewer, text=text,
                                  filter=PeopleFilter(areas_sought=(area.id,))),
                after=None, limit=500,
            )
            assert len({h.person.id for h in offered} | {h.person.id for h in sought}) == area.count


async def test_filters_combine_with_and_across_lists_or_within(db: Backend) -> None:
    await taxonomy.load_default(db, now=NOW)
    units = {u.name: u for u in await taxonomy.list_all(db) if u.kind == "Hospital"}
    viewer = await make_person(db, name="Viewer")
    rows = [
        ("Uh Prof", "University Hospital", "PROFESSOR", True),
        ("Uh Resident", "University Hospital", "RESIDENT", False),
        ("Ch Prof", "Children's Hospital", "PROFESSOR", True),
        ("Rmc Prof", "Riverside Medical Center", "PROFESSOR", False),
    ]
    for name, hospital, rank, accepting in rows:
        department = next(
            u for u in await taxonomy.list_all(db)
            if u.kind == "Department" and u.parentId == units[hospital].id
        )
        person = await make_person(db, name=name)
        await people.update_profile(
            db, person.id, changes={"rank": rank, "acceptingMentees": accepting}, now=NOW,
            set_unit=True, unit_id=department.id,
        )
    uh, ch = units["University Hospital"].id, units["Children's Hospital"].id
    assert sorted(await _search(db, viewer.id, None, hospitals=(uh, ch), ranks=("PROFESSOR",))) == [
        "Ch Prof", "Uh Prof",
    ]
    assert await _search(db, viewer.id, None, accepting_mentees=False, ranks=("PROFESSOR",)) == [
        "Rmc Prof",
    ]
    assert await _search(db, viewer.id, "prof", hospitals=(uh,)) == ["Uh Prof"]


async def test_pages_never_repeat_or_skip_while_people_join(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    originals = set()
    for i in range(25):
        person = await _planted(db, f"Original {i}", interests=("Sepsis",) if i % 2 else ("Sepsis", "Shock"),
                                bio="x" if i % 3 else None)
        originals.add(person.id)
    for text in ("sepsis", None):
        seen: list[str] = []
        after: tuple[int, str] | None = None
        weights: tuple[float, ...] | None = None
        joined = 0
        while True:
            hits = await search.search_people(
                db, SearchRequest(viewer=viewer.id, text=text), after=after, limit=4,
                weights=weights,
            )
            if not hits:
                break
            seen += [h.person.id for h in hits]
            # The cursor: the last position and the first page's word weights.
            after, weights = (hits[-1].rank, hits[-1].person.id), hits[-1].weights
            # New people join between pages, some ranking above the cursor, some below.
            await _planted(db, f"Joiner {text} {joined}", interests=("Sepsis",),
                           bio="y" if joined % 2 else None, title="t" if joined % 3 else None)
            joined += 1
        assert len(seen) == len(set(seen)), "a page repeated someone"
        assert originals <= set(seen), "a page skipped someone"


async def test_people_by_interest_includes_narrower_interests(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    cardio = vocabulary.proposal("Interest", "Cardiology", id="cardio")
    hf = vocabulary.proposal("Interest", "Heart Failure", id="hf", broader_id="cardio")
    lvad = vocabulary.proposal("Interest", "LVAD", id="lvad", broader_id="hf")
    a = await make_person(db, name="Ann")
    await people.add_terms(db, a.id, "INTERESTED_IN", terms=[cardio], now=NOW)
    b = await make_person(db, name="Bea")
    await people.add_terms(db, b.id, "INTERESTED_IN", terms=[hf], now=NOW)
    c = await make_person(db, name="Cy")
    await people.add_terms(db, c.id, "INTERESTED_IN", terms=[lvad], now=NOW)
    both = await make_person(db, name="Dee")
    await people.add_terms(db, both.id, "INTERESTED_IN", terms=[cardio, lvad], now=NOW)

    async def names(interest: str, after: tuple[str, str] | None = None, limit: int = 10) -> list[str]:
        found = await search.list_by_interest(db, interest, viewer=viewer.id, after=after, limit=limit)
        return [p.name for p in found]

    assert await names("cardio") == ["Ann", "Bea", "Cy", "Dee"]
    assert await names("hf") == ["Bea", "Cy", "Dee"]
    assert await names("lvad") == ["Cy", "Dee"]
    assert await names("cardio", after=("Bea", b.id), limit=1) == ["Cy"]
    assert await search.count_by_interest(db, "cardio", viewer=viewer.id) == 4
    assert await search.count_by_interest(db, "lvad", viewer=viewer.id) == 2


async def test_people_by_interest_reaches_every_depth_and_survives_cycles(db: Backend) -> None:
    viewer = await make_person(db, name="Viewer")
    # A chain of ten interests, each narrower than the one before, one holder at each level.
    parent = None
    for level in range(10):
        term = vocabulary.proposal("Interest", f"Level {level}", id=f"l{level}", broader_id=parent)
        holder = await make_person(db, name=f"Holder {level:02d}")
        await people.add_terms(db, holder.id, "INTERESTED_IN", terms=[term], now=NOW)
        parent = f"l{level}"
    found = await search.list_by_interest(db, "l0", viewer=viewer.id, after=None, limit=50)
    assert [p.name for p in found] == [f"Holder {i:02d}" for i in range(10)]
    assert await search.count_by_interest(db, "l0", viewer=viewer.id) == 10
    # A cycle (the deepest made broader than the root) ends the walk instead of looping.
    await db.write(vocabulary.MERGE_BROADER, {"edges": [{"narrower": "level-0", "broader": "level-9"}]})
    for start in ("l0", "l5"):
        found = await search.list_by_interest(db, start, viewer=viewer.id, after=None, limit=50)
        assert [p.name for p in found] == [f"Holder {i:02d}" for i in range(10)]
        assert await search.count_by_interest(db, start, viewer=viewer.id) == 10
