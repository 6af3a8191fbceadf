"""graphql-transport-ws over a real WebSocket: connection_init auth, the per-connection cap,
rate limits and persisted queries on `subscribe`, and events through the bus (in-process
and Redis pub/sub, the session's embedded FalkorDB server being a Redis server).

There is no public Subscription field yet, so the tests serve the real app with a test-only
Subscription root (`viewerEvents`) built on resolvers.bus, the plumbing the domains use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis
from strawberry.schema.config import StrawberryConfig
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

import schema as graphql_schema
from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.database import Database
from graph_api.logs import JsonFormatter
from graph_api.persisted import sha256_hex
from graph_db.backend import Backend
from graph_db.embedded import EmbeddedFalkorDB
from resolvers import bus
from schema.base import SCALARS, AppInfo, to_global_id
from tests.api.conftest import TEST_SETTINGS, serve_app, with_settings
from tests.conftest import fresh_graph
from tests.factories import make_member

PROTOCOL = "graphql-transport-ws"
EVENTS = "subscription { viewerEvents }"


@strawberry.type(description="Test-only subscriptions over the real event bus.")
class Subscription:
    @strawberry.subscription(description="The signed-in viewer's events, as JSON text.")
    async def viewer_events(self, info: AppInfo) -> AsyncGenerator[str, None]:
        async for event in bus.viewer_events(info.context):
            yield json.dumps(event, sort_keys=True)


    @strawberry.subscription(description="Fails unexpectedly after subscribing.")
    async def broken(self, info: AppInfo) -> AsyncGenerator[str, None]:
        raise RuntimeError("connection string postgres://admin:hunter2@db")
        yield ""


def build_schema(extensions: Sequence[Any] = ()) -> strawberry.Schema:
    return strawberry.Schema(
        query=graphql_schema.Query, mutation=graphql_schema.Mutation, subscription=Subscription,
        types=graphql_schema.TYPES, extensions=list(extensions), config=StrawberryConfig(scalar_map=SCALARS),
    )


@dataclass
class Server:
    url: str
    app: Any
    backend: Backend

    @property
    def bus(self) -> Any:
        return self.app.state.services.bus

    @contextlib.asynccontextmanager
    async def socket(self, payload: dict[str, Any] | None = None) -> AsyncIterator[ClientConnection]:
        """An acknowledged connection (connection_init sent with `payload`)."""
        async with connect(self.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
            await send(ws, {"type": "connection_init", "payload": payload or {}})
            ack = await receive(ws)
            assert ack["type"] == "connection_ack", ack
            yield ws

    async def member(self) -> tuple[str, str]:
        person, token = await make_member(self, TEST_SETTINGS)  # type: ignore[arg-type]
        return person.id, token


@contextlib.asynccontextmanager
async def running(settings: Settings, backend: Backend) -> AsyncIterator[Server]:
    app = create_app(settings, database=Database(backend=backend), build_schema=build_schema)
    async with serve_app(app) as url:
        yield Server(url, app, backend)


@pytest.fixture
def settings() -> Settings:
    return TEST_SETTINGS


@pytest.fixture
async def server(settings: Settings, pool: Backend) -> AsyncIterator[Server]:
    """The app on a fresh graph, on each engine in turn."""
    async with fresh_graph(pool) as backend, running(settings, backend) as server:
        yield server


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def receive(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    return message


async def subscribe(ws: ClientConnection, op_id: str, query: str, **payload: Any) -> None:
    await send(ws, {"id": op_id, "type": "subscribe", "payload": {"query": query, **payload}})


async def until(condition: Callable[[], Any], what: str) -> None:
    for _ in range(500):
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def close_code(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await receive(ws)
    return closed.value.rcvd.code if closed.value.rcvd else None


# -- connection_init ---------------------------------------------------------------------------


async def test_no_token_is_an_anonymous_connection(server: Server) -> None:
    async with connect(server.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        await send(ws, {"type": "connection_init", "payload": {}})
        assert await receive(ws) == {"type": "connection_ack", "payload": {"viewer": None}}
        await subscribe(ws, "1", "{ me { id } }")
        assert await receive(ws) == {"id": "1", "type": "next", "payload": {"data": {"me": None}}}
        assert await receive(ws) == {"id": "1", "type": "complete"}


async def test_a_valid_token_acts_as_the_viewer(server: Server) -> None:
    person_id, token = await server.member()
    global_id = to_global_id("Person", person_id)
    for payload in ({"authorization": f"Bearer {token}"}, {"token": token}):
        async with connect(server.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
            await send(ws, {"type": "connection_init", "payload": payload})
            assert await receive(ws) == {"type": "connection_ack", "payload": {"viewer": global_id}}
            await subscribe(ws, "me", "{ me { id } }")
            me = {"id": "me", "type": "next", "payload": {"data": {"me": {"id": global_id}}}}
            assert await receive(ws) == me


@pytest.mark.parametrize("token", ["Bearer not-a-token", "garbage", 42])
async def test_an_invalid_token_closes_with_4403(server: Server, token: object) -> None:
    async with connect(server.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        await send(ws, {"type": "connection_init", "payload": {"authorization": token}})
        assert await close_code(ws) == 4403


async def test_subscribe_before_connection_init_closes_with_4401(server: Server) -> None:
    async with connect(server.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        await subscribe(ws, "1", "{ me { id } }")
        assert await close_code(ws) == 4401


async def test_signed_out_connections_cannot_follow_viewer_events(server: Server) -> None:
    async with server.socket() as ws:
        await subscribe(ws, "1", EVENTS)
        assert await receive(ws) == {
            "id": "1", "type": "next",
            "payload": {
                "data": None,
                "errors": [{"message": "sign in to do this", "extensions": {"code": "UNAUTHENTICATED"}}],
            },
        }
        assert await receive(ws) == {"id": "1", "type": "complete"}


async def test_unexpected_errors_are_masked_over_websocket(server: Server) -> None:
    async with server.socket() as ws:
        await subscribe(ws, "1", "subscription { broken }")
        message = await receive(ws)
        [error] = message["payload"]["errors"]
        assert error["message"] == "Internal server error"
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        assert "hunter2" not in json.dumps(message)


# -- events and the cap --------------------------------------------------------------------------


async def test_events_reach_the_viewers_subscriptions_only(server: Server) -> None:
    alice, alice_token = await server.member()
    bob, _ = await server.member()
    async with server.socket({"authorization": f"Bearer {alice_token}"}) as ws:
        await subscribe(ws, "events", EVENTS)
        await until(lambda: server.bus.subscriber_count(bus.person_channel(alice)), "the subscription")
        await server.bus.publish(bus.person_channel(bob), {"kind": "for-bob"})
        await server.bus.publish(bus.person_channel(alice), {"kind": "notification", "id": "n1"})
        message = await receive(ws)
        assert message == {
            "id": "events", "type": "next",
            "payload": {"data": {"viewerEvents": '{"id": "n1", "kind": "notification"}'}},
        }
        await send(ws, {"id": "events", "type": "complete"})
        await until(lambda: not server.bus.subscriber_count(bus.person_channel(alice)), "unsubscribing")


@pytest.mark.parametrize("settings", [with_settings(max_subscriptions_per_connection=2)])
async def test_operations_per_connection_are_capped(server: Server) -> None:
    alice, token = await server.member()
    channel = bus.person_channel(alice)
    async with server.socket({"authorization": f"Bearer {token}"}) as ws:
        await subscribe(ws, "1", EVENTS)
        await subscribe(ws, "2", EVENTS)
        await subscribe(ws, "3", EVENTS)
        refused = await receive(ws)
        assert refused["id"] == "3" and refused["type"] == "error"
        [error] = refused["payload"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["message"] == "at most 2 operations may run at once on one connection"
        await until(lambda: server.bus.subscriber_count(channel) == 2, "two live subscriptions")
        # Ending one frees its place.
        await send(ws, {"id": "1", "type": "complete"})
        await until(lambda: server.bus.subscriber_count(channel) == 1, "the first to end")
        await subscribe(ws, "4", EVENTS)
        await until(lambda: server.bus.subscriber_count(channel) == 2, "the fourth to start")
        await server.bus.publish(channel, {"kind": "ping"})
        got = {(await receive(ws))["id"], (await receive(ws))["id"]}
        assert got == {"2", "4"}


@pytest.mark.parametrize("settings", [with_settings(rate_limit_ip_per_minute=2)])
async def test_subscribe_messages_are_rate_limited(server: Server) -> None:
    async with server.socket() as ws:
        for op_id in ("1", "2"):
            await subscribe(ws, op_id, "{ __typename }")
            assert (await receive(ws))["type"] == "next"
            assert (await receive(ws))["type"] == "complete"
        await subscribe(ws, "3", "{ __typename }")
        refused = await receive(ws)
        assert refused["id"] == "3" and refused["type"] == "error"
        extensions = refused["payload"][0]["extensions"]
        assert extensions["code"] == "RATE_LIMITED" and extensions["retryAfter"] >= 1


@pytest.mark.parametrize("settings", [with_settings(rate_limit_ip_overall_per_minute=2)])
async def test_connection_inits_count_against_the_address_budget(server: Server) -> None:
    url = server.url.replace("http", "ws") + "/graphql"
    # Two handshakes are within the budget; the third is refused, whatever its token.
    async with server.socket(), server.socket(), connect(url, subprotocols=[PROTOCOL]) as ws:
        await send(ws, {"type": "connection_init", "payload": {"authorization": "Bearer x"}})
        assert await close_code(ws) == 4403
    async with httpx.AsyncClient(base_url=server.url) as http:  # HTTP shares the budget
        response = await http.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 429 and "retry-after" in response.headers


async def test_limits_apply_to_websocket_operations(pool: Backend) -> None:
    async with (
        fresh_graph(pool) as backend,
        running(with_settings(max_tokens=10), backend) as server,
        server.socket() as ws,
    ):
        await subscribe(ws, "1", "{ me { id id id id id id id id id id } }")
        refused = await receive(ws)
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_allow_list_applies_to_websocket_operations(pool: Backend, tmp_path: Path) -> None:
    listed = "{ __typename }"
    manifest = tmp_path / "queries.json"
    manifest.write_text(json.dumps({sha256_hex(listed): listed}))
    settings = with_settings(persisted_queries_only=True, persisted_queries_file=manifest)
    async with fresh_graph(pool) as backend, running(settings, backend) as server, server.socket() as ws:
        await subscribe(ws, "1", "{ me { id } }")
        refused = await receive(ws)
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "FORBIDDEN"
        ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(listed)}}
        await send(ws, {"id": "2", "type": "subscribe", "payload": {"extensions": ext}})
        typename = {"id": "2", "type": "next", "payload": {"data": {"__typename": "Query"}}}
        assert await receive(ws) == typename


async def test_replicas_fan_events_out_through_redis(
    pool: Backend, falkordb_server: EmbeddedFalkorDB
) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    settings = with_settings(redis_url=falkordb_server.url, redis_key_prefix=prefix)
    redis = Redis.from_url(falkordb_server.url)
    try:
        async with (
            fresh_graph(pool) as backend,
            running(settings, backend) as one,
            running(settings, backend) as two,
        ):
            alice, token = await one.member()
            redis_channel = f"{prefix}events:{bus.person_channel(alice)}"

            async def subscribed() -> bool:
                counts = await redis.pubsub_numsub(redis_channel)
                return bool(counts and counts[0][1] == 1)

            async with one.socket({"authorization": f"Bearer {token}"}) as ws:
                await subscribe(ws, "events", EVENTS)
                await until(subscribed, "the Redis subscription")
                await two.bus.publish(bus.person_channel(alice), {"kind": "from-two"})
                message = await receive(ws)
                assert message["payload"]["data"]["viewerEvents"] == '{"kind": "from-two"}'
                await send(ws, {"id": "events", "type": "complete"})
                await until(lambda: not one.bus.subscriber_count(bus.person_channel(alice)), "unsubscribe")

            async def unsubscribed() -> bool:
                counts = await redis.pubsub_numsub(redis_channel)
                return bool(counts and counts[0][1] == 0)

            await until(unsubscribed, "the Redis unsubscription")
    finally:
        await redis.aclose()


# -- observability: the same access log and metrics as HTTP --------------------------------------


async def test_websocket_operations_are_logged_like_http_requests(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    person_id, token = await server.member()
    node = to_global_id("Person", person_id)
    with caplog.at_level(logging.INFO, logger="graph_api.access"):
        async with server.socket({"authorization": f"Bearer {token}"}) as ws:
            await subscribe(ws, "1", "query Node($id: ID!) { node(id: $id) { id } }",
                            operationName="Node", variables={"id": node})
            assert (await receive(ws))["type"] == "next"
            assert await receive(ws) == {"id": "1", "type": "complete"}
            await subscribe(ws, "2", "query Broken { nope }")
            assert (await receive(ws))["type"] == "error"
            await until(lambda: len(access_lines(caplog)) == 2, "both lines")
    first, second = access_lines(caplog)
    assert first.getMessage() == "WS /graphql -"
    line = json.loads(JsonFormatter().format(first))
    assert line["transport"] == "websocket" and line["status"] is None
    assert line["operation"] == "Node" and line["operation_type"] == "query"
    assert line["viewer_id"] == person_id and line["error_codes"] is None
    assert line["db_round_trips"] >= 1 and isinstance(line["duration_ms"], float)
    assert token not in JsonFormatter().format(first)
    assert vars(second)["operation"] == "Broken" and vars(second)["error_codes"] == "BAD_USER_INPUT"


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "graph_api.access"]


async def test_websocket_operations_are_counted_with_their_transport(server: Server) -> None:
    alice, token = await server.member()
    async with server.socket({"authorization": f"Bearer {token}"}) as ws:
        await subscribe(ws, "q", "query Me { me { id } }", operationName="Me")
        assert (await receive(ws))["type"] == "next"
        assert (await receive(ws))["type"] == "complete"
        await subscribe(ws, "s", "subscription Events { viewerEvents }")
        await until(lambda: server.bus.subscriber_count(bus.person_channel(alice)), "the subscription")
        await send(ws, {"id": "s", "type": "complete"})  # the client ends it
        await subscribe(ws, "r", "query Me { me { id } }", operationName="Nope")  # refused before it runs
        assert (await receive(ws))["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    async with httpx.AsyncClient(base_url=server.url) as http:

        async def counted() -> dict[tuple[str, ...], float]:
            text = (await http.get("/metrics")).text
            return {
                (s.labels["operation"], s.labels["type"], s.labels["outcome"]): s.value
                for family in text_string_to_metric_families(text) for s in family.samples
                if s.name == "graphql_operations_total" and s.labels["transport"] == "websocket"
            }

        async def all_three() -> bool:
            return sum((await counted()).values()) == 3

        await until(all_three, "three WebSocket operations counted")
        assert await counted() == {
            ("Me", "query", "ok"): 1, ("Events", "subscription", "ok"): 1, ("unknown", "unknown", "error"): 1,
        }
        text = (await http.get("/metrics")).text
    # The query and the refusal; a subscription's database work is not counted (it may run for hours).
    assert 'graphql_db_round_trips_count{transport="websocket"} 2.0' in text
    assert 'graphql_errors_total{code="BAD_USER_INPUT"} 1.0' in text
    # No HTTP status for WebSocket operations.
    assert not [s for f in text_string_to_metric_families(text) for s in f.samples
                if s.name == "graphql_http_responses_total"]
