"""Program cohorts: enrolment of pairs, the cadence rule, the per-pair report, CSV export
and meeting reminders. Everything here is for site admins and the program's admins.

The cadence is data: steps `{"untilMonth": m, "everyDays": d}` read in order, the first
whose `untilMonth` is still ahead (or null: for ever) giving the interval, e.g. monthly for
the first 3 months, then every 2 months: `[{"untilMonth": 3, "everyDays": 30},
{"untilMonth": null, "everyDays": 60}]`. A pair's next meeting is due one interval after
its last logged meeting (or its enrolment); it is DUE within a week of that, OVERDUE after
it, and AT_RISK when nothing happened for twice the interval.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graph_db.errors import Conflict, InvalidInput, NotFound
from graph_db.programs import cohorts as repo
from graph_db.programs import surveys as survey_repo
from graph_db.programs.records import CohortPairRecord, CohortRecord
from resolvers import people as people_resolvers
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.mentorship import text
from resolvers.notifications import announce
from resolvers.policy import require_runs_program, runs_program
from resolvers.programs.surveys import add_months

DAY_MS = 86_400_000
PAIR_ROLES = ("PRIMARY", "SECONDARY", "CLINICAL", "RESEARCH")
DEFAULT_CADENCE: tuple[dict[str, Any], ...] = (
    {"untilMonth": 3, "everyDays": 30}, {"untilMonth": None, "everyDays": 60},
)
DUE_WITHIN_DAYS = 7
MAX_STEPS = 12
# Spreadsheet programs run cells that start with these: such text is exported quoted.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class PairStatus:
    """Where one pair stands today."""

    pair: CohortPairRecord
    interval_days: int
    next_due_at: int
    status: str  # ON_TRACK, DUE, OVERDUE, AT_RISK
    surveys_due: int
    surveys_done: int
    unanswered: tuple[str, ...] = ()  # ids of surveys with an occasion the mentee still owes


def clean_cadence(steps: Sequence[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Validated cadence steps: 1 to 365 days each, months increasing, only the last open."""
    if steps is None:
        return [dict(s) for s in DEFAULT_CADENCE]
    if not 1 <= len(steps) <= MAX_STEPS:
        raise InvalidInput(f"1 to {MAX_STEPS} cadence steps", field="cadence")
    last = 0
    cleaned: list[dict[str, Any]] = []
    for n, step in enumerate(steps):
        days, until = step.get("everyDays"), step.get("untilMonth")
        if not isinstance(days, int) or not 1 <= days <= 365:
            raise InvalidInput("everyDays is 1 to 365", field=f"cadence.{n}.everyDays")
        if until is None and n != len(steps) - 1:
            raise InvalidInput("only the last step can be open-ended", field=f"cadence.{n}.untilMonth")
        if until is not None and (not isinstance(until, int) or until <= last):
            raise InvalidInput("untilMonth must grow from step to step", field=f"cadence.{n}.untilMonth")
        last = until if until is not None else last
        cleaned.append({"untilMonth": until, "everyDays": days})
    return cleaned


def interval_days(cadence: Sequence[dict[str, Any]], enrolled_at: int, at: int) -> int:
    """The cadence interval in force at `at` for a pair enrolled at `enrolled_at`."""
    for step in cadence:
        until = step.get("untilMonth")
        if until is None or at < add_months(enrolled_at, int(until)):
            return int(step["everyDays"])
    return int(cadence[-1]["everyDays"])


def pair_status(cadence: Sequence[dict[str, Any]], pair: CohortPairRecord, now: int) -> tuple[int, int, str]:
    """(interval in days, next due date, status) of a pair at `now`."""
    last = pair.lastMeetingAt if pair.lastMeetingAt is not None else pair.enrolledAt
    days = interval_days(cadence, pair.enrolledAt, last)
    due = last + days * DAY_MS
    if now - last > 2 * days * DAY_MS:
        status = "AT_RISK"
    elif now > due:
        status = "OVERDUE"
    elif due - now <= DUE_WITHIN_DAYS * DAY_MS:
        status = "DUE"
    else:
        status = "ON_TRACK"
    return days, due, status


async def _cohort(ctx: Context, cohort_id: str) -> CohortRecord:
    (cohort,) = await repo.get_many(ctx.db, [cohort_id])
    if cohort is None:
        raise NotFound("no such cohort", field="cohortId")
    await require_runs_program(ctx, cohort.programId)
    return cohort


async def create_cohort(
    ctx: Context, *, program_id: str, name: str, starts_at: int, length_months: int,
    cadence: Sequence[dict[str, Any]] | None,
) -> CohortRecord:
    viewer = require_viewer(ctx)
    await require_runs_program(ctx, program_id)
    clean_name = text(name, "name", 120, required=True, multiline=False)
    assert clean_name is not None
    if not 1 <= length_months <= 120:
        raise InvalidInput("a cohort lasts 1 to 120 months", field="lengthMonths")
    cohort = await repo.create_cohort(
        ctx.db, id=str(uuid.uuid4()), program_id=program_id, name=clean_name, starts_at=starts_at,
        length_months=length_months, cadence=clean_cadence(cadence), viewer_id=viewer.id,
        now=ctx.now_ms(),
    )
    if cohort is None:
        raise NotFound("no such program", field="programId")
    return cohort


async def list_cohorts(ctx: Context, program_id: str) -> list[CohortRecord]:
    await require_runs_program(ctx, program_id)
    return await repo.list_cohorts(ctx.db, program_id)


