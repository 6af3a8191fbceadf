"""Deterministic synthetic mentorships over an existing (seeded) network, for demos and bench.

Mentees are trainees and junior faculty; each mentorship's mentor is chosen (from the same
department half the time) among members open to mentoring at a strictly higher career level,
with capacity left for ACTIVE ones. Kinds and statuses follow a realistic mix; one open
one-to-one mentorship per pair and one ACTIVE PRIMARY per mentee, as the live rules require.
Everything derives from (seed, index), ids included, so a second run changes nothing.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.matching import level
from graph_db.mentorship import connections

DAY_MS = 86_400_000
STATUS_MIX = (("ACTIVE", 0.6), ("ENDED", 0.15), ("REQUESTED", 0.15), ("DECLINED", 0.05),
              ("WITHDRAWN", 0.05))
KIND_MIX = (("SECONDARY", 0.45), ("PRIMARY", 0.4), ("PEER", 0.15))
GOALS = (
    "Submit a K award application", "Publish the first-author paper", "Plan the next career step",
    "Build a clinical research portfolio", "Prepare for promotion", "Learn grant writing",
)
Progress = Callable[[str, int, int], None]

PEOPLE: LiteralString = (
    "MATCH (p:Person) OPTIONAL MATCH (p)-[:WORKS_IN]->(u) OPTIONAL MATCH (u)-[:PART_OF]->(d) "
    "RETURN p.id AS id, p.rank AS rank, coalesce(p.acceptingMentees, false) AS accepting, "
    "coalesce(p.menteeCapacity, 0) AS capacity, coalesce(d.id, u.id) AS department "
    "ORDER BY p.id"
)


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    roll, acc = rng.random(), 0.0
    for value, share in mix:
        acc += share
        if roll < acc:
            return value
    return mix[-1][0]


async def seed_mentorships(
    db: Executor, count: int, *, seed: int = 7, now: int, batch_size: int = 2000,
    progress: Progress | None = None,
) -> int:
    """Create `count` mentorships (fewer only if the network has no room); returns how many
    rows were written. Idempotent: the same network and seed give the same mentorships."""
    people = await db.read(PEOPLE)
    mentors = [p for p in people if p["accepting"] and p["capacity"] > 0 and level(p["rank"])]
    mentees = [p for p in people if 0 < level(p["rank"]) <= 5]
    if not mentors or not mentees:
        return 0
    by_department: dict[str | None, list[dict[str, Any]]] = {}
    for m in mentors:
        by_department.setdefault(m["department"], []).append(m)
    load: dict[str, int] = {}
    open_pairs: set[tuple[str, str]] = set()
    has_primary: set[str] = set()
    rows: list[dict[str, Any]] = []
    attempts = 0
    while len(rows) < count and attempts < count * 20:
        rng = random.Random(f"{seed}:mentorship:{attempts}")
        attempts += 1
        mentee = mentees[rng.randrange(len(mentees))]
        pool = by_department.get(mentee["department"]) if rng.random() < 0.5 else None
        pool = pool or mentors
        mentor = pool[rng.randrange(len(pool))]
        kind = _pick(rng, KIND_MIX)
        status = _pick(rng, STATUS_MIX)
        pair = (mentor["id"], mentee["id"])
        if mentor["id"] == mentee["id"] or level(mentor["rank"]) <= level(mentee["rank"]):
            continue
        is_open = status in ("ACTIVE", "REQUESTED")
        if is_open and pair in open_pairs:
            continue
        if status == "ACTIVE":
            if load.get(mentor["id"], 0) >= mentor["capacity"]:
                continue
            if kind == "PRIMARY" and mentee["id"] in has_primary:
                kind = "SECONDARY"
        created = now - rng.randint(30, 5 * 365) * DAY_MS
        started = created + rng.randint(1, 20) * DAY_MS if status in ("ACTIVE", "ENDED") else None
        ended = started + rng.randint(60, 700) * DAY_MS if status == "ENDED" and started else None
        if ended is not None and ended > now:
            ended = now - DAY_MS
        rows.append({
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "mentorId": mentor["id"], "menteeId": mentee["id"], "kind": kind, "status": status,
            "createdAt": created, "startedAt": started, "endedAt": ended,
            "goals": rng.choice(GOALS), "cadenceDays": rng.choice((14, 30, 30, 60, None)),
        })
        if is_open:
            open_pairs.add(pair)
        if status == "ACTIVE":
            load[mentor["id"]] = load.get(mentor["id"], 0) + 1
            if kind == "PRIMARY":
                has_primary.add(mentee["id"])
    for start in range(0, len(rows), batch_size):
        await connections.create_many(db, rows[start:start + batch_size])
        if progress:
            progress("mentorships", min(start + batch_size, len(rows)), len(rows))
    return len(rows)
