"""Forums and moderation repositories against every configured backend."""

from __future__ import annotations

import pytest

from graph_db import forums, groups, moderation, people, posts
from graph_db.backend import Backend
from graph_db.comments import PageKey
from graph_db.forums_records import ForumRecord, ReplyRecord, ThreadRecord
from graph_db.people_records import PersonRecord
from graph_db.social_records import NotifiedRecord
from tests.factories import make_person
from tests.graph_db.test_groups import NOW, make_group, new_id
from tests.graphs import snapshot


async def make_forum(
    db: Backend, actor: PersonRecord, group_id: str | None = None, name: str = "General"
) -> ForumRecord:
    forum = await forums.create_forum(
        db, id=new_id(), actor_id=actor.id, name=name, description="", group_id=group_id,
        now=NOW, action_id=new_id(),
    )
    assert forum is not None
    return forum


async def make_thread(
    db: Backend, author: PersonRecord, forum: ForumRecord, *, title: str = "Hello",
    now: int = NOW, tags: tuple[str, ...] = (),
) -> ThreadRecord:
    thread = await forums.create_thread(
        db, id=new_id(), author_id=author.id, forum_id=forum.id, title=title, body="body",
        tags=tags, now=now,
    )
    assert thread is not None
    return thread


async def reply_to(
    db: Backend, thread: ThreadRecord, author: PersonRecord, body: str, now: int = NOW
) -> tuple[ReplyRecord | None, list[NotifiedRecord]]:
    """`author`'s reply in `thread` (a new id each time), with whom it notified."""
    return await forums.create_reply(
        db, id=new_id(), author_id=author.id, thread_id=thread.id, body=body, now=now
    )


async def test_who_creates_forums(db: Backend) -> None:
    staff = await make_person(db, role="MODERATOR")
    owner, member = await make_person(db), await make_person(db)
    group = await make_group(db, owner)
    await groups.join(db, group.id, person_id=member.id, now=NOW)

    before = await snapshot(db)
    for actor, group_id in ((member, None), (owner, None), (member, group.id)):
        assert await forums.create_forum(
            db, id=new_id(), actor_id=actor.id, name="x", description="", group_id=group_id,
            now=NOW, action_id=new_id(),
        ) is None
    after = await snapshot(db)
    assert before == after, before.diff(after)

    site = await make_forum(db, staff, name="Promotions")
    own = await make_forum(db, owner, group.id, name="Journal club")
    assert site.groupId is None and own.groupId == group.id
    assert [f.name for f in await forums.list_forums(db, group_id=None, viewer_id=member.id)] == [
        "Promotions"
    ]
    assert [f.id for f in await forums.list_forums(db, group_id=group.id, viewer_id=member.id)] == [
        own.id
    ]
    site_log = await moderation.list_actions(db, group_id=None, after=None, limit=5)
    assert [(a.action, a.targetKind, a.targetId) for a in site_log] == [
        ("CREATE_FORUM", "FORUM", site.id)
    ]


async def test_threads_replies_locks_and_slow_mode(db: Backend) -> None:
    staff = await make_person(db, role="MODERATOR")
    ada, ben = await make_person(db), await make_person(db)
    forum = await make_forum(db, staff)
    thread = await make_thread(db, ada, forum, tags=("grants",))
    assert thread.tags == ("grants",) and thread.lastActivityAt == NOW

    reply, told = await reply_to(db, thread, ben, "+1", now=NOW + 10)
    assert reply is not None and [n.recipientId for n in told] == [ada.id]
    current = (await forums.get_threads(db, [thread.id], viewer_id=ben.id))[0]
    assert current is not None and current.replyCount == 1 and current.lastActivityAt == NOW + 10

    assert await forums.set_flag(db, thread.id, "locked", True, actor_id=staff.id, reason="done",
                                 now=NOW, action_id=new_id())
    refused, _ = await reply_to(db, thread, ben, "late", now=NOW + 20)
    assert refused is None
    by_staff, _ = await reply_to(db, thread, staff, "closing", now=NOW + 20)
    assert by_staff is not None
    assert await forums.set_flag(db, thread.id, "locked", False, actor_id=staff.id, reason=None,
                                 now=NOW, action_id=new_id())

    assert await forums.set_slow_mode(db, thread.id, actor_id=staff.id, seconds=60, reason=None,
                                      now=NOW, action_id=new_id())
    posting = await forums.get_thread_posting(db, thread.id, viewer_id=ben.id)
    assert posting is not None and posting["slowModeSeconds"] == 60
    assert posting["lastReplyAt"] == NOW + 10
    too_soon, _ = await reply_to(db, thread, ben, "again", now=NOW + 30_000)
    assert too_soon is None
    later, _ = await reply_to(db, thread, ben, "again", now=NOW + 70_011)
    assert later is not None

    pages = await forums.list_replies(db, [PageKey(thread.id, None, 10)], viewer_id=ada.id)
    assert [r.body for r in pages[0]] == ["+1", "closing", "again"]
    # Removing a reply (as a moderator) recounts the thread; restoring brings it back.
    assert await moderation.remove_content(db, "REPLY", later.id, actor_id=staff.id, reason="dup",
                                           now=NOW, action_id=new_id())
    current = (await forums.get_threads(db, [thread.id], viewer_id=ben.id))[0]
    assert current is not None and current.replyCount == 2
    assert await moderation.restore_content(db, "REPLY", later.id, actor_id=staff.id,
                                            reason=None, now=NOW, action_id=new_id())
    current = (await forums.get_threads(db, [thread.id], viewer_id=ben.id))[0]
    assert current is not None and current.replyCount == 3


