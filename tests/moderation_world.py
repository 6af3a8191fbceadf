"""A small world of groups, forums, content and people in every role, built once through
the repositories and copied (GRAPH.COPY) for each test that needs a fresh one.

Groups: X (public) and P (private) owned by OWNER, moderated by MODERATOR, with MEMBER;
Y (public) moderated by OTHER_MODERATOR. TARGET is a member of X and P and wrote the
content below; MUTED is muted in X; BANNED is banned from X; REQUESTER asked to join P;
CANDIDATE belongs nowhere; SUSPENDED is suspended site-wide.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from graph_db import forums, groups, moderation, posts
from graph_db.backend import Executor
from graph_db.comments import create_comment
from graph_db.falkordb import FalkorDBBackend
from graph_db.people_records import PersonRecord
from resolvers.context import Viewer
from tests.factories import make_person

NOW = 1_800_000_000_000
DAY = 86_400_000

OWNER, MODERATOR, MEMBER = "owner", "moderator", "member"
OTHER_MODERATOR, SITE_MODERATOR, ADMIN = "other-moderator", "site-moderator", "admin"
TARGET, MUTED, BANNED, REQUESTER = "target", "muted", "banned", "requester"
CANDIDATE, SUSPENDED = "candidate", "suspended"

GROUP_X, GROUP_P, GROUP_Y = "group-x", "group-p", "group-y"
POST_X, POST_P, POST_REMOVED, POST_PLAIN = "post-x", "post-p", "post-removed", "post-plain"
COMMENT_X = "comment-x"
FORUM_X, FORUM_X2, FORUM_P, FORUM_SITE = "forum-x", "forum-x2", "forum-p", "forum-site"
THREAD_X, THREAD_P, THREAD_SITE = "thread-x", "thread-p", "thread-site"
REPLY_X, REPLY_P = "reply-x", "reply-p"
REPORT_X, REPORT_SITE = "report-x", "report-site"

# The actors of the permission matrix, and who they are in the world.
ACTORS: dict[str, str | None] = {
    "member": MEMBER,
    "group_moderator": MODERATOR,
    "group_owner": OWNER,
    "other_group_moderator": OTHER_MODERATOR,
    "site_moderator": SITE_MODERATOR,
    "admin": ADMIN,
    "signed_out": None,
}


def _id() -> str:
    return str(uuid.uuid4())


@dataclass
class World:
    people: dict[str, PersonRecord]

    def viewer(self, person: str | None) -> Viewer | None:
        if person is None:
            return None
        record = self.people[person]
        return Viewer(id=record.id, role=record.role, person=record)


async def build(db: Executor, now: int = NOW) -> World:
    """The world, as of `now` (epoch ms): pass the real time when a server's clock reads it."""
    NOW = now  # every timestamp below is relative to it
    roles = {SITE_MODERATOR: "MODERATOR", ADMIN: "ADMIN"}
    people = {}
    for name in (OWNER, MODERATOR, MEMBER, OTHER_MODERATOR, SITE_MODERATOR, ADMIN, TARGET, MUTED,
                 BANNED, REQUESTER, CANDIDATE, SUSPENDED):
        people[name] = await make_person(db, id=name, name=name.replace("-", " ").title(),
                                         role=roles.get(name, "MEMBER"), now=NOW)

    async def group(gid: str, owner: str, visibility: str) -> None:
        created = await groups.create_group(
            db, id=gid, actor_id=owner, name=f"Group {gid}", description="about things",
            visibility=visibility, interest_ids=[], now=NOW,
        )
        assert created is not None

    await group(GROUP_X, OWNER, "PUBLIC")
    await group(GROUP_P, OWNER, "PRIVATE")
    await group(GROUP_Y, OTHER_MODERATOR, "PUBLIC")
    for gid in (GROUP_X, GROUP_P):
        for person in (MODERATOR, MEMBER, TARGET):
            await groups.invite(db, gid, actor_id=OWNER, person_id=person, now=NOW)
            assert await groups.join(db, gid, person_id=person, now=NOW) is not None
        assert await groups.set_role(db, gid, actor_id=OWNER, person_id=MODERATOR, role="MODERATOR",
                                     reason=None, now=NOW, action_id=_id())
    assert await groups.join(db, GROUP_X, person_id=MUTED, now=NOW) is not None
    assert await groups.discipline(db, "MUTE", GROUP_X, actor_id=OWNER, person_id=MUTED,
                                   reason=None, now=NOW, action_id=_id(), until=NOW + 365 * DAY)
    assert await groups.discipline(db, "BAN", GROUP_X, actor_id=OWNER, person_id=BANNED,
                                   reason=None, now=NOW, action_id=_id())
    await groups.request_to_join(db, GROUP_P, person_id=REQUESTER, message="please", now=NOW)

    for pid, gid in ((POST_X, GROUP_X), (POST_P, GROUP_P), (POST_REMOVED, GROUP_X), (POST_PLAIN, None)):
        post, _ = await posts.create_post(db, id=pid, author_id=TARGET, body=f"text of {pid}",
                                          now=NOW, group_id=gid)
        assert post is not None
    assert await moderation.remove_content(db, "POST", POST_REMOVED, actor_id=OWNER, reason=None,
                                           now=NOW, action_id=_id())
    comment, _ = await create_comment(db, id=COMMENT_X, author_id=TARGET, post_id=POST_X,
                                      body="a comment", now=NOW)
    assert comment is not None

    for fid, gid, actor in ((FORUM_X, GROUP_X, OWNER), (FORUM_X2, GROUP_X, OWNER),
                            (FORUM_P, GROUP_P, OWNER), (FORUM_SITE, None, SITE_MODERATOR)):
        assert await forums.create_forum(db, id=fid, actor_id=actor, name=f"Forum {fid}",
                                         description="", group_id=gid, now=NOW, action_id=_id())
    for tid, fid in ((THREAD_X, FORUM_X), (THREAD_P, FORUM_P), (THREAD_SITE, FORUM_SITE)):
        assert await forums.create_thread(db, id=tid, author_id=TARGET, forum_id=fid,
                                          title=f"Thread {tid}", body="body", tags=["grants"],
                                          now=NOW)
    for rid, tid in ((REPLY_X, THREAD_X), (REPLY_P, THREAD_P)):
        reply, _ = await forums.create_reply(db, id=rid, author_id=TARGET, thread_id=tid,
                                             body=f"reply {rid}", now=NOW + 1)
        assert reply is not None

    assert await moderation.create_report(db, "POST", id=REPORT_X, reporter_id=MEMBER,
                                          target_id=POST_X, reason="SPAM", details=None, now=NOW)
    assert await moderation.create_report(db, "PERSON", id=REPORT_SITE, reporter_id=MEMBER,
                                          target_id=TARGET, reason="HARASSMENT", details=None,
                                          now=NOW)
    assert await moderation.suspend(db, SUSPENDED, actor_id=ADMIN, until=NOW + 30 * DAY,
                                    reason=None, now=NOW, action_id=_id())
    return World(people=people)


async def copy(template: FalkorDBBackend) -> FalkorDBBackend:
    """A fresh graph holding a copy of `template`'s graph."""
    graph = f"test_{uuid.uuid4().hex}"
    await template.client.execute_command("GRAPH.COPY", template.graph, graph)
    return template.with_graph(graph)
