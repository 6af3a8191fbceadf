"""GraphQL fields for finding people: searchPeople (with facets) and peopleByInterest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import FieldNode

from graph_db.people_records import FacetRecord
from graph_db.search import FACET_KINDS
from graph_db.search import PeopleFilter as PeopleFilterValues
from resolvers import planner
from resolvers import search as search_resolvers
from resolvers.search import PeopleSearch
from schema.base import (
    AppInfo,
    Connection,
    PageInfo,
    asks_only,
    connection,
    ids,
    local_id,
    selected_names,
    selections_below,
    selections_here,
    to_global_id,
)
from schema.people import AcademicRank, Person, preload_people


@strawberry.input(
    description="Narrow a people search. Within a list any value matches; all lists given must "
    "match. Units include everything below them (a hospital matches its divisions' people)."
)
class PeopleFilter:
    hospitals: list[strawberry.ID] | None = strawberry.field(default=None, description="Hospital ids.")
    departments: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Department ids."
    )
    divisions: list[strawberry.ID] | None = strawberry.field(default=None, description="Division ids.")
    interests: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Interest ids (people who list one of them)."
    )
    mentorship_offered: list[strawberry.ID] | None = strawberry.field(
        default=None, description="MentorshipArea ids people offer mentoring in."
    )
    mentorship_sought: list[strawberry.ID] | None = strawberry.field(
        default=None, description="MentorshipArea ids people seek mentoring in."
    )
    ranks: list[AcademicRank] | None = strawberry.field(default=None, description="Academic ranks.")
    accepting_mentees: bool | None = strawberry.field(
        default=None, description="Only people who do (true) or do not (false) take mentees."
    )

    def values(self) -> PeopleFilterValues:
        def local(values: list[strawberry.ID] | None, kind: str, field: str) -> tuple[str, ...]:
            return tuple(ids(values, kind, field=f"filter.{field}")) if values else ()

        return PeopleFilterValues(
            hospitals=local(self.hospitals, "Hospital", "hospitals"),
            departments=local(self.departments, "Department", "departments"),
            divisions=local(self.divisions, "Division", "divisions"),
            interests=local(self.interests, "Interest", "interests"),
            areas_offered=local(self.mentorship_offered, "MentorshipArea", "mentorshipOffered"),
            areas_sought=local(self.mentorship_sought, "MentorshipArea", "mentorshipSought"),
            ranks=tuple(r.value for r in self.ranks or ()),
            accepting_mentees=self.accepting_mentees,
        )


@strawberry.type(description="How many results share a value; pass `id` back in a PeopleFilter.")
class FacetCount:
    id: strawberry.ID = strawberry.field(description="The hospital, department, interest or area.")
    name: str = strawberry.field(description="Its name.")
    count: int = strawberry.field(description="How many people in the results have it.")


@strawberry.type(description="Counts over the whole result set (the 20 most common of each).")
class PeopleFacets:
    hospitals: list[FacetCount] = strawberry.field(description="Per hospital.")
    departments: list[FacetCount] = strawberry.field(description="Per department.")
    interests: list[FacetCount] = strawberry.field(description="Per research interest.")
    mentorship_areas: list[FacetCount] = strawberry.field(
        description="Per mentorship area (offered or sought)."
    )


@strawberry.type(description="A search result and its cursor.")
class PersonSearchEdge:
    node: Person = strawberry.field(description="The person.")
    cursor: str = strawberry.field(description="Opaque cursor for `after`.")
    matched_terms: list[str] = strawberry.field(
        description="What in the person's profile matched the query (words as written in the "
        "name, title or bio, and interest or mentorship area names, including narrower "
        "interests and those found through an alias), for highlighting. Empty without a query."
    )


def _facets(kind: str, values: tuple[FacetRecord, ...]) -> list[FacetCount]:
    return [FacetCount(id=to_global_id(kind, f.id), name=f.name, count=f.count) for f in values]


@strawberry.type(description="A page of people search results, with totals and facets.")
class PersonSearchConnection:
    search: strawberry.Private[PeopleSearch]
    edges: list[PersonSearchEdge] = strawberry.field(description="This page, best first.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @strawberry.field(description="The people of this page, without cursors.")
    def nodes(self) -> list[Person]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many people match in all.")
    async def total_count(self) -> int:
        return (await self.search.facets()).total

    @strawberry.field(description="Counts per hospital, department, interest and mentorship area.")
    async def facets(self) -> PeopleFacets:
        found = await self.search.facets()
        return PeopleFacets(
            hospitals=_facets("Hospital", found.hospitals),
            departments=_facets("Department", found.departments),
            interests=_facets("Interest", found.interests),
            mentorship_areas=_facets("MentorshipArea", found.mentorshipAreas),
        )


def _names(info: AppInfo, nodes: Sequence[Any]) -> dict[str, list[Any]]:
    """Field name -> the selection nodes below it, through fragments."""
    found: dict[str, list[Any]] = {}
    for node in nodes:
        if isinstance(node, FieldNode):
            found.setdefault(node.name.value, []).extend(selections_below(info, node))
        else:
            for name, below in _names(info, selections_below(info, node)).items():
                found.setdefault(name, []).extend(below)
    return found


def _counts_asked(info: AppInfo) -> list[str] | None:
    """The facet kinds the operation asks for ([] for totalCount alone), or None for neither:
    then the page query runs alone; otherwise page and counts share one statement."""
    fields = _names(info, selections_here(info))
    if "facets" not in fields and "totalCount" not in fields:
        return None
    kinds = _names(info, fields.get("facets", []))
    return [kind for kind in FACET_KINDS if kind in kinds]


def _cards_only(info: AppInfo) -> bool:
    """Whether the page's people (its edges' nodes, its nodes) are asked only what their cards
    answer (resolvers.planner.CARD_FIELDS)."""
    fields = _names(info, selections_here(info))
    people = [*_names(info, fields.get("edges", [])).get("node", []), *fields.get("nodes", [])]
    return asks_only(info, people, "Person", planner.CARD_FIELDS)


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description="Find members by name, title, bio, interests and mentorship areas, narrowed "
        "by `filter`. Accents, case and word endings do not matter; prefixes and small typos "
        "match, with less weight; an interest or area named by the query (or by one of its "
        "aliases) also finds holders of its narrower interests. People matching more of the "
        "query's words come first, then better and rarer matches; among equal matches fuller "
        "profiles first. Without `query`, the fullest profiles first. Signed in only."
    )
    async def search_people(
        self, info: AppInfo, query: str | None = None, filter: PeopleFilter | None = None,
        first: int | None = 20, after: str | None = None,
    ) -> PersonSearchConnection:
        values = filter.values() if filter else PeopleFilterValues()
        found = await search_resolvers.search_people(
            info.context, query, values, first=first, after=after, facets=_counts_asked(info),
            shown=planner.person_kinds(selected_names(info)), cards=_cards_only(info),
        )
        page = found.page
        await preload_people(info, (hit.person for hit in page.items))
        edges = [
            PersonSearchEdge(
                node=Person.of(hit.person), cursor=cursor, matched_terms=list(hit.matched)
            )
            for hit, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return PersonSearchConnection(search=found, edges=edges, page_info=PageInfo.of(page))

    @strawberry.field(
        description="Members interested in an interest or in any narrower one (at any depth), "
        "by name, with `totalCount`. Signed in only."
    )
    async def people_by_interest(
        self, info: AppInfo, interest_id: strawberry.ID, first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Person]:
        page = await search_resolvers.people_by_interest(
            info.context, local_id(interest_id, "Interest", field="interestId"),
            first=first, after=after,
        )
        await preload_people(info, page.items)
        return connection(page, Person.from_record)
