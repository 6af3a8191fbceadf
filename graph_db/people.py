"""People: the Person node, its profile, where it works and the terms it uses.

Every statement that changes a profile field, WORKS_IN, INTERESTED_IN or
OFFERS_/SEEKS_MENTORSHIP_IN ends with REFRESH_PROFILE, which recomputes in that same
statement the derived properties search reads, so they are never stale:
`completeness` (0-100) and `profileGaps`; `topics`, the person's interest and area names
(the full-text index covers it); and the ids `hospitalId`, `departmentId`, `divisionId`,
`interestIds`, `offerIds`, `seekIds`, which let filters and facets read properties instead
of traversing (a traversal per candidate costs FalkorDB tens of microseconds). Units never
move between parents and terms are never deleted, so these ids cannot go stale elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any, LiteralString

from graph_db.backend import Executor, Row, first_record
from graph_db.batch import Batch, aligned_or, aligned_reader, by_ids, grouped
from graph_db.people_records import (
    AffiliationRecord,
    OrgUnitRecord,
    PersonCardRecord,
    PersonRecord,
    TermRecord,
)
from graph_db.policy import SITE_MEMBER, text
from graph_db.text_analysis import ANALYSIS_VERSION, index_words
from graph_db.vocabulary import TERM_FIELDS, term_record

PERSON_FIELDS: LiteralString = (
    "p {.id, .email, .name, .role, .title, .rank, .bio, .photoUrl, .phone, .acceptingMentees, "
    ".menteeCapacity, .emailVisibility, .phoneVisibility, .suspendedUntil, .createdAt, "
    ".updatedAt, .completeness, .profileGaps}"
)

# The relationship a person has with a vocabulary term, and the term's label.
TERM_LINKS: dict[LiteralString, LiteralString] = {
    "INTERESTED_IN": "Interest",
    "OFFERS_MENTORSHIP_IN": "MentorshipArea",
    "SEEKS_MENTORSHIP_IN": "MentorshipArea",
}


# The full-text text of a person's terms, from the `interests`, `offers`, `seeks` lists.
_TOPICS: LiteralString = "trim(reduce(s = '', n IN interests + offers + seeks | s + n[1] + ' '))"


def _gaps(has: dict[str, LiteralString]) -> LiteralString:
    # The missing items as [name, weight] pairs, from an expression per profile field saying
    # whether it is filled, and the `interests`, `offers`, `seeks`, `unitId` of the clause
    # before. Weights follow profile_fields.PROFILE_ITEMS and add up to 100.
    return (
        "[g IN [['TITLE', 10, " + has["title"] + "], ['RANK', 10, " + has["rank"] + "],"
        " ['BIO', 15, " + has["bio"] + "], ['PHOTO', 10, " + has["photoUrl"] + "],"
        " ['PHONE', 5, " + has["phone"] + "], ['AFFILIATION', 15, unitId IS NOT NULL],"
        " ['INTERESTS', 20, size(interests) > 0],"
        " ['MENTORSHIP_AREAS', 15, size(offers) + size(seeks) > 0]] WHERE NOT g[2]]"
    )


def search_keys(
    interest_ids: LiteralString, offer_ids: LiteralString, seek_ids: LiteralString,
    hospital_id: LiteralString, department_id: LiteralString, division_id: LiteralString,
    rank: LiteralString,
) -> LiteralString:
    """`searchKeys`, from expressions for the id lists, unit ids and rank: one full-text token
    per filterable value (graph_db.search.search_key), so the index intersects a text query
    with filters and finds a term's holders."""
    return (
        "trim(reduce(acc = '', k IN [ki IN " + interest_ids + " | 'i' + ki] + "
        "[ko IN " + offer_ids + " | 'o' + ko] + [ks IN " + seek_ids + " | 's' + ks] + "
        "[ku IN [['h', " + hospital_id + "], ['d', " + department_id + "], ['v', "
        + division_id + "], ['r', " + rank + "]] WHERE ku[1] IS NOT NULL | ku[0] + ku[1]] | "
        "acc + ' ' + toLower(replace(replace(k, '-', ''), '_', ''))))"
    )


