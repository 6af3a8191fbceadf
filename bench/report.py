"""The results table on stdout, the targets from the issue, and the JSON record."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Issue 5's targets, set for scale M on a 2-core machine.
TARGET_READ_P50_MS = 25.0
TARGET_OVERHEAD = 2.0
TARGET_PROFILE_RPS = 300.0
TARGET_PROFILE_OP = "profile_page"
TARGET_PEAK_MB = 400.0
# The domains' own targets beside issue 5's: (operation label, p50 ms at concurrency 1, issue).
DOMAIN_P50_TARGETS: tuple[tuple[str, float, str], ...] = (
    ("home_feed[first=20]", 25.0, "issue 6"),
    ("mentor_recommendations", 50.0, "issue 8"),
)
# Issue 14's targets, set for scale C on 2 cores with the load client on the same cores:
# (operation, page size, req/s at concurrency 32, database round trips per request).
ISSUE14_TARGETS: tuple[tuple[str, int | None, float, int], ...] = (
    ("profile_page", 10, 700.0, 1),
    ("people_by_interest", None, 700.0, 1),
    ("group_page", 20, 700.0, 1),
    ("like_post", None, 1000.0, 2),  # a write that notifies
)
ISSUE14_OPS = tuple(name for name, *_ in ISSUE14_TARGETS)
ISSUE14_P50_MS = 2.5


def _num(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def table(results: Sequence[Mapping[str, Any]]) -> str:
    """One row per operation and concurrency (medians over the repeats)."""
    header = ("operation", "conc", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors",
              "rt/req", "db ms", "api cpu ms", "db cpu ms", "others", "direct ms", "overhead")
    rows: list[tuple[str, ...]] = [header]
    for result in results:
        for conc, phase in result["phases"].items():
            first = conc == str(result["overhead_concurrency"])
            trips = _num(phase["round_trips"], 0) if phase["round_trips_min"] == phase[
                "round_trips_max"] else f"{phase['round_trips_min']}-{phase['round_trips_max']}"
            rows.append((
                result["operation"], conc, _num(phase["rps"]), _num(phase["p50_ms"], 2),
                _num(phase["p95_ms"], 2), _num(phase["p99_ms"], 2), _num(phase["errors"]), trips,
                _num(phase["db_ms"], 2), _num(phase.get("api_cpu_ms", math.nan), 2),
                _num(phase.get("db_cpu_ms", math.nan), 2),
                _num(phase.get("other_cores", math.nan), 2),
                _num(result["direct_ms"], 2) + ("*" if result["direct_source"] != "replay" else "")
                if first else "",
                _num(result["overhead"], 2) if first else "",
            ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def targets(
    results: Sequence[Mapping[str, Any]], peak_mb: float | None, page_checks: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Measured against the issue's targets (met: True/False, or None when not measurable yet)."""
    out: list[dict[str, Any]] = []
    for result in results:
        if result["mutation"]:
            continue
        phase = result["phases"].get(str(result["overhead_concurrency"]))
        if phase is None:
            continue
        out.append({"target": f"{result['operation']}: p50 at concurrency 1 < {TARGET_READ_P50_MS:g} ms",
                    "measured": phase["p50_ms"], "met": phase["p50_ms"] < TARGET_READ_P50_MS})
        for label, limit, issue in DOMAIN_P50_TARGETS:
            if label == result["operation"]:
                out.append({"target": f"{label}: p50 at concurrency 1 < {limit:g} ms ({issue})",
                            "measured": phase["p50_ms"], "met": phase["p50_ms"] < limit})
        overhead = result["overhead"]
        out.append({"target": f"{result['operation']}: overhead ratio < {TARGET_OVERHEAD:g}",
                    "measured": overhead,
                    "met": None if math.isnan(overhead) else overhead < TARGET_OVERHEAD})
    for check in page_checks:
        shown = ", ".join(
            f"{size}: {lo}" if lo == hi else f"{size}: {lo}-{hi}"
            for size, (lo, hi) in check["round_trips"].items()
        )
        out.append({"target": f"{check['operation']}: round trips independent of page size",
                    "measured": shown, "met": check["ok"]})
    profile = [
        r for r in results
        if r["name"] == TARGET_PROFILE_OP and r.get("page_size") in (None, 10) and "32" in r["phases"]
    ]
    if profile:
        phase = profile[0]["phases"]["32"]
        out.append({"target": f"{TARGET_PROFILE_OP}: >= {TARGET_PROFILE_RPS:g} req/s at "
                              "concurrency 32, no errors",
                    "measured": phase["rps"],
                    "met": phase["rps"] >= TARGET_PROFILE_RPS and phase["errors"] == 0})
    else:
        out.append({"target": f"{TARGET_PROFILE_OP}: >= {TARGET_PROFILE_RPS:g} req/s at concurrency 32",
                    "measured": None, "met": None})
    out.append({"target": f"API peak memory < {TARGET_PEAK_MB:g} MB", "measured": peak_mb,
                "met": None if peak_mb is None else peak_mb < TARGET_PEAK_MB})
    return out


