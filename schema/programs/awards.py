"""GraphQL for mentoring awards: definitions, cycles, nominations, review and winners."""

from __future__ import annotations

from typing import Any, Self

import strawberry
from strawberry.scalars import JSON

from graph_db.programs.records import AwardCycleRecord, AwardRecord, BadgeRecord, NominationRecord
from resolvers.programs import awards as rules
from resolvers.programs.awards import RankedNomination
from schema.base import (
    AppInfo,
    DateTime,
    Payload,
    RecordNode,
    attr_field,
    global_id_of,
    local_id,
    nodes,
    person,
    person_field,
    timestamp_field,
    to_global_id,
    to_ms,
)
from schema.mentorship.types import LazyPerson


@strawberry.type(description="A mentoring award: eligibility rules and scoring criteria are data.")
class Award(RecordNode[AwardRecord]):
    name: str = attr_field("record.name", description="Name.")

    description: str | None = attr_field("record.description", description="What it recognises.")

    @strawberry.field(
        description="Who may be nominated: every rule must hold (RANK_IN, MENTORING_YEARS_AT_LEAST, "
        "MENTORED_RANK), as JSON."
    )
    def eligibility(self) -> JSON:
        return JSON([dict(rule) for rule in self.record.eligibility])

    criteria: list[str] = attr_field(
        "record.criteria", list,
        description="What the committee scores, 1 to 5 each.",
    )

    notifies_nominee: bool = attr_field(
        "record.notifyNominee",
        description="Whether nominees are told when nominated (else at the results).",
    )


@strawberry.type(description="One year of an award: windows, committee, winners once published.")
class AwardCycle(RecordNode[AwardCycleRecord]):
    @strawberry.field(description="The award.")
    async def award(self, info: AppInfo) -> Award | None:
        found = await rules.get_award(info.context, self.record.awardId)
        return Award.from_record(found) if found else None

    year: int = attr_field("record.year", description="The year.")

    nomination_opens_at: DateTime = timestamp_field("record.nominationOpensAt", "When nominations open.")

    nomination_closes_at: DateTime = timestamp_field("record.nominationClosesAt", "When nominations close.")

    review_opens_at: DateTime = timestamp_field("record.reviewOpensAt", "When the committee's review opens.")

    review_closes_at: DateTime = timestamp_field(
        "record.reviewClosesAt", "When the committee's review closes."
    )

    published_at: DateTime | None = timestamp_field("record.publishedAt", "When the winners were published.")

    @strawberry.field(description="The winners, once published.")
    async def winners(self, info: AppInfo) -> list[LazyPerson]:
        if self.record.publishedAt is None:
            return []
        found = [await person(info, i) for i in self.record.winnerIds]
        return [p for p in found if p is not None]


nodes("Award", Award.from_record, get=rules.get_award, signed_in=True)
nodes("AwardCycle", AwardCycle.from_record, get=rules.get_cycle, signed_in=True)


@strawberry.type(description="A nomination (seen by its nominator, the committee and site admins).")
class AwardNomination:
    record: strawberry.Private[NominationRecord]

    statement: str = attr_field("record.statement", description="The nominating statement.")

    created_at: DateTime = timestamp_field("record.createdAt", "When it was made.")

    id: strawberry.ID = attr_field("record.id", global_id_of("AwardNomination"), description="The opaque id.")

    nominee: LazyPerson | None = person_field("record.nomineeId", "Who is nominated.")

    nominator: LazyPerson | None = person_field("record.nominatorId", "Who nominated them.")

    support_count: int = attr_field("record.supporters", len, description="How many support letters it has.")


@strawberry.type(description="A nomination as a committee member sees it.")
class AwardReviewItem:
    nomination: AwardNomination = strawberry.field(description="The nomination.")
    conflict_of_interest: bool = strawberry.field(
        description="True when you may not score it: the nominee is you, your mentor or mentee, "
        "or in your division."
    )


@strawberry.type(description="A nomination's place in the committee's ranking.")
class RankedAwardNomination:
    row: strawberry.Private[RankedNomination]

    rank: int = attr_field("row.rank", description="1 is first.")

    @strawberry.field(description="The nomination.")
    def nomination(self) -> AwardNomination:
        return AwardNomination(record=self.row.nomination)

    mean_score: float | None = attr_field(
        "row.mean",
        description="Mean total score over non-conflicted reviewers (null: unscored).",
    )

    score_count: int = attr_field("row.scores", description="How many reviewers' scores count.")