# Every derived property but topics, from `gaps` and the lists and ids above, and the
# person's rank as `rankNow`.
_DERIVED: LiteralString = (
    " p.profileGaps = [g IN gaps | g[0]], p.completeness = 100 - reduce(s = 0, g IN gaps | s + g[1]),"
    " p.interestIds = [x IN interests | x[0]], p.offerIds = [x IN offers | x[0]],"
    " p.seekIds = [x IN seeks | x[0]], p.hospitalId = hospitalId,"
    " p.departmentId = departmentId, p.divisionId = divisionId, p.searchKeys = "
    + search_keys(
        "[x IN interests | x[0]]", "[x IN offers | x[0]]", "[x IN seeks | x[0]]", "hospitalId",
        "departmentId", "divisionId", "rankNow",
    )
)
_STORED: dict[str, LiteralString] = {
    "title": "p.title IS NOT NULL", "rank": "p.rank IS NOT NULL", "bio": "p.bio IS NOT NULL",
    "photoUrl": "p.photoUrl IS NOT NULL", "phone": "p.phone IS NOT NULL",
}


def _refresh(carry: LiteralString) -> LiteralString:
    # Each comprehension has its own variable: FalkorDB mixes up two comprehensions in one
    # clause that introduce the same name.
    return (
        " WITH DISTINCT p" + carry + ","
        " [(p)-[:INTERESTED_IN]->(ti:Interest) | [ti.id, ti.name]] AS interests,"
        " [(p)-[:OFFERS_MENTORSHIP_IN]->(to:MentorshipArea) | [to.id, to.name]] AS offers,"
        " [(p)-[:SEEKS_MENTORSHIP_IN]->(ts:MentorshipArea) | [ts.id, ts.name]] AS seeks,"
        " head([(p)-[:WORKS_IN]->(wu) | [wu.id, wu.hospitalId, coalesce(wu.departmentId, wu.id),"
        " CASE WHEN wu.departmentId IS NULL THEN null ELSE wu.id END]]) AS place"
        " WITH p" + carry + ", interests, offers, seeks, place[0] AS unitId, place[1] AS hospitalId,"
        " place[2] AS departmentId, place[3] AS divisionId"
        " WITH p" + carry + ", interests, offers, seeks, unitId, hospitalId, departmentId,"
        " divisionId, " + _gaps(_STORED) + " AS gaps, p.rank AS rankNow"
        " SET p.topics = " + _TOPICS + "," + _DERIVED
    )


REFRESH_PROFILE: LiteralString = _refresh("")

# The searched text fields and the properties their analysed words are stored in (search
# ranks candidates from these, without reading or analysing the text itself). Every write of
# a field writes its words; `searchVersion` (the analysis version) is set where all three are.
SEARCH_WORDS: dict[str, str] = {"name": "searchName", "title": "searchTitle", "bio": "searchBio"}


def search_words(props: Mapping[str, Any]) -> dict[str, str]:
    """The stored search words of the text fields `props` sets."""
    return {
        stored: index_words(props[field]) for field, stored in SEARCH_WORDS.items()
        if field in props
    }

GET_MANY: LiteralString = by_ids("p", "Person", PERSON_FIELDS, "person")
# People by id, aligned with `ids` (None where there is no such person).
get_many = aligned_reader(GET_MANY, "person", PersonRecord.from_row)


# The same people as cards (PersonCardRecord): 5 of the 18 values, for pages that show
# their authors by name, title, rank and photo only (resolvers.planner).
def card_fields(person: LiteralString) -> LiteralString:
    """Projection of the person `person` as a card (PersonCardRecord)."""
    return person + " {.id, .name, .title, .rank, .photoUrl}"


PERSON_CARD_FIELDS: LiteralString = card_fields("p")
GET_CARDS: LiteralString = by_ids("p", "Person", PERSON_CARD_FIELDS, "person")
get_cards = aligned_reader(GET_CARDS, "person", PersonCardRecord.from_row)


async def get(db: Executor, person_id: str) -> PersonRecord | None:
    return (await get_many(db, [person_id]))[0]


GET_BY_EMAIL: LiteralString = "MATCH (p:Person {email: $email}) RETURN " + PERSON_FIELDS + " AS person"


async def get_by_email(db: Executor, email: str) -> PersonRecord | None:
    return await first_record(db.read, GET_BY_EMAIL, "person", PersonRecord.from_row, {"email": email})


