"""GraphQL for programs, speed-mentoring events, surveys and awards (issue 16)."""

from __future__ import annotations

import strawberry

from schema.programs.awards import TYPES as AWARD_TYPES
from schema.programs.awards import AwardsMutation, AwardsQuery
from schema.programs.cohorts import TYPES as COHORT_TYPES
from schema.programs.cohorts import CohortsMutation, CohortsQuery
from schema.programs.speed_events import TYPES as SPEED_EVENT_TYPES
from schema.programs.speed_events import SpeedEventsMutation, SpeedEventsQuery
from schema.programs.surveys import TYPES as SURVEY_TYPES
from schema.programs.surveys import SurveysMutation, SurveysQuery


@strawberry.type
class ProgramsQuery(AwardsQuery, CohortsQuery, SpeedEventsQuery, SurveysQuery):
    pass


@strawberry.type
class ProgramsMutation(AwardsMutation, CohortsMutation, SpeedEventsMutation, SurveysMutation):
    pass


TYPES: tuple[type, ...] = (*AWARD_TYPES, *COHORT_TYPES, *SPEED_EVENT_TYPES, *SURVEY_TYPES)