@strawberry.type(description="An award a member won: shown on their profile.")
class AwardBadge:
    record: strawberry.Private[BadgeRecord]

    @classmethod
    def from_record(cls, record: BadgeRecord) -> Self:
        return cls(record=record)

    @strawberry.field(description="The award.")
    def award_id(self) -> strawberry.ID:
        return to_global_id("Award", self.record.awardId)

    name: str = attr_field("record.name", description="The award's name.")

    @strawberry.field(description="The year won.")
    def year(self) -> int:
        return int(self.record.year)

    @strawberry.field(description="The award cycle whose winners were published.")
    def cycle_id(self) -> strawberry.ID:
        return to_global_id("AwardCycle", self.record.cycleId)

    awarded_at: DateTime = timestamp_field("record.awardedAt", "When the winners were published.")


@strawberry.input(description="An eligibility rule (see Award.eligibility).")
class EligibilityRuleInput:
    rule: str = strawberry.field(description="RANK_IN, MENTORING_YEARS_AT_LEAST or MENTORED_RANK.")
    ranks: list[str] | None = strawberry.field(default=None, description="For RANK_IN, MENTORED_RANK.")
    years: int | None = strawberry.field(default=None, description="For MENTORING_YEARS_AT_LEAST.")
    at_least: int | None = strawberry.field(default=None, description="For MENTORED_RANK (default 1).")


@strawberry.input(description="A new award (site admins).")
class CreateAwardInput:
    name: str = strawberry.field(description="Name.")
    criteria: list[str] = strawberry.field(description="What the committee scores (1 to 10 names).")
    eligibility: list[EligibilityRuleInput] = strawberry.field(description="Rules that must all hold.")
    description: str | None = strawberry.field(default=None, description="What it recognises.")
    notify_nominee: bool = strawberry.field(default=False, description="Tell nominees when nominated.")


@strawberry.input(description="A yearly cycle of an award with its review committee (site admins).")
class CreateAwardCycleInput:
    award_id: strawberry.ID = strawberry.field(description="The award.")
    year: int = strawberry.field(description="The year.")
    nomination_opens_at: DateTime = strawberry.field(description="Nominations open.")
    nomination_closes_at: DateTime = strawberry.field(description="Nominations close.")
    review_opens_at: DateTime = strawberry.field(description="Review opens.")
    review_closes_at: DateTime = strawberry.field(description="Review closes.")
    reviewer_ids: list[strawberry.ID] = strawberry.field(description="The committee.")


@strawberry.input(description="Nominate a member for an award cycle.")
class NominateForAwardInput:
    cycle_id: strawberry.ID = strawberry.field(description="The award cycle.")
    nominee_id: strawberry.ID = strawberry.field(description="Who (an eligible member, not you).")
    statement: str = strawberry.field(description="Why.")


@strawberry.input(description="Add a support letter to a nomination.")
class SupportAwardNominationInput:
    nomination_id: strawberry.ID = strawberry.field(description="The nomination.")
    letter: str = strawberry.field(description="The letter.")


@strawberry.input(description="Score a nomination, one score (1 to 5) per criterion, in order.")
class ScoreAwardNominationInput:
    nomination_id: strawberry.ID = strawberry.field(description="The nomination.")
    scores: list[int] = strawberry.field(description="One per criterion.")


@strawberry.input(description="Publish the winners of a cycle (site admins).")
class PublishAwardWinnersInput:
    cycle_id: strawberry.ID = strawberry.field(description="The award cycle.")
    winner_nomination_ids: list[strawberry.ID] = strawberry.field(description="The winning nominations.")


@strawberry.type(description="The result of a mutation on an award.")
class AwardPayload(Payload[AwardRecord], result="award", convert=Award.from_record):
    award: Award | None = strawberry.field(description="The award.")


@strawberry.type(description="The result of a mutation on an award cycle.")
class AwardCyclePayload(Payload[AwardCycleRecord], result="cycle", convert=AwardCycle.from_record):
    cycle: AwardCycle | None = strawberry.field(description="The cycle as it is now.")


@strawberry.type(description="The result of a mutation on a nomination.")
class AwardNominationPayload(
    Payload[NominationRecord], result="nomination", convert=lambda r: AwardNomination(record=r)
):
    nomination: AwardNomination | None = strawberry.field(description="The nomination.")


def _nomination_id(value: strawberry.ID, field: str = "nominationId") -> str:
    return local_id(value, "AwardNomination", field=field)


def _rule(r: EligibilityRuleInput) -> dict[str, Any]:
    return {"rule": r.rule, "ranks": r.ranks, "years": r.years, "atLeast": r.at_least}


