"""Issue 12, items 11 and 12: what a connection may cost before the app sees a request.

The server here runs with graph_api.connections.server_options, as `graph-api serve` does:
a request-head deadline, a per-address connection cap, WebSocket message caps."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.connections import PRE_INIT_MESSAGE_BYTES, ByteBudget, server_options
from graph_api.database import Database
from graph_db.backend import Backend
from tests.api.conftest import TEST_SETTINGS, serve_app
from tests.conftest import fresh_graph

PROTOCOL = "graphql-transport-ws"
HEALTH = b"GET /health HTTP/1.1\r\nhost: test\r\n\r\n"


@contextlib.asynccontextmanager
async def guarded(pool: Backend, settings: Settings) -> AsyncIterator[tuple[str, int]]:
    """The app under uvicorn with the service's connection options; (host, port)."""
    async with fresh_graph(pool) as backend:
        app = create_app(settings, database=Database(backend=backend))
        async with serve_app(app, **server_options(settings)) as url:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            yield host, int(port)


async def closed_by_server(reader: asyncio.StreamReader, *, within: float = 10) -> bytes:
    """Everything the server sends until it closes the connection (bounded wait)."""
    return await asyncio.wait_for(reader.read(), timeout=within)


async def test_a_silent_connection_is_closed(pool: Backend) -> None:
    settings = replace(TEST_SETTINGS, request_head_timeout_seconds=0.3)
    async with guarded(pool, settings) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        assert await closed_by_server(reader) == b""
        writer.close()


async def test_a_slow_request_head_is_closed(pool: Backend) -> None:
    settings = replace(TEST_SETTINGS, request_head_timeout_seconds=0.3)
    async with guarded(pool, settings) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"GET /health HTTP/1.1\r\n")
        sent = 0
        for _ in range(200):  # one header byte every 50 ms: a head that never ends (10 s)
            if reader.at_eof() or writer.is_closing():
                break
            with contextlib.suppress(ConnectionError):
                writer.write(b"x")
                await writer.drain()
                sent += 1
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(reader.read(1), timeout=0.05) == b"":
                    break
        else:
            raise AssertionError("the server kept a slowloris connection open")
        assert sent < 200
        writer.close()


async def test_requests_in_time_are_served_and_kept_alive(pool: Backend) -> None:
    settings = replace(TEST_SETTINGS, request_head_timeout_seconds=0.3)
    async with guarded(pool, settings) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        for _ in range(2):  # two requests on one kept-alive connection
            writer.write(HEALTH)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            assert head.startswith(b"HTTP/1.1 200")
            [length] = [
                int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                if line.startswith(b"content-length")
            ]
            assert json.loads(await reader.readexactly(length)) == {"status": "ok"}
        # ...and then the idle connection is closed too.
        assert await closed_by_server(reader) == b""
        writer.close()


async def test_connections_per_address_are_capped(pool: Backend) -> None:
    settings = replace(TEST_SETTINGS, max_connections_per_address=3, request_head_timeout_seconds=30)
    async with guarded(pool, settings) as (host, port):
        held = [await asyncio.open_connection(host, port) for _ in range(3)]
        reader, writer = await asyncio.open_connection(host, port)
        refused = await closed_by_server(reader)
        assert refused.startswith(b"HTTP/1.1 503"), refused
        writer.close()
        # The held ones still work; closing one frees a place.
        reader, writer = held.pop()
        writer.write(HEALTH)
        assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)).startswith(b"HTTP/1.1 200")
        writer.close()
        await writer.wait_closed()
        for _ in range(500):  # the server notices the close asynchronously (bounded)
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(HEALTH)
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            writer.close()
            if answer.startswith(b"HTTP/1.1 200"):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("a closed connection never freed its place")
        for _, w in held:
            w.close()


async def test_websocket_connections_count_too(pool: Backend) -> None:
    settings = replace(TEST_SETTINGS, max_connections_per_address=2, request_head_timeout_seconds=30)
    async with guarded(pool, settings) as (host, port):
        url = f"ws://{host}:{port}/graphql"
        async with connect(url, subprotocols=[PROTOCOL]), connect(url, subprotocols=[PROTOCOL]):
            reader, writer = await asyncio.open_connection(host, port)
            assert (await closed_by_server(reader)).startswith(b"HTTP/1.1 503")
            writer.close()


async def init(ws: ClientConnection) -> None:
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), timeout=5))["type"] == "connection_ack"


@pytest.mark.parametrize("initialised", [False, True])
async def test_websocket_messages_are_capped(pool: Backend, initialised: bool) -> None:
    settings = replace(TEST_SETTINGS, max_body_bytes=200_000)
    # Before connection_init the cap is PRE_INIT_MESSAGE_BYTES, after it max_body_bytes.
    big = PRE_INIT_MESSAGE_BYTES + 1_000 if not initialised else 200_001
    async with guarded(pool, settings) as (host, port):
        async with connect(f"ws://{host}:{port}/graphql", subprotocols=[PROTOCOL], max_size=None) as ws:
            if initialised:
                await init(ws)
            await ws.send(json.dumps({"type": "ping", "payload": {"x": "y" * big}}))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), timeout=5)
            assert ws.close_code == 1009  # message too big
        # A message under the cap is fine once initialised.
        async with connect(f"ws://{host}:{port}/graphql", subprotocols=[PROTOCOL]) as ws:
            await init(ws)
            await ws.send(json.dumps({"type": "ping", "payload": {"x": "y" * (PRE_INIT_MESSAGE_BYTES * 2)}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), timeout=5)) == {"type": "pong"}


def test_big_websocket_messages_share_one_byte_budget() -> None:
    now = [0.0]
    budget = ByteBudget(1_000, clock=lambda: now[0])
    assert budget.spend(600) == 0  # within the burst
    assert budget.spend(600) == pytest.approx(0.2)  # 200 bytes short at 1,000 per second
    assert budget.spend(100) == pytest.approx(0.3)  # the next one queues behind it
    now[0] = 1.3
    assert budget.spend(500) == 0  # refilled (to the burst at most) while time passed
    now[0] = 100.0
    assert budget.available == 500 and budget.spend(1_000) == 0