@pytest.mark.parametrize("sort", ["LATEST_ACTIVITY", "NEWEST", "TOP"])
async def test_thread_sorts_page_by_keyset(db: Backend, sort: str) -> None:
    staff = await make_person(db, role="MODERATOR")
    likers = [await make_person(db) for _ in range(3)]
    forum = await make_forum(db, staff)
    threads = [await make_thread(db, staff, forum, title=f"t{i}", now=NOW + i) for i in range(7)]
    # Likes: t1 gets 3, t2 gets 2, t3 gets 1; replies make t0 the most recently active.
    for likes, thread in zip((3, 2, 1), threads[1:4], strict=True):
        for person in likers[:likes]:
            count, _ = await forums.like_thread(db, thread.id, viewer_id=person.id, now=NOW)
            assert count is not None
    await reply_to(db, threads[0], likers[0], "bump", now=NOW + 100)
    assert await forums.set_flag(db, threads[5].id, "pinned", True, actor_id=staff.id,
                                 reason=None, now=NOW, action_id=new_id())

    seen: list[str] = []
    after = None
    while True:
        page = await forums.list_threads(db, forum.id, viewer_id=likers[0].id, sort=sort, tag=None,
                                         after=after, limit=3)
        seen += [t.title for t, _ in page]
        if len(page) < 3:
            break
        after = page[-1][1]
    expected = {
        "LATEST_ACTIVITY": ["t5", "t0", "t6", "t4", "t3", "t2", "t1"],
        "NEWEST": ["t5", "t6", "t4", "t3", "t2", "t1", "t0"],
        "TOP": ["t5", "t1", "t2", "t3"],
    }[sort]
    if sort == "TOP":  # ties (no likes) fall back to id order, which is random here
        assert seen[:4] == expected and sorted(seen[4:]) == ["t0", "t4", "t6"]
    else:
        assert seen == expected


async def test_private_group_forums_are_for_members_only(db: Backend) -> None:
    owner, outsider = await make_person(db), await make_person(db)
    group = await make_group(db, owner, visibility="PRIVATE")
    forum = await make_forum(db, owner, group.id)
    thread = await make_thread(db, owner, forum)
    reply, _ = await reply_to(db, thread, owner, "inside")
    assert reply is not None
    assert await forums.get_forums(db, [forum.id], viewer_id=outsider.id) == [None]
    assert await forums.get_threads(db, [thread.id], viewer_id=outsider.id) == [None]
    assert await forums.get_replies(db, [reply.id], viewer_id=outsider.id) == [None]
    assert await forums.list_forums(db, group_id=group.id, viewer_id=outsider.id) == []
    assert await forums.list_threads(db, forum.id, viewer_id=outsider.id, sort="NEWEST", tag=None,
                                     after=None, limit=5) == []
    assert await forums.list_replies(db, [PageKey(thread.id, None, 5)], viewer_id=outsider.id) == [[]]
    before = await snapshot(db)
    assert (await forums.like_thread(db, thread.id, viewer_id=outsider.id, now=NOW))[0] is None
    assert (await forums.like_reply(db, reply.id, viewer_id=outsider.id, now=NOW))[0] is False
    assert (await reply_to(db, thread, outsider, "let me in"))[0] is None
    assert await forums.create_thread(db, id=new_id(), author_id=outsider.id, forum_id=forum.id,
                                      title="x", body="y", tags=(), now=NOW) is None
    assert await moderation.create_report(db, "THREAD", id=new_id(), reporter_id=outsider.id,
                                          target_id=thread.id, reason="SPAM", details=None,
                                          now=NOW) is None
    after = await snapshot(db)
    assert before == after, before.diff(after)


