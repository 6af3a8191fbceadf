"""iCalendar files for speed-mentoring registrations, and the signed tokens that name one.

A token is `<payload>.<mac>`: the payload the (event id, person id) pair in URL-safe base64,
the mac an HMAC-SHA256 of the payload under a key derived from the service's secret, so a
link can be handed to a calendar application (which cannot sign in) without exposing any
other registration. The file's times carry the event's own time zone (TZID) and UTC.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from graph_db.backend import Executor
from graph_db.programs import speed_events as repo
from graph_db.programs.records import RegistrationRecord, SpeedEventRecord

PRODID = "-//graph-api//speed mentoring//EN"


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"speed-mentoring-calendar", hashlib.sha256).digest()


def sign(secret: str, event_id: str, person_id: str) -> str:
    """The token naming one member's registration for one event."""
    payload = base64.urlsafe_b64encode(json.dumps([event_id, person_id]).encode()).decode().rstrip("=")
    mac = hmac.new(_key(secret), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def verify(secret: str, token: str) -> tuple[str, str] | None:
    """(event id, person id) from a token this service signed; None for anything else."""
    payload, _, mac = token.partition(".")
    expected = hmac.new(_key(secret), payload.encode(), hashlib.sha256).hexdigest()
    if not mac or not hmac.compare_digest(mac, expected):
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        return None
    return value[0], value[1]


def _local(ms: int, zone: str) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).astimezone(ZoneInfo(zone))


def ics(event: SpeedEventRecord, registration: RegistrationRecord, *, now: int) -> bytes:
    """The registration as an iCalendar file (one VEVENT, in the event's time zone)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = Event()
    entry.add("uid", f"{event.id}.{registration.personId}@speed-mentoring")
    entry.add("dtstamp", datetime.fromtimestamp(now / 1000, tz=UTC))
    entry.add("dtstart", _local(event.startsAt, event.timeZone))
    entry.add("dtend", _local(event.endsAt, event.timeZone))
    entry.add("summary", event.title)
    role = "mentor leader" if registration.role == "LEADER" else "participant"
    waiting = registration.status == "WAITLISTED"
    place = f"Waitlisted (number {registration.waitlistPosition})" if waiting else "Confirmed"
    about = f"\n\n{event.description}" if event.description else ""
    entry.add("description", f"{place}, as {role}.{about}")
    if event.location:
        entry.add("location", event.location)
    if event.link:
        entry.add("url", event.link)
    if event.status == "CANCELLED":
        entry.add("status", "CANCELLED")
    else:
        entry.add("status", "CONFIRMED" if registration.status == "CONFIRMED" else "TENTATIVE")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())


CALENDAR_PATH = "/calendar/speed-mentoring/"


def calendar_url(public_url: str, secret: str, event_id: str, person_id: str) -> str:
    """The link a calendar application subscribes to (no sign-in: the token is the key)."""
    return f"{public_url.rstrip('/')}{CALENDAR_PATH}{sign(secret, event_id, person_id)}.ics"


async def calendar_file(db: Executor, secret: str, token: str, *, now: int) -> bytes | None:
    """The file a signed token names (None: bad token, or no longer registered)."""
    found = verify(secret, token)
    if found is None:
        return None
    event_id, person_id = found
    (event,) = await repo.get_many(db, [event_id])
    (registration,) = await repo.get_registrations(db, person_id, [event_id])
    if event is None or registration is None:
        return None
    return ics(event, registration, now=now)
