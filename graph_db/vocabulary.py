"""Shared vocabularies: research interests (optionally -BROADER-> a wider interest) and
mentorship areas. Terms are unique by slug, so '  Heart  FAILURE' and 'heart failure' are
one term; people link to them from graph_db.people."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.batch import by_ids_of_labels, get_aligned_rows, list_aligned
from graph_db.errors import InvalidInput
from graph_db.people_records import TermRecord, TermUsageRecord
from graph_db.profile_fields import clean_line, slugify
from graph_db.vocabulary_data import ALIASES, INTERESTS, MENTORSHIP_AREAS

KINDS: tuple[LiteralString, ...] = ("Interest", "MentorshipArea")
_NAMESPACE = uuid.UUID("0b9a9a7e-0a0f-4e8e-8f39-7f0e5d1c2b44")

TERM_FIELDS: LiteralString = "t {.id, .slug, .name, .createdAt, .aliases, kind: labels(t)[0]}"
# Returns term `t` as _record reads it, without walking to its broader term.
RETURN_TERM: LiteralString = "RETURN " + TERM_FIELDS + " AS term, null AS broaderId"
MAX_ALIASES = 20
MAX_ALIAS_LENGTH = 100


def stable_id(kind: str, name: str) -> str:
    """The id a term gets when created from its name (the same in every database)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{slugify(name)}"))


def proposal(
    kind: str, name: str, *, id: str | None = None, broader_id: str | None = None
) -> dict[str, Any]:
    """A term as the people repository's add/upsert statements take it. Pass a fresh `id`
    when it matters whether the statement created the term (a proposal's broader edge)."""
    display = clean_line(name)
    return {"id": id or stable_id(kind, display), "slug": slugify(display), "name": display,
            "broaderId": broader_id}


def term_record(term: dict[str, Any], broader_id: str | None) -> TermRecord:
    """A term as read with TERM_FIELDS (aliases as a tuple; none stored is none)."""
    return TermRecord.from_row(
        {**term, "broaderId": broader_id, "aliases": tuple(term.get("aliases") or ())}
    )


def _record(row: dict[str, Any]) -> TermRecord:
    return term_record(row["term"], row.get("broaderId"))


def per_kind(statement: Callable[[LiteralString], LiteralString]) -> dict[str, LiteralString]:
    """The statement for each vocabulary, by kind (its label is fixed text in each)."""
    return {kind: statement(kind) for kind in KINDS}


GET_MANY: LiteralString = by_ids_of_labels("t", KINDS, TERM_FIELDS, "term", "BROADER", "broaderId")


async def get_many(db: Executor, ids: Sequence[str]) -> list[TermRecord | None]:
    """Terms of either kind by id, aligned with `ids`."""
    return await get_aligned_rows(db, GET_MANY, ids, lambda row: row["term"]["id"], _record)


def _usage(label: LiteralString) -> LiteralString:
    return (
        "UNWIND $ids AS id MATCH (t:" + label + " {id: id}) "
        "RETURN id, size([(t)<-[:INTERESTED_IN]-(pi) | pi]) AS members, "
        "size([(t)<-[:OFFERS_MENTORSHIP_IN]-(po) | po]) AS offeredBy, "
        "size([(t)<-[:SEEKS_MENTORSHIP_IN]-(ps) | ps]) AS soughtBy"
    )


USAGE: dict[str, LiteralString] = per_kind(_usage)


def _members(row: dict[str, Any], kind: str) -> TermUsageRecord:
    members = row["members"] if kind == "Interest" else row["offeredBy"] + row["soughtBy"]
    return TermUsageRecord(
        id=row["id"], members=members, offeredBy=row["offeredBy"], soughtBy=row["soughtBy"]
    )


async def get_usage(db: Executor, kind: str, ids: Sequence[str]) -> list[TermUsageRecord]:
    """How many people use each term (for an area, `members` counts offers plus seeks)."""
    found = await get_aligned_rows(db, USAGE[kind], ids, itemgetter("id"), lambda r: _members(r, kind))
    return [usage or TermUsageRecord(id=i) for i, usage in zip(ids, found, strict=True)]


