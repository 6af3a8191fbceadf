"""Research interests and mentorship areas: autocomplete with member counts, and the aliases
site admins give terms for search."""

from __future__ import annotations

from dataclasses import replace

from graph_db import vocabulary
from graph_db.errors import Conflict, InvalidInput, NotFound
from graph_db.people_records import TermRecord, TermUsageRecord
from graph_db.profile_fields import clean_line
from graph_db.text_analysis import stems
from resolvers.auth import require_role
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


def _alias(text: str) -> str:
    """One alias as given, cleaned; InvalidInput unless search can find a term by it."""
    try:
        cleaned = vocabulary.clean_aliases([text])
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="alias") from None
    if not cleaned or not stems(cleaned[0]):
        raise InvalidInput("an alias needs a word search can match (letters or digits, not only "
                           "stop words)", field="alias")
    return cleaned[0]


async def _current(ctx: Context, term_id: str) -> tuple[TermRecord, list[TermRecord]]:
    """The term (NotFound unless it exists) and every term of its vocabulary, aliases read."""
    term = await ctx.loaders.term_by_id.load(term_id)
    if term is None:
        raise NotFound("no such interest or mentorship area", field="termId")
    terms = await vocabulary.list_kind(ctx.db, term.kind)
    stored = next((t for t in terms if t.id == term_id), None)
    if stored is None:
        raise NotFound("no such interest or mentorship area", field="termId")
    return replace(stored, broaderId=term.broaderId), terms


async def _replace(ctx: Context, term: TermRecord, aliases: list[str]) -> TermRecord:
    stored = await vocabulary.replace_aliases(
        ctx.db, term.kind, term.id, expected=term.aliases, aliases=aliases
    )
    if stored is None:
        raise Conflict("the aliases changed meanwhile; try again", field="alias")
    ctx.loaders.term_by_id.prime(stored.id, replace(stored, broaderId=term.broaderId), force=True)
    return stored


async def add_alias(ctx: Context, term_id: str, alias: str) -> TermRecord:
    """Give an interest or mentorship area another name search finds it by (site admins). An
    alias that search would read as this term's name or alias, or as another term's of the same
    vocabulary, is a CONFLICT."""
    require_role(ctx, "ADMIN")
    text = _alias(alias)
    term, terms = await _current(ctx, term_id)
    words = stems(text)
    for other in terms:
        if words in {stems(n) for n in (other.name, *other.aliases)}:
            if other.id == term.id:
                raise Conflict(f"{term.name} is already found by {text!r}", field="alias")
            raise Conflict(f"{text!r} already names {other.name}", field="alias")
    if len(term.aliases) >= vocabulary.MAX_ALIASES:
        raise InvalidInput(f"at most {vocabulary.MAX_ALIASES} aliases", field="alias")
    return await _replace(ctx, term, [*term.aliases, text])


async def remove_alias(ctx: Context, term_id: str, alias: str) -> TermRecord:
    """Remove one of a term's aliases (site admins), matched ignoring case; NOT_FOUND if it has
    no such alias. A term left with none gets no default aliases back."""
    require_role(ctx, "ADMIN")
    term, _ = await _current(ctx, term_id)
    key = clean_line(alias).casefold()
    kept = [a for a in term.aliases if a.casefold() != key]
    if len(kept) == len(term.aliases):
        raise NotFound(f"{term.name} has no alias {clean_line(alias)!r}", field="alias")
    return await _replace(ctx, term, kept)
