"""Mentorship mutations (inputs and payloads) and root queries."""

from __future__ import annotations

import strawberry

from graph_db.mentorship.records import (
    AdvisorRecord,
    CommitteeRecord,
    MeetingRecord,
    MentorshipRecord,
    MilestoneRecord,
    ProgramRecord,
)
from resolvers import mentorship as mentoring
from resolvers.mentorship import boards as board_rules
from resolvers.mentorship import committees as committee_rules
from resolvers.mentorship import connections as mentorships
from resolvers.mentorship import programs as program_rules
from schema.base import (
    AppInfo,
    DateTime,
    Payload,
    attempt,
    global_id_of,
    ids,
    local_id,
    optional_id,
    person,
    to_ms,
)
from schema.mentorship.types import (
    Advisor,
    AdvisorRole,
    LazyPerson,
    Meeting,
    MentoringCommittee,
    MentoringProgram,
    Mentorship,
    MentorshipDecision,
    MentorshipKind,
    Milestone,
    ProgramRole,
)

# -- inputs ---------------------------------------------------------------------------------


@strawberry.input(description="Ask a member to mentor you.")
class RequestMentorshipInput:
    mentor_id: strawberry.ID = strawberry.field(description="The member you ask.")
    kind: MentorshipKind = strawberry.field(
        default=MentorshipKind.SECONDARY,
        description="PRIMARY, SECONDARY (both: a more senior mentor) or PEER.",
    )
    message: str | None = strawberry.field(
        default=None, description=f"A note to them (at most {mentoring.MAX_MESSAGE} characters)."
    )
    goals: str | None = strawberry.field(
        default=None,
        description=f"What you want from it (at most {mentoring.MAX_GOALS} characters; "
        "visible to the two of you and program admins).",
    )
    meeting_cadence_days: int | None = strawberry.field(
        default=None, description="How often you propose to meet, in days (1 to 365)."
    )


@strawberry.input(description="Answer a mentorship request you received.")
class RespondToMentorshipInput:
    id: strawberry.ID = strawberry.field(description="The mentorship requested.")
    decision: MentorshipDecision = strawberry.field(description="Accept or decline.")
    message: str | None = strawberry.field(default=None, description="A note back.")


@strawberry.input(description="A mentorship, by id.")
class MentorshipIdInput:
    id: strawberry.ID = strawberry.field(description="The mentorship.")


@strawberry.input(description="End an active mentorship.")
class EndMentorshipInput:
    id: strawberry.ID = strawberry.field(description="The mentorship.")
    reason: str | None = strawberry.field(
        default=None, description=f"Why (at most {mentoring.MAX_REASON} characters)."
    )


@strawberry.input(description="Change a mentorship's goals or meeting cadence (either party).")
class UpdateMentorshipInput:
    id: strawberry.ID = strawberry.field(description="The mentorship.")
    goals: str | None = strawberry.field(
        default=strawberry.UNSET, description="New goals; null clears; leave out to keep."
    )
    meeting_cadence_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="Agreed cadence in days; null clears; leave out to keep."
    )


@strawberry.input(description="Log a meeting that took place.")
class LogMentorshipMeetingInput:
    mentorship_id: strawberry.ID = strawberry.field(description="The active mentorship.")
    date: DateTime = strawberry.field(description="When it took place (not in the future).")
    notes: str | None = strawberry.field(
        default=None, description="Notes, visible to the mentor and mentee only."
    )


@strawberry.input(description="Set a milestone on an active mentorship.")
class AddMentorshipMilestoneInput:
    mentorship_id: strawberry.ID = strawberry.field(description="The active mentorship.")
    title: str = strawberry.field(description=f"What (1 to {mentoring.MAX_TITLE} characters).")
    due_at: DateTime | None = strawberry.field(default=None, description="When it is due.")


@strawberry.input(description="Complete (or reopen) a milestone.")
class CompleteMentorshipMilestoneInput:
    id: strawberry.ID = strawberry.field(description="The milestone.")
    completed: bool = strawberry.field(default=True, description="False reopens it.")


