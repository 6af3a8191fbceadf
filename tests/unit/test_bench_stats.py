"""The bench's own maths and guards (the benchmark itself never runs in `make test`)."""

from __future__ import annotations

import json
import math

import pytest

from bench import domains, load, report
from bench.registry import Call
from bench.scales import M, S, parse_scale, with_missing
from bench.stats import (
    Phase,
    Sample,
    dataset_problems,
    error_problems,
    median_phase,
    overhead_ratio,
    page_size_problem,
    percentile,
    summarize,
)


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order does not matter
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_summarize_counts_errors_rate_round_trips_and_db_time() -> None:
    samples = [Sample(0.001 * (i + 1), round_trips=2, db_ms=0.5) for i in range(9)]
    samples.append(Sample(0.5, error="HTTP 500"))
    phase = summarize(samples, elapsed=2.0)
    assert (phase.requests, phase.errors, phase.rps) == (10, 1, 5.0)
    assert phase.p50_ms == pytest.approx(5.5)
    assert phase.round_trips == 2
    assert (phase.round_trips_min, phase.round_trips_max) == (2, 2)
    assert phase.db_ms == 0.5


def _phase(p50: float, errors: int = 0, rt: tuple[int, int] = (1, 1)) -> Phase:
    return Phase(requests=100, errors=errors, rps=1000 / p50, p50_ms=p50, p95_ms=p50 * 2,
                 p99_ms=p50 * 3, mean_ms=p50, round_trips=rt[0], round_trips_min=rt[0],
                 round_trips_max=rt[1], db_ms=math.nan)


def test_median_over_repeats_sums_counts_and_widens_round_trip_bounds() -> None:
    combined = median_phase([_phase(3.0), _phase(1.0, errors=1, rt=(1, 2)), _phase(2.0)])
    assert combined.p50_ms == 2.0
    assert combined.requests == 300
    assert combined.errors == 1
    assert (combined.round_trips_min, combined.round_trips_max) == (1, 2)
    assert math.isnan(combined.db_ms)


def test_any_errored_request_is_a_failure() -> None:
    assert error_problems("op", [Sample(0.1)] * 5) == []
    [problem] = error_problems("op", [Sample(0.1, "HTTP 429"), Sample(0.1, "HTTP 429"), Sample(0.1)])
    assert problem.startswith("op: 2 request(s) failed") and "HTTP 429" in problem


def test_dataset_must_match_its_parameters_exactly() -> None:
    assert dataset_problems({"Person": 5, "FOLLOWS": 9}, {"Person": 5, "FOLLOWS": 9}) == []
    problems = dataset_problems({"Person": 5, "FOLLOWS": 9}, {"Person": 4})
    assert problems == [
        "dataset has 0 FOLLOWS, its parameters say 9",
        "dataset has 4 Person, its parameters say 5",
    ]


def test_round_trips_must_not_depend_on_page_size() -> None:
    assert page_size_problem("feed", {10: _phase(1.0, rt=(3, 3)), 100: _phase(2.0, rt=(3, 3))}) is None
    problem = page_size_problem("feed", {10: _phase(1.0, rt=(3, 3)), 100: _phase(2.0, rt=(3, 12))})
    assert problem is not None and "first=100: 3-12" in problem
    # Fewer round trips for some drawn data (an empty list needs no batch) is not page size.
    assert page_size_problem("profile", {10: _phase(1.0, rt=(6, 8)), 100: _phase(2.0, rt=(7, 8))}) is None
    assert page_size_problem("profile", {10: _phase(1.0, rt=(6, 8)), 100: _phase(2.0, rt=(6, 9))})


def test_overhead_ratio() -> None:
    assert overhead_ratio(3.0, 1.5) == 2.0
    assert math.isnan(overhead_ratio(3.0, 0.0))
    assert math.isnan(overhead_ratio(3.0, math.nan))