@strawberry.type
class AwardsQuery:
    @strawberry.field(description="Award cycles taking nominations now.")
    async def open_award_cycles(self, info: AppInfo) -> list[AwardCycle]:
        return [AwardCycle.from_record(c) for c in await rules.open_cycles(info.context)]

    @strawberry.field(
        description="A cycle's nominations for its committee (and site admins), each with whether "
        "you have a conflict of interest."
    )
    async def award_nominations_to_review(
        self, info: AppInfo, cycle_id: strawberry.ID
    ) -> list[AwardReviewItem]:
        found = await rules.to_review(info.context, local_id(cycle_id, "AwardCycle", field="cycleId"))
        return [
            AwardReviewItem(nomination=AwardNomination(record=n), conflict_of_interest=c) for n, c in found
        ]

    @strawberry.field(
        description="A cycle's nominations ranked by mean committee score, conflicted scores "
        "excluded (the committee and site admins)."
    )
    async def award_results(self, info: AppInfo, cycle_id: strawberry.ID) -> list[RankedAwardNomination]:
        found = await rules.results(info.context, local_id(cycle_id, "AwardCycle", field="cycleId"))
        return [RankedAwardNomination(row=r) for r in found]

    @strawberry.field(description="The awards a member won (the badges on their profile), newest first.")
    async def award_badges(self, info: AppInfo, person_id: strawberry.ID) -> list[AwardBadge]:
        found = await rules.badges(info.context, local_id(person_id, "Person", field="personId"))
        return [AwardBadge.from_record(b) for b in found]


@strawberry.type
class AwardsMutation:
    @strawberry.mutation(description="Define an award (site admins).")
    async def create_award(self, info: AppInfo, input: CreateAwardInput) -> AwardPayload:
        return await AwardPayload.attempt(lambda: rules.create_award(
            info.context, name=input.name, description=input.description,
            eligibility=[_rule(r) for r in input.eligibility], criteria=input.criteria,
            notify_nominee=input.notify_nominee,
        ))

    @strawberry.mutation(description="Open a yearly cycle of an award with its committee (site admins).")
    async def create_award_cycle(self, info: AppInfo, input: CreateAwardCycleInput) -> AwardCyclePayload:
        return await AwardCyclePayload.attempt(lambda: rules.create_cycle(
            info.context, award_id=local_id(input.award_id, "Award", field="awardId"), year=input.year,
            nomination_opens_at=to_ms(input.nomination_opens_at),
            nomination_closes_at=to_ms(input.nomination_closes_at),
            review_opens_at=to_ms(input.review_opens_at), review_closes_at=to_ms(input.review_closes_at),
            reviewer_ids=[local_id(r, "Person", field="reviewerIds") for r in input.reviewer_ids],
        ))

    @strawberry.mutation(description="Nominate an eligible member (the nominee is not told until results).")
    async def nominate_for_award(self, info: AppInfo, input: NominateForAwardInput) -> AwardNominationPayload:
        return await AwardNominationPayload.attempt(lambda: rules.nominate(
            info.context, local_id(input.cycle_id, "AwardCycle", field="cycleId"),
            local_id(input.nominee_id, "Person", field="nomineeId"), input.statement,
        ))

    @strawberry.mutation(description="Add your support letter to a nomination.")
    async def support_award_nomination(
        self, info: AppInfo, input: SupportAwardNominationInput
    ) -> AwardNominationPayload:
        return await AwardNominationPayload.attempt(
            lambda: rules.support(info.context, _nomination_id(input.nomination_id), input.letter)
        )

    @strawberry.mutation(
        description="Score a nomination (the committee; never your own, your mentor's or mentee's, "
        "or your division's: FORBIDDEN)."
    )
    async def score_award_nomination(
        self, info: AppInfo, input: ScoreAwardNominationInput
    ) -> AwardNominationPayload:
        return await AwardNominationPayload.attempt(
            lambda: rules.score(info.context, _nomination_id(input.nomination_id), input.scores)
        )

    @strawberry.mutation(description="Publish the winners: badges on their profiles, and they are told.")
    async def publish_award_winners(
        self, info: AppInfo, input: PublishAwardWinnersInput
    ) -> AwardCyclePayload:
        return await AwardCyclePayload.attempt(lambda: rules.publish(
            info.context, local_id(input.cycle_id, "AwardCycle", field="cycleId"),
            [_nomination_id(n, "winnerNominationIds") for n in input.winner_nomination_ids],
        ))


TYPES: tuple[type, ...] = (Award, AwardCycle)
