"""GraphQL for program surveys: templates, what is due, submissions and anonymous results."""

from __future__ import annotations

from enum import Enum
from typing import Any, Self

import strawberry

from graph_db.programs.records import SurveyRecord
from resolvers.programs import surveys as rules
from resolvers.programs.surveys import DueSurvey, QuestionResult, ResultGroup
from schema.base import (
    AppInfo,
    DateTime,
    Payload,
    RecordNode,
    UserError,
    attr_field,
    from_ms,
    local_id,
    nodes,
    timestamp_field,
    to_global_id,
)


@strawberry.enum(description="How a survey question is answered.")
class SurveyQuestionKind(Enum):
    LIKERT = "LIKERT"
    SINGLE_CHOICE = "SINGLE_CHOICE"
    MULTIPLE_CHOICE = "MULTIPLE_CHOICE"
    FREE_TEXT = "FREE_TEXT"


@strawberry.type(description="A question of a survey (as of the survey's current version).")
class SurveyQuestion:
    id: str = strawberry.field(description="Stable id of the question across versions.")
    kind: SurveyQuestionKind = strawberry.field(description="LIKERT is 1 to 5.")
    prompt: str = strawberry.field(description="What it asks.")
    required: bool = strawberry.field(description="Whether an answer is required.")
    options: list[str] = strawberry.field(description="The options of a choice question.")

    @classmethod
    def from_dict(cls, q: dict[str, Any]) -> Self:
        return cls(id=q["id"], kind=SurveyQuestionKind(q["kind"]), prompt=q["prompt"],
                   required=bool(q["required"]), options=list(q["options"]))


@strawberry.type(
    description="A survey template of a mentoring program, asked at occasions counted in months "
    "from enrolment. Editing makes a new version; answers keep the version they were given to."
)
class Survey(RecordNode[SurveyRecord]):
    title: str = attr_field("record.title", description="Title.")

    version: int = attr_field("record.version", description="The current version (1 on creation).")

    occasions_months: list[int] = attr_field(
        "record.occasions", list,
        description="When it is asked: months after enrolment (0, 6, 12 by default).",
    )

    @strawberry.field(description="The questions of the current version.")
    def questions(self) -> list[SurveyQuestion]:
        return [SurveyQuestion.from_dict(q) for q in self.record.questions]

    updated_at: DateTime = timestamp_field("record.updatedAt", "When it was last edited.")


nodes("Survey", Survey.from_record, get=rules.get_survey, signed_in=True)


@strawberry.type(description="A survey occasion you have yet to answer.")
class DueSurveyOccasion:
    due: strawberry.Private[DueSurvey]

    @strawberry.field(description="The survey.")
    def survey(self) -> Survey:
        return Survey.from_record(self.due.survey)

    occasion_months: int = attr_field(
        "due.occasion",
        description="Which occasion: months after your enrolment.",
    )

    due_at: DateTime = timestamp_field("due.due_at", "When it is (or was) due.")

    overdue: bool = attr_field(
        "due.overdue",
        description="Whether it is due already (false: coming up within two weeks).",
    )


@strawberry.type(description="How often an option (or a rating, '1' to '5') was chosen.")
class SurveyOptionCount:
    option: str = strawberry.field(description="The option or rating.")
    count: int = strawberry.field(description="How many chose it.")


@strawberry.type(description="Aggregates of one question within a group of respondents.")
class SurveyQuestionResult:
    result: strawberry.Private[QuestionResult]

    answered: int = attr_field("result.answered", description="How many answered it.")

    mean: float | None = attr_field("result.mean", description="The mean rating (LIKERT).")

    @strawberry.field(description="Counts per rating or option.")
    def distribution(self) -> list[SurveyOptionCount]:
        return [SurveyOptionCount(option=o, count=c) for o, c in self.result.distribution]

    texts: list[str] = attr_field(
        "result.texts", list,
        description="Free-text answers, without names, in alphabetical order.",
    )

    question: SurveyQuestion = attr_field(
        "result.question", SurveyQuestion.from_dict, description="The question."
    )

    @strawberry.field(
        description=f"True when fewer than {rules.K_ANONYMITY} answered this question: only "
        "`answered` is shown."
    )
    def suppressed(self) -> bool:
        return self.result.suppressed


@strawberry.type(
    description="The respondents of one cohort and occasion. Nothing is shown for fewer than "
    f"{rules.K_ANONYMITY} respondents (k-anonymity); nobody's identity is ever shown."
)
class SurveyResultGroup:
    group: strawberry.Private[ResultGroup]

    @strawberry.field(description="The respondents' cohort (null: members not in a cohort).")
    def cohort_id(self) -> strawberry.ID | None:
        cohort = self.group.cohort_id
        return None if cohort is None else to_global_id("MentoringCohort", cohort)

    occasion_months: int = attr_field("group.occasion", description="The occasion: months after enrolment.")

    @strawberry.field(description=f"True when fewer than {rules.K_ANONYMITY} responded: nothing is shown.")
    def suppressed(self) -> bool:
        return self.group.suppressed

    respondents: int | None = attr_field(
        "group.respondents",
        description="How many responded (null when suppressed).",
    )

    @strawberry.field(description="Per question aggregates (empty when suppressed).")
    def questions(self) -> list[SurveyQuestionResult]:
        return [SurveyQuestionResult(result=q) for q in self.group.questions]


