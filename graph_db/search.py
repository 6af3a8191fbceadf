"""People search: candidates from the full-text index and the vocabulary, filters, ranking,
keyset pages, facets.

With text, a search is one statement (one row), and a second one for the page's people when
the candidates do not all fit on the page. The engine's full-text index decides who is a
candidate, filters included: the analysed query words (as a prefix and within a few edits) in
the text fields, or a key of a term the query names (or of one below it) in `searchKeys`, and
one key of each filter's values (graph_db.people.search_keys keeps them); exact filters and
blocks then apply to that short list. Who matches and in what order is decided in Python
(graph_db.search_ranking) from each candidate's stored analysed words (graph_db.people
SEARCH_WORDS, written with the text; the text itself where none are stored yet) and terms, so
both engines rank the same data the same way. Facets and the total are counted over the
candidates that match. A page continues strictly after the (rank, id) of the last row, with
the first page's word weights (carried in the cursor), so people joining between pages never
make one repeat or skip someone.

Without text the ranking is profile completeness, computed, sorted and cut in one statement.

FalkorDB note: a WHERE whose list predicate refers to a variable projected in the same
step does not resolve there, so every filter is first projected as a boolean (`ok`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, LiteralString

from graph_db import search_ranking
from graph_db.backend import Executor, Row, all_records, first_count
from graph_db.compose import Part, read_parts, subqueries
from graph_db.dialect import RecallWord
from graph_db.keyset import cursor_params, past_cursor
from graph_db.migrations import PERSON_SEARCH
from graph_db.network import HIDDEN
from graph_db.people import PERSON_CARD_FIELDS, PERSON_FIELDS, get_many
from graph_db.people_records import (
    FacetRecord,
    PersonCardRecord,
    PersonRecord,
    SearchFacetsRecord,
    SearchHitRecord,
)
from graph_db.search_ranking import Vocabulary
from graph_db.text_analysis import (
    ANALYSIS_VERSION,
    analyse,
    recall_edits,
    recall_prefix,
    stored_tokens,
)

FACET_LIMIT = 20
MAX_WORDS = search_ranking.MAX_WORDS
# The part a ranked text page reads its profiles in, beside what the caller asked for.
PROFILES = "profiles"


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


def _filter(params: dict[str, Any], anchor: str | None = None) -> LiteralString:
    """The conditions `params` asks for, but the one `anchor` (`_candidates`) already holds."""
    condition: LiteralString = "NOT p.id IN hidden"
    for name, text in _CONDITIONS.items():
        if params.get(name) is not None and name != anchor:
            condition += text
    return "WITH p, " + condition + " AS ok WHERE ok "


_UNRANKED: LiteralString = "WITH p, coalesce(p.completeness, 0) AS rank "


# The page of ranked `p`: after the cursor, best first, cut. Sort and cut before projecting:
# a map projection per candidate costs more than the sort.
_CUT: LiteralString = (
    "WITH p, rank, $afterRank IS NULL OR rank < $afterRank "
    "  OR (rank = $afterRank AND p.id > $afterId) AS ok WHERE ok "
    "WITH p, rank ORDER BY rank DESC, p.id LIMIT $limit "
)


def _page(fields: LiteralString) -> LiteralString:
    return _CUT + "RETURN " + fields + " AS person, rank ORDER BY rank DESC, p.id"


# The page's people as profiles, or as cards (`cards`: graph_db.people.get_cards).
_PAGE: dict[bool, LiteralString] = {False: _page(PERSON_FIELDS), True: _page(PERSON_CARD_FIELDS)}
_PERSON: dict[bool, Callable[[dict[str, Any]], PersonRecord | PersonCardRecord]] = {
    False: PersonRecord.from_row, True: PersonCardRecord.from_row,
}
_ALL_PEOPLE: LiteralString = HIDDEN + "MATCH (p:Person) "
# With a term filter, the candidates are that term's holders, reached from the few term
# nodes instead of testing every person's list: the first of these the request filters by
# anchors the statement, and its list is not tested again. The lists are the edges: every
# statement that changes one recomputes it from them (graph_db.people.REFRESH_PROFILE), so
# the holders are exactly the people the list test would keep (testing it again cost 0.1-0.45
# ms of database CPU, of ~2 ms, per people-by-interest page of 237 holders on the bench network).
_HOLDERS_OF: tuple[tuple[str, LiteralString], ...] = (
    ("interests", "MATCH (term:Interest) WHERE term.id IN $interests "
                  "MATCH (term)<-[:INTERESTED_IN]-(p:Person) "),
    ("offered", "MATCH (term:MentorshipArea) WHERE term.id IN $offered "
                "MATCH (term)<-[:OFFERS_MENTORSHIP_IN]-(p:Person) "),
    ("sought", "MATCH (term:MentorshipArea) WHERE term.id IN $sought "
               "MATCH (term)<-[:SEEKS_MENTORSHIP_IN]-(p:Person) "),
)


def _candidates(params: dict[str, Any]) -> LiteralString:
    """Opens a statement binding `hidden` and every person who may match `params`' filter,
    then keeps those who do (`_filter`)."""
    for name, holders in _HOLDERS_OF:
        if params.get(name) is not None:
            return HIDDEN + holders + "WITH DISTINCT hidden, p " + _filter(params, anchor=name)
    return _ALL_PEOPLE + _filter(params)

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


def _page_of_found(fields: LiteralString) -> LiteralString:
    """The page of the collected result set `found` (no text: fullest profiles first)."""
    return (
        "CALL { WITH found UNWIND found AS p " + _UNRANKED + _CUT
        + "RETURN collect({person: " + fields + ", rank: rank}) AS page } "
    )


_PAGE_OF_FOUND: dict[bool, LiteralString] = {
    False: _page_of_found(PERSON_FIELDS), True: _page_of_found(PERSON_CARD_FIELDS),
}
_RETURNED: dict[str, LiteralString] = {
    "hospitals": ", hospitals", "departments": ", departments", "interests": ", interests",
    "mentorshipAreas": ", mentorshipAreas",
}


@dataclass(frozen=True)
class SearchResult:
    """A page of hits and, when asked for, the facets (and total) of the whole result set,
    and the rows of the `beside` parts read for the page's people, by part name."""

    hits: list[SearchHit]
    facets: SearchFacetsRecord | None = None
    beside: dict[str, list[Row]] = field(default_factory=dict)


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
    weights: Sequence[float] | None = None, beside: Sequence[Part] = (), cards: bool = False,
) -> SearchResult:
    """One page, and with `facets` (kinds from FACET_KINDS; empty for the total alone) the
    counts over the whole result set. With text, `weights` (a hit's `weights`) ranks a later
    page exactly as the first one was ranked; without them they are computed afresh.

    `cards`: the page's people as cards (PersonCardRecord), when that is all it shows of them;
    with text they are profiles all the same (the ranking reads their text).

    `beside`: reads of what the page shows of its people (graph_db.compose parts whose keys
    come from `("page", "person.id")`, or any read with keys of its own), made in the same
    statement as the page when there is no text; with text, the page is ranked here, and
    they are read with its profiles (none when the page is empty)."""
    params: dict[str, Any] = {
        "viewer": request.viewer, **request.filter.params(),
        "afterRank": after[0] if after else None, "afterId": after[1] if after else None,
        "limit": limit, "facetLimit": facet_limit,
    }
    if request.has_text:
        return await _text_page(
            db, request, params, after, limit, facets, facet_limit, weights, beside
        )
    if facets is None and not beside:
        rows = await db.read(_candidates(params) + _UNRANKED + _PAGE[cards], params)
        person = _PERSON[cards]
        return SearchResult([SearchHit(person(r["person"]), int(r["rank"])) for r in rows])
    kinds = [k for k in FACET_KINDS if k in (facets or ())]
    query = _candidates(params) + "WITH collect(p) AS found " + _PAGE_OF_FOUND[cards]
    returned: LiteralString = "RETURN size(found) AS total, page"
    for kind in kinds:
        query += _FACET_CALLS[kind]
        returned += _RETURNED[kind]
    read_beside = subqueries(beside, scope={"page": "page"}) if beside else None
    if read_beside is not None:
        query += read_beside.text
        returned += ", " + ", ".join(read_beside.columns.values())
        if any(params.get(k, v) != v for k, v in read_beside.params.items()):
            raise ValueError("a part beside the search binds a search parameter differently")
        params.update(read_beside.params)
    row = (await db.read(query + returned, params))[0]
    person = _PERSON[cards]
    hits = [SearchHit(person(h["person"]), int(h["rank"])) for h in row["page"]]
    return SearchResult(
        hits, None if facets is None else _facets_record(row),
        read_beside.rows(row) if read_beside is not None else {},
    )


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