async def test_moving_threads(db: Backend) -> None:
    staff = await make_person(db, role="MODERATOR")
    owner = await make_person(db)
    public = await make_group(db, owner)
    private = await make_group(db, owner, name="Private", visibility="PRIVATE")
    site = await make_forum(db, staff)
    public_forum = await make_forum(db, owner, public.id)
    private_forum = await make_forum(db, owner, private.id)
    private_other = await make_forum(db, owner, private.id, name="Other")
    thread = await make_thread(db, owner, public_forum)

    async def move(thread_id: str, actor: PersonRecord, forum: ForumRecord) -> bool:
        return await forums.move_thread(db, thread_id, forum_id=forum.id, actor_id=actor.id,
                                        reason=None, now=NOW, action_id=new_id())

    assert not await move(thread.id, owner, site)  # the owner does not moderate site forums
    assert await move(thread.id, staff, site)
    assert await move(thread.id, staff, private_forum)
    assert not await move(thread.id, staff, site)  # a private group's thread stays inside
    assert await move(thread.id, owner, private_other)
    current = (await forums.get_threads(db, [thread.id], viewer_id=owner.id))[0]
    assert current is not None and current.forumId == private_other.id
    log = await moderation.list_actions(db, group_id=private.id, after=None, limit=10)
    assert [a.detail for a in log if a.action == "MOVE_THREAD"] == [
        f"{private_forum.id} -> {private_other.id}"
    ]


