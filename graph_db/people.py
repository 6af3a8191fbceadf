"""People: the Person node and what hangs directly off it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.records import PersonRecord

PERSON_FIELDS: LiteralString = (
    "p {.id, .email, .name, .role, .title, .rank, .bio, .photoUrl, .phone, .acceptingMentees, "
    ".menteeCapacity, .emailVisibility, .phoneVisibility, .suspendedUntil, .createdAt, .updatedAt}"
)

GET_MANY: LiteralString = (
    "UNWIND $ids AS id MATCH (p:Person {id: id}) RETURN " + PERSON_FIELDS + " AS person"
)


async def get_many(db: Executor, ids: Sequence[str]) -> list[PersonRecord | None]:
    """People by id, aligned with `ids` (None where there is no such person)."""
    if not ids:
        return []
    rows = await db.read(GET_MANY, {"ids": list(dict.fromkeys(ids))})
    found = {row["person"]["id"]: PersonRecord.from_row(row["person"]) for row in rows}
    return [found.get(i) for i in ids]


async def get(db: Executor, person_id: str) -> PersonRecord | None:
    return (await get_many(db, [person_id]))[0]


GET_BY_EMAIL: LiteralString = "MATCH (p:Person {email: $email}) RETURN " + PERSON_FIELDS + " AS person"


async def get_by_email(db: Executor, email: str) -> PersonRecord | None:
    rows = await db.read(GET_BY_EMAIL, {"email": email})
    return PersonRecord.from_row(rows[0]["person"]) if rows else None


CREATE_PERSON: LiteralString = (
    "CREATE (p:Person {id: $id, email: $email, name: $name, role: $role, "
    "acceptingMentees: false, menteeCapacity: 0, emailVisibility: 'MEMBERS', "
    "phoneVisibility: 'CONNECTIONS', createdAt: $now, updatedAt: $now}) "
    "SET p += $extra RETURN " + PERSON_FIELDS + " AS person"
)


async def create_person(
    db: Executor, *, id: str, email: str, name: str, role: str = "MEMBER", now: int,
    extra: dict[str, Any] | None = None,
) -> PersonRecord:
    """Create a person; raises ConstraintViolation if the email or id is taken."""
    rows = await db.write(
        CREATE_PERSON,
        {"id": id, "email": email, "name": name, "role": role, "now": now, "extra": extra or {}},
    )
    return PersonRecord.from_row(rows[0]["person"])


COUNT_PEOPLE: LiteralString = "MATCH (p:Person) RETURN count(p) AS n"


async def count_people(db: Executor) -> int:
    rows = await db.read(COUNT_PEOPLE)
    return int(rows[0]["n"])
