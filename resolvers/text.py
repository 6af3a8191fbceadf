"""One cleaning policy for every user-visible string: names, titles, group names, bodies.

Every resolver that stores text a member typed goes through `line`, `name` or `block`:
- Unicode NFC, so that one spelling is stored one way;
- never NUL, other control characters (bodies keep newlines and tabs), unpaired surrogates,
  or the bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069)
  that make text display in another order than it is stored ("\u202eevil" shows as "live");
- single-line fields (`line`, `name`) also refuse every other invisible format character
  but the joiners (ZWJ, ZWNJ: emoji sequences and several scripts need them), and fold any
  run of whitespace into one space;
- a name must show something: text made only of spaces and invisible characters
  ("\u200b\u200b", Hangul fillers, the blank braille pattern) is no name.
Refusals are InvalidInput (BAD_USER_INPUT) on the field, with a message a person can act on.
"""

from __future__ import annotations

import re
import unicodedata

from graph_db.errors import InvalidInput

_SPACES = re.compile(r"\s+")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d")
_LINE_BREAKS = frozenset("\n\t")
# Letters and symbols that render as nothing, so a name made of them looks empty.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")


def _problem(text: str, *, single_line: bool) -> str | None:
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            return "contains an invalid character (an unpaired surrogate)"
        if char in _BIDI_CONTROLS:
            return "remove the text-direction control characters"
        if category == "Cc" and (single_line or char not in _LINE_BREAKS):
            return "remove control characters"
        if single_line and category == "Cf" and char not in _JOINERS:
            return "remove invisible formatting characters"
    return None


def _visible(char: str) -> bool:
    return (
        unicodedata.category(char)[0] in "LNPS" and char not in _BLANK_GLYPHS
    )


def line(value: str, *, field: str, max_chars: int, min_chars: int = 0) -> str:
    """One-line text: NFC, whitespace runs folded to one space, trimmed; "" when blank."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()
    if (problem := _problem(text, single_line=True)) is not None:
        raise InvalidInput(problem, field=field)
    if len(text) > max_chars:
        raise InvalidInput(f"use at most {max_chars} characters", field=field)
    if len(text) < min_chars:
        raise InvalidInput(f"use at least {min_chars} characters", field=field)
    return text


def name(value: str, *, field: str, max_chars: int, min_chars: int = 1) -> str:
    """A name (person, group): a `line` with at least one visible character."""
    text = line(value, field=field, max_chars=max_chars)
    if not any(_visible(c) for c in text):
        raise InvalidInput("enter a name with visible characters", field=field)
    if len(text) < min_chars:
        raise InvalidInput(f"use at least {min_chars} characters", field=field)
    return text


def block(value: str, *, field: str, max_chars: int) -> str:
    """Multi-line text (descriptions, bios, reasons): NFC, line endings normalised, trimmed;
    newlines and tabs kept; "" when blank."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if (problem := _problem(text, single_line=False)) is not None:
        raise InvalidInput(problem, field=field)
    if len(text) > max_chars:
        raise InvalidInput(f"use at most {max_chars} characters", field=field)
    return text


def problem(value: str, *, single_line: bool) -> str | None:
    """What the policy refuses in `value`, if anything (for resolvers that list every problem)."""
    normalised = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _problem(_SPACES.sub(" ", normalised) if single_line else normalised,
                    single_line=single_line)


def looks_empty(value: str) -> bool:
    """True when `value` shows nothing: only spaces and invisible characters."""
    return not any(_visible(c) for c in value)
