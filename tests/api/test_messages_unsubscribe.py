"""Email settings over GraphQL, and one-click unsubscribe (RFC 8058) over real HTTP: the
List-Unsubscribe header in the mail aiosmtpd receives, its URL served by the app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from graph_api.app import create_app
from graph_api.database import Database
from graph_api.mail.sink import SmtpSink
from graph_api.mail.unsubscribe import make_token, unsubscribe_key
from graph_db import comments, likes, messages, outbox, posts
from graph_db.backend import Backend
from graph_db.messages import SettingsRecord
from resolvers.services import epoch_ms
from schema.base import to_global_id
from tests.api.conftest import Api, serve_app, with_settings
from tests.conftest import fresh_graph
from tests.factories import make_member, make_person

PUBLIC = "https://mentors.example"
DAY = 86_400_000
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) { message { id } errors { code field } }
}
"""
SETTINGS = "{ messageSettings { messagePolicy emailMessages emailNotifications timeZone } }"
UPDATE = """
mutation Update($input: UpdateMessageSettingsInput!) {
  updateMessageSettings(input: $input) {
    settings { messagePolicy emailMessages emailNotifications timeZone }
    errors { code field }
  }
}
"""


@pytest.fixture
async def mail_app(pool: Backend, sink: SmtpSink) -> AsyncIterator[tuple[Api, Any]]:
    settings = with_settings(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_poll_seconds=0.1,
                             smtp_digest_check_seconds=0.05,
                             smtp_from="Network <mail@mentors.example>", public_url=PUBLIC)
    async with fresh_graph(pool) as backend:
        app = create_app(settings, database=Database(backend=backend))
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Api(url=url, http=http, backend=backend), app


@pytest.fixture
def mail_api(mail_app: tuple[Api, Any]) -> Api:
    return mail_app[0]


def key() -> bytes:
    return unsubscribe_key(with_settings().jwt_secret)


def path_of(header: str) -> str:
    assert header.startswith(f"<{PUBLIC}/mail/unsubscribe/") and header.endswith(">"), header
    return header[1 + len(PUBLIC):-1]


async def settings_of(db: Backend, person_id: str) -> SettingsRecord:
    found = await messages.get_settings(db, person_id)
    assert found is not None
    return found