@strawberry.input(description="A question of a survey template.")
class SurveyQuestionInput:
    id: str = strawberry.field(description="Stable id (keep it when editing the same question).")
    kind: SurveyQuestionKind = strawberry.field(description="How it is answered.")
    prompt: str = strawberry.field(description="What it asks.")
    required: bool = strawberry.field(default=True, description="Whether an answer is required.")
    options: list[str] | None = strawberry.field(default=None, description="Options of a choice question.")


@strawberry.input(description="A new survey template for a program (its admins).")
class CreateSurveyInput:
    program_id: strawberry.ID = strawberry.field(description="The mentoring program.")
    title: str = strawberry.field(description="Title.")
    questions: list[SurveyQuestionInput] = strawberry.field(description="The questions, in order.")
    occasions_months: list[int] | None = strawberry.field(
        default=None, description="Months after enrolment to ask it (default 0, 6, 12)."
    )


@strawberry.input(description="New questions for a survey: a new version (its program's admins).")
class ReviseSurveyInput:
    survey_id: strawberry.ID = strawberry.field(description="The survey.")
    questions: list[SurveyQuestionInput] = strawberry.field(description="The questions, in order.")


@strawberry.input(description="An answer to one question.")
class SurveyAnswerInput:
    question_id: str = strawberry.field(description="The question's id.")
    rating: int | None = strawberry.field(default=None, description="LIKERT: 1 to 5.")
    choice: str | None = strawberry.field(default=None, description="SINGLE_CHOICE: one option.")
    choices: list[str] | None = strawberry.field(default=None, description="MULTIPLE_CHOICE: options.")
    text: str | None = strawberry.field(default=None, description="FREE_TEXT.")


@strawberry.input(description="Your answers to one occasion of a survey (once).")
class SubmitSurveyResponseInput:
    survey_id: strawberry.ID = strawberry.field(description="The survey.")
    occasion_months: int = strawberry.field(description="The occasion (months after enrolment).")
    answers: list[SurveyAnswerInput] = strawberry.field(description="One per question answered.")


@strawberry.type(description="The result of a mutation on a survey template.")
class SurveyPayload(Payload[SurveyRecord], result="survey", convert=Survey.from_record):
    survey: Survey | None = strawberry.field(description="The survey as it is now.")


@strawberry.type(description="The result of submitting a survey response.")
class SubmitSurveyResponsePayload(Payload[int], result="submitted_at", convert=from_ms):
    submitted_at: DateTime | None = strawberry.field(description="When it was stored.")
    errors: list[UserError] = strawberry.field(description="Problems the user can fix (CONFLICT: "
                                               "already answered).")


def _questions(items: list[SurveyQuestionInput]) -> list[dict[str, Any]]:
    return [{"id": q.id, "kind": q.kind.value, "prompt": q.prompt, "required": q.required,
             "options": q.options or []} for q in items]


def _answers(items: list[SurveyAnswerInput]) -> list[dict[str, Any]]:
    return [{"questionId": a.question_id, "rating": a.rating, "choice": a.choice,
             "choices": a.choices, "text": a.text} for a in items]


@strawberry.type
class SurveysQuery:
    @strawberry.field(description="Survey occasions due for you (or due within two weeks), soonest first.")
    async def my_surveys(self, info: AppInfo) -> list[DueSurveyOccasion]:
        return [DueSurveyOccasion(due=d) for d in await rules.my_surveys(info.context)]

    @strawberry.field(
        description="A survey's anonymous results per cohort and occasion (the program's admins): nothing "
        f"for a group of fewer than {rules.K_ANONYMITY} respondents."
    )
    async def survey_results(self, info: AppInfo, survey_id: strawberry.ID) -> list[SurveyResultGroup]:
        found = await rules.results(info.context, local_id(survey_id, "Survey", field="surveyId"))
        return [SurveyResultGroup(group=g) for g in found]


@strawberry.type
class SurveysMutation:
    @strawberry.mutation(description="Create a survey template for a program (its admins).")
    async def create_survey(self, info: AppInfo, input: CreateSurveyInput) -> SurveyPayload:
        return await SurveyPayload.attempt(lambda: rules.create_survey(
            info.context, program_id=local_id(input.program_id, "MentoringProgram", field="programId"),
            title=input.title, occasions=input.occasions_months, questions=_questions(input.questions),
        ))

    @strawberry.mutation(description="Edit a survey's questions: a new version (its program's admins).")
    async def revise_survey(self, info: AppInfo, input: ReviseSurveyInput) -> SurveyPayload:
        return await SurveyPayload.attempt(lambda: rules.revise_survey(
            info.context, local_id(input.survey_id, "Survey", field="surveyId"),
            _questions(input.questions),
        ))

    @strawberry.mutation(
        description="Answer one occasion of a survey of your program; once (again: CONFLICT)."
    )
    async def submit_survey_response(
        self, info: AppInfo, input: SubmitSurveyResponseInput
    ) -> SubmitSurveyResponsePayload:
        return await SubmitSurveyResponsePayload.attempt(lambda: rules.submit_response(
            info.context, local_id(input.survey_id, "Survey", field="surveyId"),
            input.occasion_months, _answers(input.answers),
        ))


TYPES: tuple[type, ...] = (Survey,)
