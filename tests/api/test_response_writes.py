"""graph_api.connections.HeadWithBody: each response leaves in one write, head and body
together, under `graph-api serve`'s protocol; what HTTP/1.1 promises (HEAD, 100 Continue,
keep-alive, pipelining, WebSocket upgrades) holds as before."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import connect

from graph_api import connections
from graph_api.connections import HeadWithBody
from graph_db.backend import Backend
from tests.api.conftest import TEST_SETTINGS
from tests.api.test_hardening_connections import guarded

HEAD_OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


class Recording:
    """A transport that keeps what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1234) if name == "peername" else default


def _held() -> tuple[Recording, HeadWithBody]:
    recording = Recording()
    return recording, HeadWithBody(recording)  # type: ignore[arg-type]


def test_the_head_goes_out_with_the_body() -> None:
    recording, transport = _held()
    transport.write(HEAD_OK)
    assert recording.writes == []
    transport.write(b"ok")
    assert recording.writes == [HEAD_OK + b"ok"]


def test_a_streamed_body_carries_the_head_in_its_first_chunk_only() -> None:
    recording, transport = _held()
    for data in (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", b"2\r\nab\r\n", b"0\r\n\r\n"):
        transport.write(data)
    assert recording.writes == [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nab\r\n", b"0\r\n\r\n",
    ]


def test_100_continue_is_not_held() -> None:
    recording, transport = _held()
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert recording.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    transport.write(HEAD_OK)
    transport.write(b"ok")
    assert recording.writes[1:] == [HEAD_OK + b"ok"]


def test_a_close_first_writes_a_held_head() -> None:
    """An app that fails after starting its response: uvicorn closes the connection."""
    recording, transport = _held()
    transport.write(HEAD_OK)
    transport.close()
    assert recording.writes == [HEAD_OK] and recording.closed
    assert transport.is_closing()
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1234)


async def _response(reader: asyncio.StreamReader, *, within: float = 10) -> tuple[bytes, bytes, bytes]:
    """One response: (status line, headers, body), read by its content-length."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), within)
    status, _, headers = head.partition(b"\r\n")
    length = 0
    for line in headers.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await asyncio.wait_for(reader.readexactly(length), within) if length else b""
    return status, headers, body


def _graphql(query: str, *, extra: bytes = b"") -> bytes:
    body = json.dumps({"query": query}).encode()
    return (b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\n%s\r\n" % (len(body), extra)) + body


class Counted:
    """The connection's real transport, counting the writes that reach it."""

    writes: list[bytes] = []

    def __init__(self, transport: Any) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        Counted.writes.append(data)
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


async def test_each_response_is_one_write(pool: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections, "HeadWithBody", lambda t: HeadWithBody(Counted(t)))  # type: ignore[arg-type]
    monkeypatch.setattr(Counted, "writes", [])
    async with guarded(pool, TEST_SETTINGS) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        for _ in range(3):  # on one kept-alive connection
            writer.write(_graphql("{ __typename }"))
            status, _, body = await _response(reader)
            assert status.startswith(b"HTTP/1.1 200")
            assert json.loads(body) == {"data": {"__typename": "Query"}}
        writer.close()
    assert len(Counted.writes) == 3
    assert all(w.startswith(b"HTTP/1.1 200") and w.endswith(b'"Query"}}') for w in Counted.writes)


async def test_head_requests_are_answered_without_a_body_and_kept_alive(pool: Backend) -> None:
    async with guarded(pool, TEST_SETTINGS) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"HEAD /health HTTP/1.1\r\nhost: test\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 200")
        writer.write(b"GET /health HTTP/1.1\r\nhost: test\r\n\r\n")
        status, _, body = await _response(reader)
        assert status.startswith(b"HTTP/1.1 200") and body
        writer.close()


async def test_100_continue_comes_before_the_response(pool: Backend) -> None:
    async with guarded(pool, TEST_SETTINGS) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        request = _graphql("{ __typename }", extra=b"expect: 100-continue\r\n")
        head, _, body = request.partition(b"\r\n\r\n")
        writer.write(head + b"\r\n\r\n")
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(body)
        status, _, answer = await _response(reader)
        assert status.startswith(b"HTTP/1.1 200")
        assert json.loads(answer) == {"data": {"__typename": "Query"}}
        writer.close()


async def test_pipelined_requests_are_answered_in_order(pool: Backend) -> None:
    async with guarded(pool, TEST_SETTINGS) as (host, port):
        reader, writer = await asyncio.open_connection(host, port)
        queries = ["{ __typename }", '{ a: __typename }', '{ b: __typename }']
        writer.write(b"".join(_graphql(q) for q in queries))
        answers = [json.loads((await _response(reader))[2]) for _ in queries]
        assert answers == [{"data": {"__typename": "Query"}}, {"data": {"a": "Query"}},
                           {"data": {"b": "Query"}}]
        writer.close()


async def test_websocket_upgrades_are_answered(pool: Backend) -> None:
    async with (
        guarded(pool, TEST_SETTINGS) as (host, port),
        connect(f"ws://{host}:{port}/graphql", subprotocols=["graphql-transport-ws"]) as ws,  # type: ignore[list-item]
    ):
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
