"""GraphQL for mentorship: connections, committees, boards, meetings, programs, matching.

`MentorshipQuery`/`MentorshipMutation` are combined in schema/__init__.py; `TYPES` lists the
Node types `node(id:)` can return; `PersonMentoring` (schema.mentorship.person) adds the
mentoring fields to Person.
"""

from __future__ import annotations

import strawberry

from schema.mentorship.matching import MatchingQuery
from schema.mentorship.operations import MentorshipMutation
from schema.mentorship.operations import MentorshipQuery as _Programs
from schema.mentorship.types import TYPES


@strawberry.type
class MentorshipQuery(_Programs, MatchingQuery):
    pass


__all__ = ["TYPES", "MentorshipMutation", "MentorshipQuery"]
