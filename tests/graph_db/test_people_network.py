"""Follows, connection requests, connections, blocks, degrees and suggestions."""

from __future__ import annotations

import asyncio

from graph_db import network, people, vocabulary
from graph_db.backend import Backend
from graph_db.people_records import PairChangeRecord, PersonRecord
from tests.factories import make_person

NOW = 1_800_000_000_000


async def _people(db: Backend, n: int) -> list[PersonRecord]:
    return [await make_person(db, name=f"P{i}") for i in range(n)]


async def _edges(db: Backend, rel: str) -> int:
    rows = await db.read(
        "MATCH (:Person)-[r]->(:Person) WITH type(r) AS t, r WHERE t = $rel RETURN count(r) AS n",
        {"rel": rel},
    )
    return int(rows[0]["n"])


def _status(change: PairChangeRecord | None) -> str | None:
    """The pair's status a step left (None: the step found no visible pair)."""
    return change.status if change is not None else None


async def test_request_then_accept_connects_both_ways(db: Backend) -> None:
    a, b = await _people(db, 2)
    for message in ("hello", "again"):  # the first request's message stands
        change = await network.request_connection(db, a.id, b.id, message=message, now=NOW)
        assert _status(change) == "REQUEST_SENT"
    incoming = await network.list_links(db, "incoming", b.id, viewer=b.id, after=None, limit=10)
    assert [(link.person.id, link.message) for link in incoming] == [(a.id, "hello")]
    assert _status(await network.accept_connection(db, b.id, a.id, now=NOW)) == "CONNECTED"
    assert _status(await network.accept_connection(db, b.id, a.id, now=NOW)) == "CONNECTED"
    assert await _edges(db, "CONNECTED_WITH") == 2
    assert await _edges(db, "REQUESTED_CONNECTION") == 0
    counts = await network.get_counts(db, [a.id, b.id])
    assert [c.connections for c in counts] == [1, 1]


async def test_crossed_requests_connect(db: Backend) -> None:
    a, b = await _people(db, 2)
    await network.request_connection(db, a.id, b.id, message=None, now=NOW)
    assert _status(await network.request_connection(db, b.id, a.id, message=None, now=NOW)) == "CONNECTED"
    assert await _edges(db, "REQUESTED_CONNECTION") == 0


async def test_decline_withdraw_and_remove(db: Backend) -> None:
    a, b = await _people(db, 2)
    await network.request_connection(db, a.id, b.id, message=None, now=NOW)
    assert _status(await network.decline_connection(db, b.id, a.id)) == "NONE"
    assert await network.accept_connection(db, b.id, a.id, now=NOW) is None  # nothing to accept
    await network.request_connection(db, a.id, b.id, message=None, now=NOW)
    assert _status(await network.withdraw_request(db, a.id, b.id)) == "NONE"
    assert _status(await network.withdraw_request(db, a.id, b.id)) == "NONE"
    await network.request_connection(db, a.id, b.id, message=None, now=NOW)
    await network.accept_connection(db, b.id, a.id, now=NOW)
    assert _status(await network.remove_connection(db, a.id, b.id)) == "NONE"
    assert await _edges(db, "CONNECTED_WITH") == 0


async def test_follow_is_idempotent_and_one_way(db: Backend) -> None:
    a, b = await _people(db, 2)
    assert await network.follow(db, a.id, b.id, now=NOW)
    assert await network.follow(db, a.id, b.id, now=NOW)
    relation = (await network.get_relations(db, a.id, [b.id]))[0]
    assert relation.follows and not relation.followedBy
    counts = await network.get_counts(db, [a.id, b.id])
    assert (counts[0].following, counts[1].followers) == (1, 1)
    assert await network.unfollow(db, a.id, b.id)
    assert await _edges(db, "FOLLOWS") == 0
    assert not await network.follow(db, a.id, "nobody", now=NOW)


