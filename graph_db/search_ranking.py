"""People search relevance, in Python so both engines rank the same data the same way.

For each query word (graph_db.text_analysis) and each person, the best match in each field:
an exact term 1.0, a prefix 0.7, one typo 0.45, two typos 0.3 (long words only). Fields weigh
as before: name 8, interests and mentorship areas (`topics`) 5, title 3, bio 1; a word scores
its weight (BM25's IDF among the people matching the query at all: how many match this
word) times its best field plus a quarter of its other fields.

Vocabulary: a query that names a term (all words of its name or of an alias, e.g. renal for
Kidney Disease) matches the term's holders as a topic match with a phrase bonus, and the
holders of its narrower terms (any depth, cycle-safe) with less, the deeper the less.

Order: more query words matched first, then the score, then profile completeness (so a
fuller profile wins only between equal matches), then id. The key is one integer `rank`:

    rank = words matched * 10^12 + round(score * 1000) * 1000 + completeness
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph_db.text_analysis import EXACT, Token, analyse, best_match, match_quality, stems

MAX_WORDS = 8
FIELD_WEIGHTS: tuple[tuple[str, float], ...] = (("name", 8.0), ("title", 3.0), ("bio", 1.0))
TOPIC_WEIGHT = 5.0
OTHER_FIELDS = 0.25
PHRASE_BONUS = 0.5  # of the topic weight, per word of a named term a person holds
ALIAS_QUALITY = 0.9
NARROWER_QUALITY = 0.6
NARROWER_DECAY = 0.75
TIER = 10**12


@dataclass(frozen=True)
class Term:
    kind: str
    id: str
    name: str
    aliases: tuple[str, ...]
    tokens: tuple[Token, ...]


# Queries kept per vocabulary (`parse`): the distinct texts people search for between two
# changes of the vocabulary, each a few hundred bytes.
MAX_PARSED = 1_024


@dataclass
class Vocabulary:
    """Terms by id, their narrower interests, and the phrases (name, aliases) naming them.
    Not changed once built: `parse` keeps its queries on it (`parsed`), and graph_db.search
    keeps the last one built while the terms it reads stay the same (`rows`)."""

    terms: dict[str, Term] = field(default_factory=dict)
    narrower: dict[str, set[str]] = field(default_factory=dict)
    rows: tuple[tuple[str, str, str, tuple[str, ...], str | None], ...] = ()
    parsed: dict[str, Query] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str, tuple[str, ...], str | None]]) -> Vocabulary:
        rows = tuple(rows)
        vocabulary = cls(rows=rows)
        for kind, term_id, name, aliases, broader in rows:
            if term_id not in vocabulary.terms:
                vocabulary.terms[term_id] = Term(kind, term_id, name, aliases, analyse(name))
            if broader is not None:
                vocabulary.narrower.setdefault(broader, set()).add(term_id)
        return vocabulary

    def below(self, term_id: str) -> dict[str, int]:
        """The terms narrower than `term_id` at any depth, each at its smallest depth."""
        depths: dict[str, int] = {term_id: 0}
        frontier = [term_id]
        depth = 0
        while frontier:
            depth += 1
            following = []
            for current in frontier:
                for child in sorted(self.narrower.get(current, ())):
                    if child not in depths:
                        depths[child] = depth
                        following.append(child)
            frontier = following
        del depths[term_id]
        return depths


@dataclass(frozen=True)
class Named:
    """A term the query names: which query words it covers, and how well (alias or name)."""

    term: Term
    words: frozenset[int]
    quality: float


@dataclass(frozen=True)
class Query:
    words: tuple[Token, ...]
    named: tuple[Named, ...]
    # term id -> (named entry, depth below it): who holds what through the vocabulary.
    reach: Mapping[str, tuple[tuple[Named, int], ...]]

    @property
    def term_ids(self) -> list[str]:
        return sorted(self.reach)


def parse(text: str, vocabulary: Vocabulary) -> Query:
    """Analyse query text: its words (at most MAX_WORDS, first occurrence of each stem) and
    the vocabulary terms it names. Kept on the vocabulary (the same text, the same query):
    naming terms reads every term's name and aliases."""
    parsed = vocabulary.parsed
    query = parsed.get(text)
    if query is None:
        if len(parsed) >= MAX_PARSED:
            del parsed[next(iter(parsed))]  # the oldest
        query = parsed[text] = _parse(text, vocabulary)
    return query