async def test_reports_queue_dismiss_and_act(db: Backend) -> None:
    staff = await make_person(db, role="MODERATOR")
    admin = await make_person(db, role="ADMIN")
    owner, ada, ben = [await make_person(db) for _ in range(3)]
    group = await make_group(db, owner)
    await groups.join(db, group.id, person_id=ada.id, now=NOW)
    post, _ = await posts.create_post(db, id=new_id(), author_id=ada.id, body="buy pills",
                                      now=NOW, group_id=group.id)
    assert post is not None

    first = await moderation.create_report(db, "POST", id=new_id(), reporter_id=ben.id,
                                           target_id=post.id, reason="SPAM", details="ads",
                                           now=NOW)
    assert first is not None and first.groupId == group.id and first.excerpt == "buy pills"
    again = await moderation.create_report(db, "POST", id=new_id(), reporter_id=ben.id,
                                           target_id=post.id, reason="SPAM", details=None,
                                           now=NOW + 1)
    assert again is not None and again.id == first.id
    second = await moderation.create_report(db, "POST", id=new_id(), reporter_id=owner.id,
                                            target_id=post.id, reason="SPAM", details=None,
                                            now=NOW + 2)
    member_report = await moderation.create_report(db, "PERSON", id=new_id(), reporter_id=ben.id,
                                                   target_id=ada.id, reason="HARASSMENT",
                                                   details=None, now=NOW + 3)
    assert second is not None and member_report is not None and member_report.groupId is None

    group_queue = await moderation.list_reports(db, group_id=group.id, status="OPEN", after=None,
                                                limit=10)
    assert [r.id for r in group_queue] == [first.id, second.id]
    site_queue = await moderation.list_reports(db, group_id=None, status="OPEN", after=None,
                                               limit=10)
    assert [r.id for r in site_queue] == [member_report.id]

    # Dismissing needs a moderator of the report's scope; a site moderator has it everywhere.
    assert await moderation.dismiss_report(db, first.id, actor_id=ben.id, reason=None, now=NOW,
                                           action_id=new_id()) is None
    assert await moderation.dismiss_report(db, member_report.id, actor_id=owner.id, reason=None,
                                           now=NOW, action_id=new_id()) is None
    dismissed = await moderation.dismiss_report(db, first.id, actor_id=owner.id, reason="fine",
                                                now=NOW + 5, action_id=new_id())
    assert dismissed is not None and dismissed.status == "DISMISSED" and dismissed.resolvedBy == owner.id

    # Removing the post closes the reports still open about it, in the same statement.
    action = new_id()
    assert await moderation.remove_content(db, "POST", post.id, actor_id=staff.id,
                                           reason="spam", now=NOW + 6, action_id=action)
    assert (await posts.get_many(db, [post.id], viewer_id=owner.id)) == [None]
    closed = await moderation.get_reports(db, [second.id])
    assert closed[0] is not None and closed[0].status == "ACTIONED" and closed[0].actionId == action
    log = await moderation.list_actions(db, group_id=group.id, after=None, limit=10)
    assert [(a.action, a.actorId, a.reason) for a in log] == [
        ("REMOVE_POST", staff.id, "spam"), ("DISMISS_REPORT", owner.id, "fine")
    ]
    assert log[1].targetKind == "POST"
    # A new report after the old ones closed opens a fresh one.
    reopened = await moderation.create_report(db, "PERSON", id=new_id(), reporter_id=ben.id,
                                              target_id=ada.id, reason="SPAM", details=None,
                                              now=NOW + 7, group_id=group.id)
    assert reopened is not None and reopened.groupId == group.id

    assert await moderation.restore_content(db, "POST", post.id, actor_id=owner.id, reason=None,
                                            now=NOW + 8, action_id=new_id())
    assert (await posts.get_many(db, [post.id], viewer_id=owner.id))[0] is not None

    # Suspension: admins only, never an admin; the site-scope report about Ada closes.
    assert not await moderation.suspend(db, ada.id, actor_id=staff.id, until=NOW + 10**6,
                                        reason=None, now=NOW, action_id=new_id())
    assert not await moderation.suspend(db, admin.id, actor_id=admin.id, until=NOW + 10**6,
                                        reason=None, now=NOW, action_id=new_id())
    assert await moderation.suspend(db, ada.id, actor_id=admin.id, until=NOW + 10**6,
                                    reason="abuse", now=NOW + 9, action_id=new_id())
    suspended = await people.get(db, ada.id)
    assert suspended is not None and suspended.suspendedUntil == NOW + 10**6
    site_report = (await moderation.get_reports(db, [member_report.id]))[0]
    group_report = (await moderation.get_reports(db, [reopened.id]))[0]
    assert site_report is not None and site_report.status == "ACTIONED"
    assert group_report is not None and group_report.status == "OPEN"
    assert await moderation.unsuspend(db, ada.id, actor_id=admin.id, reason=None, now=NOW + 10,
                                      action_id=new_id())
    site_log = await moderation.list_actions(db, group_id=None, after=None, limit=10)
    assert [a.action for a in site_log] == ["UNSUSPEND_MEMBER", "SUSPEND_MEMBER"]


async def test_social_deletes_by_moderators_are_audited_in_the_group(db: Backend) -> None:
    owner, ada, ben = [await make_person(db) for _ in range(3)]
    group = await make_group(db, owner)
    for person in (ada, ben):
        await groups.join(db, group.id, person_id=person.id, now=NOW)
    post, _ = await posts.create_post(db, id=new_id(), author_id=ada.id, body="x", now=NOW,
                                      group_id=group.id)
    assert post is not None
    report = await moderation.create_report(db, "POST", id=new_id(), reporter_id=ben.id,
                                            target_id=post.id, reason="SPAM", details=None, now=NOW)
    assert report is not None
    # A member claiming moderator power is refused by the statement itself.
    before = await snapshot(db)
    assert not await posts.remove_post(db, post.id, actor_id=ben.id, moderator=True, now=NOW,
                                       action_id=new_id())
    after = await snapshot(db)
    assert before == after, before.diff(after)
    assert await posts.remove_post(db, post.id, actor_id=owner.id, moderator=True, now=NOW,
                                   action_id=new_id(), reason="spam")
    log = await moderation.list_actions(db, group_id=group.id, after=None, limit=5)
    assert [(a.action, a.targetId, a.reason) for a in log] == [("REMOVE_POST", post.id, "spam")]
    closed = (await moderation.get_reports(db, [report.id]))[0]
    assert closed is not None and closed.status == "ACTIONED"
    assert await moderation.list_actions(db, group_id=None, after=None, limit=5) == []
