"""GraphQL types, root fields and profile mutations for people."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry

from graph_db.errors import InvalidInput
from graph_db.people_records import (
    LinkRecord,
    PersonCardRecord,
    PersonRecord,
    RelationRecord,
    TermRecord,
)
from resolvers import network as network_resolvers
from resolvers import people as people_resolvers
from resolvers import planner
from resolvers.loaders import then
from resolvers.pagination import Page
from resolvers.people import UNSET, TermChoice
from schema.base import (
    AppInfo,
    Connection,
    DateTime,
    Payload,
    RecordNode,
    UserError,
    attr_field,
    connection,
    from_global_id,
    from_ms,
    ids,
    load_optional,
    local_id,
    nodes,
    optional_id,
    selected_names,
    timestamp_field,
    to_global_id,
)
from schema.mentorship.person import PersonMentoring
from schema.programs.person import PersonAwards
from schema.taxonomy import Department, Division, Hospital
from schema.vocabulary import Interest, MentorshipArea

if TYPE_CHECKING:
    from schema.posts import Post


@strawberry.enum(description="A member's site-wide role.")
class Role(Enum):
    MEMBER = "MEMBER"
    MODERATOR = "MODERATOR"
    ADMIN = "ADMIN"


@strawberry.enum(description="Academic rank or training stage.")
class AcademicRank(Enum):
    MEDICAL_STUDENT = "MEDICAL_STUDENT"
    GRADUATE_STUDENT = "GRADUATE_STUDENT"
    RESIDENT = "RESIDENT"
    CLINICAL_FELLOW = "CLINICAL_FELLOW"
    POSTDOCTORAL_FELLOW = "POSTDOCTORAL_FELLOW"
    INSTRUCTOR = "INSTRUCTOR"
    ASSISTANT_PROFESSOR = "ASSISTANT_PROFESSOR"
    ASSOCIATE_PROFESSOR = "ASSOCIATE_PROFESSOR"
    PROFESSOR = "PROFESSOR"
    EMERITUS = "EMERITUS"
    RESEARCH_STAFF = "RESEARCH_STAFF"
    CLINICAL_STAFF = "CLINICAL_STAFF"


@strawberry.enum(description="Who may see a contact field (the owner and admins always can).")
class Visibility(Enum):
    CONNECTIONS = strawberry.enum_value("CONNECTIONS", description="First-degree connections.")
    MEMBERS = strawberry.enum_value("MEMBERS", description="Any signed-in member.")
    NOBODY = strawberry.enum_value("NOBODY", description="Nobody else.")


@strawberry.enum(description="Something a profile can have; completeness counts them.")
class ProfileItem(Enum):
    TITLE = strawberry.enum_value("TITLE", description="A job title (10 points).")
    RANK = strawberry.enum_value("RANK", description="An academic rank (10 points).")
    BIO = strawberry.enum_value("BIO", description="A bio (15 points).")
    PHOTO = strawberry.enum_value("PHOTO", description="A photo URL (10 points).")
    PHONE = strawberry.enum_value("PHONE", description="A phone number (5 points).")
    AFFILIATION = strawberry.enum_value(
        "AFFILIATION", description="A division or department (15 points)."
    )
    INTERESTS = strawberry.enum_value("INTERESTS", description="A research interest (20 points).")
    MENTORSHIP_AREAS = strawberry.enum_value(
        "MENTORSHIP_AREAS", description="A mentorship area offered or sought (15 points)."
    )


@strawberry.enum(description="Where the signed-in member stands with a person.")
class ConnectionStatus(Enum):
    SELF = strawberry.enum_value("SELF", description="It is you.")
    NONE = strawberry.enum_value("NONE", description="Not connected, nothing pending.")
    REQUEST_SENT = strawberry.enum_value("REQUEST_SENT", description="You asked to connect.")
    REQUEST_RECEIVED = strawberry.enum_value("REQUEST_RECEIVED", description="They asked you.")
    CONNECTED = strawberry.enum_value("CONNECTED", description="Connected (first degree).")


@strawberry.type(description="How complete a profile is, and what would complete it.")
class ProfileCompleteness:
    score: int = strawberry.field(description="0 to 100.")
    missing: list[ProfileItem] = strawberry.field(description="What is still missing.")


@strawberry.type(description="A member's privacy settings (visible to them and admins only).")
class PrivacySettings:
    email_visibility: Visibility = strawberry.field(description="Who sees the email address.")
    phone_visibility: Visibility = strawberry.field(description="Who sees the phone number.")


def _areas(found: list[TermRecord]) -> list[MentorshipArea]:
    return [MentorshipArea.from_record(t) for t in found]


def _status(rel: RelationRecord) -> ConnectionStatus:
    if rel.connected:
        return ConnectionStatus.CONNECTED
    if rel.requestReceived:
        return ConnectionStatus.REQUEST_RECEIVED
    if rel.requestSent:
        return ConnectionStatus.REQUEST_SENT
    return ConnectionStatus.NONE


# Fields of other domains come from schema.mentorship.person and schema.programs.person.
@strawberry.type(description="A member of the mentoring network.")
class Person(RecordNode[PersonRecord], PersonMentoring, PersonAwards):
    @classmethod
    def from_card(cls, card: PersonCardRecord) -> Person:
        """A Person shown from their card, for a field that asks only resolvers.planner's
        CARD_FIELDS of it (Loaders.answers_with_cards). The card holds exactly the
        attributes those fields read: any other field would fail on the missing attribute
        rather than answer from a default (tests/api/test_planner.py)."""
        return cls(id=to_global_id("Person", card.id), record=cast(PersonRecord, card))

    @classmethod
    def of(cls, record: PersonRecord | PersonCardRecord) -> Person:
        """A Person from a profile, or from a card (`from_card`)."""
        if isinstance(record, PersonRecord):
            return cls.from_record(record)
        return cls.from_card(record)

    name: str = attr_field("record.name", description="Full name as the member wants it shown.")

    title: str | None = attr_field(
        "record.title",
        description="Job title, e.g. 'Associate Professor of Medicine'.",
    )

    @strawberry.field(description="Academic rank or training stage.")
    def rank(self) -> AcademicRank | None:
        return AcademicRank(self.record.rank) if self.record.rank else None

    bio: str | None = attr_field("record.bio", description="A few paragraphs about the member, plain text.")

    photo_url: str | None = attr_field("record.photoUrl", description="URL of the profile photo.")

    # Fields that read a loader answer without an await when the page preloaded it
    # (preload_people; resolvers.loaders.now_or_later), so they return `X | Awaitable[X]`.
    @strawberry.field(
        description="Email address; null unless its visibility lets you see it.", graphql_type=str | None
    )
    def email(self, info: AppInfo) -> str | None | Awaitable[str | None]:
        return people_resolvers.email_now(info.context, self.record)

    @strawberry.field(
        description="Phone number; null unless its visibility lets you see it.", graphql_type=str | None
    )
    def phone(self, info: AppInfo) -> str | None | Awaitable[str | None]:
        return people_resolvers.phone_now(info.context, self.record)

    @strawberry.field(description="Who sees email and phone; null unless it is you (or you are an admin).")
    def privacy(self, info: AppInfo) -> PrivacySettings | None:
        if not people_resolvers.may_see_settings(info.context, self.record):
            return None
        return PrivacySettings(
            email_visibility=Visibility(self.record.emailVisibility),
            phone_visibility=Visibility(self.record.phoneVisibility),
        )

    accepting_mentees: bool = attr_field(
        "record.acceptingMentees",
        description="Whether the member takes on new mentees.",
    )

    mentee_capacity: int = attr_field(
        "record.menteeCapacity",
        description="How many mentees the member is willing to have at once.",
    )

    role: Role = attr_field("record.role", Role, description="The member's site-wide role.")

    created_at: DateTime = timestamp_field("record.createdAt", "When the member joined.")

    @strawberry.field(description="When the profile last changed.")
    def updated_at(self) -> DateTime:
        return from_ms(self.record.updatedAt or self.record.createdAt)

    @strawberry.field(description="The hospital the member works in.", graphql_type=Hospital | None)
    def hospital(self, info: AppInfo) -> Hospital | None | Awaitable[Hospital | None]:
        return then(people_resolvers.affiliation_now(info.context, self.record.id),
                    lambda a: Hospital.from_record(a.hospital) if a.hospital else None)

    @strawberry.field(description="The department the member works in.", graphql_type=Department | None)
    def department(self, info: AppInfo) -> Department | None | Awaitable[Department | None]:
        return then(people_resolvers.affiliation_now(info.context, self.record.id),
                    lambda a: Department.from_record(a.department) if a.department else None)

    @strawberry.field(
        description="The division the member works in (null if attached to a department).",
        graphql_type=Division | None,
    )
    def division(self, info: AppInfo) -> Division | None | Awaitable[Division | None]:
        return then(people_resolvers.affiliation_now(info.context, self.record.id),
                    lambda a: Division.from_record(a.division) if a.division else None)

    @strawberry.field(description="Research interests, by name.", graphql_type=list[Interest])
    def interests(self, info: AppInfo) -> list[Interest] | Awaitable[list[Interest]]:
        return then(people_resolvers.terms_now(info.context, self.record.id, "INTERESTED_IN"),
                    lambda found: [Interest.from_record(t) for t in found])

    @strawberry.field(
        description="Mentorship areas the member offers to mentor in, by name.",
        graphql_type=list[MentorshipArea],
    )
    def mentorship_offered(self, info: AppInfo) -> list[MentorshipArea] | Awaitable[list[MentorshipArea]]:
        return then(people_resolvers.terms_now(info.context, self.record.id, "OFFERS_MENTORSHIP_IN"),
                    _areas)

    @strawberry.field(
        description="Mentorship areas the member seeks mentoring in, by name.",
        graphql_type=list[MentorshipArea],
    )
    def mentorship_sought(self, info: AppInfo) -> list[MentorshipArea] | Awaitable[list[MentorshipArea]]:
        return then(people_resolvers.terms_now(info.context, self.record.id, "SEEKS_MENTORSHIP_IN"),
                    _areas)

    @strawberry.field(description="How complete the profile is and what is missing.")
    def completeness(self) -> ProfileCompleteness:
        return ProfileCompleteness(
            score=self.record.completeness,
            missing=[ProfileItem(item) for item in self.record.profileGaps],
        )

    @strawberry.field(
        description="Degree of connection from you: 1, 2 or 3; null beyond, for yourself, "
        "or signed out.",
        graphql_type=int | None,
    )
    def degree(self, info: AppInfo) -> int | None | Awaitable[int | None]:
        return then(people_resolvers.relation_now(info.context, self.record.id), lambda r: r.degree)

    @strawberry.field(
        description="Where you stand with this person; null when signed out.",
        graphql_type=ConnectionStatus | None,
    )
    def connection_status(
        self, info: AppInfo
    ) -> ConnectionStatus | None | Awaitable[ConnectionStatus | None]:
        viewer = info.context.viewer
        if viewer is None:
            return None
        if viewer.id == self.record.id:
            return ConnectionStatus.SELF
        return then(people_resolvers.relation_now(info.context, self.record.id), _status)

    @strawberry.field(description="Whether you follow this person.", graphql_type=bool)
    def viewer_follows(self, info: AppInfo) -> bool | Awaitable[bool]:
        return then(people_resolvers.relation_now(info.context, self.record.id), lambda r: r.follows)

    @strawberry.field(description="Whether this person follows you.", graphql_type=bool)
    def follows_viewer(self, info: AppInfo) -> bool | Awaitable[bool]:
        return then(people_resolvers.relation_now(info.context, self.record.id),
                    lambda r: r.followedBy)

    @strawberry.field(description="How many members follow this person.", graphql_type=int)
    def follower_count(self, info: AppInfo) -> int | Awaitable[int]:
        return then(people_resolvers.counts_now(info.context, self.record.id), lambda c: c.followers)

    @strawberry.field(description="How many members this person follows.", graphql_type=int)
    def following_count(self, info: AppInfo) -> int | Awaitable[int]:
        return then(people_resolvers.counts_now(info.context, self.record.id), lambda c: c.following)

    @strawberry.field(description="How many connections this person has.", graphql_type=int)
    def connection_count(self, info: AppInfo) -> int | Awaitable[int]:
        return then(people_resolvers.counts_now(info.context, self.record.id),
                    lambda c: c.connections)

    @strawberry.field(description="Members following this person, most recent first (signed in).")
    async def followers(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Person]:
        return await _links(info, "followers", self.record.id, first, after)

    @strawberry.field(description="Members this person follows, most recent first (signed in).")
    async def following(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Person]:
        return await _links(info, "following", self.record.id, first, after)

    @strawberry.field(description="This person's connections, most recent first (signed in).")
    async def connections(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Person]:
        return await _links(info, "connections", self.record.id, first, after)

    @strawberry.field(description="The member's updates, newest first (those you may see).")
    async def posts(
        self, info: AppInfo, first: int | None = 20, after: str | None = None
    ) -> Connection[Annotated[Post, strawberry.lazy("schema.posts")]]:
        # Run-time import: schema.posts imports Person from here (Post.author), a true cycle.
        from schema.posts import person_posts

        return await person_posts(info, self.record.id, first=first, after=after)


def author(info: AppInfo, person_id: str) -> Person | Awaitable[Person]:
    """The author of a post, comment, thread or reply: without an await when the page
    preloaded it, from their card where the plan found this field asking nothing more
    (resolvers.planner). People are never deleted, so a missing author is a broken graph."""

    def convert(record: PersonRecord | PersonCardRecord | None) -> Person:
        if record is None:
            raise LookupError(f"person {person_id} is missing")
        return Person.of(record)

    return then(
        people_resolvers.author_now(info.context, person_id, info._raw_info.field_nodes), convert
    )


def author_field(description: str) -> Any:
    """The `author` field of a post, comment, thread or reply: the member at `record.authorId`."""

    def resolve(self: Any, info: AppInfo) -> Person | Awaitable[Person]:
        return author(info, self.record.authorId)

    return strawberry.field(resolver=resolve, description=description)


async def person_by_id(info: AppInfo, person_id: str | None) -> Person | None:
    """A Person by id through the request's loader; None when there is none or it is absent."""
    return await load_optional(info, person_id, people_resolvers.get_person, Person.from_record)


