"""Conversations, messages and the email outbox against each engine."""

from __future__ import annotations

import asyncio
import uuid

from graph_db import messages, network, outbox
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from tests.factories import make_person

NOW = 1_800_000_000_000
DAY = 86_400_000


async def direct(
    db: Backend, sender: PersonRecord, recipient: PersonRecord, body: str = "hello", *,
    now: int = NOW, budget: int = 50, message_id: str | None = None,
) -> messages.SentRecord | None:
    return await messages.send_direct(
        db, sender=sender.id, recipient=recipient.id, conversation_id=str(uuid.uuid4()),
        message_id=message_id or str(uuid.uuid4()), body=body, mentions=[], links=[], now=now,
        since=now - DAY, budget=budget,
    )


async def test_first_message_makes_the_pair_conversation_and_one_outbox_entry(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    first = await direct(db, ada, ben, "hi Ben")
    assert first is not None and first.audience == (ben.id,) and first.emailed == (ben.id,)
    again = await direct(db, ben, ada, "hi Ada", now=NOW + 1)
    assert again is not None and again.message.conversationId == first.message.conversationId
    entries = await outbox.list_entries(db, limit=10)
    assert sorted(e.recipientId for e in entries) == sorted([ben.id, ada.id])
    assert {e.status for e in entries} == {"PENDING"}
    assert {e.id for e in entries} == {
        f"{first.message.id}:{ben.id}", f"{again.message.id}:{ada.id}"
    }


async def test_a_retried_send_stores_nothing_twice(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    message_id = str(uuid.uuid4())
    await direct(db, ada, ben, message_id=message_id)
    await direct(db, ada, ben, message_id=message_id)
    page = await messages.list_messages(db, ben.id, (await messages.list_conversations(
        db, ben.id, limit=5))[0].id, limit=10)
    assert [m.id for m in page] == [message_id]
    assert len(await outbox.list_entries(db, limit=10)) == 1


async def test_a_hundred_concurrent_first_messages_make_one_conversation(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    results = await asyncio.gather(*(
        direct(db, *((ada, ben) if i % 2 else (ben, ada)), f"message {i}") for i in range(100)
    ))
    assert all(r is not None for r in results)
    assert len({r.message.conversationId for r in results if r is not None}) == 1
    conversations = await messages.list_conversations(db, ada.id, limit=10)
    assert len(conversations) == 1
    assert len(await messages.list_messages(db, ada.id, conversations[0].id, limit=200)) == 100
    assert len(await outbox.list_entries(db, limit=200)) == 100


async def test_blocks_policies_budget_and_suspension_refuse(db: Backend) -> None:
    ada, ben, cy = await make_person(db), await make_person(db), await make_person(db)
    assert await direct(db, ada, ben) is not None
    await network.block(db, ben.id, ada.id, now=NOW)
    # A later block closes the conversation for both.
    assert await direct(db, ada, ben) is None
    assert await direct(db, ben, ada) is None
    (closed,) = await messages.list_conversations(db, ada.id, limit=5)
    assert closed.closed
    # Policy: NOBODY refuses a new conversation, CONNECTIONS only from a connection.
    await messages.update_settings(db, cy.id, policy="NOBODY", email=None)
    assert await direct(db, ada, cy) is None
    await messages.update_settings(db, cy.id, policy="CONNECTIONS", email=None)
    assert await direct(db, ada, cy) is None
    await network.request_connection(db, ada.id, cy.id, message=None, now=NOW)
    await network.accept_connection(db, cy.id, ada.id, now=NOW)
    assert await direct(db, ada, cy) is not None
    # Budget: new conversations per day; an existing one is always open.
    dee, eve = await make_person(db), await make_person(db)
    assert await direct(db, ada, dee, budget=2) is None  # ben and cy already started today
    assert await direct(db, ada, cy, budget=2) is not None
    assert await direct(db, ada, dee, budget=3) is not None
    sus = await make_person(db, suspendedUntil=NOW + DAY)
    assert await direct(db, sus, eve) is None


async def test_group_conversations_need_every_recipient_to_allow_it(db: Backend) -> None:
    ada, ben, cy = await make_person(db), await make_person(db), await make_person(db)
    await messages.update_settings(db, cy.id, policy="NOBODY", email=None)
    kwargs = {"name": "Grant club", "mentions": [], "links": [], "now": NOW, "since": NOW - DAY,
              "budget": 10, "body": "welcome"}
    refused = await messages.send_group(
        db, sender=ada.id, recipients=[ben.id, cy.id], conversation_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()), **kwargs,  # type: ignore[arg-type]
    )
    assert refused is None
    assert await messages.list_conversations(db, ben.id, limit=5) == []
    await messages.update_settings(db, cy.id, policy="EVERYONE", email="NEVER")
    sent = await messages.send_group(
        db, sender=ada.id, recipients=[ben.id, cy.id], conversation_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()), **kwargs,  # type: ignore[arg-type]
    )
    assert sent is not None and sorted(sent.audience) == sorted([ben.id, cy.id])
    assert sent.emailed == (ben.id,)  # cy wants no email
    conversation_id = sent.message.conversationId
    assert await messages.mute(db, ben.id, conversation_id, muted=True)
    reply = await messages.send_to_conversation(
        db, sender=cy.id, conversation_id=conversation_id, message_id=str(uuid.uuid4()),
        body="thanks", mentions=[], links=[], now=NOW + 1,
    )
    assert reply is not None and reply.emailed == (ada.id,)
    assert await messages.leave(db, ben.id, conversation_id, now=NOW + 2)
    assert await messages.list_conversations(db, ben.id, limit=5) == []
    assert await messages.send_to_conversation(
        db, sender=ben.id, conversation_id=conversation_id, message_id=str(uuid.uuid4()),
        body="back?", mentions=[], links=[], now=NOW + 3,
    ) is None
    (seen,) = await messages.list_conversations(db, ada.id, limit=5)
    assert seen.kind == "GROUP" and seen.name == "Grant club"
    assert sorted(seen.participantIds) == sorted([ada.id, cy.id])


async def test_lists_unread_counts_and_keyset_pages(db: Backend) -> None:
    ada, ben, cy = await make_person(db), await make_person(db), await make_person(db)
    for i in range(5):
        await direct(db, ben, ada, f"b{i}", now=NOW + i)
    await direct(db, cy, ada, "c", now=NOW + 10)
    listed = await messages.list_conversations(db, ada.id, limit=10)
    assert [c.participantIds for c in listed] == [
        tuple(sorted([ada.id, cy.id])), tuple(sorted([ada.id, ben.id]))
    ]
    assert [c.unreadCount for c in listed] == [1, 5]
    assert listed[0].lastMessage is not None and listed[0].lastMessage.body == "c"
    assert await messages.count_unread(db, ada.id) == 6
    later = await messages.list_conversations(
        db, ada.id, after=(listed[0].lastMessageAt, listed[0].id), limit=10
    )
    assert [c.id for c in later] == [listed[1].id]
    page = await messages.list_messages(db, ada.id, listed[1].id, limit=2)
    assert [m.body for m in page] == ["b4", "b3"]
    await direct(db, ben, ada, "new", now=NOW + 20)  # arrives while paging: pages stay stable
    rest = await messages.list_messages(
        db, ada.id, listed[1].id, after=(page[-1].createdAt, page[-1].id), limit=10
    )
    assert [m.body for m in rest] == ["b2", "b1", "b0"]
    assert await messages.list_messages(db, cy.id, listed[1].id, limit=10) == []
    marked = await messages.mark_read(db, ada.id, listed[1].id, now=NOW + 30)
    assert marked is not None and marked[1] == (ben.id,)
    assert await messages.count_unread(db, ada.id) == 1
    assert await messages.mark_read(db, cy.id, listed[1].id, now=NOW + 30) is None
    assert [c.id for c in await messages.list_conversations(db, ada.id, unread_only=True, limit=5)] \
        == [listed[0].id]


async def test_only_participants_load_messages_and_only_senders_delete(db: Backend) -> None:
    ada, ben, cy = await make_person(db), await make_person(db), await make_person(db)
    sent = await direct(db, ada, ben, "secret")
    assert sent is not None
    mid = sent.message.id
    assert [m and m.body for m in await messages.get_messages(db, ben.id, [mid])] == ["secret"]
    assert await messages.get_messages(db, cy.id, [mid]) == [None]
    assert await messages.get_messages(db, cy.id, [mid], moderator=True) == [None]
    assert await messages.get_conversations(db, cy.id, [sent.message.conversationId]) == [None]
    assert await messages.delete_message(db, ben.id, mid, now=NOW + 1) is None
    deleted = await messages.delete_message(db, ada.id, mid, now=NOW + 1)
    assert deleted is not None and deleted.body is None and deleted.deletedAt == NOW + 1


async def test_claims_lease_settle_and_give_up(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    for i in range(4):
        await direct(db, ada, ben, f"m{i}", now=NOW + i)
    one, two = await asyncio.gather(
        outbox.claim(db, owner="w1", now=NOW + 10, lease_ms=1000, limit=3),
        outbox.claim(db, owner="w2", now=NOW + 10, lease_ms=1000, limit=3),
    )
    claimed = [c.entry.id for c in one] + [c.entry.id for c in two]
    assert len(claimed) == len(set(claimed))  # never the same entry twice
    # On Neo4j the two claims run concurrently: the later one re-checks under the lock,
    # skips what the other took and may come back short. Nothing is lost: the next claim
    # takes the rest. (FalkorDB serialises writes, so there both get their share at once.)
    rest = await outbox.claim(db, owner="w2", now=NOW + 10, lease_ms=1000, limit=3)
    claimed += [c.entry.id for c in rest]
    assert len(claimed) == 4 and len(set(claimed)) == 4
    assert all(c.deliverable and c.recipientEmail == ben.email for c in one + two + rest)
    # Nothing is due while the leases hold; w1's entries come back once they expire.
    assert await outbox.claim(db, owner="w3", now=NOW + 500, lease_ms=1000, limit=10) == []
    again = await outbox.claim(db, owner="w3", now=NOW + 1010, lease_ms=1000, limit=10)
    assert sorted(c.entry.id for c in again) == sorted(claimed)
    assert {c.entry.attempts for c in again} == {2}
    # The expired lease no longer settles anything.
    assert await outbox.settle(db, claimed[0], owner="w1", now=NOW + 1020, ok=True) is None
    first = again[0].entry.id
    assert await outbox.settle(db, first, owner="w3", now=NOW + 1020, ok=True) == "SENT"
    second = again[1].entry.id
    assert await outbox.settle(db, second, owner="w3", now=NOW + 1020, error="451 later",
                               retry_at=NOW + 5000, max_attempts=3) == "PENDING"
    third = again[2].entry.id
    assert await outbox.settle(db, third, owner="w3", now=NOW + 1020, error="550 no",
                               retry_at=NOW + 5000, max_attempts=2) == "DEAD"
    dead = await outbox.list_entries(db, status="DEAD", limit=10)
    assert [(d.id, d.lastError) for d in dead] == [(third, "550 no")]
    counts = await outbox.count_by_status(db)
    assert counts == {"SENT": 1, "PENDING": 2, "DEAD": 1}


async def test_a_deleted_message_is_not_deliverable(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    sent = await direct(db, ada, ben)
    assert sent is not None
    await messages.delete_message(db, ada.id, sent.message.id, now=NOW + 1)
    (claimed,) = await outbox.claim(db, owner="w", now=NOW + 2, lease_ms=1000, limit=5)
    assert not claimed.deliverable
    assert await outbox.settle(db, claimed.entry.id, owner="w", now=NOW + 3, cancel=True) == "CANCELLED"
