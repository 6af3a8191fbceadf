"""The rotation of a speed-mentoring event: who sits at which leader's table in each round.

Construction (deterministic, pure Python): leaders are tables 0..L-1 in id order. Each
participant gets a *start table* b; in round r they sit at table (b + r) mod L. Because
every round shifts every participant by the same step, a round seats at table t exactly
those who started at (t - r) mod L, so no table ever holds more than the start tables
did (at most `seats`), and with rounds <= L the tables a participant visits are all
different (nobody meets a leader twice). The start tables are chosen to favour shared
interests and mentorship areas: greedily first (each participant, the choosiest first, takes
the start whose K leaders they share most with, among the starts that still have a seat),
then improved by moves and swaps until no participant could move to a free seat, and no two
could exchange starts, for a higher total affinity (what the property tests check).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from graph_db.errors import InvalidInput
from graph_db.programs.records import RotationPersonRecord

AREA_WEIGHT = 2  # a mentorship area the leader offers and the participant seeks counts double


@dataclass(frozen=True, slots=True)
class Rotation:
    """Table leaders in table order, seats per table, and each participant's leaders by round."""

    table_leaders: tuple[str, ...]
    seats: int
    rounds: int
    tables: dict[str, list[str]]


def affinity(participant: RotationPersonRecord, leader: RotationPersonRecord) -> int:
    """How much a participant and a leader share: interests, plus areas sought and offered."""
    return len(participant.interests & leader.interests) + AREA_WEIGHT * len(
        participant.seeks & leader.offers
    )


def plan(
    participants: Sequence[RotationPersonRecord], leaders: Sequence[RotationPersonRecord],
    *, rounds: int, seats: int | None = None,
) -> Rotation:
    """A rotation in which every participant meets `rounds` different leaders, one a round,
    and no table seats more than `seats` (default: as few as fit everyone)."""
    table_leaders = sorted(leaders, key=lambda x: x.id)
    people = sorted(participants, key=lambda x: x.id)
    count = len(table_leaders)
    if count == 0:
        raise InvalidInput("no mentor leader has checked in", field="rounds")
    if not 1 <= rounds <= count:
        raise InvalidInput(
            f"rounds must be 1 to {count} (the checked-in leaders: nobody meets a leader twice)",
            field="rounds",
        )
    needed = max(1, math.ceil(len(people) / count))
    per_table = needed if seats is None else seats
    if per_table < needed:
        raise InvalidInput(
            f"{len(people)} participants need at least {needed} seats at each of {count} tables",
            field="seats",
        )
    scores = {
        p.id: [
            sum(affinity(p, table_leaders[(start + r) % count]) for r in range(rounds))
            for start in range(count)
        ]
        for p in people
    }
    # The choosiest first: the biggest gap between their best start and their average.
    order = sorted(people, key=lambda p: (-(max(scores[p.id]) * count - sum(scores[p.id])), p.id))
    load = [0] * count
    start_of: dict[str, int] = {}
    for p in order:
        options = [s for s in range(count) if load[s] < per_table]
        best = max(options, key=lambda s: (scores[p.id][s], -load[s], -s))
        start_of[p.id] = best
        load[best] += 1
    _improve(people, scores, start_of, load, per_table)
    tables = {
        p.id: [table_leaders[(start_of[p.id] + r) % count].id for r in range(rounds)] for p in people
    }
    return Rotation(tuple(x.id for x in table_leaders), per_table, rounds, tables)


def _improve(
    people: Sequence[RotationPersonRecord], scores: dict[str, list[int]], start_of: dict[str, int],
    load: list[int], per_table: int,
) -> None:
    """Local search after the greedy pass, in place: move a participant to a start with a
    free seat, or swap two participants' starts, whenever that raises the total affinity,
    until nothing does. The greedy pass alone left improving swaps in about 4 random events
    in 10 (two participants who would each rather have the other's tables). Swaps and
    moves into free seats keep every table within its seats; each step raises an integer
    total that has a maximum, so this ends."""
    ids = [p.id for p in people]
    improved = True
    while improved:
        improved = False
        for i, a in enumerate(ids):
            row_a = scores[a]
            for s, free in enumerate(load):
                if free < per_table and row_a[s] > row_a[start_of[a]]:
                    load[start_of[a]] -= 1
                    load[s] += 1
                    start_of[a] = s
                    improved = True
            for b in ids[i + 1:]:
                sa, sb = start_of[a], start_of[b]
                if sa != sb and row_a[sb] + scores[b][sa] > row_a[sa] + scores[b][sb]:
                    start_of[a], start_of[b] = sb, sa
                    improved = True
