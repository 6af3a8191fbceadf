"""People search: candidates from the full-text index and the vocabulary, filters, ranking,
keyset pages, facets.

With text, a search is one statement (one row): the holders of the terms the query names
(and of their narrower ones), the engine's full-text hits for every analysed query word (as a
prefix and within a few edits), hidden people and filters out, the vocabulary (terms, aliases,
hierarchy), and each remaining candidate's profile. The engines only decide who is a
candidate: who matches and in what order is decided in Python (graph_db.search_ranking) from
each candidate's own text and terms, so both engines rank the same data the same way. Facets
and the total are counted over the candidates that match. A page continues strictly after the
(rank, id) of the last row, with the first page's word weights (carried in the cursor), so
people joining between pages never make one repeat or skip someone.

Without text the ranking is profile completeness, computed, sorted and cut in one statement.

FalkorDB note: a WHERE whose list predicate refers to a variable projected in the same
step does not resolve there, so every filter is first projected as a boolean (`ok`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph_db import search_ranking
from graph_db.backend import Executor
from graph_db.dialect import RecallWord
from graph_db.migrations import PERSON_SEARCH
from graph_db.network import HIDDEN
from graph_db.people import PERSON_FIELDS
from graph_db.records import FacetRecord, PersonRecord, SearchFacetsRecord, SearchHitRecord
from graph_db.search_ranking import Vocabulary
from graph_db.text_analysis import recall_edits, recall_prefix

FACET_LIMIT = 20
MAX_WORDS = search_ranking.MAX_WORDS


@dataclass(frozen=True)
class PeopleFilter:
    """Within one list any value matches (OR); across lists all must match (AND).
    Unit filters include the units below (a hospital matches its departments' people)."""

    hospitals: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    divisions: tuple[str, ...] = ()
    interests: tuple[str, ...] = ()
    areas_offered: tuple[str, ...] = ()
    areas_sought: tuple[str, ...] = ()
    ranks: tuple[str, ...] = ()
    accepting_mentees: bool | None = None

    def params(self) -> dict[str, Any]:
        def values(v: tuple[str, ...]) -> list[str] | None:
            return list(v) if v else None

        return {
            "hospitals": values(self.hospitals), "departments": values(self.departments),
            "divisions": values(self.divisions), "interests": values(self.interests),
            "offered": values(self.areas_offered), "sought": values(self.areas_sought),
            "ranks": values(self.ranks), "accepting": self.accepting_mentees,
        }


@dataclass(frozen=True)
class SearchRequest:
    viewer: str
    text: str | None = None
    filter: PeopleFilter = field(default_factory=PeopleFilter)

    @property
    def has_text(self) -> bool:
        return self.text is not None and bool(self.text.strip())


@dataclass(frozen=True, slots=True)
class SearchHit(SearchHitRecord):
    """A hit, what in the person's profile matched (words as written, term names), and the
    word weights the page was ranked with (a cursor carries them to the next page)."""

    matched: tuple[str, ...] = ()
    weights: tuple[float, ...] = ()


# The candidate pipeline binds `hidden` (HIDDEN) and then `p`; the filter step reads the
# derived properties people.REFRESH_PROFILE keeps (no traversal per candidate) and holds only
# the conditions asked for: FalkorDB evaluates every operand of AND, so a `$x IS NULL OR ...`
# guard would still cost its list scan on every candidate.
_CONDITIONS: dict[str, LiteralString] = {
    "ranks": " AND p.rank IN $ranks",
    "accepting": " AND coalesce(p.acceptingMentees, false) = $accepting",
    "hospitals": " AND p.hospitalId IN $hospitals",
    "departments": " AND p.departmentId IN $departments",
    "divisions": " AND p.divisionId IN $divisions",
    "interests": " AND size([x IN coalesce(p.interestIds, []) WHERE x IN $interests]) > 0",
    "offered": " AND size([x IN coalesce(p.offerIds, []) WHERE x IN $offered]) > 0",
    "sought": " AND size([x IN coalesce(p.seekIds, []) WHERE x IN $sought]) > 0",
}


def _filter(params: dict[str, Any]) -> LiteralString:
    condition: LiteralString = "NOT p.id IN hidden"
    for name, text in _CONDITIONS.items():
        if params.get(name) is not None:
            condition += text
    return "WITH p, " + condition + " AS ok WHERE ok "


_UNRANKED: LiteralString = "WITH p, coalesce(p.completeness, 0) AS rank "
# Sort and cut before projecting: a map projection per candidate costs more than the sort.
_PAGE: LiteralString = (
    "WITH p, rank, $afterRank IS NULL OR rank < $afterRank "
    "  OR (rank = $afterRank AND p.id > $afterId) AS ok WHERE ok "
    "WITH p, rank ORDER BY rank DESC, p.id LIMIT $limit "
    "RETURN " + PERSON_FIELDS + " AS person, rank ORDER BY rank DESC, p.id"
)
_ALL_PEOPLE: LiteralString = HIDDEN + "MATCH (p:Person) "

FACET_KINDS: tuple[str, ...] = ("hospitals", "departments", "interests", "mentorshipAreas")

# Each facet over the collected result set `found`, counted from the derived id properties;
# names are looked up for the winners only.
_FACET_CALLS: dict[str, LiteralString] = {
    "hospitals": (
        "CALL { WITH found UNWIND found AS p WITH p.hospitalId AS fid, count(*) AS n "
        "  WHERE fid IS NOT NULL MATCH (u:Hospital {id: fid}) "
        "  WITH u, n ORDER BY n DESC, u.name, u.id LIMIT $facetLimit "
        "  RETURN collect({id: u.id, name: u.name, count: n}) AS hospitals } "
    ),
    "departments": (
        "CALL { WITH found UNWIND found AS p WITH p.departmentId AS fid, count(*) AS n "
        "  WHERE fid IS NOT NULL MATCH (u:Department {id: fid}) "
        "  WITH u, n ORDER BY n DESC, u.name, u.id LIMIT $facetLimit "
        "  RETURN collect({id: u.id, name: u.name, count: n}) AS departments } "
    ),
    "interests": (
        "CALL { WITH found UNWIND found AS p UNWIND coalesce(p.interestIds, []) AS fid "
        "  WITH fid, count(*) AS n MATCH (t:Interest {id: fid}) "
        "  WITH t, n ORDER BY n DESC, t.name, t.id LIMIT $facetLimit "
        "  RETURN collect({id: t.id, name: t.name, count: n}) AS interests } "
    ),
    "mentorshipAreas": (
        "CALL { WITH found UNWIND found AS p "
        "  UNWIND coalesce(p.offerIds, []) + [x IN coalesce(p.seekIds, []) "
        "    WHERE NOT x IN coalesce(p.offerIds, [])] AS fid "
        "  WITH fid, count(*) AS n MATCH (t:MentorshipArea {id: fid}) "
        "  WITH t, n ORDER BY n DESC, t.name, t.id LIMIT $facetLimit "
        "  RETURN collect({id: t.id, name: t.name, count: n}) AS mentorshipAreas } "
    ),
}
# The page of the collected result set `found` (no text: fullest profiles first).
_PAGE_OF_FOUND: LiteralString = (
    "CALL { WITH found UNWIND found AS p "
    + _UNRANKED
    + "WITH p, rank, $afterRank IS NULL OR rank < $afterRank "
    "  OR (rank = $afterRank AND p.id > $afterId) AS ok WHERE ok "
    "  WITH p, rank ORDER BY rank DESC, p.id LIMIT $limit "
    "  RETURN collect({person: " + PERSON_FIELDS + ", rank: rank}) AS page } "
)
_RETURNED: dict[str, LiteralString] = {
    "hospitals": ", hospitals", "departments": ", departments", "interests": ", interests",
    "mentorshipAreas": ", mentorshipAreas",
}


@dataclass(frozen=True)
class SearchResult:
    """A page of hits and, when asked for, the facets (and total) of the whole result set."""

    hits: list[SearchHit]
    facets: SearchFacetsRecord | None = None


async def search_people(
    db: Executor, request: SearchRequest, *, after: tuple[int, str] | None, limit: int,
    weights: Sequence[float] | None = None,
) -> list[SearchHit]:
    """One page of people matching the request, best first, strictly after `after` (with
    text, pass the previous page's `weights` along: see search_page)."""
    return (await search_page(db, request, after=after, limit=limit, weights=weights)).hits


async def search_page(
    db: Executor, request: SearchRequest, *, after: tuple[int, str] | None, limit: int,
    facets: Sequence[str] | None = None, facet_limit: int = FACET_LIMIT,
    weights: Sequence[float] | None = None,
) -> SearchResult:
    """One page, and with `facets` (kinds from FACET_KINDS; empty for the total alone) the
    counts over the whole result set. With text, `weights` (a hit's `weights`) ranks a later
    page exactly as the first one was ranked; without them they are computed afresh."""
    params: dict[str, Any] = {
        "viewer": request.viewer, **request.filter.params(),
        "afterRank": after[0] if after else None, "afterId": after[1] if after else None,
        "limit": limit, "facetLimit": facet_limit,
    }
    if request.has_text:
        return await _text_page(db, request, params, after, limit, facets, facet_limit, weights)
    if facets is None:
        rows = await db.read(_ALL_PEOPLE + _filter(params) + _UNRANKED + _PAGE, params)
        return SearchResult(
            [SearchHit(PersonRecord.from_row(r["person"]), int(r["rank"])) for r in rows]
        )
    kinds = [k for k in FACET_KINDS if k in facets]
    query = _ALL_PEOPLE + _filter(params) + "WITH collect(p) AS found " + _PAGE_OF_FOUND
    returned: LiteralString = "RETURN size(found) AS total, page"
    for kind in kinds:
        query += _FACET_CALLS[kind]
        returned += _RETURNED[kind]
    row = (await db.read(query + returned, params))[0]
    hits = [SearchHit(PersonRecord.from_row(h["person"]), int(h["rank"])) for h in row["page"]]
    return SearchResult(hits, _facets_record(row))


def _facets_record(row: dict[str, Any]) -> SearchFacetsRecord:
    def facets(kind: str) -> tuple[FacetRecord, ...]:
        return tuple(
            FacetRecord(id=v["id"], name=v["name"], count=int(v["count"]))
            for v in row.get(kind) or ()
        )

    return SearchFacetsRecord(
        total=int(row["total"]), hospitals=facets("hospitals"), departments=facets("departments"),
        interests=facets("interests"), mentorshipAreas=facets("mentorshipAreas"),
    )


# -- text search ----------------------------------------------------------------------------

# One statement, one row: the holders of the terms in $termIds (named by the query, and their
# narrower ones), the full-text hits, hidden people and filters out, then the vocabulary
# (terms, aliases, broader edges), which ranking needs, and each
# candidate's profile and derived ids. Every step keeps the one row (collect, OPTIONAL MATCH,
# filtering inside a list), so the vocabulary comes back even when nobody matches. Lists are
# never carried across a step that multiplies rows (FalkorDB copies them into every row): the
# full-text call and each vocabulary read run in their own CALL subquery.
def _text_statement(dialect_call: LiteralString, condition: LiteralString, units: bool) -> LiteralString:
    return (
        "UNWIND CASE WHEN size($termIds) = 0 THEN [null] ELSE $termIds END AS interestId "
        "OPTIONAL MATCH (ti:Interest {id: interestId})<-[:INTERESTED_IN]-(xi:Person) "
        "WITH collect(xi) AS interested "
        "UNWIND CASE WHEN size($termIds) = 0 THEN [null] ELSE $termIds END AS areaId "
        "OPTIONAL MATCH (ta:MentorshipArea {id: areaId})"
        "<-[:OFFERS_MENTORSHIP_IN|SEEKS_MENTORSHIP_IN]-(xa:Person) "
        "WITH interested, collect(xa) AS offering "
        "CALL { " + dialect_call + " RETURN collect(node) AS hits } "
        "WITH interested + offering + hits AS candidates "
        "OPTIONAL MATCH (:Person {id: $viewer})-[:BLOCKED]-(hiddenPerson:Person) "
        "WITH candidates, collect(hiddenPerson.id) AS hidden "
        "WITH [p IN candidates WHERE " + condition + "] AS kept "
        "CALL { OPTIONAL MATCH (t:Interest) OPTIONAL MATCH (t)-[:BROADER]->(b:Interest) "
        "  RETURN collect([t.id, t.name, t.aliases, b.id]) AS interests } "
        "CALL { OPTIONAL MATCH (a:MentorshipArea) "
        "  RETURN collect([a.id, a.name, a.aliases]) AS areas } "
        + (
            "CALL { OPTIONAL MATCH (h:Hospital) RETURN collect([h.id, h.name]) AS hospitals } "
            "CALL { OPTIONAL MATCH (d:Department) RETURN collect([d.id, d.name]) AS departments } "
            if units else "WITH kept, interests, areas, [] AS hospitals, [] AS departments "
        )
        + "RETURN interests, areas, hospitals, departments, "
        "[p IN kept | {person: " + PERSON_FIELDS + ", interestIds: p.interestIds, "
        "offerIds: p.offerIds, seekIds: p.seekIds, hospitalId: p.hospitalId, "
        "departmentId: p.departmentId}] AS found"
    )


def _condition(params: dict[str, Any]) -> LiteralString:
    condition: LiteralString = "NOT p.id IN hidden"
    for name, text in _CONDITIONS.items():
        if params.get(name) is not None:
            condition += text
    return condition


# The vocabulary the last text search read, to name terms before the statement runs; the
# statement returns the current one, and if that names terms whose holders were not asked
# for, it runs again with them (the first search of a process, or after the vocabulary changed).
_last_vocabulary: list[Vocabulary] = []


async def _text_page(
    db: Executor, request: SearchRequest, params: dict[str, Any], after: tuple[int, str] | None,
    limit: int, facets: Sequence[str] | None, facet_limit: int, weights: Sequence[float] | None,
) -> SearchResult:
    text = request.text or ""
    guess = search_ranking.parse(text, _last_vocabulary[0] if _last_vocabulary else Vocabulary())
    recall = db.dialect.fulltext_recall(
        [RecallWord(recall_prefix(w), w.word, recall_edits(w)) for w in guess.words]
    )
    if recall is None:
        return SearchResult([], SearchFacetsRecord(total=0) if facets is not None else None)
    statement = _text_statement(
        db.dialect.fulltext_nodes(PERSON_SEARCH, "$q"), _condition(params), facets is not None
    )
    asked = set(guess.term_ids)
    while True:
        params.update(q=recall, termIds=sorted(asked))
        row = (await db.read(statement, params))[0]
        words = Vocabulary.build(_terms(row))
        query = search_ranking.parse(text, words)
        _last_vocabulary[:] = [words]
        if set(query.term_ids) <= asked:
            break
        asked |= set(query.term_ids)
    if weights is not None and len(weights) != len(query.words):
        weights = None
    candidates: dict[str, dict[str, Any]] = {}
    for found in row["found"]:
        person = found["person"]
        candidates.setdefault(person["id"], {**person, **found})
    rows = list(candidates.values())
    ranked, used = search_ranking.rank_all(query, words, rows, weights)
    if after is not None:
        position = [s for s in ranked if s.rank < after[0] or (s.rank == after[0] and s.id > after[1])]
    else:
        position = ranked
    hits = [
        SearchHit(PersonRecord.from_row(candidates[s.id]["person"]), s.rank, s.matched, tuple(used))
        for s in position[:limit]
    ]
    if facets is None:
        return SearchResult(hits)
    names = {u[0]: u[1] for key in ("hospitals", "departments") for u in row[key] if u[0]}
    names.update({t.id: t.name for t in words.terms.values()})
    counts = _count(rows, ranked, facets)
    return SearchResult(hits, _facets_of(len(ranked), counts, names, facet_limit))


def _terms(row: dict[str, Any]) -> list[tuple[str, str, str, tuple[str, ...], str | None]]:
    return [
        ("Interest", t[0], t[1], tuple(t[2] or ()), t[3]) for t in row["interests"] if t[0]
    ] + [("MentorshipArea", a[0], a[1], tuple(a[2] or ()), None) for a in row["areas"] if a[0]]


def _count(
    rows: Sequence[dict[str, Any]], ranked: Sequence[search_ranking.Scored],
    facets: Sequence[str] | None,
) -> dict[str, Counter[str]]:
    """How many matching people have each hospital, department, interest and area."""
    kinds = set(facets or ())
    matching = {s.id for s in ranked}
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in FACET_KINDS}
    for row in rows:
        if row["id"] not in matching:
            continue
        if "hospitals" in kinds and row.get("hospitalId"):
            counts["hospitals"][row["hospitalId"]] += 1
        if "departments" in kinds and row.get("departmentId"):
            counts["departments"][row["departmentId"]] += 1
        if "interests" in kinds:
            counts["interests"].update(set(row.get("interestIds") or ()))
        if "mentorshipAreas" in kinds:
            counts["mentorshipAreas"].update(
                set(row.get("offerIds") or ()) | set(row.get("seekIds") or ())
            )
    return counts


