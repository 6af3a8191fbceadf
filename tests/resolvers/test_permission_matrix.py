"""The permission matrix of groups, forums and moderation: every mutation (and the moderation
reads) by every kind of actor, allowed and refused.

Each case runs the real schema (with the service's error-code extension) in-process, with a
real Context, on a fresh copy of a world built once through the repositories
(tests/moderation_world.py). A refused case must change nothing at all: the whole graph
(every node and edge with its properties) is compared before and after. An allowed case
must succeed and change the graph (unless marked as a no-op), and every moderator action
must leave exactly one new audit entry. HTTP itself is covered in tests/api/test_groups.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import strawberry

from graph_api.errors import ErrorCodes
from graph_db.backend import Backend
from graph_db.falkordb import FalkorDBBackend
from graph_db.neo4j import Neo4jBackend
from resolvers.context import Context
from resolvers.loaders import Loaders
from resolvers.services import Services
from schema import build_schema
from schema.base import to_global_id
from tests import moderation_world as w
from tests.api.permissions import engine
from tests.graphs import restore, save, snapshot

__all__ = ["engine"]  # the both-engines fixture this module's world lives on

SIGNED_IN = frozenset(a for a in w.ACTORS if a != "signed_out")
MEMBERS = frozenset({"member", "group_moderator", "group_owner"})
MODERATORS = frozenset({"group_moderator", "group_owner", "site_moderator", "admin"})
STAFF = frozenset({"site_moderator", "admin"})
OWNERS = frozenset({"group_owner", "admin"})
ADMIN = frozenset({"admin"})
NOT_MEMBERS = frozenset({"other_group_moderator", "site_moderator", "admin"})


def gid(type_name: str, local: str) -> str:
    return str(to_global_id(type_name, local))


X, P = gid("Group", w.GROUP_X), gid("Group", w.GROUP_P)


@dataclass(frozen=True)
class Case:
    name: str
    operation: str
    allowed: frozenset[str]
    noop: frozenset[str] = frozenset()  # allowed, and nothing to change
    codes: dict[str, str] = field(default_factory=dict)  # refusal code when not FORBIDDEN
    audited: bool = False  # each allowed run writes one ModerationAction

    def expected_code(self, actor: str) -> str:
        if actor == "signed_out":
            return "UNAUTHENTICATED"
        return self.codes.get(actor, "FORBIDDEN")


def m(field_: str, args: str) -> str:
    return f"mutation {{ {field_}(input: {{{args}}}) {{ __typename errors {{ code field }} }} }}"


CASES = [
    # -- groups --------------------------------------------------------------------------
    Case("createGroup", m("createGroup", 'name: "Journal club", description: "Papers"'),
         SIGNED_IN),
    Case("updateGroup", m("updateGroup", f'groupId: "{X}", name: "Renamed"'), OWNERS,
         audited=True),
    Case("archiveGroup", m("archiveGroup", f'groupId: "{X}"'), OWNERS, audited=True),
    Case("joinGroup public", m("joinGroup", f'groupId: "{X}"'), SIGNED_IN, noop=MEMBERS),
    Case("joinGroup private", m("joinGroup", f'groupId: "{P}"'), MEMBERS, noop=MEMBERS),
    Case("leaveGroup", m("leaveGroup", f'groupId: "{X}"'),
         frozenset({"member", "group_moderator"}) | NOT_MEMBERS, noop=NOT_MEMBERS,
         codes={"group_owner": "CONFLICT"}),
    Case("requestToJoin", m("requestToJoin", f'groupId: "{P}", message: "hi"'), NOT_MEMBERS,
         codes=dict.fromkeys(MEMBERS, "CONFLICT")),
    *(
        Case(decision, m(decision, f'groupId: "{P}", personId: "{gid("Person", w.REQUESTER)}"'),
             MODERATORS, audited=True)
        for decision in ("approveJoinRequest", "declineJoinRequest")
    ),
    Case("inviteToGroup public",
         m("inviteToGroup", f'groupId: "{X}", personId: "{gid("Person", w.CANDIDATE)}"'),
         MEMBERS | STAFF),
    Case("inviteToGroup private",
         m("inviteToGroup", f'groupId: "{P}", personId: "{gid("Person", w.CANDIDATE)}"'),
         MODERATORS),
    Case("setGroupRole",
         m("setGroupRole", f'groupId: "{X}", personId: "{gid("Person", w.TARGET)}", role: MODERATOR'),
         OWNERS, audited=True),
    # -- reports and the review queue -------------------------------------------------------
    Case("report public post", m("report", f'targetId: "{gid("Post", w.POST_X)}", reason: SPAM'),
         SIGNED_IN, noop=frozenset({"member"})),  # the member's open report is returned
    Case("report private post", m("report", f'targetId: "{gid("Post", w.POST_P)}", reason: SPAM'),
         MEMBERS, codes=dict.fromkeys(NOT_MEMBERS, "NOT_FOUND")),
    Case("report member", m("report", f'targetId: "{gid("Person", w.TARGET)}", reason: HARASSMENT'),
         SIGNED_IN, noop=frozenset({"member"})),
    Case("dismissReport group", m("dismissReport", f'reportId: "{gid("Report", w.REPORT_X)}"'),
         MODERATORS, audited=True),
    Case("dismissReport site", m("dismissReport", f'reportId: "{gid("Report", w.REPORT_SITE)}"'),
         STAFF, audited=True),
    # -- removing and restoring content ----------------------------------------------------
    *(
        Case(f"removeContent {type_name}",
             m("removeContent", f'targetId: "{gid(type_name, local)}", reason: "rule 3"'),
             MODERATORS, audited=True)
        for type_name, local in (("Post", w.POST_X), ("Comment", w.COMMENT_X),
                                 ("Thread", w.THREAD_X), ("Reply", w.REPLY_X))
    ),
    Case("removeContent private post", m("removeContent", f'targetId: "{gid("Post", w.POST_P)}"'),
         MODERATORS, codes={"other_group_moderator": "NOT_FOUND"}, audited=True),
    Case("removeContent site post", m("removeContent", f'targetId: "{gid("Post", w.POST_PLAIN)}"'),
         STAFF, audited=True),
    Case("removeContent private reply", m("removeContent", f'targetId: "{gid("Reply", w.REPLY_P)}"'),
         MODERATORS, codes={"other_group_moderator": "NOT_FOUND"}, audited=True),
    Case("restoreContent", m("restoreContent", f'targetId: "{gid("Post", w.POST_REMOVED)}"'),
         MODERATORS, codes={"member": "NOT_FOUND", "other_group_moderator": "NOT_FOUND"},
         audited=True),
    Case("pinPost", m("pinPost", f'postId: "{gid("Post", w.POST_X)}"'), MODERATORS, audited=True),
    # -- members in a group -----------------------------------------------------------------
    *(
        Case(action, m(action, f'groupId: "{X}", personId: "{gid("Person", person)}"{more}'),
             MODERATORS, audited=True)
        for action, person, more in (("muteMember", w.TARGET, ", minutes: 60"),
                                     ("unmuteMember", w.MUTED, ""),
                                     ("banMember", w.TARGET, ', reason: "spam"'),
                                     ("unbanMember", w.BANNED, ""))
    ),
    Case("setSlowMode group", m("setSlowMode", f'targetId: "{X}", seconds: 30'), MODERATORS,
         audited=True),
    Case("setSlowMode thread",
         m("setSlowMode", f'targetId: "{gid("Thread", w.THREAD_X)}", seconds: 30'), MODERATORS,
         audited=True),
    # -- site-wide --------------------------------------------------------------------------
    Case("suspendMember",
         m("suspendMember", f'personId: "{gid("Person", w.TARGET)}", days: 7, reason: "abuse"'),
         ADMIN, audited=True),
    Case("unsuspendMember",
         m("unsuspendMember", f'personId: "{gid("Person", w.SUSPENDED)}"'), ADMIN, audited=True),
    # -- forums -----------------------------------------------------------------------------
    Case("createForum site", m("createForum", 'name: "Promotions"'), STAFF, audited=True),
    Case("createForum group", m("createForum", f'name: "Papers", groupId: "{X}"'), MODERATORS,
         audited=True),
    Case("createThread group",
         m("createThread", f'forumId: "{gid("Forum", w.FORUM_X)}", title: "T", body: "B"'),
         MEMBERS),
    Case("createThread private",
         m("createThread", f'forumId: "{gid("Forum", w.FORUM_P)}", title: "T", body: "B"'),
         MEMBERS, codes=dict.fromkeys(NOT_MEMBERS, "NOT_FOUND")),
    Case("createThread site",
         m("createThread", f'forumId: "{gid("Forum", w.FORUM_SITE)}", title: "T", body: "B"'),
         SIGNED_IN),
    Case("replyToThread", m("replyToThread", f'threadId: "{gid("Thread", w.THREAD_X)}", body: "B"'),
         MEMBERS),
    Case("likeThread", m("likeThread", f'threadId: "{gid("Thread", w.THREAD_X)}"'), SIGNED_IN),
    Case("likeThread private", m("likeThread", f'threadId: "{gid("Thread", w.THREAD_P)}"'),
         MEMBERS, codes=dict.fromkeys(NOT_MEMBERS, "NOT_FOUND")),
    Case("unlikeThread", m("unlikeThread", f'threadId: "{gid("Thread", w.THREAD_X)}"'), SIGNED_IN,
         noop=SIGNED_IN),  # nobody liked it yet: nothing to withdraw
    Case("likeReply", m("likeReply", f'replyId: "{gid("Reply", w.REPLY_X)}"'), SIGNED_IN),
    Case("unlikeReply", m("unlikeReply", f'replyId: "{gid("Reply", w.REPLY_X)}"'), SIGNED_IN,
         noop=SIGNED_IN),
    Case("pinThread", m("pinThread", f'threadId: "{gid("Thread", w.THREAD_X)}"'), MODERATORS,
         audited=True),
    Case("lockThread", m("lockThread", f'threadId: "{gid("Thread", w.THREAD_X)}"'), MODERATORS,
         audited=True),
    Case("moveThread",
         m("moveThread",
           f'threadId: "{gid("Thread", w.THREAD_X)}", forumId: "{gid("Forum", w.FORUM_X2)}"'),
         MODERATORS, audited=True),
    Case("pinThread site", m("pinThread", f'threadId: "{gid("Thread", w.THREAD_SITE)}"'), STAFF,
         audited=True),
    Case("lockThread private", m("lockThread", f'threadId: "{gid("Thread", w.THREAD_P)}"'),
         MODERATORS, codes={"other_group_moderator": "NOT_FOUND"}, audited=True),
    # -- posting in a group (the social domain's mutations, with the group rules) --------------
    Case("createPost in group", m("createPost", f'body: "hello", groupId: "{X}"'), MEMBERS),
    Case("createComment in group",
         m("createComment", f'postId: "{gid("Post", w.POST_X)}", body: "hi"'), MEMBERS),
    Case("deletePost by moderator", m("deletePost", f'id: "{gid("Post", w.POST_X)}"'),
         MODERATORS, audited=True),
    # -- reading the queues and logs --------------------------------------------------------
    Case("moderationQueue group",
         f'{{ moderationQueue(groupId: "{X}") {{ totalCount nodes {{ id }} }} }}', MODERATORS,
         noop=MODERATORS),
    Case("moderationQueue site", "{ moderationQueue { nodes { id } } }", STAFF, noop=STAFF),
    Case("moderationLog group", f'{{ moderationLog(groupId: "{X}") {{ nodes {{ id }} }} }}',
         MODERATORS, noop=MODERATORS),
    Case("moderationLog site", "{ moderationLog { nodes { id } } }", STAFF, noop=STAFF),
]

SCHEMA = build_schema(extensions=[ErrorCodes])


class Worlds:
    """Graphs holding the built world, one per case. A graph that no case has changed
    (refusals and no-ops leave it exactly as it was, which every case checks) is reused, so
    only changed graphs cost a new one: a GRAPH.COPY of the template on FalkorDB; on Neo4j
    (one database, no copy) the saved world written back."""

    def __init__(self, pool: Backend) -> None:
        self.pool = pool
        self.unchanged: list[Backend] = []
        self.dirty = False

    async def build(self) -> w.World:
        if isinstance(self.pool, FalkorDBBackend):
            self.template: Backend = await w.copy(self.pool)  # migrated and empty
        else:
            assert isinstance(self.pool, Neo4jBackend)
            await self.pool.drop_all()
            self.template = self.pool
        world = await w.build(self.template)
        self.saved = await save(self.template)
        return world

    async def take(self) -> Backend:
        if self.unchanged:
            return self.unchanged.pop()
        if isinstance(self.template, FalkorDBBackend):
            return await w.copy(self.template)
        if self.dirty:
            await restore(self.template, self.saved)
            self.dirty = False
        return self.template

    async def give_back(self, db: Backend, *, unchanged: bool) -> None:
        if unchanged:
            self.unchanged.append(db)
        elif isinstance(db, FalkorDBBackend):
            await db.drop()
        else:
            self.dirty = True

    async def close(self) -> None:
        for db in [*self.unchanged, self.template]:
            if isinstance(db, FalkorDBBackend):
                await db.drop()
        self.unchanged.clear()


@pytest.fixture(scope="module")
async def world_template(engine: Backend) -> AsyncIterator[tuple[Worlds, w.World]]:
    worlds = Worlds(engine)
    world = await worlds.build()
    yield worlds, world
    await worlds.close()


@dataclass
class Outcome:
    code: str | None
    data: dict[str, Any] | None


async def run(db: Backend, world: w.World, actor: str, operation: str) -> Outcome:
    viewer = world.viewer(w.ACTORS[actor])
    services = Services(backend=db, clock=lambda: w.NOW + 10_000)
    ctx = Context(db=db, services=services, loaders=Loaders(db, viewer.id if viewer else None),
                  viewer=viewer, request_id="matrix")
    result = await SCHEMA.execute(operation, context_value=ctx)
    if result.errors:
        codes = {(e.extensions or {}).get("code") for e in result.errors}
        assert len(codes) == 1, result.errors
        code = codes.pop()
        assert code != "INTERNAL_SERVER_ERROR", result.errors[0].original_error
        return Outcome(str(code), None)
    assert result.data is not None
    payload = next(iter(result.data.values()))
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if errors:
        return Outcome(errors[0]["code"], result.data)
    return Outcome(None, result.data)


def audit_entries(nodes: tuple[str, ...]) -> int:
    return sum(1 for n in nodes if "ModerationAction" in json.loads(n)["labels"])


@pytest.mark.parametrize("actor", list(w.ACTORS))
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_permission_matrix(
    world_template: tuple[Worlds, w.World], case: Case, actor: str
) -> None:
    worlds, world = world_template
    db = await worlds.take()
    unchanged = False
    try:
        before = await snapshot(db)
        outcome = await run(db, world, actor, case.operation)
        after = await snapshot(db)
        unchanged = before == after
    finally:
        await worlds.give_back(db, unchanged=unchanged)
    if actor in case.allowed:
        assert outcome.code is None, f"{actor} was refused ({outcome.code})"
        if actor in case.noop:
            assert before == after, before.diff(after)
        else:
            assert before != after, "allowed, but nothing changed"
        if case.audited:
            assert audit_entries(after.nodes) == audit_entries(before.nodes) + 1
    else:
        assert outcome.code == case.expected_code(actor)
        assert before == after, f"refused, yet the graph changed:\n{before.diff(after)}"


async def test_demotion_takes_effect_on_the_next_request(
    world_template: tuple[Worlds, w.World],
) -> None:
    worlds, world = world_template
    db = await worlds.take()
    try:
        demote = m("setGroupRole",
                   f'groupId: "{X}", personId: "{gid("Person", w.MODERATOR)}", role: MEMBER')
        assert (await run(db, world, "group_owner", demote)).code is None
        # The moderator's next request (same token, same Viewer) has no power left.
        before = await snapshot(db)
        refused = await run(db, world, "group_moderator",
                            m("removeContent", f'targetId: "{gid("Post", w.POST_X)}"'))
        assert refused.code == "FORBIDDEN"
        assert before == await snapshot(db)
    finally:
        await worlds.give_back(db, unchanged=False)


def test_every_group_forum_and_moderation_mutation_is_in_the_matrix() -> None:
    from schema.forums import ForumsMutation
    from schema.groups import GroupsMutation
    from schema.moderation import ModerationMutation

    covered = {case.operation.split("(")[0].split()[-1] for case in CASES}
    for mixin in (GroupsMutation, ForumsMutation, ModerationMutation):
        definition = mixin.__strawberry_definition__  # type: ignore[attr-defined]
        names = {f.python_name for f in definition.fields}
        camel = {strawberry.utils.str_converters.to_camel_case(n) for n in names}
        missing = camel - covered
        assert not missing, f"no permission cases for {sorted(missing)}"
