"""Digests: the delivery worker gathers each member's unread notifications and (for DIGEST
members) messages into one email per period, at the member's local hour, to a real SMTP server
(aiosmtpd) on 127.0.0.1, with a controllable clock."""

from __future__ import annotations

import asyncio
import uuid

from graph_api.mail import DeliveryWorker, MailConfig
from graph_api.mail.digest import DigestConfig, DigestScheduler, periods, schedule
from graph_api.mail.sink import SmtpSink
from graph_api.mail.unsubscribe import UnsubscribeConfig, read_token, unsubscribe_key
from graph_db import comments, digests, likes, messages, notifications, outbox, posts
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from tests.factories import make_person

NOW = 1_800_000_000_000  # Friday 2027-01-15 08:00 UTC
HOUR = 3_600_000
DAY = 24 * HOUR
KEY = unsubscribe_key("digest-test-secret")
DIGESTS = DigestConfig(hour=7, weekday=0, check_ms=60_000)


class Clock:
    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def worker_for(db: Backend, port: int, clock: Clock) -> DeliveryWorker:
    config = MailConfig(host="127.0.0.1", port=port, sender="Network <mail@mentors.example>",
                        retry_ms=1_000, lease_ms=10_000, batch_size=20, timeout_seconds=5,
                        public_url="https://mentors.example")
    return DeliveryWorker(db, config, clock=clock, jitter=lambda: 1.0, digest=DIGESTS,
                          unsubscribe=UnsubscribeConfig(key=KEY))


async def drain(worker: DeliveryWorker, rounds: int = 10) -> None:
    for _ in range(rounds):
        if await worker.run_once() == 0:
            return


async def post_by(db: Backend, author: PersonRecord, now: int) -> str:
    post, _ = await posts.create_post(db, id=str(uuid.uuid4()), author_id=author.id,
                                      body="Our grant came through", now=now)
    assert post is not None
    return post.id


async def a_busy_day(db: Backend, author: PersonRecord, at: int) -> None:
    """Two likes and a comment on the author's new post, all at about `at`."""
    liker, other, commenter = [await make_person(db, name=n) for n in ("Ben Liker", "Cy", "Dee Writer")]
    post_id = await post_by(db, author, at)
    for i, person in enumerate((liker, other)):
        liked, notified = await likes.like_post(db, post_id, viewer_id=person.id, now=at + i)
        assert liked is not None and liked.engagement.likes == i + 1 and notified
    comment, notified = await comments.create_comment(
        db, id=str(uuid.uuid4()), author_id=commenter.id, post_id=post_id,
        body="Congratulations <b>all</b>!", now=at + 5,
    )
    assert comment is not None and notified


async def send(db: Backend, sender: PersonRecord, recipient: PersonRecord, body: str, now: int) -> None:
    sent = await messages.send_direct(
        db, sender=sender.id, recipient=recipient.id, conversation_id=str(uuid.uuid4()),
        message_id=str(uuid.uuid4()), body=body, mentions=[], links=[], now=now,
        since=now - DAY, budget=50,
    )
    assert sent is not None


async def test_a_digest_gathers_a_days_notifications(db: Backend, sink: SmtpSink) -> None:
    ada = await make_person(db, name="Ada Lovelace")
    await a_busy_day(db, ada, NOW - 3 * HOUR)  # 05:00 UTC: in the day that ended at 07:00
    clock = Clock()
    worker = worker_for(db, sink.port, clock)
    await drain(worker)
    (mail,) = list(sink.received)
    assert mail.recipients == (ada.email,)
    assert mail.header("Subject") == "Your daily digest: 2 new notifications"
    text = mail.text()
    assert "Ben Liker and 1 other liked your post" in text or "Cy and 1 other liked your post" in text
    assert "Dee Writer commented on your post" in text
    assert "https://mentors.example/notifications" in text
    assert "liked your post" in mail.html() and "<script" not in mail.html()
    (entry,) = await outbox.list_entries(db, limit=5)
    assert entry.id == digests.entry_id(digests.NOTIFICATION_DIGEST, ada.id, "D2027-01-15")
    assert entry.status == "SENT" and mail.header("Message-ID") == (
        f"<outbox.{entry.id.replace(':', '.')}@mentors.example>"
    )
    # One-click unsubscribe headers, naming the notification digest of this member.
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    link = mail.header("List-Unsubscribe")
    assert link.startswith("<https://mentors.example/mail/unsubscribe/") and link.endswith(">")
    token = read_token(KEY, link[1:-1].rsplit("/", 1)[1])
    assert token is not None and (token.scope, token.person_id) == ("notifications", ada.id)
    # Later rounds the same day send nothing more.
    clock.now += 5 * HOUR
    await drain(worker)
    assert len(sink.received) == 1


