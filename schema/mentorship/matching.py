"""GraphQL for mentor and collaborator recommendations."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers import matching as resolvers
from resolvers.matching import MentorQuery
from resolvers.matching import Recommendation as RecommendationRecord
from schema.base import AppInfo, attr_field, ids, local_id
from schema.mentorship.types import LazyPerson, MentorshipKind


@strawberry.enum(description="What a reason for a recommendation is about.")
class MatchReasonKind(Enum):
    INTERESTS = "INTERESTS"
    RELATED_INTERESTS = "RELATED_INTERESTS"
    AREAS = "AREAS"
    SENIORITY = "SENIORITY"
    PROXIMITY = "PROXIMITY"
    LOAD = "LOAD"
    PLACE = "PLACE"


@strawberry.type(description="One reason a member is recommended, and the points it adds.")
class MatchReason:
    kind: MatchReasonKind = strawberry.field(description="What it is about.")
    text: str = strawberry.field(
        description="For people, e.g. 'shares 3 research interests: Heart Failure, "
        "Cardio-Oncology and Cardiac Imaging' or 'offers Grant Writing, which you seek'."
    )
    points: float = strawberry.field(description="Its share of the score (0 for PLACE).")


@strawberry.type(description="A recommended member, with a score and the reasons for it.")
class Recommendation:
    record: strawberry.Private[RecommendationRecord]

    @strawberry.field(description="The member recommended.")
    async def person(self, info: AppInfo) -> LazyPerson:
        from schema.people import Person

        return Person.from_record(self.record.person)

    @strawberry.field(description="The score (higher is better; ties ordered by id).")
    def score(self) -> float:
        return round(self.record.score, 4)

    @strawberry.field(description="Why, largest share first; the last one says who and where they are.")
    def reasons(self) -> list[MatchReason]:
        ordered = sorted(self.record.reasons, key=lambda r: (r.kind == "PLACE", -r.points))
        return [MatchReason(kind=MatchReasonKind(r.kind), text=r.text, points=round(r.points, 4))
                for r in ordered]

    mutual_connections: int = attr_field(
        "record.mutual_connections",
        description="Connections you share with them (0 if none or already connected).",
    )


async def _recommendations(
    info: AppInfo, found: list[RecommendationRecord]
) -> list[Recommendation]:
    """Recommendations with what the query shows of their people preloaded."""
    from schema.people import preload_people  # schema.people builds on this package

    await preload_people(info, (r.person for r in found))
    return [Recommendation(record=r) for r in found]



@strawberry.input(description="What kind of mentor to look for, and where.")
class MentorRecommendationsInput:
    kind: MentorshipKind = strawberry.field(
        default=MentorshipKind.SECONDARY,
        description="PRIMARY and SECONDARY mentors must be more senior than the mentee.",
    )
    interests: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Research interests to match on (default: the mentee's own)."
    )
    mentorship_areas: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Mentorship areas sought (default: those the mentee seeks)."
    )
    cross_division_only: bool = strawberry.field(
        default=False, description="Only mentors outside the mentee's division."
    )
    cross_hospital_only: bool = strawberry.field(
        default=False, description="Only mentors at another hospital."
    )
    first: int = strawberry.field(default=10, description=f"How many (1 to {resolvers.MAX_FIRST}).")
    mentee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Recommend for this member instead (program admins only)."
    )


@strawberry.type
class MatchingQuery:
    @strawberry.field(
        description="Mentors for you (or, for program admins, a named mentee), best first: "
        "never the mentee, a current or requested mentor, anyone blocked either way, anyone "
        "without free mentee places, anyone in the mentee's reporting line, or (PRIMARY and "
        "SECONDARY) anyone not more senior."
    )
    async def mentor_recommendations(
        self, info: AppInfo, input: MentorRecommendationsInput | None = None
    ) -> list[Recommendation]:
        input = input or MentorRecommendationsInput()  # every field has a default
        query = MentorQuery(
            kind=input.kind.value,
            interest_ids=None if input.interests is None else ids(input.interests, "Interest", "interests"),
            area_ids=None if input.mentorship_areas is None
            else ids(input.mentorship_areas, "MentorshipArea", "mentorshipAreas"),
            cross_division_only=input.cross_division_only,
            cross_hospital_only=input.cross_hospital_only, first=input.first,
            mentee_id=None if input.mentee_id is None
            else local_id(input.mentee_id, "Person", field="menteeId"),
        )
        found = await resolvers.mentor_recommendations(info.context, query)
        return await _recommendations(info, found)

    @strawberry.field(
        description="Members in other divisions or hospitals who share your research "
        "interests and are not yet your connections: people to start new projects with."
    )
    async def collaborator_recommendations(
        self, info: AppInfo, first: int = 10
    ) -> list[Recommendation]:
        found = await resolvers.collaborator_recommendations(info.context, first)
        return await _recommendations(info, found)
