"""A post's and a comment's mentions are stored beside their MENTIONS edges
(graph_db.posts.mention); the start-up migration stores them for what was written before."""

from __future__ import annotations

import uuid

from graph_db import comments, posts
from graph_db.backend import Backend
from graph_db.migrations import migrate
from graph_db.migrations.mentions import store_mention_ids
from tests.factories import make_person

T0 = 1_767_225_600_000
STORED = "MATCH (n {id: $id}) RETURN n.mentionIds AS ids"


async def _stored(db: Backend, node_id: str) -> list[str] | None:
    ids = (await db.read(STORED, {"id": node_id}))[0]["ids"]
    return None if ids is None else list(ids)


async def test_writes_store_the_mentions_they_link_and_edits_replace_them(db: Backend) -> None:
    ada, ben, cy = [await make_person(db, name=n) for n in ("Ada", "Ben", "Cy")]
    post, _ = await posts.create_post(db, id=str(uuid.uuid4()), author_id=ada.id, body="Hi",
                                      now=T0, mention_ids=[cy.id, ben.id, cy.id])
    assert post is not None and post.mentionIds == (cy.id, ben.id)
    assert await _stored(db, post.id) == [cy.id, ben.id]
    # An edit that leaves the mentions alone keeps them; one that sets them replaces them.
    edited, _ = await posts.update_post(db, post.id, author_id=ada.id, body="Hi!", now=T0 + 1)
    assert edited is not None and edited.mentionIds == (cy.id, ben.id)
    edited, _ = await posts.update_post(db, post.id, author_id=ada.id, body="Hi.", now=T0 + 2,
                                        mention_ids=[ben.id])
    assert edited is not None and edited.mentionIds == (ben.id,)
    assert await _stored(db, post.id) == [ben.id]
    [listed] = await posts.list_by_author(db, ada.id, viewer_id=ben.id, after=None, limit=5)
    assert listed.mentionIds == (ben.id,)
    comment, _ = await comments.create_comment(db, id=str(uuid.uuid4()), author_id=ben.id,
                                               post_id=post.id, body="Yes", now=T0 + 3,
                                               mention_ids=[ada.id])
    assert comment is not None and comment.mentionIds == (ada.id,)
    assert (await comments.get_many(db, [comment.id], viewer_id=cy.id))[0] == comment
    plain, _ = await posts.create_post(db, id=str(uuid.uuid4()), author_id=ada.id, body="None",
                                       now=T0 + 4)
    assert plain is not None and plain.mentionIds == ()


async def test_the_migration_stores_the_mentions_of_what_was_written_before(db: Backend) -> None:
    ada, ben, cy = [await make_person(db, name=n) for n in ("Ada", "Ben", "Cy")]
    mentioning = []
    for i in range(5):
        post, _ = await posts.create_post(db, id=f"post-{i}", author_id=ada.id, body="Hi",
                                          now=T0 + i, mention_ids=[ben.id] if i % 2 else [ben.id, cy.id])
        assert post is not None
        mentioning.append(post)
    comment, _ = await comments.create_comment(db, id="comment-1", author_id=ben.id,
                                               post_id="post-0", body="Yes", now=T0 + 9,
                                               mention_ids=[cy.id])
    assert comment is not None
    plain, _ = await posts.create_post(db, id="plain", author_id=ada.id, body="No one",
                                       now=T0 + 10, mention_ids=[])
    # As written before the lists were kept: the edges, and no list.
    await db.write("MATCH (n) WHERE n:Post OR n:Comment REMOVE n.mentionIds")
    listed = await posts.list_by_author(db, ada.id, viewer_id=cy.id, after=None, limit=10)
    assert all(p.mentionIds == () for p in listed)

    assert await store_mention_ids(db, batch=2) == 6  # five posts and the comment, 2 at a time
    for post in mentioning:
        assert await _stored(db, post.id) is not None
        assert set(await _stored(db, post.id) or ()) == set(post.mentionIds)
    assert await _stored(db, "comment-1") == [cy.id]
    assert await _stored(db, "plain") is None  # mentions no one: nothing to store
    listed = await posts.list_by_author(db, ada.id, viewer_id=cy.id, after=None, limit=10)
    assert {p.id: set(p.mentionIds) for p in listed} == {
        **{p.id: set(p.mentionIds) for p in mentioning}, "plain": set(),
    }
    # Done once: an up-to-date graph is only read, at every start.
    assert await store_mention_ids(db) == 0
    await migrate(db)
    assert await _stored(db, "comment-1") == [cy.id]
