"""A local SMTP sink (aiosmtpd) that keeps what it receives in memory: `make run` points the
delivery worker at it and serves the list at /dev/mailbox, so a newcomer sees the emails a
message produced without any mail server. Tests use it as their real SMTP server."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import functools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


class SmtpServer:
    """An aiosmtpd server on this event loop that closes its open sessions when stopped
    (asyncio's Server.wait_closed waits for every connection, and a client that stopped
    talking would otherwise hold the shutdown for the session timeout)."""

    def __init__(self, factory: Callable[[], SMTP]) -> None:
        self._factory = factory
        self._sessions: set[SMTP] = set()
        self._server: asyncio.Server | None = None
        self.port = 0

    def _session(self) -> SMTP:
        session = self._factory()
        self._sessions.add(session)
        return session

    async def start(self, host: str, port: int) -> int:
        self._server = await asyncio.get_running_loop().create_server(self._session, host, port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for session in self._sessions:
            if session.transport is not None:
                session.transport.close()
        self._sessions.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 5)


@dataclass(frozen=True)
class ReceivedMail:
    sender: str
    recipients: tuple[str, ...]
    raw: bytes

    @functools.cached_property
    def message(self) -> EmailMessage:
        """The mail, parsed when first looked at (the sink itself only stores bytes)."""
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def header(self, name: str) -> str:
        return str(self.message.get(name, "")).strip()

    def text(self) -> str:
        """The plain-text body."""
        part = self.message.get_body(preferencelist=("plain",))
        return "" if part is None else str(part.get_content())

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return "" if part is None else str(part.get_content())

    def summary(self) -> dict[str, Any]:
        return {
            "from": self.header("From"), "to": list(self.recipients), "subject": self.header("Subject"),
            "date": self.header("Date"), "messageId": self.header("Message-ID"),
            "inReplyTo": self.header("In-Reply-To"), "replyTo": self.header("Reply-To"),
            "listUnsubscribe": self.header("List-Unsubscribe"), "text": self.text(),
        }


class SmtpSink:
    """An SMTP server on this event loop keeping the latest `keep` mails. `refuse` (e.g.
    "554 5.7.1 rejected") makes it answer every DATA with that reply instead."""

    def __init__(self, keep: int = 500) -> None:
        self.received: deque[ReceivedMail] = deque(maxlen=keep)
        self.refuse: str | None = None
        self.arrived = asyncio.Condition()
        self._server = SmtpServer(lambda: SMTP(self, hostname="sink.localhost", ident="graph-api sink"))
        self.port = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse:
            return self.refuse
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        self.received.append(ReceivedMail(
            str(envelope.mail_from), tuple(str(r) for r in envelope.rcpt_tos), data
        ))
        async with self.arrived:
            self.arrived.notify_all()
        return "250 OK"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self.port = await self._server.start(host, port)
        return self.port

    async def stop(self) -> None:
        await self._server.stop()

    async def wait_for(self, count: int) -> list[ReceivedMail]:
        """Wait (bounded: 30 s) until at least `count` mails have arrived; return them all."""
        async with asyncio.timeout(30), self.arrived:
            await self.arrived.wait_for(lambda: len(self.received) >= count)
        return list(self.received)