async def test_block_removes_everything_between_and_prevents_new_links(db: Backend) -> None:
    a, b = await _people(db, 2)
    await network.follow(db, a.id, b.id, now=NOW)
    await network.follow(db, b.id, a.id, now=NOW)
    await network.request_connection(db, a.id, b.id, message=None, now=NOW)
    await network.accept_connection(db, b.id, a.id, now=NOW)
    assert await network.block(db, b.id, a.id, now=NOW)
    for rel in ("FOLLOWS", "CONNECTED_WITH", "REQUESTED_CONNECTION"):
        assert await _edges(db, rel) == 0
    assert not await network.follow(db, a.id, b.id, now=NOW)
    assert await network.request_connection(db, a.id, b.id, message=None, now=NOW) is None
    assert await network.request_connection(db, b.id, a.id, message=None, now=NOW) is None
    assert await network.hidden_ids(db, a.id) == [b.id]
    assert await network.hidden_ids(db, b.id) == [a.id]
    relation = (await network.get_relations(db, a.id, [b.id]))[0]
    assert relation.blockedBy and not relation.blocked
    assert await network.unblock(db, b.id, a.id)
    assert await network.hidden_ids(db, a.id) == []
    assert await network.follow(db, a.id, b.id, now=NOW)


async def test_degrees_up_to_three(db: Backend) -> None:
    p = await _people(db, 6)
    chain = [(p[0].id, p[1].id, NOW), (p[1].id, p[2].id, NOW), (p[2].id, p[3].id, NOW),
             (p[3].id, p[4].id, NOW)]
    await network.connect_many(db, chain)
    relations = await network.get_relations(db, p[0].id, [x.id for x in p])
    assert [r.degree for r in relations] == [None, 1, 2, 3, None, None]
    assert [r.connected for r in relations] == [False, True, False, False, False, False]


async def test_lists_are_keyset_paged_newest_first_and_hide_blocked(db: Backend) -> None:
    owner, *fans = await _people(db, 6)
    for i, fan in enumerate(fans):
        await network.follow_many(db, [(fan.id, owner.id, NOW + i)])
    await network.block(db, fans[0].id, owner.id, now=NOW)  # fans[0] follows no more anyway
    viewer = fans[1]
    await network.block(db, viewer.id, fans[2].id, now=NOW)
    first = await network.list_links(db, "followers", owner.id, viewer=viewer.id, after=None, limit=2)
    assert [link.person.id for link in first] == [fans[4].id, fans[3].id]
    rest = await network.list_links(
        db, "followers", owner.id, viewer=viewer.id, after=(first[-1].since, first[-1].person.id),
        limit=10,
    )
    assert [link.person.id for link in rest] == [fans[1].id]  # fans[2] is hidden from viewer


async def test_suggestions_rank_mutual_connections_and_shared_interests(db: Backend) -> None:
    me, friend, fof, stranger, blocked, peer = await _people(db, 6)
    await network.connect_many(db, [(me.id, friend.id, NOW), (friend.id, fof.id, NOW),
                                    (friend.id, blocked.id, NOW), (friend.id, peer.id, NOW)])
    term = vocabulary.proposal("Interest", "Sepsis")
    for person in (me, stranger, blocked, fof):
        await people.add_terms(db, person.id, "INTERESTED_IN", terms=[term], now=NOW)
    await network.block(db, me.id, blocked.id, now=NOW)
    await network.request_connection(db, me.id, peer.id, message=None, now=NOW)
    found = await network.suggestions(db, me.id, limit=10)
    assert [(s.person.id, s.mutualConnections, s.sharedInterests) for s in found] == [
        (fof.id, 1, 1), (stranger.id, 0, 1),
    ]


async def test_concurrent_requests_and_accepts_leave_one_connection(db: Backend) -> None:
    a, b = await _people(db, 2)
    await asyncio.gather(
        *(network.request_connection(db, a.id, b.id, message=None, now=NOW) for _ in range(10)),
        *(network.request_connection(db, b.id, a.id, message=None, now=NOW) for _ in range(10)),
    )
    await asyncio.gather(*(network.accept_connection(db, a.id, b.id, now=NOW) for _ in range(5)))
    assert await _edges(db, "CONNECTED_WITH") == 2
    assert await _edges(db, "REQUESTED_CONNECTION") == 0
