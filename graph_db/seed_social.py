"""The synthetic network's content: groups with members, posts (some in groups), comments
and likes, over people already seeded (graph_db.seed), written through the domains' bulk
functions (groups.create_many, posts.create_many, comments.create_many, likes.like_many).

Exact numbers where a parameter fixes them (groups, posts, likes); everything derives from
(seed, the people and groups present, ordered by id), ids included, so a second run with
the same arguments changes nothing. Posting is skewed (most members rarely post, a few
often), likes per post follow a long tail, and likers lean towards the author's department.
Memory stays flat: posts and their likes are generated and written one chunk at a time.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import uuid
from collections.abc import Callable, Sequence
from typing import Any, LiteralString

from graph_db import comments, groups, likes, posts
from graph_db.backend import Executor
from graph_db.policy import is_private
from graph_db.vocabulary_data import INTERESTS

DAY_MS = 86_400_000
Progress = Callable[[str, int, int], None]
# Posts are generated in chunks of this many, each from its own seeded generator: the data
# does not depend on the write batch size.
CHUNK = 1000
GROUP_POST_SHARE = 0.1  # of posts written in a group, by one of its members
PRIVATE_GROUP_SHARE = 0.2
GROUP_KINDS = ("Journal Club", "Working Group", "Research Network", "Interest Group",
               "Trainee Forum", "Writing Circle", "Methods Seminar", "Collaborative")
OPENERS = (
    "New preprint on {topic} is out", "Looking for collaborators on {topic}",
    "Great discussion today about {topic}", "Our {topic} seminar is next week",
    "Grant deadline reminder for {topic} proposals", "Slides from my talk on {topic}",
    "Recruiting trainees interested in {topic}", "Reading list for {topic}",
    "Thoughts on the latest {topic} guidelines", "Data question about {topic}",
)
CLOSERS = (
    "Comments welcome.", "Happy to share the protocol.", "DM me if interested.",
    "Thanks to everyone who joined.", "Link in the department newsletter.", "",
    "Would love feedback from the clinical side.", "Join us in the usual room.",
)
REPLIES = ("Congratulations!", "Very helpful, thanks.", "Count me in.", "Great point.",
           "Could you share the slides?", "Interesting, let's talk.")
TOPICS = tuple(b for b, _ in INTERESTS) + tuple(n for _, ns in INTERESTS for n in ns)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Weighted:
    def __init__(self, weights: Sequence[float]) -> None:
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])


PEOPLE: LiteralString = (
    "MATCH (p:Person) RETURN p.id AS id, p.departmentId AS department ORDER BY p.id"
)


async def _people(db: Executor) -> tuple[list[str], list[str | None]]:
    rows = await db.read(PEOPLE)
    return [r["id"] for r in rows], [r["department"] for r in rows]


async def seed_groups(
    db: Executor, count: int, *, seed: int = 7, now: int, batch_size: int = 5000,
    progress: Progress | None = None,
) -> int:
    """Create `count` groups (owner plus members, a long tail of sizes, a fifth private)
    among the people present; returns how many were written (0 without people)."""
    ids, departments = await _people(db)
    if not ids or count <= 0:
        return 0
    by_department: dict[str | None, list[int]] = {}
    for i, d in enumerate(departments):
        by_department.setdefault(d, []).append(i)
    rows: list[dict[str, Any]] = []
    for g in range(count):
        rng = random.Random(f"{seed}:group:{g}")
        owner = rng.randrange(len(ids))
        size = min(len(ids) - 1, int(rng.paretovariate(1.3) * 12))
        local = by_department.get(departments[owner]) or []
        members: set[int] = set()
        for _ in range(size * 2):
            if len(members) >= size:
                break
            pool = local if local and rng.random() < 0.5 else None
            j = pool[rng.randrange(len(pool))] if pool else rng.randrange(len(ids))
            if j != owner:
                members.add(j)
        topic = TOPICS[rng.randrange(len(TOPICS))]
        rows.append({
            "id": _uuid(rng), "ownerId": ids[owner],
            "name": f"{topic} {GROUP_KINDS[rng.randrange(len(GROUP_KINDS))]} {g + 1}",
            "description": f"Members across the institution working on {topic.lower()}.",
            "visibility": "PRIVATE" if rng.random() < PRIVATE_GROUP_SHARE else "PUBLIC",
            "createdAt": now - rng.randint(30, 3 * 365) * DAY_MS,
            "memberIds": [ids[j] for j in sorted(members)],
        })
    # Groups first (owners only), then members through add_members_many: one indexed
    # lookup per member instead of a scan of every person per group.
    await groups.create_many(db, [{**row, "memberIds": []} for row in rows])
    joins = [
        {"groupId": row["id"], "personId": m, "createdAt": row["createdAt"]}
        for row in rows for m in row["memberIds"]
    ]
    for start in range(0, len(joins), batch_size):
        await groups.add_members_many(db, joins[start:start + batch_size])
        if progress:
            progress("group members", min(start + batch_size, len(joins)), len(joins))
    return len(rows)


GROUP_MEMBERS: LiteralString = (
    "MATCH (g:Group)<-[:MEMBER_OF]-(p:Person) WITH g, p ORDER BY p.id "
    "RETURN g.id AS id, " + is_private("g") + " AS private, collect(p.id) AS members ORDER BY id"
)


def like_quotas(caps: Sequence[int], likes_count: int, seed: int) -> list[int]:
    """Likes per post: a long tail (log-normal weights) summing to exactly `likes_count`,
    post k getting at most caps[k]. Raises ValueError when they cannot hold that many."""
    if likes_count > sum(caps):
        raise ValueError(f"{likes_count} likes do not fit on {len(caps)} posts")
    if likes_count == 0:
        return [0] * len(caps)
    rng = random.Random(f"{seed}:like-quotas")
    weights = [rng.lognormvariate(0.0, 1.4) if cap else 0.0 for cap in caps]
    total = math.fsum(weights)
    quotas = [min(cap, int(likes_count * w / total)) for w, cap in zip(weights, caps, strict=True)]
    left = likes_count - sum(quotas)
    pick = _Weighted(weights)
    while left > 0:  # the remainder, still favouring popular posts, never past a cap
        i = pick.pick(rng)
        if quotas[i] < caps[i]:
            quotas[i] += 1
            left -= 1
        elif rng.random() < 0.01:  # popular posts full: fill the rest in order
            for i, cap in enumerate(caps):
                give = min(left, cap - quotas[i])
                quotas[i] += give
                left -= give
    return quotas


def _body(rng: random.Random) -> str:
    topic = TOPICS[rng.randrange(len(TOPICS))].lower()
    text = OPENERS[rng.randrange(len(OPENERS))].format(topic=topic)
    closer = CLOSERS[rng.randrange(len(CLOSERS))]
    return f"{text}. {closer}".strip()


async def seed_posts(
    db: Executor, posts_count: int, likes_count: int, *, seed: int = 7, now: int,
    batch_size: int = 5000, progress: Progress | None = None,
) -> tuple[int, int]:
    """Create `posts_count` posts (a tenth in groups, by members), comments on about one
    post in ten, and exactly `likes_count` likes on posts (group posts liked by members
    only); returns (posts, comments) written. Needs people (and groups, if any are wanted)."""
    ids, departments = await _people(db)
    if not ids:
        return 0, 0
    n = len(ids)
    index = {pid: i for i, pid in enumerate(ids)}
    by_department: dict[str | None, list[int]] = {}
    for i, d in enumerate(departments):
        by_department.setdefault(d, []).append(i)
    group_rows = await db.read(GROUP_MEMBERS) if posts_count else []
    group_members = [[index[m] for m in r["members"] if m in index] for r in group_rows]
    group_pick = _Weighted([len(m) for m in group_members]) if group_members else None
    # Which posts go to which group (-1: none), decided first: a private group's posts are
    # liked by its members only, which caps their likes.
    plan_rng = random.Random(f"{seed}:post-groups")
    plan = [
        group_pick.pick(plan_rng) if group_pick and plan_rng.random() < GROUP_POST_SHARE else -1
        for _ in range(posts_count)
    ]
    caps = [
        len(group_members[g]) - 1 if g >= 0 and group_rows[g]["private"] else n - 1
        for g in plan
    ]
    activity_rng = random.Random(f"{seed}:activity")
    # Most members rarely post, a few often; a quarter never do.
    author_pick = _Weighted([
        0.0 if activity_rng.random() < 0.25 else activity_rng.lognormvariate(0.0, 1.2)
        for _ in range(n)
    ])
    quotas = like_quotas(caps, likes_count, seed)
    written_posts = written_comments = 0
    post_rows: list[dict[str, Any]] = []
    comment_rows: list[dict[str, Any]] = []
    like_rows: list[dict[str, Any]] = []

    async def flush(final: bool = False) -> None:
        nonlocal written_posts, written_comments
        if post_rows and (final or len(post_rows) >= batch_size or len(like_rows) >= batch_size):
            await posts.create_many(db, post_rows)
            written_posts += len(post_rows)
            post_rows.clear()
            await comments.create_many(db, comment_rows)
            written_comments += len(comment_rows)
            comment_rows.clear()
            for start in range(0, len(like_rows), batch_size * 2):
                await likes.like_many(db, like_rows[start:start + batch_size * 2])
            like_rows.clear()
            if progress:
                progress("posts", written_posts, posts_count)

    for chunk_start in range(0, posts_count, CHUNK):
        rng = random.Random(f"{seed}:posts:{chunk_start // CHUNK}")
        for k in range(chunk_start, min(chunk_start + CHUNK, posts_count)):
            group = plan[k] if plan[k] >= 0 else None
            audience = group_members[group] if group is not None else None
            private = group is not None and group_rows[group]["private"]
            author = audience[rng.randrange(len(audience))] if audience else author_pick.pick(rng)
            created = now - rng.randint(60_000, 365 * DAY_MS)
            post_id = _uuid(rng)
            post_rows.append({
                "id": post_id, "authorId": ids[author], "body": _body(rng), "createdAt": created,
                "groupId": group_rows[group]["id"] if group is not None else None,
            })
            local = by_department.get(departments[author]) or []
            likers: set[int] = set()
            while len(likers) < quotas[k]:
                if audience and (private or rng.random() < 0.6):
                    j = audience[rng.randrange(len(audience))]
                elif local and rng.random() < 0.4 and len(local) > 2 * quotas[k]:
                    j = local[rng.randrange(len(local))]
                else:
                    j = rng.randrange(n)
                if j != author:
                    likers.add(j)
            like_rows.extend(
                {"personId": ids[j], "targetId": post_id,
                 "createdAt": min(now, created + rng.randint(1_000, 7 * DAY_MS))}
                for j in sorted(likers)
            )
            if rng.random() < 0.1:
                for c in range(rng.randint(1, 3)):
                    pool = audience if private and audience else range(n)
                    commenter = pool[rng.randrange(len(pool))]
                    comment_rows.append({
                        "id": _uuid(rng), "authorId": ids[commenter], "postId": post_id,
                        "body": REPLIES[rng.randrange(len(REPLIES))],
                        "createdAt": min(now, created + (c + 1) * rng.randint(1_000, DAY_MS)),
                    })
        await flush()
    await flush(final=True)
    return written_posts, written_comments