def _facets_of(
    total: int, counts: dict[str, Counter[str]], names: dict[str, str], limit: int
) -> SearchFacetsRecord:
    def top(kind: str) -> tuple[FacetRecord, ...]:
        known = [(n, names[i], i) for i, n in counts[kind].items() if i in names]
        known.sort(key=lambda f: (-f[0], f[1], f[2]))
        return tuple(FacetRecord(id=i, name=name, count=n) for n, name, i in known[:limit])

    return SearchFacetsRecord(
        total=total, hospitals=top("hospitals"), departments=top("departments"),
        interests=top("interests"), mentorshipAreas=top("mentorshipAreas"),
    )


async def search_facets(
    db: Executor, request: SearchRequest, *, limit: int = FACET_LIMIT
) -> SearchFacetsRecord:
    """How many people the request matches in all, and per hospital, department, interest
    and mentorship area (offered or sought), the most common first."""
    result = await search_page(db, request, after=None, limit=0, facets=FACET_KINDS,
                               facet_limit=limit)
    assert result.facets is not None
    return result.facets


# -- people by interest -------------------------------------------------------------------

# The interest and everything below it, at any depth: a variable-length path never uses an
# edge twice, so a BROADER cycle ends the walk; then their holders, each once.
_HOLDERS_BELOW: LiteralString = (
    HIDDEN
    + "MATCH (:Interest {id: $interest})<-[:BROADER*0..]-(t:Interest) "
    "WITH DISTINCT hidden, t MATCH (t)<-[:INTERESTED_IN]-(p:Person) "
    "WITH DISTINCT hidden, p WITH p, NOT p.id IN hidden AS ok WHERE ok "
)

