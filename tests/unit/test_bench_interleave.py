"""bench.interleave's summary: medians per side, and the median of the paired ratios (the
machine's drift, shared by the two bursts of a pair, divides out)."""

from __future__ import annotations

import pytest

from bench.interleave import Burst, _args, summary


def test_the_ratio_is_the_median_over_pairs_not_the_ratio_of_medians() -> None:
    # The machine slows down pair by pair; "this" is 20% faster within every pair.
    # The API's CPU fell by a third, the database's did not move.
    base = [Burst(rps=100 / slow, p50_ms=10 * slow, cpu_ms=5 * slow, api_ms=3 * slow, db_ms=2 * slow)
            for slow in (1, 2, 3)]
    this = [Burst(rps=120 / slow, p50_ms=8 * slow, cpu_ms=4 * slow, api_ms=2 * slow, db_ms=2 * slow)
            for slow in (1, 2, 3)]
    line = summary("profile_page", base, this)
    assert line.startswith(
        "profile_page: base 50 req/s, p50 20.00 ms, 10.00 ms CPU/req (API 6.00, DB 4.00) | this 60 req/s"
    )
    assert line.endswith("this/base: req/s x1.20, p50 x0.80, CPU x0.80 (API x0.67, DB x1.00)")


def test_settings_given_with_env_reach_both_services_and_nothing_else_does() -> None:
    args = _args(["--base", "/tmp/base", "--env", "GRAPH_API_SESSION_CACHE_SECONDS=0",
                  "--env", "GRAPH_API_READ_PLANS=false"])
    assert dict(args.env) == {"GRAPH_API_SESSION_CACHE_SECONDS": "0", "GRAPH_API_READ_PLANS": "false"}
    for wrong in ("SESSION_CACHE_SECONDS=0", "GRAPH_API_SESSION_CACHE_SECONDS"):
        with pytest.raises(SystemExit):
            _args(["--base", "/tmp/base", "--env", wrong])
