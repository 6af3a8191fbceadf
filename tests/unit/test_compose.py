"""graph_db.compose: how statements become the parts of one statement (the statements
themselves run on both engines in tests/api/test_planner.py and the search tests)."""

from __future__ import annotations

import pytest

from graph_db import likes, network, people, posts
from graph_db.compose import MAX_PARTS, Part, columns_of, compose, subqueries


def test_the_columns_are_the_return_items_names_nested_commas_and_quotes_left_alone() -> None:
    assert columns_of("MATCH (p) RETURN id, [x IN [1, 2] | {a: x, b: 'c, d'}] AS units, p.x AS y") == (
        "id", "units", "y",
    )
    assert columns_of("MATCH (p) RETURN DISTINCT p.id AS id") == ("id",)
    assert columns_of(people.get_affiliations.statement) == ("id", "units")
    assert columns_of(network.RELATIONS) == (
        "id", "blocked", "blockedBy", "follows", "followedBy", "requestSent", "requestReceived",
        "degree",
    )


@pytest.mark.parametrize("statement", [
    "MATCH (p) RETURN p.id AS id ORDER BY id", "MATCH (p) RETURN p.id AS id LIMIT 3", "MATCH (p)",
])
def test_a_statement_must_end_in_a_plain_return(statement: str) -> None:
    with pytest.raises(ValueError, match="plain RETURN"):
        columns_of(statement)  # type: ignore[arg-type]


def test_each_part_collects_its_rows_under_its_own_column_and_keys_parameter() -> None:
    text, found = compose([
        people.get_many.part("person", keys=["a", "b", "a"]),
        network.RELATIONS_OF.part("relation", keys=["a"], params={"viewer": "v"}),
    ])
    assert text.startswith("CALL { UNWIND $part0Keys AS id MATCH (p:Person {id: id}) WITH ")
    assert "RETURN collect({person: person}) AS part0 }" in text
    assert "UNWIND [$part1Keys] AS ids" in text and text.endswith("RETURN part0, part1")
    assert found.params == {"part0Keys": ["a", "b"], "part1Keys": ["a"], "viewer": "v"}
    assert found.columns == {"person": "part0", "relation": "part1"}
    assert found.rows({"part0": [{"person": 1}], "part1": []}) == {"person": [{"person": 1}], "relation": []}


def test_keys_from_an_earlier_part_are_read_inside_the_statement() -> None:
    text, found = compose([
        Part("posts", posts.LIST_BY_AUTHOR, params={"author": "a", "viewer": "v", "limit": 3}),
        likes.POSTS_ENGAGEMENT.part("engagement", keys_from=("posts", "post.id"), params={"viewer": "v"}),
    ])
    assert "CALL { WITH part0 MATCH (v:Person {id: $viewer}) " in text
    assert "UNWIND [row IN part0 | row.post.id] AS id" in text
    assert "$ids" not in text and "Keys" not in text
    # From a variable of the statement the parts go into (a search's page).
    beside = subqueries([network.RELATIONS_OF.part("relation", keys_from=("page", "person.id"),
                                                     params={"viewer": "v"})], scope={"page": "page"})
    assert beside.text.startswith("CALL { WITH page UNWIND [[row IN page | row.person.id]] AS ids ")


def test_what_cannot_be_composed_is_refused() -> None:
    person = people.get_many.part("person", keys=["a"])
    with pytest.raises(ValueError, match="two parts named person"):
        compose([person, person])
    with pytest.raises(ValueError, match="different values"):
        compose([network.RELATIONS_OF.part("r1", keys=["a"], params={"viewer": "v"}),
                 network.RELATIONS_OF.part("r2", keys=["a"], params={"viewer": "w"})])
    with pytest.raises(ValueError, match="give keys or keys_from"):
        compose([Part("person", people.get_many.statement)])
    with pytest.raises(ValueError, match="1 to"):
        compose([])
    with pytest.raises(ValueError, match="1 to"):
        compose([people.get_many.part(f"p{i}", keys=["a"]) for i in range(MAX_PARTS + 1)])
    # Keys from an earlier part must still be in scope where the statement reads them.
    dropping = Part("late", "MATCH (v) WITH v UNWIND $ids AS id RETURN id", keys_from=("person", "id"))
    with pytest.raises(ValueError, match="part late: its statement drops earlier variables"):
        compose([person, dropping])
