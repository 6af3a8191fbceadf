"""The bench's stdout report: the table's columns and issue 14's targets."""

from __future__ import annotations

import math
from typing import Any

from bench import report
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
