"""The speed-mentoring rotation holds every constraint on random events (hypothesis)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_db.errors import InvalidInput
from graph_db.programs.records import RotationPersonRecord
from resolvers.programs.rotation import Rotation, affinity, plan

TOPICS = [f"t{i}" for i in range(12)]


def person(pid: str, role: str, interests: set[str] = frozenset(), offers: set[str] = frozenset(),
           seeks: set[str] = frozenset()) -> RotationPersonRecord:
    return RotationPersonRecord(pid, role, frozenset(interests), frozenset(offers), frozenset(seeks))


topics = st.frozensets(st.sampled_from(TOPICS), max_size=4)


Event = tuple[list[RotationPersonRecord], list[RotationPersonRecord], int, int | None]


@st.composite
def events(draw: st.DrawFn) -> Event:
    leader_count = draw(st.integers(1, 30))
    participant_count = draw(st.integers(0, 200))
    leaders = [person(f"L{i:02}", "LEADER", draw(topics), draw(topics)) for i in range(leader_count)]
    participants = [
        person(f"P{i:03}", "PARTICIPANT", draw(topics), seeks=draw(topics)) for i in range(participant_count)
    ]
    rounds = draw(st.integers(1, leader_count))
    minimum = max(1, -(-participant_count // leader_count))
    seats = draw(st.one_of(st.none(), st.integers(minimum, minimum + 5)))
    return participants, leaders, rounds, seats


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(events())
def test_every_constraint_holds(event: Event) -> None:
    participants, leaders, rounds, seats = event
    rotation = plan(participants, leaders, rounds=rounds, seats=seats)
    leader_ids = {x.id for x in leaders}
    assert set(rotation.table_leaders) == leader_ids and len(rotation.table_leaders) == len(leaders)
    assert set(rotation.tables) == {p.id for p in participants}  # every participant is seated
    for met in rotation.tables.values():
        assert len(met) == rounds  # one leader in every round
        assert len(set(met)) == rounds  # K different leaders: no pair twice
        assert set(met) <= leader_ids
    if seats is not None:
        assert rotation.seats == seats
    for r in range(rounds):
        at_table = Counter(met[r] for met in rotation.tables.values())
        assert max(at_table.values(), default=0) <= rotation.seats  # tables never over their seats
    assert_favours_shared_interests(participants, leaders, rotation)
    # Deterministic: the same event gives the same schedule.
    assert plan(list(reversed(participants)), leaders, rounds=rounds, seats=seats) == rotation


def assert_favours_shared_interests(
    participants: list[RotationPersonRecord], leaders: list[RotationPersonRecord], rotation: Rotation
) -> None:
    """Shared interests and areas are favoured: no participant could sit with leaders they
    share more with by taking a free seat, and no two participants could exchange their
    places for more shared between them (the schedule is a local optimum of affinity)."""
    by_id = {x.id: x for x in leaders}

    def shared(p: RotationPersonRecord, met: list[str]) -> int:
        return sum(affinity(p, by_id[leader]) for leader in met)

    order = list(rotation.table_leaders)
    count, rounds = len(order), rotation.rounds
    # Every schedule of this construction: participant p starting at table b meets b, b+1, ...
    starts = {p.id: order.index(rotation.tables[p.id][0]) for p in participants}
    assert all(
        rotation.tables[p.id] == [order[(starts[p.id] + r) % count] for r in range(rounds)]
        for p in participants
    )
    options = {
        p.id: [shared(p, [order[(b + r) % count] for r in range(rounds)]) for b in range(count)]
        for p in participants
    }
    load = Counter(starts.values())
    for p in participants:
        mine = options[p.id][starts[p.id]]
        free = [b for b in range(count) if load[b] < rotation.seats]
        assert all(options[p.id][b] <= mine for b in free), p.id
    for i, p in enumerate(participants):
        for q in participants[i + 1:]:
            bp, bq = starts[p.id], starts[q.id]
            swapped = options[p.id][bq] + options[q.id][bp]
            assert swapped <= options[p.id][bp] + options[q.id][bq], (p.id, q.id)


def test_shared_interests_and_areas_are_favoured() -> None:
    leaders = [person("A", "LEADER", {"cardiology"}), person("B", "LEADER", offers={"grants"}),
               person("C", "LEADER", {"oncology"})]
    heart = person("p1", "PARTICIPANT", {"cardiology"})
    grants = person("p2", "PARTICIPANT", seeks={"grants"})
    cancer = person("p3", "PARTICIPANT", {"oncology"})
    rotation = plan([heart, grants, cancer], leaders, rounds=1)
    assert rotation.tables == {"p1": ["A"], "p2": ["B"], "p3": ["C"]}
    assert affinity(grants, leaders[1]) == 2 and affinity(heart, leaders[1]) == 0
    # Two rounds: each still meets their best match in one of them.
    two = plan([heart, grants, cancer], leaders, rounds=2)
    assert "A" in two.tables["p1"] and "B" in two.tables["p2"] and "C" in two.tables["p3"]


def test_impossible_requests_are_bad_input() -> None:
    leaders = [person("A", "LEADER"), person("B", "LEADER")]
    participants = [person(f"p{i}", "PARTICIPANT") for i in range(5)]
    with pytest.raises(InvalidInput, match="rounds must be 1 to 2"):
        plan(participants, leaders, rounds=3)
    with pytest.raises(InvalidInput, match="at least 3 seats"):
        plan(participants, leaders, rounds=1, seats=2)
    with pytest.raises(InvalidInput, match="no mentor leader"):
        plan(participants, [], rounds=1)
