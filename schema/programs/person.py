"""The award fields of Person, as a base class schema.people's Person inherits (as
schema.mentorship.person does for mentoring), so this domain owns them."""

from __future__ import annotations

import strawberry

from graph_db.people_records import PersonRecord
from resolvers.programs import awards as award_rules
from schema.base import AppInfo
from schema.programs.awards import AwardBadge


@strawberry.type
class PersonAwards:
    record: strawberry.Private[PersonRecord]

    @strawberry.field(
        description="The mentoring awards this member won (published winners), newest first: "
        "the badges on their profile. Empty for a member blocked either way."
    )
    async def badges(self, info: AppInfo) -> list[AwardBadge]:
        found = await award_rules.badges(info.context, self.record.id)
        return [AwardBadge.from_record(b) for b in found]