def issue14_targets(results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Issue 14's targets, measured; empty when the run has none of its operations."""
    by_variant = {(r["name"], r["page_size"]): r for r in results}
    if not any((name, size) in by_variant for name, size, *_ in ISSUE14_TARGETS):
        return []
    out: list[dict[str, Any]] = []
    for name, size, rps, trips in ISSUE14_TARGETS:
        label = name if size is None else f"{name}[first={size}]"
        phases = by_variant[(name, size)]["phases"] if (name, size) in by_variant else {}
        loaded, alone = phases.get("32"), phases.get("1")
        out.append({"target": f"{label}: >= {rps:,.0f} req/s at concurrency 32, no errors",
                    "measured": None if loaded is None else loaded["rps"],
                    "met": None if loaded is None else loaded["rps"] >= rps and loaded["errors"] == 0})
        out.append({"target": f"{label}: p50 at concurrency 1 <= {ISSUE14_P50_MS:g} ms",
                    "measured": None if alone is None else alone["p50_ms"],
                    "met": None if alone is None else alone["p50_ms"] <= ISSUE14_P50_MS})
        # -1: no response carried X-DB-Round-Trips, so there is nothing to compare.
        seen = [(p["round_trips_min"], p["round_trips_max"]) for p in phases.values()
                if p["round_trips_min"] >= 0]
        low, high = min((lo for lo, _ in seen), default=None), max((hi for _, hi in seen), default=None)
        out.append({"target": f"{label}: <= {trips} database round trip(s) per request",
                    "measured": None if high is None else f"{low}" if low == high else f"{low}-{high}",
                    "met": None if high is None else high <= trips})
    return out


def targets_text(rows: Sequence[Mapping[str, Any]]) -> str:
    marks = {True: "met", False: "MISSED", None: "n/a"}
    width = max(len(r["target"]) for r in rows)
    return "\n".join(
        f"  {r['target'].ljust(width)}  {_num(r['measured'], 2):>10}  {marks[r['met']]}" for r in rows
    )


def _backend_line(backend: Mapping[str, Any]) -> str:
    line = f"backend: {backend['name']}"
    if backend.get("database"):
        line += f" ({backend['database']})"
    if backend.get("api_workers", 1) > 1:
        line += f"; API in {backend['api_workers']} worker processes (CPU and memory summed)"
    if backend.get("load_seconds") is not None:
        line += f"; dataset loaded afresh in {backend['load_seconds']:.0f}s"
    before = backend.get("load_average_before_measuring")
    if before:
        line += f"; load average when measuring began {before[0]:.2f}"
    return line


def _load_averages(record: Mapping[str, Any]) -> str:
    machine = record["machine"]
    began = (record.get("backend") or {}).get("load_average_before_measuring") or machine[
        "load_average_before"]
    shown = ["/".join(f"{v:.2f}" for v in load) for load in (began, machine["load_average_after"])]
    return (f"load average (1/5/15 min) {shown[0]} when measuring began, {shown[1]} after, "
            f"on {machine['cores']} cores")


def summary(record: Mapping[str, Any], path: Path) -> str:
    """What a person reads after a run: the table, checks, memory, gaps, targets, verdict."""
    scale, settings = record["scale"], record["settings"]
    built = ", ".join(f"{k}={v:,}" for k, v in scale["params"].items() if k not in scale["missing"])
    cores = record["machine"]["cores"]
    lines = [
        "",
        f"graph-api bench: scale {scale['name']} ({built}), {cores} cores, medians of "
        f"{settings['repeats']} run(s), <= {settings['requests']} requests or "
        f"{settings['duration']:g}s per phase",
        _backend_line(record.get("backend") or {"name": "falkordb"}),
    ]
    if scale["missing"]:
        lines.append("not built yet (no generator takes the parameter): "
                     + ", ".join(f"{k}={scale['params'][k]:,}" for k in scale["missing"]))
    derived = record["dataset"].get("derived") or {}
    if derived:
        lines.append("also in the data (numbers chosen by the generators, checked on reuse): "
                     + ", ".join(f"{k}={v:,}" for k, v in sorted(derived.items())))
    lines += [
        "", table(record["results"]), "",
        "rt/req: database round trips per request; db ms: in-service database time (Server-Timing:",
        "  the sum of awaited driver calls, so it includes event-loop and pool waits under load);",
        "api cpu ms, db cpu ms: CPU time per request (user + system, from /proc) of the API",
        "  processes (every worker's) and of the database process; others: cores that other",
        "  processes on the machine kept busy during the phase (noise on a shared machine);",
        "direct ms: sampled requests' exact Cypher replayed on the database socket (median;",
        "  * = the service's own statement timing, for writes that cannot be replayed);",
        "overhead: median over the sampled requests of (API latency / direct time), each request",
        f"  sent and replayed {settings['replay_repeats']}x at concurrency 1.",
    ]
    for check in record["page_size_checks"]:
        verdict = "ok" if check["ok"] else "FAILED"
        lines.append(f"page size check {check['operation']}: {verdict} {check['round_trips']}")
    machine = record["machine"]
    lines.append(f"load average (1 min) before/after: {machine['load_average_before'][0]:.2f}"
                 f"/{machine['load_average_after'][0]:.2f} on {cores} cores "
                 "(other processes compete with the service and the client)")
    memory = record["memory_mb"]
    lines.append(f"\npeak memory (VmHWM): API {_num(memory['api_peak'])} MB, "
                 f"database {_num(memory['database_peak'])} MB")
    for name, note in {r["name"]: r.get("pending") for r in record["results"]}.items():
        if note:
            lines.append(f"incomplete: {name}: {note}")
    for skipped in record["skipped"]:
        lines.append(f"not measured: {skipped['operation']}: {skipped['reason']}")
    if record["not_implemented"]:
        lines.append("canonical operations not implemented yet: " + ", ".join(
            f"{n['operation']} ({n['waits_for']})" for n in record["not_implemented"]))
    lines.append(f"\ntargets (issue 5, set for scale M on 2 cores; this run: {scale['name']}, "
                 f"{cores} cores):")
    lines.append(targets_text(record["targets"]))
    if record.get("targets_issue14"):
        workers = (record.get("backend") or {}).get("api_workers", 1)
        lines.append(f"\ntargets (issue 14, set for scale C on 2 cores, the load client on the same cores; "
                     f"this run: {scale['name']}, {cores} cores, {workers} API worker(s)):")
        lines.append(targets_text(record["targets_issue14"]))
        lines.append("  " + _load_averages(record))
    lines.append(f"\nresults: {path}")
    if record["problems"]:
        lines.append("\nFAILED:")
        lines += [f"  - {problem}" for problem in record["problems"]]
    return "\n".join(lines)


def write_json(path: Path, record: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)

    def clean(value: Any) -> Any:  # NaN is not JSON
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, Mapping):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        return value

    path.write_text(json.dumps(clean(record), indent=2) + "\n")
