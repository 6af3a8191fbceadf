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
