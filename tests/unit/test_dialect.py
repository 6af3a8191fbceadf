"""Dialect rendering: the only place FalkorDB and Neo4j Cypher differ."""

from __future__ import annotations

import pytest

from graph_db.dialect import (
    Command,
    Cypher,
    FalkorDialect,
    FullTextIndex,
    Neo4jDialect,
    RangeIndex,
    RelationshipTypes,
    UniqueConstraint,
    identifier,
    search_terms,
)

FALKOR, NEO4J = FalkorDialect(), Neo4jDialect()
INDEX = FullTextIndex("person_search", "Person", ("name", "bio"))


@pytest.mark.parametrize("bad", ["", "1abc", "a-b", "a b", "a`b", "Person) DETACH DELETE (n", "ünï"])
def test_identifiers_are_validated(bad: str) -> None:
    with pytest.raises(ValueError):
        identifier(bad)
    with pytest.raises(ValueError):
        UniqueConstraint(bad, "id")


def test_unique_constraint() -> None:
    assert FALKOR.schema(UniqueConstraint("Person", "id")) == [
        Cypher("CREATE INDEX FOR (n:Person) ON (n.id)"),
        Command(("UNIQUE", "NODE", "Person", "PROPERTIES", "1", "id")),
    ]
    assert NEO4J.schema(UniqueConstraint("Person", "id")) == [
        Cypher("CREATE CONSTRAINT Person_id_unique IF NOT EXISTS FOR (n:Person) REQUIRE n.id IS UNIQUE")
    ]


def test_range_indexes() -> None:
    assert FALKOR.schema(RangeIndex("Post", ("createdAt",))) == [
        Cypher("CREATE INDEX FOR (n:Post) ON (n.createdAt)")
    ]
    assert NEO4J.schema(RangeIndex("LIKED", ("createdAt",), relationship=True)) == [
        Cypher("CREATE INDEX LIKED_createdAt_index IF NOT EXISTS FOR ()-[n:LIKED]-() ON (n.createdAt)")
    ]


def test_full_text_index_and_call() -> None:
    # A property at a time on FalkorDB, so a property added later reaches existing graphs.
    assert FALKOR.schema(INDEX) == [
        Cypher("CREATE FULLTEXT INDEX FOR (n:Person) ON (n.name)"),
        Cypher("CREATE FULLTEXT INDEX FOR (n:Person) ON (n.bio)"),
    ]
    assert NEO4J.schema(INDEX) == [
        Cypher("CREATE FULLTEXT INDEX person_search IF NOT EXISTS FOR (n:Person) ON EACH [n.name, n.bio]")
    ]
    assert FALKOR.fulltext_nodes(INDEX, "$q") == (
        "CALL db.idx.fulltext.queryNodes('Person', $q) YIELD node, score"
    )
    assert NEO4J.fulltext_nodes(INDEX, "$q") == (
        "CALL db.index.fulltext.queryNodes('person_search', $q) YIELD node, score"
    )


def test_relationship_types_are_registered_only_where_needed() -> None:
    assert FALKOR.schema(RelationshipTypes(("LIKED",))) == [
        Cypher("CREATE (a)-[r:LIKED]->(b) DELETE r, a, b")
    ]
    assert NEO4J.schema(RelationshipTypes(("LIKED",))) == []


def test_search_terms_strip_every_operator() -> None:
    assert search_terms('Heart-Failure "cardio" OR (x) ~ * %a% NOT') == [
        "heart", "failure", "cardio", "or", "x", "a", "not"
    ]
    assert search_terms("a " * 50) == ["a"]
    assert len(search_terms(" ".join(f"t{i}" for i in range(50)))) == 8


def test_full_text_query_strings() -> None:
    assert FALKOR.fulltext_query("Cardio on") == "cardio*|%cardio%|on*"
    assert NEO4J.fulltext_query("Cardio on") == "(cardio* OR cardio~1) OR (on*)"
    assert FALKOR.fulltext_query("  ..  ") is None
    assert NEO4J.fulltext_query("") is None