# One statement, one row. The full-text index finds the candidates and applies the selective
# filters itself: the query's analysed words in the text fields, or a key (`searchKeys`,
# graph_db.people.search_keys) of a term the query names or of one below it (its holders), and
# one key of each filter's values (search_key). The exact conditions then run on that short
# list (the keys are a superset of them), hidden people out; holders of terms whose ids make no
# key are reached by traversal (`$holders`, normally empty). Then the vocabulary (terms,
# aliases, broader edges), which ranking needs, and each candidate's stored search words (or
# its text, where the words were never stored), term ids and units. Profiles come along only
# when every candidate fits on the page (`$inline`); otherwise the page's people are read
# once ranked (one more round trip, instead of a profile per candidate). Lists are never
# carried across a step that multiplies rows (FalkorDB copies them into every row): each read
# is its own CALL subquery.
def _holders(label: LiteralString, rels: LiteralString, condition: LiteralString) -> LiteralString:
    return (
        "CALL { WITH hidden UNWIND $holders AS termId "
        "  MATCH (:" + label + " {id: termId})<-[:" + rels + "]-(p:Person) "
        "  WITH DISTINCT p, hidden WITH p, " + condition + " AS ok WHERE ok "
        "  RETURN collect(p) AS held" + label + " } "
    )


