"""iCalendar files for speed-mentoring registrations: the event's time zone, the status, and
signed tokens that name exactly one registration."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from graph_db.backend import Backend
from graph_db.programs import speed_events
from resolvers.programs import calendar
from tests.factories import make_person
from tests.graph_db.test_programs_speed_events import NOW, make_event

SECRET = "calendar-test-secret-" + "x" * 20


def parsed(data: bytes) -> dict[str, object]:
    (entry,) = Calendar.from_ical(data).walk("VEVENT")
    return {k: entry.get(k) for k in ("dtstart", "dtend", "status", "summary", "location", "uid")}


async def test_files_keep_the_time_zone_and_the_status(db: Backend) -> None:
    event = await make_event(db, participants=1)
    first, second = await make_person(db), await make_person(db)
    for p in (first, second):
        await speed_events.register(db, event.id, p.id, role="PARTICIPANT", now=NOW)

    data = await calendar.calendar_file(db, SECRET, calendar.sign(SECRET, event.id, first.id), now=NOW)
    assert data is not None and data.startswith(b"BEGIN:VCALENDAR")
    entry = parsed(data)
    start = entry["dtstart"].dt  # type: ignore[attr-defined]
    assert str(start.tzinfo) == "America/New_York"
    assert start.astimezone(UTC) == datetime.fromtimestamp(event.startsAt / 1000, tz=UTC)
    assert b"TZID=America/New_York" in data
    shown = (entry["status"], entry["summary"], entry["location"])
    assert shown == ("CONFIRMED", "Speed mentoring", "Room 1")

    waiting = await calendar.calendar_file(db, SECRET, calendar.sign(SECRET, event.id, second.id), now=NOW)
    assert waiting is not None and parsed(waiting)["status"] == "TENTATIVE"
    await speed_events.cancel_event(db, event.id, now=NOW)
    cancelled = await calendar.calendar_file(db, SECRET, calendar.sign(SECRET, event.id, first.id), now=NOW)
    assert cancelled is not None and parsed(cancelled)["status"] == "CANCELLED"


async def test_tokens_name_one_registration_and_cannot_be_forged(db: Backend) -> None:
    event = await make_event(db)
    member, stranger = await make_person(db), await make_person(db)
    await speed_events.register(db, event.id, member.id, role="LEADER", now=NOW)
    token = calendar.sign(SECRET, event.id, member.id)
    assert calendar.verify(SECRET, token) == (event.id, member.id)
    assert calendar.verify("another-secret-" + "y" * 30, token) is None
    payload, _, mac = token.partition(".")
    forged = calendar.sign("guess", event.id, stranger.id).partition(".")[0] + "." + mac
    assert calendar.verify(SECRET, forged) is None
    for bad in ("", ".", "abc", payload, token + "0"):
        assert calendar.verify(SECRET, bad) is None
    unregistered = calendar.sign(SECRET, event.id, stranger.id)
    assert await calendar.calendar_file(db, SECRET, unregistered, now=NOW) is None
