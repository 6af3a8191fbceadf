"""A deterministic synthetic network: the default institution, its vocabularies, and N people
with realistic profiles, skewed interests, connections and follows, written in bulk.

Everything is derived from (seed, person index), so the same call builds the same graph, a
larger N extends a smaller one, and running it again changes nothing (every write is a
MERGE by email or by pair).
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import itertools
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_db import network, people, taxonomy, vocabulary
from graph_db.backend import Executor
from graph_db.mentorship.synthetic import seed_mentorships as seed_mentorships
from graph_db.people_records import OrgUnitRecord, TermRecord
from graph_db.profile_fields import slugify
from graph_db.seed_social import seed_groups as seed_groups
from graph_db.seed_social import seed_posts as seed_posts
from graph_db.taxonomy_data import DEFAULT_TAXONOMY
from graph_db.vocabulary_data import INTERESTS, MENTORSHIP_AREAS

DEFAULT_NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z: fixed, so seeded data is reproducible
DAY_MS = 86_400_000
Progress = Callable[[str, int, int], None]

FIRST = (
    "Ada", "Adebayo", "Aisha", "Alejandro", "Amara", "Ana", "Anil", "Aryan", "Beatriz", "Ben",
    "Carmen", "Chen", "Chloe", "Chidi", "Daniel", "Dev", "Diego", "Dmitri", "Elena", "Emeka",
    "Emily", "Esther", "Farah", "Farid", "Fatima", "Gabriel", "Grace", "Hana", "Hannah", "Hiro",
    "Ibrahim", "Ines", "Isabel", "Jamal", "James", "Jia", "Jin", "Joao", "Julia", "Kai",
    "Kavya", "Kenji", "Kofi", "Lars", "Leila", "Lena", "Liam", "Lucia", "Maya", "Mei",
    "Miguel", "Mohammed", "Nadia", "Naomi", "Nikhil", "Noah", "Olga", "Omar", "Pablo", "Priya",
    "Quinn", "Rafael", "Rania", "Ravi", "Rosa", "Ruth", "Sami", "Sara", "Sean", "Sofia",
    "Sunita", "Tara", "Tariq", "Thomas", "Tomasz", "Uma", "Victor", "Wei", "Yara", "Yusuf",
    "Zainab", "Zoe",
)
LAST = (
    "Abara", "Adeyemi", "Ahmed", "Alvarez", "Andersen", "Bakker", "Banerjee", "Brennan", "Brown",
    "Campbell", "Chen", "Cohen", "Costa", "Das", "Dubois", "Edwards", "Eriksson", "Evans",
    "Fernandez", "Fischer", "Garcia", "Goldberg", "Gupta", "Haddad", "Hansen", "Hernandez",
    "Hoffman", "Hussain", "Ito", "Ivanova", "Jackson", "Jensen", "Johnson", "Kapoor", "Khan",
    "Kim", "Kowalski", "Kumar", "Larsen", "Lee", "Levi", "Li", "Lopez", "Martin", "Mehta",
    "Mensah", "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Nowak", "Obi",
    "Okafor", "Olsen", "Ortiz", "Park", "Patel", "Peters", "Petrov", "Quinn", "Rahman", "Reyes",
    "Rossi", "Russo", "Sato", "Schmidt", "Shah", "Silva", "Singh", "Smith", "Sokolov", "Suzuki",
    "Tanaka", "Taylor", "Thompson", "Tran", "Van Dijk", "Wagner", "Walker", "Wang", "Weber",
    "Williams", "Wilson", "Wong", "Wu", "Yamamoto", "Yang", "Zhang",
)
# (rank, share of people, faculty?)
RANK_MIX: tuple[tuple[str, float, bool], ...] = (
    ("MEDICAL_STUDENT", 0.10, False), ("GRADUATE_STUDENT", 0.04, False),
    ("RESIDENT", 0.15, False), ("CLINICAL_FELLOW", 0.08, False),
    ("POSTDOCTORAL_FELLOW", 0.07, False), ("INSTRUCTOR", 0.07, True),
    ("ASSISTANT_PROFESSOR", 0.19, True), ("ASSOCIATE_PROFESSOR", 0.12, True),
    ("PROFESSOR", 0.10, True), ("EMERITUS", 0.02, True), ("RESEARCH_STAFF", 0.04, False),
    ("CLINICAL_STAFF", 0.02, False),
)
TITLES = {
    "MEDICAL_STUDENT": "Medical Student", "GRADUATE_STUDENT": "PhD Candidate",
    "RESIDENT": "Resident", "CLINICAL_FELLOW": "Clinical Fellow",
    "POSTDOCTORAL_FELLOW": "Postdoctoral Fellow", "INSTRUCTOR": "Instructor",
    "ASSISTANT_PROFESSOR": "Assistant Professor", "ASSOCIATE_PROFESSOR": "Associate Professor",
    "PROFESSOR": "Professor", "EMERITUS": "Professor Emeritus",
    "RESEARCH_STAFF": "Research Scientist", "CLINICAL_STAFF": "Nurse Practitioner",
}
# Unit-name keywords -> the broad interests people there tend to have.
AFFINITY: tuple[tuple[tuple[str, ...], str], ...] = (
    (("Cardi",), "Cardiovascular Medicine"),
    (("Oncolog", "Cancer", "Leukemia", "Breast", "Radiation", "Proton"), "Oncology"),
    (("Neuro", "Stroke", "Epilep", "Movement", "Cognitive"), "Neuroscience"),
    (("Infectious", "Virology", "Microbiology"), "Infectious Disease"),
    (("Immun", "Allergy", "Rheumat"), "Immunology"),
    (("Genetic", "Genomic", "Biochem"), "Genetics and Genomics"),
    (("Epidemiology", "Biostat", "Population"), "Epidemiology"),
    (("Pediatric", "Neonat", "Children"), "Pediatrics Research"),
    (("Psychiatr", "Mental", "Stress", "Substance", "Addiction", "Mood"), "Mental Health"),
    (("Global",), "Global Health"),
    (("Surg", "Trauma", "Ortho", "Spine", "Urolog"), "Surgery Research"),
    (("Endocrin", "Diabetes", "Bariatric"), "Metabolism and Endocrinology"),
    (("Pulmonary", "Critical", "Anesthes"), "Pulmonary and Critical Care"),
    (("Nephro", "Transplant"), "Kidney Disease"),
    (("Gastro", "Hepat"), "Gastroenterology"),
    (("Geriatric", "Palliative"), "Aging"),
    (("Obstetric", "Gynec", "Maternal", "Reproductive"), "Women's Health"),
    (("Radiolog", "Imaging", "Nuclear"), "Medical Imaging"),
    (("Education",), "Medical Education"),
    (("Informatics", "Physics", "Computational"), "Data Science"),
    (("Internal Medicine", "Hospital Medicine", "Primary Care", "Family", "Emergency"),
     "Health Services Research"),
)
HOSPITAL_WEIGHTS = (0.34, 0.2, 0.15, 0.12, 0.11, 0.08)


@dataclass
class SeedSummary:
    people: int = 0
    created: int = 0
    updated: int = 0
    connections: int = 0
    follows: int = 0
    units_created: int = 0
    terms_created: int = 0
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Placement:
    unit: OrgUnitRecord  # the Division or Department people attach to
    department: OrgUnitRecord
    hospital: OrgUnitRecord
    pool: tuple[int, ...]  # indexes into the interest list this unit leans towards


class _Weighted:
    """Deterministic weighted choice by bisection over cumulative weights."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])