async def test_digest_members_get_no_immediate_email_and_one_digest(
    db: Backend, sink: SmtpSink
) -> None:
    ada, ben = await make_person(db, name="Ada Lovelace"), await make_person(db, name="Ben")
    clock = Clock(NOW - 4 * HOUR)
    worker = worker_for(db, sink.port, clock)
    await send(db, ada, ben, "emailed at once", clock.now)  # ben still IMMEDIATE
    await drain(worker)
    assert [m.text().splitlines()[2] for m in sink.received] == ["emailed at once"]
    await messages.update_settings(db, ben.id, policy=None, email="DIGEST")
    await send(db, ada, ben, "first <i>unread</i>", clock.now + 1)
    await send(db, ada, ben, "second unread", clock.now + 2)
    await drain(worker)
    assert len(sink.received) == 1  # no immediate email for a DIGEST member
    clock.now = NOW
    await drain(worker)
    assert len(sink.received) == 2
    digest = sink.received[1]
    assert digest.header("Subject") == "2 unread messages on the mentoring network"
    text = digest.text()
    assert "first <i>unread</i>" in text and "second unread" in text
    assert "emailed at once" not in text  # it had its email
    assert "first &lt;i&gt;unread&lt;/i&gt;" in digest.html()
    token = read_token(KEY, digest.header("List-Unsubscribe")[1:-1].rsplit("/", 1)[1])
    assert token is not None and token.scope == "messages"
    counts = await outbox.count_by_status(db)
    assert counts == {"SENT": 2}


async def test_exactly_one_digest_per_period_with_concurrent_workers(
    db: Backend, sink: SmtpSink
) -> None:
    ada = await make_person(db, name="Ada Lovelace")
    await a_busy_day(db, ada, NOW - 3 * HOUR)
    clock = Clock()
    workers = [worker_for(db, sink.port, clock) for _ in range(3)]
    made = await asyncio.gather(*(schedule(db, DIGESTS, now=clock.now) for _ in range(4)))
    assert sorted(made) == [0, 0, 0, 1]  # each period is scheduled once, by one of them
    await asyncio.gather(*(w.run_once() for w in workers))
    await asyncio.gather(*(drain(w) for w in workers))
    assert await schedule(db, DIGESTS, now=clock.now) == 0  # again, after it was sent
    clock.now += 20_000  # past every lease
    await asyncio.gather(*(drain(w) for w in workers))
    assert [m.recipients for m in sink.received] == [(ada.email,)]
    assert await outbox.count_by_status(db) == {"SENT": 1}


async def test_the_local_hour_is_honoured_in_each_time_zone(db: Backend, sink: SmtpSink) -> None:
    london = await make_person(db, name="In London")  # UTC in January
    york = await make_person(db, name="In New York")
    await messages.update_settings(db, york.id, policy=None, email=None, time_zone="America/New_York")
    await a_busy_day(db, london, NOW - 3 * HOUR)  # 05:00 UTC, 00:00 in New York
    await a_busy_day(db, york, NOW - 3 * HOUR)
    clock = Clock()  # 08:00 UTC, 03:00 in New York
    worker = worker_for(db, sink.port, clock)
    await drain(worker)
    assert [m.recipients for m in sink.received] == [(london.email,)]
    clock.now = NOW + 4 * HOUR - 60_000  # 06:59 in New York
    await drain(worker)
    assert len(sink.received) == 1
    clock.now = NOW + 4 * HOUR  # 07:00 in New York
    await drain(worker)
    assert [m.recipients for m in sink.received] == [(london.email,), (york.email,)]
    york_entry = digests.entry_id(digests.NOTIFICATION_DIGEST, york.id, "D2027-01-15")
    assert {e.id for e in await outbox.list_entries(db, status="SENT", limit=5)} == {
        digests.entry_id(digests.NOTIFICATION_DIGEST, london.id, "D2027-01-15"), york_entry,
    }


