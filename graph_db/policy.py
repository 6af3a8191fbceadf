"""Access rules as Cypher fragments: the one home of each rule the statements apply.

Who moderates a group, who owns it, who may see its content, what public content is, and
members blocked either way (who never see, message, match or connect with each other):
every statement that decides one of these splices the fragment from here, and
resolvers.policy holds the same rules over GroupAccessRecord for the checks made before a
statement runs. Role and visibility names are the constants below, written into the text
once (they are fixed vocabulary, never user input).

The fragments are booleans that work outside WHERE (FalkorDB: a pattern comprehension
cannot appear in a WHERE, and pattern predicates outside WHERE misbehave; see
graph_db.moderation), so a statement projects one and filters after:
`WITH a, g, <fragment> AS allowed WHERE allowed`. `tag` keeps comprehension variables
distinct when one statement uses a fragment twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

ADMIN: LiteralString = "ADMIN"  # Person.role
SITE_MEMBER: LiteralString = "MEMBER"  # Person.role of everyone new
SITE_STAFF_ROLES: tuple[LiteralString, ...] = ("MODERATOR", ADMIN)
OWNER: LiteralString = "OWNER"  # MEMBER_OF.role
MODERATOR: LiteralString = "MODERATOR"
MEMBER: LiteralString = "MEMBER"
GROUP_MODERATOR_ROLES: tuple[LiteralString, ...] = (OWNER, MODERATOR)
GROUP_ROLES: tuple[LiteralString, ...] = (*GROUP_MODERATOR_ROLES, MEMBER)
PUBLIC: LiteralString = "PUBLIC"  # Group.visibility
PRIVATE: LiteralString = "PRIVATE"
VISIBILITIES: tuple[LiteralString, ...] = (PUBLIC, PRIVATE)
PROGRAM_ADMIN: LiteralString = ADMIN  # IN_PROGRAM.role (ADMIN or MEMBER)
PROGRAM_MEMBER: LiteralString = MEMBER


def text(value: LiteralString) -> LiteralString:
    """A constant as a Cypher string literal."""
    return "'" + value + "'"


def text_list(values: Sequence[LiteralString]) -> LiteralString:
    """Constants as a Cypher list literal."""
    return "[" + ", ".join(text(v) for v in values) + "]"


def is_staff(person: LiteralString) -> LiteralString:
    """A site moderator or admin."""
    return "(" + person + ".role IN " + text_list(SITE_STAFF_ROLES) + ")"


def is_admin(person: LiteralString) -> LiteralString:
    return "(" + person + ".role = " + text(ADMIN) + ")"


def suspended(person: LiteralString, now: LiteralString = "$now") -> LiteralString:
    """Suspended at `now` (epoch ms): until a time still ahead (resolvers.accounts decides the
    same of a record read)."""
    return "coalesce(" + person + ".suspendedUntil > " + now + ", false)"


def is_public(group: LiteralString) -> LiteralString:
    """`group` (not null) is public."""
    return "(" + group + ".visibility = " + text(PUBLIC) + ")"


def is_private(group: LiteralString) -> LiteralString:
    return "(" + group + ".visibility = " + text(PRIVATE) + ")"


def group_role(person: LiteralString, group: LiteralString, tag: LiteralString = "") -> LiteralString:
    """The MEMBER_OF role of `person` in `group`, or null."""
    return "[(" + person + ")-[role" + tag + ":MEMBER_OF]->(" + group + ") | role" + tag + ".role][0]"


def is_member(person: LiteralString, group: LiteralString, tag: LiteralString = "") -> LiteralString:
    """`person` is a member of `group` (any role)."""
    return "(size([(" + person + ")-[member" + tag + ":MEMBER_OF]->(" + group + ") | 1]) > 0)"


def banned(person: LiteralString, group: LiteralString, tag: LiteralString = "") -> LiteralString:
    """`person` is banned from `group`."""
    return "(size([(" + person + ")-[ban" + tag + ":BANNED_FROM]->(" + group + ") | 1]) > 0)"


def invited(person: LiteralString, group: LiteralString) -> LiteralString:
    """`person` holds an invitation to `group`."""
    return "(size([(" + person + ")-[inv:INVITED_TO]->(" + group + ") | 1]) > 0)"


def may_join(person: LiteralString, group: LiteralString) -> LiteralString:
    """`person` may join `group` without approval (or is already in): not banned, and the
    group is public, or they are invited (or a member already)."""
    return (
        "(NOT " + banned(person, group) + " AND (" + is_public(group) + " OR "
        + invited(person, group) + " OR " + is_member(person, group) + "))"
    )


def may_invite(actor: LiteralString, group: LiteralString) -> LiteralString:
    """`actor` may invite people to `group`: any member of a public group, its moderators."""
    return (
        "((" + is_public(group) + " AND " + is_member(actor, group, "Inviter") + ") OR "
        + moderates(actor, group) + ")"
    )


def moderates(actor: LiteralString, group: LiteralString, tag: LiteralString = "") -> LiteralString:
    """`actor` moderates `group`'s scope: site staff, or (group not null) its OWNER or
    MODERATOR who is not banned from it (a ban also removes the membership, so this only
    guards a graph changed by hand). With `group` null: the site scope, staff only."""
    return (
        "(" + is_staff(actor) + " OR (" + group + " IS NOT NULL AND size([(" + actor
        + ")-[mod" + tag + ":MEMBER_OF]->(" + group + ") WHERE mod" + tag + ".role IN "
        + text_list(GROUP_MODERATOR_ROLES) + " | 1]) > 0 AND NOT "
        + banned(actor, group, "Mod" + tag) + "))"
    )


def owns(actor: LiteralString, group: LiteralString) -> LiteralString:
    """`actor` is an OWNER of `group`, or a site admin."""
    return (
        "(" + is_admin(actor) + " OR size([(" + actor + ")-[own:MEMBER_OF]->(" + group
        + ") WHERE own.role = " + text(OWNER) + " | 1]) > 0)"
    )


def sees_content(viewer: LiteralString, group: LiteralString, tag: LiteralString = "") -> LiteralString:
    """Whether `viewer` may see content in `group` (null: outside any group): its members,
    and anyone not banned when it is public."""
    return (
        "(" + group + " IS NULL OR " + is_member(viewer, group, "See" + tag) + " OR ("
        + is_public(group) + " AND NOT " + banned(viewer, group, "See" + tag) + "))"
    )


# The same rule for list queries, which read the viewer's groups once as lists and then test
# membership per row (cheaper than a pattern per candidate, and FalkorDB plans from the
# anchored viewer): project VIEWER_GROUPS next to `viewer`, then test `in_visible_group`.
def viewer_groups(viewer: LiteralString) -> LiteralString:
    """Projections `mine` (ids of the viewer's groups) and `banned` (groups banned from)."""
    return (
        "[(" + viewer + ")-[:MEMBER_OF]->(vm:Group) | vm.id] AS mine, "
        "[(" + viewer + ")-[:BANNED_FROM]->(vx:Group) | vx.id] AS banned"
    )


def in_visible_group(group: LiteralString) -> LiteralString:
    """After `viewer_groups`: `sees_content` for `group` (null: outside any group)."""
    return (
        "(" + group + " IS NULL OR " + group + ".id IN mine OR (" + is_public(group)
        + " AND NOT " + group + ".id IN banned))"
    )


def public_content(group: LiteralString) -> LiteralString:
    """Content anyone may see whoever they are: outside any group, or in a public one."""
    return "(" + group + " IS NULL OR " + is_public(group) + ")"


def blocked(person: LiteralString, other: LiteralString) -> LiteralString:
    """A pattern predicate (WHERE only): one of the two blocked the other. Members blocked
    either way never see each other's content."""
    return "(" + person + ")-[:BLOCKED]-(" + other + ")"


def blocks_between(person: LiteralString, other: LiteralString, tag: LiteralString = "") -> LiteralString:
    """`blocked` as a boolean that works outside WHERE (a projection, a CASE, a count):
    one of the two blocked the other."""
    return blocks_any(person, "(" + other + ")", tag=tag)


def blocks_any(
    person: LiteralString, others: LiteralString, where: LiteralString = "", tag: LiteralString = ""
) -> LiteralString:
    """`blocks_between` for anyone `others` matches (a pattern from the other person's node,
    `where` filtering it): `person` and one of them blocked the other, as a boolean."""
    return (
        "(size([(" + person + ")-[blk" + tag + ":BLOCKED]-" + others
        + (" WHERE " + where if where else "") + " | 1]) > 0)"
    )


def blocks_with_id(person: LiteralString, other_id: LiteralString, tag: LiteralString = "") -> LiteralString:
    """`blocks_between` when only the other person's id is at hand (an expression; a missing
    person blocks nothing)."""
    return blocks_any(person, "(bx" + tag + ":Person)", "bx" + tag + ".id = " + other_id, tag)


def blocks_among(place: LiteralString, rel: LiteralString) -> LiteralString:
    """Two of the people linked to `place` by `rel` ((person)-[:rel]->(place), a fixed type):
    one blocked the other, as a boolean (each block is met once, from the side that made it)."""
    return (
        "(size([(" + place + ")<-[:" + rel + "]-(ba:Person)-[:BLOCKED]->(bb:Person)-[:" + rel
        + "]->(" + place + ") | 1]) > 0)"
    )


def blocked_ids(person: LiteralString, var: LiteralString) -> LiteralString:
    """The ids of everyone `person` blocked or was blocked by, as a list (`var`: the
    comprehension's variable)."""
    return "[(" + person + ")-[:BLOCKED]-(" + var + ":Person) | " + var + ".id]"


def hidden_from(person_id: LiteralString) -> LiteralString:
    """Opens a statement and binds only `hidden`: `blocked_ids` of the person whose id is
    `person_id` (an expression: one row even when it is null or nobody's, hiding nobody)."""
    return (
        "OPTIONAL MATCH (:Person {id: " + person_id + "})-[:BLOCKED]-(hiddenPerson:Person) "
        "WITH collect(hiddenPerson.id) AS hidden "
    )


def runs_program_of(admin: LiteralString, person: LiteralString) -> LiteralString:
    """A pattern: `admin` is an ADMIN of a program `person` is in (a program admin; every
    site ADMIN is one too, which the statements add)."""
    return (
        "(" + admin + ")-[:IN_PROGRAM {role: " + text(PROGRAM_ADMIN) + "}]->(:Program)"
        "<-[:IN_PROGRAM]-(" + person + ")"
    )


def live(content: LiteralString) -> LiteralString:
    """`content` (a post, comment, thread or reply) is not removed: every read skips removed
    content (removal is soft, for the audit log)."""
    return content + ".removedAt IS NULL"


def blocked_group_post_ids(person: LiteralString, group: LiteralString) -> LiteralString:
    """Ids of the posts in `group` (a variable, or ":Group" for any group) by members
    blocked either way with `person`: list queries over a large group exclude them by id,
    found from the blocked members' side, instead of meeting every post's author."""
    return (
        "[(" + person + ")-[:BLOCKED]-(:Person)-[:AUTHORED]->(hp:Post)-[:IN_GROUP]->(" + group
        + ") | hp.id]"
    )
