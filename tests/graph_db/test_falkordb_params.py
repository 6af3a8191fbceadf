"""FalkorDB's parameter header is total: any value either round-trips through the real
server or is refused as InvalidInput before it is sent (property-based, hypothesis)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph_db.embedded import EmbeddedFalkorDB
from graph_db.errors import InvalidInput
from graph_db.falkordb import decode_result, encode_param, render

GRAPH = "param_roundtrip"
EXAMPLES = settings(
    max_examples=400, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Everything a GraphQL client can put in a value (JSON): scalars, lists, maps.
keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
storable_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | storable_text
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=20,
)


@pytest.fixture
def client(falkordb_server: EmbeddedFalkorDB) -> Iterator[redis.Redis]:
    conn = redis.Redis(unix_socket_path=falkordb_server.unix_socket, decode_responses=True)
    yield conn
    conn.close()


def round_trip(client: redis.Redis, value: Any) -> Any:
    reply = client.execute_command(
        "GRAPH.QUERY", GRAPH, render("RETURN $v AS v", {"v": value}), "--compact"
    )
    return decode_result(reply)[0]["v"]


def same(sent: Any, got: Any) -> bool:
    """Equal, except that FalkorDB prints doubles with 15 significant digits."""
    if isinstance(sent, float):
        return isinstance(got, float) and math.isclose(sent, got, rel_tol=1e-14, abs_tol=0.0)
    if isinstance(sent, list | tuple):
        return isinstance(got, list) and len(got) == len(sent) and all(map(same, sent, got))
    if isinstance(sent, dict):
        return isinstance(got, dict) and got.keys() == sent.keys() and all(
            same(v, got[k]) for k, v in sent.items()
        )
    return type(got) is type(sent) and got == sent


@EXAMPLES
@given(value=values)
def test_every_storable_value_round_trips(client: redis.Redis, value: Any) -> None:
    assert same(value, round_trip(client, value))


@EXAMPLES
@given(before=storable_text, after=storable_text, bad=st.sampled_from(["\x00", "\ud800", "\udfff"]))
def test_nul_and_unpaired_surrogates_are_refused_before_the_database(
    client: redis.Redis, before: str, after: str, bad: str
) -> None:
    text = before + bad + after
    for value in (text, [1, text], {"k": [text]}):
        with pytest.raises(InvalidInput):
            encode_param(value)


@pytest.mark.parametrize(
    "value", [2**63, -(2**63) - 1, 10**40, math.nan, math.inf, -math.inf, {"not a name": 1}]
)
def test_values_beyond_the_engine_are_refused(value: Any) -> None:
    with pytest.raises(InvalidInput):
        encode_param(value)


def test_the_header_cannot_be_escaped(client: redis.Redis) -> None:
    hostile = '" RETURN 1 AS v //\\'
    assert round_trip(client, hostile) == hostile
    assert round_trip(client, {"a": hostile, "b": ["\\", '"', "\\\""]}) == {
        "a": hostile, "b": ["\\", '"', "\\\""]
    }