def _complete(label: LiteralString) -> LiteralString:
    # Prefix of the slug, or of any word of the name; the most used terms first.
    return (
        "MATCH (t:" + label + ") "
        "WHERE $slug = '' OR t.slug STARTS WITH $slug OR (' ' + toLower(t.name)) CONTAINS $word "
        "WITH t, size([(t)<-[:INTERESTED_IN]-(pi) | pi]) AS members, "
        "size([(t)<-[:OFFERS_MENTORSHIP_IN]-(po) | po]) AS offeredBy, "
        "size([(t)<-[:SEEKS_MENTORSHIP_IN]-(ps) | ps]) AS soughtBy "
        "WITH t, members, offeredBy, soughtBy, "
        "CASE WHEN $kind = 'Interest' THEN members ELSE offeredBy + soughtBy END AS used "
        "ORDER BY used DESC, t.name, t.id LIMIT $first "
        "OPTIONAL MATCH (t)-[:BROADER]->(b) "
        "RETURN " + TERM_FIELDS + " AS term, b.id AS broaderId, t.id AS id, members, offeredBy, "
        "soughtBy, used ORDER BY used DESC, t.name, t.id"
    )


COMPLETE: dict[str, LiteralString] = per_kind(_complete)


async def autocomplete(
    db: Executor, kind: str, prefix: str | None, first: int
) -> list[tuple[TermRecord, TermUsageRecord]]:
    """Terms whose slug or a word of whose name starts with `prefix`, most used first."""
    text = clean_line(prefix or "").lower()
    rows = await db.read(
        COMPLETE[kind],
        {"slug": slugify(text), "word": " " + text, "first": first, "kind": kind},
    )
    return [(_record(r), _members(r, kind)) for r in rows]


LIST_NARROWER: LiteralString = (
    "UNWIND $ids AS id MATCH (t:Interest)-[:BROADER]->(b:Interest {id: id}) "
    "RETURN " + TERM_FIELDS + " AS term, id AS broaderId ORDER BY t.name, t.id"
)


async def list_narrower(db: Executor, ids: Sequence[str]) -> list[list[TermRecord]]:
    """The interests directly narrower than each of `ids`, by name."""
    return await list_aligned(db, LIST_NARROWER, ids, "broaderId", _record)


def _merge(label: LiteralString) -> LiteralString:
    return (
        "UNWIND $terms AS it OPTIONAL MATCH (old:" + label + " {slug: it.slug}) "
        "WITH it, old IS NULL AS isNew MERGE (t:" + label + " {slug: it.slug}) "
        "ON CREATE SET t.id = it.id, t.name = it.name, t.createdAt = $now "
        "RETURN sum(CASE WHEN isNew THEN 1 ELSE 0 END) AS created"
    )


MERGE_TERMS: dict[str, LiteralString] = per_kind(_merge)

# A default broader edge is added only to an interest that has none (an admin's choice stays).
MERGE_BROADER: LiteralString = (
    "UNWIND $edges AS e MATCH (n:Interest {slug: e.narrower}), (b:Interest {slug: e.broader}) "
    "WITH n, b, size([(n)-[:BROADER]->(x) | x]) AS broader WHERE broader = 0 "
    "MERGE (n)-[:BROADER]->(b) RETURN count(*) AS linked"
)


async def merge_terms(db: Executor, kind: str, names: Sequence[str], *, now: int) -> int:
    """Ensure terms with these names exist (by slug); returns how many were created."""
    terms = [proposal(kind, n) for n in names]
    if not terms:
        return 0
    rows = await db.write(MERGE_TERMS[kind], {"terms": terms, "now": now})
    return int(rows[0]["created"])


def _ensure(label: LiteralString) -> LiteralString:
    return (
        "UNWIND $terms AS it MERGE (t:" + label + " {slug: it.slug}) "
        "ON CREATE SET t.id = it.id, t.name = it.name, t.createdAt = $now "
        + RETURN_TERM
    )


ENSURE_TERMS: dict[str, LiteralString] = per_kind(_ensure)


async def ensure_terms(db: Executor, kind: str, names: Sequence[str], *, now: int) -> list[TermRecord]:
    """The stored terms for these names (by slug), creating those that are missing.
    (broaderId is not read here.)"""
    terms = list({t["slug"]: t for t in (proposal(kind, n) for n in names)}.values())
    if not terms:
        return []
    return [_record(r) for r in await db.write(ENSURE_TERMS[kind], {"terms": terms, "now": now})]


