"""Percentiles, per-phase summaries, medians over repeats, and the guards against lying."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Sample:
    """One request as the client saw it."""

    seconds: float
    error: str | None = None  # transport, HTTP status, GraphQL error or shape mismatch
    round_trips: int | None = None  # X-DB-Round-Trips
    db_ms: float | None = None  # Server-Timing db;dur


@dataclass(frozen=True)
class Phase:
    """One operation at one concurrency level, one run."""

    requests: int
    errors: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    round_trips: float  # median per request
    round_trips_min: int
    round_trips_max: int
    db_ms: float  # median in-service database time per request
    # CPU time per request of the API process, the database process and the load client.
    api_cpu_ms: float = math.nan
    db_cpu_ms: float = math.nan
    client_cpu_ms: float = math.nan
    # Cores other processes on the machine kept busy during the phase (a shared box).
    other_cores: float = math.nan

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(samples: Sequence[Sample], elapsed: float) -> Phase:
    ms = [s.seconds * 1000 for s in samples]
    trips = [s.round_trips for s in samples if s.round_trips is not None]
    db = [s.db_ms for s in samples if s.db_ms is not None]
    return Phase(
        requests=len(samples),
        errors=sum(1 for s in samples if s.error is not None),
        rps=len(samples) / elapsed if elapsed > 0 else math.nan,
        p50_ms=percentile(ms, 50),
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        mean_ms=statistics.fmean(ms) if ms else math.nan,
        round_trips=statistics.median(trips) if trips else math.nan,
        round_trips_min=min(trips) if trips else -1,
        round_trips_max=max(trips) if trips else -1,
        db_ms=statistics.median(db) if db else math.nan,
    )


def median_phase(runs: Sequence[Phase]) -> Phase:
    """Field-by-field median over repeated runs; counts (requests, errors) are summed."""
    if not runs:
        raise ValueError("no runs to combine")
    values: dict[str, Any] = {}
    for f in fields(Phase):
        column = [getattr(run, f.name) for run in runs]
        if f.name in ("requests", "errors"):
            values[f.name] = sum(column)
        elif f.name == "round_trips_min":
            values[f.name] = min(column)
        elif f.name == "round_trips_max":
            values[f.name] = max(column)
        else:
            finite = [v for v in column if not math.isnan(v)]
            values[f.name] = statistics.median(finite) if finite else math.nan
    return Phase(**values)


# -- guards ----------------------------------------------------------------------------------


def error_problems(label: str, samples: Iterable[Sample], limit: int = 3) -> list[str]:
    """Every errored request is a failure; the first few distinct messages are shown."""
    errors = [s.error for s in samples if s.error is not None]
    if not errors:
        return []
    distinct = list(dict.fromkeys(errors))[:limit]
    return [f"{label}: {len(errors)} request(s) failed, e.g. " + " | ".join(distinct)]


def dataset_problems(expected: Mapping[str, int], actual: Mapping[str, int]) -> list[str]:
    """The dataset must hold exactly what its parameters say."""
    return [
        f"dataset has {actual.get(key, 0):,} {key}, its parameters say {want:,}"
        for key, want in sorted(expected.items())
        if actual.get(key, 0) != want
    ]


def page_size_problem(name: str, round_trips: Mapping[int, Phase]) -> str | None:
    """Round trips per request must not depend on the page size: the most any request of
    each size took must be the same. The fewest may differ with the data drawn (a member
    without posts needs no engagement read), not with the page size."""
    seen = {size: (p.round_trips_min, p.round_trips_max) for size, p in round_trips.items()}
    if len({hi for _, hi in seen.values()}) <= 1:
        return None
    shown = ", ".join(f"first={size}: {lo}-{hi}" for size, (lo, hi) in sorted(seen.items()))
    return f"{name}: database round trips per request change with page size ({shown})"


def overhead_ratio(api_p50_ms: float, direct_ms: float) -> float:
    if direct_ms <= 0 or math.isnan(direct_ms) or math.isnan(api_p50_ms):
        return math.nan
    return api_p50_ms / direct_ms
