"""The email outbox drained by the delivery worker to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from graph_api.mail import DeliveryWorker, MailConfig
from graph_api.mail.sink import SmtpSink
from graph_db import messages, outbox
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from tests.api.conftest import Api, with_settings
from tests.factories import make_member, make_person

NOW = 1_800_000_000_000
DAY = 86_400_000


class Clock:
    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def worker_for(db: Backend, port: int, clock: Clock, **changes: Any) -> DeliveryWorker:
    config = MailConfig(host="127.0.0.1", port=port, sender="Network <mail@mentors.example>",
                        retry_ms=1_000, retry_max_ms=60_000, lease_ms=10_000, batch_size=20,
                        timeout_seconds=5, **changes)
    return DeliveryWorker(db, config, clock=clock, jitter=lambda: 1.0)


async def send(db: Backend, sender: PersonRecord, recipient: PersonRecord, body: str, now: int = NOW) -> str:
    sent = await messages.send_direct(
        db, sender=sender.id, recipient=recipient.id, conversation_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()), body=body, mentions=[], links=[], now=now,
        since=now - DAY, budget=50,
    )
    assert sent is not None
    return sent.message.conversationId


async def drain(worker: DeliveryWorker, rounds: int = 10) -> None:
    for _ in range(rounds):
        if await worker.run_once() == 0:
            return


async def test_each_message_emails_each_recipient_once(db: Backend, sink: SmtpSink) -> None:
    ada = await make_person(db, name="Ada Lovelace")
    ben, cy = await make_person(db), await make_person(db)
    group = await messages.send_group(
        db, sender=ada.id, recipients=[ben.id, cy.id], name="Grant club",
        conversation_id=str(uuid.uuid4()), message_id=str(uuid.uuid4()),
        body="Hello <b>both</b> & welcome", mentions=[], links=[], now=NOW, since=NOW - DAY,
        budget=10,
    )
    assert group is not None
    direct = await send(db, ada, ben, "Just you", now=NOW + 1)
    clock = Clock(NOW + 10)
    worker = worker_for(db, sink.port, clock)
    await drain(worker)
    await drain(worker)  # nothing left: nothing sent twice
    mails = list(sink.received)
    assert sorted(m.recipients[0] for m in mails) == sorted([ben.email, cy.email, ben.email])
    assert len({m.header("Message-ID") for m in mails}) == 3
    by_thread = {m.header("In-Reply-To") for m in mails}
    assert by_thread == {f"<conversation.{group.message.conversationId}@mentors.example>",
                         f"<conversation.{direct}@mentors.example>"}
    grouped = [m for m in mails if m.header("Subject") == "Ada Lovelace in Grant club"]
    assert len(grouped) == 2
    # The body's HTML stays text: escaped in the HTML part, as written in the plain part.
    assert "Hello &lt;b&gt;both&lt;/b&gt; &amp; welcome" in grouped[0].html()
    assert "Hello <b>both</b> & welcome" in grouped[0].text()
    assert (await outbox.count_by_status(db)) == {"SENT": 3}
    assert worker.stats.sent == 3


async def test_smtp_down_then_up_delivers_once(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    await send(db, ada, ben, "are you there?")
    probe = SmtpSink()
    port = await probe.start()
    await probe.stop()  # nothing listens on `port` now
    clock = Clock(NOW + 10)
    worker = worker_for(db, port, clock)
    assert await worker.run_once() == 1
    (entry,) = await outbox.list_entries(db, limit=5)
    assert entry.status == "PENDING" and entry.attempts == 1 and entry.lastError
    assert entry.dueAt == NOW + 10 + 1_000  # first backoff
    assert await worker.run_once() == 0  # not due yet
    sink = SmtpSink()
    await sink.start(port=port)
    try:
        clock.now += 1_000
        await drain(worker)
        clock.now += 120_000
        await drain(worker)
        assert len(sink.received) == 1
        assert sink.received[0].recipients == (ben.email,)
    finally:
        await sink.stop()
    assert (await outbox.count_by_status(db)) == {"SENT": 1}


async def test_a_worker_killed_between_claim_and_send_is_replaced_after_the_lease(
    db: Backend, sink: SmtpSink
) -> None:
    ada, ben = await make_person(db), await make_person(db)
    await send(db, ada, ben, "one")
    await send(db, ada, ben, "two", now=NOW + 1)
    clock = Clock(NOW + 10)
    # A worker claims both and dies before sending anything.
    crashed = await outbox.claim(db, owner="crashed", now=clock.now, lease_ms=10_000, limit=10)
    assert len(crashed) == 2
    worker = worker_for(db, sink.port, clock)
    assert await worker.run_once() == 0  # the lease holds
    clock.now += 10_000
    await drain(worker)
    await drain(worker)
    assert sorted(m.text().splitlines()[2] for m in sink.received) == ["one", "two"]
    # The dead worker's settlement, had it come back, changes nothing.
    assert await outbox.settle(db, crashed[0].entry.id, owner="crashed", now=clock.now,
                               ok=True) is None
    ids = {m.header("Message-ID") for m in sink.received}
    assert ids == {f"<outbox.{c.entry.id.replace(':', '.')}@mentors.example>" for c in crashed}


async def test_a_permanent_refusal_is_dead_after_the_last_attempt(db: Backend, sink: SmtpSink) -> None:
    ada, ben = await make_person(db), await make_person(db)
    await send(db, ada, ben, "hello")
    sink.refuse = "554 5.7.1 Message rejected"
    clock = Clock(NOW + 10)
    worker = worker_for(db, sink.port, clock, max_attempts=3)
    for _ in range(5):
        await worker.run_once()
        clock.now += 60_000
    (entry,) = await outbox.list_entries(db, status="DEAD", limit=5)
    assert entry.attempts == 3 and entry.lastError == "554 5.7.1 Message rejected"
    assert len(sink.received) == 0
    assert worker.stats.dead == 1


SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { message { id body } conversation { id } errors { code field } }
}
"""