BY_INTEREST: LiteralString = (
    _HOLDERS_BELOW
    + "WITH p, $afterName IS NULL OR p.name > $afterName "
    "  OR (p.name = $afterName AND p.id > $afterId) AS ok WHERE ok "
    "RETURN " + PERSON_FIELDS + " AS person ORDER BY p.name, p.id LIMIT $limit"
)


async def list_by_interest(
    db: Executor, interest_id: str, *, viewer: str, after: tuple[str, str] | None, limit: int
) -> list[PersonRecord]:
    """People interested in the interest or any narrower one (any depth), by name then id."""
    rows = await db.read(
        BY_INTEREST,
        {
            "interest": interest_id, "viewer": viewer, "limit": limit,
            "afterName": after[0] if after else None, "afterId": after[1] if after else None,
        },
    )
    return [PersonRecord.from_row(r["person"]) for r in rows]


COUNT_BY_INTEREST: LiteralString = _HOLDERS_BELOW + "RETURN count(p) AS total"


async def count_by_interest(db: Executor, interest_id: str, *, viewer: str) -> int:
    """How many people list_by_interest finds in all."""
    rows = await db.read(COUNT_BY_INTEREST, {"interest": interest_id, "viewer": viewer})
    return int(rows[0]["total"]) if rows else 0
