"""The sliding-window arithmetic and client keys (both stores: tests/api/test_rate_limits.py)."""

from __future__ import annotations

import pytest

from graph_api.ratelimit import MemoryLimits, client_key, retry_after

T0 = 1_800_000_040.0  # 40 s into a one-minute window


def test_retry_after_formula_covers_both_cases() -> None:
    assert retry_after(3, previous=0, current=3, elapsed=40, window=60) == pytest.approx(20 + 20)
    # Previous window full, current empty, 5 s in: wait until 10 * (60 - e) / 60 + 1 <= 10.
    assert retry_after(10, previous=10, current=0, elapsed=5, window=60) == pytest.approx(1)


async def test_memory_store_keeps_at_most_max_keys() -> None:
    store = MemoryLimits(max_keys=100)
    for i in range(1_000):
        await store.hit(f"k{i}", 5, T0)
    assert len(store._keys) == 100


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        ("", "unknown"),
        ("testclient", "testclient"),
    ],
)
def test_client_key_groups_an_ipv6_subscriber(address: str, key: str) -> None:
    assert client_key(address) == key
