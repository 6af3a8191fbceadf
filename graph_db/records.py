"""Frozen records the repositories return; the only shapes that leave graph_db."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Self

from graph_db.profile_fields import PROFILE_ITEMS


class Record:
    """Builds a record from a row map, ignoring keys the record does not declare."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        names = cls._field_names()
        return cls(**{k: v for k, v in row.items() if k in names})

    @classmethod
    def _field_names(cls) -> frozenset[str]:
        cached: frozenset[str] | None = cls.__dict__.get("_names")
        if cached is None:
            cached = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
            cls._names = cached  # type: ignore[attr-defined]
        return cached


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
    def from_row(cls, row: dict[str, Any]) -> Self:
        # A person stored without a computed profile (created by a statement that does not
        # end in people.REFRESH_PROFILE) has only a name: everything is still missing.
        gaps = row.get("profileGaps")
        row = {**row, "profileGaps": tuple(gaps) if gaps is not None else PROFILE_ITEMS}
        if row.get("completeness") is None:
            row["completeness"] = 0
        return super(PersonRecord, cls).from_row(row)


# -- people directory: taxonomy, vocabulary, network, search ------------------------------


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
    """A search result; `rank` (higher first, then id) is its keyset position."""

    person: PersonRecord
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


# -- accounts (never exposed through GraphQL) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CredentialRecord(Record):
    """A password credential: the argon2id hash and the sign-in throttle state."""

    id: str
    passwordHash: str
    sessionVersion: int = 0
    lockedUntil: int | None = None
    failedCount: int = 0

    def __repr__(self) -> str:  # never print the hash, even in a test failure or a log
        return f"CredentialRecord(id={self.id!r}, passwordHash='[redacted]')"


@dataclass(frozen=True, slots=True)
class LoginAttemptRecord(Record):
    locked: bool
    lockedUntil: int | None
    failures: int


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A person as seen by sign-in: access tokens must carry `sessionVersion` to stay valid."""

    person: PersonRecord
    sessionVersion: int = 0


@dataclass(frozen=True, slots=True)
class RotationRecord:
    """The outcome of presenting a refresh token: OK, REUSED, EXPIRED or SUSPENDED."""

    status: str
    revokedFamily: int
    person: PersonRecord
    sessionVersion: int = 0


# -- groups, forums, moderation ----------------------------------------------------------


def _tuples(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The row with each list value under `keys` turned into a tuple (records are frozen)."""
    return {**row, **{k: tuple(row[k]) for k in keys if isinstance(row.get(k), list)}}


@dataclass(frozen=True, slots=True)
class GroupRecord(Record):
    """An interest group; `memberCount` equals its MEMBER_OF edges (kept by every write that
    changes them); `interestIds`/`topics` are the interests it is about (ids, names)."""

    id: str
    name: str
    description: str = ""
    visibility: str = "PUBLIC"
    createdAt: int = 0
    updatedAt: int = 0
    archivedAt: int | None = None
    memberCount: int = 0
    slowModeSeconds: int = 0
    interestIds: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        row = _tuples(row, "interestIds", "topics")
        for key in ("memberCount", "slowModeSeconds"):
            if row.get(key) is None:
                row[key] = 0
        return super(GroupRecord, cls).from_row(row)


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

    @property
    def can_see_content(self) -> bool:
        """Members see everything; others see a public group's content unless banned."""
        return self.member or (self.visibility == "PUBLIC" and not self.banned)


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    """A person's place in a group (a member, a join request, a ban), and since when."""

    person: PersonRecord
    role: str | None
    since: int
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ForumRecord(Record):
    """A forum: site-wide (`groupId` None) or a group's."""

    id: str
    name: str
    description: str = ""
    groupId: str | None = None
    createdAt: int = 0
    threadCount: int = 0


@dataclass(frozen=True, slots=True)
class ThreadRecord(Record):
    """A forum thread; `likeCount`, `replyCount` and `lastActivityAt` are kept by the
    statements that change them (they are sort keys)."""

    id: str
    title: str
    body: str
    authorId: str
    forumId: str
    createdAt: int
    lastActivityAt: int
    groupId: str | None = None
    tags: tuple[str, ...] = ()
    pinned: bool = False
    locked: bool = False
    likeCount: int = 0
    replyCount: int = 0
    slowModeSeconds: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        row = _tuples(row, "tags")
        for key in ("likeCount", "replyCount", "slowModeSeconds"):
            if row.get(key) is None:
                row[key] = 0
        row["pinned"], row["locked"] = bool(row.get("pinned")), bool(row.get("locked"))
        return super(ThreadRecord, cls).from_row(row)


