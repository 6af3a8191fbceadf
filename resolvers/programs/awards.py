"""Mentoring awards: who defines them, who nominates and supports, who reviews and sees
the ranking, and publication of winners.

Site admins define awards and cycles (with the review committee) and publish winners. Any
member nominates an eligible member (not themselves) while nominations are open; others add
support letters. Nominees are not told until the results unless the award says so.
Committee members score the nominations they are not conflicted on (graph_db.programs.
awards.CONFLICT_OF_INTEREST) during review; the committee and site admins see the ranking.

Eligibility rules are data, all of which must hold:
  {"rule": "RANK_IN", "ranks": ["PROFESSOR", ...]}
  {"rule": "MENTORING_YEARS_AT_LEAST", "years": 10}   (since their first mentorship as mentor)
  {"rule": "MENTORED_RANK", "ranks": ["GRADUATE_STUDENT"], "atLeast": 1}
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from strawberry.dataloader import DataLoader

from graph_db.errors import Conflict, Forbidden, InvalidInput, NotFound
from graph_db.profile_fields import RANKS
from graph_db.programs import awards as repo
from graph_db.programs.records import (
    AwardCycleRecord,
    AwardRecord,
    BadgeRecord,
    EligibilityFactsRecord,
    NominationRecord,
)
from resolvers.auth import require_role, require_viewer
from resolvers.context import Context
from resolvers.loaders import Loaders, loader
from resolvers.mentorship import text
from resolvers.notifications import announce

YEAR_MS = int(365.25 * 86_400_000)
RULES = ("RANK_IN", "MENTORING_YEARS_AT_LEAST", "MENTORED_RANK")
SCORE_RANGE = range(1, 6)
MAX_STATEMENT = 5000
MAX_CRITERIA = 10


@dataclass(frozen=True, slots=True)
class RankedNomination:
    """A nomination's place in the committee's ranking."""

    rank: int
    nomination: NominationRecord
    mean: float | None
    scores: int


def clean_rules(rules: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated eligibility rules (see the module docstring)."""
    cleaned: list[dict[str, Any]] = []
    for n, rule in enumerate(rules):
        where = f"eligibility.{n}"
        kind = rule.get("rule")
        if kind not in RULES:
            raise InvalidInput(f"rule must be one of {', '.join(RULES)}", field=f"{where}.rule")
        ranks = list(rule.get("ranks") or [])
        if kind in ("RANK_IN", "MENTORED_RANK") and (not ranks or not set(ranks) <= set(RANKS)):
            raise InvalidInput(f"ranks from {', '.join(RANKS)}", field=f"{where}.ranks")
        if kind == "RANK_IN":
            cleaned.append({"rule": kind, "ranks": ranks})
        elif kind == "MENTORING_YEARS_AT_LEAST":
            years = rule.get("years")
            if not isinstance(years, int) or not 1 <= years <= 60:
                raise InvalidInput("years is 1 to 60", field=f"{where}.years")
            cleaned.append({"rule": kind, "years": years})
        else:
            at_least = rule.get("atLeast") or 1
            if not isinstance(at_least, int) or not 1 <= at_least <= 100:
                raise InvalidInput("atLeast is 1 to 100", field=f"{where}.atLeast")
            cleaned.append({"rule": kind, "ranks": ranks, "atLeast": at_least})
    return cleaned


def unmet(rules: Sequence[dict[str, Any]], facts: EligibilityFactsRecord, now: int) -> list[str]:
    """The rules a person does not meet, in words (empty: eligible)."""
    missing: list[str] = []
    for rule in rules:
        kind = rule["rule"]
        if kind == "RANK_IN" and facts.rank not in rule["ranks"]:
            missing.append(f"rank must be one of {', '.join(rule['ranks'])}")
        elif kind == "MENTORING_YEARS_AT_LEAST" and (
            facts.firstMentoredAt is None or now - facts.firstMentoredAt < rule["years"] * YEAR_MS
        ):
            missing.append(f"at least {rule['years']} years of mentoring recorded")
        elif kind == "MENTORED_RANK" and (
            sum(1 for r in facts.menteeRanks if r in rule["ranks"]) < rule["atLeast"]
        ):
            missing.append(f"mentored at least {rule['atLeast']} of {', '.join(rule['ranks'])}")
    return missing


async def create_award(
    ctx: Context, *, name: str, description: str | None, eligibility: Sequence[dict[str, Any]],
    criteria: Sequence[str], notify_nominee: bool,
) -> AwardRecord:
    viewer = require_role(ctx, "ADMIN")
    clean_name = text(name, "name", 200, required=True, multiline=False)
    assert clean_name is not None
    names = [c for c in (text(c, "criteria", 100, multiline=False) for c in criteria) if c]
    if not 1 <= len(names) <= MAX_CRITERIA or len(set(names)) != len(names):
        raise InvalidInput(f"1 to {MAX_CRITERIA} different criteria", field="criteria")
    return await repo.create_award(
        ctx.db, id=str(uuid.uuid4()), name=clean_name, description=text(description, "description", 5000),
        eligibility=clean_rules(eligibility), criteria=names, notify_nominee=notify_nominee,
        viewer_id=viewer.id, now=ctx.now_ms(),
    )


