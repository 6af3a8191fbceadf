"""Data migration for comment counts: every post with comments stores how many are live
(`commentCount`, kept since by the statements that change them: graph_db.counts).

Reads show the stored count; a post commented on before it was kept has comments and no
count, and gets its count here, in batches at start-up, each post locked while it is
counted (a replica already serving may be commenting on it). An up-to-date graph is only
read.
"""

from __future__ import annotations

from typing import LiteralString

from graph_db.backend import Backend
from graph_db.counts import COMMENT_COUNT, recount_live_comments
from graph_db.locks import lock
from graph_db.migrations.batches import until_done

BATCH = 2_000

STORE: LiteralString = (
    "MATCH (p:Post)<-[:ON]-(:Comment) WHERE p." + COMMENT_COUNT + " IS NULL "
    "WITH DISTINCT p LIMIT $batch" + lock("p") + recount_live_comments("p", COMMENT_COUNT)
    + "RETURN count(p) AS n"
)


async def store_comment_counts(backend: Backend, *, batch: int = BATCH) -> int:
    """Store the comment count of every commented post without one; returns how many."""
    return await until_done(backend, STORE, batch=batch)