@dataclass(frozen=True, slots=True)
class ReplyRecord(Record):
    """A reply in a forum thread (a Comment ON a Thread)."""

    id: str
    body: str
    authorId: str
    threadId: str
    createdAt: int


@dataclass(frozen=True, slots=True)
class ReportRecord(Record):
    """A member's report of a post, comment, thread, reply or member, in the review queue
    of its scope (`groupId`, None for site-wide) until a moderator dismisses it or acts."""

    id: str
    reason: str
    status: str
    targetKind: str
    targetId: str
    reporterId: str
    createdAt: int
    details: str | None = None
    groupId: str | None = None
    excerpt: str | None = None
    resolvedAt: int | None = None
    resolvedBy: str | None = None
    note: str | None = None
    actionId: str | None = None


@dataclass(frozen=True, slots=True)
class ModerationActionRecord(Record):
    """One audit-log entry, written by the same statement as the action it records."""

    id: str
    action: str
    actorId: str
    createdAt: int
    targetKind: str | None = None
    targetId: str | None = None
    groupId: str | None = None
    reason: str | None = None
    until: int | None = None
    seconds: int | None = None
    detail: str | None = None

# -- social: updates, comments, likes, notifications -------------------------------------


@dataclass(frozen=True, slots=True)
class PostRecord(Record):
    """An update; `groupId` when it was posted in a group, `mentionIds` the people it @-mentions."""

    id: str
    body: str
    authorId: str
    createdAt: int
    editedAt: int | None = None
    groupId: str | None = None
    mentionIds: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        mentions = row.get("mentionIds")
        if isinstance(mentions, list):
            row = {**row, "mentionIds": tuple(mentions)}
        return super(PostRecord, cls).from_row(row)


@dataclass(frozen=True, slots=True)
class CommentRecord(Record):
    """A comment on a post; `parentId` is the comment it replies to (one level deep)."""

    id: str
    body: str
    authorId: str
    postId: str
    createdAt: int
    editedAt: int | None = None
    parentId: str | None = None
    mentionIds: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        mentions = row.get("mentionIds")
        if isinstance(mentions, list):
            row = {**row, "mentionIds": tuple(mentions)}
        return super(CommentRecord, cls).from_row(row)


@dataclass(frozen=True, slots=True)
class EngagementRecord(Record):
    """What a post or comment shows beside it: likes, comments (a comment: its replies), and
    whether the viewer liked it."""

    id: str
    likes: int = 0
    comments: int = 0
    viewerLiked: bool = False


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """One item of the site-wide stream: a new post, a new member or a new group (`kind`)."""

    kind: str
    id: str
    createdAt: int
    post: PostRecord | None = None


@dataclass(frozen=True, slots=True)
class NotificationRecord(Record):
    """Something that concerns `recipientId`, grouped per (recipient, kind, target) until read.

    `actorIds` are the most recent distinct actors (newest first, capped), `count` how many
    distinct actors there have been; `postId`/`commentId`/`personId` what it is about.
    """

    id: str
    kind: str
    recipientId: str
    targetId: str
    createdAt: int
    updatedAt: int
    count: int = 1
    actorIds: tuple[str, ...] = ()
    postId: str | None = None
    commentId: str | None = None
    personId: str | None = None
    readAt: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        actors = row.get("actorIds")
        if isinstance(actors, list):
            row = {**row, "actorIds": tuple(actors)}
        return super(NotificationRecord, cls).from_row(row)


@dataclass(frozen=True, slots=True)
class NotifiedRecord(Record):
    """A notification a write created or grew: whom to tell, live, after the write returns."""

    id: str
    recipientId: str


# -- mentorship: connections, committees, boards, meetings, programs, matching -------------


