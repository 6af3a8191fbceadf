"""Groups: the Group node, membership, roles, join requests, invitations, member discipline.

(:Person)-[:MEMBER_OF {role: OWNER|MODERATOR|MEMBER, createdAt}]->(:Group), and beside it
REQUESTED_TO_JOIN {createdAt, message}, INVITED_TO {createdAt, invitedBy}, BANNED_FROM
{createdAt, by, reason}, MUTED_IN {until, by, reason} (kept across leave and rejoin), and
(:Post)-[:PINNED_IN]->(:Group), (:Group)-[:ABOUT]->(:Interest).

`memberCount` is recounted from the MEMBER_OF edges by every statement that adds or
removes one, after the change: each such statement holds the group's write lock from the
edge change on (Neo4j locks both ends of a relationship it creates or deletes; FalkorDB
runs writes one at a time), so the count is exact under concurrent joins and leaves.
A group always keeps an owner: the statements that could remove the last one (leaving,
demotion) count the owners themselves under the group's lock (LOCK_GROUP) and refuse.
"""

from graph_db.groups.core import (
    ACCESS_OF,
    GROUP_FIELDS,
    MAX_PINNED_POSTS,
    create_group,
    create_many,
    get_access,
    get_many,
    list_groups,
    list_people,
    set_archived,
    update_group,
)
from graph_db.groups.discipline import discipline, list_pinned_post_ids, set_pinned, set_slow_mode
from graph_db.groups.membership import (
    add_members_many,
    answer_join_request,
    invite,
    join,
    leave,
    request_to_join,
    set_role,
)

__all__ = [
    "ACCESS_OF", "GROUP_FIELDS", "MAX_PINNED_POSTS", "add_members_many", "answer_join_request",
    "create_group", "create_many",
    "discipline", "get_access", "get_many", "invite", "join", "leave", "list_groups",
    "list_people", "list_pinned_post_ids", "request_to_join", "set_archived", "set_pinned",
    "set_role", "set_slow_mode", "update_group",
]