async def people_by_ids(info: AppInfo, person_ids: Sequence[str]) -> list[Person]:
    """People by id through the request's loader, in order, leaving out absent ones."""
    found = await people_resolvers.get_people(info.context, person_ids)
    return [Person.from_record(p) for p in found if p is not None]


async def preload_people(
    info: AppInfo, people: Iterable[PersonRecord | PersonCardRecord]
) -> None:
    """Load what the query shows of a page of people, in one round trip, so their fields
    answer without awaiting (resolvers.people.preload)."""
    kinds = planner.person_kinds(selected_names(info))
    await people_resolvers.preload(info.context, [p.id for p in people], kinds)


async def link_connection(info: AppInfo, page: Page[LinkRecord]) -> Connection[Person]:
    """A page of people linked to something (followers, likers, ...), preloaded."""
    await preload_people(info, (link.person for link in page.items))
    return connection(page, lambda link: Person.from_record(link.person))


async def _links(
    info: AppInfo, kind: str, owner: str, first: int | None, after: str | None
) -> Connection[Person]:
    page = await network_resolvers.links(info.context, kind, owner, first=first, after=after)
    return await link_connection(info, page)


nodes("Person", Person.from_record, get_many=people_resolvers.visible_people, plan=planner.plan_person)


# -- profile mutations ------------------------------------------------------------------------


