"""The bench's stdout report: the table's columns and issue 14's targets."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

from bench import domains, report
from bench.cli import parse_args
from bench.stats import Phase


def _phase(rps: float, p50: float, rt: tuple[int, int] = (1, 1), errors: int = 0,
           api_cpu: float = math.nan, db_cpu: float = math.nan) -> dict[str, Any]:
    return Phase(requests=100, errors=errors, rps=rps, p50_ms=p50, p95_ms=p50 * 2,
                 p99_ms=p50 * 3, mean_ms=p50, round_trips=rt[0], round_trips_min=rt[0],
                 round_trips_max=rt[1], db_ms=0.4, api_cpu_ms=api_cpu, db_cpu_ms=db_cpu).as_dict()


def _result(name: str, size: int | None, phases: dict[str, dict[str, Any]],
            mutation: bool = False) -> dict[str, Any]:
    return {"operation": name if size is None else f"{name}[first={size}]", "name": name,
            "page_size": size, "mutation": mutation, "phases": phases,
            "overhead_concurrency": int(min(phases, key=int)), "overhead": 1.5, "direct_ms": 0.8,
            "direct_source": "replay"}


def _cell(header: str, row: str, column: str) -> str:
    """The cell under `column` (cells are right-aligned to their header)."""
    return row[: header.index(column) + len(column)].split()[-1]


def test_table_shows_api_and_database_cpu_per_request() -> None:
    result = _result("like_post", None, {"1": _phase(900.0, 1.1, api_cpu=1.234, db_cpu=0.456),
                                         "32": _phase(1500.0, 20.0, db_cpu=0.5)}, mutation=True)
    header, _, at1, at32 = report.table([result]).splitlines()
    assert [_cell(header, at1, c) for c in ("api cpu ms", "db cpu ms")] == ["1.23", "0.46"]
    assert [_cell(header, at32, c) for c in ("api cpu ms", "db cpu ms")] == ["-", "0.50"]
    assert _cell(header, at1, "direct ms") == "0.80"


def _issue14_results() -> list[dict[str, Any]]:
    return [
        _result("profile_page", 10, {"1": _phase(400.0, 2.4), "32": _phase(750.0, 40.0)}),
        _result("profile_page", 100, {"1": _phase(90.0, 9.0), "32": _phase(100.0, 300.0)}),
        _result("group_page", 20, {"1": _phase(380.0, 2.6, rt=(1, 3)), "32": _phase(699.9, 45.0)}),
        _result("like_post", None, {"1": _phase(400.0, 2.5, rt=(2, 2)),
                                    "32": _phase(1000.0, 30.0, rt=(1, 2), errors=1)}, mutation=True),
    ]


def test_issue14_targets_compare_each_operation_with_its_own_figures() -> None:
    rows = {r["target"]: (r["measured"], r["met"]) for r in report.issue14_targets(_issue14_results())}
    assert rows == {
        "profile_page[first=10]: >= 700 req/s at concurrency 32, no errors": (750.0, True),
        "profile_page[first=10]: p50 at concurrency 1 <= 2.5 ms": (2.4, True),
        "profile_page[first=10]: <= 1 database round trip(s) per request": ("1", True),
        # Not in this run: reported, not measured.
        "people_by_interest: >= 700 req/s at concurrency 32, no errors": (None, None),
        "people_by_interest: p50 at concurrency 1 <= 2.5 ms": (None, None),
        "people_by_interest: <= 1 database round trip(s) per request": (None, None),
        "group_page[first=20]: >= 700 req/s at concurrency 32, no errors": (699.9, False),
        "group_page[first=20]: p50 at concurrency 1 <= 2.5 ms": (2.6, False),
        "group_page[first=20]: <= 1 database round trip(s) per request": ("1-3", False),
        # 1,000 req/s is enough, but not with an errored request.
        "like_post: >= 1,000 req/s at concurrency 32, no errors": (1000.0, False),
        "like_post: p50 at concurrency 1 <= 2.5 ms": (2.5, True),
        "like_post: <= 2 database round trip(s) per request": ("1-2", True),
    }


def test_issue14_targets_need_its_operations_and_a_round_trip_header() -> None:
    assert report.issue14_targets([_result("person_node", None, {"1": _phase(500.0, 1.0)})]) == []
    unmeasured = _result("people_by_interest", None, {"1": _phase(500.0, 1.0, rt=(-1, -1))})
    rows = {r["target"]: (r["measured"], r["met"]) for r in report.issue14_targets([unmeasured])}
    assert rows["people_by_interest: <= 1 database round trip(s) per request"] == (None, None)
    assert rows["people_by_interest: >= 700 req/s at concurrency 32, no errors"] == (None, None)
    assert rows["people_by_interest: p50 at concurrency 1 <= 2.5 ms"] == (1.0, True)


def _record(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "scale": {"name": "C", "params": {"people": 10_000}, "missing": []},
        "settings": {"repeats": 1, "requests": 3000, "duration": 5.0, "replay_repeats": 3},
        "machine": {"cores": 2, "load_average_before": [1.0, 1.0, 1.0],
                    "load_average_after": [2.0, 1.4, 1.0]},
        "backend": {"name": "falkordb", "api_workers": 2,
                    "load_average_before_measuring": [1.5, 1.2, 0.9]},
        "dataset": {"derived": {}}, "results": results, "page_size_checks": [],
        "memory_mb": {"api_peak": 150.0, "database_peak": 300.0}, "skipped": [],
        "not_implemented": [], "targets": report.targets(results, 150.0, []),
        "targets_issue14": report.issue14_targets(results), "problems": [],
    }


def test_summary_prints_issue14_targets_with_the_load_average() -> None:
    text = report.summary(_record(_issue14_results()), Path("out.json"))
    block = text[text.index("targets (issue 14"):text.index("results: out.json")].splitlines()
    assert block[0] == ("targets (issue 14, set for scale C on 2 cores, the load client on the same "
                        "cores; this run: C, 2 cores, 2 API worker(s)):")
    assert block[1].startswith("  profile_page[first=10]: >= 700 req/s at concurrency 32, no errors")
    assert [line.split()[-2:] for line in block[1:13]] == [
        ["750.00", "met"], ["2.40", "met"], ["1", "met"],
        ["-", "n/a"], ["-", "n/a"], ["-", "n/a"],
        ["699.90", "MISSED"], ["2.60", "MISSED"], ["1-3", "MISSED"],
        ["1,000.00", "MISSED"], ["2.50", "met"], ["1-2", "met"],
    ]
    assert block[13] == ("  load average (1/5/15 min) 1.50/1.20/0.90 when measuring began, "
                         "2.00/1.40/1.00 after, on 2 cores")


def test_summary_has_no_issue14_block_without_its_operations() -> None:
    text = report.summary(_record([_result("person_node", None, {"1": _phase(500.0, 1.0)})]),
                          Path("out.json"))
    assert "targets (issue 5" in text and "issue 14" not in text


def test_issue14_preset_sets_its_run_and_explicit_flags_win() -> None:
    args = parse_args(["--preset", "issue14"])
    assert (args.scale, args.ops, args.workers, args.concurrency) == (
        "C", "profile_page,people_by_interest,group_page,like_post", os.cpu_count(), (1, 32))
    assert [domains.operation(name).name for name in args.ops.split(",")] == list(report.ISSUE14_OPS)
    mine = parse_args(["--workers", "1", "--preset", "issue14", "--concurrency", "1,8"])
    assert (mine.scale, mine.workers, mine.concurrency) == ("C", 1, (1, 8))
    plain = parse_args([])
    assert (plain.preset, plain.scale, plain.ops, plain.workers) == (None, "S", None, 1)
    with pytest.raises(SystemExit):
        parse_args(["--preset", "issue15"])
