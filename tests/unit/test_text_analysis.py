"""The one text analysis of people search, its match qualities, and the engines' recall text."""

from __future__ import annotations

from graph_db.dialect import FalkorDialect, Neo4jDialect, RecallWord
from graph_db.search_ranking import Vocabulary, parse
from graph_db.text_analysis import (
    EXACT,
    ONE_TYPO,
    PREFIX,
    TWO_TYPOS,
    analyse,
    fold,
    match_quality,
    recall_edits,
    recall_prefix,
    stems,
)


def test_folding_apostrophes_stop_words_and_one_letter_words() -> None:
    assert fold("Núñez Müller Brontë Łódź Ærø straße") == "nunez muller bronte lodz aero strasse"
    assert stems("Alzheimer's disease") == ("alzheim", "diseas")
    assert stems("O’Brien and the T cell") == ("obrien", "cell")  # no "s", no "t", no stop words
    assert stems("COVID-19 / Cardio-Oncology") == ("covid", "19", "cardio", "oncolog")
    assert stems("diseases disease") == ("diseas", "diseas")
    assert [t.surface for t in analyse("José Núñez")] == ["José", "Núñez"]
    assert stems("!!! ??? a") == ()


def test_exact_beats_prefix_beats_one_typo_beats_two() -> None:
    (query,) = analyse("cardiology")
    assert match_quality(query, analyse("Cardiology")[0]) == EXACT
    assert match_quality(analyse("cardio")[0], analyse("Cardiology")[0]) == PREFIX
    assert match_quality(analyse("cardiolgy")[0], analyse("Cardiology")[0]) == ONE_TYPO
    assert match_quality(analyse("tubercolosys")[0], analyse("Tuberculosis")[0]) == TWO_TYPOS
    assert match_quality(analyse("heart")[0], analyse("Onebio")[0]) == 0.0
    assert match_quality(analyse("nunez")[0], analyse("Núñez")[0]) == EXACT
    assert EXACT > PREFIX > ONE_TYPO > TWO_TYPOS > 0


def test_recall_words_reach_every_ending_and_accented_spelling() -> None:
    (studies,) = analyse("studies")
    assert recall_prefix(studies) == "stud"  # study, studies
    (cardiology,) = analyse("cardiology")
    assert recall_prefix(cardiology) == "cardiolog"
    assert recall_edits(analyse("nunez")[0]) == 2  # núñez is two edits from nunez
    assert recall_edits(analyse("hiv")[0]) == 0
    words = [RecallWord("stud", "studies", 2), RecallWord("hiv", "hiv", 0)]
    assert FalkorDialect().fulltext_recall(words) == "stud*|%%studies%%|hiv*"
    assert Neo4jDialect().fulltext_recall(words) == "stud* OR studies~2 OR hiv*"
    # Anything but analysed letters and digits never reaches the engine.
    assert FalkorDialect().fulltext_recall([RecallWord("a|b", "x", 1)]) is None
    assert Neo4jDialect().fulltext_recall([RecallWord("ok", "OR x*", 1)]) is None


def test_a_query_names_terms_by_name_or_alias_and_reaches_narrower_ones() -> None:
    vocabulary = Vocabulary.build([
        ("Interest", "kd", "Kidney Disease", ("Renal",), None),
        ("Interest", "ckd", "Chronic Kidney Disease", ("CKD",), "kd"),
        ("Interest", "dial", "Dialysis", (), "ckd"),
        ("Interest", "loop", "Loop", (), "dial"),
        ("Interest", "dial2", "Dialysis", (), "loop"),  # a cycle: loop -> dial -> ... -> loop
    ])
    query = parse("renal research", vocabulary)
    assert [n.term.id for n in query.named] == ["kd"]
    assert query.reach["kd"][0][1] == 0 and query.reach["dial"][0][1] == 2
    assert query.term_ids == ["ckd", "dial", "dial2", "kd", "loop"]
    assert vocabulary.below("loop") == {"dial2": 1}
    assert [n.term.id for n in parse("kidney disease", vocabulary).named] == ["kd"]
    assert parse("disease", vocabulary).named == ()


def test_a_query_is_parsed_once_per_vocabulary_and_text_and_the_kept_ones_are_bounded() -> None:
    from graph_db import search_ranking

    rows = [("Interest", "kd", "Kidney Disease", ("Renal",), None)]
    vocabulary = Vocabulary.build(rows)
    first = parse("renal research", vocabulary)
    assert parse("renal research", vocabulary) is first  # kept: the same text, the same answer
    assert parse("renal", vocabulary) is not first
    # Another vocabulary (an alias added) parses anew: what it names follows the new terms.
    changed = Vocabulary.build([("Interest", "kd", "Kidney Disease", ("Renal", "Nephrology"), None)])
    assert changed.rows != vocabulary.rows and Vocabulary.build(rows).rows == vocabulary.rows
    assert [n.term.id for n in parse("nephrology", changed).named] == ["kd"]
    assert parse("nephrology", vocabulary).named == ()
    # A kept query is the one a fresh parse gives.
    assert search_ranking._parse("renal research", vocabulary) == first
    for i in range(search_ranking.MAX_PARSED + 5):
        parse(f"word{i}", vocabulary)
    assert len(vocabulary.parsed) == search_ranking.MAX_PARSED
    assert "renal research" not in vocabulary.parsed  # the oldest went first