@strawberry.input(description="Profile changes; fields left out stay as they are, null clears.")
class UpdateProfileInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Whose profile (admins only); yours when left out."
    )
    name: str | None = strawberry.field(default=strawberry.UNSET, description="Full name, 1-120 characters.")
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="Job title, up to 160 characters."
    )
    rank: AcademicRank | None = strawberry.field(default=strawberry.UNSET, description="Academic rank.")
    bio: str | None = strawberry.field(default=strawberry.UNSET, description="Bio, up to 4000 characters.")
    photo_url: str | None = strawberry.field(default=strawberry.UNSET, description="An http(s) URL.")
    phone: str | None = strawberry.field(default=strawberry.UNSET, description="Phone number.")
    accepting_mentees: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether you take on new mentees."
    )
    mentee_capacity: int | None = strawberry.field(
        default=strawberry.UNSET, description="How many mentees at once, 0-50."
    )
    email_visibility: Visibility | None = strawberry.field(
        default=strawberry.UNSET, description="Who sees your email."
    )
    phone_visibility: Visibility | None = strawberry.field(
        default=strawberry.UNSET, description="Who sees your phone."
    )
    affiliation_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The Division or Department you work in; null to remove.",
    )


_PROFILE_FIELDS = {
    "name": "name", "title": "title", "rank": "rank", "bio": "bio", "photo_url": "photoUrl",
    "phone": "phone", "accepting_mentees": "acceptingMentees", "mentee_capacity": "menteeCapacity",
    "email_visibility": "emailVisibility", "phone_visibility": "phoneVisibility",
}


