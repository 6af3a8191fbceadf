"""Data migration for mentions: every post and comment that mentions someone stores the ids
it mentions (`mentionIds`, kept since by graph_db.posts.mention) beside its MENTIONS edges.

Reads show the stored list; one written before it was kept has edges and no list, and gets
its list from its edges here, in batches at start-up. An up-to-date graph is only read.
"""

from __future__ import annotations

from typing import LiteralString

from graph_db.backend import Backend
from graph_db.migrations.batches import until_done

BATCH = 2_000


def _store(label: LiteralString) -> LiteralString:
    return (
        "MATCH (n:" + label + ")-[:MENTIONS]->(:Person) WHERE n.mentionIds IS NULL "
        "WITH DISTINCT n LIMIT $batch "
        "MATCH (n)-[:MENTIONS]->(m:Person) WITH n, collect(m.id) AS ids "
        "SET n.mentionIds = ids RETURN count(n) AS n"
    )


STORE: tuple[LiteralString, ...] = (_store("Post"), _store("Comment"))


async def store_mention_ids(backend: Backend, *, batch: int = BATCH) -> int:
    """Store the mentions of every post and comment without a stored list; returns how many."""
    stored = 0
    for statement in STORE:
        stored += await until_done(backend, statement, batch=batch)
    return stored
