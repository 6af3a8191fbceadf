"""Data migration for people search: every person's stored search words (graph_db.people
SEARCH_WORDS) analysed with the current analysis, and `searchKeys` present.

People written before these properties existed, by an older analysis, or by a path that does
not write them (an account created at registration) are brought up to date in batches at
start-up; an up-to-date graph is only read.
"""

from __future__ import annotations

from typing import Any, LiteralString

from graph_db.backend import Backend
from graph_db.people import search_keys, search_words
from graph_db.text_analysis import ANALYSIS_VERSION

BATCH = 2_000

PENDING: LiteralString = (
    "MATCH (p:Person) WHERE p.searchVersion IS NULL OR p.searchVersion <> $analysis "
    "  OR p.searchKeys IS NULL "
    "RETURN p.id AS id, p.name AS name, p.title AS title, p.bio AS bio LIMIT $batch"
)

STORE: LiteralString = (
    "UNWIND $rows AS row MATCH (p:Person {id: row.id}) "
    "SET p += row.words, p.searchVersion = $analysis, p.searchKeys = "
    + search_keys(
        "coalesce(p.interestIds, [])", "coalesce(p.offerIds, [])", "coalesce(p.seekIds, [])",
        "p.hospitalId", "p.departmentId", "p.divisionId", "p.rank",
    )
    + " RETURN count(p) AS n"
)


async def update_search_words(backend: Backend, *, batch: int = BATCH) -> int:
    """Analyse and key every person not yet up to date; returns how many were updated."""
    updated = 0
    while True:
        rows = await backend.read(PENDING, {"analysis": ANALYSIS_VERSION, "batch": batch})
        if not rows:
            return updated
        sent: list[dict[str, Any]] = [
            {"id": r["id"], "words": search_words({k: r[k] for k in ("name", "title", "bio")})}
            for r in rows
        ]
        await backend.write(STORE, {"rows": sent, "analysis": ANALYSIS_VERSION})
        updated += len(sent)
