"""People: reading profiles with the viewer's visibility rules, and editing them.

Visibility, enforced here for every read path that hands out a Person:
- members who blocked each other (either way) never see each other: `visible_people`
  turns them into None (node(id:), lists, search, suggestions all go through it or through
  repository queries that exclude `network.HIDDEN`);
- email and phone follow the owner's setting: MEMBERS (any signed-in member), CONNECTIONS
  (first-degree connections only) or NOBODY; the owner and site admins always see them.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph_db import people, vocabulary
from graph_db.errors import InvalidInput, NotFound
from graph_db.people import PersonTerms
from graph_db.people_records import (
    AffiliationRecord,
    NetworkCountsRecord,
    PersonCardRecord,
    PersonRecord,
    RelationRecord,
    TermRecord,
)
from graph_db.profile_fields import clean_line, clean_profile, term_name_problem
from resolvers import planner, text
from resolvers.auth import require_self_or_role, require_viewer
from resolvers.context import Context, Viewer
from resolvers.loaders import forget, now_or_later, then
from resolvers.planner import PERSON_KINDS, people_parts, prime_people

MAX_TERMS_PER_LIST = 50
MAX_TERMS_PER_CALL = 20
TERM_KIND = {
    "INTERESTED_IN": "Interest", "OFFERS_MENTORSHIP_IN": "MentorshipArea",
    "SEEKS_MENTORSHIP_IN": "MentorshipArea",
}


# -- reading --------------------------------------------------------------------------------


async def get_people(ctx: Context, ids: Sequence[str]) -> list[PersonRecord | None]:
    """People by id (batched through the request's loader), None where absent. No block
    check: for authors and actors whose content the other domains already filtered."""
    return list(await ctx.loaders.person_by_id.load_many(list(ids)))


async def get_person(ctx: Context, person_id: str) -> PersonRecord | None:
    return await ctx.loaders.person_by_id.load(person_id)


async def viewer_person(ctx: Context, viewer: Viewer) -> PersonRecord | None:
    """The viewer's own record. While their sign-in check is still to be made, the check's
    read brings it (resolvers.sessions): one read for both."""
    if viewer.check is not None:
        session = await viewer.check.answer(ctx.db)
        if session is not None:
            ctx.loaders.person_by_id.prime(viewer.id, session.person)
    return await get_person(ctx, viewer.id)


def person_now(ctx: Context, person_id: str) -> PersonRecord | None | Awaitable[PersonRecord | None]:
    """`get_person`, without an await when the page preloaded it."""
    return now_or_later(ctx.loaders.person_by_id, person_id)


def author_now(
    ctx: Context, person_id: str, field_nodes: Sequence[object]
) -> PersonRecord | PersonCardRecord | None | Awaitable[PersonRecord | PersonCardRecord | None]:
    """The author asked for at `field_nodes`: their card where a read plan found those
    fields asking no more of them (Loaders.answers_with_cards), else their profile; without
    an await when the page preloaded it."""
    loaders = ctx.loaders
    if loaders.answers_with_cards(field_nodes):
        return now_or_later(loaders.person_card_by_id, person_id)
    return now_or_later(loaders.person_by_id, person_id)


def relation_now(ctx: Context, person_id: str) -> RelationRecord | Awaitable[RelationRecord]:
    """How the viewer relates to the person (nothing, signed out); without an await when
    the page preloaded it (as every `*_now` below: see resolvers.loaders.now_or_later)."""
    return now_or_later(ctx.loaders.relation_by_person, person_id)


def counts_now(ctx: Context, person_id: str) -> NetworkCountsRecord | Awaitable[NetworkCountsRecord]:
    """The person's follower, following and connection counts."""
    return now_or_later(ctx.loaders.network_counts_by_person, person_id)


async def preload(ctx: Context, ids: Sequence[str], kinds: Iterable[str]) -> None:
    """Load what a page of people will show (`kinds` of resolvers.planner.PERSON_KINDS:
    where they work, their terms, how the viewer relates to them, their network counts) in
    one round trip for all kinds, for the people whose loaders do not hold it yet."""
    keys = list(dict.fromkeys(ids))
    missing = [
        name for name in kinds
        if any(PERSON_KINDS[name].loader(ctx.loaders).cache_map.get(key) is None for key in keys)
    ]
    parts = people_parts(ctx, missing, keys=keys)
    if parts:
        prime_people(ctx, keys, await planner.read(ctx, parts))


async def visible_people(ctx: Context, ids: Sequence[str]) -> list[PersonRecord | None]:
    """People by id as profile reads show them: None where absent or blocked either way."""
    records = await get_people(ctx, ids)
    if ctx.viewer is None:
        return records
    relations = await ctx.loaders.relation_by_person.load_many(list(ids))
    return [
        None if record is None or r.blocked or r.blockedBy else record
        for record, r in zip(records, relations, strict=True)
    ]


async def visible_person(ctx: Context, person_id: str, field: str = "personId") -> PersonRecord:
    """A person the viewer may see, or NOT_FOUND (a block looks like absence)."""
    found = (await visible_people(ctx, [person_id]))[0]
    if found is None:
        raise NotFound("no such member", field=field)
    return found


def _shown(ctx: Context, person: PersonRecord, setting: str, rel: RelationRecord) -> bool:
    viewer = ctx.viewer
    if viewer is None:
        return False
    if viewer.id == person.id or viewer.is_admin:
        return True
    if setting == "MEMBERS":
        return True
    return setting == "CONNECTIONS" and rel.connected


def email_now(ctx: Context, person: PersonRecord) -> str | None | Awaitable[str | None]:
    """The email if the owner's emailVisibility lets the viewer see it."""
    if ctx.viewer is None:
        return None

    def shown(rel: RelationRecord) -> str | None:
        return person.email if _shown(ctx, person, person.emailVisibility, rel) else None

    return then(relation_now(ctx, person.id), shown)


def phone_now(ctx: Context, person: PersonRecord) -> str | None | Awaitable[str | None]:
    """The phone number if the owner's phoneVisibility lets the viewer see it."""
    if ctx.viewer is None or person.phone is None:
        return None

    def shown(rel: RelationRecord) -> str | None:
        return person.phone if _shown(ctx, person, person.phoneVisibility, rel) else None

    return then(relation_now(ctx, person.id), shown)


def may_see_settings(ctx: Context, person: PersonRecord) -> bool:
    """Privacy settings are the owner's business (and an admin's)."""
    viewer = ctx.viewer
    return viewer is not None and (viewer.id == person.id or viewer.is_admin)


def affiliation_now(ctx: Context, person_id: str) -> AffiliationRecord | Awaitable[AffiliationRecord]:
    return now_or_later(ctx.loaders.affiliation_by_person, person_id)


def terms_now(ctx: Context, person_id: str, rel: str) -> list[TermRecord] | Awaitable[list[TermRecord]]:
    """The person's terms of one kind (INTERESTED_IN, OFFERS_/SEEKS_MENTORSHIP_IN)."""

    def of_kind(found: PersonTerms) -> list[TermRecord]:
        return found.get(rel, [])

    return then(now_or_later(ctx.loaders.terms_by_person, person_id), of_kind)


# -- writing ---------------------------------------------------------------------------------


def _forget_person(ctx: Context, person: PersonRecord) -> None:
    ctx.loaders.person_by_id.prime(person.id, person, force=True)
    forget(ctx.loaders.affiliation_by_person, person.id)
    forget(ctx.loaders.terms_by_person, person.id)


UNSET: Any = object()


# Profile text under the one text policy (resolvers.text): single-line fields and the bio.
_PROFILE_TEXT = (("name", True), ("title", True), ("phone", True), ("bio", False))


def _text_problems(changes: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = []
    for key, single_line in _PROFILE_TEXT:
        value = changes.get(key)
        if not isinstance(value, str):
            continue
        if (problem := text.problem(value, single_line=single_line)) is not None:
            found.append((key, problem))
        elif key == "name" and value.strip() and text.looks_empty(value):
            found.append((key, "enter a name with visible characters"))
    return found


async def update_profile(
    ctx: Context, person_id: str | None, changes: Mapping[str, Any],
    affiliation_id: str | None = UNSET,
) -> PersonRecord:
    """Change profile fields (None clears one) and, if given, where the person works (a
    Division or Department id; None detaches). Your own profile, or anyone's as an admin."""
    viewer = require_viewer(ctx)
    target = person_id or viewer.id
    require_self_or_role(ctx, target, "ADMIN")
    refused = _text_problems(changes)
    cleaned, problems = clean_profile(changes)
    problems = refused + [(key, message) for key, message in problems if key not in dict(refused)]
    set_unit = affiliation_id is not UNSET
    if set_unit and affiliation_id is not None:
        unit = await ctx.loaders.org_unit_by_id.load(affiliation_id)
        if unit is None or unit.kind not in ("Division", "Department"):
            problems.append(("affiliationId", "not a division or department"))
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=list(problems))
    updated = await people.update_profile(
        ctx.db, target, changes=cleaned, now=ctx.now_ms(), set_unit=set_unit,
        unit_id=affiliation_id if set_unit else None,
    )
    if updated is None:
        raise NotFound("no such member", field="personId")
    _forget_person(ctx, updated)
    return updated


@dataclass(frozen=True)
class TermChoice:
    """One term to add: an existing one by id, or a new name (optionally under a broader
    interest, which only an interest may have)."""

    id: str | None = None
    name: str | None = None
    broader_id: str | None = None


async def add_terms(
    ctx: Context, person_id: str | None, rel: str, choices: Sequence[TermChoice],
    field: str = "terms",
) -> PersonRecord:
    """Link existing terms or propose new ones (normalised: case, spacing and duplicates
    all land on one slug) to a person's interests or offered/sought mentorship areas."""
    viewer = require_viewer(ctx)
    target = person_id or viewer.id
    require_self_or_role(ctx, target, "ADMIN")
    kind = TERM_KIND[rel]
    if not choices:
        raise InvalidInput("choose at least one", field=field)
    if len(choices) > MAX_TERMS_PER_CALL:
        raise InvalidInput(f"at most {MAX_TERMS_PER_CALL} at a time", field=field)
    problems: list[tuple[str | None, str]] = []
    known_ids = [c.id for c in choices if c.id] + [c.broader_id for c in choices if c.broader_id]
    known = dict(zip(known_ids, await ctx.loaders.term_by_id.load_many(known_ids), strict=True))
    rows: list[dict[str, Any]] = []
    for i, choice in enumerate(choices):
        where = f"{field}.{i}"
        if (choice.id is None) == (choice.name is None):
            problems.append((where, "give either the id of an existing term or a new name"))
            continue
        if choice.broader_id is not None:
            broader = known.get(choice.broader_id)
            if kind != "Interest":
                problems.append((f"{where}.broaderId", "only interests have broader terms"))
            elif broader is None or broader.kind != "Interest":
                problems.append((f"{where}.broaderId", "no such interest"))
        if choice.id is not None:
            term = known.get(choice.id)
            if term is None or term.kind != kind:
                problems.append((f"{where}.id", f"no such {kind}"))
            else:
                rows.append({"id": term.id, "slug": term.slug, "name": term.name,
                             "broaderId": None})
        else:
            name = clean_line(choice.name or "")
            if problem := text.problem(name, single_line=True) or term_name_problem(name):
                problems.append((f"{where}.name", problem))
            else:
                rows.append(vocabulary.proposal(kind, name, id=str(uuid.uuid4()),
                                                broader_id=choice.broader_id))
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0], problems=problems)
    current = (await ctx.loaders.terms_by_person.load(target)).get(rel, [])
    slugs = {t.slug for t in current} | {r["slug"] for r in rows}
    if len(slugs) > MAX_TERMS_PER_LIST:
        raise InvalidInput(f"at most {MAX_TERMS_PER_LIST} per list", field=field)
    updated = await people.add_terms(ctx.db, target, rel, terms=rows, now=ctx.now_ms())
    if updated is None:
        raise NotFound("no such member", field="personId")
    _forget_person(ctx, updated)
    return updated


async def remove_terms(
    ctx: Context, person_id: str | None, rel: str, term_ids: Sequence[str]
) -> PersonRecord:
    viewer = require_viewer(ctx)
    target = person_id or viewer.id
    require_self_or_role(ctx, target, "ADMIN")
    if len(term_ids) > MAX_TERMS_PER_LIST:
        raise InvalidInput(f"at most {MAX_TERMS_PER_LIST} at a time", field="ids")
    updated = await people.remove_terms(ctx.db, target, rel, ids=term_ids, now=ctx.now_ms())
    if updated is None:
        raise NotFound("no such member", field="personId")
    _forget_person(ctx, updated)
    return updated
