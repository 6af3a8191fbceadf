"""Digests in the delivery worker: when each time zone's period ends, and how a digest reads.

Every `check_ms` a worker works out, for each time zone its members use, the latest daily
period that has ended (at `hour` local time) and the latest weekly one (ending on `weekday`
at that hour), and schedules their digests (graph_db.digests: one outbox
entry per member, kind and period, whatever the number of workers). The entries are then
claimed like any other; `compose_digest` reads what each still has to say and renders it, or
returns None (nothing left to tell, or the member switched the digest off): cancelled.

A worker down for longer than a period only catches up on the latest one.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate

from graph_api.config import Settings
from graph_api.mail.compose import TEMPLATES, MailConfig, build_email, mailbox, message_id
from graph_db import digests
from graph_db.backend import Executor
from graph_db.digests import DigestContent, Period
from graph_db.outbox import ClaimedEmailRecord
from schema.base import to_global_id

log = logging.getLogger("graph_api.mail.digest")

EXCERPT = 280  # characters of a message shown in a digest

# How a notification reads in a digest; {who} is its newest actor, "and N others" added.
SENTENCES: dict[str, str] = {
    "LIKE_POST": "{who} liked your post", "LIKE_COMMENT": "{who} liked your comment",
    "COMMENT": "{who} commented on your post", "REPLY": "{who} replied to your comment",
    "MENTION": "{who} mentioned you", "FOLLOW": "{who} followed you",
    "CONNECTION_REQUEST": "{who} asked to connect with you",
    "CONNECTION_ACCEPTED": "{who} accepted your connection request",
    "JOIN_REQUEST": "{who} asked to join your group",
    "JOIN_APPROVED": "{who} approved your request to join a group",
    "GROUP_INVITE": "{who} invited you to a group", "THREAD_REPLY": "{who} replied in a thread",
    "LIKE_THREAD": "{who} liked your thread",
    "MENTORSHIP_REQUESTED": "{who} asked you for a mentorship",
    "MENTORSHIP_ACCEPTED": "{who} accepted your mentorship request",
    "MENTORSHIP_DECLINED": "{who} declined your mentorship request",
    "MENTORSHIP_WITHDRAWN": "{who} withdrew a mentorship request",
    "MENTORSHIP_ENDED": "{who} ended a mentorship with you",
    "COMMITTEE_INVITATION": "{who} invited you to a mentoring committee",
    "COMMITTEE_DISSOLVED": "{who} dissolved a mentoring committee",
    "EVENT_SEAT_CONFIRMED": "{who} confirmed your seat at a speed-mentoring event",
    "EVENT_CANCELLED": "{who} cancelled a speed-mentoring event",
    "MEETING_REMINDER": "A mentoring meeting with {who} is coming up",
    "SURVEY_DUE": "A program survey is due ({who})",
    "AWARD_NOMINATION": "{who} nominated you for a mentoring award",
    "AWARD_WON": "You won a mentoring award ({who})",
}


@dataclass(frozen=True)
class DigestConfig:
    """Digests go out at `hour` local time, the weekly one on `weekday` (0 = Monday); a worker
    looks for periods that ended every `check_ms`."""

    hour: int = 7
    weekday: int = 0
    check_ms: int = 60_000

    @classmethod
    def from_settings(cls, settings: Settings) -> DigestConfig:
        return cls(hour=settings.smtp_digest_hour, weekday=settings.smtp_digest_weekday,
                   check_ms=int(settings.smtp_digest_check_seconds * 1000))


def _at(day: date, hour: int, zone: zoneinfo.ZoneInfo) -> int:
    return int(datetime.combine(day, time(hour), tzinfo=zone).timestamp() * 1000)


def periods(zone_name: str, now_ms: int, *, hour: int, weekday: int) -> tuple[Period, Period]:
    """The latest daily and weekly periods of a time zone that have ended by `now_ms`: each
    ends at `hour` local time (the weekly one on `weekday`, 0 = Monday) and starts one day,
    or seven, of local dates before (so 23 or 25 hours across a DST change)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    local = datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(zone)
    day = local.date()
    if _at(day, hour, zone) > now_ms:
        day -= timedelta(days=1)
    daily = Period(zone_name, f"D{day.isoformat()}", _at(day - timedelta(days=1), hour, zone),
                   _at(day, hour, zone), "DAILY")
    week_day = day - timedelta(days=(day.weekday() - weekday) % 7)
    weekly = Period(zone_name, f"W{week_day.isoformat()}",
                    _at(week_day - timedelta(days=7), hour, zone), _at(week_day, hour, zone),
                    "WEEKLY")
    return daily, weekly


async def schedule(db: Executor, config: DigestConfig, *, now: int) -> int:
    """Schedule every digest whose period has ended (idempotent); returns the entries the
    latest periods have."""
    daily: list[Period] = []
    weekly: list[Period] = []
    for zone in await digests.list_zones(db):
        try:
            day, week = periods(zone, now, hour=config.hour, weekday=config.weekday)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            log.warning("unknown time zone stored", extra={"zone": zone})
            continue
        daily.append(day)
        weekly.append(week)
    made = await digests.schedule_message_digests(db, daily, now=now)
    return made + await digests.schedule_notification_digests(db, daily + weekly, now=now)


