"""`python -m bench` (`make bench BENCH_ARGS=...`): build or reuse data, serve, load, report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench import domains, load, on_neo4j, overhead, report
from bench.dataset import GRAPH, ROOT, DatasetError, build, verify
from bench.direct import Direct, DirectGraph
from bench.registry import Fixtures, Operation
from bench.scales import PARAMS, SCALES, parse_scale, with_missing
from bench.service import (
    JWT_SECRET,
    Service,
    cpu_seconds,
    machine_busy_seconds,
    peak_rss_mb,
    running,
)
from bench.stats import Phase, error_problems, median_phase, page_size_problem, summarize

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"


# `--preset NAME`: the defaults of a named comparison; flags given beside it still win.
PRESETS: dict[str, Callable[[], dict[str, Any]]] = {
    # Issue 14's: its dataset, its four operations, one API process per core.
    "issue14": lambda: {"scale": "C", "ops": ",".join(report.ISSUE14_OPS),
                        "workers": os.cpu_count() or 1, "concurrency": (1, 32)},
}


def _csv_ints(raw: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in raw.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {raw!r}") from None
    if not values or any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError("expected positive numbers")
    return values


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--preset", choices=sorted(PRESETS),
                   help="issue14: --scale C --ops " + ",".join(report.ISSUE14_OPS)
                        + " --workers <cores> --concurrency 1,32 (flags given beside it win)")
    p.add_argument("--scale", default="S", help="S (5,000 people), M (50,000 people), "
                   "C (issue 14's comparison: 10,000 people, 100,000 posts), or a custom name")
    p.add_argument("--set", action="append", default=[], metavar="KEY=N",
                   help=f"override a scale parameter ({', '.join(PARAMS)})")
    p.add_argument("--backend", choices=("falkordb", "neo4j"), default="falkordb",
                   help="falkordb: the embedded FalkorDB, dataset cached (default); neo4j: a real "
                        "Neo4j 5 from tools/neo4j (`make neo4j`) or GRAPH_API_NEO4J_URI, loaded "
                        "afresh each run through the same seed path")
    p.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    p.add_argument("--workers", type=int, default=1,
                   help="API processes (`graph-api serve --workers N`; default 1)")
    p.add_argument("--ops", help="comma-separated operations (default: all available)")
    p.add_argument("--concurrency", type=_csv_ints, default=(1, 32), help="levels (default 1,32)")
    p.add_argument("--duration", type=float, default=5.0, help="seconds per phase at most (default 5)")
    p.add_argument("--requests", type=int, default=3000, help="requests per phase at most (default 3000)")
    p.add_argument("--warmup", type=int, default=50, help="unmeasured requests per phase (default 50)")
    p.add_argument("--repeats", type=int, default=3, help="runs per phase; medians reported (default 3)")
    p.add_argument("--client", choices=("raw", "httpx"), default="raw",
                   help="load client: raw keep-alive HTTP/1.1 on httptools (default; cheap) or httpx")
    p.add_argument("--replay-samples", type=int, default=20,
                   help="requests whose Cypher is replayed directly per run (default 20)")
    p.add_argument("--replay-repeats", type=int, default=3,
                   help="API sends and direct replays of each sampled request (default 3)")
    p.add_argument("--env", action="append", default=[], metavar="GRAPH_API_X=V",
                   help="extra service setting, e.g. GRAPH_API_FALKORDB_POOL_SIZE=16")
    p.add_argument("--rebuild", action="store_true", help="rebuild the dataset even if cached")
    p.add_argument("--build-only", action="store_true", help="build/verify the dataset and stop")
    p.add_argument("--list", action="store_true", help="show scales, data steps and operations")
    p.add_argument("--cache-dir", type=Path, default=CACHE)
    p.add_argument("--results-dir", type=Path, default=RESULTS)
    return p


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, with `--preset`'s defaults under the flags given explicitly."""
    p = parser()
    args = p.parse_args(argv)
    if args.preset:
        p.set_defaults(**PRESETS[args.preset]())
        args = p.parse_args(argv)
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _listing() -> str:
    lines = ["scales:"]
    for name, params in SCALES.items():
        lines.append(f"  {name}: " + ", ".join(f"{k}={v:,}" for k, v in params.items()))
    lines.append("data steps:")
    for step in domains.STEPS:
        lines.append(f"  {step.name}: produces {', '.join(step.params)}")
    produced = {p for step in domains.STEPS for p in step.params}
    unproduced = ", ".join(p for p in PARAMS if p not in produced) or "none"
    lines.append(f"parameters without a generator yet: {unproduced}")
    lines.append("operations:")
    for op in domains.OPERATIONS:
        sizes = f" page sizes {', '.join(map(str, op.page_sizes))}" if op.page_sizes else ""
        lines.append(f"  {op.name} ({op.domain}, {op.document}){sizes}")
    lines.append("canonical operations not yet implemented: " + (", ".join(
        f"{name} ({waits})" for name, waits in domains.CANONICAL
        if name not in {op.name for op in domains.OPERATIONS}) or "none"))
    lines.append("presets (--preset NAME):")
    for name, defaults in PRESETS.items():
        lines.append(f"  {name}: " + " ".join(f"--{k} {_flag(v)}" for k, v in defaults().items()))
    return "\n".join(lines)


