"""Records for groups: the group, a person's standing in it, memberships."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graph_db.people_records import PersonRecord
from graph_db.records import Record, zeros


@dataclass(frozen=True, slots=True)
class GroupRecord(Record):
    """An interest group; `memberCount` equals its MEMBER_OF edges (kept by every write that
    changes them); `about` holds the interests it is about, as (id, name) pairs: read by one
    comprehension (GROUP_FIELDS), not one for the ids and another for the names, which cost
    each read of a group a third of its database time."""

    id: str
    name: str
    description: str = ""
    visibility: str = "PUBLIC"
    createdAt: int = 0
    updatedAt: int = 0
    archivedAt: int | None = None
    memberCount: int = 0
    slowModeSeconds: int = 0
    about: tuple[tuple[str, str], ...] = ()

    @property
    def interestIds(self) -> tuple[str, ...]:
        """The ids of the interests the group is about."""
        return tuple(interest_id for interest_id, _ in self.about)

    @property
    def topics(self) -> tuple[str, ...]:
        """The names of the interests the group is about, in the order of `interestIds`."""
        return tuple(name for _, name in self.about)

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        about = row.get("about")
        if isinstance(about, list):
            row = {**row, "about": tuple((pair[0], pair[1]) for pair in about)}
        return zeros(row, "memberCount", "slowModeSeconds")


@dataclass(frozen=True, slots=True)
class GroupAccessRecord(Record):
    """How one person stands in one group, read fresh for each request (roles are never
    cached): MEMBER_OF role or None, banned, muted until, pending request, invitation."""

    groupId: str
    visibility: str = "PUBLIC"
    archived: bool = False
    role: str | None = None
    banned: bool = False
    mutedUntil: int | None = None
    requested: bool = False
    invited: bool = False
    slowModeSeconds: int = 0
    lastContributionAt: int | None = None  # newest post/comment/thread/reply in the group

    @property
    def member(self) -> bool:
        return self.role is not None


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    """A person's place in a group (a member, a join request, a ban), and since when."""

    person: PersonRecord
    role: str | None
    since: int
    note: str | None = None