_CANDIDATE: LiteralString = (
    "[p.id, p.completeness, coalesce(p.searchVersion = $analysis, false), "
    "CASE WHEN p.searchVersion = $analysis THEN [p.searchName, p.searchTitle, p.searchBio] "
    "ELSE [p.name, p.title, p.bio] END, "
    "p.interestIds, p.offerIds, p.seekIds, p.hospitalId, p.departmentId]"
)


def _text_statement(
    dialect_call: LiteralString, condition: LiteralString, units: bool, holders: bool
) -> LiteralString:
    return (
        HIDDEN + "CALL { WITH hidden " + dialect_call + " WITH node AS p, hidden "
        "  WITH p, hidden, " + condition + " AS ok WHERE ok RETURN collect(p) AS hits } "
        + (
            _holders("Interest", "INTERESTED_IN", condition)
            + _holders("MentorshipArea", "OFFERS_MENTORSHIP_IN|SEEKS_MENTORSHIP_IN", condition)
            + "WITH hits + heldInterest + heldMentorshipArea AS kept "
            if holders else "WITH hits AS kept "
        )
        + "CALL { OPTIONAL MATCH (t:Interest) OPTIONAL MATCH (t)-[:BROADER]->(b:Interest) "
        "  RETURN collect([t.id, t.name, t.aliases, b.id]) AS interests } "
        "CALL { OPTIONAL MATCH (a:MentorshipArea) "
        "  RETURN collect([a.id, a.name, a.aliases]) AS areas } "
        + (
            "CALL { OPTIONAL MATCH (h:Hospital) RETURN collect([h.id, h.name]) AS hospitals } "
            "CALL { OPTIONAL MATCH (d:Department) RETURN collect([d.id, d.name]) AS departments } "
            if units else "WITH kept, interests, areas, [] AS hospitals, [] AS departments "
        )
        + "RETURN interests, areas, hospitals, departments, "
        "[p IN kept | " + _CANDIDATE + "] AS found, "
        "CASE WHEN size(kept) <= $inline THEN [p IN kept | " + PERSON_FIELDS + "] END AS people"
    )


