"""Runs side by side (e.g. the two engines): `python -m bench.compare A.json B.json ...`.

Per operation and run: p50 at the lowest concurrency, req/s at the highest, the database's
CPU per request at the highest (the JVM's on Neo4j, the embedded server's on FalkorDB) and
the overhead ratio; above the table, each run's backend, scale, commit and load averages.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def _num(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):,.{digits}f}"


def _name(record: Mapping[str, Any]) -> str:
    return str((record.get("backend") or {}).get("name", "falkordb"))


def header(records: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = []
    for record in records:
        machine, backend = record["machine"], record.get("backend") or {}
        before = machine["load_average_before"]
        measuring = backend.get("load_average_before_measuring") or before
        loaded = backend.get("load_seconds")
        lines.append(
            f"{_name(record)}: scale {record['scale']['name']}, started {record['started'][:19]}Z, "
            f"commit {str(record.get('git', {}).get('commit', '?'))[:7]}, "
            f"load average before {before[0]:.2f} (1 min) / {before[1]:.2f} (5 min), "
            f"when measuring began {measuring[0]:.2f}, after {machine['load_average_after'][0]:.2f}, "
            f"{machine['cores']} cores"
            + (f"; dataset loaded in {loaded:.0f}s" if loaded is not None else "; cached dataset")
            + ("" if record.get("ok") else "; the run reported problems")
        )
    return lines


def table(records: Sequence[Mapping[str, Any]]) -> str:
    names = [_name(r) for r in records]
    low = [min(int(c) for c in r["settings"]["concurrency"]) for r in records]
    high = [max(int(c) for c in r["settings"]["concurrency"]) for r in records]
    columns = ["operation"]
    for name, lo, hi in zip(names, low, high, strict=True):
        columns += [f"{name} p50 ms c={lo}", f"{name} req/s c={hi}", f"{name} db cpu ms c={hi}",
                    f"{name} overhead"]
    by_op: dict[str, list[Mapping[str, Any] | None]] = {}
    for i, record in enumerate(records):
        for result in record["results"]:
            by_op.setdefault(result["operation"], [None] * len(records))[i] = result
    rows = [columns]
    for operation, results in by_op.items():
        row = [operation]
        for result, lo, hi in zip(results, low, high, strict=True):
            if result is None:
                row += ["-"] * 4
                continue
            slow, busy = result["phases"].get(str(lo), {}), result["phases"].get(str(hi), {})
            errors = int(slow.get("errors", 0)) + int(busy.get("errors", 0))
            row += [_num(slow.get("p50_ms"), 2), _num(busy.get("rps"), 1) + (" E" if errors else ""),
                    _num(busy.get("db_cpu_ms"), 2), _num(result.get("overhead"), 2)]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                               for i, c in enumerate(row)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    p.add_argument("records", nargs="+", type=Path, help="bench/results/*.json")
    args = p.parse_args(argv)
    records = [json.loads(path.read_text()) for path in args.records]
    print("\n".join(header(records)))
    print()
    print(table(records))
    print("\nE: the run had failed requests at one of the two levels (see its report).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
