"""GraphQL for program cohorts: pairs, the cadence rule, the report, CSV and reminders."""

from __future__ import annotations

from enum import Enum

import strawberry

from graph_db.programs.records import CohortPairRecord, CohortRecord
from resolvers.programs import cohorts as rules
from resolvers.programs.cohorts import PairStatus
from schema.base import (
    AppInfo,
    DateTime,
    Payload,
    RecordNode,
    attr_field,
    local_id,
    nodes,
    person_field,
    timestamp_field,
    to_ms,
)
from schema.mentorship.types import LazyPerson


@strawberry.enum(description="A mentor's role for a mentee in a cohort.")
class CohortMentorRole(Enum):
    PRIMARY = "PRIMARY"
    SECONDARY = "SECONDARY"
    CLINICAL = "CLINICAL"
    RESEARCH = "RESEARCH"


@strawberry.enum(description="Where a pair stands against the cohort's meeting cadence.")
class PairMeetingStatus(Enum):
    ON_TRACK = "ON_TRACK"
    DUE = "DUE"
    OVERDUE = "OVERDUE"
    AT_RISK = "AT_RISK"


@strawberry.type(description="One step of a cadence rule: meet every `everyDays` until `untilMonth`.")
class CadenceStep:
    until_month: int | None = strawberry.field(description="Months after enrolment; null: for ever.")
    every_days: int = strawberry.field(description="Days between meetings.")


@strawberry.type(description="A mentee and mentor enrolled together in a cohort.")
class CohortPair:
    record: strawberry.Private[CohortPairRecord]

    role: CohortMentorRole = attr_field("record.role", CohortMentorRole, description="The mentor's role.")

    enrolled_at: DateTime = timestamp_field("record.enrolledAt", "When they were enrolled.")

    meetings_logged: int = attr_field(
        "record.meetingsLogged",
        description="Meetings logged on their mentorship.",
    )

    last_meeting_at: DateTime | None = timestamp_field("record.lastMeetingAt", "The last meeting logged.")

    mentee: LazyPerson | None = person_field("record.menteeId", "The mentee.")

    mentor: LazyPerson | None = person_field("record.mentorId", "The mentor.")


@strawberry.type(description="A pair's standing today: meetings against the cadence, surveys.")
class CohortPairReport:
    row: strawberry.Private[PairStatus]

    @strawberry.field(description="The pair.")
    def pair(self) -> CohortPair:
        return CohortPair(record=self.row.pair)

    interval_days: int = attr_field(
        "row.interval_days",
        description="The cadence interval in force, in days.",
    )

    next_meeting_due_at: DateTime = timestamp_field("row.next_due_at", "When the next meeting is due.")

    status: PairMeetingStatus = attr_field(
        "row.status", PairMeetingStatus,
        description="ON_TRACK, DUE (within a week), OVERDUE, AT_RISK (twice the cadence).",
    )

    surveys_due: int = attr_field("row.surveys_due", description="Survey occasions the mentee owes by now.")

    surveys_completed: int = attr_field(
        "row.surveys_done",
        description="Of those, how many the mentee answered.",
    )


@strawberry.type(description="A cohort of a mentoring program (visible to the program's admins).")
class MentoringCohort(RecordNode[CohortRecord]):
    name: str = attr_field("record.name", description="Name, e.g. 'Fellows 2026'.")

    starts_at: DateTime = timestamp_field("record.startsAt", "When it starts.")

    length_months: int = attr_field("record.lengthMonths", description="How long it runs, in months.")

    @strawberry.field(description="The meeting cadence rule, in order.")
    def cadence(self) -> list[CadenceStep]:
        return [CadenceStep(until_month=s.get("untilMonth"), every_days=int(s["everyDays"]))
                for s in self.record.cadence]

    pair_count: int = attr_field("record.pairs", description="How many pairs are enrolled.")

    @strawberry.field(description="Every pair with its meeting status and survey completion.")
    async def report(self, info: AppInfo) -> list[CohortPairReport]:
        return [CohortPairReport(row=r) for r in await rules.report(info.context, self.record.id)]

    @strawberry.field(description="The report as CSV (UTF-8, a header row, one row per pair).")
    async def report_csv(self, info: AppInfo) -> str:
        return await rules.report_csv(info.context, self.record.id)


nodes("MentoringCohort", MentoringCohort.from_record, get=rules.get_cohort, signed_in=True)


@strawberry.input(description="One step of a cadence rule.")
class CadenceStepInput:
    every_days: int = strawberry.field(description="Days between meetings (1 to 365).")
    until_month: int | None = strawberry.field(
        default=None, description="Until this many months after enrolment; null (last step): for ever."
    )


