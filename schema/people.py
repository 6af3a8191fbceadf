"""GraphQL types and root fields for people."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph_db.records import PersonRecord
from resolvers import people as people_resolvers
from schema.base import AppInfo, Connection, DateTime, Node, from_ms, node_resolver, to_global_id
from schema.mentorship.person import PersonMentoring

if TYPE_CHECKING:
    from schema.posts import Post


@strawberry.enum(description="A member's site-wide role.")
class Role(Enum):
    MEMBER = "MEMBER"
    MODERATOR = "MODERATOR"
    ADMIN = "ADMIN"


@strawberry.type(description="A member of the mentoring network.")
class Person(Node, PersonMentoring):  # mentoring fields: schema.mentorship.person
    record: strawberry.Private[PersonRecord]

    @classmethod
    def from_record(cls, record: PersonRecord) -> Person:
        return cls(id=to_global_id("Person", record.id), record=record)

    @strawberry.field(description="Full name as the member wants it shown.")
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="Job title, e.g. 'Associate Professor of Medicine'.")
    def title(self) -> str | None:
        return self.record.title

    @strawberry.field(description="The member's site-wide role.")
    def role(self) -> Role:
        return Role(self.record.role)

    @strawberry.field(description="When the member joined.")
    def created_at(self) -> DateTime:
        return from_ms(self.record.createdAt)

    @strawberry.field(description="The member's updates, newest first (those you may see).")
    async def posts(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Post, strawberry.lazy("schema.posts")]]:
        from schema.posts import person_posts

        return await person_posts(info, self.record.id, first=first, after=after)


@node_resolver("Person")
async def _resolve_people(info: AppInfo, ids: list[str]) -> list[Person | None]:
    records = await people_resolvers.get_people(info.context, ids)
    return [Person.from_record(r) if r else None for r in records]


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The signed-in member, or null when signed out.")
    async def me(self, info: AppInfo) -> Person | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        record = await people_resolvers.get_person(info.context, viewer.id)
        return Person.from_record(record) if record else None
