"""Two checkouts served side by side, measured in turns: `python -m bench.interleave`.

On a shared machine the CPU's speed drifts by a quarter within minutes (a fixed loop here
took 0.47 to 0.66 s), so two `make bench` runs minutes apart can differ by more than the
change they compare. This starts both services at once (this checkout and `--base`, e.g. a
`git worktree add /tmp/base <commit>`), each on its own copy of the same dataset, and loads
them in alternating short bursts (one at a time; the other idles), so that both see the same
drift. Per operation it prints each side's median req/s, p50 and CPU per request (the
service's processes: API workers and embedded database, then each alone), and the median
over the pairs of the ratios this/base: what changed, with the drift divided out. A change
to one side of the service shows most clearly in that side's CPU: the other side's noise
is left out of it.

Reads repeat the same requests. Writes (`like_post`...) do not: a like sent again changes
nothing and costs less, and a new one leaves work behind that later ones pay for (FalkorDB's
pending matrix changes), so each pair of bursts gets requests not sent before, the same on
both sides. Embedded FalkorDB only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import domains, load
from bench.cli import token_minter
from bench.dataset import GRAPH, ROOT, build
from bench.direct import DirectGraph
from bench.load import Prepared, RawConnection
from bench.registry import Fixtures
from bench.scales import parse_scale, with_missing
from bench.service import Service, cpu_seconds, running

# Writes prepared per burst second: more than either side sends.
MUTATIONS_PER_SECOND = 2_000


@dataclass(frozen=True)
class Burst:
    rps: float
    p50_ms: float
    cpu_ms: float  # per request, every process of the service
    api_ms: float  # ... the API's processes (`serve` and its workers)
    db_ms: float  # ... the embedded database


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.interleave", description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=Path, required=True, help="the other checkout (a git worktree)")
    p.add_argument("--scale", default="C")
    p.add_argument("--ops", default="profile_page,people_by_interest,group_page,like_post")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--burst", type=float, default=3.0, help="seconds per burst")
    p.add_argument("--pairs", type=int, default=8, help="bursts per side and operation")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cache-dir", type=Path, default=ROOT / ".bench-cache" / "interleave")
    p.add_argument("--env", action="append", default=[], metavar="GRAPH_API_NAME=VALUE",
                   type=setting, help="a setting both services get (repeat the flag for more)")
    return p.parse_args(argv)


def setting(text: str) -> tuple[str, str]:
    """`--env`'s value: a GRAPH_API_ setting and its value."""
    name, sep, value = text.partition("=")
    if not sep or not name.startswith("GRAPH_API_"):
        raise argparse.ArgumentTypeError(f"expected GRAPH_API_NAME=VALUE, not {text!r}")
    return name, value


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _base_dataset(args: argparse.Namespace) -> Path:
    """The base's dataset, built by that checkout's own code (its bench, `--build-only`)."""
    cache = args.cache_dir / "base"
    subprocess.run(
        [sys.executable, "-m", "bench", "--scale", args.scale, "--build-only", "--cache-dir", str(cache)],
        cwd=args.base, check=True,
    )
    (found,) = sorted(cache.glob(f"{args.scale}-*/data"))
    return found


async def _this_dataset(args: argparse.Namespace) -> Path:
    scale = with_missing(parse_scale(args.scale, [], 7), [p for s in domains.STEPS for p in s.params])
    return (await build(scale, domains.STEPS, args.cache_dir / "this", rebuild=False, log=_log)).data_dir


def _service_cpu(service: Service) -> tuple[float, float]:
    """CPU seconds so far of the API's processes and of the database."""
    database = service.database_pid()
    api = sum(cpu_seconds(pid) for pid in service.api_pids())
    return api, cpu_seconds(database) if database is not None else 0.0


