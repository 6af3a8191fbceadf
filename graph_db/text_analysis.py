"""The one text analysis of people search: what a profile says and what a member asks are
both read by `analyse`, so a query term and a profile term compare like with like.

Steps: Unicode NFKD and accent folding (núñez = nunez, ø = o), case folding, apostrophes
inside a word dropped and a possessive 's removed (alzheimer's = alzheimer, o'brien =
obrien), everything that is not a letter or digit separates words, stop words and one-letter
words dropped, then the Snowball English stemmer (pystemmer). The engines' own analysers
differ (neither folds accents, only one stems), so they are used for recall alone; matching
and scoring happen here, identically for both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer
from rapidfuzz.distance import Levenshtein

# Letters NFKD does not decompose into a base letter and a mark.
_FOLD = str.maketrans({
    "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l",
    "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ı": "i", "ß": "ss",
})
_WORD = re.compile(r"[^\W_]+(?:['’ʼ`][^\W_]+)*")
_APOSTROPHE = re.compile(r"['’ʼ`]")

STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has", "have", "in",
    "into", "is", "it", "its", "of", "on", "or", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "were", "will", "with", "who", "whom", "what", "which", "when",
    "where", "why", "how", "i", "me", "my", "we", "our", "you", "your", "he", "she", "him", "her",
    "his",
})

_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed word: `stem` is what terms are compared on, `word` the folded word
    (prefixes and typos are measured on it), `surface` the word as written."""

    stem: str
    word: str
    surface: str


def fold(text: str) -> str:
    """Accent-free, case-folded text."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=16_384)
def analyse(text: str) -> tuple[Token, ...]:
    """The terms of `text`, in order (repeats kept)."""
    surfaces: list[str] = []
    words: list[str] = []
    for match in _WORD.finditer(text):
        surface = match.group()
        # Most text is ASCII: lowercasing is all the folding it needs (and far cheaper).
        parts = _APOSTROPHE.split(surface.lower() if surface.isascii() else fold(surface))
        if len(parts) > 1 and parts[-1] == "s":
            parts.pop()  # possessive: alzheimer's -> alzheimer
        word = "".join(parts)
        if len(word) < 2 or word in STOP_WORDS:
            continue
        surfaces.append(surface)
        words.append(word)
    return tuple(
        Token(stem, word, surface)
        for stem, word, surface in zip(_STEMMER.stemWords(words), words, surfaces, strict=True)
    )


# Stored analyses (graph_db.people.search_words) carry this; a change to the analysis bumps it,
# and graph_db.migrations.search re-analyses what was stored before.
ANALYSIS_VERSION = 1


def index_words(text: str | None) -> str:
    """What a profile field is stored as for search: its analysed words, space-separated."""
    return " ".join(t.word for t in analyse(text)) if text else ""


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    stem: str = _STEMMER.stemWord(word)
    return stem


@lru_cache(maxsize=131_072)
def _stored_token(word: str) -> Token:
    return Token(_stem(word), word, word)


def stored_tokens(words: str | None) -> tuple[Token, ...]:
    """The tokens of a field stored by `index_words` (the surface is the folded word). Tokens
    are immutable and words recur across profiles: each distinct word's is made once."""
    return tuple(map(_stored_token, words.split())) if words else ()


def stems(text: str) -> tuple[str, ...]:
    """The stems of `text`, in order."""
    return tuple(t.stem for t in analyse(text))


def typo_budget(word: str) -> int:
    """How many edits a query word may be away from a profile word and still match."""
    return 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0


def recall_prefix(token: Token) -> str:
    """What every word sharing the token's stem starts with (the longest common prefix of
    the word and its stem: study/studi -> stud), for the engine's prefix query."""
    n = 0
    for a, b in zip(token.word, token.stem, strict=False):
        if a != b:
            break
        n += 1
    if n == len(token.stem) and token.stem.endswith("i") and n > 2:
        n -= 1  # a stem's final i may stand for y (studi: study, studies)
    return token.word[:max(n, 2)]


def recall_edits(token: Token) -> int:
    """Edits the engine's fuzzy query allows: the typo budget, and two for words of five
    letters or more, so that a folded word still finds its accented spelling (nunez: núñez)."""
    return max(typo_budget(token.word), 2 if len(token.word) >= 5 else 0)


# Match qualities: an exact term beats a prefix, which beats one typo, which beats two.
EXACT, PREFIX, ONE_TYPO, TWO_TYPOS = 1.0, 0.7, 0.45, 0.3


def match_quality(query: Token, term: Token) -> float:
    """How well a query word matches one profile term (0 when it does not)."""
    if query.stem == term.stem or query.word == term.word:
        return EXACT
    return _quality(query.stem, query.word, term.stem, term.word)


# Profile words repeat across people (and requests): each pair is compared once.
@lru_cache(maxsize=65_536)
def _quality(stem: str, word: str, term_stem: str, term_word: str) -> float:
    if len(word) >= 2 and (term_word.startswith(word) or term_stem.startswith(stem)):
        return PREFIX
    budget = typo_budget(word)
    if budget == 0 or abs(len(word) - len(term_word)) > budget:
        return 0.0
    distance = Levenshtein.distance(word, term_word, score_cutoff=budget)
    if distance > budget:
        distance = Levenshtein.distance(stem, term_stem, score_cutoff=budget)
    if distance > budget:
        return 0.0
    return ONE_TYPO if distance == 1 else TWO_TYPOS


def best_match(query: Token, terms: tuple[Token, ...]) -> tuple[float, str | None]:
    """The best quality of `query` against any of `terms`, and that term as written."""
    best, surface = 0.0, None
    for term in terms:
        quality = match_quality(query, term)
        if quality > best:
            best, surface = quality, term.surface
            if best == EXACT:
                break
    return best, surface
