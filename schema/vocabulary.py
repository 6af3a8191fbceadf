"""GraphQL types and autocomplete fields for research interests and mentorship areas."""

from __future__ import annotations

import strawberry

from graph_db.records import TermRecord
from resolvers import vocabulary as vocabulary_resolvers
from schema.base import AppInfo, Node, node_resolver, to_global_id


@strawberry.type(description="A research interest from the shared vocabulary.")
class Interest(Node):
    record: strawberry.Private[TermRecord]

    @classmethod
    def from_record(cls, record: TermRecord) -> Interest:
        return cls(id=to_global_id("Interest", record.id), record=record)

    @strawberry.field(description="Its normalised key: lowercase words joined by '-'.")
    def slug(self) -> str:
        return self.record.slug

    @strawberry.field(description="Its display name.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="The wider interest it belongs under, if any.")
    async def broader(self, info: AppInfo) -> Interest | None:
        if self.record.broaderId is None:
            return None
        found = await vocabulary_resolvers.term(info.context, self.record.broaderId)
        return Interest.from_record(found) if found else None

    @strawberry.field(description="The interests directly under this one, by name.")
    async def narrower(self, info: AppInfo) -> list[Interest]:
        found = await vocabulary_resolvers.narrower(info.context, self.record.id)
        return [Interest.from_record(t) for t in found]

    @strawberry.field(description="How many members list it among their interests.")
    async def member_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).members


@strawberry.type(description="A mentorship area: something members mentor in or seek mentoring in.")
class MentorshipArea(Node):
    record: strawberry.Private[TermRecord]

    @classmethod
    def from_record(cls, record: TermRecord) -> MentorshipArea:
        return cls(id=to_global_id("MentorshipArea", record.id), record=record)

    @strawberry.field(description="Its normalised key: lowercase words joined by '-'.")
    def slug(self) -> str:
        return self.record.slug

    @strawberry.field(description="Its display name, e.g. 'Grant Writing'.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="How many members offer or seek mentoring in it.")
    async def member_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).members

    @strawberry.field(description="How many members offer mentoring in it.")
    async def offered_by_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).offeredBy

    @strawberry.field(description="How many members seek mentoring in it.")
    async def sought_by_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).soughtBy


@node_resolver("Interest")
async def _resolve_interests(info: AppInfo, ids: list[str]) -> list[Interest | None]:
    found = await vocabulary_resolvers.terms(info.context, ids)
    return [Interest.from_record(t) if t and t.kind == "Interest" else None for t in found]


@node_resolver("MentorshipArea")
async def _resolve_areas(info: AppInfo, ids: list[str]) -> list[MentorshipArea | None]:
    found = await vocabulary_resolvers.terms(info.context, ids)
    return [MentorshipArea.from_record(t) if t and t.kind == "MentorshipArea" else None for t in found]


@strawberry.type
class VocabularyQuery:
    @strawberry.field(
        description="Autocomplete for research interests: those with a word starting with "
        "`prefix` (all, without one), most used first."
    )
    async def interests(
        self, info: AppInfo, prefix: str | None = None, first: int | None = 10
    ) -> list[Interest]:
        found = await vocabulary_resolvers.autocomplete(info.context, "Interest", prefix, first)
        return [Interest.from_record(t) for t in found]

    @strawberry.field(
        description="Autocomplete for mentorship areas: those with a word starting with "
        "`prefix` (all, without one), most used first."
    )
    async def mentorship_areas(
        self, info: AppInfo, prefix: str | None = None, first: int | None = 10
    ) -> list[MentorshipArea]:
        found = await vocabulary_resolvers.autocomplete(info.context, "MentorshipArea", prefix, first)
        return [MentorshipArea.from_record(t) for t in found]
