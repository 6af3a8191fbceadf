"""Mentor and collaborator matching on planted data: every hard constraint holds whatever the
score, planted ideal mentors rank in the top 3, order is deterministic, reasons read well."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from graph_db import network
from graph_db.backend import Backend
from graph_db.errors import Forbidden, InvalidInput, NotFound
from graph_db.mentorship import programs
from graph_db.people_records import PersonRecord
from resolvers import matching
from resolvers.matching import MentorQuery
from tests.mentoring import (
    NOW,
    Places,
    add_terms,
    context,
    grant_writing_mentee,
    member,
    mentorship,
    narrower_interest,
    term_id,
)

SHARED = ["Heart Failure", "Cardio-Oncology", "Cardiac Imaging"]


@dataclass
class World:
    db: Backend
    mentee: PersonRecord
    ideal: list[PersonRecord]
    violators: dict[str, PersonRecord]
    same_division: PersonRecord
    no_unit: PersonRecord
    same_hospital: PersonRecord  # ideal[1]: another division of the mentee's hospital
    fillers: list[PersonRecord]


@pytest.fixture
async def world(db: Backend) -> World:
    places = Places(db)
    north_cardio = await places.unit("North", "Medicine", "Cardiology")
    north_onc = await places.unit("North", "Medicine", "Oncology")
    south_cardio = await places.unit("South", "Medicine", "Cardiology")
    south_onc = await places.unit("South", "Medicine", "Oncology")
    # Hypertension is common: everyone has it, so it weighs little.
    mentee = await grant_writing_mentee(db, north_cardio, [*SHARED, "Hypertension"], capacity=0)
    ideal = [
        await member(db, unit, rank=rank, interests=interests, offers=["Grant Writing"])
        for unit, rank, interests in (
            (south_cardio, "PROFESSOR", [*SHARED, "Hypertension"]),
            (north_onc, "ASSOCIATE_PROFESSOR", ["Cardio-Oncology", "Heart Failure"]),
            (south_onc, "ASSOCIATE_PROFESSOR", ["Cardiac Imaging", "Heart Failure"]),
        )
    ]
    fillers = [
        await member(db, unit, rank="ASSISTANT_PROFESSOR", interests=["Hypertension"], accepting=i % 2 == 0)
        for i, unit in enumerate([north_cardio, north_onc, south_cardio, south_onc] * 3)
    ]
    # Every violator looks like the best match there could be, and breaks one rule.
    best = {"interests": [*SHARED, "Hypertension"], "offers": ["Grant Writing"]}
    v = {
        "mentor": await member(db, south_onc, **best),
        "requested": await member(db, south_onc, **best),
        "not_accepting": await member(db, south_onc, accepting=False, **best),
        "no_capacity": await member(db, south_onc, capacity=0, **best),
        "full": await member(db, south_onc, capacity=1, **best),
        "blocks_mentee": await member(db, south_onc, **best),
        "blocked_by_mentee": await member(db, south_onc, **best),
        "junior": await member(db, south_onc, rank="RESIDENT", **best),
        "more_junior": await member(db, south_onc, rank="MEDICAL_STUDENT", **best),
        "no_rank": await member(db, south_onc, rank=None, **best),
        "supervisor": await member(db, south_onc, **best),
        "supervisors_supervisor": await member(db, south_onc, **best),
        "supervised": await member(db, south_onc, rank="ASSOCIATE_PROFESSOR", **best),
    }
    await mentorship(db, v["mentor"], mentee)
    await mentorship(db, v["requested"], mentee, accept=False)
    await mentorship(db, v["full"], fillers[0])
    await network.block(db, v["blocks_mentee"].id, mentee.id, now=NOW)
    await network.block(db, mentee.id, v["blocked_by_mentee"].id, now=NOW)
    await programs.supervise_many(
        db,
        [
            (v["supervisor"].id, mentee.id),
            (v["supervisors_supervisor"].id, v["supervisor"].id),
            (mentee.id, v["supervised"].id),
        ],
        now=NOW,
    )
    same_division = await member(db, north_cardio, interests=["Heart Failure"])
    no_unit = await member(db, None, interests=["Cardio-Oncology"])
    return World(db, mentee, ideal, v, same_division, no_unit, ideal[1], fillers)


async def recommend(w: World, viewer: PersonRecord | None = None, **query: object) -> list[str]:
    found = await matching.mentor_recommendations(
        context(w.db, viewer or w.mentee),
        MentorQuery(**{"first": 50, **query}),  # type: ignore[arg-type]
    )
    return [r.person.id for r in found]


def ids(people: list[PersonRecord]) -> set[str]:
    return {p.id for p in people}


@pytest.mark.parametrize("kind", ["PRIMARY", "SECONDARY"])
async def test_no_candidate_breaking_a_hard_constraint_appears(world: World, kind: str) -> None:
    found = await recommend(world, kind=kind)
    assert set(found).isdisjoint(ids(list(world.violators.values())))
    assert world.mentee.id not in found
    assert set(found[:3]) == ids(world.ideal)
    assert world.same_division.id in found and world.no_unit.id in found  # allowed by default
    accepting_fillers = {f.id for f in world.fillers if f.acceptingMentees}
    assert accepting_fillers <= set(found)
    assert set(found).isdisjoint({f.id for f in world.fillers if not f.acceptingMentees})


async def test_the_same_candidates_are_fine_for_another_mentee(world: World) -> None:
    # Blocks, mentorships and the reporting line belong to one mentee: for another with the
    # same interests those violators are candidates (the rules above did the excluding).
    other = await member(world.db, None, rank="RESIDENT", interests=SHARED, seeks=["Grant Writing"])
    found = set(await recommend(world, viewer=other))
    personal = [
        "mentor",
        "requested",
        "blocks_mentee",
        "blocked_by_mentee",
        "supervisor",
        "supervisors_supervisor",
        "supervised",
    ]
    assert ids([world.violators[k] for k in personal]) <= found
    general = ["not_accepting", "no_capacity", "full", "junior", "more_junior", "no_rank"]
    assert found.isdisjoint(ids([world.violators[k] for k in general]))


async def test_peers_need_no_seniority_but_every_other_rule_holds(world: World) -> None:
    found = set(await recommend(world, kind="PEER"))
    assert ids([world.violators[k] for k in ("junior", "more_junior", "no_rank")]) <= found
    others = [p for k, p in world.violators.items() if k not in ("junior", "more_junior", "no_rank")]
    assert found.isdisjoint(ids(others))


async def test_cross_division_and_cross_hospital_options(world: World) -> None:
    cross_division = set(await recommend(world, cross_division_only=True))
    assert ids(world.ideal) <= cross_division
    assert world.same_division.id not in cross_division and world.no_unit.id not in cross_division
    cross_hospital = set(await recommend(world, cross_hospital_only=True))
    assert {world.ideal[0].id, world.ideal[2].id} <= cross_hospital
    for person in (world.same_hospital, world.same_division, world.no_unit):
        assert person.id not in cross_hospital
    assert cross_hospital.isdisjoint(ids(list(world.violators.values())))


async def test_order_is_deterministic_and_reasons_read_well(world: World) -> None:
    first = await matching.mentor_recommendations(context(world.db, world.mentee), MentorQuery(first=5))
    again = await matching.mentor_recommendations(context(world.db, world.mentee), MentorQuery(first=5))
    assert [(r.person.id, r.score) for r in first] == [(r.person.id, r.score) for r in again]
    scores = [r.score for r in first]
    assert scores == sorted(scores, reverse=True)
    best = next(r for r in first if r.person.id == world.ideal[0].id)
    texts = [r.text for r in best.reasons]
    assert (
        "shares 4 research interests: Cardiac Imaging, Cardio-Oncology, Heart Failure and Hypertension"
    ) in texts
    assert "offers Grant Writing, which you seek" in texts
    assert "Professor, Cardiology, a different hospital" in texts
    assert "has 3 of 3 mentee places free" in texts
    assert best.score == pytest.approx(sum(r.points for r in best.reasons))
    neighbour = next(r for r in first if r.person.id == world.same_hospital.id)
    assert "Associate Professor, Oncology, your hospital, a different division" in [
        r.text for r in neighbour.reasons
    ]


async def test_rare_interests_weigh_more_than_common_ones(world: World) -> None:
    await add_terms(world.db, world.mentee, "INTERESTED_IN", ["Cardiac Sarcoidosis"])
    specialist = await member(world.db, None, rank="PROFESSOR", interests=["Cardiac Sarcoidosis"])
    found = await matching.mentor_recommendations(context(world.db, world.mentee), MentorQuery(first=50))
    by_id = {r.person.id: r for r in found}
    rare = by_id[specialist.id].reasons[0]  # 2 holders of ~35 members
    common = next(r for r in by_id[world.fillers[0].id].reasons if r.kind == "INTERESTS")  # all
    assert rare.kind == "INTERESTS" and rare.points > 2 * common.points
    assert list(by_id).index(specialist.id) < list(by_id).index(world.fillers[0].id)


async def test_broader_and_narrower_interests_count_partly(world: World) -> None:
    places = Places(world.db)
    unit = await places.unit("East", "Medicine", "Cardiology")
    narrow = await member(world.db, unit, rank="PROFESSOR")
    await narrower_interest(world.db, narrow, "Cardiac Amyloidosis", "Heart Failure")
    found = await matching.mentor_recommendations(context(world.db, world.mentee), MentorQuery(first=50))
    match = next(r for r in found if r.person.id == narrow.id)
    related = [r for r in match.reasons if r.kind == "RELATED_INTERESTS"]
    assert [r.text for r in related] == ["works on Cardiac Amyloidosis, close to your Heart Failure"]
    exact = next(r for r in found if r.person.id == world.same_division.id)  # Heart Failure itself
    assert 0 < related[0].points < exact.reasons[0].points


async def test_a_second_degree_contact_is_a_warm_introduction(world: World) -> None:
    friend = world.fillers[1]
    await network.connect_many(
        world.db, [(world.mentee.id, friend.id, NOW), (friend.id, world.ideal[2].id, NOW)]
    )
    found = await matching.mentor_recommendations(context(world.db, world.mentee), MentorQuery(first=50))
    warm = next(r for r in found if r.person.id == world.ideal[2].id)
    assert "a 2nd-degree connection through 1 mutual connection: a warm introduction" in [
        r.text for r in warm.reasons
    ]
    assert warm.mutual_connections == 1


async def test_asked_interests_and_areas_replace_the_mentees_own(world: World) -> None:
    found = await recommend(world, interest_ids=[term_id("Interest", "Hypertension")], area_ids=[])
    assert world.ideal[1].id not in found  # shares no Hypertension and no area was asked
    assert world.ideal[0].id in found


async def test_program_admins_only_recommend_for_someone_else(world: World) -> None:
    stranger = await member(world.db, None, rank="PROFESSOR")
    with pytest.raises(Forbidden):
        await recommend(world, viewer=stranger, mentee_id=world.mentee.id)
    program = await programs.create_program(
        world.db, id="p1", name="Residents", description=None, viewer_id=stranger.id, now=NOW
    )
    await programs.set_role(world.db, program.id, stranger.id, "ADMIN", now=NOW, viewer_id=stranger.id)
    await programs.set_role(world.db, program.id, world.mentee.id, "MEMBER", now=NOW, viewer_id=stranger.id)
    assert set((await recommend(world, viewer=stranger, mentee_id=world.mentee.id))[:3]) == ids(world.ideal)
    admin = await member(world.db, None, role="ADMIN")
    assert await recommend(world, viewer=admin, mentee_id=world.mentee.id)
    with pytest.raises(NotFound):
        await recommend(world, viewer=admin, mentee_id="nobody")


async def test_bad_input(world: World) -> None:
    for query in (
        {"first": 0},
        {"first": 51},
        {"kind": "MENTOR"},
        {"interest_ids": [str(i) for i in range(21)]},
    ):
        with pytest.raises(InvalidInput):
            await recommend(world, **query)


async def test_collaborators_are_outside_the_unit_and_not_yet_connected(world: World) -> None:
    ctx = context(world.db, world.ideal[0])
    found = await matching.collaborator_recommendations(ctx, 50)
    by_id = {r.person.id: r for r in found}
    assert world.ideal[0].id not in by_id
    assert world.mentee.id in by_id  # shares all four interests, another hospital
    places = await Places(world.db).unit("South", "Medicine", "Cardiology")
    same_unit = [p for p in world.fillers if p.id in by_id]
    assert all(f.id not in by_id for f in world.fillers[2::4])  # South/Cardiology like ideal[0]
    assert places is not None and same_unit
    await network.connect_many(world.db, [(world.ideal[0].id, world.mentee.id, NOW)])
    again = {
        r.person.id
        for r in await matching.collaborator_recommendations(context(world.db, world.ideal[0]), 50)
    }
    assert world.mentee.id not in again
