"""schema.base: an object's opaque id is "<type>:<id>" in unpadded url-safe base64, and
reads back to its type and id."""

from __future__ import annotations

import base64

import pytest

from schema.base import from_global_id, to_global_id

IDS = [
    ("Person", "3f1c2a7e-4b5d-4c1e-9a0b-1234567890ab"),
    ("Post", "a"), ("Post", "ab"), ("Post", "abc"),  # each padding length
    ("Interest", "interest-heart-failure"),
    ("Group", "??>>~~"),  # standard base64 would hold '+' and '/' here
    ("Person", "Zoë Ødegård"),  # beyond ASCII
]


@pytest.mark.parametrize(("type_name", "local_id"), IDS)
def test_an_id_is_its_type_and_id_in_unpadded_url_safe_base64(type_name: str, local_id: str) -> None:
    made = to_global_id(type_name, local_id)
    expected = base64.urlsafe_b64encode(f"{type_name}:{local_id}".encode()).decode().rstrip("=")
    assert made == expected
    assert not set(made) & set("+/=")
    assert from_global_id(made) == (type_name, local_id)
