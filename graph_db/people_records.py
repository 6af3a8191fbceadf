"""Records for the people domain: profiles, the directory (units, vocabulary), network, search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_db.profile_fields import PROFILE_ITEMS
from graph_db.records import Record, zeros
from graph_db.social_records import NotifiedRecord


@dataclass(frozen=True, slots=True)
class PersonRecord(Record):
    id: str
    email: str
    name: str
    role: str = "MEMBER"
    title: str | None = None
    rank: str | None = None
    bio: str | None = None
    photoUrl: str | None = None
    phone: str | None = None
    acceptingMentees: bool = False
    menteeCapacity: int = 0
    emailVisibility: str = "MEMBERS"
    phoneVisibility: str = "CONNECTIONS"
    suspendedUntil: int | None = None
    createdAt: int = 0
    updatedAt: int = 0
    completeness: int = 0  # 0-100, kept by every statement that changes what it counts
    profileGaps: tuple[str, ...] = ()  # the ProfileItem names still missing

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        # A person stored without a computed profile (created by a statement that does not
        # end in people.REFRESH_PROFILE) has only a name: everything is still missing.
        gaps = row.get("profileGaps")
        row = {**row, "profileGaps": tuple(gaps) if gaps is not None else PROFILE_ITEMS}
        return zeros(row, "completeness")


@dataclass(frozen=True, slots=True)
class PersonCardRecord(Record):
    """The few fields of a person that name them beside what they wrote (an author's chip):
    what `people.get_cards` reads where a page asks nothing else of its authors."""

    id: str
    name: str
    title: str | None = None
    rank: str | None = None
    photoUrl: str | None = None


@dataclass(frozen=True, slots=True)
class OrgUnitRecord(Record):
    """A Hospital, Department or Division (`kind`); `parentId` is the unit it is PART_OF."""

    id: str
    kind: str
    name: str
    shortName: str | None = None
    parentId: str | None = None
    createdAt: int = 0


@dataclass(frozen=True, slots=True)
class AffiliationRecord:
    """Where a person works: the unit they are attached to and the units above it."""

    hospital: OrgUnitRecord | None = None
    department: OrgUnitRecord | None = None
    division: OrgUnitRecord | None = None


@dataclass(frozen=True, slots=True)
class TermRecord(Record):
    """A vocabulary term: an Interest or a MentorshipArea (`kind`), unique by slug."""

    id: str
    kind: str
    slug: str
    name: str
    broaderId: str | None = None
    createdAt: int = 0
    aliases: tuple[str, ...] = ()  # other names search finds it by (graph_db.vocabulary)


@dataclass(frozen=True, slots=True)
class TermUsageRecord(Record):
    """How many people use a term: interested in it, offering it, seeking it."""

    id: str
    members: int = 0
    offeredBy: int = 0
    soughtBy: int = 0


@dataclass(frozen=True, slots=True)
class RelationRecord(Record):
    """How the viewer relates to one other person (`id`); `degree` 1-3 or None beyond."""

    id: str
    blocked: bool = False
    blockedBy: bool = False
    follows: bool = False
    followedBy: bool = False
    connected: bool = False
    requestSent: bool = False
    requestReceived: bool = False
    degree: int | None = None


@dataclass(frozen=True, slots=True)
class PairChangeRecord:
    """What a follow or connection step left between the viewer and the other person: the
    pair's status as the viewer sees it now, and the notifications the step created."""

    status: str
    notified: tuple[NotifiedRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class NetworkCountsRecord(Record):
    id: str
    followers: int = 0
    following: int = 0
    connections: int = 0


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A person at the far end of a relationship, with when it was made (and a note)."""

    person: PersonRecord
    since: int
    message: str | None = None


@dataclass(frozen=True, slots=True)
class SuggestionRecord:
    """A person the viewer may know, with the evidence."""

    person: PersonRecord
    mutualConnections: int
    sharedInterests: int
    score: int


@dataclass(frozen=True, slots=True)
class SearchHitRecord:
    """A search result; `rank` (higher first, then id) is its keyset position; `person` a
    card where the search was asked for cards (graph_db.search.search_page)."""

    person: PersonRecord | PersonCardRecord
    rank: int


@dataclass(frozen=True, slots=True)
class FacetRecord(Record):
    id: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchFacetsRecord:
    """Counts over a whole result set (not only the page)."""

    total: int
    hospitals: tuple[FacetRecord, ...] = ()
    departments: tuple[FacetRecord, ...] = ()
    interests: tuple[FacetRecord, ...] = ()
    mentorshipAreas: tuple[FacetRecord, ...] = ()
