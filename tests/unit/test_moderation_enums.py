"""The GraphQL moderation enums list exactly graph_db.moderation's vocabularies, in order."""

from __future__ import annotations

from enum import Enum

import pytest

from graph_db.moderation import ACTIONS, REPORT_REASONS, TARGET_KINDS
from schema.moderation import ModerationActionKind, ModerationTargetKind, ReportReason


@pytest.mark.parametrize(
    ("enum", "values"),
    [(ReportReason, REPORT_REASONS), (ModerationActionKind, ACTIONS),
     (ModerationTargetKind, TARGET_KINDS)],
)
def test_enum_mirrors_graph_db(enum: type[Enum], values: tuple[str, ...]) -> None:
    assert [(m.name, m.value) for m in enum] == [(v, v) for v in values]