def _zipf(n: int, s: float = 1.0) -> _Weighted:
    return _Weighted([1.0 / (k + 1) ** s for k in range(n)])


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _row_hash(row: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(row, sort_keys=True).encode()).hexdigest()


class _World:
    """The fixed parts: placements (with weights) and the vocabularies in popularity order."""

    def __init__(self, units: list[OrgUnitRecord], terms: list[TermRecord], seed: int) -> None:
        by_id = {u.id: u for u in units}
        hospitals = {u.name: u for u in units if u.kind == "Hospital"}
        children: dict[str, dict[str, OrgUnitRecord]] = {}
        for u in units:
            if u.parentId is not None:
                children.setdefault(u.parentId, {})[u.name] = u
        interests = {t.name: t for t in terms if t.kind == "Interest"}
        order = [broad for broad, _ in INTERESTS] + [n for _, ns in INTERESTS for n in ns]
        default = [interests[name] for name in order if name in interests]
        extra = sorted((t for t in interests.values() if t.name not in set(order)), key=lambda t: t.slug)
        self.interests: list[TermRecord] = default + extra
        rng = random.Random(f"{seed}:vocabulary")
        popularity = list(range(len(self.interests)))
        rng.shuffle(popularity)  # which interests are popular is itself seeded
        self.interest_rank = popularity
        self.interest_pick = _zipf(len(self.interests), 1.05)
        areas = {t.name: t for t in terms if t.kind == "MentorshipArea"}
        self.areas = [areas[a] for a in MENTORSHIP_AREAS if a in areas]
        self.area_pick = _zipf(len(self.areas), 0.9)
        index_of = {t.name: i for i, t in enumerate(self.interests)}
        self.placements: list[_Placement] = []
        weights: list[float] = []
        for h_index, (h_name, _, departments) in enumerate(DEFAULT_TAXONOMY):
            hospital = hospitals.get(h_name)
            if hospital is None:
                continue
            dept_weights = [1.0 / (k + 1) ** 0.8 for k in range(len(departments))]
            total = sum(dept_weights)
            for d_index, (d_name, _, divisions) in enumerate(departments):
                department = children.get(hospital.id, {}).get(d_name)
                if department is None:
                    continue
                targets = [
                    children.get(department.id, {}).get(div) for div, _ in divisions
                ] or [department]
                share = HOSPITAL_WEIGHTS[h_index % len(HOSPITAL_WEIGHTS)] * dept_weights[d_index] / total
                for unit in targets:
                    if unit is None:
                        continue
                    pool = self._pool(unit, department, index_of, rng)
                    self.placements.append(_Placement(by_id[unit.id], department, hospital, pool))
                    weights.append(share / len(targets))
        self.placement_pick = _Weighted(weights) if weights else None

    def _pool(
        self, unit: OrgUnitRecord, department: OrgUnitRecord, index_of: dict[str, int],
        rng: random.Random,
    ) -> tuple[int, ...]:
        text = f"{unit.name} {department.name}"
        pool: list[int] = []
        for keywords, broad in AFFINITY:
            if any(k in text for k in keywords):
                narrower = next((ns for b, ns in INTERESTS if b == broad), ())
                pool += [index_of[n] for n in (broad, *narrower) if n in index_of]
        pool += rng.sample(range(len(self.interests)), k=min(4, len(self.interests)))
        return tuple(dict.fromkeys(pool))

    def pick_interest(self, rng: random.Random, placement: _Placement | None) -> TermRecord:
        if placement is not None and placement.pool and rng.random() < 0.6:
            return self.interests[rng.choice(placement.pool)]
        return self.interests[self.interest_rank[self.interest_pick.pick(rng)]]


