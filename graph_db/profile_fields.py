"""What a profile may hold: allowed values, limits and normalisation, shared by every writer.

The resolvers (updateProfile) and the directory importer validate through the same rules,
so a value that one path refuses the other refuses too. Pure functions, no database.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

RANKS: tuple[str, ...] = (
    "MEDICAL_STUDENT", "GRADUATE_STUDENT", "RESIDENT", "CLINICAL_FELLOW", "POSTDOCTORAL_FELLOW",
    "INSTRUCTOR", "ASSISTANT_PROFESSOR", "ASSOCIATE_PROFESSOR", "PROFESSOR", "EMERITUS",
    "RESEARCH_STAFF", "CLINICAL_STAFF",
)
VISIBILITIES: tuple[str, ...] = ("CONNECTIONS", "MEMBERS", "NOBODY")
# What completeness counts, with weights summing to 100 (see people.REFRESH_PROFILE).
PROFILE_ITEMS: tuple[str, ...] = (
    "TITLE", "RANK", "BIO", "PHOTO", "PHONE", "AFFILIATION", "INTERESTS", "MENTORSHIP_AREAS",
)

MAX_NAME = 120
MAX_TITLE = 160
MAX_BIO = 4000
MAX_URL = 2048
MAX_PHONE = 40
MAX_MENTEE_CAPACITY = 50
MAX_TERM_NAME = 80
MIN_TERM_NAME = 2
MAX_EMAIL = 254

_PHONE = re.compile(r"^\+?[0-9][0-9 ().\-/]*(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]+$")
_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Control characters other than newline and tab never belong in profile text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

Problems = list[tuple[str, str]]


def clean_line(value: str) -> str:
    """One-line text: Unicode NFC, whitespace runs collapsed to one space, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def clean_text(value: str) -> str:
    """Multi-line text: NFC, line endings normalised, trimmed."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


@functools.lru_cache(maxsize=65536)
def slugify(name: str) -> str:
    """`'  Heart   FAILURE '` and `'heart-failure'` both become `heart-failure`."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_ish = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_ish = ascii_ish.replace("'", "").replace("\u2019", "").lower()
    return _NOT_SLUG.sub("-", ascii_ish).strip("-")


def normalize_email(value: str) -> str:
    return value.strip().lower()


def valid_email(value: str) -> bool:
    """Whether a normalised address is one we accept (for accounts, imports and advisors)."""
    return len(value) <= MAX_EMAIL and _EMAIL.match(value) is not None


def url_problem(value: str) -> str | None:
    if len(value) > MAX_URL:
        return f"at most {MAX_URL} characters"
    try:
        parts = urlsplit(value)
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        return "must be an http(s) URL"
    return None


def term_name_problem(name: str) -> str | None:
    if not MIN_TERM_NAME <= len(name) <= MAX_TERM_NAME:
        return f"between {MIN_TERM_NAME} and {MAX_TERM_NAME} characters"
    if not slugify(name):
        return "must contain letters or digits"
    return None


def clean_profile(changes: Mapping[str, Any]) -> tuple[dict[str, Any], Problems]:
    """Normalise profile changes (blank text clears a field) and list every problem found.

    Keys are Person properties (name, title, rank, bio, photoUrl, phone, acceptingMentees,
    menteeCapacity, emailVisibility, phoneVisibility); a value of None clears the field.
    """
    cleaned: dict[str, Any] = {}
    problems: Problems = []

    def text(key: str, limit: int, *, multiline: bool = False) -> None:
        value = changes[key]
        if value is None:
            cleaned[key] = None
            return
        value = clean_text(value) if multiline else clean_line(value)
        if _CONTROL.search(value):
            problems.append((key, "contains control characters"))
        elif len(value) > limit:
            problems.append((key, f"at most {limit} characters"))
        cleaned[key] = value or None

    for key, value in changes.items():
        if key == "name":
            if value is None or not clean_line(value):
                problems.append(("name", "a name is required"))
            else:
                text("name", MAX_NAME)
        elif key == "title":
            text("title", MAX_TITLE)
        elif key == "bio":
            text("bio", MAX_BIO, multiline=True)
        elif key == "phone":
            text("phone", MAX_PHONE)
            phone = cleaned.get("phone")
            if phone is not None and not _PHONE.match(phone):
                problems.append(("phone", "not a valid phone number"))
        elif key == "photoUrl":
            url = None if value is None else value.strip() or None
            if url is not None and (problem := url_problem(url)):
                problems.append(("photoUrl", problem))
            cleaned["photoUrl"] = url
        elif key == "rank":
            if value is not None and value not in RANKS:
                problems.append(("rank", f"must be one of {', '.join(RANKS)}"))
            cleaned["rank"] = value
        elif key in ("emailVisibility", "phoneVisibility"):
            if value not in VISIBILITIES:
                problems.append((key, f"must be one of {', '.join(VISIBILITIES)}"))
            cleaned[key] = value
        elif key == "acceptingMentees":
            if not isinstance(value, bool):
                problems.append((key, "must be true or false"))
            cleaned[key] = value
        elif key == "menteeCapacity":
            if isinstance(value, bool) or not isinstance(value, int) or not (
                0 <= value <= MAX_MENTEE_CAPACITY
            ):
                problems.append((key, f"must be a whole number from 0 to {MAX_MENTEE_CAPACITY}"))
            cleaned[key] = value
        else:
            problems.append((key, "not a profile field"))
    return cleaned, problems
