"""Mentor and collaborator recommendations: hard constraints, scores and reasons.

Candidates come from graph_db.matching (bounded walks from the terms asked for, plus the
mentee's 1st/2nd-degree contacts); everything is scored here with the weights in
`MatchWeights`, the one place they live. Order is score descending, then person id.

Hard constraints (a candidate breaking any is never returned, whatever its score):
not the mentee; not already their mentor (an ACTIVE or REQUESTED mentorship of any kind);
accepting mentees with capacity left; not blocked either way; for PRIMARY and SECONDARY a
strictly higher career level (graph_db.matching.RANK_LEVELS; a candidate without a rank does
not qualify, a mentee without one counts as the most junior); not in the mentee's reporting
line (above or below); outside the mentee's unit (division) with `crossDivisionOnly`, and
outside the mentee's hospital with `crossHospitalOnly` (a candidate whose unit is unknown
qualifies for neither).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass

from graph_db import matching, people
from graph_db.errors import Forbidden, InvalidInput, NotFound
from graph_db.matching import TermStats, Walk, level
from graph_db.mentorship import KINDS, programs
from graph_db.mentorship.records import MatchCandidateRecord, MatchContextRecord
from graph_db.people_records import AffiliationRecord, PersonRecord
from resolvers.auth import require_viewer
from resolvers.context import Context

MAX_FIRST = 50
MAX_TERMS = 20
SENIOR_KINDS = ("PRIMARY", "SECONDARY")


@dataclass(frozen=True)
class MatchWeights:
    """Every number matching uses. A score is the sum of the points below.

    - interest: per shared research interest, times its rarity (IDF: ln(1 + members /
      (1 + members with it who are open to mentoring)); rare interests count most);
    - related_interest: for an interest one step broader or narrower than one of the
      mentee's, that share of what the mentee's interest is worth (each counted once);
    - area: per mentorship area the mentee seeks and the candidate offers;
    - seniority: full at `ideal_gap` career levels above the mentee (`peer_ideal_gap` for
      PEER and for collaborators), falling linearly to 0 at `gap_span` levels away;
    - connection / warm_intro: already connected / a 2nd-degree contact (a warm
      introduction), plus warm_intro_extra per further mutual connection up to
      warm_intro_max;
    - load: times the share of the candidate's mentee capacity still free;
    - *_budget / *_cap_min / *_cap_max: bounded fan-out. Each class of term (asked
      interests, their neighbours, areas) shares a budget of members walked, split evenly
      over its terms and clamped; a term with more eligible members than its cap is cut
      there (its weight is already small: the more members, the lower its IDF), and at
      most scan_factor times the cap members are looked at to find them. On the 50,000-person
      network the best candidate found scores 96% of an unbounded walk's best on average
      (the top ten 93%), at about a third of its time;
    - overfetch: ranked candidates fetched beyond `first`, re-scored exactly here;
    - stats_ttl_ms: how long the members-per-interest table (for IDF) is reused.
    """

    interest: float = 1.0
    related_interest: float = 0.35
    area: float = 2.5
    seniority: float = 1.5
    ideal_gap: int = 2
    peer_ideal_gap: int = 0
    gap_span: int = 3
    connection: float = 1.0
    warm_intro: float = 1.5
    warm_intro_extra: float = 0.25
    warm_intro_max: float = 2.25
    load: float = 1.0
    interest_budget: int = 900
    interest_cap_min: int = 100
    interest_cap_max: int = 400
    related_budget: int = 180
    related_cap_min: int = 20
    related_cap_max: int = 80
    area_budget: int = 360
    area_cap_min: int = 60
    area_cap_max: int = 240
    scan_factor: int = 4
    overfetch: int = 10
    stats_ttl_ms: int = 300_000

    def cap(self, budget: int, terms: int, low: int, high: int) -> int:
        return max(low, min(high, budget // max(terms, 1)))


WEIGHTS = MatchWeights()


@dataclass(frozen=True)
class MatchReason:
    """One reason a candidate ranks where it does; `points` is its share of the score."""

    kind: str  # INTERESTS, RELATED_INTERESTS, AREAS, SENIORITY, PROXIMITY, LOAD, PLACE
    text: str
    points: float


@dataclass(frozen=True)
class Recommendation:
    person: PersonRecord
    score: float
    reasons: tuple[MatchReason, ...]
    shared_interest_ids: tuple[str, ...]
    mutual_connections: int


@dataclass(frozen=True)
class MentorQuery:
    kind: str = "SECONDARY"
    interest_ids: Sequence[str] | None = None
    area_ids: Sequence[str] | None = None
    cross_division_only: bool = False
    cross_hospital_only: bool = False
    first: int = 10
    mentee_id: str | None = None


def _terms(values: Sequence[str] | None, field: str) -> list[str] | None:
    if values is None:
        return None
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_TERMS:
        raise InvalidInput(f"at most {MAX_TERMS}", field=field)
    return unique


def _first(first: int) -> int:
    if not 1 <= first <= MAX_FIRST:
        raise InvalidInput(f"first must be between 1 and {MAX_FIRST}", field="first")
    return first


async def require_program_admin(ctx: Context, person_id: str) -> None:
    """The viewer must be a site admin or an admin of a program `person_id` is in."""
    viewer = require_viewer(ctx)
    if viewer.is_admin:
        return
    if person_id not in await programs.administered(ctx.db, viewer.id, [person_id]):
        raise Forbidden("only a program admin of this member can do this")


async def term_stats(ctx: Context, weights: MatchWeights, wanted: Sequence[str]) -> TermStats:
    """Members per interest, cached per service for `stats_ttl_ms` (refreshed early, at most
    every few seconds, when an interest asked for is not in it yet)."""
    cache: _StatsCache = ctx.services.extras.setdefault(STATS_KEY, _StatsCache())
    now = ctx.now_ms()
    async with cache.lock:
        stale = cache.stats is None or now - cache.at > weights.stats_ttl_ms
        unknown = cache.stats is not None and any(i not in cache.stats.members for i in wanted)
        if stale or (unknown and now - cache.at > 5_000):
            cache.stats, cache.at = await matching.get_term_stats(ctx.db), now
        assert cache.stats is not None
        return cache.stats


STATS_KEY = "matching.term_stats"


class _StatsCache:
    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.stats: TermStats | None = None
        self.at = 0


def _walk(
    context: MatchContextRecord, stats: TermStats, weights: MatchWeights, *, areas: bool,
) -> tuple[Walk, dict[str, list[str]]]:
    """Weights per term to walk, and which asked interests each neighbour is close to."""
    people_count = max(stats.people, 1)

    def weight(term: str, factor: float) -> float:
        return factor * idf(stats.members.get(term, 0), people_count)

    asked = {i: weight(i, weights.interest) for i in context.interestIds}
    # A neighbour earns part of what the mentee's own interest is worth (never more than an
    # exact match, however rare the neighbour itself is).
    related: dict[str, float] = {}
    related_to: dict[str, list[str]] = {}
    for other, mine in context.relatedInterests:
        if other in asked:
            continue
        share = weight(mine, weights.related_interest)
        related[other] = max(related.get(other, 0.0), share)
        related_to.setdefault(other, []).append(mine)
    area_weights = {a: weights.area for a in context.areaIds} if areas else {}
    walk = Walk(
        interests=asked, related=related, areas=area_weights,
        cap_interest=weights.cap(weights.interest_budget, len(asked), weights.interest_cap_min,
                                 weights.interest_cap_max),
        cap_related=weights.cap(weights.related_budget, len(related), weights.related_cap_min,
                                weights.related_cap_max),
        cap_area=weights.cap(weights.area_budget, len(area_weights), weights.area_cap_min,
                             weights.area_cap_max),
        scan_factor=weights.scan_factor,
    )
    return walk, related_to


async def mentor_recommendations(
    ctx: Context, query: MentorQuery, weights: MatchWeights = WEIGHTS
) -> list[Recommendation]:
    """Ranked mentors for the viewer, or (program admins) for `query.mentee_id`."""
    viewer = require_viewer(ctx)
    if query.kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    first = _first(query.first)
    interests = _terms(query.interest_ids, "interests")
    areas = _terms(query.area_ids, "mentorshipAreas")
    mentee_id = query.mentee_id or viewer.id
    if mentee_id != viewer.id:
        await require_program_admin(ctx, mentee_id)
    found = await matching.get_context(ctx.db, mentee_id, interest_ids=interests, area_ids=areas)
    if found is None:
        raise NotFound("no such member", field="menteeId")
    context, names = found
    if not context.interestIds and not context.areaIds:
        return []
    wanted = [*context.interestIds, *(i for i, _ in context.relatedInterests)]
    walk, related_to = _walk(context, await term_stats(ctx, weights, wanted), weights, areas=True)
    senior = query.kind in SENIOR_KINDS
    mentee_level = level(context.rank)
    ideal = weights.peer_ideal_gap if query.kind == "PEER" else weights.ideal_gap
    candidates = await matching.find_candidates(
        ctx.db, context, walk,
        limit=first + weights.overfetch + min(len(context.excludedIds), 200),
        min_level=mentee_level if senior else -1, mentee_level=mentee_level, ideal_gap=ideal,
        gap_span=weights.gap_span, w_seniority=weights.seniority, w_load=weights.load,
        cross_division=query.cross_division_only, cross_hospital=query.cross_hospital_only,
    )
    scored = [
        _score(c, context, names, walk, related_to, weights, ideal_gap=ideal, with_load=True)
        for c in candidates
        if _eligible(c, context, senior=senior, mentee_level=mentee_level,
                     cross_division=query.cross_division_only,
                     cross_hospital=query.cross_hospital_only)
    ]
    return await _ranked(ctx, mentee_id, [s for s in scored if s is not None], first)


async def collaborator_recommendations(
    ctx: Context, first: int, weights: MatchWeights = WEIGHTS
) -> list[Recommendation]:
    """Members in other divisions or hospitals who share the viewer's research interests
    (not yet connected with the viewer)."""
    viewer = require_viewer(ctx)
    first = _first(first)
    found = await matching.get_context(ctx.db, viewer.id, area_ids=[])
    if found is None:
        raise NotFound("no such member")
    context, names = found
    if not context.interestIds:
        return []
    wanted = [*context.interestIds, *(i for i, _ in context.relatedInterests)]
    walk, related_to = _walk(context, await term_stats(ctx, weights, wanted), weights, areas=False)
    connected = {p for p, mutual in context.near.items() if mutual == 0}
    excluded = context.excludedIds | connected
    candidates = await matching.find_collaborators(
        ctx.db, context, walk, limit=first + weights.overfetch + min(len(excluded), 200)
    )
    scored = [
        _score(c, context, names, walk, related_to, weights, ideal_gap=weights.peer_ideal_gap,
               with_load=False)
        for c in candidates
        if c.person.id not in excluded and c.unitId is not None and c.unitId != context.unitId
    ]
    return await _ranked(ctx, viewer.id, [s for s in scored if s is not None], first)


async def _ranked(
    ctx: Context, person_id: str, scored: list[Recommendation], first: int
) -> list[Recommendation]:
    """Best first (score, then id), each with its place line."""
    top = sorted(scored, key=lambda r: (-r.score, r.person.id))[:first]
    places = await people.get_affiliations(ctx.db, [person_id, *(r.person.id for r in top)])
    own, theirs = places[0], places[1:]
    return [_with_place(rec, place, own) for rec, place in zip(top, theirs, strict=True)]


# -- scoring ------------------------------------------------------------------------------


def idf(members: int, people_count: int) -> float:
    """Rarity of an interest `members` of `people_count` people have: ln(1 + N / (1 + n))."""
    return math.log(1.0 + people_count / (1.0 + members))


def _eligible(
    c: MatchCandidateRecord, context: MatchContextRecord, *, senior: bool, mentee_level: int,
    cross_division: bool, cross_hospital: bool,
) -> bool:
    p = c.person
    if p.id == context.menteeId or p.id in context.excludedIds:
        return False
    if not p.acceptingMentees or c.activeMentees >= p.menteeCapacity:
        return False
    if senior and level(p.rank) <= mentee_level:
        return False
    if cross_division and (c.unitId is None or c.unitId == context.unitId):
        return False
    return not (cross_hospital and (c.unitId is None or c.unitId in context.hospitalUnitIds))


def _names(ids: Sequence[str], names: dict[str, str]) -> str:
    items = [names.get(i, "?") for i in ids]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _score(
    c: MatchCandidateRecord, context: MatchContextRecord, names: dict[str, str], walk: Walk,
    related_to: dict[str, list[str]], weights: MatchWeights, *, ideal_gap: int,
    with_load: bool,
) -> Recommendation | None:
    """The exact score and its reasons; None when the candidate shares no asked term."""
    asked = set(context.interestIds)
    shared = [i for i in context.interestIds if i in set(c.interestIds)]
    related = sorted(
        (i for i in set(c.interestIds) - asked if i in related_to),
        key=lambda i: (names.get(i, "").lower(), i),
    )
    areas = [a for a in context.areaIds if a in set(c.areaIds)]
    if not shared and not related and not areas:
        return None
    reasons: list[MatchReason] = []

    def points(term: str) -> float:
        return walk.interests.get(term) or walk.related.get(term, 0.0)

    if shared:
        n = len(shared)
        label = "a research interest" if n == 1 else f"{n} research interests"
        reasons.append(MatchReason(
            "INTERESTS", f"shares {label}: {_names(shared, names)}", sum(points(i) for i in shared)
        ))
    for other in related:
        close = _names(sorted(related_to[other], key=lambda i: names.get(i, "").lower()), names)
        reasons.append(MatchReason(
            "RELATED_INTERESTS", f"works on {names.get(other, '?')}, close to your {close}",
            points(other),
        ))
    if areas:
        reasons.append(MatchReason(
            "AREAS", f"offers {_names(areas, names)}, which you seek", weights.area * len(areas)
        ))
    gap = level(c.person.rank) - level(context.rank)
    distance = abs(gap - ideal_gap)
    if level(c.person.rank) and distance < weights.gap_span:
        seniority = weights.seniority * (1.0 - distance / weights.gap_span)
        reasons.append(MatchReason("SENIORITY", _seniority_text(gap), seniority))
    mutual = context.near.get(c.person.id)
    if mutual == 0:
        reasons.append(MatchReason("PROXIMITY", "already one of your connections", weights.connection))
    elif mutual:
        bonus = min(weights.warm_intro + (mutual - 1) * weights.warm_intro_extra,
                    weights.warm_intro_max)
        label = "1 mutual connection" if mutual == 1 else f"{mutual} mutual connections"
        reasons.append(MatchReason(
            "PROXIMITY", f"a 2nd-degree connection through {label}: a warm introduction", bonus
        ))
    if with_load and c.person.menteeCapacity > 0:
        free = c.person.menteeCapacity - c.activeMentees
        reasons.append(MatchReason(
            "LOAD", f"has {free} of {c.person.menteeCapacity} mentee places free",
            weights.load * free / c.person.menteeCapacity,
        ))
    score = sum(r.points for r in reasons)
    return Recommendation(
        person=c.person, score=score, reasons=tuple(reasons),
        shared_interest_ids=tuple(shared), mutual_connections=mutual or 0,
    )


def _seniority_text(gap: int) -> str:
    if gap == 0:
        return "at your career stage"
    steps = abs(gap)
    unit = "career stage" if steps == 1 else "career stages"
    return f"{steps} {unit} {'ahead of' if gap > 0 else 'behind'} you"


def rank_label(rank: str | None) -> str | None:
    return rank.replace("_", " ").title() if rank else None


def _with_place(rec: Recommendation, place: AffiliationRecord, own: AffiliationRecord) -> Recommendation:
    """Add the descriptive line: "Associate Professor, Cardiology, a different hospital"."""
    unit = place.division or place.department
    own_unit = own.division or own.department
    parts = [p for p in (rank_label(rec.person.rank), unit.name if unit else None) if p]
    if place.hospital is None or own.hospital is None:
        where = None
    elif place.hospital.id != own.hospital.id:
        where = "a different hospital"
    elif unit is not None and own_unit is not None and unit.id != own_unit.id:
        where = "your hospital, a different division"
    else:
        where = "your division"
    if where:
        parts.append(where)
    if not parts:
        return rec
    line = MatchReason("PLACE", ", ".join(parts), 0.0)
    return Recommendation(
        person=rec.person, score=rec.score, reasons=(*rec.reasons, line),
        shared_interest_ids=rec.shared_interest_ids, mutual_connections=rec.mutual_connections,
    )
