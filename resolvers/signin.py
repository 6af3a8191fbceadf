"""The process-wide sign-in machinery (`Accounts`, in `Services.accounts`).

argon2id hashing off the event loop, bounded, and the in-memory throttle for sign-in attempts
with an unknown email; the resolvers that use it are in resolvers.accounts. Kept apart from
them so that resolvers.services can hold an `Accounts` without importing the resolvers.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from graph_db.errors import RateLimited
from resolvers.tokens import TokenConfig

LOCKED = "too many failed sign-in attempts; try again later"


def password_hasher() -> PasswordHasher:
    # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
    return PasswordHasher(
        time_cost=2, memory_cost=19_456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
    )


@dataclass
class _Throttle:
    failures: int
    since: int
    locked_until: int | None = None


@dataclass
class Accounts:
    """Process-wide sign-in machinery, created once in the lifespan."""

    tokens: TokenConfig
    max_failures: int = 5
    lockout_seconds: int = 300
    hasher: PasswordHasher = field(default_factory=password_hasher)
    max_parallel_hashes: int = field(default_factory=lambda: max(2, os.cpu_count() or 2))
    unknown_email_slots: int = 10_000
    _dummy_hash: str | None = None
    _unknown: OrderedDict[str, _Throttle] = field(default_factory=OrderedDict)
    _slots: asyncio.Semaphore | None = None

    @property
    def lockout_ms(self) -> int:
        return self.lockout_seconds * 1000

    def _semaphore(self) -> asyncio.Semaphore:
        # Each hash holds 19 MiB for ~50 ms: bound how many run at once.
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_parallel_hashes)
        return self._slots

    async def hash(self, password: str) -> str:
        async with self._semaphore():
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        async with self._semaphore():
            return await asyncio.to_thread(self._verify, password_hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def verify_dummy(self, password: str) -> None:
        """Spend the same work as a real verification (unknown email: same timing)."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(uuid.uuid4().hex)
        await self.verify(self._dummy_hash, password)

    def unknown_email_attempt(self, email: str, now: int) -> None:
        """Throttle an unknown email exactly like a known one; RATE_LIMITED when locked."""
        entry = self._unknown.get(email)
        if entry is not None and entry.locked_until is not None and entry.locked_until > now:
            raise RateLimited(LOCKED, retry_after=(entry.locked_until - now) / 1000)
        if entry is None or entry.since + self.lockout_ms <= now:
            entry = _Throttle(failures=0, since=now)
        entry.failures += 1
        if entry.failures >= self.max_failures:
            entry.locked_until = now + self.lockout_ms
        self._unknown[email] = entry
        self._unknown.move_to_end(email)
        while len(self._unknown) > self.unknown_email_slots:
            self._unknown.popitem(last=False)
