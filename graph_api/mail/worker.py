"""The delivery worker: an asyncio task (one per replica; several may run) draining the outbox.

Each round claims a batch of due entries with a lease (graph_db.outbox.claim), sends them over
one SMTP connection with aiosmtplib, and settles the batch in one statement: SENT, CANCELLED
(the message was deleted), or failed: due again after an exponential backoff with jitter, DEAD
after `max_attempts`, the SMTP error kept. A worker that dies between claim and send leaves
leases that expire; the entries are then claimed again, and each email carries a Message-ID
derived from its entry, so a resend is recognisably the same mail. Each round first schedules
the digests whose period has ended (graph_api.mail.digest); every email carries one-click
List-Unsubscribe headers (graph_api.mail.unsubscribe).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib

from graph_api.mail.compose import MailConfig, compose_message, send_email
from graph_api.mail.digest import DigestConfig, DigestScheduler, compose_digest
from graph_api.mail.unsubscribe import UnsubscribeConfig, add_headers
from graph_db import digests, outbox
from graph_db.backend import Executor
from graph_db.outbox import ClaimedEmailRecord, Outcome
from resolvers.services import epoch_ms

log = logging.getLogger("graph_api.mail")


@dataclass
class DeliveryStats:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    cancelled: int = 0
    lost_leases: int = 0
    errors: list[str] = field(default_factory=list)  # the latest few, newest last


def describe(exc: BaseException) -> str:
    """The SMTP error as kept on the entry: the server's code and text when it answered."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return f"{first.code} {first.message}"[:500]
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]


class DeliveryWorker:
    """Drains the email outbox; `run_once` is one round, `start`/`stop` the background loop."""

    def __init__(
        self, db: Executor, config: MailConfig, *, clock: Callable[[], int] = epoch_ms,
        jitter: Callable[[], float] = random.random, digest: DigestConfig | None = None,
        unsubscribe: UnsubscribeConfig | None = None,
    ) -> None:
        self.db, self.config, self.clock, self.jitter = db, config, clock, jitter
        self.stats = DeliveryStats()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.digests = DigestScheduler(db, digest or DigestConfig(), clock)
        self.unsubscribe = unsubscribe or UnsubscribeConfig()

    def wake(self) -> None:
        """Start a round now (a message was just stored) instead of at the next poll."""
        self._wake.set()

    def backoff_ms(self, attempts: int) -> int:
        """Delay before attempt `attempts + 1`: doubling from retry_ms, capped, jittered to
        between half and all of it (replicas retrying together spread out)."""
        full = min(self.config.retry_ms * 2 ** max(attempts - 1, 0), self.config.retry_max_ms)
        return int(full * (0.5 + self.jitter() / 2))

    async def run_once(self) -> int:
        """Claim one batch of due entries and deliver it; returns how many were claimed."""
        await self.digests.tick()  # digests whose period ended become outbox entries
        owner = uuid.uuid4().hex
        batch = await outbox.claim(
            self.db, owner=owner, now=self.clock(), lease_ms=self.config.lease_ms,
            limit=self.config.batch_size,
        )
        if not batch:
            return 0
        self.stats.claimed += len(batch)
        outcomes = await self._send_all(batch)
        settled = await outbox.settle_many(
            self.db, outcomes, owner=owner, now=self.clock(), max_attempts=self.config.max_attempts
        )
        for outcome in outcomes:
            status = settled.get(outcome.id)
            if status is None:
                self.stats.lost_leases += 1
            elif status == "SENT":
                self.stats.sent += 1
            elif status == "CANCELLED":
                self.stats.cancelled += 1
            else:
                self.stats.failed += 1
                self.stats.dead += status == "DEAD"
                if status == "DEAD":
                    log.warning("email given up", extra={"entry": outcome.id, "error": outcome.error})
        return len(batch)

    async def _send_all(self, batch: list[ClaimedEmailRecord]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        client: aiosmtplib.SMTP | None = None
        try:
            for claimed in batch:
                entry = claimed.entry
                try:
                    email = await self._compose(claimed)
                    if email is None:
                        outcomes.append(Outcome(entry.id, cancel=True))
                        continue
                    if client is None:
                        client = await self._connect()
                    await send_email(client, email)
                except Exception as exc:  # every SMTP or network failure is retried later
                    error = describe(exc)
                    self._remember(error)
                    outcomes.append(Outcome(entry.id, error=error,
                                            retry_at=self.clock() + self.backoff_ms(entry.attempts)))
                    if not isinstance(exc, aiosmtplib.SMTPResponseException) or isinstance(
                        exc, aiosmtplib.SMTPServerDisconnected
                    ):
                        await _close(client)  # the connection is not to be trusted
                        client = None
                else:
                    outcomes.append(Outcome(entry.id, ok=True))
        finally:
            await _close(client)
        return outcomes

    async def _compose(self, claimed: ClaimedEmailRecord) -> EmailMessage | None:
        """The email an entry announces (a message, or a digest: graph_api.mail.digest) with
        its one-click unsubscribe headers; None when there is nothing to send (cancelled)."""
        entry = claimed.entry
        if entry.kind in digests.KINDS:
            email = await compose_digest(self.db, self.config, claimed, now=self.clock())
        elif claimed.deliverable and claimed.recipientEmail:
            email = compose_message(self.config, claimed)
        else:
            return None
        if email is not None:
            add_headers(email, self.unsubscribe, public_url=self.config.public_url,
                        kind=entry.kind, person_id=entry.recipientId, now_ms=self.clock())
        return email

    async def _connect(self) -> aiosmtplib.SMTP:
        config = self.config
        client = aiosmtplib.SMTP(
            hostname=config.host, port=config.port, timeout=config.timeout_seconds,
            use_tls=config.security == "tls", start_tls=config.security == "starttls",
            username=config.username, password=config.password,
        )
        await client.connect()
        return client

    def _remember(self, error: str) -> None:
        self.stats.errors = [*self.stats.errors[-9:], error]

    async def run(self) -> None:
        """Rounds until cancelled: straight on while batches come full, else wait for a wake
        or the poll interval."""
        while not self._stopping:
            try:
                claimed = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down or failing: try again later
                log.warning("email delivery round failed", exc_info=True)
                claimed = 0
            if claimed >= self.config.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.poll_seconds)
            self._wake.clear()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="email-delivery")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            # The flag and the wake-up end the loop even when the cancellation is lost (on
            # 3.11 asyncio.wait_for, here and in aiosmtplib, drops one that arrives as its
            # answer does): stop() then no longer waits for ever.
            # A lost cancellation is sent again each second until the task has ended.
            self._stopping = True
            self._wake.set()
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=1)
            if not task.cancelled() and task.exception() is not None:
                log.error("email delivery stopped with an error", exc_info=task.exception())


async def _close(client: aiosmtplib.SMTP | None) -> None:
    if client is not None and client.is_connected:
        with contextlib.suppress(Exception):
            await client.quit()
    if client is not None and client.is_connected:
        client.close()
