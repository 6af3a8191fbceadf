"""Groups repository against every configured backend: membership, roles, counts, search."""

from __future__ import annotations

import asyncio
import random
import uuid

from graph_db import groups, moderation, posts, vocabulary
from graph_db.backend import Backend
from graph_db.groups.records import GroupRecord
from graph_db.people_records import PersonRecord
from tests.factories import make_person
from tests.graphs import snapshot

NOW = 1_800_000_000_000


def new_id() -> str:
    return str(uuid.uuid4())


async def make_group(
    db: Backend, owner: PersonRecord, *, name: str = "Cardiology fellows",
    description: str = "Fellows across the hospitals", visibility: str = "PUBLIC",
    interest_ids: list[str] | None = None, now: int = NOW,
) -> GroupRecord:
    group = await groups.create_group(
        db, id=new_id(), actor_id=owner.id, name=name, description=description,
        visibility=visibility, interest_ids=interest_ids or [], now=now,
    )
    assert group is not None
    return group


async def edge_count(db: Backend, group_id: str) -> int:
    rows = await db.read(
        "MATCH (:Group {id: $g})<-[m:MEMBER_OF]-(:Person) RETURN count(m) AS n", {"g": group_id}
    )
    return int(rows[0]["n"])


async def stored_count(db: Backend, group_id: str) -> int:
    group = (await groups.get_many(db, [group_id]))[0]
    assert group is not None
    return group.memberCount


async def test_creator_owns_the_group_and_interests_are_linked(db: Backend) -> None:
    await vocabulary.merge_terms(db, "Interest", ["Heart failure"], now=NOW)
    interest = vocabulary.stable_id("Interest", "Heart failure")
    owner = await make_person(db)
    group = await make_group(db, owner, interest_ids=[interest, "no-such-interest"])
    assert group.memberCount == 1
    assert group.interestIds == (interest,) and group.topics == ("Heart failure",)
    access = (await groups.get_access(db, [group.id], viewer_id=owner.id))[0]
    assert access is not None and access.role == "OWNER"


async def test_a_groups_interest_ids_and_names_pair_up(db: Backend) -> None:
    """One read of each interest: the i-th name is the i-th id's, however many there are."""
    names = ["Heart failure", "Sepsis", "Stroke", "Asthma"]
    await vocabulary.merge_terms(db, "Interest", names, now=NOW)
    by_id = {vocabulary.stable_id("Interest", name): name for name in names}
    group = await make_group(db, await make_person(db), interest_ids=list(by_id))
    read = (await groups.get_many(db, [group.id]))[0]
    assert read is not None and sorted(read.interestIds) == sorted(by_id)
    assert list(read.topics) == [by_id[interest] for interest in read.interestIds]


async def test_join_leave_and_private_groups(db: Backend) -> None:
    owner, ada, ben = [await make_person(db) for _ in range(3)]
    public = await make_group(db, owner)
    private = await make_group(db, owner, name="Private", visibility="PRIVATE")

    assert (await groups.join(db, public.id, person_id=ada.id, now=NOW)) is not None
    again = await groups.join(db, public.id, person_id=ada.id, now=NOW)
    assert again is not None and again.memberCount == 2
    assert await groups.join(db, private.id, person_id=ada.id, now=NOW) is None

    # A private group: request, then a moderator approves (audited, the member is told).
    group, told = await groups.request_to_join(db, private.id, person_id=ada.id, message="hi", now=NOW)
    assert group is not None and [n.recipientId for n in told] == [owner.id]
    _, told_again = await groups.request_to_join(db, private.id, person_id=ada.id, message="hi", now=NOW)
    assert told_again == []
    action = new_id()
    approved, told = await groups.answer_join_request(
        db, private.id, actor_id=owner.id, person_id=ada.id, approve=True, reason=None,
        now=NOW, action_id=action,
    )
    assert approved is not None and approved.memberCount == 2
    assert [n.recipientId for n in told] == [ada.id]
    # Retrying the same statement changes nothing and tells no one again.
    retried, told = await groups.answer_join_request(
        db, private.id, actor_id=owner.id, person_id=ada.id, approve=True, reason=None,
        now=NOW, action_id=action,
    )
    assert retried is not None and retried.memberCount == 2 and told == []
    log = await moderation.list_actions(db, group_id=private.id, after=None, limit=10)
    assert [(a.action, a.actorId, a.targetId) for a in log] == [
        ("APPROVE_JOIN_REQUEST", owner.id, ada.id)
    ]

    # An invitation lets Ben in without approval, once.
    invited, told = await groups.invite(db, private.id, actor_id=owner.id, person_id=ben.id, now=NOW)
    assert invited is not None and [n.recipientId for n in told] == [ben.id]
    joined = await groups.join(db, private.id, person_id=ben.id, now=NOW)
    assert joined is not None and joined.memberCount == 3
    ben_access = (await groups.get_access(db, [private.id], viewer_id=ben.id))[0]
    assert ben_access is not None and not ben_access.invited and ben_access.role == "MEMBER"

    left = await groups.leave(db, public.id, person_id=ada.id)
    assert left is not None and left[0].memberCount == 1 and left[1] is False
    assert await groups.leave(db, public.id, person_id=ada.id) is None