@dataclass(frozen=True, slots=True)
class MentorshipRecord(Record):
    """A mentorship between `mentorId` and `menteeId` (graph_db.mentorship).

    The access flags say how the reading viewer relates to it: `viewerIsProgramAdmin` (a
    site admin or an admin of a program the mentee is in) and `viewerOnCommittee` (holds an
    open seat on the same committee); the parties are `mentorId`/`menteeId`.
    """

    id: str
    kind: str
    status: str
    mentorId: str
    menteeId: str
    requestedBy: str
    createdAt: int
    updatedAt: int = 0
    goals: str | None = None
    message: str | None = None
    respondedAt: int | None = None
    responseMessage: str | None = None
    startedAt: int | None = None
    endedAt: int | None = None
    endedBy: str | None = None
    endReason: str | None = None
    cadenceDays: int | None = None
    lastMeetingAt: int | None = None
    committeeId: str | None = None
    advisorId: str | None = None
    viewerIsProgramAdmin: bool = False
    viewerOnCommittee: bool = False


@dataclass(frozen=True, slots=True)
class MentorshipOutcomeRecord:
    """The result of a step on a mentorship: the mentorship as it is now, what the step did
    (OK, or why nothing changed), and the notifications it created."""

    mentorship: MentorshipRecord | None
    outcome: str
    notified: tuple[NotifiedRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class MeetingRecord(Record):
    id: str
    mentorshipId: str
    date: int
    createdAt: int
    createdBy: str
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class MilestoneRecord(Record):
    id: str
    mentorshipId: str
    title: str
    createdAt: int
    createdBy: str
    dueAt: int | None = None
    completedAt: int | None = None
    completedBy: str | None = None


@dataclass(frozen=True, slots=True)
class CommitteeRecord(Record):
    """A mentee's mentoring committee; its members are COMMITTEE mentorships PART_OF it."""

    id: str
    menteeId: str
    createdBy: str
    createdAt: int
    name: str | None = None
    goals: str | None = None
    dissolvedAt: int | None = None
    memberIds: tuple[str, ...] = ()  # mentorship ids of every seat, open or closed
    viewerIsProgramAdmin: bool = False
    viewerOnCommittee: bool = False  # the viewer holds an open seat on it

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        members = row.get("memberIds")
        if isinstance(members, list):
            row = {**row, "memberIds": tuple(members)}
        return super(CommitteeRecord, cls).from_row(row)


@dataclass(frozen=True, slots=True)
class AdvisorRecord(Record):
    """An entry on a mentee's personal board of advisors: a member (through a BOARD
    mentorship, `mentorshipId`) or someone outside the network (`name` and `email` only)."""

    id: str
    menteeId: str
    role: str
    createdAt: int
    note: str | None = None
    name: str | None = None
    email: str | None = None
    mentorshipId: str | None = None


@dataclass(frozen=True, slots=True)
class MentorshipStatsRecord(Record):
    """What a member's mentoring looks like: load, capacity and experience."""

    id: str
    activeMentees: int = 0
    menteeCapacity: int = 0
    acceptingMentees: bool = False
    committeeSeats: int = 0
    boardSeats: int = 0
    activeMentors: int = 0
    menteesEver: int = 0
    firstStartedAt: int | None = None


@dataclass(frozen=True, slots=True)
class ProgramRecord(Record):
    """A mentoring program (a department's or a cohort's); `viewerRole` is ADMIN, MEMBER or None."""

    id: str
    name: str
    createdAt: int
    description: str | None = None
    members: int = 0
    viewerRole: str | None = None


@dataclass(frozen=True, slots=True)
class MatchContextRecord:
    """What matching knows about a mentee before looking for candidates."""

    menteeId: str
    rank: str | None
    unitId: str | None
    hospitalId: str | None
    hospitalUnitIds: tuple[str, ...]
    interestIds: tuple[str, ...]
    relatedInterests: tuple[tuple[str, str], ...]  # (related interest id, the mentee's interest id)
    areaIds: tuple[str, ...]
    excludedIds: frozenset[str]
    near: dict[str, int]  # person id -> 0 for a connection, else mutual connections (2nd degree)


@dataclass(frozen=True, slots=True)
class MatchCandidateRecord:
    """A candidate mentor or collaborator as matching found it: the person, the unit they
    work in, their load, which of the asked terms (interests exact or related, areas) they
    share, and whether they came from the ranked term walk or from the neighbourhood."""

    person: PersonRecord
    activeMentees: int
    interestIds: tuple[str, ...]
    areaIds: tuple[str, ...]
    unitId: str | None
    ranked: bool