CREATE_PERSON: LiteralString = (
    "CREATE (p:Person {id: $id, email: $email, name: $name, role: $role, "
    "acceptingMentees: false, menteeCapacity: 0, emailVisibility: 'MEMBERS', "
    "phoneVisibility: 'CONNECTIONS', createdAt: $now, updatedAt: $now, "
    "searchVersion: $analysis}) "
    "SET p += $extra" + REFRESH_PROFILE + " RETURN " + PERSON_FIELDS + " AS person"
)


async def create_person(
    db: Executor, *, id: str, email: str, name: str, role: str = "MEMBER", now: int,
    extra: dict[str, Any] | None = None,
) -> PersonRecord:
    """Create a person; raises ConstraintViolation if the email or id is taken."""
    props = {"title": None, "bio": None, **(extra or {}), "name": name}
    rows = await db.write(
        CREATE_PERSON,
        {"id": id, "email": email, "name": name, "role": role, "now": now,
         "extra": {**(extra or {}), **search_words(props)}, "analysis": ANALYSIS_VERSION},
    )
    return PersonRecord.from_row(rows[0]["person"])


COUNT_PEOPLE: LiteralString = "MATCH (p:Person) RETURN count(p) AS n"


async def count_people(db: Executor) -> int:
    rows = await db.read(COUNT_PEOPLE)
    return int(rows[0]["n"])


# -- profile --------------------------------------------------------------------------------

UPDATE_PROFILE: LiteralString = (
    "MATCH (p:Person {id: $id}) SET p += $changes, p.updatedAt = $now "
    "WITH p OPTIONAL MATCH (p)-[old:WORKS_IN]->(x) WHERE $setUnit AND x.id <> coalesce($unit, '') "
    "DELETE old "
    "WITH DISTINCT p OPTIONAL MATCH (dv:Division {id: $unit}) "
    "OPTIONAL MATCH (dp:Department {id: $unit}) "
    "WITH p, coalesce(dv, dp) AS unit "
    "FOREACH (_ IN CASE WHEN $setUnit AND unit IS NOT NULL THEN [1] ELSE [] END | "
    "  MERGE (p)-[w:WORKS_IN]->(unit) ON CREATE SET w.createdAt = $now)"
    + REFRESH_PROFILE + " RETURN " + PERSON_FIELDS + " AS person"
)


async def update_profile(
    db: Executor, person_id: str, *, changes: Mapping[str, Any], now: int,
    set_unit: bool = False, unit_id: str | None = None,
) -> PersonRecord | None:
    """Apply validated property changes (None clears) and, with `set_unit`, move WORKS_IN to
    `unit_id` (a Division or Department id; None detaches). None if there is no such person."""
    return await first_record(
        db.write, UPDATE_PROFILE, "person", PersonRecord.from_row,
        {"id": person_id, "changes": {**changes, **search_words(changes)}, "now": now,
         "setUnit": set_unit, "unit": unit_id},
    )


# -- affiliation ----------------------------------------------------------------------------

# The units a person works in, from theirs up (division, department, hospital), as one flat
# list of UNIT_VALUES values per unit: a page of 20 people reads 60 units, and as maps their
# keys were a third of the reply's values and strings.
UNIT_VALUES = ("id", "kind", "name", "shortName", "createdAt")
AFFILIATIONS: LiteralString = (
    "UNWIND $ids AS id MATCH (p:Person {id: id})-[:WORKS_IN]->(u) "
    "OPTIONAL MATCH (u)-[:PART_OF]->(up) OPTIONAL MATCH (up)-[:PART_OF]->(top) "
    "RETURN id, reduce(values = [], x IN [y IN [u, up, top] WHERE y IS NOT NULL] | "
    "values + [x.id, labels(x)[0], x.name, x.shortName, x.createdAt]) AS units"
)


def _affiliation(row: dict[str, Any]) -> AffiliationRecord:
    # A page's people share a few affiliations (every member of a division has the same
    # three units), and so do requests: the record is frozen, and its key is every value
    # read, so one built from equal values answers for all (a people page decoded its 63
    # units one by one, ~12% of its API CPU).
    units = row["units"]
    try:
        return _shared_affiliation(tuple(units))
    except TypeError:  # a value that is no key (no statement here reads one): built afresh
        return _build_affiliation(units)


