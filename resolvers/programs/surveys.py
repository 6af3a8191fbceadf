"""Program surveys: templates (program admins), what is due (members), submissions once per
person and occasion, and anonymous results (program admins).

Occasions are months after a member joined the program (0, 6 and 12 by default); an
occasion is due from that date on and stays open until answered. Results are grouped by
occasion and never shown for a group of fewer than K_ANONYMITY respondents (nor a question
fewer than K_ANONYMITY of them answered); free-text
answers come without names, sorted, so their order says nothing about who wrote them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_db.mentorship import programs as program_repo
from graph_db.programs import surveys as repo
from graph_db.programs.records import SurveyRecord
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.mentorship import text
from resolvers.policy import require_runs_program

KINDS = ("LIKERT", "SINGLE_CHOICE", "MULTIPLE_CHOICE", "FREE_TEXT")
LIKERT = range(1, 6)
K_ANONYMITY = 5
DEFAULT_OCCASIONS = (0, 6, 12)
MAX_QUESTIONS = 50
MAX_OPTIONS = 20
MAX_PROMPT = 500
MAX_OPTION = 100
MAX_ANSWER = 5000
MAX_TITLE = 200
UPCOMING_DAYS = 14


@dataclass(frozen=True, slots=True)
class DueSurvey:
    """One occasion of a survey the viewer has yet to answer."""

    survey: SurveyRecord
    occasion: int
    due_at: int
    overdue: bool  # due already (not merely coming up)


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """Aggregates for one question within one group of respondents."""

    question: dict[str, Any]
    answered: int
    mean: float | None = None
    distribution: tuple[tuple[str, int], ...] = ()
    texts: tuple[str, ...] = ()
    suppressed: bool = False  # fewer than K_ANONYMITY answered it: no aggregates


@dataclass(frozen=True, slots=True)
class ResultGroup:
    """The respondents of one cohort (None: not in a cohort) and occasion: aggregates, or
    nothing when fewer than K_ANONYMITY."""

    cohort_id: str | None
    occasion: int
    suppressed: bool
    respondents: int | None
    questions: tuple[QuestionResult, ...] = field(default=())


def add_months(ms: int, months: int) -> int:
    """The same day and time `months` calendar months later (clamped to the month's end)."""
    start = datetime.fromtimestamp(ms / 1000, tz=UTC)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = start.day
    while True:
        try:
            moved = start.replace(year=year, month=month, day=day)
            break
        except ValueError:
            day -= 1
    return int(moved.timestamp() * 1000)


def clean_questions(questions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated questions: unique ids, a known kind, a prompt, options for choices."""
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InvalidInput(f"1 to {MAX_QUESTIONS} questions", field="questions")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, q in enumerate(questions):
        where = f"questions.{n}"
        qid = text(q.get("id"), f"{where}.id", 64, required=True, multiline=False)
        assert qid is not None
        if qid in seen:
            raise InvalidInput("question ids must be unique", field=f"{where}.id")
        seen.add(qid)
        kind = q.get("kind")
        if kind not in KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field=f"{where}.kind")
        prompt = text(q.get("prompt"), f"{where}.prompt", MAX_PROMPT, required=True)
        options: list[str] = []
        if kind in ("SINGLE_CHOICE", "MULTIPLE_CHOICE"):
            raw = list(q.get("options") or [])
            cleaned_options = (text(o, f"{where}.options", MAX_OPTION, multiline=False) for o in raw)
            options = [o for o in cleaned_options if o]
            if not 2 <= len(options) <= MAX_OPTIONS or len(set(options)) != len(options):
                raise InvalidInput(f"2 to {MAX_OPTIONS} different options", field=f"{where}.options")
        cleaned.append({"id": qid, "kind": kind, "prompt": prompt, "required": bool(q.get("required", True)),
                        "options": options})
    return cleaned


async def create_survey(
    ctx: Context, *, program_id: str, title: str, occasions: Sequence[int] | None,
    questions: Sequence[dict[str, Any]],
) -> SurveyRecord:
    """Program admins (and site admins) create a survey template for their program."""
    viewer = require_viewer(ctx)
    await require_runs_program(ctx, program_id)
    clean_title = text(title, "title", MAX_TITLE, required=True, multiline=False)
    assert clean_title is not None
    months = sorted(set(DEFAULT_OCCASIONS if occasions is None else occasions))
    if not months or not all(0 <= m <= 120 for m in months):
        raise InvalidInput("occasions are 0 to 120 months after enrolment", field="occasionsMonths")
    survey = await repo.create_survey(
        ctx.db, id=str(uuid.uuid4()), program_id=program_id, title=clean_title, occasions=months,
        questions=clean_questions(questions), viewer_id=viewer.id, now=ctx.now_ms(),
    )
    if survey is None:
        raise NotFound("no such program", field="programId")
    return survey


async def _survey(ctx: Context, survey_id: str) -> SurveyRecord:
    (survey,) = await repo.get_many(ctx.db, [survey_id])
    if survey is None:
        raise NotFound("no such survey", field="surveyId")
    return survey


async def revise_survey(ctx: Context, survey_id: str, questions: Sequence[dict[str, Any]]) -> SurveyRecord:
    """A new version of the questions; answers already given keep the version they answered."""
    survey = await _survey(ctx, survey_id)
    await require_runs_program(ctx, survey.programId)
    revised = await repo.revise_survey(ctx.db, survey_id, clean_questions(questions), now=ctx.now_ms())
    if revised is None:
        raise NotFound("no such survey", field="surveyId")
    return revised


async def get_survey(ctx: Context, survey_id: str) -> SurveyRecord | None:
    """A survey for its program's admins and members (None for anyone else)."""
    viewer = require_viewer(ctx)
    (survey,) = await repo.get_many(ctx.db, [survey_id])
    if survey is None:
        return None
    if viewer.is_admin or await program_repo.get_role(ctx.db, survey.programId, viewer.id):
        return survey
    return None


async def my_surveys(ctx: Context) -> list[DueSurvey]:
    """The occasions due (or due within UPCOMING_DAYS) that the viewer has not answered."""
    viewer = require_viewer(ctx)
    now = ctx.now_ms()
    horizon = now + UPCOMING_DAYS * 86_400_000
    candidates: list[DueSurvey] = []
    for survey, enrolled in await repo.list_member_surveys(ctx.db, viewer.id):
        for months in survey.occasions:
            due = add_months(enrolled, months)
            if due <= horizon:
                candidates.append(DueSurvey(survey, months, due, due <= now))
    done = await repo.answered(
        ctx.db, [repo.response_key(d.survey.id, d.occasion, viewer.id) for d in candidates]
    )
    return sorted(
        (d for d in candidates if repo.response_key(d.survey.id, d.occasion, viewer.id) not in done),
        key=lambda d: (d.due_at, d.survey.id),
    )


def clean_answers(questions: Sequence[dict[str, Any]], answers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every answer checked against its question; every required question answered."""
    by_id = {q["id"]: q for q in questions}
    given: dict[str, Any] = {}
    problems: list[tuple[str | None, str]] = []
    for n, a in enumerate(answers):
        where = f"answers.{n}"
        q = by_id.get(a.get("questionId"))
        if q is None:
            problems.append((f"{where}.questionId", "no such question in this survey"))
            continue
        if q["id"] in given:
            problems.append((f"{where}.questionId", "answer each question once"))
            continue
        kind = q["kind"]
        if kind == "LIKERT":
            rating = a.get("rating")
            if rating not in LIKERT:
                problems.append((f"{where}.rating", "a rating from 1 to 5"))
                continue
            given[q["id"]] = rating
        elif kind == "SINGLE_CHOICE":
            if a.get("choice") not in q["options"]:
                problems.append((f"{where}.choice", "one of the question's options"))
                continue
            given[q["id"]] = a["choice"]
        elif kind == "MULTIPLE_CHOICE":
            choices = list(a.get("choices") or [])
            if not choices or len(set(choices)) != len(choices) or not set(choices) <= set(q["options"]):
                problems.append((f"{where}.choices", "different options of the question"))
                continue
            given[q["id"]] = sorted(choices, key=q["options"].index)
        else:
            try:
                written = text(a.get("text"), f"{where}.text", MAX_ANSWER)
            except InvalidInput as exc:
                problems.extend(exc.problems)
                continue
            if written is None:
                problems.append((f"{where}.text", "write something, or leave the question out"))
                continue
            given[q["id"]] = written
    for q in questions:
        if q["required"] and q["id"] not in given and not any(
            a.get("questionId") == q["id"] for a in answers
        ):
            problems.append(("answers", f"question {q['id']} is required"))
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    return given


async def submit_response(
    ctx: Context, survey_id: str, occasion: int, answers: Sequence[dict[str, Any]]
) -> int:
    """Store the viewer's answers for one occasion (when it is due); a second submission
    for the same occasion is a CONFLICT. Returns when it was stored."""
    viewer = require_viewer(ctx)
    survey = await _survey(ctx, survey_id)
    enrolled = await repo.enrolled_at(ctx.db, survey.programId, viewer.id)
    if enrolled is None:
        raise Forbidden("only members of the program answer its surveys")
    if occasion not in survey.occasions:
        raise InvalidInput(
            f"occasion must be one of {', '.join(map(str, survey.occasions))} months",
            field="occasionMonths",
        )
    now = ctx.now_ms()
    if add_months(enrolled, occasion) > now + UPCOMING_DAYS * 86_400_000:
        raise InvalidInput("this occasion is not due yet", field="occasionMonths")
    given = clean_answers(survey.questions, answers)
    stored = await repo.submit(
        ctx.db, id=str(uuid.uuid4()), survey_id=survey.id, version=survey.version, occasion=occasion,
        person_id=viewer.id, answers=given, now=now,
        cohort_id=await repo.member_cohort(ctx.db, survey.programId, viewer.id),
    )
    if stored is None:
        raise NotFound("no such survey", field="surveyId")
    fresh, submitted_at = stored
    if not fresh:
        raise Conflict("you already answered this survey for this occasion", field="occasionMonths")
    return submitted_at


def _aggregate(question: dict[str, Any], given: list[Any]) -> QuestionResult:
    # An answer given under another version counts only if it fits the question as it is now.
    kind, options = question["kind"], question["options"]
    values = [
        v for v in given
        if (kind == "LIKERT" and isinstance(v, int) and v in LIKERT)
        or (kind == "SINGLE_CHOICE" and v in options)
        or (kind == "MULTIPLE_CHOICE" and isinstance(v, list) and set(v) <= set(options))
        or (kind == "FREE_TEXT" and isinstance(v, str))
    ]
    # An optional question answered by fewer than K_ANONYMITY is a smaller group of its own
    # (e.g. one respondent's choices among five): only its count is shown.
    if len(values) < K_ANONYMITY:
        return QuestionResult(question, len(values), suppressed=True)
    if kind == "LIKERT":
        counts = Counter(int(v) for v in values)
        mean = sum(values) / len(values) if values else None
        return QuestionResult(question, len(values), mean, tuple((str(r), counts[r]) for r in LIKERT))
    if kind == "SINGLE_CHOICE":
        counts = Counter(values)
        return QuestionResult(question, len(values), None, tuple((o, counts[o]) for o in question["options"]))
    if kind == "MULTIPLE_CHOICE":
        counts = Counter(c for v in values for c in v)
        return QuestionResult(question, len(values), None, tuple((o, counts[o]) for o in question["options"]))
    return QuestionResult(question, len(values), None, (), tuple(sorted(str(v) for v in values)))


async def results(ctx: Context, survey_id: str) -> list[ResultGroup]:
    """Per cohort and occasion: respondents, and per question of the current version its
    counts, mean and distribution (free text: the answers, sorted); nothing for a group under
    K_ANONYMITY. There is no program-wide total: subtracting the cohorts from it could single
    out a small remainder."""
    survey = await _survey(ctx, survey_id)
    await require_runs_program(ctx, survey.programId)
    responses = await repo.list_responses(ctx.db, survey_id)
    cohorts = sorted({r.cohortId for r in responses if r.cohortId is not None})
    groups: list[ResultGroup] = []
    for cohort in [*cohorts, None]:
        for occasion in survey.occasions:
            mine = [r for r in responses if r.occasion == occasion and r.cohortId == cohort]
            if len(mine) < K_ANONYMITY:
                groups.append(ResultGroup(cohort, occasion, True, None))
                continue
            groups.append(ResultGroup(cohort, occasion, False, len(mine), tuple(
                _aggregate(q, [r.answers[q["id"]] for r in mine if q["id"] in r.answers])
                for q in survey.questions
            )))
    return groups