def _condition(params: dict[str, Any]) -> LiteralString:
    condition: LiteralString = "NOT p.id IN hidden"
    for name, text in _CONDITIONS.items():
        if params.get(name) is not None:
            condition += text
    return condition


_KEY = re.compile(r"[a-z][0-9a-z]{1,99}")
KEY_FIELD = "searchKeys"
# Filter parameter -> the key prefix of its values (graph_db.people.search_keys).
_FILTER_KEYS: dict[str, str] = {
    "hospitals": "h", "departments": "d", "divisions": "v", "ranks": "r", "interests": "i",
    "offered": "o", "sought": "s",
}


def search_key(prefix: str, value: str) -> str | None:
    """The full-text token graph_db.people.search_keys stores for a value (None when the
    value makes no single token: then it is matched another way)."""
    key = (prefix + value).replace("-", "").replace("_", "").lower()
    return key if _KEY.fullmatch(key) else None


def _required_keys(params: dict[str, Any]) -> list[list[str]]:
    """For each filter, the keys one of which a match must have (a filter with a value that
    makes no key narrows nothing here; its exact condition still applies)."""
    groups = []
    for name, prefix in _FILTER_KEYS.items():
        values = params.get(name)
        if values:
            keys = [search_key(prefix, v) for v in values]
            if all(keys):
                groups.append(sorted({k for k in keys if k}))
    return groups


def _term_keys(query: search_ranking.Query, vocabulary: Vocabulary) -> tuple[list[str], list[str]]:
    """The keys of the holders of every term the query reaches, and the ids of those terms
    that make no key (reached by traversal instead)."""
    keys: list[str] = []
    untokenised: list[str] = []
    for term_id in query.term_ids:
        term = vocabulary.terms.get(term_id)
        prefixes = ("i",) if term is not None and term.kind == "Interest" else (
            ("o", "s") if term is not None else ("i", "o", "s")
        )
        found = [search_key(p, term_id) for p in prefixes]
        if all(found):
            keys += [k for k in found if k]
        else:
            untokenised.append(term_id)
    return keys, untokenised


# The vocabulary the last text search read, to name terms before the statement runs; the
# statement returns the current one, and if that names terms whose holders were not asked
# for, it runs again with them (the first search of a process, or after the vocabulary changed).
_last_vocabulary: list[Vocabulary] = []


def _candidate(row: Sequence[Any]) -> dict[str, Any]:
    """A candidate as ranking reads it: stored words as tokens (or the text, analysed)."""
    person_id, completeness, stored, texts, interests, offers, seeks, hospital, department = row
    read = stored_tokens if stored else analyse
    fields = [read(text or "") for text in texts]
    return {
        "id": person_id, "completeness": completeness, "fields": fields,
        "interestIds": interests, "offerIds": offers, "seekIds": seeks,
        "hospitalId": hospital, "departmentId": department,
    }


