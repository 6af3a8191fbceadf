"""The bench's messages: exact, deterministic, idempotent conversations as graph_db.messages
stores them (pairs that sendMessage finds, unread counts), on every engine; and the shape
checks of send_message and conversations_page catch wrong answers."""

from __future__ import annotations

import uuid

import pytest

from bench.domains import messages as message_ops
from bench.registry import Call
from graph_db import messages, seed
from graph_db.backend import Backend
from graph_db.seed_messages import conversation_rows, seed_conversations
from schema.base import to_global_id

NOW = seed.DEFAULT_NOW


async def _count(db: Backend, pattern: str) -> int:
    rows = await db.read("MATCH " + pattern + " RETURN count(*) AS n")  # type: ignore[arg-type]
    return int(rows[0]["n"])


def test_rows_are_deterministic_distinct_pairs_with_exact_totals() -> None:
    ids = sorted(str(uuid.UUID(int=i)) for i in range(1, 41))
    rows = [r for chunk in range(2) for r in conversation_rows(ids, 700, 6000, chunk, seed=3, now=NOW)]
    assert len(rows) == 700 and sum(len(r["messages"]) for r in rows) == 6000
    assert len({r["pairKey"] for r in rows}) == 700 and all(r["a"] != r["b"] for r in rows)
    assert all(r["lastId"] == r["messages"][-1]["id"] and r["lastAt"] <= NOW for r in rows)
    assert conversation_rows(ids, 700, 6000, 1, seed=3, now=NOW) == rows[500:]
    with pytest.raises(ValueError):  # 40 people cannot hold 19 * 40 distinct pairs
        conversation_rows(ids, 800, 6000, 0, seed=3, now=NOW)


async def test_conversations_have_exact_counts_and_are_what_send_message_finds(db: Backend) -> None:
    await seed.seed_network(db, 50, seed=4, now=NOW, follows=60)
    written = await seed_conversations(db, 120, 1300, seed=4, now=NOW)
    assert written == 1300
    counts = (await _count(db, "(c:Conversation)"), await _count(db, "(m:Message)"),
              await _count(db, "(:Person)-[s:SENT]->(:Message)"),
              await _count(db, "(:Message)-[i:IN]->(:Conversation)"),
              await _count(db, "(:Person)-[p:PARTICIPATES_IN]->(:Conversation)"))
    assert counts == (120, 1300, 1300, 1300, 240)
    assert await seed_conversations(db, 120, 1300, seed=4, now=NOW) == 1300  # MERGE: no change
    assert (await _count(db, "(c:Conversation)"), await _count(db, "(m:Message)")) == (120, 1300)
    rows = await db.read(message_ops.PAIRS)  # type: ignore[arg-type]
    assert len(rows) == 120
    # A new message to the contact goes into the seeded conversation, with its outbox entry.
    pair = rows[0]
    sent = await messages.send_direct(
        db, sender=pair["a"], recipient=pair["b"], conversation_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()), body="hello", mentions=[], links=[], now=NOW + 1,
        since=NOW - 86_400_000, budget=0,
    )
    assert sent is not None and sent.message.conversationId == pair["conversation"]
    assert sent.emailed == (pair["b"],)
    # The page: every conversation of the viewer, newest first, unread counted.
    viewers = {r["id"]: r["conversations"] for r in await db.read(message_ops.VIEWERS)}  # type: ignore[arg-type]
    unread = 0
    for viewer, count in list(viewers.items())[:10]:
        page = await messages.list_conversations(db, viewer, limit=100)
        assert len(page) == count
        assert [c.lastMessageAt for c in page] == sorted((c.lastMessageAt for c in page), reverse=True)
        unread += sum(c.unreadCount for c in page)
    assert sum(viewers.values()) == 240 and unread > 0


def test_send_check_catches_a_wrong_conversation_sender_or_errors() -> None:
    call = Call({"to": "x", "body": "hi"}, viewer="p1", expect={"conversation": "c1"})
    good = {"sendMessage": {
        "message": {"body": "hi", "createdAt": "t", "sender": {"id": to_global_id("Person", "p1")}},
        "conversation": {"id": to_global_id("Conversation", "c1"), "kind": "DIRECT",
                         "lastMessageAt": "t", "unreadCount": 0},
        "errors": [],
    }}
    assert message_ops._check_send(good, call) is None
    other = {"sendMessage": {**good["sendMessage"], "conversation": {
        **good["sendMessage"]["conversation"], "id": to_global_id("Conversation", "c2")}}}
    assert "another conversation" in (message_ops._check_send(other, call) or "")
    stale = {"sendMessage": {**good["sendMessage"], "conversation": {
        **good["sendMessage"]["conversation"], "lastMessageAt": "s"}}}
    assert "older" in (message_ops._check_send(stale, call) or "")
    failed = {"sendMessage": {**good["sendMessage"], "errors": [{"code": "FORBIDDEN"}]}}
    assert "errors" in (message_ops._check_send(failed, call) or "")


def test_page_check_catches_short_pages_wrong_order_and_strangers() -> None:
    viewer = to_global_id("Person", "v")

    def node(n: int, who: str = viewer) -> dict[str, object]:
        at = f"2026-01-0{n}T00:00:00Z"
        return {"id": f"c{n}", "lastMessageAt": at, "unreadCount": n % 2,
                "participants": [{"id": who}, {"id": "other"}],
                "lastMessage": {"createdAt": at, "sender": {"id": "other"}}}

    def data(*nodes: dict[str, object]) -> dict[str, object]:
        return {"conversations": {"edges": [{"node": n} for n in nodes],
                                  "pageInfo": {"hasNextPage": False}}, "unreadMessageCount": 3}

    call = Call({"first": 20}, viewer="v", expect={"id": "v", "conversations": 3})
    assert message_ops._check_page(data(node(3), node(2), node(1)), call) is None
    tied = {**node(2), "id": "c9"}  # the same time: the order of raw ids, not of global ids
    assert message_ops._check_page(data(node(3), node(2), tied), call) is None
    assert "on a page" in (message_ops._check_page(data(node(3), node(2)), call) or "")
    assert "newest" in (message_ops._check_page(data(node(1), node(2), node(3)), call) or "")
    assert "not in" in (message_ops._check_page(data(node(3), node(2), node(1, "x")), call) or "")