@strawberry.input(description="A term to add: an existing one by id, or a new one by name.")
class TermInput:
    id: strawberry.ID | None = strawberry.field(default=None, description="An existing term.")
    name: str | None = strawberry.field(
        default=None,
        description="A new term's name (2-80 characters); one differing only in case, spacing "
        "or punctuation is the same term.",
    )
    broader_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a new interest: the wider interest it belongs under."
    )


@strawberry.enum(description="Which side of mentorship an area is on.")
class MentorshipRole(Enum):
    OFFERED = strawberry.enum_value("OFFERED", description="You mentor others in it.")
    SOUGHT = strawberry.enum_value("SOUGHT", description="You look for mentoring in it.")


_AREA_RELS = {MentorshipRole.OFFERED: "OFFERS_MENTORSHIP_IN",
              MentorshipRole.SOUGHT: "SEEKS_MENTORSHIP_IN"}


@strawberry.input(description="Interests to add to a profile.")
class AddInterestsInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Whose profile (admins only); yours when left out."
    )
    interests: list[TermInput] = strawberry.field(description="Up to 20 interests.")


@strawberry.input(description="Interests to remove from a profile.")
class RemoveInterestsInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Whose profile (admins only); yours when left out."
    )
    interest_ids: list[strawberry.ID] = strawberry.field(description="The interests to remove.")