@pytest.fixture
async def mail_api(pool: Backend, sink: SmtpSink) -> AsyncIterator[Api]:
    import httpx

    from tests.api.conftest import serve
    from tests.conftest import fresh_graph

    settings = with_settings(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_poll_seconds=0.2,
                             smtp_from="Network <mail@mentors.example>",
                             public_url="https://mentors.example")
    async with (
        fresh_graph(pool) as backend,
        serve(settings, backend) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield Api(url=url, http=http, backend=backend)


async def test_sending_over_graphql_reaches_the_inbox(mail_api: Api, sink: SmtpSink) -> None:
    ada, token = await make_member(mail_api, name="Ada Lovelace")
    ben, _ = await make_member(mail_api)
    from schema.base import to_global_id

    data = await mail_api.gql(SEND, {"input": {"recipientIds": [to_global_id("Person", ben.id)],
                                               "body": "See https://example.org/a, thanks"}},
                              token=token)
    assert data["sendMessage"]["errors"] == []
    (mail,) = await sink.wait_for(1)
    assert mail.recipients == (ben.email,)
    assert mail.header("Subject") == "Message from Ada Lovelace"
    assert "See https://example.org/a, thanks" in mail.text()
    conversation = data["sendMessage"]["conversation"]["id"]
    assert f"https://mentors.example/conversations/{conversation}" in mail.text()


async def test_the_development_mailbox_lists_what_was_sent(pool: Backend) -> None:
    import asyncio

    import httpx

    from schema.base import to_global_id
    from tests.api.conftest import serve
    from tests.conftest import fresh_graph

    settings = with_settings(smtp_dev_sink=True, smtp_poll_seconds=0.2)
    async with (
        fresh_graph(pool) as backend,
        serve(settings, backend) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        api = Api(url=url, http=http, backend=backend)
        _, token = await make_member(api, name="Ada Lovelace")
        ben, _ = await make_member(api)
        await api.gql(SEND, {"input": {"recipientIds": [to_global_id("Person", ben.id)],
                                       "body": "Hello from the sink"}}, token=token)
        for _ in range(300):  # bounded: the worker is woken by the send
            listed = (await http.get("/dev/mailbox")).json()
            if listed["count"]:
                break
            await asyncio.sleep(0.02)
        (mail,) = listed["emails"]
        assert mail["to"] == [ben.email] and "Hello from the sink" in mail["text"]
    async with (
        fresh_graph(pool) as backend,
        serve(with_settings(), backend) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        assert (await http.get("/dev/mailbox")).status_code == 404
