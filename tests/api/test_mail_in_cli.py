"""`graph-api mail-in`: one reply on stdin, as an MTA's pipe transport delivers it, run as a
real subprocess against the engine under test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage

import pytest

from graph_api.mail.addresses import make_token, reply_key
from graph_db import messages, outbox
from graph_db.backend import Backend
from graph_db.falkordb import FalkorDBBackend
from tests.conftest import fresh_graph
from tests.factories import make_person

DOMAIN = "reply.mentors.example"
SECRET = "mail-in-" + "k" * 32
QUOTED = ("Tuesday works.\n\n-- \nBen\n\n"
          "On Mon, Dec 1, 2026 at 9:00 AM Ada <ada@example.org> wrote:\n> Shall we meet?\n")


def mail_in(env: dict[str, str], mail: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "mail-in", *args], input=mail,
        capture_output=True, timeout=120,
        env={**os.environ, "GRAPH_API_ENV": "test", "GRAPH_API_JWT_SECRET": SECRET,
             "GRAPH_API_SMTP_REPLY_DOMAIN": DOMAIN, "GRAPH_API_SMTP_INBOUND_MAX_BYTES": "20000",
             **env},
    )


def engine_env(request: pytest.FixtureRequest, backend: Backend) -> dict[str, str]:
    """Settings that point a separate process at the graph this test uses."""
    if isinstance(backend, FalkorDBBackend):
        server = request.getfixturevalue("falkordb_server")
        return {"GRAPH_API_FALKORDB_URL": f"unix://{server.unix_socket}",
                "GRAPH_API_FALKORDB_GRAPH": backend.graph}
    return {"GRAPH_API_NEO4J_URI": request.getfixturevalue("neo4j_process").uri}


def reply(sender: str, to: str, text: str) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, "Re: Message from Ada"
    mail.set_content(text)
    return bytes(mail)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_mail_in_posts_a_good_reply_and_refuses_forgeries(
    pool: Backend, request: pytest.FixtureRequest
) -> None:
    async with fresh_graph(pool) as db:
        env = engine_env(request, db)
        now = int(time.time() * 1000)
        ada = await make_person(db, name="Ada Lovelace")
        ben = await make_person(db, name="Ben Okafor")
        eve = await make_person(db)
        sent = await messages.send_direct(
            db, sender=ada.id, recipient=ben.id, conversation_id=str(uuid.uuid4()),
            message_id=str(uuid.uuid4()), body="Shall we meet?", mentions=[], links=[], now=now,
            since=now - 86_400_000, budget=50,
        )
        assert sent is not None
        conversation = sent.message.conversationId
        token = make_token(reply_key(SECRET), conversation, ben.id, now_ms=now, days=90)
        address = f"{token}@{DOMAIN}"

        async def state() -> tuple[list[tuple[str, str]], dict[str, int]]:
            listed = await messages.list_messages(db, ada.id, conversation, limit=10)
            return [(m.senderId, m.body) for m in listed], await outbox.count_by_status(db)

        before = await state()
        forged = ("b" if token[10] != "b" else "c").join((token[:10], token[11:]))
        refusals = [
            (reply(ben.email, f"{forged}@{DOMAIN}", "forged"),
             ["--sender", ben.email, "--recipient", f"{forged}@{DOMAIN}"], 67, "forged or expired"),
            (reply(eve.email, address, "not my address"),
             ["--sender", eve.email, "--recipient", address], 67, "not the member"),
            (reply(ben.email, address, "x" * 30_000),
             ["--sender", ben.email, "--recipient", address], 65, "too large"),
            (b"\r\n\r\n", ["--recipient", address], 65, "no headers"),
        ]
        for mail, args, code, reason in refusals:
            refused = mail_in(env, mail, *args)
            line = refused.stderr.decode()
            assert refused.returncode == code, line
            assert reason in line and line.count("\n") == 1 and "Traceback" not in line, line
        assert await state() == before  # nothing posted, nothing queued

        # The envelope from Postfix's local delivery (SENDER, ORIGINAL_RECIPIENT) works too.
        posted = mail_in({**env, "SENDER": ben.email, "ORIGINAL_RECIPIENT": address},
                         reply(ben.email, address, QUOTED))
        assert posted.returncode == 0, posted.stderr.decode()
        bodies, queued = await state()
        assert bodies == [(ben.id, "Tuesday works."), (ada.id, "Shall we meet?")]
        assert sum(queued.values()) >= sum(before[1].values())


def test_mail_in_asks_the_mta_to_retry_while_the_database_is_down() -> None:
    down = {"GRAPH_API_FALKORDB_URL": f"redis://127.0.0.1:{free_port()}"}
    token = make_token(reply_key(SECRET), str(uuid.uuid4()), str(uuid.uuid4()),
                       now_ms=int(time.time() * 1000), days=1)
    result = mail_in(down, reply("ben@example.org", f"{token}@{DOMAIN}", "hello"),
                     "--sender", "ben@example.org")
    assert result.returncode == 75, result.stderr
    assert b"unavailable" in result.stderr and b"Traceback" not in result.stderr
    assert result.stderr.count(b"\n") == 1
