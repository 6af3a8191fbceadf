"""resolvers.sessions: SessionCache (expiry, races with a change, bounds, the bus) and
SessionCheck (one ride, its answer)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict, replace

from graph_api.pubsub import LocalEventBus
from graph_db.accounts_records import SessionRecord
from graph_db.people_records import PersonRecord
from resolvers.sessions import SESSION_PART, SESSIONS_CHANNEL, SessionCache, SessionCheck


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def session(person_id: str, version: int = 0) -> SessionRecord:
    person = PersonRecord(id=person_id, email=f"{person_id}@example.org", name=person_id)
    return SessionRecord(person, version)


def test_an_entry_lives_for_the_ttl_only() -> None:
    clock = Clock()
    cache = SessionCache(5, clock=clock)
    cache.put("a", session("a"), epoch=cache.epoch)
    clock.now += 4.9
    assert cache.get("a") == session("a")
    clock.now += 0.2
    assert cache.get("a") is None
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 0)


def test_a_ttl_of_zero_keeps_nothing() -> None:
    cache = SessionCache(0)
    cache.put("a", session("a"), epoch=cache.epoch)
    assert cache.get("a") is None and len(cache) == 0


def test_a_read_that_raced_a_change_is_not_kept() -> None:
    cache = SessionCache(5)
    epoch = cache.epoch  # a request starts reading a's session ...
    cache.forget("a")  # ... a's role changes meanwhile ...
    cache.put("a", session("a"), epoch=epoch)  # ... and what it read may be the old one
    assert cache.get("a") is None
    cache.put("a", session("a", 1), epoch=cache.epoch)
    assert cache.get("a") == session("a", 1)


def test_forget_and_clear() -> None:
    cache = SessionCache(5)
    for person_id in "abc":
        cache.put(person_id, session(person_id), epoch=cache.epoch)
    cache.forget("b")
    assert [cache.get(p) is not None for p in "abc"] == [True, False, True]
    cache.clear()
    assert len(cache) == 0


def test_the_oldest_entries_go_first_when_full() -> None:
    cache = SessionCache(5, max_entries=2)
    for person_id in "abc":
        cache.put(person_id, session(person_id), epoch=cache.epoch)
    assert len(cache) == 2 and cache.get("a") is None and cache.get("c") is not None


async def test_follow_forgets_what_the_bus_announces() -> None:
    bus = LocalEventBus()
    cache = SessionCache(600)
    following = asyncio.create_task(cache.follow(bus))
    try:
        for _ in range(100):  # bounded: until the follower has subscribed
            if bus.subscriber_count(SESSIONS_CHANNEL):
                break
            await asyncio.sleep(0.01)
        for person_id in "ab":
            cache.put(person_id, session(person_id), epoch=cache.epoch)
        await bus.publish(SESSIONS_CHANNEL, {"kind": "session", "id": "a"})
        await asyncio.sleep(0)  # let the follower run
        assert cache.get("a") is None and cache.get("b") is not None
        # An event it cannot read: everything is forgotten rather than guessed at.
        await bus.publish(SESSIONS_CHANNEL, {"kind": "session", "id": 7})
        await asyncio.sleep(0)
        assert len(cache) == 0
        # A gap on the bus (a lost connection) empties the cache too.
        cache.put("b", session("b"), epoch=cache.epoch)
        bus._gap()
        assert len(cache) == 0
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following


def test_the_last_role_is_kept_as_a_hint_past_the_ttl() -> None:
    clock = Clock()
    cache = SessionCache(5, max_entries=2, clock=clock)
    admin = SessionRecord(replace(session("a").person, role="ADMIN"), 0)
    cache.put("a", admin, epoch=cache.epoch)
    clock.now += 60
    assert cache.get("a") is None and cache.role_hint("a") == "ADMIN"
    assert cache.role_hint("nobody") is None
    cache.forget("a")  # a change: no guess from before it
    assert cache.role_hint("a") is None
    for person_id in "abc":  # bounded like the entries
        cache.put(person_id, session(person_id), epoch=cache.epoch)
    assert [cache.role_hint(p) for p in "abc"] == [None, "MEMBER", "MEMBER"]
    cache.clear()
    assert cache.role_hint("c") is None
    off = SessionCache(0)  # nothing kept, but the hint still is
    off.put("a", admin, epoch=off.epoch)
    assert off.get("a") is None and off.role_hint("a") == "ADMIN"


def test_a_check_rides_in_one_read_and_keeps_its_answer() -> None:
    check = SessionCheck("ada", 3, epoch=0)
    part = check.part()
    assert part is not None and part.name == SESSION_PART and list(part.keys or ()) == ["ada"]
    assert check.part() is None  # asked once: a second read does not carry it again
    rows: dict[str, list[dict[str, object]]] = {"posts": []}
    check.take(rows)  # that read did not carry it: still unanswered
    assert not check.answered
    found = session("ada", 3)
    rows = {"posts": [], SESSION_PART: [{"person": asdict(found.person), "sessionVersion": 3}]}
    check.take(rows)
    assert check.answered and check.session == found and rows == {"posts": []}


def test_a_check_of_someone_gone_answers_none() -> None:
    check = SessionCheck("gone", 0, epoch=0)
    assert check.part() is not None
    check.take({SESSION_PART: []})
    assert check.answered and check.session is None