@strawberry.input(description="Form a mentoring committee.")
class CreateMentoringCommitteeInput:
    member_ids: list[strawberry.ID] = strawberry.field(
        description="2 to 5 mentors from two divisions at least, none in the mentee's "
        "reporting line; each is invited."
    )
    mentee_id: strawberry.ID | None = strawberry.field(
        default=None, description="For this mentee (program admins); default: you."
    )
    name: str | None = strawberry.field(default=None, description="A name for it.")
    goals: str | None = strawberry.field(default=None, description="What it is for.")
    message: str | None = strawberry.field(default=None, description="A note to the invitees.")


@strawberry.input(description="Invite one more member to a committee.")
class InviteCommitteeMemberInput:
    committee_id: strawberry.ID = strawberry.field(description="The committee.")
    person_id: strawberry.ID = strawberry.field(description="The member to invite.")
    message: str | None = strawberry.field(default=None, description="A note to them.")


@strawberry.input(description="A committee, by id.")
class CommitteeIdInput:
    id: strawberry.ID = strawberry.field(description="The committee.")


@strawberry.input(
    description="Add an advisor to your personal board: a member (`personId`) or someone "
    "outside the network (`name` and `email`)."
)
class AddAdvisorInput:
    role: AdvisorRole = strawberry.field(description="What they advise you on.")
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="A member (invited: they accept or decline)."
    )
    name: str | None = strawberry.field(default=None, description="Someone outside: their name.")
    email: str | None = strawberry.field(default=None, description="Someone outside: their email.")
    note: str | None = strawberry.field(default=None, description="Your note about them.")
    message: str | None = strawberry.field(default=None, description="A note to a member invited.")


@strawberry.input(description="An advisor on your board, by id.")
class AdvisorIdInput:
    id: strawberry.ID = strawberry.field(description="The advisor.")


@strawberry.input(description="Record or remove a reporting line (site admins).")
class SetSupervisionInput:
    supervisor_id: strawberry.ID = strawberry.field(description="The supervisor.")
    supervisee_id: strawberry.ID = strawberry.field(description="The member they supervise.")
    supervises: bool = strawberry.field(default=True, description="False removes the line.")


@strawberry.input(description="A new mentoring program (site admins).")
class CreateMentoringProgramInput:
    name: str = strawberry.field(description="Its name.")
    description: str | None = strawberry.field(default=None, description="What it is.")


@strawberry.input(description="Make a member an admin or member of a program, or take them out.")
class SetMentoringProgramRoleInput:
    program_id: strawberry.ID = strawberry.field(description="The program.")
    person_id: strawberry.ID = strawberry.field(description="The member.")
    role: ProgramRole | None = strawberry.field(default=None, description="Null takes them out.")


# -- payloads -------------------------------------------------------------------------------


@strawberry.type(description="The result of a mutation on a mentorship.")
class MentorshipPayload(Payload[MentorshipRecord], result="mentorship", convert=Mentorship.from_record):
    mentorship: Mentorship | None = strawberry.field(description="The mentorship as it is now.")


@strawberry.type(description="The result of `logMentorshipMeeting`.")
class MeetingPayload(Payload[MeetingRecord], result="meeting", convert=Meeting.from_record):
    meeting: Meeting | None = strawberry.field(description="The meeting logged.")


@strawberry.type(description="The result of a mutation on a milestone.")
class MilestonePayload(Payload[MilestoneRecord], result="milestone", convert=Milestone.from_record):
    milestone: Milestone | None = strawberry.field(description="The milestone as it is now.")


@strawberry.type(description="The result of a mutation on a committee.")
class CommitteePayload(Payload[CommitteeRecord], result="committee", convert=MentoringCommittee.from_record):
    committee: MentoringCommittee | None = strawberry.field(description="The committee as it is now.")


@strawberry.type(description="The result of `addAdvisor`.")
class AdvisorPayload(Payload[AdvisorRecord], result="advisor", convert=Advisor.from_record):
    advisor: Advisor | None = strawberry.field(description="The advisor added.")


@strawberry.type(description="The result of `removeAdvisor`.")
class RemoveAdvisorPayload(Payload[str], result="removed_advisor_id", convert=global_id_of("Advisor")):
    removed_advisor_id: strawberry.ID | None = strawberry.field(description="The advisor removed.")