def test_periods_follow_the_local_calendar() -> None:
    day, week = periods("America/New_York", NOW, hour=7, weekday=0)
    assert (day.key, day.end) == ("D2027-01-14", NOW - 20 * HOUR)  # 07:00 EST
    assert day.end - day.start == DAY
    assert week.key == "W2027-01-11" and week.end - week.start == 7 * DAY
    # Across the spring DST change (2027-03-14 in New York) a day is 23 hours.
    march = periods("America/New_York", NOW + 59 * DAY, hour=7, weekday=0)[0]
    assert march.key == "D2027-03-14" and march.end - march.start == 23 * HOUR


async def test_a_clock_set_back_checks_its_quarter_again(db: Backend) -> None:
    # The scheduler checks each quarter hour once; a clock set back to before the digest hour
    # and forward into the quarter checked before must look again (the activity it finds was
    # written meanwhile, in the day that ends at 07:00).
    clock = Clock(NOW - 55 * 60_000)  # 07:05
    scheduler = DigestScheduler(db, DIGESTS, clock)
    assert await scheduler.tick() == 0  # the day that ended at 07:00 has nothing yet
    clock.now = NOW - 61 * 60_000  # 06:59
    ada = await make_person(db, name="Ada Lovelace")
    await a_busy_day(db, ada, NOW - 2 * HOUR)  # (no tick at 06:59: the worker may sleep)
    clock.now = NOW - 59 * 60_000  # 07:01: the quarter checked at 07:05
    assert await scheduler.tick() == 1
    clock.now += DIGESTS.check_ms
    assert await scheduler.tick() == 0  # checked: nothing can end before 07:15


async def test_nothing_to_tell_sends_nothing(db: Backend, sink: SmtpSink) -> None:
    quiet = await make_person(db)  # no activity at all
    reader = await make_person(db)  # read everything before the hour
    late = await make_person(db)  # read everything after the digest was scheduled
    await a_busy_day(db, reader, NOW - 3 * HOUR)
    await a_busy_day(db, late, NOW - 3 * HOUR)
    await notifications.mark_read(db, reader.id, ids=None, now=NOW - 2 * HOUR)
    clock = Clock()
    worker = worker_for(db, sink.port, clock)
    assert await schedule(db, DIGESTS, now=clock.now) == 1  # only `late` has something
    await notifications.mark_read(db, late.id, ids=None, now=NOW)
    await drain(worker)
    assert len(sink.received) == 0
    assert await outbox.count_by_status(db) == {"CANCELLED": 1}
    assert quiet.id not in {e.recipientId for e in await outbox.list_entries(db, limit=10)}


async def test_never_sends_nothing_and_weekly_waits_for_its_day(db: Backend, sink: SmtpSink) -> None:
    never = await make_person(db)
    weekly = await make_person(db)
    await messages.update_settings(db, never.id, policy=None, email="NEVER", notifications="NEVER")
    await messages.update_settings(db, weekly.id, policy=None, email=None, notifications="WEEKLY")
    ada = await make_person(db)
    await a_busy_day(db, never, NOW - 3 * HOUR)
    await a_busy_day(db, weekly, NOW - 3 * HOUR)
    await send(db, ada, never, "no email for this", NOW - 3 * HOUR)
    clock = Clock()
    worker = worker_for(db, sink.port, clock)
    await drain(worker)
    assert len(sink.received) == 0  # Friday: the week ends on Monday
    clock.now = NOW + 3 * DAY  # Monday 08:00 UTC
    await drain(worker)
    (mail,) = list(sink.received)
    assert mail.recipients == (weekly.email,)
    assert mail.header("Subject") == "Your weekly digest: 2 new notifications"
    assert await outbox.count_by_status(db) == {"SENT": 1}