def _parse(text: str, vocabulary: Vocabulary) -> Query:
    words: list[Token] = []
    for token in analyse(text):
        if token.stem not in {w.stem for w in words}:
            words.append(token)
    words = words[:MAX_WORDS]
    position = {w.stem: i for i, w in enumerate(words)}
    named: list[Named] = []
    for term in sorted(vocabulary.terms.values(), key=lambda t: t.id):
        best: Named | None = None
        for phrase, quality in ((term.name, EXACT), *((a, ALIAS_QUALITY) for a in term.aliases)):
            phrase_stems = stems(phrase)
            if phrase_stems and all(s in position for s in phrase_stems):
                candidate = Named(term, frozenset(position[s] for s in phrase_stems), quality)
                if best is None or (len(candidate.words), candidate.quality) > (
                    len(best.words), best.quality
                ):
                    best = candidate
        if best is not None:
            named.append(best)
    reach: dict[str, list[tuple[Named, int]]] = {}
    for entry in named:
        reach.setdefault(entry.term.id, []).append((entry, 0))
        for term_id, depth in vocabulary.below(entry.term.id).items():
            reach.setdefault(term_id, []).append((entry, depth))
    return Query(tuple(words), tuple(named), {k: tuple(v) for k, v in reach.items()})


@dataclass(frozen=True)
class Scored:
    id: str
    rank: int
    matched: tuple[str, ...]


def _held(row: Mapping[str, Any]) -> list[str]:
    held = list(row.get("interestIds") or ())
    for key in ("offerIds", "seekIds"):
        held += [t for t in row.get(key) or () if t not in held]
    return held


class Matches:
    """Match qualities of a query's words, each profile word and held term looked at once per
    search (candidates share most of their words)."""

    def __init__(self, query: Query, vocabulary: Vocabulary) -> None:
        self.query = query
        self.vocabulary = vocabulary
        self._words: list[dict[str, float]] = [{} for _ in query.words]
        self._topics: list[dict[str, float]] = [{} for _ in query.words]

    def field(self, i: int, tokens: Sequence[Token]) -> tuple[float, str | None]:
        """The best quality of word i against a field's tokens, and that token as written."""
        cache, word = self._words[i], self.query.words[i]
        best, surface = 0.0, None
        for token in tokens:
            quality = cache.get(token.word)
            if quality is None:
                quality = cache[token.word] = match_quality(word, token)
            if quality > best:
                best, surface = quality, token.surface
                if best == EXACT:
                    break
        return best, surface

    def topic(self, i: int, term: Term) -> float:
        """How well word i matches a held term: by its name's words, or through the
        vocabulary (a term the query names, or one below it)."""
        cache = self._topics[i]
        quality = cache.get(term.id)
        if quality is None:
            quality, _ = best_match(self.query.words[i], term.tokens)
            for entry, depth in self.query.reach.get(term.id, ()):
                if i in entry.words:
                    reached = entry.quality * (
                        1.0 if depth == 0 else NARROWER_QUALITY * NARROWER_DECAY ** (depth - 1)
                    )
                    quality = max(quality, reached)
            cache[term.id] = quality
        return quality


def _fields(row: Mapping[str, Any]) -> Sequence[Sequence[Token]]:
    """The name, title and bio tokens: stored ones (`fields`) or the text analysed."""
    fields: Sequence[Sequence[Token]] | None = row.get("fields")
    if fields is not None:
        return fields
    return [analyse(row.get(name) or "") for name, _ in FIELD_WEIGHTS]