QUARTER_HOUR_MS = 15 * 60_000


class DigestScheduler:
    """Schedules digests at most every `check_ms` and once per quarter hour (each worker
    keeps its own pace; graph_db.digests schedules each period once whoever asks)."""

    def __init__(self, db: Executor, config: DigestConfig, clock: Callable[[], int]) -> None:
        self.db, self.config, self.clock = db, config, clock
        self._last: int | None = None
        self._done_slot: int | None = None

    async def tick(self) -> int:
        now = self.clock()
        if self._last is not None and 0 <= now - self._last < self.config.check_ms:
            return 0
        if self._last is not None and now < self._last:
            # A clock set back (a test's, an operator's) may return to the quarter checked
            # before with periods ending since: the quarter must be checked again.
            self._done_slot = None
        self._last = now
        # Every zone is a whole number of quarter hours from UTC, so periods end on quarter
        # hours: once a quarter's check has succeeded, nothing more can end until the next.
        slot = now // QUARTER_HOUR_MS
        if slot == self._done_slot:
            return 0
        try:
            made = await schedule(self.db, self.config, now=now)
        except Exception:  # the round still delivers what is due; the next tick tries again
            log.warning("digest scheduling failed", exc_info=True)
            return 0
        self._done_slot = slot
        return made


def _local(ms: int, zone: str) -> str:
    try:
        tz: zoneinfo.ZoneInfo | None = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = None
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return (moment.astimezone(tz) if tz else moment).strftime("%a %d %b, %H:%M")


def _who(name: str, count: int) -> str:
    others = count - 1
    if others <= 0:
        return name
    return f"{name} and {others} other{'s' if others > 1 else ''}"


def _values(config: MailConfig, content: DigestContent, name: str) -> dict[str, object]:
    base = config.public_url
    items: list[dict[str, str]] = []
    if content.kind == digests.MESSAGE_DIGEST:
        for m in content.messages:
            where = (f" in {m.conversationName}" if m.conversationKind == "GROUP" and m.conversationName
                     else "")
            body = m.body if len(m.body) <= EXCERPT else m.body[:EXCERPT].rstrip() + "…"
            items.append({
                "title": f"{m.senderName or 'A member'}{where}", "text": body,
                "when": _local(m.createdAt, content.timeZone),
                "link": f"{base}/conversations/{to_global_id('Conversation', m.conversationId)}",
            })
        noun = "message" if content.total == 1 else "messages"
        subject = f"{content.total} unread {noun} on the mentoring network"
        intro = f"You have {content.total} unread {noun} from the last day."
        settings_link = f"{base}/settings/messages"
        why = "You receive this because you chose a daily digest of your messages."
    else:
        for n in content.notifications:
            sentence = SENTENCES.get(n.kind, "New activity from {who}")
            items.append({
                "title": sentence.format(who=_who(n.actorName or "A member", n.count)), "text": "",
                "when": _local(n.updatedAt, content.timeZone), "link": f"{base}/notifications",
            })
        days = round((content.periodEnd - content.periodStart) / 86_400_000)
        cadence = "weekly" if days > 1 else "daily"
        noun = "notification" if content.total == 1 else "notifications"
        subject = f"Your {cadence} digest: {content.total} new {noun}"
        intro = f"Here is what happened on the mentoring network {'this week' if days > 1 else 'today'}."
        settings_link = f"{base}/settings/notifications"
        why = f"You receive this because your notifications digest is {cadence}."
    return {
        "name": name, "subject": subject, "intro": intro, "items": items,
        "more": max(content.total - len(items), 0), "more_link": items[0]["link"] if items else base,
        "settings_link": settings_link, "why": why,
    }


async def compose_digest(
    db: Executor, config: MailConfig, claimed: ClaimedEmailRecord, *, now: int
) -> EmailMessage | None:
    """The digest a claimed entry announces, as it stands now; None when there is nothing to
    send (nothing unread left in its period, the digest switched off, the member gone)."""
    entry = claimed.entry
    content = await digests.gather(db, entry.id)
    if content is None or not content.wanted or content.total == 0 or not claimed.recipientEmail:
        return None
    values = _values(config, content, claimed.recipientName or "")
    headers = [
        ("Subject", str(values["subject"])),
        ("From", config.sender),
        ("To", mailbox(claimed.recipientName or "", claimed.recipientEmail)),
        ("Date", formatdate(now / 1000, usegmt=True)),
        ("Message-ID", message_id(config, entry.id)),
        ("Auto-Submitted", "auto-generated"),
    ]
    return build_email(headers, TEMPLATES.get_template("digest.txt").render(values),
                       TEMPLATES.get_template("digest.html").render(values))
