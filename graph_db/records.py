"""Frozen records the repositories return; the only shapes that leave graph_db."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Self


class Record:
    """Builds a record from a row map, ignoring keys the record does not declare."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        names = cls._field_names()
        return cls(**{k: v for k, v in row.items() if k in names})

    @classmethod
    def _field_names(cls) -> frozenset[str]:
        cached: frozenset[str] | None = cls.__dict__.get("_names")
        if cached is None:
            cached = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
            cls._names = cached  # type: ignore[attr-defined]
        return cached


@dataclass(frozen=True, slots=True)
class PersonRecord(Record):
    id: str
    email: str
    name: str
    role: str = "MEMBER"
    title: str | None = None
    rank: str | None = None
    bio: str | None = None
    photoUrl: str | None = None
    phone: str | None = None
    acceptingMentees: bool = False
    menteeCapacity: int = 0
    emailVisibility: str = "MEMBERS"
    phoneVisibility: str = "CONNECTIONS"
    suspendedUntil: int | None = None
    createdAt: int = 0
    updatedAt: int = 0