@strawberry.input(description="Mentorship areas to add to a profile.")
class AddMentorshipAreasInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Whose profile (admins only); yours when left out."
    )
    role: MentorshipRole = strawberry.field(description="Offered or sought.")
    areas: list[TermInput] = strawberry.field(description="Up to 20 areas.")


@strawberry.input(description="Mentorship areas to remove from a profile.")
class RemoveMentorshipAreasInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Whose profile (admins only); yours when left out."
    )
    role: MentorshipRole = strawberry.field(description="Offered or sought.")
    area_ids: list[strawberry.ID] = strawberry.field(description="The areas to remove.")


@strawberry.type(description="The result of a profile change.")
class ProfilePayload(Payload[PersonRecord], result="person", convert=Person.from_record):
    person: Person | None = strawberry.field(description="The profile as stored; null on errors.")
    errors: list[UserError] = strawberry.field(description="What to fix, if anything.")


def _affiliation(value: Any) -> str | None:
    if value is None:
        return None
    kind, local = from_global_id(value, field="affiliationId")
    if kind not in ("Division", "Department"):
        raise InvalidInput("expected the id of a division or department", field="affiliationId")
    return local


def _choices(values: list[TermInput], kind: str, field: str) -> list[TermChoice]:
    return [
        TermChoice(
            id=local_id(v.id, kind, field=f"{field}.{i}.id") if v.id is not None else None,
            name=v.name,
            broader_id=local_id(v.broader_id, "Interest", field=f"{field}.{i}.broaderId")
            if v.broader_id is not None else None,
        )
        for i, v in enumerate(values)
    ]


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The signed-in member, or null when signed out.")
    async def me(self, info: AppInfo) -> Person | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        record = await people_resolvers.viewer_person(info.context, viewer)
        return Person.from_record(record) if record else None


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(description="Change a profile: your own, or anyone's as a site admin.")
    async def update_profile(self, info: AppInfo, input: UpdateProfileInput) -> ProfilePayload:
        changes: dict[str, Any] = {}
        for attr, key in _PROFILE_FIELDS.items():
            value = getattr(input, attr)
            if value is not strawberry.UNSET:
                changes[key] = value.value if isinstance(value, Enum) else value

        async def run() -> PersonRecord:
            unit = UNSET if input.affiliation_id is strawberry.UNSET else _affiliation(input.affiliation_id)
            return await people_resolvers.update_profile(
                info.context, optional_id(input.person_id, "Person", "personId"), changes, unit
            )

        return await ProfilePayload.attempt(run)

    @strawberry.mutation(description="Add research interests (existing ones or new proposals).")
    async def add_interests(self, info: AppInfo, input: AddInterestsInput) -> ProfilePayload:
        return await ProfilePayload.attempt(lambda: people_resolvers.add_terms(
            info.context, optional_id(input.person_id, "Person", "personId"), "INTERESTED_IN",
            _choices(input.interests, "Interest", "interests"), field="interests",
        ))

    @strawberry.mutation(description="Remove research interests from a profile.")
    async def remove_interests(self, info: AppInfo, input: RemoveInterestsInput) -> ProfilePayload:
        return await ProfilePayload.attempt(lambda: people_resolvers.remove_terms(
            info.context, optional_id(input.person_id, "Person", "personId"), "INTERESTED_IN",
            ids(input.interest_ids, "Interest", field="interestIds"),
        ))

    @strawberry.mutation(description="Add mentorship areas you offer or seek.")
    async def add_mentorship_areas(
        self, info: AppInfo, input: AddMentorshipAreasInput
    ) -> ProfilePayload:
        return await ProfilePayload.attempt(lambda: people_resolvers.add_terms(
            info.context, optional_id(input.person_id, "Person", "personId"), _AREA_RELS[input.role],
            _choices(input.areas, "MentorshipArea", "areas"), field="areas",
        ))

    @strawberry.mutation(description="Remove mentorship areas you offer or seek.")
    async def remove_mentorship_areas(
        self, info: AppInfo, input: RemoveMentorshipAreasInput
    ) -> ProfilePayload:
        return await ProfilePayload.attempt(lambda: people_resolvers.remove_terms(
            info.context, optional_id(input.person_id, "Person", "personId"), _AREA_RELS[input.role],
            ids(input.area_ids, "MentorshipArea", field="areaIds"),
        ))
