"""What a like costs on a post many people liked: the like and unlike statements and the read
a page makes beside the post, timed on the embedded FalkorDB.

    .venv/bin/python -m bench.hot_post [--likes 100000] [--repeats 20]

Starts an embedded FalkorDB in a temporary directory, gives one post `--likes` likes (bulk, as
an import does), then times `--repeats` likes and unlikes by another member, in turn, and the
engagement read (counts and "did the viewer like it"); prints the medians and checks that the
stored count still equals the likes. Counts are kept by the statements that change them
(graph_db.likes), so none of these should grow with the post's likes.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bench.scratch import scratch_graph, script_main
from graph_db import likes, people, posts

BATCH = 5_000


async def _median_ms(repeats: int, step: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await step()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def run(count: int, repeats: int) -> None:
    async with scratch_graph("hot_post", max_connections=4) as db:
        now = int(time.time() * 1000)

        async def person(n: int) -> str:
            record = await people.create_person(
                db, id=str(uuid.uuid4()), email=f"p{n}@bench.example", name=f"Person {n}",
                role="MEMBER", now=now,
            )
            return record.id

        author, viewer = await person(0), await person(1)
        post, _ = await posts.create_post(db, id=str(uuid.uuid4()), author_id=author,
                                          body="A popular update", now=now)
        assert post is not None
        fans = [str(uuid.uuid4()) for _ in range(count)]
        for i in range(0, count, BATCH):
            chunk = fans[i:i + BATCH]
            await db.write("UNWIND $ids AS id CREATE (:Person {id: id, name: 'Fan'})",
                           {"ids": chunk})
            await likes.like_many(db, [{"personId": f, "targetId": post.id, "createdAt": now}
                                       for f in chunk])
        made: list[float] = []
        removed: list[float] = []
        for _ in range(repeats):  # each like makes the edge, each unlike removes it
            made.append(await _median_ms(1, lambda: likes.like_post(
                db, post.id, viewer_id=viewer, now=now)))
            removed.append(await _median_ms(1, lambda: likes.unlike_post(
                db, post.id, viewer_id=viewer)))
        read = await _median_ms(repeats, lambda: likes.get_post_engagement(
            db, [post.id], viewer_id=viewer))
        [row] = await db.read(
            "MATCH (p:Post {id: $id}) RETURN p.likeCount AS stored, "
            "size([(p)<-[:LIKED]-(:Person) | 1]) AS edges", {"id": post.id})
        print(f"post with {count:,} likes, medians of {repeats}:")
        print(f"  like                     {statistics.median(made):8.2f} ms")
        print(f"  unlike                   {statistics.median(removed):8.2f} ms")
        print(f"  engagement read          {read:8.2f} ms")
        print(f"  likeCount {row['stored']:,}, LIKED edges {row['edges']:,}")
        if row["stored"] != row["edges"]:
            raise SystemExit("the stored count differs from the likes")


def main() -> None:
    script_main(__doc__.split("\n\n")[0], run, likes=100_000, repeats=20)


if __name__ == "__main__":
    main()
