"""Replies by email: through a real SMTP listener (aiosmtpd on 127.0.0.1) and the webhook."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from email.message import EmailMessage

import aiosmtplib
import httpx
import pytest

from graph_api.mail.addresses import make_token, read_token, reply_key
from graph_api.mail.sink import SmtpSink
from graph_db import messages
from graph_db.backend import Backend
from schema.base import to_global_id
from tests.api.conftest import Api, serve, with_settings
from tests.conftest import fresh_graph
from tests.factories import make_member

DOMAIN = "reply.mentors.example"
SECRET = "inbound-" + "s" * 24
SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { conversation { id } errors { code } }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def mail_world(pool: Backend) -> AsyncIterator[tuple[Api, SmtpSink, int]]:
    sink = SmtpSink()
    await sink.start()
    inbound = free_port()
    settings = with_settings(
        smtp_host="127.0.0.1", smtp_port=sink.port, smtp_poll_seconds=0.2,
        smtp_reply_domain=DOMAIN, smtp_inbound_port=inbound, smtp_inbound_secret=SECRET,
        smtp_inbound_max_bytes=20_000,
    )
    try:
        async with (
            fresh_graph(pool) as backend,
            serve(settings, backend) as url,
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            yield Api(url=url, http=http, backend=backend), sink, inbound
    finally:
        await sink.stop()


def reply(sender: str, to: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, "Re: Message"
    mail.set_content(text)
    return mail


QUOTED = ("Sounds good, Tuesday it is.\n\n-- \nBen\n\n"
          "On Mon, Dec 1, 2026 at 9:00 AM Ada <ada@example.org> wrote:\n> Shall we meet?\n")


async def test_a_reply_by_email_lands_as_the_member_and_forgeries_do_not(
    mail_world: tuple[Api, SmtpSink, int], caplog: pytest.LogCaptureFixture
) -> None:
    # At INFO, as the service logs: posting a reply once raised KeyError in logging (an
    # `extra` key named "message", which log records reserve), and the reply was refused.
    caplog.set_level(logging.INFO, logger="graph_api.mail")
    api, sink, inbound = mail_world
    ada, token = await make_member(api, name="Ada Lovelace")
    ben, _ = await make_member(api)
    eve, _ = await make_member(api)
    data = await api.gql(SEND, {"input": {"recipientIds": [to_global_id("Person", ben.id)],
                                          "body": "Shall we meet?"}}, token=token)
    (mail,) = await sink.wait_for(1)
    address = mail.header("Reply-To")
    assert address.endswith("@" + DOMAIN) and len(address.partition("@")[0]) == 64
    await aiosmtplib.send(reply(ben.email, address, QUOTED), hostname="127.0.0.1", port=inbound)
    (conversation,) = await messages.list_conversations(api.backend, ada.id, limit=5)
    assert to_global_id("Conversation", conversation.id) == data["sendMessage"]["conversation"]["id"]
    latest = await messages.list_messages(api.backend, ada.id, conversation.id, limit=5)
    assert [(m.senderId, m.body) for m in latest] == [
        (ben.id, "Sounds good, Tuesday it is."), (ada.id, "Shall we meet?")
    ]
    local = address.partition("@")[0]
    forged = ("b" if local[10] != "b" else "c").join((local[:10], local[11:]))
    refusals = [
        (reply(ben.email, f"{forged}@{DOMAIN}", "forged"), "forged or expired"),
        (reply(eve.email, address, "not my address"), "not the member"),
        (reply(ben.email, address, "x" * 30_000), "size"),
    ]
    for message, reason in refusals:
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await aiosmtplib.send(message, hostname="127.0.0.1", port=inbound)
        assert refused.value.code >= 500 and reason in refused.value.message, refused.value
    assert len(await messages.list_messages(api.backend, ada.id, conversation.id, limit=10)) == 2
    # The webhook: the same rules, behind the shared secret.
    hook = {"From": ben.email, "OriginalRecipient": address, "TextBody": "By webhook\n> old"}
    denied = await api.http.post("/mail/inbound", json=hook, headers={"x-inbound-secret": "wrong"})
    assert denied.status_code == 401
    forged_hook = await api.http.post(
        "/mail/inbound", json={**hook, "OriginalRecipient": f"{forged}@{DOMAIN}"},
        headers={"x-inbound-secret": SECRET},
    )
    assert forged_hook.status_code == 422
    posted = await api.http.post("/mail/inbound", json=hook, headers={"x-inbound-secret": SECRET})
    assert posted.status_code == 200, posted.text
    latest = await messages.list_messages(api.backend, ada.id, conversation.id, limit=5)
    assert (latest[0].senderId, latest[0].body) == (ben.id, "By webhook")
    logged = [r for r in caplog.records if r.getMessage() == "reply by email posted"]
    assert [getattr(r, "via", None) for r in logged] == ["smtp", "webhook"], logged


def test_reply_tokens_expire_and_resist_tampering() -> None:
    key = reply_key("secret")
    conversation, person = "5f0c7c3e-3a53-4a0e-9a44-3b1f7f1f2d10", "0b7d6a2c-0e5a-4f0e-8d55-7c9e7b4e2a11"
    now = 1_800_000_000_000
    token = make_token(key, conversation, person, now_ms=now, days=90)
    assert token is not None and len(token) == 64 and token == token.lower()
    found = read_token(key, token.upper(), now_ms=now + 89 * 86_400_000)
    assert found is not None and (found.conversation_id, found.person_id) == (conversation, person)
    assert read_token(key, token, now_ms=now + 92 * 86_400_000) is None
    assert read_token(reply_key("other"), token, now_ms=now) is None
    assert read_token(key, "not a token", now_ms=now) is None
    assert make_token(key, "not-a-uuid", person, now_ms=now, days=90) is None
