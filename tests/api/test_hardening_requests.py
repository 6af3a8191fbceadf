"""Issue 12: request errors are BAD_USER_INPUT with the spec's message on both transports,
never logged at ERROR; lone surrogates never break an answer; an ambiguous document is a
request error; account lockout carries Retry-After."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from graph_api.errors import encode_json
from tests.api.conftest import Api

PROTOCOL = "graphql-transport-ws"

BAD_REQUESTS: list[tuple[str, dict[str, Any], str]] = [
    # (query, variables, the start of graphql-core's message)
    ("query($n: Int) { activity(first: $n) { totalCount } }", {"n": "abc"}, "Variable '$n'"),
    ("query($n: Int) { activity(first: $n) { totalCount } }", {"n": 2**40}, "Variable '$n'"),
    ("query($id: ID!) { node(id: $id) { id } }", {}, "Variable '$id'"),
    ("query($id: ID!) { node(id: $id) { id } }", {"id": {"a": 1}}, "Variable '$id'"),
    (
        "mutation($i: SetRoleInput!) { setRole(input: $i) { errors { code } } }",
        {"i": {"personId": "x", "role": "EMPEROR"}}, "Variable '$i'",
    ),
    (
        "mutation($i: SetRoleInput!) { setRole(input: $i) { errors { code } } }",
        {"i": {"role": "ADMIN"}}, "Variable '$i'",
    ),
]


@contextlib.asynccontextmanager
async def socket(api: Api, payload: dict[str, Any] | None = None) -> AsyncIterator[ClientConnection]:
    async with connect(api.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert ack["type"] == "connection_ack", ack
        yield ws


async def ws_errors(ws: ClientConnection, payload: dict[str, Any], id: str = "1") -> list[dict[str, Any]]:
    """Run one operation on the socket; its errors (from `error` or a `next` message)."""
    await ws.send(json.dumps({"id": id, "type": "subscribe", "payload": payload}))
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert message["id"] == id, message
    if message["type"] == "error":
        errors: list[dict[str, Any]] = message["payload"]
        return errors
    assert message["type"] == "next", message
    errors = message["payload"].get("errors", [])
    complete = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert complete == {"id": id, "type": "complete"}
    return errors


def logged_problems(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # graph_api.logs silences strawberry.execution in the service; its filter keeps request
    # errors out of it anyway, so any WARNING or worse here is ours.
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize(("query", "variables", "message"), BAD_REQUESTS)
async def test_variable_errors_are_bad_user_input_over_http(
    api: Api, caplog: pytest.LogCaptureFixture, query: str, variables: dict[str, Any], message: str
) -> None:
    caplog.set_level(logging.INFO)
    response = await api.post(query, variables)
    body = response.json()
    assert response.status_code == 200, body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert error["message"].startswith(message), error
    assert "data" not in body or body["data"] is None
    assert not logged_problems(caplog)


async def test_variable_errors_are_bad_user_input_over_websocket(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with socket(api) as ws:
        for n, (query, variables, message) in enumerate(BAD_REQUESTS):
            [error] = await ws_errors(ws, {"query": query, "variables": variables}, id=str(n))
            assert error["extensions"] == {"code": "BAD_USER_INPUT"}, error
            assert error["message"].startswith(message), error
    assert not logged_problems(caplog)


SURROGATE_BODY = (
    '{"query": "query A { me { id } } query B { me { id } }", "operationName": "\\ud800"}'
)


async def test_lone_surrogate_in_operation_name_over_http(api: Api) -> None:
    for accept in ("application/json", "application/graphql-response+json"):
        response = await api.http.post(
            "/graphql", content=SURROGATE_BODY.encode(),
            headers={"content-type": "application/json", "accept": accept},
        )
        assert response.status_code < 500
        assert response.headers["content-type"].startswith(accept)
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "operationName"}
        assert error["message"] == "Unknown operation named '\ud800'."  # escaped in the JSON


@pytest.mark.parametrize(
    "body",
    [
        '{"query": "{ me { id } }", "variables": {"\\udc00": 1}}',
        '{"query": "query($s: String) { me { id } }", "variables": {"s": "\\ud800"}}',
        '{"query": "{ me { id \\ud800 } }"}',
        '{"query": "{ me { id } }", "extensions": {"persistedQuery": '
        '{"version": 1, "sha256Hash": "\\ud800"}}}',
    ],
)
async def test_lone_surrogates_elsewhere_over_http(api: Api, body: str) -> None:
    response = await api.http.post(
        "/graphql", content=body.encode(), headers={"content-type": "application/json"}
    )
    # Refused or answered (text fields have their own policy, the database encoder refuses
    # what it cannot store): never a 5xx, never INTERNAL_SERVER_ERROR, always JSON.
    assert response.status_code < 500, response.text
    codes = [e["extensions"]["code"] for e in response.json().get("errors", ())]
    assert "INTERNAL_SERVER_ERROR" not in codes


def test_answers_escape_lone_surrogates_they_echo() -> None:
    # An answer echoing one is still valid JSON (UTF-8 cannot carry it; \\ud800 can).
    assert encode_json({"message": "Unknown operation named '\ud800'."}) == (
        b'{"message":"Unknown operation named \'\\ud800\'."}'
    )


async def test_lone_surrogate_in_operation_name_over_websocket(api: Api) -> None:
    async with socket(api) as ws:
        await ws.send(
            '{"id": "1", "type": "subscribe", "payload": '
            '{"query": "query A { me { id } } query B { me { id } }", "operationName": "\\ud800"}}'
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert message["type"] == "error", message
        assert message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        # The socket still works.
        assert await ws_errors(ws, {"query": "{ me { id } }"}, id="2") == []


TWO_OPERATIONS = "query A { me { id } } query B { activity(first: 1) { totalCount } }"


async def test_two_operations_without_a_name_are_a_request_error(api: Api) -> None:
    response = await api.post(TWO_OPERATIONS)
    body = response.json()
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "operation name" in error["message"]
    assert "data" not in body or body["data"] is None
    strict = await api.http.post(
        "/graphql", json={"query": TWO_OPERATIONS},
        headers={"accept": "application/graphql-response+json"},
    )
    assert strict.status_code == 400
    # Named, it runs.
    assert (await api.post(TWO_OPERATIONS, operationName="A")).json() == {"data": {"me": None}}


async def test_two_operations_without_a_name_over_websocket(api: Api) -> None:
    async with socket(api) as ws:
        [error] = await ws_errors(ws, {"query": TWO_OPERATIONS})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "operation name" in error["message"]
        assert await ws_errors(ws, {"query": TWO_OPERATIONS, "operationName": "A"}, id="2") == []
