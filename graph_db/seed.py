"""Deterministic synthetic data for demos and benchmarks, written through the repositories."""

from __future__ import annotations

import random
import uuid

from graph_db import people
from graph_db.backend import Executor

FIRST = ("Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jamal",
         "Kofi", "Lena", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sami", "Tara")
LAST = ("Adeyemi", "Brennan", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito",
        "Jensen", "Kim", "Lopez", "Mensah", "Novak", "Okafor", "Patel", "Rossi", "Singh")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


async def seed_people(db: Executor, count: int, *, seed: int = 7, now: int = 1_767_225_600_000) -> int:
    """Create `count` people with stable ids and emails (the same for the same seed)."""
    rng = random.Random(seed)
    created = 0
    for i in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"member{i:06d}@example.org"
        if await people.get_by_email(db, email) is not None:
            continue
        await people.create_person(db, id=_uuid(rng), email=email, name=name, now=now)
        created += 1
    return created