async def _burst(service: Service, requests: Sequence[Prepared], seconds: float, clients: int) -> Burst:
    host, port = service.url.removeprefix("http://").split(":")
    connections = [RawConnection(host, int(port)) for _ in range(clients)]
    latencies: list[float] = []
    stop = time.monotonic() + seconds

    async def client(first: int, connection: RawConnection) -> None:
        i = first
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _, body = await connection.post(requests[i % len(requests)])
            latencies.append(time.perf_counter() - started)
            if status != 200 or "errors" in json.loads(body):
                raise RuntimeError(f"{service.url}: {status} {body[:300]!r}")
            i += clients

    (api, db), began = _service_cpu(service), time.monotonic()
    try:
        await asyncio.gather(*(client(k, c) for k, c in enumerate(connections)))
    finally:
        for connection in connections:
            await connection.close()
    elapsed, (api_after, db_after) = time.monotonic() - began, _service_cpu(service)
    per_request = 1000 / len(latencies)
    api_ms, db_ms = (api_after - api) * per_request, (db_after - db) * per_request
    return Burst(len(latencies) / elapsed, statistics.median(latencies) * 1000, api_ms + db_ms, api_ms, db_ms)


def summary(name: str, base: Sequence[Burst], this: Sequence[Burst]) -> str:
    """One operation's line: each side's medians, and the median ratio over the pairs."""
    def median(bursts: Sequence[Burst], field: str) -> float:
        return statistics.median(getattr(b, field) for b in bursts)

    def ratio(field: str) -> float:
        pairs = zip(base, this, strict=True)
        return statistics.median(getattr(t, field) / getattr(b, field) for b, t in pairs)

    def side(bursts: Sequence[Burst]) -> str:
        return (
            f"{median(bursts, 'rps'):.0f} req/s, p50 {median(bursts, 'p50_ms'):.2f} ms, "
            f"{median(bursts, 'cpu_ms'):.2f} ms CPU/req (API {median(bursts, 'api_ms'):.2f}, "
            f"DB {median(bursts, 'db_ms'):.2f})"
        )

    return (
        f"{name}: base {side(base)} | this {side(this)} | this/base: req/s x{ratio('rps'):.2f}, "
        f"p50 x{ratio('p50_ms'):.2f}, CPU x{ratio('cpu_ms'):.2f} (API x{ratio('api_ms'):.2f}, "
        f"DB x{ratio('db_ms'):.2f})"
    )


async def run(args: argparse.Namespace, base_data: Path) -> int:
    sides = {"base": (args.base, base_data), "this": (ROOT, await _this_dataset(args))}
    run_dir = args.cache_dir / "run"
    with contextlib.ExitStack() as stack:
        services: dict[str, Service] = {}
        for side, (tree, data) in sides.items():
            copy = run_dir / side / "data"
            shutil.rmtree(copy.parent, ignore_errors=True)
            shutil.copytree(data, copy, ignore=shutil.ignore_patterns("*.sock", "graph-api.lock", "*.log"))
            services[side] = stack.enter_context(
                running(copy, extra_env=dict(args.env), workers=args.workers, source=tree)
            )
        graph = DirectGraph(services["this"].unix_socket, GRAPH)
        stack.callback(graph.close)
        fixtures = Fixtures(graph.ids, graph.query, parse_scale(args.scale, [], 7))
        token_for = token_minter()
        print(f"{args.concurrency} clients, {args.pairs} pairs of {args.burst:g}s bursts per operation; "
              f"base: {args.base}", flush=True)
        for name in [n.strip() for n in args.ops.split(",") if n.strip()]:
            op = domains.operation(name)
            size = op.page_sizes[0] if op.page_sizes else None
            requests = load.prepare(op, fixtures, count=400, page_size=size, seed=7, token_for=token_for)
            for service in services.values():  # warm both
                await _burst(service, requests, 1.0, args.concurrency)
            bursts: dict[str, list[Burst]] = {"base": [], "this": []}
            for pair in range(args.pairs):
                work = requests
                if op.mutation:
                    # A write sent again is not the same work (a second like changes nothing):
                    # each pair's bursts get requests not sent before, the same on both sides.
                    work = load.prepare(op, fixtures, count=int(args.burst * MUTATIONS_PER_SECOND),
                                        page_size=size, seed=1_000 + pair, token_for=token_for)
                for side in ("base", "this") if pair % 2 == 0 else ("this", "base"):
                    bursts[side].append(
                        await _burst(services[side], work, args.burst, args.concurrency)
                    )
            print(summary(op.label(size), bursts["base"], bursts["this"]), flush=True)
    shutil.rmtree(run_dir, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    args.base = args.base.resolve()
    return asyncio.run(run(args, _base_dataset(args)))


if __name__ == "__main__":
    sys.exit(main())