def word_matches(
    query: Query, vocabulary: Vocabulary, row: Mapping[str, Any], matches: Matches | None = None,
) -> list[tuple[list[float], list[str]]]:
    """For each query word: its field scores (name, title, bio, topics) and what matched."""
    matches = matches or Matches(query, vocabulary)
    fields = _fields(row)
    topics = [vocabulary.terms[t] for t in _held(row) if t in vocabulary.terms]
    result: list[tuple[list[float], list[str]]] = []
    for i in range(len(query.words)):
        scores: list[float] = []
        matched: list[str] = []
        for (_, weight), tokens in zip(FIELD_WEIGHTS, fields, strict=True):
            quality, surface = matches.field(i, tokens)
            scores.append(weight * quality)
            if surface is not None:
                matched.append(surface)
        topic, topic_name = 0.0, None
        for term in topics:
            quality = matches.topic(i, term)
            if quality > topic:
                topic, topic_name = quality, term.name
        scores.append(TOPIC_WEIGHT * topic)
        if topic_name is not None:
            matched.append(topic_name)
        result.append((scores, matched))
    return result


def weights(query: Query, matches: Sequence[Sequence[bool]]) -> list[float]:
    """Each word's IDF (BM25's) among the people who match the query at all: `matches[c][i]`
    says whether candidate c matched word i. (Counted here, over exactly who matches, the
    weights are the same on both engines; the engines' candidate sets are supersets.)"""
    matching = [m for m in matches if any(m)]
    n = len(matching)
    result = []
    for i in range(len(query.words)):
        df = sum(1 for m in matching if m[i])
        result.append(round(math.log(1 + (n - df + 0.5) / (df + 0.5)), 4) if df else 0.0)
    return result


def score(
    query: Query, word_scores: Sequence[tuple[list[float], list[str]]], idf: Sequence[float],
    row: Mapping[str, Any],
) -> Scored | None:
    """The candidate's rank (None when it matches no query word) and what it matched."""
    total = 0.0
    covered = 0
    matched: list[str] = []
    for (scores, surfaces), weight in zip(word_scores, idf, strict=True):
        best = max(scores)
        if best <= 0 or weight <= 0:
            continue
        covered += 1
        total += weight * (best + OTHER_FIELDS * (sum(scores) - best))
        matched += [s for s in surfaces if s not in matched]
    if covered == 0:
        return None
    held = set(_held(row))
    for entry in query.named:
        if entry.term.id in held:
            total += PHRASE_BONUS * TOPIC_WEIGHT * entry.quality * sum(
                idf[i] for i in entry.words
            )
    completeness = max(0, min(100, int(row.get("completeness") or 0)))
    rank = covered * TIER + round(total * 1000) * 1000 + completeness
    return Scored(str(row["id"]), rank, tuple(matched))


def matched_terms(
    query: Query, vocabulary: Vocabulary, row: Mapping[str, Any], idf: Sequence[float]
) -> tuple[str, ...]:
    """What in a person's profile (its text as written) matched, as `score` reports it."""
    found = score(query, word_matches(query, vocabulary, row), idf, row)
    return found.matched if found is not None else ()


def rank_all(
    query: Query, vocabulary: Vocabulary, rows: Sequence[Mapping[str, Any]],
    idf: Sequence[float] | None = None,
) -> tuple[list[Scored], list[float]]:
    """Every matching candidate ranked best first (ties by id), and the word weights used
    (`idf` when given: a later page keeps the first page's weights)."""
    matches = Matches(query, vocabulary)
    per_row = [word_matches(query, vocabulary, row, matches) for row in rows]
    if idf is None:
        idf = weights(query, [[max(s) > 0 for s, _ in m] for m in per_row])
    ranked = [
        found for row, m in zip(rows, per_row, strict=True)
        if (found := score(query, m, idf, row)) is not None
    ]
    ranked.sort(key=lambda s: (-s.rank, s.id))
    return ranked, list(idf)