async def create_cycle(
    ctx: Context, *, award_id: str, year: int, nomination_opens_at: int, nomination_closes_at: int,
    review_opens_at: int, review_closes_at: int, reviewer_ids: Sequence[str],
) -> AwardCycleRecord:
    require_role(ctx, "ADMIN")
    if not nomination_opens_at < nomination_closes_at <= review_opens_at < review_closes_at:
        raise InvalidInput("nominations open, close, then review opens and closes", field="reviewOpensAt")
    if not 1 <= len(set(reviewer_ids)) <= 50:
        raise InvalidInput("a committee of 1 to 50 reviewers", field="reviewerIds")
    cycle = await repo.create_cycle(
        ctx.db, id=str(uuid.uuid4()), award_id=award_id, year=year,
        nomination_opens_at=nomination_opens_at, nomination_closes_at=nomination_closes_at,
        review_opens_at=review_opens_at, review_closes_at=review_closes_at,
        reviewer_ids=sorted(set(reviewer_ids)), now=ctx.now_ms(),
    )
    if cycle is None:
        raise NotFound("no such award, or none of the reviewers exists", field="awardId")
    return cycle


async def _cycle(ctx: Context, cycle_id: str) -> tuple[AwardCycleRecord, AwardRecord]:
    (cycle,) = await repo.get_cycles(ctx.db, [cycle_id])
    if cycle is None:
        raise NotFound("no such award cycle", field="cycleId")
    (award,) = await repo.get_awards(ctx.db, [cycle.awardId])
    assert award is not None
    return cycle, award


async def get_cycle(ctx: Context, cycle_id: str) -> AwardCycleRecord | None:
    require_viewer(ctx)
    return (await repo.get_cycles(ctx.db, [cycle_id]))[0]


async def get_award(ctx: Context, award_id: str) -> AwardRecord | None:
    require_viewer(ctx)
    return (await repo.get_awards(ctx.db, [award_id]))[0]


async def open_cycles(ctx: Context) -> list[AwardCycleRecord]:
    require_viewer(ctx)
    return await repo.list_open_cycles(ctx.db, now=ctx.now_ms(), limit=50)


async def nominate(ctx: Context, cycle_id: str, nominee_id: str, statement: str) -> NominationRecord:
    """Nominate an eligible member (not yourself) while nominations are open."""
    viewer = require_viewer(ctx)
    cycle, award = await _cycle(ctx, cycle_id)
    now = ctx.now_ms()
    if not cycle.nominationOpensAt <= now < cycle.nominationClosesAt:
        raise Conflict("nominations for this award are not open", field="cycleId")
    if nominee_id == viewer.id:
        raise InvalidInput("nominate someone else", field="nomineeId")
    clean = text(statement, "statement", MAX_STATEMENT, required=True)
    assert clean is not None
    facts = await repo.eligibility_facts(ctx.db, nominee_id)
    if facts is None:
        raise NotFound("no such member", field="nomineeId")
    missing = unmet(award.eligibility, facts, now)
    if missing:
        raise InvalidInput("not eligible: " + "; ".join(missing), field="nomineeId")
    made = await repo.nominate(
        ctx.db, id=str(uuid.uuid4()), cycle_id=cycle.id, nominee_id=nominee_id, viewer_id=viewer.id,
        statement=clean, now=now,
    )
    if made is None:
        raise NotFound("no such member", field="nomineeId")
    nomination, fresh, told = made
    if not fresh:
        raise Conflict("already nominated this cycle: add a support letter instead", field="nomineeId")
    await announce(ctx, told)
    return nomination


async def support(ctx: Context, nomination_id: str, letter: str) -> NominationRecord:
    """Add a support letter to a nomination while nominations are open (not the nominee)."""
    viewer = require_viewer(ctx)
    (nomination,) = await repo.get_nominations(ctx.db, [nomination_id])
    if nomination is None:
        raise NotFound("no such nomination", field="nominationId")
    cycle, _ = await _cycle(ctx, nomination.cycleId)
    if not cycle.nominationOpensAt <= ctx.now_ms() < cycle.nominationClosesAt:
        raise Conflict("nominations for this award are closed", field="nominationId")
    if viewer.id == nomination.nomineeId:
        raise Forbidden("nominees do not support their own nomination")
    clean = text(letter, "letter", MAX_STATEMENT, required=True)
    assert clean is not None
    done = await repo.support(ctx.db, nomination_id, viewer_id=viewer.id, letter=clean, now=ctx.now_ms())
    if done is None:
        raise NotFound("no such nomination", field="nominationId")
    return done


