"""A bounded asyncio load generator: N workers over one keep-alive pool, stops by itself."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httptools
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

    def http11(self, host: str) -> bytes:
        """The whole HTTP/1.1 request as bytes (for the raw client)."""
        lines = ["POST /graphql HTTP/1.1", f"host: {host}", f"content-length: {len(self.body)}"]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


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
    """httpx, for probes and query capture (and `--client httpx` load)."""
    return httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    )


REQUEST_TIMEOUT = 30.0
Response = tuple[int, Mapping[str, str], bytes]


class _Parsed:
    """httptools callbacks: one response's headers and body."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.complete = False
        self.keep_alive = False
        self.parser: httptools.HttpResponseParser | None = None

    def on_headers_complete(self) -> None:
        # Asked here, not once the message is complete: by then llhttp has reset the
        # message's state and answers False for every response (which cost a new TCP
        # connection, on both sides, per request).
        assert self.parser is not None
        self.keep_alive = self.parser.should_keep_alive()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete = True


class RawConnection:
    """One keep-alive HTTP/1.1 connection parsed by httptools (uvicorn's parser).

    httpx spends several times the service's own CPU per request at concurrency 32; on a
    2-core machine that CPU is taken from the service, so the load phases use this instead.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.opened = 0  # connections opened so far (1 when keep-alive works)

    async def post(self, request: Prepared) -> Response:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            if self._streams is None:
                self._streams = await asyncio.open_connection(self.host, self.port)
                self.opened += 1
            reader, writer = self._streams
            writer.write(request.http11(f"{self.host}:{self.port}"))
            parsed = _Parsed()
            parser = parsed.parser = httptools.HttpResponseParser(parsed)
            try:
                while not parsed.complete:
                    data = await reader.read(65536)
                    if not data:
                        raise ConnectionError("the server closed the connection")
                    parser.feed_data(data)
            except BaseException:
                await self.close()
                raise
            finally:
                parsed.parser = None  # parser and callbacks refer to each other: not a cycle to collect
            if not parsed.keep_alive:
                await self.close()
            return parser.get_status_code(), parsed.headers, bytes(parsed.body)

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


class HttpxConnection:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, request: Prepared) -> Response:
        response = await self.http.post("/graphql", content=request.body, headers=request.headers)
        return response.status_code, response.headers, response.content

    async def close(self) -> None:
        pass


class Load:
    """Connections for N workers: one raw connection each, or one shared httpx pool."""

    def __init__(self, base_url: str, concurrency: int, *, engine: str = "raw") -> None:
        url = httpx.URL(base_url)
        self.host, self.port = url.host, url.port or 80
        self.engine = engine
        self._httpx = client(base_url, concurrency) if engine == "httpx" else None
        self._open: list[RawConnection | HttpxConnection] = []

    def connection(self) -> RawConnection | HttpxConnection:
        conn: RawConnection | HttpxConnection = (
            HttpxConnection(self._httpx) if self._httpx is not None
            else RawConnection(self.host, self.port)
        )
        self._open.append(conn)
        return conn

    async def __aenter__(self) -> Load:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for conn in self._open:
            await conn.close()
        if self._httpx is not None:
            await self._httpx.aclose()


async def send(conn: RawConnection | HttpxConnection, request: Prepared, check: Check) -> Sample:
    started = time.perf_counter()
    try:
        status, headers, body = await conn.post(request)
        seconds = time.perf_counter() - started
    except (httpx.HTTPError, OSError, TimeoutError, httptools.HttpParserError) as exc:
        return Sample(time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")
    error, _ = evaluate(status, body, headers, request.call, check)
    return Sample(seconds, error, round_trips(headers), db_ms(headers))


async def run_phase(
    load: Load, requests: Sequence[Prepared], check: Check, *, concurrency: int, duration: float,
    connections: list[RawConnection | HttpxConnection] | None = None,
) -> tuple[list[Sample], float]:
    """Send `requests` in order from `concurrency` workers until all are sent or time is up.

    Pass the same `connections` list to successive phases to reuse warmed-up connections.
    """
    if connections is None:
        connections = []
    while len(connections) < concurrency:
        connections.append(load.connection())
    samples: list[Sample] = []
    position = 0
    started = time.perf_counter()
    deadline = started + duration

    async def worker(conn: RawConnection | HttpxConnection) -> None:
        nonlocal position
        while position < len(requests) and time.perf_counter() < deadline:
            request = requests[position]
            position += 1
            samples.append(await send(conn, request, check))

    await asyncio.gather(*(worker(conn) for conn in connections[:concurrency]))
    return samples, time.perf_counter() - started


async def capture(
    http: httpx.AsyncClient, requests: Sequence[Prepared], check: Check
) -> tuple[list[tuple[Prepared, float, list[dict[str, Any]]]], list[str]]:
    """Each request's exact statements (X-Debug-Queries) with its latency in seconds, plus
    any errors met on the way."""
    sequences, problems = [], []
    for request in requests:
        started = time.perf_counter()
        response = await http.post(
            "/graphql", content=request.body, headers={**request.headers, "x-debug-queries": "1"}
        )
        seconds = time.perf_counter() - started
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
        counted = round_trips(response.headers)
        if counted != len(queries):
            problems.append(f"X-DB-Round-Trips says {counted}, the service exposed {len(queries)} queries")
            continue
        sequences.append((request, seconds, queries))
    return sequences, problems