def _ascii(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _person(i: int, seed: int, world: _World, now: int) -> tuple[dict[str, Any], _Placement | None]:
    rng = random.Random(f"{seed}:person:{i}")
    person_id = _uuid(rng)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    roll, acc = rng.random(), 0.0
    rank, faculty = RANK_MIX[-1][0], RANK_MIX[-1][2]
    for name, share, is_faculty in RANK_MIX:
        acc += share
        if roll < acc:
            rank, faculty = name, is_faculty
            break
    placement = None
    if world.placement_pick is not None and rng.random() < 0.95:
        placement = world.placements[world.placement_pick.pick(rng)]
    domain = (placement.hospital.shortName or "som").lower() if placement else "som"
    email = f"{_ascii(first)}.{_ascii(last)}.{i}@{domain}.example.org"
    interest_count = 0 if rng.random() < 0.05 else rng.randint(1, 7)
    chosen: dict[str, TermRecord] = {}
    for _ in range(interest_count * 2):
        if len(chosen) >= interest_count:
            break
        term = world.pick_interest(rng, placement)
        chosen[term.id] = term
    interests = list(chosen.values())
    area_count = rng.randint(1, 3) if world.areas and rng.random() < 0.8 else 0
    picked = (world.areas[world.area_pick.pick(rng)] for _ in range(area_count))
    areas = list({a.id: a for a in picked}.values())
    field_of = placement.department.name.removeprefix("Department of ") if placement else "Medicine"
    title = f"{TITLES[rank]} of {field_of}" if faculty else f"{TITLES[rank]}, {field_of}"
    props: dict[str, Any] = {
        "name": f"{first} {last}",
        "title": title if rng.random() < 0.92 else None,
        "rank": rank if rng.random() < 0.9 else None,
        "bio": None,
        "photoUrl": f"https://photos.example.org/people/{person_id}.jpg" if rng.random() < 0.55 else None,
        "phone": f"+1 617 555 {rng.randint(0, 9999):04d}" if rng.random() < 0.4 else None,
        "acceptingMentees": faculty and rng.random() < 0.6,
        "menteeCapacity": rng.randint(1, 5) if faculty else 0,
        "emailVisibility": rng.choices(("MEMBERS", "CONNECTIONS", "NOBODY"), (70, 25, 5))[0],
        "phoneVisibility": rng.choices(("CONNECTIONS", "MEMBERS", "NOBODY"), (60, 20, 20))[0],
    }
    if interests and rng.random() < 0.7:
        topics = " and ".join(t.name.lower() for t in interests[:2])
        props["bio"] = (
            f"{first} works on {topics}"
            + (f" in the {placement.unit.name} group at {placement.hospital.name}" if placement else "")
            + ". " + rng.choice((
                "Happy to talk about study design and careers in academic medicine.",
                "Interested in collaborations across hospitals.",
                "Mentors trainees in clinical research.",
                "Looking for collaborators on multi-site studies.",
            ))
        )
    content: dict[str, Any] = {
        "props": props,
        "unit": placement.unit.id if placement else None,
        "interests": _terms(interests),
        "offers": _terms(areas) if faculty else [],
        "seeks": [] if faculty else _terms(areas),
    }
    row: dict[str, Any] = {
        "email": email, "id": person_id, **content, "hash": _row_hash(content),
        "createdAt": now - rng.randint(0, 3 * 365) * DAY_MS,
    }
    return row, placement


def _terms(terms: Sequence[TermRecord]) -> list[list[str]]:
    return [[t.id, t.slug, t.name] for t in terms]


async def seed_network(
    db: Executor, people_count: int, *, seed: int = 7, now: int = DEFAULT_NOW,
    batch_size: int = 2000, progress: Progress | None = None, follows: int | None = None,
) -> SeedSummary:
    """Build (or complete) the synthetic network of `people_count` people (with exactly
    `follows` follows, if given; else about 3.5 per person)."""
    started = time.perf_counter()
    summary = SeedSummary(people=people_count)
    summary.units_created = await taxonomy.load_default(db, now=now)
    summary.terms_created = await vocabulary.load_default(db, now=now)
    world = _World(await taxonomy.list_all(db), await vocabulary.list_all(db), seed)
    summary.stages["vocabulary"] = time.perf_counter() - started

    ids: list[str] = []
    placements: list[_Placement | None] = []
    rows: list[dict[str, Any]] = []
    for i in range(people_count):
        row, placement = _person(i, seed, world, now)
        ids.append(row["id"])
        placements.append(placement)
        rows.append(row)
    for start in range(0, len(rows), batch_size):
        chunk = rows[start:start + batch_size]
        created, updated = await people.upsert_many(db, chunk, now=now)
        summary.created += created
        summary.updated += updated
        if progress:
            progress("people", min(start + batch_size, len(rows)), len(rows))
    summary.stages["people"] = time.perf_counter() - started

    pairs = _connections(ids, placements, seed, now)
    for start in range(0, len(pairs), batch_size * 2):
        summary.connections += await network.connect_many(db, pairs[start:start + batch_size * 2])
        if progress:
            progress("connections", min(start + batch_size * 2, len(pairs)), len(pairs))
    summary.stages["connections"] = time.perf_counter() - started

    follow_pairs = _follows(ids, placements, rows, seed, now, follows)
    for start in range(0, len(follow_pairs), batch_size * 2):
        summary.follows += await network.follow_many(db, follow_pairs[start:start + batch_size * 2])
        if progress:
            progress("follows", min(start + batch_size * 2, len(follow_pairs)), len(follow_pairs))
    summary.stages["follows"] = time.perf_counter() - started
    summary.seconds = time.perf_counter() - started
    return summary


@dataclass
class ContentSummary:
    groups: int = 0
    posts: int = 0
    comments: int = 0
    likes: int = 0
    mentorships: int = 0
    seconds: float = 0.0


async def seed_content(
    db: Executor, *, groups: int = 0, posts: int = 0, likes: int = 0, mentorships: int = 0,
    seed: int = 7, now: int = DEFAULT_NOW, progress: Progress | None = None,
) -> ContentSummary:
    """The rest of the network over the seeded people: groups with members, posts (a tenth
    in groups) with comments and exactly `likes` likes (graph_db.seed_social), and
    mentorships (graph_db.mentorship.synthetic). Deterministic and idempotent like
    `seed_network`, which must run first (the bench runs the same calls, step by step)."""
    started = time.perf_counter()
    summary = ContentSummary(likes=likes)
    summary.groups = await seed_groups(db, groups, seed=seed, now=now, progress=progress)
    summary.posts, summary.comments = await seed_posts(
        db, posts, likes, seed=seed, now=now, progress=progress
    )
    summary.mentorships = await seed_mentorships(
        db, mentorships, seed=seed, now=now, progress=progress
    )
    summary.seconds = time.perf_counter() - started
    return summary


def _groups(placements: Sequence[_Placement | None]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    by_department: dict[str, list[int]] = {}
    by_hospital: dict[str, list[int]] = {}
    for i, placement in enumerate(placements):
        if placement is not None:
            by_department.setdefault(placement.department.id, []).append(i)
            by_hospital.setdefault(placement.hospital.id, []).append(i)
    return by_department, by_hospital


def _connections(
    ids: Sequence[str], placements: Sequence[_Placement | None], seed: int, now: int
) -> list[tuple[str, str, int]]:
    """Mostly within a department, some within a hospital, a few anywhere (small world)."""
    n = len(ids)
    if n < 2:
        return []
    by_department, by_hospital = _groups(placements)
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[str, str, int]] = []
    for i in range(n):
        rng = random.Random(f"{seed}:connections:{i}")
        placement = placements[i]
        wanted = min(n - 1, int(rng.expovariate(1 / 4.0)) + 1)  # about 5 per person, long tail
        for _ in range(wanted):
            roll = rng.random()
            if placement is not None and roll < 0.65:
                group = by_department[placement.department.id]
            elif placement is not None and roll < 0.9:
                group = by_hospital[placement.hospital.id]
            else:
                group = range(n)  # type: ignore[assignment]
            j = group[rng.randrange(len(group))]
            key = (min(i, j), max(i, j))
            if i == j or key in seen:
                continue
            seen.add(key)
            pairs.append((ids[key[0]], ids[key[1]], now - rng.randint(0, 700) * DAY_MS))
    return pairs


def _follows(
    ids: Sequence[str], placements: Sequence[_Placement | None], rows: Sequence[dict[str, Any]],
    seed: int, now: int, count: int | None = None,
) -> list[tuple[str, str, int]]:
    """Follows lean towards senior, complete profiles (a popularity skew) and colleagues.

    About 3.5 per person, or exactly `count` (at most n x (n - 1)): each person's number is
    then drawn around count / n, and the candidates are thinned (or topped up in further
    rounds) to the exact number, deterministically."""
    n = len(ids)
    if n < 2 or count == 0:
        return []
    if count is not None and count > n * (n - 1):
        raise ValueError(f"{n} people cannot make {count} distinct follows")
    senior = {"PROFESSOR": 8.0, "ASSOCIATE_PROFESSOR": 4.0, "EMERITUS": 3.0, "ASSISTANT_PROFESSOR": 2.0}
    popularity = _Weighted([
        senior.get(r["props"]["rank"] or "", 1.0) * (2.0 if r["props"]["bio"] else 1.0) for r in rows
    ])
    by_department, _ = _groups(placements)
    seen: set[tuple[int, int]] = set()
    pairs: list[tuple[str, str, int]] = []
    mean = 4.0 if count is None else 1.2 * count / n + 0.5
    for round_ in itertools.count():
        for i in range(n):
            rng = random.Random(f"{seed}:follows:{i}" + (f":{round_}" if round_ else ""))
            placement = placements[i]
            for _ in range(min(n - 1, int(rng.expovariate(1 / mean)))):
                if placement is not None and rng.random() < 0.4:
                    group = by_department[placement.department.id]
                    j = group[rng.randrange(len(group))]
                elif round_ < 3:
                    j = popularity.pick(rng)
                else:  # small networks: popularity alone may not reach enough pairs
                    j = rng.randrange(n)
                if i == j or (i, j) in seen:
                    continue
                seen.add((i, j))
                pairs.append((ids[i], ids[j], now - rng.randint(0, 700) * DAY_MS))
        if count is None:
            return pairs
        if len(pairs) >= count:
            keep = sorted(random.Random(f"{seed}:follows-thinned").sample(range(len(pairs)), count))
            return [pairs[k] for k in keep]
    raise AssertionError("unreachable")


def _offline_world(seed: int) -> _World:
    """The world of the default data without a database (ids as the loaders would make them)."""
    units: list[OrgUnitRecord] = []
    for h_name, h_short, departments in DEFAULT_TAXONOMY:
        hospital = OrgUnitRecord(taxonomy.stable_id("Hospital", [h_name]), "Hospital", h_name, h_short)
        units.append(hospital)
        for d_name, d_short, divisions in departments:
            department = OrgUnitRecord(taxonomy.stable_id("Department", [h_name, d_name]),
                                       "Department", d_name, d_short, hospital.id)
            units.append(department)
            units += [
                OrgUnitRecord(taxonomy.stable_id("Division", [h_name, d_name, v_name]), "Division",
                              v_name, v_short, department.id)
                for v_name, v_short in divisions
            ]
    names = [b for b, _ in INTERESTS] + [n for _, ns in INTERESTS for n in ns]
    terms = [TermRecord(vocabulary.stable_id("Interest", n), "Interest", slugify(n), n)
             for n in names]
    terms += [TermRecord(vocabulary.stable_id("MentorshipArea", n), "MentorshipArea",
                         slugify(n), n) for n in MENTORSHIP_AREAS]
    return _World(units, terms, seed)


DIRECTORY_COLUMNS: tuple[str, ...] = (
    "email", "first_name", "last_name", "title", "rank", "hospital", "department", "division",
    "phone", "photo_url", "accepting_mentees", "mentee_capacity", "bio", "interests",
    "mentorship_offered", "mentorship_sought",
)


def directory_rows(count: int, *, seed: int = 7) -> Iterator[dict[str, str]]:
    """The synthetic people as an institutional directory export would list them (names, not
    ids; ';'-separated lists): input for `graph-api import` and its benchmark."""
    world = _offline_world(seed)
    by_id = {t.id: t.name for t in world.interests + world.areas}
    for i in range(count):
        row, placement = _person(i, seed, world, DEFAULT_NOW)
        props = row["props"]
        first, _, last = props["name"].partition(" ")
        division = placement.unit.name if placement and placement.unit.kind == "Division" else ""
        yield {
            "email": row["email"], "first_name": first, "last_name": last,
            "title": props["title"] or "", "rank": props["rank"] or "",
            "hospital": placement.hospital.name if placement else "",
            "department": placement.department.name if placement else "",
            "division": division, "phone": props["phone"] or "",
            "photo_url": props["photoUrl"] or "",
            "accepting_mentees": "yes" if props["acceptingMentees"] else "no",
            "mentee_capacity": str(props["menteeCapacity"]), "bio": props["bio"] or "",
            "interests": "; ".join(by_id[t[0]] for t in row["interests"]),
            "mentorship_offered": "; ".join(by_id[t[0]] for t in row["offers"]),
            "mentorship_sought": "; ".join(by_id[t[0]] for t in row["seeks"]),
        }


def write_directory_csv(path: Path, count: int, *, seed: int = 7) -> int:
    """Write `directory_rows` as CSV; returns the number of rows."""
    written = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=DIRECTORY_COLUMNS)
        writer.writeheader()
        for row in directory_rows(count, seed=seed):
            writer.writerow(row)
            written += 1
    return written


async def seed_people(db: Executor, count: int, *, seed: int = 7, now: int = DEFAULT_NOW) -> int:
    """The synthetic network with `count` people; returns how many people were created."""
    return (await seed_network(db, count, seed=seed, now=now)).created
