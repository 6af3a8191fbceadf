"""Social text rules without a database: bodies, links, summaries, notification kinds."""

from __future__ import annotations

import pytest

from graph_db.errors import InvalidInput
from graph_db.notifications import KINDS, notify
from graph_db.people_records import PersonRecord
from resolvers.notifications import summary
from resolvers.posts import clean_body, links
from schema.notifications import NotificationKind


def person(name: str) -> PersonRecord:
    return PersonRecord(id=name.lower(), email=f"{name}@example.org", name=name)


def test_bodies_are_trimmed_plain_text() -> None:
    assert clean_body("  Hi\r\nthere\t!  ", field="body", max_chars=10) == "Hi\nthere\t!"
    for bad in ("", "   \n ", "x" * 11, "null\x00byte", "bidi\u202eswap"):
        with pytest.raises(InvalidInput) as error:
            clean_body(bad, field="body", max_chars=10)
        assert error.value.field == "body"


def test_links_are_found_in_order_without_trailing_punctuation() -> None:
    text = "See https://a.example/x?y=1, (http://b.example/z). Again https://a.example/x?y=1 and ftp://no"
    assert links(text) == ["https://a.example/x?y=1", "http://b.example/z"]
    assert links("just https:// and text") == []


@pytest.mark.parametrize(
    ("names", "count", "expected"),
    [
        (["Ada"], 1, "Ada liked your update"),
        (["Ada", "Ben"], 2, "Ada and Ben liked your update"),
        (["Ada", "Ben"], 3, "Ada and 2 others liked your update"),
        (["Ada"], 2, "Ada and 1 other liked your update"),
        ([], 12, "12 people liked your update"),
    ],
)
def test_summaries_group_actors(names: list[str], count: int, expected: str) -> None:
    assert summary("LIKE_POST", [person(n) for n in names], count) == expected


def test_every_notification_kind_is_in_the_graphql_enum() -> None:
    assert {kind.value for kind in NotificationKind} == set(KINDS)


def test_unknown_notification_kinds_are_refused() -> None:
    with pytest.raises(ValueError):
        notify("NOT_A_KIND", imports="a", recipients="[a]", actor="a", target="a")
    with pytest.raises(ValueError):
        notify("LIKE_POST'", imports="a", recipients="[a]", actor="a", target="a")