@lru_cache(maxsize=4096)
def _shared_affiliation(units: tuple[Any, ...]) -> AffiliationRecord:
    return _build_affiliation(units)


def _build_affiliation(units: Sequence[Any]) -> AffiliationRecord:
    width = len(UNIT_VALUES)  # a short last unit fails zip(strict=True): a statement bug
    rows = [dict(zip(UNIT_VALUES, units[i:i + width], strict=True))
            for i in range(0, len(units), width)]
    by_kind: dict[str, OrgUnitRecord] = {}
    for i, unit in enumerate(rows):
        parent = rows[i + 1]["id"] if i + 1 < len(rows) else None
        record = OrgUnitRecord.from_row({**unit, "parentId": parent})
        by_kind[record.kind] = record
    return AffiliationRecord(
        hospital=by_kind.get("Hospital"),
        department=by_kind.get("Department"),
        division=by_kind.get("Division"),
    )


# Where each person works (hospital, department, division), aligned with the ids.
get_affiliations = Batch(
    AFFILIATIONS, aligned_or(itemgetter("id"), _affiliation, lambda _: AffiliationRecord())
)


# -- interests and mentorship areas --------------------------------------------------------


def _add_terms(label: LiteralString, rel: LiteralString) -> LiteralString:
    # Every term is merged by slug: an existing one is matched, a proposal that duplicates
    # one lands on it, a new one is created. A proposal's BROADER edge is set only when this
    # statement created the term, i.e. when the stored id is the fresh one generated for it
    # (so a retry of the same call still sets it). FOREACH rather than CALL {}: FalkorDB's
    # later clauses do not see what a CALL subquery wrote, and REFRESH_PROFILE must.
    return (
        "MATCH (p:Person {id: $person}) "
        "FOREACH (it IN $terms | "
        "  MERGE (t:" + label + " {slug: it.slug}) "
        "    ON CREATE SET t.id = it.id, t.name = it.name, t.createdAt = $now "
        "  FOREACH (bid IN CASE WHEN t.id = it.id AND it.broaderId IS NOT NULL "
        "    THEN [it.broaderId] ELSE [] END | "
        "    MERGE (b:" + label + " {id: bid}) MERGE (t)-[:BROADER]->(b)) "
        "  MERGE (p)-[r:" + rel + "]->(t) ON CREATE SET r.createdAt = $now) "
        "SET p.updatedAt = $now" + REFRESH_PROFILE + " RETURN " + PERSON_FIELDS + " AS person"
    )


ADD_TERMS: dict[str, LiteralString] = {rel: _add_terms(label, rel) for rel, label in TERM_LINKS.items()}


async def add_terms(
    db: Executor, person_id: str, rel: str, *, terms: Sequence[Mapping[str, Any]], now: int,
) -> PersonRecord | None:
    """Link terms to a person: each {id, slug, name, broaderId}, an existing term as stored
    (broaderId None) or a proposal (vocabulary.proposal with a fresh id). The broader term,
    when given, must exist."""
    return await first_record(
        db.write, ADD_TERMS[rel], "person", PersonRecord.from_row,
        {"person": person_id, "terms": [dict(t) for t in terms], "now": now},
    )


def _remove_terms(label: LiteralString, rel: LiteralString) -> LiteralString:
    return (
        "MATCH (p:Person {id: $person}) "
        "OPTIONAL MATCH (p)-[r:" + rel + "]->(t:" + label + ") WHERE t.id IN $ids DELETE r "
        "WITH DISTINCT p SET p.updatedAt = $now" + REFRESH_PROFILE
        + " RETURN " + PERSON_FIELDS + " AS person"
    )


REMOVE_TERMS: dict[str, LiteralString] = {
    rel: _remove_terms(label, rel) for rel, label in TERM_LINKS.items()
}


async def remove_terms(
    db: Executor, person_id: str, rel: str, *, ids: Sequence[str], now: int
) -> PersonRecord | None:
    return await first_record(
        db.write, REMOVE_TERMS[rel], "person", PersonRecord.from_row,
        {"person": person_id, "ids": list(ids), "now": now},
    )


