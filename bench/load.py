"""A bounded asyncio load generator: N workers over one keep-alive pool, stops by itself."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bench.registry import Call, Check, Fixtures, Operation
from bench.stats import Sample

_SERVER_TIMING_DB = re.compile(r"(?:^|,)\s*db;dur=([0-9.]+)")


@dataclass(frozen=True)
class Prepared:
    """A request ready to send: encoded before the clock starts, so the client stays cheap."""

    call: Call
    body: bytes
    headers: Mapping[str, str]


def prepare(
    op: Operation, fixtures: Fixtures, *, count: int, page_size: int | None, seed: int,
    token_for: Callable[[str], str],
) -> list[Prepared]:
    """`count` deterministic requests of `op` (the same seed gives the same requests)."""
    rng = random.Random(f"{op.name}:{page_size}:{seed}")
    text = op.text
    out = []
    for _ in range(count):
        call = op.variables(fixtures, rng, page_size)
        headers = {"content-type": "application/json"}
        if call.viewer is not None:
            headers["authorization"] = f"Bearer {token_for(call.viewer)}"
        body = json.dumps({"query": text, "variables": call.variables}).encode()
        out.append(Prepared(call, body, headers))
    return out


def evaluate(
    status: int, body: bytes, headers: Mapping[str, str], call: Call, check: Check
) -> tuple[str | None, dict[str, Any] | None]:
    """The error in a response (None if it is a correct answer) and its decoded JSON."""
    try:
        decoded = json.loads(body)
    except ValueError:
        return f"HTTP {status}: not JSON", None
    if not isinstance(decoded, dict):
        return f"HTTP {status}: not a JSON object", None
    errors = decoded.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) and errors else {}
        code = (first.get("extensions") or {}).get("code", "?") if isinstance(first, dict) else "?"
        message = first.get("message", "") if isinstance(first, dict) else str(first)
        return f"HTTP {status} {code}: {message}", decoded
    if status != 200:
        return f"HTTP {status}", decoded
    data = decoded.get("data")
    if not isinstance(data, dict):
        return "response has no data", decoded
    problem = check(data, call)
    return (f"unexpected shape: {problem}" if problem else None), decoded


def round_trips(headers: Mapping[str, str]) -> int | None:
    raw = headers.get("x-db-round-trips")
    return int(raw) if raw is not None and raw.isdigit() else None


def db_ms(headers: Mapping[str, str]) -> float | None:
    match = _SERVER_TIMING_DB.search(headers.get("server-timing", ""))
    return float(match.group(1)) if match else None


def client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, timeout=30.0,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    )


async def send(http: httpx.AsyncClient, request: Prepared, check: Check) -> Sample:
    started = time.perf_counter()
    try:
        response = await http.post("/graphql", content=request.body, headers=request.headers)
        seconds = time.perf_counter() - started
    except httpx.HTTPError as exc:
        return Sample(time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")
    error, _ = evaluate(response.status_code, response.content, response.headers, request.call, check)
    return Sample(seconds, error, round_trips(response.headers), db_ms(response.headers))


async def run_phase(
    http: httpx.AsyncClient, requests: Sequence[Prepared], check: Check, *,
    concurrency: int, duration: float,
) -> tuple[list[Sample], float]:
    """Send `requests` in order from `concurrency` workers until all are sent or time is up."""
    samples: list[Sample] = []
    position = 0
    started = time.perf_counter()
    deadline = started + duration

    async def worker() -> None:
        nonlocal position
        while position < len(requests) and time.perf_counter() < deadline:
            request = requests[position]
            position += 1
            samples.append(await send(http, request, check))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, time.perf_counter() - started


async def capture(
    http: httpx.AsyncClient, requests: Sequence[Prepared], check: Check
) -> tuple[list[list[dict[str, Any]]], list[str]]:
    """Each request's exact statements (X-Debug-Queries), plus any errors met on the way."""
    sequences, problems = [], []
    for request in requests:
        response = await http.post(
            "/graphql", content=request.body, headers={**request.headers, "x-debug-queries": "1"}
        )
        error, decoded = evaluate(
            response.status_code, response.content, response.headers, request.call, check
        )
        if error is not None:
            problems.append(error)
            continue
        assert decoded is not None
        queries = (decoded.get("extensions") or {}).get("queries")
        if not isinstance(queries, list):
            problems.append("the service did not expose its queries (GRAPH_API_EXPOSE_QUERIES)")
            continue
        sequences.append(queries)
    return sequences, problems
