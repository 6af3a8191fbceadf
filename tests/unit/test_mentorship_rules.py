"""Mentorship rules that live twice (Python and Cypher text) agree; scoring helpers behave."""

from __future__ import annotations

import re

import pytest

from graph_db import matching, mentorship
from graph_db.mentorship.records import MentorshipRecord
from resolvers import matching as match_rules
from resolvers import mentorship as rules
from resolvers.matching import MatchWeights
from resolvers.mentorship import connections as mentorships


def test_cypher_lists_match_the_python_tuples() -> None:
    assert re.findall(r"'(\w+)'", mentorship.ONE_TO_ONE_LIST) == list(mentorship.ONE_TO_ONE)
    assert re.findall(r"'(\w+)'", mentorship.OPEN_LIST) == list(mentorship.OPEN)


def test_the_cypher_rank_levels_match_the_python_table() -> None:
    pairs = re.findall(r"WHEN '(\w+)' THEN (\d+)", matching.LEVEL_OF_C)
    assert {rank: int(level) for rank, level in pairs} == matching.RANK_LEVELS
    assert matching.LEVEL_OF_C.endswith("ELSE 0 END")
    assert matching.level(None) == 0 and matching.level("PROFESSOR") > matching.level("RESIDENT")


def test_open_keys_keep_one_open_mentorship_per_slot() -> None:
    pair = mentorship.open_key("PRIMARY", mentor_id="a", mentee_id="b")
    assert pair == mentorship.open_key("PEER", mentor_id="a", mentee_id="b")
    assert pair != mentorship.open_key("PRIMARY", mentor_id="b", mentee_id="a")
    seat = mentorship.open_key("COMMITTEE", mentor_id="a", mentee_id="b", committee_id="c")
    assert seat == "committee:c:a"  # graph_db.mentorship.committees.CREATE builds the same
    assert mentorship.open_key("BOARD", mentor_id="a", mentee_id="b") == "board:b:a"


def test_rarer_interests_weigh_more() -> None:
    assert match_rules.idf(1, 50_000) > match_rules.idf(100, 50_000) > match_rules.idf(10_000, 50_000) > 0


def test_caps_split_a_budget_and_stay_within_bounds() -> None:
    w = MatchWeights()
    assert w.cap(1200, 1, 120, 500) == 500
    assert w.cap(1200, 4, 120, 500) == 300
    assert w.cap(1200, 30, 120, 500) == 120
    assert w.cap(1200, 0, 120, 500) == 500


def _mentorship(**changes: object) -> MentorshipRecord:
    base: dict[str, object] = {
        "id": "m", "kind": "SECONDARY", "status": "ACTIVE", "mentorId": "a", "menteeId": "b",
        "requestedBy": "b", "createdAt": 0, "startedAt": 1_000, "cadenceDays": 14,
    }
    return MentorshipRecord(**{**base, **changes})  # type: ignore[arg-type]


def test_next_meeting_due_follows_the_cadence() -> None:
    day = mentorship.DAY_MS
    assert mentorships.next_meeting_due(_mentorship()) == 1_000 + 14 * day
    assert mentorships.next_meeting_due(_mentorship(lastMeetingAt=5 * day)) == 19 * day
    assert mentorships.next_meeting_due(_mentorship(cadenceDays=None)) is None
    assert mentorships.next_meeting_due(_mentorship(status="ENDED")) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [("", None), ("  ok  ", None), ("x" * 11, "at most 10 characters"),
     ("bell\x07", "remove control and formatting characters")],
)
def test_text_is_trimmed_and_checked(value: str, problem: str | None) -> None:
    from graph_db.errors import InvalidInput

    if problem is None:
        assert rules.text(value, "f", 10) == (value.strip() or None)
    else:
        with pytest.raises(InvalidInput, match=problem):
            rules.text(value, "f", 10)
