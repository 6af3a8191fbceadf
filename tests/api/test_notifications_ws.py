"""`notificationAdded` over a real graphql-transport-ws WebSocket: each subscriber gets exactly
its own notifications, on one replica and across two replicas sharing Redis."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.database import Database
from graph_db.backend import Backend
from graph_db.embedded import EmbeddedFalkorDB
from resolvers import bus
from schema.base import to_global_id
from tests.api.conftest import TEST_SETTINGS, Api, serve_app, with_settings
from tests.conftest import fresh_graph
from tests.factories import make_member

PROTOCOL = "graphql-transport-ws"
SUBSCRIPTION = (
    "subscription { notificationAdded { id kind actorCount summary post { id } "
    "actors { id } } }"
)
CREATE_POST = "mutation { createPost(input: {body: \"Hello\"}) { post { id } } }"
LIKE_POST = "mutation($id: ID!) { likePost(input: {postId: $id}) { post { likeCount } } }"
MEMBER_STEP = "mutation($id: ID!) {{ {step}(input: {{personId: $id}}) {{ errors {{ code }} }} }}"


Listening = Callable[[str], Awaitable[bool]]  # is anyone subscribed to this bus channel?


@contextlib.asynccontextmanager
async def subscribed(
    url: str, token: str, listening: Listening, person_id: str
) -> AsyncIterator[ClientConnection]:
    """A WebSocket with `notificationAdded` running, once the bus has the subscriber."""
    async with connect(url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), timeout=10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "n", "type": "subscribe",
                                  "payload": {"query": SUBSCRIPTION}}))
        channel = bus.person_channel(person_id)
        for _ in range(500):
            if await listening(channel):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the subscription never reached the bus")
        yield ws


@contextlib.asynccontextmanager
async def one_replica(pool: Backend) -> AsyncIterator[tuple[Api, Listening]]:
    """A served app (in-process event bus) and how to tell that a channel has a subscriber."""
    async with fresh_graph(pool) as backend:
        app = create_app(TEST_SETTINGS, database=Database(backend=backend))
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:

            async def listening(channel: str) -> bool:
                return bool(app.state.services.bus.subscriber_count(channel))

            yield Api(url=url, http=http, backend=backend), listening


async def next_notification(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    notification: dict[str, Any] = message["payload"]["data"]["notificationAdded"]
    return notification


async def nothing_more(ws: ClientConnection) -> None:
    try:
        message = await asyncio.wait_for(ws.recv(), timeout=0.3)
    except TimeoutError:
        return
    raise AssertionError(f"unexpected message {message}")


async def gql(http: httpx.AsyncClient, query: str, token: str, **variables: Any) -> dict[str, Any]:
    response = await http.post("/graphql", json={"query": query, "variables": variables},
                               headers={"authorization": f"Bearer {token}"})
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_subscribers_receive_exactly_their_own_notifications(pool: Backend) -> None:
    async with one_replica(pool) as (api, listening):
        alice, alice_token = await make_member(api, name="Alice")
        bob, bob_token = await make_member(api, name="Bob")
        fan, fan_token = await make_member(api, name="Fan")
        alice_post = (await api.gql(CREATE_POST, token=alice_token))["createPost"]["post"]["id"]
        bob_post = (await api.gql(CREATE_POST, token=bob_token))["createPost"]["post"]["id"]

        async with subscribed(api.url, alice_token, listening, alice.id) as alice_ws, \
                subscribed(api.url, bob_token, listening, bob.id) as bob_ws:
            await api.gql(LIKE_POST, {"id": bob_post}, token=fan_token)
            await api.gql(LIKE_POST, {"id": alice_post}, token=fan_token)
            # A notification is delivered as it stands when read: wait for the first state
            # before growing it, or both deliveries may already show two likers.
            first = await next_notification(alice_ws)
            assert (first["kind"], first["actorCount"], first["post"]) == (
                "LIKE_POST", 1, {"id": alice_post}
            )
            await api.gql(LIKE_POST, {"id": alice_post}, token=bob_token)
            grown = await next_notification(alice_ws)  # the same notification, grouped
            assert grown["id"] == first["id"] and grown["actorCount"] == 2
            assert grown["summary"] == "Bob and Fan liked your update"
            only_bob = await next_notification(bob_ws)
            assert only_bob["post"] == {"id": bob_post}
            assert only_bob["actors"] == [{"id": to_global_id("Person", fan.id)}]
            # Liking again changes nothing and tells nobody; one's own like is never notified.
            await api.gql(LIKE_POST, {"id": alice_post}, token=fan_token)
            await api.gql(LIKE_POST, {"id": bob_post}, token=bob_token)
            await nothing_more(alice_ws)
            await nothing_more(bob_ws)


async def test_follows_requests_and_acceptances_are_delivered_live(pool: Backend) -> None:
    async with one_replica(pool) as (api, listening):
        ada, ada_token = await make_member(api, name="Ada")
        ben, ben_token = await make_member(api, name="Ben")
        cy, cy_token = await make_member(api, name="Cy")
        ada_id, ben_id = to_global_id("Person", ada.id), to_global_id("Person", ben.id)

        async def step(name: str, person_id: str, token: str) -> None:
            data = await api.gql(MEMBER_STEP.format(step=name), {"id": person_id}, token=token)
            assert data[name] == {"errors": []}

        async with subscribed(api.url, ada_token, listening, ada.id) as ada_ws, \
                subscribed(api.url, ben_token, listening, ben.id) as ben_ws:
            await step("follow", ada_id, ben_token)
            followed = await next_notification(ada_ws)
            assert (followed["kind"], followed["summary"]) == ("FOLLOW", "Ben started following you")
            assert followed["actors"] == [{"id": ben_id}]
            await step("follow", ada_id, cy_token)
            grown = await next_notification(ada_ws)  # grouped with Ben's follow
            assert (grown["id"], grown["actorCount"]) == (followed["id"], 2)

            await step("requestConnection", ada_id, ben_token)
            asked = await next_notification(ada_ws)
            assert (asked["kind"], asked["actors"]) == ("CONNECTION_REQUEST", [{"id": ben_id}])
            await step("acceptConnection", ben_id, ada_token)
            accepted = await next_notification(ben_ws)
            assert (accepted["kind"], accepted["actors"]) == ("CONNECTION_ACCEPTED", [{"id": ada_id}])

            # Repeating a step changes nothing and tells nobody; nor do unfollow and block.
            await step("follow", ada_id, ben_token)
            await step("acceptConnection", ben_id, ada_token)
            await step("unfollow", ada_id, ben_token)
            await step("blockMember", ben_id, ada_token)
            await nothing_more(ada_ws)
            await nothing_more(ben_ws)


async def test_signed_out_subscription_is_refused(api: Api) -> None:
    async with connect(api.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), timeout=10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "n", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_two_replicas_deliver_through_redis(
    pool: Backend, falkordb_server: EmbeddedFalkorDB
) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    settings: Settings = with_settings(redis_url=falkordb_server.url, redis_key_prefix=prefix)
    redis = Redis.from_url(falkordb_server.url)
    async with fresh_graph(pool) as backend:
        one_app = create_app(settings, database=Database(backend=backend))
        two_app = create_app(settings, database=Database(backend=backend))
        try:
            async with serve_app(one_app) as one, serve_app(two_app) as two, \
                    httpx.AsyncClient(base_url=two, timeout=30) as http_two:
                api_two = Api(url=two, http=http_two, backend=backend)
                alice, alice_token = await make_member(api_two, name="Alice")
                _, carol_token = await make_member(api_two, name="Carol")
                _, fan_token = await make_member(api_two, name="Fan")
                post = (await gql(http_two, CREATE_POST, alice_token))["createPost"]["post"]["id"]
                carol_post = (await gql(http_two, CREATE_POST, carol_token))["createPost"]["post"]["id"]

                async def listening(channel: str) -> bool:
                    counts = await redis.pubsub_numsub(f"{prefix}events:{channel}")
                    return bool(counts and counts[0][1])

                async with subscribed(one, alice_token, listening, alice.id) as ws:
                    # The like is served by replica two; Alice listens on replica one.
                    await gql(http_two, LIKE_POST, fan_token, id=carol_post)
                    await gql(http_two, LIKE_POST, fan_token, id=post)
                    received = await next_notification(ws)
                    assert received["post"] == {"id": post} and received["kind"] == "LIKE_POST"
                    await nothing_more(ws)
        finally:
            await redis.aclose()
