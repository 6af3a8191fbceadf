"""Research interests and mentorship areas: autocomplete with member counts."""

from __future__ import annotations

from graph_db import vocabulary
from graph_db.errors import InvalidInput
from graph_db.records import TermRecord, TermUsageRecord
from resolvers.context import Context

MAX_SUGGESTIONS = 50
MAX_PREFIX = 80


async def autocomplete(
    ctx: Context, kind: str, prefix: str | None, first: int | None
) -> list[TermRecord]:
    """Terms whose name has a word starting with `prefix` (any, without one), most used
    first; their counts are primed for the page."""
    size = 10 if first is None else first
    if not 0 <= size <= MAX_SUGGESTIONS:
        raise InvalidInput(f"first must be between 0 and {MAX_SUGGESTIONS}", field="first")
    if prefix is not None and len(prefix) > MAX_PREFIX:
        raise InvalidInput(f"at most {MAX_PREFIX} characters", field="prefix")
    if size == 0:
        return []
    found = await vocabulary.autocomplete(ctx.db, kind, prefix, size)
    usage = ctx.loaders.usage_by_interest if kind == "Interest" else ctx.loaders.usage_by_area
    for term, counts in found:
        ctx.loaders.term_by_id.prime(term.id, term)
        usage.prime(term.id, counts)
    return [term for term, _ in found]


async def term(ctx: Context, term_id: str) -> TermRecord | None:
    return await ctx.loaders.term_by_id.load(term_id)


async def terms(ctx: Context, term_ids: list[str]) -> list[TermRecord | None]:
    return list(await ctx.loaders.term_by_id.load_many(term_ids))


async def narrower(ctx: Context, term_id: str) -> list[TermRecord]:
    return await ctx.loaders.narrower_by_term.load(term_id)


async def usage(ctx: Context, term: TermRecord) -> TermUsageRecord:
    loader = ctx.loaders.usage_by_interest if term.kind == "Interest" else ctx.loaders.usage_by_area
    return await loader.load(term.id)