async def test_a_group_always_keeps_an_owner(db: Backend) -> None:
    owner, ada = await make_person(db), await make_person(db)
    group = await make_group(db, owner)
    await groups.join(db, group.id, person_id=ada.id, now=NOW)

    before = await snapshot(db)
    left = await groups.leave(db, group.id, person_id=owner.id)
    assert left is not None and left[1] is True
    demoted = await groups.set_role(
        db, group.id, actor_id=owner.id, person_id=owner.id, role="MEMBER", reason=None, now=NOW,
        action_id=new_id(),
    )
    assert demoted == ("OWNER", True)
    after = await snapshot(db)
    assert before == after, before.diff(after)

    promoted = await groups.set_role(
        db, group.id, actor_id=owner.id, person_id=ada.id, role="OWNER", reason=None, now=NOW,
        action_id=new_id(),
    )
    assert promoted == ("OWNER", False)
    # Two owners demote each other at once: exactly one demotion can succeed.
    results = await asyncio.gather(
        groups.set_role(db, group.id, actor_id=owner.id, person_id=ada.id, role="MEMBER",
                        reason=None, now=NOW, action_id=new_id()),
        groups.set_role(db, group.id, actor_id=ada.id, person_id=owner.id, role="MEMBER",
                        reason=None, now=NOW, action_id=new_id()),
    )
    owners = await groups.list_people(
        db, "MEMBERS", group.id, viewer_id=owner.id, role="OWNER", after=None, limit=10
    )
    assert len(owners) == 1, results
    log = await moderation.list_actions(db, group_id=group.id, after=None, limit=10)
    assert [a.action for a in log].count("SET_GROUP_ROLE") == 2


async def test_member_count_is_exact_under_concurrent_joins_and_leaves(db: Backend) -> None:
    owner = await make_person(db)
    group = await make_group(db, owner)
    people = [await make_person(db) for _ in range(40)]
    rng = random.Random(7)
    for _ in range(4):
        calls = []
        for person in people:
            for _ in range(3):
                if rng.random() < 0.55:
                    calls.append(groups.join(db, group.id, person_id=person.id, now=NOW))
                else:
                    calls.append(groups.leave(db, group.id, person_id=person.id))
        rng.shuffle(calls)
        await asyncio.gather(*calls)
        assert await stored_count(db, group.id) == await edge_count(db, group.id)
    assert await edge_count(db, group.id) > 1


async def test_mute_ban_and_slow_mode_gate_posting(db: Backend) -> None:
    owner, ada = await make_person(db), await make_person(db)
    group = await make_group(db, owner)
    await groups.join(db, group.id, person_id=ada.id, now=NOW)

    async def post(at: int) -> bool:
        record, _ = await posts.create_post(
            db, id=new_id(), author_id=ada.id, body="hello", now=at, group_id=group.id
        )
        return record is not None

    assert await post(NOW)
    assert await groups.discipline(
        db, "MUTE", group.id, actor_id=owner.id, person_id=ada.id, reason="cool off", now=NOW,
        action_id=new_id(), until=NOW + 60_000,
    )
    assert not await post(NOW + 1000)
    assert await post(NOW + 61_000)  # the mute has run out

    updated = await groups.set_slow_mode(
        db, group.id, actor_id=owner.id, seconds=30, reason=None, now=NOW + 1, action_id=new_id()
    )
    assert updated is not None and updated.slowModeSeconds == 30
    assert not await post(NOW + 62_000)
    access = (await groups.get_access(db, [group.id], viewer_id=ada.id))[0]
    assert access is not None and access.lastContributionAt == NOW + 61_000
    assert await post(NOW + 92_000)
    # Moderators are exempt from slow mode.
    for at in (NOW + 93_000, NOW + 94_000):
        record, _ = await posts.create_post(
            db, id=new_id(), author_id=owner.id, body="note", now=at, group_id=group.id
        )
        assert record is not None

    assert await groups.discipline(
        db, "BAN", group.id, actor_id=owner.id, person_id=ada.id, reason="spam", now=NOW + 2,
        action_id=new_id(),
    )
    assert await stored_count(db, group.id) == 1
    assert await groups.join(db, group.id, person_id=ada.id, now=NOW) is None
    assert not await post(NOW + 200_000)
    log = await moderation.list_actions(db, group_id=group.id, after=None, limit=10)
    assert [a.action for a in log] == ["BAN_MEMBER", "SET_SLOW_MODE", "MUTE_MEMBER"]
    assert log[2].until == NOW + 60_000 and log[2].reason == "cool off"
    assert log[1].seconds == 30


