"""A post keeps the count of its live comments (graph_db.counts): every write that adds,
removes or restores one stores it anew, exactly, under concurrency too; the start-up
migration counts what was commented before."""

from __future__ import annotations

import asyncio
import uuid

from graph_db import comments, likes, moderation, posts
from graph_db.backend import Backend
from graph_db.migrations import migrate
from graph_db.migrations.comment_counts import store_comment_counts
from graph_db.people_records import PersonRecord
from tests.factories import make_person

T0 = 1_767_225_600_000
COUNTS = (
    "MATCH (p:Post {id: $id}) RETURN p.commentCount AS stored, "
    "size([(p)<-[:ON]-(c:Comment) WHERE c.removedAt IS NULL | 1]) AS live"
)


async def _counts(db: Backend, post_id: str) -> tuple[int | None, int]:
    [row] = await db.read(COUNTS, {"id": post_id})
    return row["stored"], row["live"]


async def _shown(db: Backend, post_id: str, viewer: PersonRecord) -> int:
    [engagement] = await likes.get_post_engagement(db, [post_id], viewer_id=viewer.id)
    return engagement.comments


async def _comment(db: Backend, author: PersonRecord, post_id: str, *, id: str | None = None,
                   parent: str | None = None, at: int = T0) -> str:
    made, _ = await comments.create_comment(
        db, id=id or str(uuid.uuid4()), author_id=author.id, post_id=post_id, body="Yes",
        now=at, parent_id=parent,
    )
    assert made is not None
    return made.id


async def test_every_change_of_a_posts_comments_stores_its_count(db: Backend) -> None:
    author, ann, bob = [await make_person(db) for _ in range(3)]
    moderator = await make_person(db, role="MODERATOR")
    post, _ = await posts.create_post(db, id=str(uuid.uuid4()), author_id=author.id, body="Hi",
                                      now=T0)
    assert post is not None
    assert await _counts(db, post.id) == (None, 0)  # never commented: read as 0
    assert await _shown(db, post.id, ann) == 0

    top = await _comment(db, ann, post.id, at=T0 + 1)
    reply = await _comment(db, bob, post.id, parent=top, at=T0 + 2)
    other = await _comment(db, bob, post.id, at=T0 + 3)
    assert await _counts(db, post.id) == (3, 3)
    # A retried comment (same id) adds nothing.
    await _comment(db, bob, post.id, id=other, at=T0 + 3)
    assert await _counts(db, post.id) == (3, 3)
    assert await _shown(db, post.id, author) == 3

    # A moderator's removal takes the comment's replies with it, and its restore brings
    # them back; a retry of either changes nothing more.
    for _ in range(2):
        assert await moderation.remove_content(
            db, "COMMENT", top, actor_id=moderator.id, reason="off topic", now=T0 + 4,
            action_id="remove-top",
        )
        assert await _counts(db, post.id) == (1, 1)
    for _ in range(2):
        assert await moderation.restore_content(
            db, "COMMENT", top, actor_id=moderator.id, reason=None, now=T0 + 5,
            action_id="restore-top",
        )
        assert await _counts(db, post.id) == (3, 3)

    # The author removes their own comment (with its reply): the same.
    assert await comments.remove_comment(db, top, actor_id=ann.id, moderator=False,
                                         now=T0 + 6, action_id=str(uuid.uuid4()))
    assert await _counts(db, post.id) == (1, 1)
    # Refused: the post's count is left as it was.
    assert not await comments.remove_comment(db, other, actor_id=ann.id, moderator=False,
                                             now=T0 + 7, action_id=str(uuid.uuid4()))
    assert await _counts(db, post.id) == (1, 1)
    assert await comments.remove_comment(db, other, actor_id=bob.id, moderator=False,
                                         now=T0 + 8, action_id=str(uuid.uuid4()))
    assert await _counts(db, post.id) == (0, 0)
    assert reply  # removed with `top`; its count went with it above
    # The like mutation's answer reads the stored count too.
    liked, _ = await likes.like_post(db, post.id, viewer_id=ann.id, now=T0 + 9)
    assert liked is not None and liked.engagement.comments == 0


async def test_concurrent_comments_and_removals_keep_the_count_exact(db: Backend) -> None:
    author = await make_person(db)
    post, _ = await posts.create_post(db, id=str(uuid.uuid4()), author_id=author.id, body="Hi",
                                      now=T0)
    assert post is not None
    people = await asyncio.gather(*(make_person(db) for _ in range(24)))
    ids = [str(uuid.uuid4()) for _ in people]
    # Each comment twice at once (a retry racing its first run), with replies to the first.
    first = await _comment(db, author, post.id)
    await asyncio.gather(*(
        _comment(db, person, post.id, id=cid, parent=first if i % 3 == 0 else None)
        for i, (person, cid) in enumerate(zip(people, ids, strict=True)) for _ in range(2)
    ))
    assert await _counts(db, post.id) == (25, 25)
    # Removals (one of them taking replies with it) racing new comments.
    changes = [
        comments.remove_comment(db, cid, actor_id=person.id, moderator=False, now=T0 + 1,
                                action_id=str(uuid.uuid4()))
        for person, cid in list(zip(people, ids, strict=True))[:10]
    ]
    changes.append(comments.remove_comment(db, first, actor_id=author.id, moderator=False,
                                           now=T0 + 1, action_id=str(uuid.uuid4())))
    changes += [_comment(db, person, post.id, at=T0 + 2) for person in people[10:18]]
    await asyncio.gather(*changes)
    stored, live = await _counts(db, post.id)
    assert stored == live
    # 24 + 8 comments stand; `first` and the first ten went, and so did the replies to
    # `first` among the other fourteen (i = 12, 15, 18, 21).
    assert live == 24 + 8 - 10 - 4


async def test_the_migration_counts_what_was_commented_before(db: Backend) -> None:
    ann, bob = await make_person(db), await make_person(db)
    await posts.create_many(db, [
        {"id": f"p{i}", "authorId": ann.id, "body": "x", "createdAt": T0 + i} for i in range(5)
    ])
    rows = [{"id": f"c{i}-{j}", "authorId": bob.id, "postId": f"p{i}", "body": "y",
             "createdAt": T0 + 10 + j} for i in range(4) for j in range(i + 1)]
    await comments.create_many(db, rows)
    await comments.create_many(db, rows)  # bulk writes are idempotent, counts too
    assert [await _counts(db, f"p{i}") for i in range(5)] == [
        (1, 1), (2, 2), (3, 3), (4, 4), (None, 0)
    ]
    assert await comments.remove_comment(db, "c3-0", actor_id=bob.id, moderator=False,
                                         now=T0 + 20, action_id=str(uuid.uuid4()))
    # What an older version left: comments and no stored count.
    await db.write("MATCH (p:Post) WHERE p.id IN ['p1', 'p3'] REMOVE p.commentCount")
    assert await store_comment_counts(db, batch=1) == 2
    assert [await _counts(db, f"p{i}") for i in range(5)] == [
        (1, 1), (2, 2), (3, 3), (3, 3), (None, 0)
    ]
    assert await store_comment_counts(db) == 0  # up to date: only read
    await db.write("MATCH (p:Post {id: 'p2'}) REMOVE p.commentCount")
    await migrate(db)  # start-up runs it
    assert await _counts(db, "p2") == (3, 3)