@strawberry.type(description="The result of `setSupervision`.")
class SetSupervisionPayload(Payload[bool]):
    supervisor_id: strawberry.Private[str]
    supervisee_id: strawberry.Private[str]
    supervises: bool | None = strawberry.field(description="Whether the line now exists.")

    @strawberry.field(description="The supervisor.")
    async def supervisor(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.supervisor_id) if self.supervises is not None else None

    @strawberry.field(description="The member supervised.")
    async def supervisee(self, info: AppInfo) -> LazyPerson | None:
        return await person(info, self.supervisee_id) if self.supervises is not None else None


@strawberry.type(description="The result of a mutation on a mentoring program.")
class MentoringProgramPayload(Payload[ProgramRecord], result="program", convert=MentoringProgram.from_record):
    program: MentoringProgram | None = strawberry.field(description="The program as it is now.")


@strawberry.type
class MentorshipQuery:
    @strawberry.field(description="Mentoring programs, by name.")
    async def mentoring_programs(self, info: AppInfo, first: int = 50) -> list[MentoringProgram]:
        found = await program_rules.list_programs(info.context, first)
        return [MentoringProgram.from_record(p) for p in found]


@strawberry.type
class MentorshipMutation:
    @strawberry.mutation(
        description="Ask a member to mentor you (PRIMARY, SECONDARY or PEER); they are notified."
    )
    async def request_mentorship(self, info: AppInfo, input: RequestMentorshipInput) -> MentorshipPayload:
        return await MentorshipPayload.attempt(lambda: mentorships.request_mentorship(
            info.context, mentor_id=local_id(input.mentor_id, "Person", field="mentorId"),
            kind=input.kind.value, message=input.message, goals=input.goals,
            cadence_days=input.meeting_cadence_days,
        ))

    @strawberry.mutation(
        description="Accept or decline a request you received (accepting checks your "
        "acceptingMentees and menteeCapacity); the mentee is notified."
    )
    async def respond_to_mentorship(
        self, info: AppInfo, input: RespondToMentorshipInput
    ) -> MentorshipPayload:
        return await MentorshipPayload.attempt(lambda: mentorships.respond(
            info.context, local_id(input.id, "Mentorship"),
            accept=input.decision == MentorshipDecision.ACCEPT, message=input.message,
        ))

    @strawberry.mutation(description="Withdraw a request before it is answered; the mentor is notified.")
    async def withdraw_mentorship_request(
        self, info: AppInfo, input: MentorshipIdInput
    ) -> MentorshipPayload:
        return await MentorshipPayload.attempt(
            lambda: mentorships.withdraw(info.context, local_id(input.id, "Mentorship"))
        )

    @strawberry.mutation(description="End an active mentorship; the other party is notified.")
    async def end_mentorship(self, info: AppInfo, input: EndMentorshipInput) -> MentorshipPayload:
        return await MentorshipPayload.attempt(lambda: mentorships.end(
            info.context, local_id(input.id, "Mentorship"), reason=input.reason
        ))

    @strawberry.mutation(description="Change a mentorship's goals or agreed meeting cadence.")
    async def update_mentorship(self, info: AppInfo, input: UpdateMentorshipInput) -> MentorshipPayload:
        return await MentorshipPayload.attempt(lambda: mentorships.update(
            info.context, local_id(input.id, "Mentorship"),
            goals=None if input.goals is strawberry.UNSET else (input.goals,),
            cadence_days=None if input.meeting_cadence_days is strawberry.UNSET
            else (input.meeting_cadence_days,),
        ))

    @strawberry.mutation(description="Log a meeting on an active mentorship you are part of.")
    async def log_mentorship_meeting(
        self, info: AppInfo, input: LogMentorshipMeetingInput
    ) -> MeetingPayload:
        return await MeetingPayload.attempt(lambda: mentorships.log_meeting(
            info.context, local_id(input.mentorship_id, "Mentorship", field="mentorshipId"),
            date=to_ms(input.date), notes=input.notes,
        ))

    @strawberry.mutation(description="Set a milestone on an active mentorship you are part of.")
    async def add_mentorship_milestone(
        self, info: AppInfo, input: AddMentorshipMilestoneInput
    ) -> MilestonePayload:
        return await MilestonePayload.attempt(lambda: mentorships.add_milestone(
            info.context, local_id(input.mentorship_id, "Mentorship", field="mentorshipId"),
            title=input.title, due_at=None if input.due_at is None else to_ms(input.due_at),
        ))

    @strawberry.mutation(description="Complete (or reopen) a milestone.")
    async def complete_mentorship_milestone(
        self, info: AppInfo, input: CompleteMentorshipMilestoneInput
    ) -> MilestonePayload:
        return await MilestonePayload.attempt(lambda: mentorships.complete_milestone(
            info.context, local_id(input.id, "Milestone"), completed=input.completed
        ))

    @strawberry.mutation(
        description="Form a mentoring committee (the mentee, or a program admin for them); "
        "every member is invited and accepts individually."
    )
    async def create_mentoring_committee(
        self, info: AppInfo, input: CreateMentoringCommitteeInput
    ) -> CommitteePayload:
        return await CommitteePayload.attempt(lambda: committee_rules.create_committee(
            info.context, mentee_id=optional_id(input.mentee_id, "Person", "menteeId"),
            member_ids=ids(input.member_ids, "Person", field="memberIds"), name=input.name,
            goals=input.goals, message=input.message,
        ))

    @strawberry.mutation(description="Invite one more member to a committee (at most 5 open seats).")
    async def invite_committee_member(
        self, info: AppInfo, input: InviteCommitteeMemberInput
    ) -> CommitteePayload:
        return await CommitteePayload.attempt(lambda: committee_rules.invite_committee_member(
            info.context, local_id(input.committee_id, "MentoringCommittee", field="committeeId"),
            person_id=local_id(input.person_id, "Person", field="personId"),
            message=input.message,
        ))

    @strawberry.mutation(description="Dissolve a committee: open seats close and members are told.")
    async def dissolve_mentoring_committee(
        self, info: AppInfo, input: CommitteeIdInput
    ) -> CommitteePayload:
        return await CommitteePayload.attempt(lambda: committee_rules.dissolve_committee(
            info.context, local_id(input.id, "MentoringCommittee")
        ))

    @strawberry.mutation(description="Add an advisor to your personal board of advisors.")
    async def add_advisor(self, info: AppInfo, input: AddAdvisorInput) -> AdvisorPayload:
        return await AdvisorPayload.attempt(lambda: board_rules.add_advisor(
            info.context, role=input.role.value, note=input.note,
            person_id=optional_id(input.person_id, "Person", "personId"), name=input.name,
            email=input.email, message=input.message,
        ))

    @strawberry.mutation(description="Remove an advisor from your board (a member's seat closes).")
    async def remove_advisor(self, info: AppInfo, input: AdvisorIdInput) -> RemoveAdvisorPayload:
        return await RemoveAdvisorPayload.attempt(
            lambda: board_rules.remove_advisor(info.context, local_id(input.id, "Advisor"))
        )

    @strawberry.mutation(description="Record or remove that one member supervises another (site admins).")
    async def set_supervision(self, info: AppInfo, input: SetSupervisionInput) -> SetSupervisionPayload:
        supervisor = local_id(input.supervisor_id, "Person", field="supervisorId")
        supervisee = local_id(input.supervisee_id, "Person", field="superviseeId")

        supervises, errors = await attempt(lambda: program_rules.set_supervision(
            info.context, supervisor_id=supervisor, supervisee_id=supervisee,
            supervises=input.supervises,
        ))
        return SetSupervisionPayload(
            supervisor_id=supervisor, supervisee_id=supervisee, supervises=supervises, errors=errors
        )

    @strawberry.mutation(description="Create a mentoring program (site admins).")
    async def create_mentoring_program(
        self, info: AppInfo, input: CreateMentoringProgramInput
    ) -> MentoringProgramPayload:
        return await MentoringProgramPayload.attempt(lambda: program_rules.create_program(
            info.context, name=input.name, description=input.description
        ))

    @strawberry.mutation(
        description="Make a member an ADMIN or MEMBER of a program, or take them out (site "
        "admins and the program's admins)."
    )
    async def set_mentoring_program_role(
        self, info: AppInfo, input: SetMentoringProgramRoleInput
    ) -> MentoringProgramPayload:
        return await MentoringProgramPayload.attempt(lambda: program_rules.set_program_role(
            info.context, local_id(input.program_id, "MentoringProgram", field="programId"),
            person_id=local_id(input.person_id, "Person", field="personId"),
            role=input.role.value if input.role else None,
        ))
