"""Program rules without a database: calendar months, the cadence rule as data, pair status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from graph_db.errors import InvalidInput
from graph_db.programs.records import CohortPairRecord
from resolvers.programs.cohorts import DAY_MS, clean_cadence, interval_days, pair_status
from resolvers.programs.surveys import add_months, clean_questions


def ms(y: int, m: int, d: int) -> int:
    return int(datetime(y, m, d, 9, tzinfo=UTC).timestamp() * 1000)


def test_add_months_keeps_the_day_or_clamps_to_the_month_end() -> None:
    assert add_months(ms(2026, 1, 15), 6) == ms(2026, 7, 15)
    assert add_months(ms(2026, 1, 31), 1) == ms(2026, 2, 28)
    assert add_months(ms(2027, 12, 31), 2) == ms(2028, 2, 29)
    assert add_months(ms(2026, 11, 30), 12) == ms(2027, 11, 30)
    assert add_months(ms(2026, 5, 5), 0) == ms(2026, 5, 5)


CADENCE = [{"untilMonth": 3, "everyDays": 30}, {"untilMonth": None, "everyDays": 60}]


def test_cadence_is_read_in_order() -> None:
    start = ms(2026, 1, 1)
    assert interval_days(CADENCE, start, ms(2026, 2, 10)) == 30
    assert interval_days(CADENCE, start, ms(2026, 4, 1)) == 60
    closed = [{"untilMonth": 2, "everyDays": 14}, {"untilMonth": 6, "everyDays": 30}]
    assert interval_days(closed, start, ms(2027, 1, 1)) == 30  # after the last step: its interval
    assert clean_cadence(None) == CADENCE


@pytest.mark.parametrize("steps, field", [
    ([], "cadence"),
    ([{"everyDays": 0}], "cadence.0.everyDays"),
    ([{"everyDays": 30}, {"everyDays": 60}], "cadence.0.untilMonth"),
    ([{"untilMonth": 3, "everyDays": 30}, {"untilMonth": 2, "everyDays": 60}], "cadence.1.untilMonth"),
])
def test_bad_cadence_names_the_step(steps: list[dict[str, int]], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_cadence(steps)
    assert caught.value.field == field


def pair(enrolled: int, last: int | None) -> CohortPairRecord:
    return CohortPairRecord("p", "c", "a", "b", "PRIMARY", enrolled, "m", 0 if last is None else 1, last)


def test_pair_status_from_the_last_meeting() -> None:
    enrolled = ms(2026, 1, 1)
    now = enrolled + 50 * DAY_MS
    assert pair_status(CADENCE, pair(enrolled, now - 5 * DAY_MS), now)[2] == "ON_TRACK"
    assert pair_status(CADENCE, pair(enrolled, now - 25 * DAY_MS), now)[2] == "DUE"
    assert pair_status(CADENCE, pair(enrolled, now - 31 * DAY_MS), now)[2] == "OVERDUE"
    assert pair_status(CADENCE, pair(enrolled, now - 61 * DAY_MS), now)[2] == "AT_RISK"
    days, due, status = pair_status(CADENCE, pair(enrolled, None), now)  # never met: from enrolment
    assert (days, due, status) == (30, enrolled + 30 * DAY_MS, "OVERDUE")


def test_questions_are_validated() -> None:
    ok = clean_questions([{"id": "a", "kind": "SINGLE_CHOICE", "prompt": "Which?", "options": ["x", "y"]}])
    assert ok == [
        {"id": "a", "kind": "SINGLE_CHOICE", "prompt": "Which?", "required": True, "options": ["x", "y"]}
    ]
    for bad, field in (
        ([{"id": "a", "kind": "SINGLE_CHOICE", "prompt": "Which?", "options": ["x"]}], "questions.0.options"),
        ([{"id": "a", "kind": "RANK", "prompt": "?"}], "questions.0.kind"),
        ([{"id": "a", "kind": "LIKERT", "prompt": "?"}, {"id": "a", "kind": "LIKERT", "prompt": "?"}],
         "questions.1.id"),
        ([], "questions"),
    ):
        with pytest.raises(InvalidInput) as caught:
            clean_questions(bad)
        assert caught.value.field == field