async def test_discipline_follows_rank(db: Backend) -> None:
    owner, moderator, other_moderator, member = [await make_person(db) for _ in range(4)]
    group = await make_group(db, owner)
    for person in (moderator, other_moderator, member):
        await groups.join(db, group.id, person_id=person.id, now=NOW)
    for person in (moderator, other_moderator):
        await groups.set_role(db, group.id, actor_id=owner.id, person_id=person.id,
                              role="MODERATOR", reason=None, now=NOW, action_id=new_id())

    async def ban(actor: PersonRecord, target: PersonRecord) -> bool:
        return await groups.discipline(db, "BAN", group.id, actor_id=actor.id,
                                       person_id=target.id, reason=None, now=NOW,
                                       action_id=new_id())

    before = await snapshot(db)
    assert not await ban(moderator, other_moderator)
    assert not await ban(moderator, owner)
    assert not await ban(member, moderator)
    assert not await ban(moderator, moderator)
    after = await snapshot(db)
    assert before == after, before.diff(after)
    assert await ban(moderator, member)
    assert await ban(owner, other_moderator)


async def test_pinned_posts(db: Backend) -> None:
    owner = await make_person(db)
    group = await make_group(db, owner)
    ids = []
    for i in range(groups.MAX_PINNED_POSTS + 1):
        post, _ = await posts.create_post(
            db, id=new_id(), author_id=owner.id, body=f"post {i}", now=NOW + i, group_id=group.id
        )
        assert post is not None
        ids.append(post.id)
    for i, post_id in enumerate(ids):
        pinned = await groups.set_pinned(db, post_id, actor_id=owner.id, pinned=True, reason=None,
                                         now=NOW + i, action_id=new_id())
        assert pinned is (i < groups.MAX_PINNED_POSTS)
    assert await groups.list_pinned_post_ids(db, group.id) == list(reversed(ids[:-1]))
    assert await groups.set_pinned(db, ids[0], actor_id=owner.id, pinned=False, reason=None,
                                   now=NOW, action_id=new_id())
    assert ids[0] not in await groups.list_pinned_post_ids(db, group.id)


async def test_list_and_search_groups(db: Backend) -> None:
    await vocabulary.merge_terms(db, "Interest", ["Oncology"], now=NOW)
    oncology = vocabulary.stable_id("Interest", "Oncology")
    owner, ada = await make_person(db), await make_person(db)
    a = await make_group(db, owner, name="Tumour board", description="Weekly oncology cases",
                         interest_ids=[oncology], now=NOW)
    b = await make_group(db, owner, name="Grant writing circle",
                         description="Peer review of applications", now=NOW + 1)
    c = await make_group(db, owner, name="Residents", description="Oncology residents lounge",
                         visibility="PRIVATE", now=NOW + 2)
    await groups.join(db, b.id, person_id=ada.id, now=NOW)

    async def names(**kw: object) -> list[str]:
        params: dict = {"viewer_id": ada.id, "query": None, "interest_id": None, "joined": False,
                        "include_archived": False, "after": None, "limit": 10, **kw}
        return [g.name for g, _ in await groups.list_groups(db, **params)]

    assert await names() == [c.name, b.name, a.name]
    assert await names(joined=True) == [b.name]
    assert await names(interest_id=oncology) == [a.name]
    assert set(await names(query="oncology")) == {a.name, c.name}
    assert await names(query="grant") == [b.name]
    assert await names(query="onco", joined=True) == []
    assert await names(query="!!!") == []
    page = await groups.list_groups(db, viewer_id=ada.id, query=None, interest_id=None,
                                    joined=False, include_archived=False, after=None, limit=2)
    last, rank = page[-1]
    rest = await groups.list_groups(db, viewer_id=ada.id, query=None, interest_id=None,
                                    joined=False, include_archived=False,
                                    after=(rank, last.id), limit=2)
    assert [g.name for g, _ in rest] == [a.name]


async def test_a_banned_moderator_does_not_moderate(db: Backend) -> None:
    """A ban removes the membership; should a graph changed by hand still hold a moderator's
    MEMBER_OF beside a BANNED_FROM, graph_db.policy.moderates refuses them (as
    resolvers.policy.moderates does)."""
    owner, mod = await make_person(db), await make_person(db)
    group = await make_group(db, owner)
    assert await groups.join(db, group.id, person_id=mod.id, now=NOW)
    assert await groups.set_role(db, group.id, actor_id=owner.id, person_id=mod.id,
                                 role="MODERATOR", now=NOW, action_id=new_id(), reason=None)
    await db.write(
        "MATCH (p:Person {id: $p}), (g:Group {id: $g}) MERGE (p)-[:BANNED_FROM]->(g)",
        {"p": mod.id, "g": group.id},
    )
    refused = await groups.set_slow_mode(
        db, group.id, actor_id=mod.id, seconds=30, reason=None, now=NOW, action_id=new_id()
    )
    assert refused is None
    allowed = await groups.set_slow_mode(
        db, group.id, actor_id=owner.id, seconds=30, reason=None, now=NOW, action_id=new_id()
    )
    assert allowed is not None
