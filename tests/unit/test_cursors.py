"""resolvers.pagination: cursors are opaque, and every one `encode_cursor` makes decodes to
its key again, whichever JSON writer made it."""

from __future__ import annotations

import base64
import json

import pytest

from graph_db.errors import InvalidInput
from resolvers.pagination import decode_cursor, encode_cursor

KEYS = [
    (1_767_225_600_000, "0b9e6a43-6f42-4c41-9d3b-8f0f2d8f6a10"),  # a post's (createdAt, id)
    ("Zoë Ødegård", 3),  # text beyond ASCII
    (0.1, -7),
    (2**70, "x"),  # beyond 64 bits: orjson refuses it, json writes it
    ('quote " and back\\slash', "\u2028"),
]


@pytest.mark.parametrize("key", KEYS)
def test_a_cursor_decodes_to_its_key(key: tuple[object, ...]) -> None:
    cursor = encode_cursor(key)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor  # URL-safe, unpadded
    assert decode_cursor(cursor, arity=len(key), field="after") == key


def test_cursors_made_by_json_dumps_still_decode() -> None:
    """Cursors clients hold from before (json.dumps' ASCII escapes) read the same."""
    key = ("Zoë", 5)
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    old = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert old != encode_cursor(key)
    assert decode_cursor(old, arity=2, field="after") == key


@pytest.mark.parametrize("cursor", ["", "not base64!", encode_cursor((1,)), encode_cursor((1, 2, 3))])
def test_anything_else_is_bad_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, arity=2, field="after")
