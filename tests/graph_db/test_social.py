"""Social repositories: posts, comments, likes, feed, activity, notifications (every backend)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from graph_db import comments, feed, groups, likes, network, notifications, people, posts
from graph_db.backend import Backend
from graph_db.comments import PageKey
from graph_db.people_records import PairChangeRecord, PersonRecord
from graph_db.social_records import EngagementRecord, PostRecord
from tests.factories import make_person

T0 = 1_767_225_600_000


def new_id() -> str:
    return str(uuid.uuid4())


async def post(db: Backend, author: PersonRecord, body: str = "Hello", *, at: int = T0,
               group: str | None = None, mentions: tuple[str, ...] = ()) -> PostRecord:
    record, _ = await posts.create_post(
        db, id=new_id(), author_id=author.id, body=body, now=at, group_id=group,
        mention_ids=mentions,
    )
    assert record is not None
    return record


async def group(db: Backend, owner: PersonRecord, visibility: str = "PUBLIC") -> str:
    record = await groups.create_group(
        db, id=new_id(), actor_id=owner.id, name=f"Group {uuid.uuid4().hex[:6]}",
        description="", visibility=visibility, interest_ids=[], now=T0,
    )
    assert record is not None
    return record.id


async def test_post_round_trip_and_visibility(db: Backend) -> None:
    ada, ben, cy = await make_person(db), await make_person(db), await make_person(db)
    p = await post(db, ada, "First update https://example.org", mentions=(ben.id,))
    assert p.authorId == ada.id and p.mentionIds == (ben.id,) and p.groupId is None
    assert await posts.get_many(db, [p.id, "nope"], viewer_id=cy.id) == [p, None]

    await network.block(db, cy.id, ada.id, now=T0)
    assert await posts.get_many(db, [p.id], viewer_id=cy.id) == [None]
    assert await posts.list_by_author(db, ada.id, viewer_id=cy.id, after=None, limit=10) == []

    assert await posts.remove_post(db, p.id, actor_id=ada.id, moderator=False, now=T0 + 1,
                                   action_id=new_id())
    assert await posts.get_many(db, [p.id], viewer_id=ben.id) == [None]
    assert await posts.list_by_author(db, ada.id, viewer_id=ben.id, after=None, limit=10) == []


async def test_only_the_author_edits_and_new_mentions_are_notified_once(db: Backend) -> None:
    ada, ben, cy = await make_person(db), await make_person(db), await make_person(db)
    p = await post(db, ada, mentions=(ben.id,))
    assert await notifications.count_unread(db, ben.id) == 1

    edited, _ = await posts.update_post(db, p.id, author_id=ben.id, body="hijack", now=T0 + 1)
    assert edited is None
    edited, notified = await posts.update_post(
        db, p.id, author_id=ada.id, body="Edited", now=T0 + 2, mention_ids=[ben.id, cy.id]
    )
    assert edited is not None and edited.body == "Edited" and edited.editedAt == T0 + 2
    assert set(edited.mentionIds) == {ben.id, cy.id}
    assert [n.recipientId for n in notified] == [cy.id]  # ben was mentioned already
    assert await notifications.count_unread(db, ben.id) == 1

    edited, _ = await posts.update_post(db, p.id, author_id=ada.id, body="Again", now=T0 + 3,
                                        mention_ids=[cy.id])
    assert edited is not None and edited.mentionIds == (cy.id,)


async def test_posting_in_a_group_needs_membership(db: Backend) -> None:
    owner, outsider = await make_person(db), await make_person(db)
    gid = await group(db, owner, "PRIVATE")
    refused, _ = await posts.create_post(db, id=new_id(), author_id=outsider.id, body="x",
                                         now=T0, group_id=gid)
    assert refused is None
    p = await post(db, owner, group=gid)
    assert p.groupId == gid
    assert await posts.get_many(db, [p.id], viewer_id=outsider.id) == [None]
    assert await posts.list_in_group(db, gid, viewer_id=outsider.id, after=None, limit=5) == []
    assert await posts.list_in_group(db, gid, viewer_id=owner.id, after=None, limit=5) == [p]
    # The standing resolvers check before posting or moderating (graph_db.groups.get_access).
    outside, missing = await groups.get_access(db, [gid, "nope"], viewer_id=outsider.id)
    assert outside is not None and (outside.role, outside.banned) == (None, False)
    assert missing is None
    (inside,) = await groups.get_access(db, [gid], viewer_id=owner.id)
    assert inside is not None and (inside.role, inside.banned) == ("OWNER", False)


async def test_group_posts_leave_out_members_blocked_either_way(db: Backend) -> None:
    owner, me, blocker, pest = [await make_person(db) for _ in range(4)]
    gid = await group(db, owner)
    for member in (me, blocker, pest):
        assert await groups.join(db, gid, person_id=member.id, now=T0) is not None
    first = await post(db, owner, "first", at=T0 + 1, group=gid)
    await post(db, blocker, "by someone who blocked me", at=T0 + 2, group=gid)
    await post(db, pest, "by someone I blocked", at=T0 + 3, group=gid)
    last = await post(db, owner, "last", at=T0 + 4, group=gid)
    await network.block(db, blocker.id, me.id, now=T0)
    await network.block(db, me.id, pest.id, now=T0)

    page = await posts.list_in_group(db, gid, viewer_id=me.id, after=None, limit=5)
    assert [p.id for p in page] == [last.id, first.id]
    one = await posts.list_in_group(db, gid, viewer_id=me.id, after=None, limit=1)
    rest = await posts.list_in_group(db, gid, viewer_id=me.id, after=(last.createdAt, last.id),
                                     limit=5)
    assert [p.id for p in one + rest] == [last.id, first.id]
    everyone = await posts.list_in_group(db, gid, viewer_id=owner.id, after=None, limit=5)
    assert len(everyone) == 4 and everyone[0].authorId == owner.id


async def test_a_listing_answers_each_posts_engagement_and_author_card_beside_it(db: Backend) -> None:
    """posts.listing_with (what a read plan reads a page with): the group listing, a
    person's posts and the home feed each answer, beside each post, what the engagement read
    and the card read answer for it, as the viewer sees it."""
    author, fan, me = [await make_person(db) for _ in range(3)]
    gid = await group(db, author)
    for member in (fan, me):
        assert await groups.join(db, gid, person_id=member.id, now=T0) is not None
    assert await network.follow(db, me.id, author.id, now=T0) is not None
    page = [await post(db, author, f"post {i}", at=T0 + i, group=gid) for i in range(3)]
    for liker in (fan, me):
        await likes.like_post(db, page[0].id, viewer_id=liker.id, now=T0 + 5)
    await likes.like_post(db, page[2].id, viewer_id=fan.id, now=T0 + 5)
    await comments.create_comment(db, id=new_id(), post_id=page[2].id, author_id=fan.id,
                                  body="nice", now=T0 + 6)
    ids = [p.id for p in reversed(page)]
    columns = (likes.ENGAGEMENT_COLUMN, posts.AUTHOR_CARD_COLUMN)
    expected = await likes.get_post_engagement(db, ids, viewer_id=me.id)
    assert [(e.likes, e.comments, e.viewerLiked) for e in expected] == [
        (1, 1, False), (0, 0, False), (2, 0, True)]
    [card] = await people.get_cards(db, [author.id])
    for listing, subject in ((posts.LIST_IN_GROUP, {"group": gid}),
                             (posts.LIST_BY_AUTHOR, {"author": author.id}), (feed.HOME_FEED, {})):
        rows = await db.read(posts.listing_with(listing, *columns),
                             posts.listing_params(me.id, None, 5, **subject))
        assert [post.id for post in posts.page_records(rows)] == ids, listing[-60:]
        assert likes.listed_engagement(ids, rows) == expected
        assert posts.listed_cards([author.id], rows) == [card]
    with pytest.raises(ValueError, match="not a newest-first listing"):
        posts.listing_with(likes.POST_ENGAGEMENT, columns[0])


async def test_likes_are_idempotent_counted_and_grouped_into_one_notification(db: Backend) -> None:
    author = await make_person(db, name="Author")
    fans = [await make_person(db, name=f"Fan {i}") for i in range(3)]
    p = await post(db, author)

    liked, notified = await likes.like_post(db, p.id, viewer_id=author.id, now=T0)
    assert liked is not None and notified == []  # no self-notice
    # The like answers with the post as it is and its counts after the like.
    assert liked.post == (await posts.get_many(db, [p.id], viewer_id=author.id))[0]
    assert liked.engagement == EngagementRecord(id=p.id, likes=1, comments=0, viewerLiked=True)
    for i, fan in enumerate(fans):
        liked, notified = await likes.like_post(db, p.id, viewer_id=fan.id, now=T0 + i + 1)
        assert liked is not None and liked.engagement.likes == i + 2
        assert [n.recipientId for n in notified] == [author.id]
    liked, notified = await likes.like_post(db, p.id, viewer_id=fans[0].id, now=T0 + 9)
    assert liked is not None and (liked.engagement.likes, notified) == (4, [])

    [n] = await notifications.list_notifications(db, author.id, after=None, limit=10)
    assert (n.kind, n.count, n.postId, n.updatedAt) == ("LIKE_POST", 3, p.id, T0 + 3)
    assert n.actorIds == (fans[2].id, fans[1].id, fans[0].id)

    [engagement] = await likes.get_post_engagement(db, [p.id], viewer_id=fans[1].id)
    assert (engagement.likes, engagement.comments, engagement.viewerLiked) == (4, 0, True)
    assert await likes.unlike_post(db, p.id, viewer_id=fans[1].id) == 3
    assert await likes.unlike_post(db, p.id, viewer_id=fans[1].id) == 3
    [engagement] = await likes.get_post_engagement(db, [p.id], viewer_id=fans[1].id)
    assert (engagement.likes, engagement.viewerLiked) == (3, False)

    likers = await likes.list_post_likers(db, p.id, viewer_id=author.id, after=None, limit=2)
    assert [link.person.id for link in likers] == [fans[2].id, fans[0].id]
    rest = await likes.list_post_likers(
        db, p.id, viewer_id=author.id, after=(likers[-1].since, likers[-1].person.id), limit=5
    )
    assert [link.person.id for link in rest] == [author.id]


async def test_blocked_members_can_neither_like_nor_notify(db: Backend) -> None:
    author, blocked = await make_person(db), await make_person(db)
    p = await post(db, author)
    await network.block(db, author.id, blocked.id, now=T0)
    assert await likes.like_post(db, p.id, viewer_id=blocked.id, now=T0) == (None, [])
    refused, _ = await comments.create_comment(
        db, id=new_id(), author_id=blocked.id, post_id=p.id, body="hi", now=T0
    )
    assert refused is None
    assert await notifications.count_unread(db, author.id) == 0


async def test_a_later_block_hides_notifications_only_the_blocked_caused(db: Backend) -> None:
    author, pest, friend = [await make_person(db) for _ in range(3)]
    p = await post(db, author)
    await likes.like_post(db, p.id, viewer_id=pest.id, now=T0)
    await likes.like_post(db, p.id, viewer_id=friend.id, now=T0 + 1)  # shared with the pest
    await network.follow(db, pest.id, author.id, now=T0 + 2)  # the pest's alone
    followed, liked = await notifications.list_notifications(db, author.id, after=None, limit=10)
    assert (followed.kind, liked.kind) == ("FOLLOW", "LIKE_POST")

    # A block either way hides what the pest alone caused from every read; what a visible
    # member shares stays; lifting the block brings it back.
    for blocker, blocked in ((author, pest), (pest, author)):
        await network.block(db, blocker.id, blocked.id, now=T0 + 3)
        assert await notifications.list_notifications(db, author.id, after=None, limit=10) == [liked]
        assert await notifications.count_unread(db, author.id) == 1
        assert await notifications.get_many(db, [followed.id, liked.id]) == [None, liked]
        await network.unblock(db, blocker.id, blocked.id)
        assert await notifications.count_unread(db, author.id) == 2


async def test_concurrent_likes_are_exact(db: Backend) -> None:
    author = await make_person(db)
    p = await post(db, author)
    people = await asyncio.gather(*(make_person(db) for _ in range(40)))
    await asyncio.gather(*(likes.like_post(db, p.id, viewer_id=x.id, now=T0) for x in people))
    await asyncio.gather(*(likes.like_post(db, p.id, viewer_id=people[0].id, now=T0)
                           for _ in range(40)))
    [engagement] = await likes.get_post_engagement(db, [p.id], viewer_id=author.id)
    assert engagement.likes == 40
    [n] = await notifications.list_notifications(db, author.id, after=None, limit=5)
    assert n.count == 40 and len(n.actorIds) == notifications.MAX_ACTORS
    # The count moves by one per change (no recount): mixed, repeated likes and unlikes at
    # once still leave it equal to the edges.
    changes = [likes.unlike_post(db, p.id, viewer_id=x.id) for x in people[:25] for _ in range(2)]
    changes += [likes.like_post(db, p.id, viewer_id=x.id, now=T0) for x in people[20:30]]
    await asyncio.gather(*changes)
    [row] = await db.read("MATCH (p:Post {id: $id}) RETURN p.likeCount AS n, "
                          "size([(p)<-[:LIKED]-(:Person) | 1]) AS edges", {"id": p.id})
    assert row["n"] == row["edges"] and 15 <= row["n"] <= 25
    assert await likes.unlike_post(db, p.id, viewer_id=author.id) == row["n"]  # never liked


async def test_comments_replies_notifications_and_cascading_removal(db: Backend) -> None:
    author, ann, bob = [await make_person(db) for _ in range(3)]
    p = await post(db, author)
    c1, notified = await comments.create_comment(
        db, id=new_id(), author_id=ann.id, post_id=p.id, body="Nice", now=T0 + 1
    )
    assert c1 is not None and c1.parentId is None
    assert [n.recipientId for n in notified] == [author.id]
    r1, notified = await comments.create_comment(
        db, id=new_id(), author_id=bob.id, post_id=p.id, body="Agreed", now=T0 + 2,
        parent_id=c1.id,
    )
    assert r1 is not None and r1.parentId == c1.id
    assert {n.recipientId for n in notified} == {ann.id, author.id}
    # A reply to a reply joins the thread of the top-level comment.
    r2, _ = await comments.create_comment(
        db, id=new_id(), author_id=author.id, post_id=p.id, body="Thanks", now=T0 + 3,
        parent_id=r1.id,
    )
    assert r2 is not None and r2.parentId == c1.id
    kinds = {n.kind for n in await notifications.list_notifications(db, bob.id, after=None, limit=9)}
    assert kinds == {"REPLY"}

    [top] = await comments.list_on_posts(db, [PageKey(p.id, None, 10)], viewer_id=bob.id)
    assert top == [c1]
    [thread] = await comments.list_replies(db, [PageKey(c1.id, None, 10)], viewer_id=ann.id)
    assert [c.id for c in thread] == [r1.id, r2.id]
    [page2] = await comments.list_replies(
        db, [PageKey(c1.id, (r1.createdAt, r1.id), 10)], viewer_id=ann.id
    )
    assert [c.id for c in page2] == [r2.id]
    [post_stats] = await likes.get_post_engagement(db, [p.id], viewer_id=ann.id)
    [comment_stats] = await likes.get_comment_engagement(db, [c1.id], viewer_id=ann.id)
    assert post_stats.comments == 3 and comment_stats.comments == 2

    assert not await comments.remove_comment(db, c1.id, actor_id=bob.id, moderator=False,
                                             now=T0 + 4, action_id=new_id())
    assert await comments.remove_comment(db, c1.id, actor_id=ann.id, moderator=False,
                                         now=T0 + 4, action_id=new_id())
    assert await comments.get_many(db, [c1.id, r1.id, r2.id], viewer_id=ann.id) == [None] * 3
    [post_stats] = await likes.get_post_engagement(db, [p.id], viewer_id=ann.id)
    assert post_stats.comments == 0
    # Notifications about a removed comment disappear with it.
    assert await notifications.list_notifications(db, bob.id, after=None, limit=9) == []


async def test_home_feed_follows_connections_groups_and_hides_blocked(db: Backend) -> None:
    me, followed, friend, stranger, blocker, pest = [await make_person(db) for _ in range(6)]
    await network.follow(db, me.id, followed.id, now=T0)
    await network.follow(db, me.id, blocker.id, now=T0)
    await network.request_connection(db, me.id, friend.id, message=None, now=T0)
    await network.accept_connection(db, friend.id, me.id, now=T0)
    mine_gid = await group(db, stranger, "PRIVATE")
    other_gid = await group(db, followed, "PRIVATE")
    for member in (me, blocker, pest):
        await groups.invite(db, mine_gid, actor_id=stranger.id, person_id=member.id, now=T0)
        assert await groups.join(db, mine_gid, person_id=member.id, now=T0) is not None

    own = await post(db, me, "mine", at=T0 + 1)
    by_followed = await post(db, followed, "followed", at=T0 + 2)
    by_friend = await post(db, friend, "friend", at=T0 + 3)
    await post(db, stranger, "stranger", at=T0 + 4)
    in_my_group = await post(db, stranger, "group", at=T0 + 5, group=mine_gid)
    await post(db, followed, "private elsewhere", at=T0 + 6, group=other_gid)
    await post(db, blocker, "blocked", at=T0 + 7)
    await post(db, blocker, "blocked, in my group", at=T0 + 7, group=mine_gid)
    await post(db, pest, "blocked by me, in my group", at=T0 + 7, group=mine_gid)
    await network.block(db, blocker.id, me.id, now=T0)
    await network.block(db, me.id, pest.id, now=T0)
    removed = await post(db, friend, "removed", at=T0 + 8)
    await posts.remove_post(db, removed.id, actor_id=friend.id, moderator=False, now=T0 + 9,
                            action_id=new_id())

    page = await feed.home_feed(db, me.id, after=None, limit=10)
    assert [p.id for p in page] == [in_my_group.id, by_friend.id, by_followed.id, own.id]
    first = await feed.home_feed(db, me.id, after=None, limit=2)
    rest = await feed.home_feed(db, me.id, after=(first[-1].createdAt, first[-1].id), limit=10)
    assert [p.id for p in first + rest] == [p.id for p in page]


async def test_activity_is_public_only(db: Backend) -> None:
    viewer = await make_person(db, now=T0)
    author = await make_person(db, now=T0 + 1)
    public = await post(db, author, "public", at=T0 + 2)
    private_gid = await group(db, author, "PRIVATE")
    await post(db, author, "private", at=T0 + 3, group=private_gid)
    items = await feed.activity(db, viewer.id, after=None, limit=10, now=T0 + 10)
    kinds = [(i.kind, i.id) for i in items]
    assert ("POST", public.id) in kinds and ("MEMBER", author.id) in kinds
    assert all(i.post is None or i.post.groupId is None for i in items)
    assert [i.createdAt for i in items] == sorted((i.createdAt for i in items), reverse=True)
    tail = await feed.activity(db, viewer.id, after=(items[0].createdAt, items[0].id), limit=10,
                               now=T0 + 10)
    assert [(i.kind, i.id) for i in tail] == kinds[1:]


async def test_activity_reaches_back_through_every_window(db: Backend) -> None:
    day = 24 * 3600 * 1000
    now = T0 + 4 * 365 * day
    viewer = await make_person(db, now=T0)
    author = await make_person(db, now=T0)
    ages = (2 * 3600 * 1000, 10 * day, 200 * day, 3 * 365 * day)  # one per window, and older
    made = [await post(db, author, f"{age}", at=now - age) for age in ages]
    posts_seen = [i.id for i in await feed.activity(db, viewer.id, after=None, limit=10, now=now)
                  if i.kind == "POST"]
    assert posts_seen == [p.id for p in made]
    first = await feed.activity(db, viewer.id, after=None, limit=2, now=now)
    assert [i.id for i in first] == [made[0].id, made[1].id]
    rest = await feed.activity(db, viewer.id, after=(first[-1].createdAt, first[-1].id),
                               limit=10, now=now)
    assert [i.id for i in rest if i.kind == "POST"] == [made[2].id, made[3].id]


async def test_activity_scans_past_many_hidden_posts(db: Backend) -> None:
    # The posts branch scans 4x the page, then filters: when private-group posts and posts
    # by a blocked member crowd the top, it scans on (4x wider each time) until the page
    # is full or the window is exhausted, and never shows a hidden one.
    viewer = await make_person(db, now=T0)
    author, blocked = await make_person(db, now=T0), await make_person(db, now=T0)
    await network.block(db, viewer.id, blocked.id, now=T0)
    private_gid = await group(db, author, "PRIVATE")
    shown = [await post(db, author, f"public {i}", at=T0 + 10 + i) for i in range(3)]
    for i in range(20):
        await post(db, author, f"private {i}", at=T0 + 100 + i, group=private_gid)
        await post(db, blocked, f"blocked {i}", at=T0 + 100 + i)
    items = await feed.activity(db, viewer.id, after=None, limit=2, now=T0 + 1000)
    assert [i.id for i in items] == [shown[2].id, shown[1].id]
    rest = await feed.activity(db, viewer.id, after=(items[-1].createdAt, items[-1].id), limit=5,
                               now=T0 + 1000)
    assert [i.id for i in rest if i.kind == "POST"] == [shown[0].id]


async def test_notifications_read_unread_and_regroup(db: Backend) -> None:
    author, fan, other = [await make_person(db) for _ in range(3)]
    p = await post(db, author)
    await likes.like_post(db, p.id, viewer_id=fan.id, now=T0)
    [n] = await notifications.list_notifications(db, author.id, after=None, limit=5)
    assert await notifications.mark_read(db, other.id, ids=[n.id], now=T0 + 1) == 0  # not theirs
    assert await notifications.count_unread(db, author.id) == 1
    assert await notifications.mark_read(db, author.id, ids=[n.id], now=T0 + 1) == 1
    assert await notifications.count_unread(db, author.id) == 0
    # After reading, the next like starts a new notification.
    await likes.like_post(db, p.id, viewer_id=other.id, now=T0 + 2)
    unread = await notifications.list_notifications(db, author.id, unread_only=True, after=None,
                                                    limit=5)
    assert [(u.count, u.actorIds) for u in unread] == [(1, (other.id,))]
    every = await notifications.list_notifications(db, author.id, after=None, limit=5)
    assert len(every) == 2 and every[1].readAt == T0 + 1
    assert await notifications.mark_read(db, author.id, ids=None, now=T0 + 3) == 1
    await posts.remove_post(db, p.id, actor_id=author.id, moderator=False, now=T0 + 4,
                            action_id=new_id())
    assert await notifications.list_notifications(db, author.id, after=None, limit=5) == []
    assert await notifications.get_many(db, [n.id]) == [None]


async def test_moderator_removal_is_audited(db: Backend) -> None:
    author, moderator = await make_person(db), await make_person(db, role="MODERATOR")
    p = await post(db, author)
    assert not await posts.remove_post(db, p.id, actor_id=moderator.id, moderator=False,
                                       now=T0, action_id=new_id())
    action = new_id()
    assert await posts.remove_post(db, p.id, actor_id=moderator.id, moderator=True, now=T0,
                                   action_id=action, reason="spam")
    rows = await db.read(
        "MATCH (m:ModerationAction {id: $id})-[:CONCERNS]->(p:Post) "
        "RETURN m.action AS action, m.reason AS reason, p.id AS post, p.body AS body",
        {"id": action},
    )
    assert rows == [{"action": "REMOVE_POST", "reason": "spam", "post": p.id, "body": "Hello"}]


async def test_bulk_writes(db: Backend) -> None:
    a, b = await make_person(db), await make_person(db)
    await posts.create_many(db, [{"id": "p1", "authorId": a.id, "body": "x", "createdAt": T0}])
    await comments.create_many(db, [
        {"id": "c1", "authorId": b.id, "postId": "p1", "body": "y", "createdAt": T0 + 1},
        {"id": "c2", "authorId": a.id, "postId": "p1", "body": "z", "createdAt": T0 + 2,
         "parentId": "c1"},
    ])
    rows = [{"personId": x.id, "targetId": t, "createdAt": T0} for x in (a, b) for t in ("p1", "c1")]
    await likes.like_many(db, rows)
    await likes.like_many(db, rows)
    [stats] = await likes.get_post_engagement(db, ["p1"], viewer_id=a.id)
    [cstats] = await likes.get_comment_engagement(db, ["c1"], viewer_id=b.id)
    assert (stats.likes, stats.comments, cstats.likes, cstats.comments) == (2, 2, 2, 1)


async def test_follows_and_connection_requests_notify(db: Backend) -> None:
    ada, ben, cy = [await make_person(db) for _ in range(3)]

    def told(change: PairChangeRecord | None) -> list[str]:
        """Whom a step's notifications go to, live (the resolver announces these)."""
        assert change is not None
        return [n.recipientId for n in change.notified]

    assert told(await network.follow(db, ada.id, ben.id, now=T0)) == [ben.id]
    assert told(await network.follow(db, ada.id, ben.id, now=T0 + 1)) == []  # again: no new notice
    assert told(await network.follow(db, cy.id, ben.id, now=T0 + 2)) == [ben.id]  # grows the group
    [followed] = await notifications.list_notifications(db, ben.id, after=None, limit=5)
    assert (followed.kind, followed.count, followed.actorIds) == ("FOLLOW", 2, (cy.id, ada.id))

    asking = await network.request_connection(db, ada.id, cy.id, message=None, now=T0)
    assert asking is not None and (asking.status, told(asking)) == ("REQUEST_SENT", [cy.id])
    assert told(await network.request_connection(db, ada.id, cy.id, message=None, now=T0 + 1)) == []
    [asked] = await notifications.list_notifications(db, cy.id, after=None, limit=5)
    assert (asked.kind, asked.count, asked.personId) == ("CONNECTION_REQUEST", 1, ada.id)
    assert asking.notified[0].id == asked.id
    accepting = await network.accept_connection(db, cy.id, ada.id, now=T0 + 2)
    assert accepting is not None and (accepting.status, told(accepting)) == ("CONNECTED", [ada.id])
    assert told(await network.accept_connection(db, cy.id, ada.id, now=T0 + 3)) == []  # already
    [accepted] = await notifications.list_notifications(db, ada.id, after=None, limit=5)
    assert (accepted.kind, accepted.actorIds) == ("CONNECTION_ACCEPTED", (cy.id,))
    assert accepting.notified[0].id == accepted.id

    # Crossing requests connect at once: the one who asked first hears it was accepted.
    first = await network.request_connection(db, ben.id, cy.id, message=None, now=T0)
    assert first is not None and first.status == "REQUEST_SENT"
    crossing = await network.request_connection(db, cy.id, ben.id, message=None, now=T0 + 1)
    assert crossing is not None and (crossing.status, told(crossing)) == ("CONNECTED", [ben.id])
    kinds = {n.kind for n in await notifications.list_notifications(db, ben.id, after=None, limit=5)}
    assert kinds == {"CONNECTION_ACCEPTED", "FOLLOW"}