def _flag(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _git() -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True, check=True).stdout.strip())
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {}


async def _capabilities(service: Service, fixtures: Fixtures, token_for: Any) -> tuple[set[str], str | None]:
    """Schema coordinates the server has, and why viewers cannot sign in (None if they can)."""
    async with load.client(service.url, 1) as http:
        response = await http.post("/graphql", json={"query": (
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }")})
        schema = response.json()["data"]["__schema"]
        coords = {f"Query.{f['name']}" for f in schema["queryType"]["fields"]}
        if schema.get("mutationType"):
            coords |= {f"Mutation.{f['name']}" for f in schema["mutationType"]["fields"]}
        person = fixtures.ids("Person")[0]
        probe = await http.post(
            "/graphql", json={"query": "{ me { id } }"},
            headers={"authorization": f"Bearer {token_for(person)}"},
        )
        body = probe.json()
        if body.get("errors"):
            return coords, f"viewers cannot sign in: {body['errors'][0].get('message')}"
        if not (body.get("data") or {}).get("me"):
            return coords, "viewers cannot sign in: `me` is null for a valid token"
        return coords, None


def token_minter() -> Any:
    from resolvers.tokens import TokenConfig, issue_access_token

    config = TokenConfig(secret=JWT_SECRET, access_token_seconds=24 * 3600)
    cache: dict[str, str] = {}

    def token_for(person_id: str) -> str:
        if person_id not in cache:
            cache[person_id] = issue_access_token(
                config, person_id, now_ms=int(time.time() * 1000)
            ).token
        return cache[person_id]

    return token_for


async def _phase(
    args: argparse.Namespace, service: Service, db_pid: int | None, op: Operation,
    size: int | None, conc: int, fixtures: Fixtures, token_for: Any, *, seed: int,
    problems: list[str],
) -> Phase:
    """A warm-up, then one measured phase of `op` at concurrency `conc`."""
    label = op.label(size)
    requests = load.prepare(
        op, fixtures, count=args.warmup + args.requests, page_size=size, seed=seed,
        token_for=token_for,
    )
    async with load.Load(service.url, conc, engine=args.client) as generator:
        connections: list[Any] = []
        warm, _ = await load.run_phase(
            generator, requests[: args.warmup], op.check, concurrency=conc, duration=math.inf,
            connections=connections,
        )
        before = _cpu(service, db_pid)
        samples, elapsed = await load.run_phase(
            generator, requests[args.warmup:], op.check, concurrency=conc,
            duration=args.duration, connections=connections,
        )
        after = _cpu(service, db_pid)
    problems += error_problems(f"{label} warm-up at concurrency {conc}", warm)
    problems += error_problems(f"{label} at concurrency {conc}", samples)
    api, db, client, machine = (a - b for a, b in zip(after, before, strict=True))
    per_request = 1000 / max(len(samples), 1)
    return dataclasses.replace(
        summarize(samples, elapsed), api_cpu_ms=api * per_request, db_cpu_ms=db * per_request,
        client_cpu_ms=client * per_request,
        other_cores=max(0.0, machine - api - db - client) / elapsed if elapsed > 0 else math.nan,
    )


async def _measure(
    args: argparse.Namespace, service: Service, graph: Direct, ops: Sequence[Operation],
    fixtures: Fixtures, token_for: Any, problems: list[str],
) -> list[dict[str, Any]]:
    runs: dict[tuple[str, int | None], dict[int, list[Phase]]] = {}
    directs: dict[tuple[str, int | None], list[overhead.Overhead]] = {}
    overhead_c = min(args.concurrency)
    db_pid = service.database_pid()
    for repeat in range(args.repeats):
        for op in ops:
            for size in op.variants:
                key = (op.name, size)
                label = op.label(size)
                for conc in args.concurrency:
                    phase = await _phase(
                        args, service, db_pid, op, size, conc, fixtures, token_for,
                        seed=repeat * 1000 + conc, problems=problems,
                    )
                    runs.setdefault(key, {}).setdefault(conc, []).append(phase)
                    log(f"  run {repeat + 1}/{args.repeats} {label} c={conc}: {phase.requests} req, "
                        f"{phase.rps:,.0f} req/s, p50 {phase.p50_ms:.2f} ms, errors {phase.errors}")
                directs.setdefault(key, []).append(await _overhead(
                    args, service, graph, op, size, fixtures, token_for, repeat, problems
                ))
    results = []
    for op in ops:
        for size in op.variants:
            key = (op.name, size)
            phases = {str(c): median_phase(runs[key][c]).as_dict() for c in args.concurrency}
            paired = directs[key]
            results.append({
                "operation": op.label(size), "name": op.name, "page_size": size,
                "domain": op.domain, "mutation": op.mutation, "pending": op.pending,
                "phases": phases,
                "runs": {str(c): [p.as_dict() for p in runs[key][c]] for c in args.concurrency},
                "direct_ms": _median([o.direct_ms for o in paired]),
                "overhead_api_ms": _median([o.api_ms for o in paired]),
                "overhead": _median([o.ratio for o in paired]),
                "direct_source": paired[-1].source, "overhead_concurrency": overhead_c,
                "overhead_runs": [o.as_dict() for o in paired],
            })
    return results


def _cpu(service: Service, db_pid: int | None) -> tuple[float, float, float, float]:
    api = sum(cpu_seconds(pid) for pid in service.api_pids())  # every worker's
    return (api, cpu_seconds(db_pid), time.process_time(), machine_busy_seconds())


async def _overhead(
    args: argparse.Namespace, service: Service, graph: Direct, op: Operation, size: int | None,
    fixtures: Fixtures, token_for: Any, repeat: int, problems: list[str],
) -> overhead.Overhead:
    """The same requests' Cypher without the API: captured, then replayed on the socket."""
    requests = load.prepare(op, fixtures, count=args.replay_samples, page_size=size,
                            seed=10_000 + repeat, token_for=token_for)
    found, errors = await overhead.measure(
        service.url, graph, op, requests, repeats=args.replay_repeats, engine=args.client
    )
    problems += [f"{op.label(size)} (overhead sample): {e}" for e in list(dict.fromkeys(errors))[:3]]
    return found


def _median(values: Sequence[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return statistics.median(finite) if finite else math.nan


def _remove_stale_runs(cache_dir: Path) -> None:
    """Run copies left by a bench that was killed (its pid is gone)."""
    for stale in cache_dir.glob("run-*"):
        pid = stale.name.removeprefix("run-").split(".")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(stale, ignore_errors=True)


def _select(args: argparse.Namespace) -> list[Operation]:
    if not args.ops:
        return list(domains.OPERATIONS)
    return [domains.operation(name.strip()) for name in args.ops.split(",") if name.strip()]


async def run(args: argparse.Namespace) -> int:
    produced = [p for step in domains.STEPS for p in step.params]
    try:
        scale = with_missing(parse_scale(args.scale, args.set, args.seed), produced)
        selected = _select(args)
    except ValueError as exc:
        log(f"bench: {exc}")
        return 2
    except KeyError as exc:
        log(f"bench: {exc.args[0]}")
        return 2
    log(f"scale {scale.name}: " + ", ".join(f"{k}={v:,}" for k, v in scale.params.items()))
    if scale.missing:
        log("  NOT BUILT (no generator step yet, their domains have not landed): "
            + ", ".join(f"{k}={scale.params[k]:,}" for k in scale.missing))
    started = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()
    problems: list[str] = []
    _remove_stale_runs(args.cache_dir)
    run_dir = args.cache_dir / f"run-{os.getpid()}"
    extra_env = dict(item.split("=", 1) for item in args.env)
    token_for = token_minter()
    backend: dict[str, Any] = {"name": args.backend}
    try:
        with contextlib.ExitStack() as stack:
            target: on_neo4j.Neo4jTarget | None = None
            if args.backend == "falkordb":
                dataset = await build(scale, domains.STEPS, args.cache_dir, rebuild=args.rebuild, log=log)
                if args.build_only:
                    return 0
                log(f"copying the dataset for this run into {run_dir}")
                data_dir = dataset.copy_for_run(run_dir / "data")
                service_env = extra_env
                backend["database"] = "embedded FalkorDB (the service's child process)"
            else:
                target = stack.enter_context(on_neo4j.started(run_dir / "neo4j"))
                log(f"neo4j up at {target.uri} "
                    + (f"(JVM pid {target.pid})" if target.pid else "(external: GRAPH_API_NEO4J_URI)"))
                dataset = await on_neo4j.load(scale, domains.STEPS, target, run_dir / "neo4j", log=log)
                if args.build_only:
                    return 0
                data_dir = run_dir / "data"  # the service's GRAPH_API_DATA_DIR, unused on Neo4j
                data_dir.mkdir(parents=True, exist_ok=True)
                service_env = {**target.service_env(), **extra_env}
                backend["database"] = (
                    f"Neo4j at {target.uri}, "
                    + ("the launcher's JVM (tools/neo4j)" if target.pid
                       else "external: its CPU is not measured")
                )
                backend["load_seconds"] = dataset.manifest.get("build_seconds")
            backend["load_average_before_measuring"] = os.getloadavg()
            backend["api_workers"] = args.workers
            service = stack.enter_context(running(
                data_dir, extra_env=service_env, embedded=target is None,
                db_pid=target.pid if target is not None else None, workers=args.workers,
            ))
            graph: Direct = (
                DirectGraph(service.unix_socket, GRAPH) if target is None
                else on_neo4j.Neo4jDirect(target)
            )
            stack.callback(graph.close)
            log(f"service up at {service.url} (pid {service.pid})")
            counts = verify(graph, dataset.expected)
            fixtures = Fixtures(graph.ids, graph.query, scale)
            coords, auth_problem = await _capabilities(service, fixtures, token_for)
            ops, skipped = [], []
            for op in selected:
                missing = [r for r in op.requires if r != "auth" and r not in coords]
                if "auth" in op.requires and auth_problem:
                    missing.append(auth_problem)
                if missing:
                    skipped.append({"operation": op.name, "reason": "; ".join(missing)})
                else:
                    ops.append(op)
            if args.ops and skipped:
                for s in skipped:
                    log(f"bench: {s['operation']} cannot run: {s['reason']}")
                return 2
            results = await _measure(args, service, graph, ops, fixtures, token_for, problems)
            # Verify again: the run must not have found a different dataset than it reports.
            if not any(op.mutation for op in ops):
                verify(graph, dataset.expected)
            api_mb = sum(peak_rss_mb(pid) or 0.0 for pid in service.api_pids())
            db_mb = peak_rss_mb(service.database_pid())
    except DatasetError as exc:
        log(f"bench: FAILED: {exc}")
        return 1
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)

    page_checks = []
    for op in ops:
        if len(op.page_sizes) > 1:
            by_size = {r["page_size"]: r for r in results if r["name"] == op.name}
            phase_by_size = {s: Phase(**by_size[s]["phases"][str(min(args.concurrency))]) for s in by_size}
            problem = page_size_problem(op.name, phase_by_size)
            page_checks.append({
                "operation": op.name, "ok": problem is None,
                "round_trips": {
                    str(s): [p.round_trips_min, p.round_trips_max] for s, p in phase_by_size.items()
                },
            })
            if problem:
                problems.append(problem)

    target_rows = report.targets(results, api_mb, page_checks)
    not_implemented = [
        {"operation": name, "waits_for": waits} for name, waits in domains.CANONICAL
        if name not in {op.name for op in domains.OPERATIONS}
    ]
    record = {
        "started": started.isoformat(), "machine": {
            "cores": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(),
            # Other processes on the machine compete with the service and the load client.
            "load_average_before": load_before, "load_average_after": os.getloadavg(),
        },
        "git": _git(), "backend": backend,
        "scale": {"name": scale.name, "params": dict(scale.params), "seed": scale.seed,
                  "missing": list(scale.missing)},
        "dataset": {"directory": str(dataset.directory), "counts": counts, "derived": dataset.derived,
                    "build_seconds": dataset.manifest.get("build_seconds")},
        "settings": {k: getattr(args, k) for k in (
            "preset", "concurrency", "duration", "requests", "warmup", "repeats", "replay_samples",
            "replay_repeats", "client")} | {"service_env": extra_env},
        "results": results, "page_size_checks": page_checks,
        "memory_mb": {"api_peak": api_mb, "database_peak": db_mb},
        "skipped": skipped, "not_implemented": not_implemented,
        "targets": target_rows, "targets_issue14": report.issue14_targets(results),
        "problems": problems, "ok": not problems,
    }
    out = args.results_dir / f"{started.strftime('%Y%m%dT%H%M%SZ')}-{scale.name}.json"
    report.write_json(out, record)
    print(report.summary(record, out.relative_to(ROOT) if out.is_relative_to(ROOT) else out))
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print(_listing())
        return 0
    if args.repeats < 3:
        log(f"note: {args.repeats} run(s); the reported figures are meant as medians of at least 3")
    if args.repeats < 1 or args.requests < 1 or args.duration <= 0 or args.warmup < 0:
        log("bench: --repeats, --requests and --duration must be positive")
        return 2
    for item in args.env:
        if not item.startswith("GRAPH_API_") or "=" not in item:
            log(f"bench: --env takes GRAPH_API_NAME=value, not {item!r}")
            return 2
    try:
        import uvloop

        factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = None
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(run(args))
    except KeyboardInterrupt:
        log("bench: interrupted")
        return 130