async def get_cohort(ctx: Context, cohort_id: str) -> CohortRecord | None:
    """A cohort for its program's admins (None for anyone else)."""
    require_viewer(ctx)
    (cohort,) = await repo.get_many(ctx.db, [cohort_id])
    if cohort is None:
        return None
    return cohort if await runs_program(ctx, cohort.programId) else None


ENROL_REFUSALS = {
    "EXISTS": ("this pair is already enrolled in the cohort", "menteeId"),
    "PENDING": ("a mentorship request between them is pending: answer it first", "mentorId"),
    "BLOCKED": ("one of them has blocked the other", "mentorId"),
    "HAS_PRIMARY": ("the mentee already has a primary mentor", "role"),
}


async def enrol_pair(
    ctx: Context, cohort_id: str, *, mentee_id: str, mentor_id: str, role: str
) -> CohortPairRecord:
    """Enrol a mentee with a mentor: their ACTIVE one-to-one mentorship is linked, or one is
    started (PRIMARY for a primary mentor, else SECONDARY); both join the program. One
    atomic statement (graph_db.programs.cohorts.ENROL) holds every rule under concurrency."""
    viewer = require_viewer(ctx)
    cohort = await _cohort(ctx, cohort_id)
    if role not in PAIR_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(PAIR_ROLES)}", field="role")
    if mentee_id == mentor_id:
        raise InvalidInput("a mentee cannot mentor themselves", field="mentorId")
    found = await people_resolvers.get_people(ctx, [mentee_id, mentor_id])
    if found[0] is None:
        raise NotFound("no such mentee", field="menteeId")
    if found[1] is None:
        raise NotFound("no such mentor", field="mentorId")
    done = await repo.enrol_pair(
        ctx.db, id=str(uuid.uuid4()), cohort_id=cohort.id, mentee_id=mentee_id, mentor_id=mentor_id,
        role=role, viewer_id=viewer.id, now=ctx.now_ms(),
    )
    if done is None:
        raise NotFound("no such cohort", field="cohortId")
    if done.outcome in ENROL_REFUSALS:
        message, field = ENROL_REFUSALS[done.outcome]
        raise Conflict(message, field=field)
    assert done.outcome == "OK" and done.pair is not None, done.outcome
    return done.pair


async def report(ctx: Context, cohort_id: str) -> list[PairStatus]:
    """Every pair of the cohort with its meeting status and survey completion."""
    cohort = await _cohort(ctx, cohort_id)
    now = ctx.now_ms()
    pairs = await repo.list_pairs(ctx.db, cohort.id)
    rows: list[PairStatus] = []
    for pair in pairs:
        days, due, status = pair_status(cohort.cadence, pair, now)
        owed: dict[str, str] = {}  # response key -> survey id
        for survey, enrolled in await survey_repo.list_member_surveys(ctx.db, pair.menteeId):
            if survey.programId == cohort.programId:
                owed |= {
                    survey_repo.response_key(survey.id, m, pair.menteeId): survey.id
                    for m in survey.occasions if add_months(enrolled, m) <= now
                }
        done = await survey_repo.answered(ctx.db, list(owed))
        unanswered = tuple(dict.fromkeys(s for k, s in owed.items() if k not in done))
        rows.append(PairStatus(pair, days, due, status, len(owed), len(done), unanswered))
    return rows


def _cell(value: object) -> str:
    written = "" if value is None else str(value)
    return "'" + written if written.startswith(FORMULA_START) else written


def _iso(ms: int | None) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


CSV_HEADER = (
    "mentee", "mentee_email", "mentor", "mentor_email", "role", "enrolled_at", "meetings_logged",
    "last_meeting_at", "next_due_at", "status", "surveys_due", "surveys_completed",
)


async def report_csv(ctx: Context, cohort_id: str) -> str:
    """The cohort report as CSV (UTF-8 text, a header, one row per pair)."""
    rows = await report(ctx, cohort_id)
    ids = [i for r in rows for i in (r.pair.menteeId, r.pair.mentorId)]
    people = {p.id: p for p in await people_resolvers.get_people(ctx, ids) if p is not None}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        mentee, mentor = people.get(r.pair.menteeId), people.get(r.pair.mentorId)
        writer.writerow([_cell(v) for v in (
            mentee.name if mentee else "", mentee.email if mentee else "",
            mentor.name if mentor else "", mentor.email if mentor else "", r.pair.role,
            _iso(r.pair.enrolledAt), r.pair.meetingsLogged, _iso(r.pair.lastMeetingAt),
            _iso(r.next_due_at), r.status, r.surveys_due, r.surveys_done,
        )])
    return out.getvalue()


async def send_reminders(ctx: Context, cohort_id: str) -> int:
    """Notify both members of every pair whose meeting is due, overdue or at risk, and each
    mentee who owes a survey answer; how many pairs were reminded of something."""
    viewer = require_viewer(ctx)
    rows = await report(ctx, cohort_id)
    due = [r.pair.id for r in rows if r.status != "ON_TRACK"]
    now = ctx.now_ms()
    told = await repo.remind(ctx.db, cohort_id, due, viewer_id=viewer.id, now=now)
    for r in rows:
        for survey_id in r.unanswered:
            told += await repo.remind_survey(
                ctx.db, survey_id, r.pair.menteeId, viewer_id=viewer.id, now=now
            )
    await announce(ctx, told)
    return len({*due, *(r.pair.id for r in rows if r.unanswered)})