def _check(data: dict[str, object], call: Call) -> str | None:
    return None if data.get("node") == call.variables["id"] else "wrong node"


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, {"data": {"node": "a"}}, None),
        (200, {"data": {"node": "b"}}, "unexpected shape: wrong node"),
        (200, {"data": None, "errors": [{"message": "no", "extensions": {"code": "FORBIDDEN"}}]},
         "HTTP 200 FORBIDDEN: no"),
        (429, {"errors": [{"message": "slow down", "extensions": {"code": "RATE_LIMITED"}}]},
         "HTTP 429 RATE_LIMITED: slow down"),
        (502, "not json", "HTTP 502: not JSON"),
        (200, [], "HTTP 200: not a JSON object"),
        (200, {}, "response has no data"),
    ],
)
def test_every_response_is_checked(status: int, body: object, error: str | None) -> None:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    assert load.evaluate(status, raw, {}, Call({"id": "a"}), _check)[0] == error


def test_server_headers_are_read() -> None:
    headers = {"x-db-round-trips": "3", "server-timing": 'db;dur=1.250;desc="3 round trips"'}
    assert load.round_trips(headers) == 3
    assert load.db_ms(headers) == 1.25
    assert load.round_trips({}) is None and load.db_ms({}) is None


def test_scales_and_custom_overrides() -> None:
    assert parse_scale("s").params == S and parse_scale("M").params == M
    assert S["people"] == 5_000 and M["likes"] == 2_500_000
    custom = parse_scale("S", ["people=1_000"])
    assert custom.name == "S-custom" and custom.params["people"] == 1000
    assert parse_scale("tiny", ["people=10"]).name == "tiny"
    for bad in (["people"], ["cats=1"], ["people=-1"], ["people=many"]):
        with pytest.raises(ValueError):
            parse_scale("S", bad)


def test_missing_domains_are_explicit_and_do_not_change_the_cache_key() -> None:
    scale = with_missing(parse_scale("S"), ["people"])
    assert scale.missing == ("posts", "likes", "follows", "mentorships", "groups",
                             "conversations", "messages")
    other_posts = with_missing(parse_scale("S", ["posts=1"]), ["people"])
    assert scale.cache_key("code") == other_posts.cache_key("code")  # posts are not built yet
    assert scale.cache_key("code") != scale.cache_key("changed code")
    fewer_people = with_missing(parse_scale("S", ["people=9"]), ["people"])
    assert scale.cache_key("code") != fewer_people.cache_key("code")


def test_registered_operations_have_documents_and_unique_names() -> None:
    names = [op.name for op in domains.OPERATIONS]
    assert len(names) == len(set(names))
    for op in domains.OPERATIONS:
        assert op.text.strip(), op.document
    produced = [p for step in domains.STEPS for p in step.params]
    assert len(produced) == len(set(produced))


def test_targets_report_misses_and_unmeasurable() -> None:
    phase = _phase(30.0).as_dict()
    result = {"operation": "person_node", "name": "person_node", "mutation": False,
              "overhead_concurrency": 1, "phases": {"1": phase}, "overhead": 1.5}
    rows = {r["target"]: r["met"] for r in report.targets([result], 500.0, [])}
    assert rows["person_node: p50 at concurrency 1 < 25 ms"] is False
    assert rows["person_node: overhead ratio < 2"] is True
    assert rows["API peak memory < 400 MB"] is False
    assert rows["profile_page: >= 300 req/s at concurrency 32"] is None


def test_page_size_check_is_reported_as_text() -> None:
    check = {"operation": "search_people", "ok": True, "round_trips": {"10": [3, 3], "100": [3, 4]}}
    [row] = [r for r in report.targets([], None, [check]) if "page size" in r["target"]]
    assert row["measured"] == "10: 3, 100: 3-4" and row["met"] is True
    assert "10: 3, 100: 3-4" in report.targets_text([row])


def test_statement_tool_takes_graph_db_statements_and_typed_params() -> None:
    from bench.statement import load_statement, parse_params
    from graph_db.feed import HOME_FEED

    assert load_statement("graph_db.feed:HOME_FEED") == HOME_FEED
    for wrong in ("graph_db.feed", "os:sep", "graph_db.feed:home_feed"):
        with pytest.raises(ValueError):
            load_statement(wrong)
    params = parse_params(["limit=5", "group=g-1", "flag=true"], None)
    assert params == {"at": None, "cursorId": None, "limit": 5, "group": "g-1", "flag": True}
    with pytest.raises(ValueError):
        parse_params(["nokey"], None)