TERMS_OF_PEOPLE: LiteralString = (
    "UNWIND $ids AS id "
    "MATCH (p:Person {id: id})-[r:INTERESTED_IN|OFFERS_MENTORSHIP_IN|SEEKS_MENTORSHIP_IN]->(t) "
    "OPTIONAL MATCH (t)-[:BROADER]->(b) "
    "RETURN id, type(r) AS rel, " + TERM_FIELDS + " AS term, b.id AS broaderId"
)

PersonTerms = dict[str, list[TermRecord]]


def _decode_terms(ids: Sequence[str], rows: Sequence[Row]) -> list[PersonTerms]:
    by_person = grouped("id", lambda row: (row["rel"], term_record(row["term"], row["broaderId"])))
    return [_by_rel(terms) for terms in by_person(ids, rows)]


# Each person's terms by relationship type (INTERESTED_IN, ...), sorted by name.
get_terms = Batch(TERMS_OF_PEOPLE, _decode_terms)


def _by_rel(terms: list[tuple[str, TermRecord]]) -> PersonTerms:
    by_rel: PersonTerms = {}
    for rel, term in sorted(terms, key=lambda rt: (rt[1].name.lower(), rt[1].id)):
        by_rel.setdefault(rel, []).append(term)
    return by_rel


# -- bulk writes (directory import, synthetic networks) ------------------------------------

# Whether a field is filled once the row is applied: the row's value if the row names the
# field (None clears it), else the stored one (read before anything is written).
_AFTER_ROW: dict[str, LiteralString] = {
    field: "CASE WHEN '" + field + "' IN keys(row.props) THEN row.props." + field
    + " IS NOT NULL ELSE known." + field + " IS NOT NULL END"
    for field in ("title", "rank", "bio", "photoUrl", "phone")
}

