"""The edge's JSON (graph_api.errors): orjson where it reads and writes what json does, json
where it would not."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from graph_api.errors import decode_json, encode_json

READ_AS_JSON_READS = [
    b'{"query": "{ me { id } }", "variables": {"first": 10}}',
    b'{"a": 1, "a": 2}',  # the last duplicate wins
    b'{"n": 18446744073709551615, "m": -9223372036854775808}',
    b'{"n": 18446744073709551616}',  # beyond 64 bits: orjson would read a float
    b'{"n": -123456789012345678901234567890, "f": 1.5e-400}',
    b'{"s": "\\ud800", "t": "\\ud83d\\ude00 \\u00e9"}',  # a lone surrogate escape
    b'[NaN, Infinity, -Infinity, 1e400]',
    b'\xef\xbb\xbf{"bom": true}',
    '{"utf16": "é"}'.encode("utf-16"),
]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("raw", READ_AS_JSON_READS)
def test_decode_reads_what_json_reads(raw: bytes) -> None:
    assert same(decode_json(raw), json.loads(raw))
    if raw.isascii():  # as GET parameters arrive: text
        assert same(decode_json(raw.decode()), json.loads(raw.decode()))


@pytest.mark.parametrize(
    "raw", [b"", b"{", b'{"a": 1,}', b"[1,]", b"01", b'"\x1f"', b'"\xff"', b'{"a": 1} x', b"\x00"]
)
def test_decode_refuses_what_json_refuses(raw: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(raw)
    with pytest.raises(ValueError):  # UnicodeDecodeError is a ValueError too
        decode_json(raw)


def test_encode_writes_compact_utf8_in_key_order() -> None:
    data = {"z": "é \u2028 \x00 \" \\ /", "a": [1, True, None, 0.5, -0.0], "m": {"b": 1, "a": 2}}
    assert encode_json(data) == json.dumps(
        data, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()


@pytest.mark.parametrize("data", [{"big": 2**70}, {1: "not a string key"}, {"s": "\ud800"}])
def test_encode_leaves_to_json_what_orjson_refuses(data: dict[Any, Any]) -> None:
    assert json.loads(encode_json(data)) == json.loads(json.dumps(data))