async def test_settings_expose_the_digest_and_time_zone(api: Api) -> None:
    ada, token = await make_member(api)
    data = await api.gql(SETTINGS, token=token)
    assert data["messageSettings"] == {"messagePolicy": "EVERYONE", "emailMessages": "IMMEDIATE",
                                       "emailNotifications": "DAILY", "timeZone": "UTC"}
    data = await api.gql(UPDATE, {"input": {"emailNotifications": "WEEKLY",
                                            "timeZone": "America/New_York"}}, token=token)
    assert data["updateMessageSettings"] == {"errors": [], "settings": {
        "messagePolicy": "EVERYONE", "emailMessages": "IMMEDIATE", "emailNotifications": "WEEKLY",
        "timeZone": "America/New_York",
    }}
    for bad in ("Mars/Olympus_Mons", "", "../../etc/passwd", "america/new_york", "UTC\x00"):
        data = await api.gql(UPDATE, {"input": {"timeZone": bad, "emailMessages": "NEVER"}},
                             token=token)
        assert data["updateMessageSettings"] == {
            "settings": None, "errors": [{"code": "BAD_USER_INPUT", "field": "timeZone"}]
        }
    stored = await settings_of(api.backend, ada.id)
    assert (stored.emailMessages, stored.emailNotifications, stored.timeZone) == (
        "IMMEDIATE", "WEEKLY", "America/New_York"
    )
    response = await api.post(UPDATE, {"input": {"emailNotifications": "HOURLY"}}, token=token)
    assert response.status_code in (200, 400)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_one_click_unsubscribe_from_message_emails(mail_api: Api, sink: SmtpSink) -> None:
    api, http = mail_api, mail_api.http
    _, ada_token = await make_member(api, name="Ada Lovelace")
    ben, ben_token = await make_member(api)
    send = {"input": {"recipientIds": [to_global_id("Person", ben.id)], "body": "Hello Ben"}}
    assert (await api.gql(SEND, send, token=ada_token))["sendMessage"]["errors"] == []
    (mail,) = await sink.wait_for(1)
    assert mail.recipients == (ben.email,)
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    # The URL as written (a header may be folded at whitespace, never RFC 2047-encoded).
    unfolded = mail.raw.replace(b"\r\n ", b" ")
    assert f"List-Unsubscribe: <{PUBLIC}/mail/unsubscribe/".encode() in unfolded.replace(b":  <", b": <")
    path = path_of(mail.header("List-Unsubscribe"))
    before = await settings_of(api.backend, ben.id)
    assert before.emailMessages == "IMMEDIATE"

    # GET (a link scanner, or the member's browser) only shows the button.
    page = await http.get(path)
    assert page.status_code == 200 and '<form method="post">' in page.text
    assert 'name="List-Unsubscribe" value="One-Click"' in page.text
    # Tampered, expired, or without the one-click body: refused, nothing changed.
    token = path.rsplit("/", 1)[1]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert (await http.post(f"/mail/unsubscribe/{forged}", data=ONE_CLICK)).status_code == 404
    assert (await http.post("/mail/unsubscribe/not-a-token", data=ONE_CLICK)).status_code == 404
    stale = make_token(key(), "messages", ben.id, now_ms=epoch_ms() - 10 * DAY, days=1)
    assert (await http.get(f"/mail/unsubscribe/{stale}")).status_code == 400
    assert (await http.post(f"/mail/unsubscribe/{stale}", data=ONE_CLICK)).status_code == 400
    assert (await http.post(path)).status_code == 400
    assert (await http.post(path, data={"List-Unsubscribe": "no"})).status_code == 400
    assert await settings_of(api.backend, ben.id) == before

    # The one click: messages by email off, the rest as it was; a second click changes nothing.
    for _ in range(2):
        done = await http.post(path, data=ONE_CLICK)
        assert done.status_code == 200 and "Unsubscribed" in done.text
    after = await settings_of(api.backend, ben.id)
    assert (after.emailMessages, after.emailNotifications, after.messagePolicy) == (
        "NEVER", "DAILY", "EVERYONE"
    )
    assert (await api.gql(SETTINGS, token=ben_token))["messageSettings"]["emailMessages"] == "NEVER"
    # The next message makes no email.
    send["input"]["body"] = "Still there?"
    assert (await api.gql(SEND, send, token=ada_token))["sendMessage"]["errors"] == []
    # The mailer marks the first entry SENT just after the SMTP server took it (a loaded
    # machine may not be there yet); no second entry is ever made.
    async with asyncio.timeout(30):
        statuses = [e.status for e in await outbox.list_entries(api.backend, limit=10)]
        while statuses == ["PENDING"]:  # noqa: ASYNC110 - the mailer's state is in the database
            await asyncio.sleep(0.05)
            statuses = [e.status for e in await outbox.list_entries(api.backend, limit=10)]
    assert statuses == ["SENT"] and len(sink.received) == 1


async def test_the_notification_digest_unsubscribes_only_itself(
    mail_app: tuple[Api, Any], sink: SmtpSink
) -> None:
    api, app = mail_app
    # The service's clock runs from 06:59 UTC yesterday: the day's activity is written before
    # the digest hour, then the clock moves past it and the running worker sends the digest.
    # (Yesterday: always before the worker's first tick, on the real clock, whatever the hour.)
    day = epoch_ms() // 86_400_000 * 86_400_000 - 86_400_000
    shift = [day + 7 * 3_600_000 - 60_000 - epoch_ms()]
    app.state.services.clock = lambda: epoch_ms() + shift[0]
    ada, _ = await make_member(api, name="Ada Lovelace")
    at = day + 6 * 3_600_000  # in the day that ends at 07:00 yesterday
    post, _ = await posts.create_post(api.backend, id=str(uuid.uuid4()), author_id=ada.id,
                                      body="News", now=at)
    assert post is not None
    fan = await make_person(api.backend, name="Ben Fan")
    assert (await likes.like_post(api.backend, post.id, viewer_id=fan.id, now=at + 1))[1]
    comment, _ = await comments.create_comment(api.backend, id=str(uuid.uuid4()), author_id=fan.id,
                                               post_id=post.id, body="Well done", now=at + 2)
    assert comment is not None
    assert len(sink.received) == 0
    shift[0] += 2 * 60_000  # 07:01
    (mail,) = await sink.wait_for(1)  # the running worker found the period and sent the digest
    assert mail.recipients == (ada.email,)
    assert mail.header("Subject") == "Your daily digest: 2 new notifications"
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    path = path_of(mail.header("List-Unsubscribe"))
    assert (await api.http.post(path, data=ONE_CLICK)).status_code == 200
    after = await settings_of(api.backend, ada.id)
    assert (after.emailNotifications, after.emailMessages) == ("NEVER", "IMMEDIATE")
