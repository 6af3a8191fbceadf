"""GraphQL types and autocomplete fields for research interests and mentorship areas."""

from __future__ import annotations

from typing import Self

import strawberry

from graph_db.errors import InvalidInput
from graph_db.people_records import TermRecord
from resolvers import vocabulary as vocabulary_resolvers
from schema.base import (
    AppInfo,
    Payload,
    RecordNode,
    UserError,
    attr_field,
    from_global_id,
    load_optional,
    nodes,
    of_kind,
)


@strawberry.type(description="A research interest from the shared vocabulary.")
class Interest(RecordNode[TermRecord]):
    slug: str = attr_field("record.slug", description="Its normalised key: lowercase words joined by '-'.")

    name: str = attr_field("record.name", description="Its display name.")

    aliases: list[str] = attr_field(
        "record.aliases", list,
        description="Other names search finds it by (e.g. 'Renal' for Kidney Disease); site admins manage "
        "them with addTermAlias and removeTermAlias.",
    )

    @strawberry.field(description="The wider interest it belongs under, if any.")
    async def broader(self, info: AppInfo) -> Interest | None:
        return await load_optional(
            info, self.record.broaderId, vocabulary_resolvers.term, Interest.from_record
        )

    @strawberry.field(description="The interests directly under this one, by name.")
    async def narrower(self, info: AppInfo) -> list[Interest]:
        found = await vocabulary_resolvers.narrower(info.context, self.record.id)
        return [Interest.from_record(t) for t in found]

    @strawberry.field(description="How many members list it among their interests.")
    async def member_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).members


@strawberry.type(description="A mentorship area: something members mentor in or seek mentoring in.")
class MentorshipArea(RecordNode[TermRecord]):
    slug: str = attr_field("record.slug", description="Its normalised key: lowercase words joined by '-'.")

    name: str = attr_field("record.name", description="Its display name, e.g. 'Grant Writing'.")

    aliases: list[str] = attr_field(
        "record.aliases", list,
        description="Other names search finds it by; site admins manage them with addTermAlias and "
        "removeTermAlias.",
    )

    @strawberry.field(description="How many members offer or seek mentoring in it.")
    async def member_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).members

    @strawberry.field(description="How many members offer mentoring in it.")
    async def offered_by_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).offeredBy

    @strawberry.field(description="How many members seek mentoring in it.")
    async def sought_by_count(self, info: AppInfo) -> int:
        return (await vocabulary_resolvers.usage(info.context, self.record)).soughtBy


nodes("Interest", of_kind("Interest", Interest.from_record), get_many=vocabulary_resolvers.terms)
nodes(
    "MentorshipArea", of_kind("MentorshipArea", MentorshipArea.from_record),
    get_many=vocabulary_resolvers.terms,
)


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


@strawberry.input(description="An alias of an interest or mentorship area.")
class TermAliasInput:
    term_id: strawberry.ID = strawberry.field(description="The Interest or MentorshipArea.")
    alias: str = strawberry.field(
        description="Another name for it (at most 100 characters), e.g. 'AI' for Machine Learning."
    )


@strawberry.type(
    description="The result of changing a term's aliases. Error codes: BAD_USER_INPUT (an "
    "empty alias, one of stop words only, too long, or too many aliases), NOT_FOUND (no such "
    "term, or no such alias to remove), CONFLICT (search would already read the alias as this "
    "or another term of the same vocabulary, or another admin changed the aliases meanwhile)."
)
class TermAliasPayload(Payload[TermRecord]):
    interest: Interest | None = strawberry.field(
        description="The interest as stored, when the term is one; null on errors."
    )
    mentorship_area: MentorshipArea | None = strawberry.field(
        description="The mentorship area as stored, when the term is one; null on errors."
    )
    errors: list[UserError] = strawberry.field(description="What to fix, if anything.")

    @classmethod
    def of(cls, record: TermRecord | None, errors: list[UserError]) -> Self:
        return cls(
            interest=Interest.from_record(record) if record and record.kind == "Interest" else None,
            mentorship_area=(
                MentorshipArea.from_record(record) if record and record.kind == "MentorshipArea" else None
            ),
            errors=errors,
        )


def _term_id(value: strawberry.ID) -> str:
    kind, local = from_global_id(value, field="termId")
    if kind not in ("Interest", "MentorshipArea"):
        raise InvalidInput("expected the id of an interest or mentorship area", field="termId")
    return local


@strawberry.type
class VocabularyMutation:
    @strawberry.mutation(
        description="Give an interest or mentorship area another name that people search finds "
        "it by: a search naming the alias finds the term's holders (and, for an interest, the "
        "holders of the interests below it). Site admins."
    )
    async def add_term_alias(self, info: AppInfo, input: TermAliasInput) -> TermAliasPayload:
        return await TermAliasPayload.attempt(lambda: vocabulary_resolvers.add_alias(
            info.context, _term_id(input.term_id), input.alias
        ))

    @strawberry.mutation(
        description="Remove an alias of an interest or mentorship area (matched ignoring case). "
        "Site admins."
    )
    async def remove_term_alias(self, info: AppInfo, input: TermAliasInput) -> TermAliasPayload:
        return await TermAliasPayload.attempt(lambda: vocabulary_resolvers.remove_alias(
            info.context, _term_id(input.term_id), input.alias
        ))