async def load_default(db: Executor, *, now: int) -> int:
    """Ensure the default interests (with their broader edges) and areas exist."""
    interests = [broad for broad, _ in INTERESTS] + [n for _, ns in INTERESTS for n in ns]
    created = await merge_terms(db, "Interest", interests, now=now)
    edges = [
        {"narrower": slugify(n), "broader": slugify(broad)} for broad, ns in INTERESTS for n in ns
    ]
    await db.write(MERGE_BROADER, {"edges": edges})
    created += await merge_terms(db, "MentorshipArea", MENTORSHIP_AREAS, now=now)
    aliases = [{"slug": slugify(name), "aliases": list(values)} for name, values in ALIASES.items()]
    for kind in KINDS:
        await db.write(MERGE_ALIASES[kind], {"aliases": aliases})
    return created


def _merge_aliases(label: LiteralString) -> LiteralString:
    # Default aliases only where a term has none: an admin's list (even an empty one) stays.
    return (
        "UNWIND $aliases AS a MATCH (t:" + label + " {slug: a.slug}) WHERE t.aliases IS NULL "
        "SET t.aliases = a.aliases RETURN count(t) AS set"
    )


MERGE_ALIASES: dict[str, LiteralString] = per_kind(_merge_aliases)


def _set_aliases(label: LiteralString) -> LiteralString:
    return (
        "MATCH (t:" + label + " {id: $id}) SET t.aliases = $aliases "
        "RETURN " + TERM_FIELDS + " AS term, t.aliases AS aliases"
    )


SET_ALIASES: dict[str, LiteralString] = per_kind(_set_aliases)


def clean_aliases(aliases: Sequence[str]) -> list[str]:
    """One-line, de-duplicated (case-insensitively) aliases; raises InvalidInput past the limits."""
    cleaned: dict[str, str] = {}
    for alias in aliases:
        text = clean_line(alias)
        if len(text) > MAX_ALIAS_LENGTH:
            raise InvalidInput(f"an alias has at most {MAX_ALIAS_LENGTH} characters", field="aliases")
        if text:
            cleaned.setdefault(text.casefold(), text)
    if len(cleaned) > MAX_ALIASES:
        raise InvalidInput(f"at most {MAX_ALIASES} aliases", field="aliases")
    return list(cleaned.values())


async def set_aliases(
    db: Executor, kind: str, term_id: str, aliases: Sequence[str]
) -> tuple[TermRecord, tuple[str, ...]] | None:
    """Replace a term's aliases (other names search finds it by); None if there is no such
    term. An empty list keeps the term from getting default aliases again."""
    rows = await db.write(SET_ALIASES[kind], {"id": term_id, "aliases": clean_aliases(aliases)})
    if not rows:
        return None
    return _record(rows[0]), tuple(rows[0]["aliases"] or ())


def _list_kind(label: LiteralString) -> LiteralString:
    return "MATCH (t:" + label + ") " + RETURN_TERM


LIST_KIND: dict[str, LiteralString] = per_kind(_list_kind)


async def list_kind(db: Executor, kind: str) -> list[TermRecord]:
    """Every term of one vocabulary, with its aliases (broaderId is not read here)."""
    return [_record(r) for r in await db.read(LIST_KIND[kind])]


def _replace_aliases(label: LiteralString) -> LiteralString:
    # Compare and set: the list is replaced only if it is still the one the change was decided
    # on, so two admins' concurrent changes never silently drop one (the loser sees no row).
    return (
        "MATCH (t:" + label + " {id: $id}) "
        "WITH t, coalesce(t.aliases, []) = $expected AS unchanged WHERE unchanged "
        "SET t.aliases = $aliases " + RETURN_TERM
    )


REPLACE_ALIASES: dict[str, LiteralString] = per_kind(_replace_aliases)


async def replace_aliases(
    db: Executor, kind: str, term_id: str, *, expected: Sequence[str], aliases: Sequence[str]
) -> TermRecord | None:
    """Set a term's aliases if they are still `expected`; None if the term is gone or its
    aliases changed meanwhile."""
    rows = await db.write(
        REPLACE_ALIASES[kind], {"id": term_id, "expected": list(expected), "aliases": list(aliases)}
    )
    return _record(rows[0]) if rows else None


LIST_ALL: LiteralString = (
    "MATCH (t) WHERE t:Interest OR t:MentorshipArea OPTIONAL MATCH (t)-[:BROADER]->(b) "
    "RETURN " + TERM_FIELDS + " AS term, b.id AS broaderId"
)


async def list_all(db: Executor) -> list[TermRecord]:
    """Every term of both vocabularies (importers map names to slugs with it)."""
    return [_record(r) for r in await db.read(LIST_ALL)]