def _committee(ctx: Context, cycle: AwardCycleRecord) -> None:
    viewer = require_viewer(ctx)
    if viewer.id not in cycle.reviewerIds and not viewer.is_admin:
        raise Forbidden("only the award's review committee and site admins can do this")


async def to_review(ctx: Context, cycle_id: str) -> list[tuple[NominationRecord, bool]]:
    """The cycle's nominations for a committee member, each with whether they are conflicted."""
    viewer = require_viewer(ctx)
    cycle, _ = await _cycle(ctx, cycle_id)
    _committee(ctx, cycle)
    return await repo.list_for_reviewer(ctx.db, cycle.id, viewer.id)


async def score(ctx: Context, nomination_id: str, scores: Sequence[int]) -> NominationRecord:
    """Score a nomination on each of the award's criteria (1 to 5) during review."""
    viewer = require_viewer(ctx)
    (nomination,) = await repo.get_nominations(ctx.db, [nomination_id])
    if nomination is None:
        raise NotFound("no such nomination", field="nominationId")
    cycle, award = await _cycle(ctx, nomination.cycleId)
    if viewer.id not in cycle.reviewerIds:
        raise Forbidden("only the award's review committee scores nominations")
    if not cycle.reviewOpensAt <= ctx.now_ms() < cycle.reviewClosesAt:
        raise Conflict("the review is not open", field="nominationId")
    if len(scores) != len(award.criteria) or any(s not in SCORE_RANGE for s in scores):
        criteria = len(award.criteria)
        raise InvalidInput(f"one score from 1 to 5 for each of {criteria} criteria", field="scores")
    outcome = await repo.score(ctx.db, nomination_id, viewer_id=viewer.id, scores=scores, now=ctx.now_ms())
    if outcome == "CONFLICT":
        raise Forbidden("conflict of interest: you cannot score this nomination")
    if outcome == "NOT_REVIEWER":
        raise Forbidden("only the award's review committee scores nominations")
    if outcome == "NOT_FOUND":
        raise NotFound("no such nomination", field="nominationId")
    return nomination


async def results(ctx: Context, cycle_id: str) -> list[RankedNomination]:
    """Nominations ranked by their mean non-conflicted score (unscored last)."""
    cycle, _ = await _cycle(ctx, cycle_id)
    _committee(ctx, cycle)
    found = await repo.ranked(ctx.db, cycle.id)
    scored = [
        (n, sum(totals) / len(totals) if totals else None, len(totals)) for n, totals in found
    ]
    scored.sort(key=lambda x: (x[1] is None, -(x[1] or 0), -x[2], x[0].createdAt, x[0].id))
    return [RankedNomination(i + 1, n, mean, count) for i, (n, mean, count) in enumerate(scored)]


async def publish(ctx: Context, cycle_id: str, winner_nomination_ids: Sequence[str]) -> AwardCycleRecord:
    """Publish the winners (site admins), once: badges on their profiles and a notification."""
    require_role(ctx, "ADMIN")
    cycle, _ = await _cycle(ctx, cycle_id)
    if ctx.now_ms() < cycle.reviewOpensAt:
        raise Conflict("winners are published after the review opens", field="cycleId")
    found = await repo.get_nominations(ctx.db, winner_nomination_ids)
    if not winner_nomination_ids or any(n is None or n.cycleId != cycle.id for n in found):
        raise InvalidInput("winners are nominations of this cycle", field="winnerNominationIds")
    done = await repo.publish(ctx.db, cycle.id, winner_nomination_ids, now=ctx.now_ms())
    if done is None:
        raise NotFound("no such award cycle", field="cycleId")
    fresh, told = done
    if not fresh:
        raise Conflict("the winners are already published", field="cycleId")
    await announce(ctx, told)
    published, _ = await _cycle(ctx, cycle.id)
    return published


# One badge loader per request, kept beside the request's own loaders (resolvers.loaders
# belongs to every domain; this one stays with awards) and dropped with them.
_BADGE_LOADERS: WeakKeyDictionary[Loaders, DataLoader[str, list[BadgeRecord]]] = WeakKeyDictionary()


def _badge_loader(ctx: Context) -> DataLoader[str, list[BadgeRecord]]:
    found = _BADGE_LOADERS.get(ctx.loaders)
    if found is None:
        db = ctx.db
        found = loader(lambda ids: repo.get_badges_many(db, ids))
        _BADGE_LOADERS[ctx.loaders] = found
    return found


async def badges(ctx: Context, person_id: str) -> list[BadgeRecord]:
    """The awards a member won, newest first (signed-in members; nothing from a member
    blocked either way, as a block looks like absence). Batched per request."""
    require_viewer(ctx)
    relation = await ctx.loaders.relation_by_person.load(person_id)
    if relation.blocked or relation.blockedBy:
        return []
    return await _badge_loader(ctx).load(person_id)
