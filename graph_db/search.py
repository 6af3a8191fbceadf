"""People search: full-text candidates, filters, deterministic ranking, keyset pages, facets.

Ranking is computed by our own Cypher, not taken from the engine's score: engine scores
depend on corpus statistics, so adding people would reorder existing results between two
pages (repeats and gaps). Here a person's rank depends only on that person:

    points = 1 + for each query term: 8 if a word of the name starts with it,
             5 for the interest/area names (`topics`), 3 for the title, 1 for the bio
    rank   = points * (200 + completeness)        (no query: rank = completeness)

so a strong match beats a weak one, and among equal matches a fuller profile (up to 1.5x)
wins. Ties are broken by id; a page continues strictly after (rank, id) of the last row.
The engine's full-text index (through the dialect, prefix and typo tolerant) only decides
who is a candidate; a candidate matched only through a typo still scores 1 point.

FalkorDB note: a WHERE whose list predicate refers to a variable projected in the same
step does not resolve there, so every filter is first projected as a boolean (`ok`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.dialect import Dialect, search_terms
from graph_db.migrations import PERSON_SEARCH
from graph_db.network import HIDDEN
from graph_db.people import PERSON_FIELDS
from graph_db.records import FacetRecord, PersonRecord, SearchFacetsRecord, SearchHitRecord

FACET_LIMIT = 20


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

    def terms(self) -> list[str]:
        return search_terms(self.text or "")


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


# Text points against word starts; in names and topics '-' and '/' count as spaces
# (Cardio-Oncology), title and bio are only lowercased (cheaper, and long).
_POINTS: LiteralString = (
    "WITH p, ' ' + replace(replace(toLower(coalesce(p.name, '')), '-', ' '), '/', ' ') AS nameText, "
    "  ' ' + replace(replace(toLower(coalesce(p.topics, '')), '-', ' '), '/', ' ') AS topicText, "
    "  ' ' + toLower(coalesce(p.title, '')) AS titleText, ' ' + toLower(coalesce(p.bio, '')) AS bioText "
    "WITH p, 1 + reduce(s = 0, t IN $terms | s "
    "  + CASE WHEN nameText CONTAINS (' ' + t) THEN 8 ELSE 0 END "
    "  + CASE WHEN topicText CONTAINS (' ' + t) THEN 5 ELSE 0 END "
    "  + CASE WHEN titleText CONTAINS (' ' + t) THEN 3 ELSE 0 END "
    "  + CASE WHEN bioText CONTAINS (' ' + t) THEN 1 ELSE 0 END) AS points "
    "WITH p, points * (200 + coalesce(p.completeness, 0)) AS rank "
)
_UNRANKED: LiteralString = "WITH p, coalesce(p.completeness, 0) AS rank "
# Sort and cut before projecting: a map projection per candidate costs more than the sort.
_PAGE: LiteralString = (
    "WITH p, rank, $afterRank IS NULL OR rank < $afterRank "
    "  OR (rank = $afterRank AND p.id > $afterId) AS ok WHERE ok "
    "WITH p, rank ORDER BY rank DESC, p.id LIMIT $limit "
    "RETURN " + PERSON_FIELDS + " AS person, rank ORDER BY rank DESC, p.id"
)
_ALL_PEOPLE: LiteralString = HIDDEN + "MATCH (p:Person) "


def _text_candidates(dialect: Dialect) -> LiteralString:
    return HIDDEN + dialect.fulltext_nodes(PERSON_SEARCH, "$q") + " WITH hidden, node AS p "


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
# The page, from the collected result set `found` (text queries rank with _POINTS).
_PAGE_OF_FOUND: dict[bool, LiteralString] = {
    ranked: (
        "CALL { WITH found UNWIND found AS p "
        + (_POINTS if ranked else _UNRANKED)
        + "WITH p, rank, $afterRank IS NULL OR rank < $afterRank "
        "  OR (rank = $afterRank AND p.id > $afterId) AS ok WHERE ok "
        "  WITH p, rank ORDER BY rank DESC, p.id LIMIT $limit "
        "  RETURN collect({person: " + PERSON_FIELDS + ", rank: rank}) AS page } "
    )
    for ranked in (True, False)
}


@dataclass(frozen=True)
class SearchResult:
    """A page of hits and, when asked for, the facets (and total) of the whole result set."""

    hits: list[SearchHitRecord]
    facets: SearchFacetsRecord | None = None


async def search_people(
    db: Executor, request: SearchRequest, *, after: tuple[int, str] | None, limit: int,
) -> list[SearchHitRecord]:
    """One page of people matching the request, best first, strictly after `after`."""
    return (await search_page(db, request, after=after, limit=limit)).hits


async def search_page(
    db: Executor, request: SearchRequest, *, after: tuple[int, str] | None, limit: int,
    facets: Sequence[str] | None = None, facet_limit: int = FACET_LIMIT,
) -> SearchResult:
    """One page, and with `facets` (kinds from FACET_KINDS; empty for the total alone) the
    counts over the whole result set, in the same statement: the candidates are found and
    filtered once for both."""
    params = _params(db.dialect, request)
    if params is None:
        return SearchResult([], SearchFacetsRecord(total=0) if facets is not None else None)
    params.update(
        afterRank=after[0] if after else None, afterId=after[1] if after else None, limit=limit,
        facetLimit=facet_limit,
    )
    ranked = bool(request.text and params["q"] is not None)
    candidates = _text_candidates(db.dialect) if ranked else _ALL_PEOPLE
    if facets is None:
        query = candidates + _filter(params) + (_POINTS if ranked else _UNRANKED) + _PAGE
        rows = await db.read(query, params)
        return SearchResult(
            [SearchHitRecord(PersonRecord.from_row(r["person"]), int(r["rank"])) for r in rows]
        )
    kinds = [k for k in FACET_KINDS if k in facets]
    query = candidates + _filter(params) + "WITH collect(p) AS found " + _PAGE_OF_FOUND[ranked]
    returned: LiteralString = "RETURN size(found) AS total, page"
    for kind in kinds:
        query += _FACET_CALLS[kind]
        returned += _RETURNED[kind]
    row = (await db.read(query + returned, params))[0]
    hits = [SearchHitRecord(PersonRecord.from_row(h["person"]), int(h["rank"])) for h in row["page"]]
    return SearchResult(hits, _facets_record(row))


_RETURNED: dict[str, LiteralString] = {
    "hospitals": ", hospitals", "departments": ", departments", "interests": ", interests",
    "mentorshipAreas": ", mentorshipAreas",
}


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


def _params(dialect: Dialect, request: SearchRequest) -> dict[str, Any] | None:
    """Query parameters; None when the text has no searchable term (nothing can match)."""
    params: dict[str, Any] = {"viewer": request.viewer, **request.filter.params()}
    if request.text is not None and request.text.strip():
        q = dialect.fulltext_query(request.text)
        if q is None:
            return None
        params.update(q=q, terms=request.terms())
    else:
        params.update(q=None, terms=[])
    return params


async def search_facets(
    db: Executor, request: SearchRequest, *, limit: int = FACET_LIMIT
) -> SearchFacetsRecord:
    """How many people the request matches in all, and per hospital, department, interest
    and mentorship area (offered or sought), the most common first."""
    result = await search_page(db, request, after=None, limit=0, facets=FACET_KINDS,
                               facet_limit=limit)
    assert result.facets is not None
    return result.facets


BY_INTEREST: LiteralString = (
    HIDDEN
    + "MATCH (:Interest {id: $interest})<-[:BROADER*0..6]-(:Interest)<-[:INTERESTED_IN]-(p:Person) "
    "WITH DISTINCT hidden, p "
    "WITH p, NOT p.id IN hidden AND ($afterName IS NULL OR p.name > $afterName "
    "  OR (p.name = $afterName AND p.id > $afterId)) AS ok WHERE ok "
    "RETURN " + PERSON_FIELDS + " AS person ORDER BY p.name, p.id LIMIT $limit"
)


async def list_by_interest(
    db: Executor, interest_id: str, *, viewer: str, after: tuple[str, str] | None, limit: int
) -> list[PersonRecord]:
    """People interested in the interest or any narrower one (BROADER*), by name then id."""
    rows = await db.read(
        BY_INTEREST,
        {
            "interest": interest_id, "viewer": viewer, "limit": limit,
            "afterName": after[0] if after else None, "afterId": after[1] if after else None,
        },
    )
    return [PersonRecord.from_row(r["person"]) for r in rows]
