"""Records for accounts (never exposed through GraphQL): credentials, sign-in, sessions."""

from __future__ import annotations

from dataclasses import dataclass

from graph_db.people_records import PersonRecord
from graph_db.records import Record


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
