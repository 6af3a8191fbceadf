"""GraphQL for programs, speed-mentoring events, surveys and awards (issue 16)."""

from __future__ import annotations

import strawberry

from schema.programs.speed_events import TYPES as SPEED_EVENT_TYPES
from schema.programs.speed_events import SpeedEventsMutation, SpeedEventsQuery


@strawberry.type
class ProgramsQuery(SpeedEventsQuery):
    pass


@strawberry.type
class ProgramsMutation(SpeedEventsMutation):
    pass


TYPES: tuple[type, ...] = (*SPEED_EVENT_TYPES,)