# All reads come first (who exists, their current terms and unit), then all writes: on
# FalkorDB a traversal that follows writes in the same statement waits for the pending
# changes to be applied, which made the refresh-by-traversal version twice as slow in bulk.
# The derived properties are computed from what was read plus what the row adds.
UPSERT_MANY: LiteralString = (
    "UNWIND $rows AS row "
    "OPTIONAL MATCH (known:Person {email: row.email}) "
    "WITH row, known WHERE known IS NULL OR known.sourceHash IS NULL "
    "  OR known.sourceHash <> row.hash "
    "OPTIONAL MATCH (dv:Division {id: row.unit}) OPTIONAL MATCH (dp:Department {id: row.unit}) "
    "WITH row, known, coalesce(dv, dp) AS unit, dv.id AS unitDivision, "
    "  coalesce(dv.departmentId, dp.id) AS unitDepartment, "
    # `known` is null for a new person: coalesce keeps each list a list on either engine.
    "  coalesce([(known)-[:INTERESTED_IN]->(ki:Interest) | [ki.id, ki.name]], []) AS oldInterests, "
    "  coalesce([(known)-[:OFFERS_MENTORSHIP_IN]->(ko:MentorshipArea) | [ko.id, ko.name]], []) "
    "  AS oldOffers, "
    "  coalesce([(known)-[:SEEKS_MENTORSHIP_IN]->(ks:MentorshipArea) | [ks.id, ks.name]], []) "
    "  AS oldSeeks, "
    "  coalesce([(known)-[kw:WORKS_IN]->(ku) | [kw, ku.id]], []) AS oldWork "
    "WITH row, known, known IS NULL AS isNew, unit, "
    "  oldInterests + [it IN coalesce(row.interests, []) WHERE NOT it[0] IN [x IN oldInterests | x[0]] "
    "    | [it[0], it[2]]] AS interests, "
    "  oldOffers + [it IN coalesce(row.offers, []) WHERE NOT it[0] IN [x IN oldOffers | x[0]] "
    "    | [it[0], it[2]]] AS offers, "
    "  oldSeeks + [it IN coalesce(row.seeks, []) WHERE NOT it[0] IN [x IN oldSeeks | x[0]] "
    "    | [it[0], it[2]]] AS seeks, "
    "  [w IN oldWork WHERE unit IS NOT NULL AND w[1] <> unit.id | w[0]] AS staleWork, "
    "  CASE WHEN unit IS NULL THEN head([w IN oldWork | w[1]]) ELSE unit.id END AS unitId, "
    "  CASE WHEN unit IS NULL THEN known.hospitalId ELSE unit.hospitalId END AS hospitalId, "
    "  CASE WHEN unit IS NULL THEN known.departmentId ELSE unitDepartment END AS departmentId, "
    "  CASE WHEN unit IS NULL THEN known.divisionId ELSE unitDivision END AS divisionId, "
    "  CASE WHEN 'rank' IN keys(row.props) THEN row.props.rank ELSE known.rank END AS rankNow "
    "WITH row, isNew, unit, interests, offers, seeks, staleWork, unitId, hospitalId, "
    "  departmentId, divisionId, rankNow, " + _gaps(_AFTER_ROW) + " AS gaps "
    "MERGE (p:Person {email: row.email}) "
    "  ON CREATE SET p.id = row.id, p.createdAt = coalesce(row.createdAt, $now), "
    "    p.role = " + text(SITE_MEMBER) + ", p.acceptingMentees = false, p.menteeCapacity = 0, "
    "    p.emailVisibility = 'MEMBERS', p.phoneVisibility = 'CONNECTIONS', "
    "    p.searchVersion = $analysis "
    # One SET with everything, derived properties included: FalkorDB updates a person's
    # full-text entry once per SET, so two SETs cost twice.
    "SET p += row.props, p.sourceHash = row.hash, p.updatedAt = $now, p.topics = " + _TOPICS + ","
    + _DERIVED + " "
    "FOREACH (w IN staleWork | DELETE w) "
    "FOREACH (_ IN CASE WHEN unit IS NULL THEN [] ELSE [1] END | "
    "  MERGE (p)-[w:WORKS_IN]->(unit) ON CREATE SET w.createdAt = $now) "
    "FOREACH (it IN coalesce(row.interests, []) | "
    "  MERGE (t:Interest {slug: it[1]}) "
    "    ON CREATE SET t.id = it[0], t.name = it[2], t.createdAt = $now "
    "  MERGE (p)-[r:INTERESTED_IN]->(t) ON CREATE SET r.createdAt = $now) "
    "FOREACH (it IN coalesce(row.offers, []) | "
    "  MERGE (t:MentorshipArea {slug: it[1]}) "
    "    ON CREATE SET t.id = it[0], t.name = it[2], t.createdAt = $now "
    "  MERGE (p)-[r:OFFERS_MENTORSHIP_IN]->(t) ON CREATE SET r.createdAt = $now) "
    "FOREACH (it IN coalesce(row.seeks, []) | "
    "  MERGE (t:MentorshipArea {slug: it[1]}) "
    "    ON CREATE SET t.id = it[0], t.name = it[2], t.createdAt = $now "
    "  MERGE (p)-[r:SEEKS_MENTORSHIP_IN]->(t) ON CREATE SET r.createdAt = $now) "
    "WITH p, isNew"
    + " RETURN sum(CASE WHEN isNew THEN 1 ELSE 0 END) AS created, count(p) AS changed"
)


async def upsert_many(
    db: Executor, rows: Sequence[Mapping[str, Any]], *, now: int
) -> tuple[int, int]:
    """Create or update people by email in one statement; returns (created, updated).

    Each row: email (unique within the call), id and createdAt (used only on creation;
    createdAt defaults to now), hash (of the row's content: a row whose hash is already stored
    changes nothing), props (Person properties), unit (a Division or Department id, or None
    to keep the current one), and term lists interests/offers/seeks of [id, slug, name]
    (lists, not maps: cheaper to send),
    added (never removed) and merged by slug; a term that exists must come with its stored
    id and name (vocabulary.list_all), since the derived ids and `topics` are built from
    what the row says, without reading back what the statement wrote.
    """
    if not rows:
        return 0, 0
    sent = [{**r, "props": {**r["props"], **search_words(r["props"])}} for r in rows]
    result = await db.write(UPSERT_MANY, {"rows": sent, "now": now, "analysis": ANALYSIS_VERSION})
    created, changed = int(result[0]["created"] or 0), int(result[0]["changed"] or 0)
    return created, changed - created
