"""The overhead ratio, paired per request: the API's latency for a request ÷ the time its
exact Cypher takes on the database alone.

For each sampled request: capture the statements it ran (X-Debug-Queries), send it again
`repeats` times at concurrency 1, replay its statements `repeats` times on the database
socket (after one warm-up pass), and take each side's median. The ratio reported is the
median over requests of api_i / direct_i, so variables with very different costs (a rare
and a common search word) are never compared with each other.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bench import load
from bench.direct import Direct, Statement
from bench.registry import Operation
from bench.stats import overhead_ratio


@dataclass(frozen=True)
class Overhead:
    api_ms: float  # median over sampled requests of each one's median API latency
    direct_ms: float  # the same for the direct replay
    ratio: float  # median over sampled requests of api_i / direct_i
    source: str  # replay | in-service (non-idempotent writes) | none
    samples: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


async def measure(
    url: str, graph: Direct, op: Operation, requests: Sequence[load.Prepared], *,
    repeats: int, engine: str,
) -> tuple[Overhead, list[str]]:
    async with load.client(url, 1) as http:
        captured, problems = await load.capture(http, requests, op.check)
    if not captured:
        return Overhead(math.nan, math.nan, math.nan, "none", 0), problems
    writes = any(q["kind"] != "read" for _, _, seq in captured for q in seq)
    if writes and not op.idempotent:
        # Neither side can be repeated as the same work (new ids, duplicates): one API
        # sample each, against the service's own timing of its statements.
        api = [seconds * 1000 for _, seconds, _ in captured]
        direct = [sum(Statement.from_exposed(q).service_ms for q in seq) for _, _, seq in captured]
        source = "in-service"
    else:
        api, direct = [], []
        async with load.Load(url, 1, engine=engine) as generator:
            conn = generator.connection()
            for request, _, seq in captured:
                statements = [Statement.from_exposed(q) for q in seq]
                samples = [await load.send(conn, request, op.check) for _ in range(repeats)]
                problems += [s.error for s in samples if s.error is not None]
                api.append(_median([s.seconds * 1000 for s in samples]))
                graph.run_sequence(statements, allow_writes=writes)  # warm-up
                direct.append(_median([
                    graph.run_sequence(statements, allow_writes=writes) * 1000
                    for _ in range(repeats)
                ]))
        source = "replay"
    ratios = [overhead_ratio(a, d) for a, d in zip(api, direct, strict=True)]
    finite = [r for r in ratios if not math.isnan(r)]
    return Overhead(_median(api), _median(direct), _median(finite), source, len(captured)), problems