@strawberry.input(description="A new cohort of a program (its admins).")
class CreateMentoringCohortInput:
    program_id: strawberry.ID = strawberry.field(description="The program.")
    name: str = strawberry.field(description="Name.")
    starts_at: DateTime = strawberry.field(description="When it starts.")
    length_months: int = strawberry.field(description="How long it runs (1 to 120 months).")
    cadence: list[CadenceStepInput] | None = strawberry.field(
        default=None, description="Meeting cadence (default: monthly for 3 months, then every 60 days)."
    )


@strawberry.input(description="Enrol a mentee and mentor as a pair (the program's admins).")
class EnrolMentoringPairInput:
    cohort_id: strawberry.ID = strawberry.field(description="The cohort.")
    mentee_id: strawberry.ID = strawberry.field(description="The mentee.")
    mentor_id: strawberry.ID = strawberry.field(description="The mentor.")
    role: CohortMentorRole = strawberry.field(description="The mentor's role.")


@strawberry.input(description="A cohort, by id.")
class MentoringCohortIdInput:
    cohort_id: strawberry.ID = strawberry.field(description="The cohort.")


@strawberry.type(description="The result of a mutation on a cohort.")
class MentoringCohortPayload(Payload[CohortRecord], result="cohort", convert=MentoringCohort.from_record):
    cohort: MentoringCohort | None = strawberry.field(description="The cohort as it is now.")


@strawberry.type(description="The result of enrolling a pair.")
class EnrolMentoringPairPayload(
    Payload[CohortPairRecord], result="pair", convert=lambda r: CohortPair(record=r)
):
    pair: CohortPair | None = strawberry.field(description="The pair enrolled.")


@strawberry.type(description="The result of sending meeting reminders.")
class CohortRemindersPayload(Payload[int], result="reminded_pairs", empty=0):
    reminded_pairs: int = strawberry.field(description="How many pairs were reminded of something.")


def _cohort_id(value: strawberry.ID) -> str:
    return local_id(value, "MentoringCohort", field="cohortId")


def _cadence(steps: list[CadenceStepInput] | None) -> list[dict[str, int | None]] | None:
    if steps is None:
        return None
    return [{"untilMonth": s.until_month, "everyDays": s.every_days} for s in steps]


@strawberry.type
class CohortsQuery:
    @strawberry.field(description="A program's cohorts, newest first (the program's admins).")
    async def mentoring_cohorts(self, info: AppInfo, program_id: strawberry.ID) -> list[MentoringCohort]:
        program = local_id(program_id, "MentoringProgram", field="programId")
        return [MentoringCohort.from_record(c) for c in await rules.list_cohorts(info.context, program)]


@strawberry.type
class CohortsMutation:
    @strawberry.mutation(description="Create a cohort of a program (its admins).")
    async def create_mentoring_cohort(
        self, info: AppInfo, input: CreateMentoringCohortInput
    ) -> MentoringCohortPayload:
        return await MentoringCohortPayload.attempt(lambda: rules.create_cohort(
            info.context, program_id=local_id(input.program_id, "MentoringProgram", field="programId"),
            name=input.name, starts_at=to_ms(input.starts_at), length_months=input.length_months,
            cadence=_cadence(input.cadence),
        ))

    @strawberry.mutation(
        description="Enrol a mentee and mentor as a pair of a cohort: their active mentorship is "
        "linked, or one is started; both join the program (the program's admins)."
    )
    async def enrol_mentoring_pair(
        self, info: AppInfo, input: EnrolMentoringPairInput
    ) -> EnrolMentoringPairPayload:
        return await EnrolMentoringPairPayload.attempt(lambda: rules.enrol_pair(
            info.context, _cohort_id(input.cohort_id),
            mentee_id=local_id(input.mentee_id, "Person", field="menteeId"),
            mentor_id=local_id(input.mentor_id, "Person", field="mentorId"), role=input.role.value,
        ))

    @strawberry.mutation(
        description="Remind both members of every pair whose meeting is due, overdue or at risk, "
        "and mentees who owe a survey answer (notifications; the program's admins)."
    )
    async def send_cohort_meeting_reminders(
        self, info: AppInfo, input: MentoringCohortIdInput
    ) -> CohortRemindersPayload:
        return await CohortRemindersPayload.attempt(
            lambda: rules.send_reminders(info.context, _cohort_id(input.cohort_id))
        )


TYPES: tuple[type, ...] = (MentoringCohort,)
