"""Profile field rules shared by updateProfile and the directory import (no database)."""

from __future__ import annotations

import pytest

from graph_db.profile_fields import (
    clean_profile,
    normalize_email,
    slugify,
    term_name_problem,
    url_problem,
    valid_email,
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [("  Heart   FAILURE ", "heart-failure"), ("heart-failure", "heart-failure"),
     ("Alzheimer's Disease", "alzheimers-disease"), ("Café Crème", "cafe-creme"),
     ("COVID-19", "covid-19"), ("Diversity, Equity and Inclusion", "diversity-equity-and-inclusion")],
)
def test_slugs_normalise_case_spacing_accents_and_punctuation(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://photos.example.org/a.jpg", True), ("http://x.org/a", True),
     ("javascript:alert(1)", False), ("ftp://x.org/a", False), ("https://", False),
     ("https://x.org/a b", False), ("https://x.org/" + "a" * 3000, False)],
)
def test_photo_urls(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_clean_profile_normalises_and_lists_every_problem() -> None:
    cleaned, problems = clean_profile({
        "name": "  Ada \t Chen ", "title": "", "bio": "line\r\nnext", "phone": "+1 (617) 555-0100 x12",
        "rank": "PROFESSOR", "acceptingMentees": True, "menteeCapacity": 3,
        "emailVisibility": "CONNECTIONS",
    })
    assert problems == []
    assert cleaned == {
        "name": "Ada Chen", "title": None, "bio": "line\nnext", "phone": "+1 (617) 555-0100 x12",
        "rank": "PROFESSOR", "acceptingMentees": True, "menteeCapacity": 3,
        "emailVisibility": "CONNECTIONS",
    }
    _, problems = clean_profile({
        "name": None, "rank": "KING", "phone": "call me", "menteeCapacity": True,
        "phoneVisibility": "FRIENDS", "acceptingMentees": "yes", "bio": "x\x00", "shoe": 1,
    })
    assert sorted(field for field, _ in problems) == [
        "acceptingMentees", "bio", "menteeCapacity", "name", "phone", "phoneVisibility", "rank",
        "shoe",
    ]


def test_term_names() -> None:
    assert term_name_problem("Sepsis") is None
    assert term_name_problem("x") is not None
    assert term_name_problem("!!!") is not None
    assert term_name_problem("y" * 81) is not None


@pytest.mark.parametrize(("address", "ok"), [
    ("ada@uh.example.org", True),
    ("a" * 64 + "@x.org", True),
    ("a" * 65 + "@x.org", False),  # the local part is at most 64 characters (RFC 5321)
    ("a@" + "b" * 248 + ".org", True),  # 254 characters in all
    ("a@" + "b" * 249 + ".org", False),
    ("not-an-email", False),
    ("a@b", False),
    ("a@b.", False),
    ("a b@c.org", False),
    ("a@@c.org", False),
])
def test_one_email_rule_for_accounts_imports_and_advisors(address: str, ok: bool) -> None:
    assert valid_email(address) is ok


def test_emails_are_compared_trimmed_and_lower_cased() -> None:
    assert normalize_email("  Ada@UH.Example.org ") == "ada@uh.example.org"
