"""`python -m bench.statement`: one read statement of graph_db, timed per viewer on the
benchmark dataset, straight on the database socket (no API). Finds the viewers a query is
slow for, and measures a query change without the HTTP and GraphQL layers in the way.

    .venv/bin/python -m bench.statement --scale M --query graph_db.feed:HOME_FEED
    .venv/bin/python -m bench.statement --scale M --query graph_db.posts:LIST_IN_GROUP \\
        --param group=@largest-group --param limit=21

Each of the first `--viewers` people (by id) is `$viewer`; `$at`/`$cursorId` are null (a
first page) unless given. `@largest-group` is the group with the most posts. One warm-up
pass, then `--repeats` passes; each viewer's median counts once. Prints p50/p90/p99/max
and the slowest viewers with the size of their network.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import domains
from bench.cli import CACHE, log
from bench.dataset import GRAPH, DatasetError, build
from bench.direct import DirectGraph
from bench.scales import parse_scale, with_missing
from bench.service import running
from bench.stats import percentile

NETWORK = (
    "MATCH (v:Person {id: $viewer}) RETURN size([(v)-[:FOLLOWS]->(f) | f]) AS follows, "
    "size([(v)-[:CONNECTED_WITH]->(c) | c]) AS connections, "
    "size([(v)-[:MEMBER_OF]->(g) | g]) AS groups, "
    "size([(v)-[:MEMBER_OF]->(:Group)<-[:IN_GROUP]-(p:Post) | p]) AS groupPosts"
)
LARGEST_GROUP = (
    "MATCH (g:Group)<-[:IN_GROUP]-(p:Post) WITH g, count(p) AS n "
    "RETURN g.id AS id ORDER BY n DESC, id LIMIT 1"
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.statement", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="S", help="S, M or a custom name (as python -m bench)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=N")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--query", required=True, metavar="MODULE:NAME",
                   help="a statement constant, e.g. graph_db.feed:HOME_FEED")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter (JSON value, else a string; @largest-group); repeatable")
    p.add_argument("--viewers", type=int, default=300, help="how many viewers (default 300)")
    p.add_argument("--repeats", type=int, default=3, help="measured passes (default 3)")
    p.add_argument("--slowest", type=int, default=5, help="slowest viewers listed (default 5)")
    p.add_argument("--cache-dir", type=Path, default=CACHE)
    return p


def load_statement(spec: str) -> str:
    module_name, _, name = spec.partition(":")
    if not module_name.startswith("graph_db") or not name:
        raise ValueError("--query must be graph_db.<module>:<CONSTANT>")
    value = getattr(importlib.import_module(module_name), name, None)
    if not isinstance(value, str):
        raise ValueError(f"{spec} is not a statement")
    return value


def parse_params(items: Sequence[str], graph: DirectGraph | None) -> dict[str, Any]:
    params: dict[str, Any] = {"at": None, "cursorId": None, "limit": 21}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--param {item!r}: expected KEY=VALUE")
        if raw == "@largest-group":
            if graph is None:
                raise ValueError("@largest-group needs the dataset")
            params[key] = graph.query(LARGEST_GROUP)[0]["id"]
            continue
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def measure(graph: DirectGraph, query: str, params: dict[str, Any], viewers: Sequence[str],
            repeats: int) -> dict[str, float]:
    """Each viewer's median time in ms (after one warm-up pass)."""
    times: dict[str, list[float]] = {v: [] for v in viewers}
    for rep in range(repeats + 1):
        for viewer in viewers:
            started = time.perf_counter()
            graph.query(query, {**params, "viewer": viewer})
            if rep:
                times[viewer].append((time.perf_counter() - started) * 1000)
    return {viewer: statistics.median(ms) for viewer, ms in times.items()}


async def run(args: argparse.Namespace) -> int:
    produced = [p for step in domains.STEPS for p in step.params]
    try:
        query = load_statement(args.query)
        scale = with_missing(parse_scale(args.scale, args.set, args.seed), produced)
        dataset = await build(scale, domains.STEPS, args.cache_dir, rebuild=False, log=log)
    except (ValueError, KeyError, DatasetError) as exc:
        log(f"bench.statement: {exc}")
        return 2
    run_dir = args.cache_dir / f"run-{os.getpid()}"
    data_dir = dataset.copy_for_run(run_dir / "data")
    try:
        with running(data_dir, extra_env={}) as service:
            graph = DirectGraph(service.unix_socket, GRAPH)
            try:
                params = parse_params(args.param, graph)
                viewers = graph.ids("Person")[: args.viewers]
                load = os.getloadavg()[0]
                per_viewer = measure(graph, query, params, viewers, args.repeats)
                ordered = sorted(per_viewer.values())
                print(f"\n{args.query} on scale {scale.name}, {len(viewers)} viewers, median of "
                      f"{args.repeats} passes each, load average {load:.2f}")
                print(f"params: {params}")
                print("  p50 ms   p90 ms   p99 ms   max ms")
                print(f"{percentile(ordered, 50):8.2f} {percentile(ordered, 90):8.2f} "
                      f"{percentile(ordered, 99):8.2f} {ordered[-1]:8.2f}")
                print("slowest viewers (follows, connections, groups, posts in their groups):")
                slowest = sorted(per_viewer.items(), key=lambda kv: kv[1], reverse=True)
                for viewer, ms in slowest[: args.slowest]:
                    size = graph.query(NETWORK, {"viewer": viewer})[0]
                    print(f"  {ms:8.2f} ms  {viewer}  {size['follows']}, {size['connections']}, "
                          f"{size['groups']}, {size['groupPosts']}")
            finally:
                graph.close()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
