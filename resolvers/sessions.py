"""Signed-in sessions cached in this process: a request finds its viewer without a round trip.

What authorisation reads about a member (site role, suspension, and the session version every
access token must carry) is kept per person id for `ttl_seconds` at most. Every change to
one of them calls resolvers.bus.session_changed after its write: setRole, logout of every session and a
password change (resolvers.accounts), suspending and lifting a suspension
(resolvers.moderation). It forgets the entry in this process before the mutation answers, so
the next request here sees the change, and announces it on the event bus (`sessions`
channel), where every other replica's `SessionCache.follow` forgets it too.

A change the bus cannot carry (a command-line tool writing to the database, a replica whose
bus connection was down) is bounded by the TTL; a gap the bus reports empties the cache. A
read that raced a change is not kept: `put` takes the epoch seen before the database read
and drops the entry if anything was forgotten meanwhile.

The cached person is right about role and suspension (what is forgotten on change) and may
be up to the TTL old in its other fields: it never stands in for a DataLoader read
(Viewer.fresh is False).

A query whose viewer is not kept here need not spend a round trip on the check either
(`SessionCheck`): it runs for the person its token names, taken to be in good standing and
in the site role they last had here (a member if unknown), and the check rides in its first
composed read (resolvers.planner.read). Once it has run,
graph_api.pipeline.Pipeline.settle decides: a void token or a suspension refuses the request
exactly as a check made first would (the answer is dropped unseen); another role runs the
query again as the viewer really is. A query reads, so running it on a claim checked
afterwards changes nothing; a write in one carries the check (graph_api.pipeline.CheckedWrites:
graph_db.accounts.checked makes the statement conditional on the claim, exactly as the check
would decide it) and is made only if the claim holds as it runs. The mutations of
CHECKED_IN_WRITE (a like: a read, then its one write) run the same way: their write carries
the check, and answers it when it holds, so a like takes one round trip. Other mutations and
subscriptions are checked first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from graph_db.accounts import SESSIONS_OF, Claim
from graph_db.accounts_records import SessionRecord
from graph_db.backend import Executor, Row
from graph_db.compose import Part
from resolvers.types import EventBus

# The mutations that may run before their viewer's check, as queries do: each one's every
# effect is a write through the request's executor, or comes after one (a notification
# announced once its like is stored), so the first write carries the check
# (graph_api.pipeline.CheckedWrites) and nothing happens unless it holds. Another mutation is
# checked before it runs. A mutation joins only when all it does before its first write is read.
CHECKED_IN_WRITE = frozenset({"likePost", "unlikePost", "likeComment", "unlikeComment", "__typename"})

SESSIONS_CHANNEL = "sessions"  # {"kind": "session", "id": <person id>}: forget that entry
SESSION_PART = "session"  # the name of the check's part in a composed read

log = logging.getLogger("resolvers.sessions")


class SessionCache:
    """Person id -> SessionRecord, each kept `ttl_seconds` at most (0: nothing is kept)."""

    def __init__(
        self, ttl_seconds: float, *, max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, tuple[float, SessionRecord]] = {}
        # The site role each person last had here, kept past the TTL (same bound): only a
        # guess, for a query run before its check (SessionCheck); a wrong one costs a rerun.
        self._roles: dict[str, str] = {}
        self._epoch = 0  # counts forgets: a read older than the last one is not kept
        self.hits = 0
        self.misses = 0

    @property
    def epoch(self) -> int:
        return self._epoch

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, person_id: str) -> SessionRecord | None:
        entry = self._entries.get(person_id)
        if entry is not None and entry[0] > self._clock():
            self.hits += 1
            return entry[1]
        if entry is not None:
            del self._entries[person_id]
        self.misses += 1
        return None

    def put(self, person_id: str, session: SessionRecord, *, epoch: int) -> None:
        """Keep `session`, read after `epoch` was taken, unless something changed since (its
        role is noted as a hint either way)."""
        self.note_role(person_id, session.person.role)
        if self.ttl <= 0 or epoch != self._epoch:
            return
        self._entries.pop(person_id, None)
        while len(self._entries) >= self.max_entries:  # the oldest entry goes first
            del self._entries[next(iter(self._entries))]
        self._entries[person_id] = (self._clock() + self.ttl, session)

    def note_role(self, person_id: str, role: str) -> None:
        """Remember the site role a person was just seen in (a hint: see `role_hint`)."""
        self._roles.pop(person_id, None)
        while len(self._roles) >= self.max_entries:
            del self._roles[next(iter(self._roles))]
        self._roles[person_id] = role

    def role_hint(self, person_id: str) -> str | None:
        """The site role the person last had here, however long ago (None: not known)."""
        return self._roles.get(person_id)

    def forget(self, person_id: str) -> None:
        self._epoch += 1
        self._entries.pop(person_id, None)
        self._roles.pop(person_id, None)

    def clear(self) -> None:
        self._epoch += 1
        self._entries.clear()
        self._roles.clear()

    async def follow(self, bus: EventBus, *, retry_seconds: float = 1.0) -> None:
        """Forget what other replicas announce, until cancelled (a task of the lifespan)."""
        bus.on_gap(self.clear)
        while True:
            try:
                async with contextlib.aclosing(bus.subscribe(SESSIONS_CHANNEL)) as events:
                    async for event in events:
                        person_id = event.get("id")
                        if isinstance(person_id, str):
                            self.forget(person_id)
                        else:  # an event we cannot read: forget everything rather than guess
                            self.clear()
            except Exception as exc:  # noqa: BLE001 - the bus is down: nothing kept is trusted
                log.warning("session changes not followed; retrying",
                            extra={"error": type(exc).__name__})
            self.clear()
            await asyncio.sleep(retry_seconds)


@dataclass(eq=False, slots=True)
class SessionCheck:
    """A bearer token's claim not yet checked against the database: its person and the
    session version it carries. `part` hands the check to one composed read (once: another
    read gets None), `take` keeps what that read found, `answer` reads it if none did.
    A write may carry it instead (`claim`, graph_db.accounts.write_checked): `hold` notes
    that one found the claim true in the role it assumed, which answers it as well."""

    person_id: str
    session_version: int
    epoch: int  # SessionCache.epoch before anything was read: what `put` needs
    asked: bool = False
    answered: bool = False
    session: SessionRecord | None = None
    held_as: str | None = None  # the site role a checked write found the claim holding in

    def part(self) -> Part | None:
        if self.asked:
            return None
        self.asked = True
        return SESSIONS_OF.part(SESSION_PART, keys=[self.person_id])

    def claim(self, role: str) -> Claim:
        """The claim, in site role `role`, for a write to carry."""
        return Claim(self.person_id, self.session_version, role)

    def hold(self, role: str) -> None:
        """A checked write found the claim holding, in site role `role`, as it ran."""
        self.asked = True  # no composed read need carry it any more
        self.held_as = role

    async def answer(self, db: Executor) -> SessionRecord | None:
        """The session: what a composed read found, else read now (and kept)."""
        if not self.answered:
            self.asked = True  # no composed read need carry it as well
            self.session = (await SESSIONS_OF.get(db, [self.person_id]))[0]
            self.answered = True
        return self.session

    def take(self, rows: dict[str, list[Row]]) -> None:
        """Keep the session read as `SESSION_PART` of `rows` (and take it out of them)."""
        if SESSION_PART in rows:
            self.session = SESSIONS_OF.decode([self.person_id], rows.pop(SESSION_PART))[0]
            self.answered = True
