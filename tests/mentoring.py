"""Planting mentoring data through repository functions (no hand-written Cypher).

world = Places(db)
cardio = await world.unit("Mass General", "Medicine", "Cardiology")
mentor = await mentor_in(db, cardio, rank="PROFESSOR", interests=["Heart Failure"])
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from graph_db import people, taxonomy, vocabulary
from graph_db.backend import Executor
from graph_db.mentorship import connections
from graph_db.mentorship.records import MentorshipOutcomeRecord
from graph_db.people_records import OrgUnitRecord, PersonRecord
from resolvers.context import Context, Viewer
from resolvers.loaders import Loaders
from resolvers.services import Services
from tests.factories import make_person

NOW = int(time.time() * 1000)


class Places:
    """Hospitals, departments and divisions by name, created on first use."""

    def __init__(self, db: Executor) -> None:
        self.db = db
        self.units: dict[tuple[str, ...], OrgUnitRecord] = {}

    async def _one(self, kind: str, path: tuple[str, ...], parent: OrgUnitRecord | None) -> OrgUnitRecord:
        if path not in self.units:
            made = await taxonomy.create_unit(
                self.db,
                kind,
                taxonomy.NewUnit(
                    taxonomy.stable_id(kind, list(path)), path[-1], parentId=parent.id if parent else None
                ),
                now=NOW,
            )
            assert made is not None
            self.units[path] = made[0]
        return self.units[path]

    async def unit(self, hospital: str, department: str, division: str) -> OrgUnitRecord:
        h = await self._one("Hospital", (hospital,), None)
        d = await self._one("Department", (hospital, department), h)
        return await self._one("Division", (hospital, department, division), d)


async def add_terms(db: Executor, person: PersonRecord, rel: str, names: list[str]) -> None:
    kind = "Interest" if rel == "INTERESTED_IN" else "MentorshipArea"
    if names:
        await people.add_terms(
            db, person.id, rel, terms=[vocabulary.proposal(kind, n) for n in names], now=NOW
        )


async def narrower_interest(db: Executor, person: PersonRecord, name: str, broader: str) -> str:
    """Give `person` a new interest `name` under `broader` (created by this call); its id."""
    await vocabulary.merge_terms(db, "Interest", [broader], now=NOW)
    term = vocabulary.proposal(
        "Interest", name, id=str(uuid.uuid4()), broader_id=vocabulary.stable_id("Interest", broader)
    )
    await people.add_terms(db, person.id, "INTERESTED_IN", terms=[term], now=NOW)
    return str(term["id"])


def term_id(kind: str, name: str) -> str:
    """The id of a term created from its name by these helpers."""
    return vocabulary.stable_id(kind, name)


async def member(
    db: Executor,
    unit: OrgUnitRecord | None = None,
    *,
    rank: str | None = "PROFESSOR",
    accepting: bool = True,
    capacity: int = 3,
    interests: list[str] | None = None,
    offers: list[str] | None = None,
    seeks: list[str] | None = None,
    **extra: Any,
) -> PersonRecord:
    """A person placed in `unit` with a rank, mentoring settings and terms."""
    props: dict[str, Any] = {"acceptingMentees": accepting, "menteeCapacity": capacity, **extra}
    if rank is not None:
        props["rank"] = rank
    person = await make_person(db, **props)
    if unit is not None:
        placed = await people.update_profile(
            db, person.id, changes={}, now=NOW, set_unit=True, unit_id=unit.id
        )
        assert placed is not None
    await add_terms(db, person, "INTERESTED_IN", interests or [])
    await add_terms(db, person, "OFFERS_MENTORSHIP_IN", offers or [])
    await add_terms(db, person, "SEEKS_MENTORSHIP_IN", seeks or [])
    found = await people.get(db, person.id)
    assert found is not None
    return found


async def grant_writing_mentee(
    db: Executor, unit: OrgUnitRecord, interests: list[str], *, capacity: int = 3
) -> PersonRecord:
    """A resident in `unit`, taking no mentees, who seeks mentorship in grant writing."""
    return await member(
        db, unit, rank="RESIDENT", accepting=False, capacity=capacity, interests=interests,
        seeks=["Grant Writing"],
    )


async def request_mentor(
    db: Executor,
    mentor: PersonRecord,
    mentee: PersonRecord,
    *,
    kind: str = "SECONDARY",
    goals: str | None = None,
    message: str | None = None,
    cadence_days: int | None = None,
    now: int = NOW,
) -> MentorshipOutcomeRecord:
    """`connections.request` as the mentee asks it, with a fresh id (nothing else is checked)."""
    return await connections.request(
        db,
        id=str(uuid.uuid4()),
        kind=kind,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        requester_id=mentee.id,
        goals=goals,
        message=message,
        cadence_days=cadence_days,
        now=now,
    )


async def mentorship(
    db: Executor,
    mentor: PersonRecord,
    mentee: PersonRecord,
    *,
    kind: str = "SECONDARY",
    accept: bool = True,
    goals: str | None = "Grow as a researcher",
) -> str:
    """A mentorship requested by the mentee and (unless `accept` is False) accepted."""
    outcome = await request_mentor(
        db, mentor, mentee, kind=kind, goals=goals, message="Would you?", cadence_days=30
    )
    assert outcome.mentorship is not None, outcome
    if accept:
        accepted = await connections.accept(
            db, outcome.mentorship.id, mentor_id=mentor.id, message=None, now=NOW
        )
        assert accepted.outcome == "OK", accepted
    return outcome.mentorship.id


def context(db: Executor, viewer: PersonRecord | None, services: Services | None = None) -> Context:
    """A real request context for `viewer` (fresh loaders), as the API would build it."""
    return Context(
        db=db,
        services=services or Services(backend=db),  # type: ignore[arg-type]
        loaders=Loaders(db, viewer.id if viewer else None),
        viewer=Viewer(viewer.id, viewer.role, viewer) if viewer else None,
    )
