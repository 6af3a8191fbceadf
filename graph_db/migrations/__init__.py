"""The database schema as data, applied idempotently at start-up through the dialect."""

from __future__ import annotations

import logging

from graph_db.backend import Backend
from graph_db.dialect import (
    DroppedIndex,
    FullTextIndex,
    RangeIndex,
    RelationshipTypes,
    SchemaOp,
    UniqueConstraint,
)
from graph_db.migrations.comment_counts import store_comment_counts
from graph_db.migrations.mentions import store_mention_ids
from graph_db.migrations.search import update_search_words

log = logging.getLogger("graph_db.migrations")

# Every label of the graph model carries a unique string `id`.
LABELS: tuple[str, ...] = (
    "Person", "Credential", "RefreshToken", "Hospital", "Department", "Division",
    "Interest", "MentorshipArea", "Post", "Comment", "Group", "Forum", "Thread",
    "Conversation", "Message", "Mentorship", "Meeting", "Milestone", "Program", "Survey",
    "Event", "Award", "Nomination", "Notification", "Report", "ModerationAction",
    "EmailOutbox", "Advisor", "Committee",
    "SurveyVersion", "SurveyResponse", "Cohort", "CohortPair", "AwardCycle",  # graph_db.programs
    "Guard",  # lock nodes that serialise rule checks across many nodes (graph_db.locks)
    "DigestRun",  # a digest period scheduled (graph_db.digests)
)

RELATIONSHIP_TYPES: tuple[str, ...] = (
    "WORKS_IN", "PART_OF", "BROADER", "INTERESTED_IN", "OFFERS_MENTORSHIP_IN",
    "SEEKS_MENTORSHIP_IN", "FOLLOWS", "CONNECTED_WITH", "REQUESTED_CONNECTION", "BLOCKED",
    "AUTHORED", "LIKED", "ON", "REPLY_TO", "IN_GROUP", "MEMBER_OF", "REQUESTED_TO_JOIN",
    "BANNED_FROM", "IN_FORUM", "PARTICIPATES_IN", "SENT", "IN", "MENTOR_IN", "MENTEE_IN",
    "REGISTERED_FOR", "HOSTS", "NOMINATED", "REPORTED", "CONCERNS", "FOR", "ABOUT",
    "HAS_CREDENTIAL", "HAS_TOKEN", "SUPERVISES", "MENTIONS", "NOTIFIES",
    "MUTED_IN", "INVITED_TO", "PINNED_IN",
    # Mentorship (graph_db.mentorship).
    "HAS_MEETING", "HAS_MILESTONE", "HAS_COMMITTEE", "HAS_ADVISOR", "IN_PROGRAM",
    # Programs, surveys (graph_db.programs).
    "HAS_VERSION", "ANSWERS", "PAIRED_IN", "REVIEWS", "SCORED", "SUPPORTS", "WON",
)

# People search (graph_db.search): the text fields, and `searchKeys` (graph_db.people.search_keys)
# for filters and term holders. Renamed on Neo4j when searchKeys joined (an index's
# properties cannot change there); the old one is dropped.
PERSON_SEARCH = FullTextIndex(
    "person_search_keyed", "Person", ("name", "title", "bio", "topics", "searchKeys")
)
GROUP_SEARCH = FullTextIndex("group_search", "Group", ("name", "description"))

SCHEMA: tuple[SchemaOp, ...] = (
    *(UniqueConstraint(label, "id") for label in LABELS),
    UniqueConstraint("Person", "email"),
    UniqueConstraint("Interest", "slug"),
    UniqueConstraint("MentorshipArea", "slug"),
    UniqueConstraint("RefreshToken", "tokenHash"),
    RangeIndex("Person", ("createdAt",)),
    RangeIndex("Post", ("createdAt",)),
    # Unit names are unique among siblings: key = slug, or "<parent id>/<slug>" (graph_db.taxonomy).
    UniqueConstraint("Hospital", "key"),
    UniqueConstraint("Department", "key"),
    UniqueConstraint("Division", "key"),
    RangeIndex("Notification", ("createdAt",)),
    # One open (unread) notification per recipient, kind and target (graph_db.notifications).
    UniqueConstraint("Notification", "openKey"),
    RangeIndex("Group", ("createdAt",)),
    RangeIndex("Message", ("createdAt",)),
    DroppedIndex("person_search"),
    PERSON_SEARCH,
    # Groups, forums, moderation (graph_db.groups, graph_db.forums, graph_db.moderation).
    GROUP_SEARCH,
    RangeIndex("Thread", ("lastActivityAt",)),
    RangeIndex("Report", ("createdAt",)),
    RangeIndex("ModerationAction", ("createdAt",)),
    # One open report per reporter, target and scope (graph_db.moderation).
    UniqueConstraint("Report", "openKey"),
    # Mentorship: one open mentorship per slot, one live committee per mentee, outgoing
    # requests by requester (graph_db.mentorship).
    UniqueConstraint("Mentorship", "openKey"),
    UniqueConstraint("Committee", "openKey"),
    RangeIndex("Mentorship", ("requestedBy",)),
    # Messages: one DIRECT conversation per pair; the outbox is claimed by due time
    # (graph_db.messages, graph_db.outbox).
    UniqueConstraint("Conversation", "pairKey"),
    RangeIndex("Conversation", ("lastMessageAt",)),
    RangeIndex("EmailOutbox", ("dueAt",)),
    RangeIndex("EmailOutbox", ("status",)),
    # One response per person and occasion of a survey (graph_db.programs.surveys).
    UniqueConstraint("SurveyResponse", "key"),
    # One pair per cohort, mentor and mentee (graph_db.programs.cohorts).
    UniqueConstraint("CohortPair", "key"),
    # One nomination per nominee and award cycle (graph_db.programs.awards).
    UniqueConstraint("Nomination", "key"),
    RelationshipTypes(RELATIONSHIP_TYPES),
)


async def migrate(backend: Backend, schema: tuple[SchemaOp, ...] = SCHEMA) -> int:
    """Apply every schema operation; safe to run on every start. Returns statements applied."""
    applied = 0
    for op in schema:
        for statement in backend.dialect.schema(op):
            await backend.apply_schema(statement)
            applied += 1
    log.info("schema up to date", extra={"statements": applied})
    if updated := await update_search_words(backend):
        log.info("people search words updated", extra={"people": updated})
    if stored := await store_mention_ids(backend):
        log.info("mentions stored on posts and comments", extra={"items": stored})
    if counted := await store_comment_counts(backend):
        log.info("comment counts stored on posts", extra={"posts": counted})
    return applied
