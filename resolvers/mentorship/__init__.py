"""Mentorship rules: who may request, answer, withdraw, end and see what.

This module holds access and the helpers every part shares; the parts are .connections
(mentorships, meetings, milestones), .committees, .boards and .programs.

Who sees a mentorship: its two parties; *program admins* of its mentee (site admins, and
admins of a program the mentee is in); and, for a committee seat, the other members of that
committee (who see who sits on it, not its private parts). Private parts (goals, messages,
the end reason, milestones, the meeting log) are for parties and program admins; meeting
notes are for the two parties only. Anything a viewer may not see is not found.

Capacity: a mentor's `acceptingMentees` and `menteeCapacity` apply to one-to-one kinds
(PRIMARY, SECONDARY, PEER) and are enforced exactly when a request is accepted
(graph_db.mentorship.connections.ACCEPT); requests check them early only to say so kindly.
"""

from __future__ import annotations

import contextlib
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader

from graph_db.errors import InvalidInput
from graph_db.mentorship import DAY_MS
from graph_db.mentorship import programs as program_repo
from graph_db.mentorship.committees import MAX_SEATS
from graph_db.mentorship.records import MentorshipRecord
from graph_db.profile_fields import clean_line, clean_text
from resolvers.auth import require_viewer
from resolvers.context import Context, Viewer
from resolvers.loaders import or_not_found
from resolvers.pagination import Page

MAX_MESSAGE = 1000
MAX_GOALS = 2000
MAX_REASON = 500
MAX_NOTES = 5000
MAX_TITLE = 200
MAX_NAME = 120
MAX_CADENCE_DAYS = 365
MIN_COMMITTEE, MAX_COMMITTEE = 2, MAX_SEATS
ADVISOR_ROLES = ("RESEARCH", "CLINICAL", "CAREER", "PERSONAL", "OTHER")
PROGRAM_ROLES = ("ADMIN", "MEMBER")
YEAR_MS = 365.25 * DAY_MS
FUTURE_SKEW_MS = DAY_MS  # a meeting logged "today" in another time zone is not in the future


def new_id() -> str:
    return str(uuid.uuid4())


def forget(loader: DataLoader[Any, Any], *keys: str) -> None:
    # strawberry's clear() raises KeyError for a key this request never loaded.
    for key in keys:
        with contextlib.suppress(KeyError):
            loader.clear(key)


def text(
    value: str | None, field: str, limit: int, *, required: bool = False, multiline: bool = True
) -> str | None:
    """Trimmed text of at most `limit` characters without control characters (newlines and
    tabs allowed when multiline); blank is None, or BAD_USER_INPUT when required."""
    cleaned = (clean_text(value) if multiline else clean_line(value)) if value is not None else ""
    if not cleaned:
        if required:
            raise InvalidInput("write something first", field=field)
        return None
    if len(cleaned) > limit:
        raise InvalidInput(f"at most {limit} characters", field=field)
    allowed = "\n\t" if multiline else ""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") and c not in allowed for c in cleaned):
        raise InvalidInput("remove control and formatting characters", field=field)
    return cleaned


def check_cadence(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_CADENCE_DAYS:
        raise InvalidInput(f"a cadence is 1 to {MAX_CADENCE_DAYS} days", field="cadenceDays")
    return days


# -- access -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """How the viewer relates to one mentorship."""

    mentor: bool
    mentee: bool
    admin: bool
    committee: bool

    @property
    def party(self) -> bool:
        return self.mentor or self.mentee

    @property
    def visible(self) -> bool:
        return self.party or self.admin or self.committee

    @property
    def private(self) -> bool:
        """Goals, messages, milestones and the meeting log (not meeting notes)."""
        return self.party or self.admin


def access(ctx: Context, m: MentorshipRecord) -> Access:
    viewer = ctx.viewer
    if viewer is None:
        return Access(False, False, False, False)
    return Access(
        mentor=viewer.id == m.mentorId, mentee=viewer.id == m.menteeId,
        admin=viewer.is_admin or m.viewerIsProgramAdmin, committee=m.viewerOnCommittee,
    )


async def get_mentorship(ctx: Context, mentorship_id: str) -> MentorshipRecord | None:
    """A mentorship the viewer may see, or None."""
    found = await ctx.loaders.mentorship_by_id.load(mentorship_id)
    return found if found is not None and access(ctx, found).visible else None


async def get_mentorships(ctx: Context, ids: Sequence[str]) -> list[MentorshipRecord | None]:
    found = await ctx.loaders.mentorship_by_id.load_many(list(ids))
    return [m if m is not None and access(ctx, m).visible else None for m in found]


async def require_mentorship(ctx: Context, mentorship_id: str, field: str = "id") -> MentorshipRecord:
    require_viewer(ctx)
    return or_not_found(await get_mentorship(ctx, mentorship_id), "mentorship", field)


def private(ctx: Context, m: MentorshipRecord) -> bool:
    """May the viewer see the mentorship's goals, messages, milestones and meetings?"""
    return access(ctx, m).private


def notes_visible(ctx: Context, m: MentorshipRecord) -> bool:
    """Meeting notes: the two parties only."""
    return access(ctx, m).party


async def is_program_admin(ctx: Context, person_id: str) -> bool:
    """Site admin, or admin of a program `person_id` is in."""
    viewer = ctx.viewer
    if viewer is None:
        return False
    if viewer.is_admin:
        return True
    return person_id in await program_repo.administered(ctx.db, viewer.id, [person_id])


async def self_or_program_admin(ctx: Context, person_id: str) -> Viewer | None:
    viewer = ctx.viewer
    if viewer is None:
        return None
    if viewer.id == person_id or await is_program_admin(ctx, person_id):
        return viewer
    return None


def visible_page(ctx: Context, page: Page[MentorshipRecord]) -> Page[MentorshipRecord]:
    kept = [(m, c) for m, c in zip(page.items, page.cursors, strict=True) if access(ctx, m).visible]
    for m, _ in kept:
        ctx.loaders.mentorship_by_id.prime(m.id, m)
    return Page([m for m, _ in kept], [c for _, c in kept], page.has_next, page.has_previous)
