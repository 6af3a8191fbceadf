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


# -- accounts (never exposed through GraphQL) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CredentialRecord(Record):
    """A password credential: the argon2id hash and the sign-in throttle state."""

    id: str
    passwordHash: str
    sessionVersion: int = 0
    lockedUntil: int | None = None
    failedCount: int = 0

    def __repr__(self) -> str:  # never print the hash, even in a test failure or a log
        return f"CredentialRecord(id={self.id!r}, passwordHash='[redacted]')"


@dataclass(frozen=True, slots=True)
class LoginAttemptRecord(Record):
    locked: bool
    lockedUntil: int | None
    failures: int


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A person as seen by sign-in: access tokens must carry `sessionVersion` to stay valid."""

    person: PersonRecord
    sessionVersion: int = 0


@dataclass(frozen=True, slots=True)
class RotationRecord:
    """The outcome of presenting a refresh token: OK, REUSED, EXPIRED or SUSPENDED."""

    status: str
    revokedFamily: int
    person: PersonRecord
    sessionVersion: int = 0
