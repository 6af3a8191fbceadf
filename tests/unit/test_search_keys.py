"""People search's full-text query with keys (filters and term holders in the index) on both
engines, the keys themselves, and the renamed index's migration."""

from __future__ import annotations

import pytest

from graph_db.dialect import Cypher, DroppedIndex, FalkorDialect, FullTextIndex, Neo4jDialect, RecallWord
from graph_db.search import search_key

INDEX = FullTextIndex("people", "Person", ("name", "bio", "searchKeys"))
WORDS = [RecallWord("cardiolog", "cardiology", 2)]


def test_keys_are_one_lowercase_token_or_none() -> None:
    assert search_key("h", "6A08d3d4-00a2-5386") == "h6a08d3d400a25386"
    assert search_key("r", "ASSISTANT_PROFESSOR") == "rassistantprofessor"
    assert search_key("i", "l0") == "il0"
    assert search_key("i", "a b") is None and search_key("i", "x|y") is None
    assert search_key("i", "ünï") is None and search_key("i", "") is None


def test_text_or_holders_and_every_filter() -> None:
    holders, filters = ["ia1", "ia2"], [["hb"], ["rx", "ry"]]
    falkor = FalkorDialect().fulltext_keyed(INDEX, "searchKeys", WORDS, holders, filters)
    assert falkor == (
        "((@name|bio:(cardiolog*|%%cardiology%%))|(@searchKeys:(ia1|ia2)))"
        " @searchKeys:(hb) @searchKeys:(rx|ry)"
    )
    neo4j = Neo4jDialect().fulltext_keyed(INDEX, "searchKeys", WORDS, holders, filters)
    assert neo4j == (
        "(name:(cardiolog* OR cardiology~2) OR bio:(cardiolog* OR cardiology~2)"
        " OR searchKeys:(ia1 OR ia2)) AND searchKeys:(hb) AND searchKeys:(rx OR ry)"
    )


def test_nothing_to_find_and_no_operator_reaches_the_engine() -> None:
    for dialect in (FalkorDialect(), Neo4jDialect()):
        assert dialect.fulltext_keyed(INDEX, "searchKeys", [], [], [["hb"]]) is None
        assert dialect.fulltext_keyed(INDEX, "searchKeys", [], ["OR x", "a|b"], []) is None
        with pytest.raises(ValueError):
            dialect.fulltext_keyed(INDEX, "searchKeys", WORDS, [], [["h) OR (x"]])
        with pytest.raises(ValueError):
            dialect.fulltext_keyed(INDEX, "searchKeys", WORDS, [], [[]])


def test_a_renamed_index_drops_the_old_one_on_neo4j() -> None:
    assert Neo4jDialect().schema(DroppedIndex("person_search")) == [
        Cypher("DROP INDEX person_search IF EXISTS")
    ]
    assert FalkorDialect().schema(DroppedIndex("person_search")) == []