async def _text_page(
    db: Executor, request: SearchRequest, params: dict[str, Any], after: tuple[int, str] | None,
    limit: int, facets: Sequence[str] | None, facet_limit: int, weights: Sequence[float] | None,
    beside: Sequence[Part] = (),
) -> SearchResult:
    text = request.text or ""
    words = _last_vocabulary[0] if _last_vocabulary else Vocabulary()
    query = search_ranking.parse(text, words)
    recall = [RecallWord(recall_prefix(w), w.word, recall_edits(w)) for w in query.words]
    required = _required_keys(params)
    asked: set[str] = set()
    while True:
        asked |= set(query.term_ids)
        keys, untokenised = _term_keys(query, words)
        q = db.dialect.fulltext_keyed(PERSON_SEARCH, KEY_FIELD, recall, keys, required)
        if q is None:
            return SearchResult([], SearchFacetsRecord(total=0) if facets is not None else None)
        statement = _text_statement(
            db.dialect.fulltext_nodes(PERSON_SEARCH, "$q"), _condition(params),
            facets is not None, bool(untokenised),
        )
        params.update(q=q, holders=untokenised, analysis=ANALYSIS_VERSION, inline=limit)
        row = (await db.read(statement, params))[0]
        terms = tuple(_terms(row))
        if terms != words.rows:  # a vocabulary unchanged is reused, with its parsed queries
            words = Vocabulary.build(terms)
        query = search_ranking.parse(text, words)
        _last_vocabulary[:] = [words]
        if set(query.term_ids) <= asked:
            break
    if weights is not None and len(weights) != len(query.words):
        weights = None
    candidates: dict[str, dict[str, Any]] = {}
    for found in row["found"]:
        candidates.setdefault(found[0], _candidate(found))
    rows = list(candidates.values())
    ranked, used = search_ranking.rank_all(query, words, rows, weights)
    if after is not None:
        position = [s for s in ranked if s.rank < after[0] or (s.rank == after[0] and s.id > after[1])]
    else:
        position = ranked
    page = position[:limit]
    ids = [s.id for s in page]
    # What the page shows of its people, read for the ranked page (with its profiles when
    # the first statement did not bring them): one round trip more at most.
    keyed = [
        replace(part, keys=ids, keys_from=None) if part.keys_from else part for part in beside
    ] if ids else []
    read_beside: dict[str, list[Row]] = {}
    people: list[PersonRecord | None]
    if row["people"] is not None:
        profiles = {p["id"]: PersonRecord.from_row(p) for p in row["people"]}
        people = [profiles.get(i) for i in ids]
        read_beside = await read_parts(db, keyed) if keyed else {}
    elif ids:
        read_beside = await read_parts(db, [get_many.part(PROFILES, keys=ids), *keyed])
        people = get_many.decode(ids, read_beside.pop(PROFILES))
    else:
        people = []
    hits = [
        SearchHit(
            person, s.rank,
            search_ranking.matched_terms(query, words, {**candidates[s.id], **_texts(person)}, used),
            tuple(used),
        )
        for s, person in zip(page, people, strict=True) if person is not None
    ]
    if facets is None:
        return SearchResult(hits, beside=read_beside)
    names = {u[0]: u[1] for key in ("hospitals", "departments") for u in row[key] if u[0]}
    names.update({t.id: t.name for t in words.terms.values()})
    counts = _count(rows, ranked, facets)
    return SearchResult(hits, _facets_of(len(ranked), counts, names, facet_limit), read_beside)


def _texts(person: PersonRecord) -> dict[str, Any]:
    """A person's text fields as written (what matched is reported in the person's words)."""
    return {"fields": None, "name": person.name, "title": person.title, "bio": person.bio}


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
    + "WITH p, " + past_cursor("p.name", "p.id", descending=False) + " AS ok WHERE ok "
    "RETURN " + PERSON_FIELDS + " AS person ORDER BY p.name, p.id LIMIT $limit"
)


async def list_by_interest(
    db: Executor, interest_id: str, *, viewer: str, after: tuple[str, str] | None, limit: int
) -> list[PersonRecord]:
    """People interested in the interest or any narrower one (any depth), by name then id."""
    return await all_records(
        db.read, BY_INTEREST, "person", PersonRecord.from_row,
        {"interest": interest_id, "viewer": viewer, "limit": limit, **cursor_params(after)},
    )


COUNT_BY_INTEREST: LiteralString = _HOLDERS_BELOW + "RETURN count(p) AS total"


async def count_by_interest(db: Executor, interest_id: str, *, viewer: str) -> int:
    """How many people list_by_interest finds in all."""
    return await first_count(db.read, COUNT_BY_INTEREST, "total", {"interest": interest_id, "viewer": viewer})
