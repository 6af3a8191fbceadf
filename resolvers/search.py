"""Finding people: full-text search with filters and facets, and people by interest.

For signed-in members only (the directory holds people's names, roles and workplaces).
A page costs one query; facets and the total, when asked for, one more for the whole
result set; what each person on the page shows comes through the request's loaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graph_db import search
from graph_db.errors import InvalidInput, NotFound
from graph_db.people_records import PersonRecord, SearchFacetsRecord
from graph_db.profile_fields import RANKS
from graph_db.search import PeopleFilter, SearchHit, SearchRequest
from resolvers import planner
from resolvers.auth import require_viewer
from resolvers.context import Context
from resolvers.pagination import Page, forward_request, keyset_page

MAX_QUERY = 200
MAX_FILTER_VALUES = 50


@dataclass
class PeopleSearch:
    """One search as asked: its page now, its facets (and total) when first asked for."""

    ctx: Context
    request: SearchRequest
    page: Page[SearchHit]
    _facets: SearchFacetsRecord | None = None

    async def facets(self) -> SearchFacetsRecord:
        if self._facets is None:
            self._facets = await search.search_facets(self.ctx.db, self.request)
        return self._facets


def _check_filter(f: PeopleFilter) -> None:
    for name in ("hospitals", "departments", "divisions", "interests", "areas_offered",
                 "areas_sought", "ranks"):
        if len(getattr(f, name)) > MAX_FILTER_VALUES:
            raise InvalidInput(f"at most {MAX_FILTER_VALUES} values", field=f"filter.{name}")
    unknown = [r for r in f.ranks if r not in RANKS]
    if unknown:
        raise InvalidInput(f"unknown rank {unknown[0]}", field="filter.ranks")


def _cursor(cursor: tuple[object, ...] | None, types: tuple[type, ...]) -> None:
    if cursor is not None and not all(
        isinstance(v, t) for v, t in zip(cursor, types, strict=True)
    ):
        raise InvalidInput("invalid cursor", field="after")


def _weights(text: object) -> list[float] | None:
    """The word weights a search cursor carries (the first page's), or None for none."""
    if not isinstance(text, str) or not text:
        return None
    try:
        values = [float(w) for w in text.split(",")]
    except ValueError:
        raise InvalidInput("invalid cursor", field="after") from None
    if len(values) > search.MAX_WORDS or not all(0 <= w < 100 for w in values):
        raise InvalidInput("invalid cursor", field="after")
    return values


async def search_people(
    ctx: Context, text: str | None, people_filter: PeopleFilter, *, first: int | None,
    after: str | None, facets: Sequence[str] | None = None, shown: Sequence[str] = (),
    cards: bool = False,
) -> PeopleSearch:
    """Best matches first (graph_db.search_ranking: words matched, then match quality, then
    profile completeness), ties by id; with no text, the fullest profiles first. Pages continue
    strictly after their cursor, ranked with the first page's word weights. With `facets`
    (kinds; empty for the total alone) they come with the page; so does what the page shows
    of its people (`shown`: kinds of resolvers.planner.PERSON_KINDS), into their loaders.
    `cards`: the page shows no more of its people than their cards (resolvers.planner.CARD_FIELDS)."""
    viewer = require_viewer(ctx)
    if text is not None and len(text) > MAX_QUERY:
        raise InvalidInput(f"at most {MAX_QUERY} characters", field="query")
    _check_filter(people_filter)
    request = forward_request(ctx, first, after, arity=3)
    _cursor(request.cursor, (int, str, str))
    weights = _weights(request.cursor[2]) if request.cursor else None
    query = SearchRequest(viewer=viewer.id, text=text, filter=people_filter)
    counted: list[SearchFacetsRecord] = []

    beside = planner.people_parts(ctx, shown, keys_from=("page", "person.id"))
    check = viewer.check  # the sign-in check, still to be made, rides in the first read
    ride = check.part() if check is not None else None

    async def fetch(cursor: object, _: bool, limit: int) -> list[SearchHit]:
        position = (int(request.cursor[0]), str(request.cursor[1])) if request.cursor else None
        nonlocal ride
        parts, ride = ([*beside, ride] if ride is not None else beside), None
        result = await search.search_page(
            ctx.db, query, after=position, limit=limit, facets=facets, weights=weights,
            beside=parts, cards=cards,
        )
        if result.facets is not None:
            counted.append(result.facets)
        if check is not None:
            check.take(result.beside)
        if result.beside:
            planner.prime_people(ctx, [hit.person.id for hit in result.hits], result.beside)
        return result.hits

    page = await keyset_page(
        request, fetch,
        lambda hit: (hit.rank, hit.person.id, ",".join(f"{w:g}" for w in hit.weights)),
    )
    for hit in page.items:
        if isinstance(hit.person, PersonRecord):  # a card is no answer for a profile
            ctx.loaders.person_by_id.prime(hit.person.id, hit.person)
    return PeopleSearch(ctx, query, page, counted[0] if counted else None)


async def people_by_interest(
    ctx: Context, interest_id: str, *, first: int | None, after: str | None
) -> Page[PersonRecord]:
    """People interested in the interest or in any narrower one (any depth), by name, with
    how many there are in all."""
    viewer = require_viewer(ctx)
    term = await ctx.loaders.term_by_id.load(interest_id)
    if term is None or term.kind != "Interest":
        raise NotFound("no such interest", field="interestId")
    request = forward_request(ctx, first, after)
    _cursor(request.cursor, (str, str))

    async def fetch(cursor: object, _: bool, limit: int) -> list[PersonRecord]:
        position = (str(request.cursor[0]), str(request.cursor[1])) if request.cursor else None
        return await search.list_by_interest(
            ctx.db, interest_id, viewer=viewer.id, after=position, limit=limit
        )

    total = await search.count_by_interest(ctx.db, interest_id, viewer=viewer.id)
    page = await keyset_page(request, fetch, lambda p: (p.name, p.id), total_count=total)
    for person in page.items:
        ctx.loaders.person_by_id.prime(person.id, person)
    return page
