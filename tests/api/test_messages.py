"""Messages over GraphQL: every rule allowed and refused, pages, counts, live events."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.database import Database
from graph_db import messages, network
from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from resolvers import bus
from schema.base import to_global_id
from tests.api.conftest import Api, serve_app, with_settings
from tests.conftest import fresh_graph
from tests.factories import make_member

BUDGET = 3
Member = tuple[PersonRecord, str]  # a person and their access token


@pytest.fixture
def settings() -> Settings:
    return with_settings(messages_new_conversations_per_day=BUDGET)


SEND = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    message { id body links mentions { id } sender { id } createdAt }
    conversation { id kind name unreadCount participants { id } }
    errors { code field message }
  }
}
"""
CONVERSATIONS = """
query Conversations($first: Int, $after: String, $unreadOnly: Boolean! = false) {
  conversations(first: $first, after: $after, unreadOnly: $unreadOnly) {
    edges { cursor node { id kind name unreadCount closed muted
      participants { id } lastMessage { id body }
      messages(first: 10) { nodes { id body deleted sender { id } } pageInfo { hasNextPage endCursor } }
    } }
    pageInfo { hasNextPage endCursor }
  }
  unreadMessageCount
}
"""
NODE = "query Node($id: ID!) { node(id: $id) { id ... on Message { body } ... on Conversation { kind } } }"


def gid(person: PersonRecord) -> str:
    return to_global_id("Person", person.id)


async def send(api: Api, token: str, **input: Any) -> httpx.Response:
    return await api.post(SEND, {"input": input}, token=token)


async def sent(api: Api, token: str, **input: Any) -> dict[str, Any]:
    data = await api.gql(SEND, {"input": input}, token=token)
    payload: dict[str, Any] = data["sendMessage"]
    assert payload["errors"] == [], payload["errors"]
    return payload


def code_of(response: httpx.Response) -> str:
    body = response.json()
    assert "errors" in body, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def members_and_a_moderator(api: Api) -> tuple[Member, Member, Member, Member]:
    """Three members (Ada, Ben, Eve in the tests) and then a site moderator, each with a token."""
    return (await make_member(api), await make_member(api), await make_member(api),
            await make_member(api, role="MODERATOR"))


async def conversation_count(api: Api, person: PersonRecord) -> int:
    return len(await messages.list_conversations(api.backend, person.id, limit=50))


async def test_a_first_message_starts_the_pair_conversation_and_replies_join_it(api: Api) -> None:
    ada, ada_token = await make_member(api, name="Ada Lovelace")
    ben, ben_token = await make_member(api, name="Ben Franklin")
    first = await sent(api, ada_token, recipientIds=[gid(ben)],
                       body="Hi @Ben Franklin, see https://example.org/x.")
    assert first["message"]["links"] == ["https://example.org/x"]
    assert first["message"]["mentions"] == [{"id": gid(ben)}]
    assert first["conversation"]["kind"] == "DIRECT"
    reply = await sent(api, ben_token, recipientIds=[gid(ada)], body="Hello Ada")
    assert reply["conversation"]["id"] == first["conversation"]["id"]
    again = await sent(api, ada_token, conversationId=first["conversation"]["id"], body="Third")
    assert again["conversation"]["id"] == first["conversation"]["id"]
    data = await api.gql(CONVERSATIONS, token=ben_token)
    (edge,) = data["conversations"]["edges"]
    node = edge["node"]
    # Replying read what came before: only "Third" is unread.
    assert node["unreadCount"] == 1 and data["unreadMessageCount"] == 1
    assert node["lastMessage"]["body"] == "Third"
    assert [m["body"] for m in node["messages"]["nodes"]] == [
        "Third", "Hello Ada", "Hi @Ben Franklin, see https://example.org/x."
    ]
    read = await api.gql(
        "mutation($id: ID!) { markConversationRead(input: {conversationId: $id}) "
        "{ conversation { unreadCount } errors { code } } }", {"id": node["id"]}, token=ben_token,
    )
    assert read["markConversationRead"]["conversation"]["unreadCount"] == 0
    assert (await api.gql(CONVERSATIONS, token=ben_token))["unreadMessageCount"] == 0


async def test_a_hundred_concurrent_first_messages_over_http_make_one_conversation(api: Api) -> None:
    ada, ada_token = await make_member(api)
    ben, ben_token = await make_member(api)
    responses = await asyncio.gather(*(
        send(api, ada_token if i % 2 else ben_token,
             recipientIds=[gid(ben) if i % 2 else gid(ada)], body=f"m{i}")
        for i in range(100)
    ))
    bodies = [r.json() for r in responses]
    assert all(r.status_code == 200 and "errors" not in b for r, b in zip(responses, bodies, strict=True))
    assert len({b["data"]["sendMessage"]["conversation"]["id"] for b in bodies}) == 1
    (conversation,) = await messages.list_conversations(api.backend, ada.id, limit=5)
    assert len(await messages.list_messages(api.backend, ada.id, conversation.id, limit=200)) == 100


async def test_policies_are_enforced_and_refusals_change_nothing(api: Api) -> None:
    ada, ada_token = await make_member(api)
    closed, closed_token = await make_member(api)
    picky, picky_token = await make_member(api)
    for token, policy in ((closed_token, "NOBODY"), (picky_token, "CONNECTIONS")):
        data = await api.gql(
            "mutation($p: MessagePolicy!) { updateMessageSettings(input: {messagePolicy: $p}) "
            "{ settings { messagePolicy emailMessages } errors { code } } }", {"p": policy},
            token=token,
        )
        assert data["updateMessageSettings"]["settings"] == {
            "messagePolicy": policy, "emailMessages": "IMMEDIATE"
        }
    assert code_of(await send(api, ada_token, recipientIds=[gid(closed)], body="hi")) == "FORBIDDEN"
    assert code_of(await send(api, ada_token, recipientIds=[gid(picky)], body="hi")) == "FORBIDDEN"
    assert await conversation_count(api, closed) == 0 and await conversation_count(api, picky) == 0
    await network.request_connection(api.backend, ada.id, picky.id, message=None, now=1)
    await network.accept_connection(api.backend, picky.id, ada.id, now=2)
    await sent(api, ada_token, recipientIds=[gid(picky)], body="hi, connection")
    assert await conversation_count(api, picky) == 1


async def test_blocks_refuse_new_and_close_existing_conversations(api: Api) -> None:
    ada, ada_token = await make_member(api)
    ben, ben_token = await make_member(api)
    cy, _ = await make_member(api)
    started = await sent(api, ada_token, recipientIds=[gid(ben)], body="hello")
    conversation_id = started["conversation"]["id"]
    await network.block(api.backend, cy.id, ada.id, now=1)
    assert code_of(await send(api, ada_token, recipientIds=[gid(cy)], body="hi")) == "FORBIDDEN"
    await network.block(api.backend, ben.id, ada.id, now=1)
    for token, target in ((ada_token, ben), (ben_token, ada)):
        assert code_of(await send(api, token, recipientIds=[gid(target)], body="x")) == "FORBIDDEN"
        assert code_of(await send(api, token, conversationId=conversation_id, body="x")) == "FORBIDDEN"
    data = await api.gql(CONVERSATIONS, token=ada_token)
    (edge,) = data["conversations"]["edges"]
    assert edge["node"]["closed"] and len(edge["node"]["messages"]["nodes"]) == 1


async def test_suspended_members_cannot_send(api: Api) -> None:
    _, token = await make_member(api, suspendedUntil=4_000_000_000_000)
    ben, _ = await make_member(api)
    assert code_of(await send(api, token, recipientIds=[gid(ben)], body="hi")) == "FORBIDDEN"
    assert await conversation_count(api, ben) == 0


async def test_new_conversations_per_day_are_budgeted(api: Api) -> None:
    ada, token = await make_member(api)
    others = [(await make_member(api))[0] for _ in range(BUDGET + 1)]
    for other in others[:BUDGET]:
        await sent(api, token, recipientIds=[gid(other)], body="hi")
    assert code_of(await send(api, token, recipientIds=[gid(others[-1])], body="hi")) == "RATE_LIMITED"
    assert await conversation_count(api, others[-1]) == 0
    # Existing conversations stay open.
    await sent(api, token, recipientIds=[gid(others[0])], body="still here")


async def test_only_participants_read_a_conversation(api: Api) -> None:
    (ada, ada_token), (ben, ben_token), (_, eve_token), (_, mod_token) = await members_and_a_moderator(api)
    started = await sent(api, ada_token, recipientIds=[gid(ben)], body="private")
    message_id, conversation_id = started["message"]["id"], started["conversation"]["id"]
    for token in (eve_token, mod_token):
        assert (await api.gql(NODE, {"id": message_id}, token=token))["node"] is None
        assert (await api.gql(NODE, {"id": conversation_id}, token=token))["node"] is None
        assert (await api.gql(CONVERSATIONS, token=token))["conversations"]["edges"] == []
        body = (await send(api, token, conversationId=conversation_id, body="let me in")).json()
        assert body["data"]["sendMessage"]["errors"][0]["code"] == "NOT_FOUND"
    assert (await api.gql(NODE, {"id": message_id}, token=ben_token))["node"] == {
        "id": message_id, "body": "private"
    }
    response = await api.post(NODE, {"id": message_id})
    assert response.json()["data"]["node"] is None
    assert code_of(await api.post(CONVERSATIONS)) == "UNAUTHENTICATED"
    (conversation,) = await messages.list_conversations(api.backend, ada.id, limit=5)
    assert len(await messages.list_messages(api.backend, ada.id, conversation.id, limit=10)) == 1


async def test_only_the_sender_deletes_a_message(api: Api) -> None:
    _, ada_token = await make_member(api)
    ben, ben_token = await make_member(api)
    started = await sent(api, ada_token, recipientIds=[gid(ben)], body="oops")
    delete = ("mutation($id: ID!) { deleteMessage(input: {messageId: $id}) "
              "{ message { body deleted } errors { code } } }")
    refused = await api.post(delete, {"id": started["message"]["id"]}, token=ben_token)
    assert code_of(refused) == "FORBIDDEN"
    assert (await api.gql(NODE, {"id": started["message"]["id"]}, token=ben_token))["node"]["body"] == "oops"
    done = await api.gql(delete, {"id": started["message"]["id"]}, token=ada_token)
    assert done["deleteMessage"]["message"] == {"body": None, "deleted": True}
    assert (await api.gql(NODE, {"id": started["message"]["id"]}, token=ben_token))["node"]["body"] is None


async def test_bad_input_is_reported_in_the_payload(api: Api) -> None:
    _, token = await make_member(api)
    ben, _ = await make_member(api)
    cy, _ = await make_member(api)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"recipientIds": [gid(ben)], "body": "   "}, "body"),
        ({"recipientIds": [gid(ben)], "body": "x" * 5001}, "body"),
        ({"body": "to nobody"}, "recipientIds"),
        ({"recipientIds": [gid(ben), gid(cy)], "body": "unnamed group"}, "name"),
        ({"recipientIds": [to_global_id("Person", "missing")], "body": "hi"}, "recipientIds"),
        ({"recipientIds": ["not-an-id"], "body": "hi"}, "recipientIds"),
    ]
    for input, field in cases:
        body = (await send(api, token, **input)).json()
        errors = body["data"]["sendMessage"]["errors"]
        assert errors and errors[0]["field"] == field, (input, errors)
    assert await conversation_count(api, ben) == 0


async def test_groups_mute_leave_and_admin_outbox(api: Api) -> None:
    ada, ada_token = await make_member(api)
    ben, ben_token = await make_member(api)
    cy, _ = await make_member(api)
    _, admin_token = await make_member(api, role="ADMIN")
    group = await sent(api, ada_token, recipientIds=[gid(ben), gid(cy)], body="welcome",
                       name="Grant club")
    conversation_id = group["conversation"]["id"]
    assert group["conversation"]["name"] == "Grant club"
    assert len(group["conversation"]["participants"]) == 3
    mute = await api.gql(
        "mutation($id: ID!) { muteConversation(input: {conversationId: $id}) "
        "{ conversation { muted } errors { code } } }", {"id": conversation_id}, token=ben_token)
    assert mute["muteConversation"]["conversation"]["muted"] is True
    await sent(api, ada_token, conversationId=conversation_id, body="second")
    leave = ("mutation($id: ID!) { leaveConversation(input: {conversationId: $id}) "
             "{ conversationId errors { code } } }")
    assert (await api.gql(leave, {"id": conversation_id}, token=ben_token))[
        "leaveConversation"]["conversationId"] == conversation_id
    assert (await api.gql(CONVERSATIONS, token=ben_token))["conversations"]["edges"] == []
    outbox_query = "{ emailDeliveries(first: 20) { nodes { status recipient { id } attempts } } }"
    assert code_of(await api.post(outbox_query, token=ada_token)) == "FORBIDDEN"
    nodes = (await api.gql(outbox_query, token=admin_token))["emailDeliveries"]["nodes"]
    # Both messages mail cy; only the first mails ben (he muted before the second).
    assert sorted(n["recipient"]["id"] for n in nodes) == sorted([gid(ben), gid(cy), gid(cy)])
    assert {n["status"] for n in nodes} == {"PENDING"}


async def test_conversations_page_with_keyset_cursors(api: Api) -> None:
    _, token = await make_member(api)
    others = [(await make_member(api))[0] for _ in range(BUDGET)]
    for other in others:
        await sent(api, token, recipientIds=[gid(other)], body=f"to {other.name}")
    first = (await api.gql(CONVERSATIONS, {"first": 2}, token=token))["conversations"]
    assert first["pageInfo"]["hasNextPage"]
    rest = (await api.gql(CONVERSATIONS, {"first": 2, "after": first["pageInfo"]["endCursor"]},
                          token=token))["conversations"]
    names = [e["node"]["lastMessage"]["body"] for e in first["edges"] + rest["edges"]]
    assert names == [f"to {o.name}" for o in reversed(others)]
    assert not rest["pageInfo"]["hasNextPage"]


# -- live ---------------------------------------------------------------------------------

PROTOCOL = "graphql-transport-ws"


@pytest.fixture
async def live(pool: Backend, settings: Settings) -> AsyncIterator[tuple[Api, Any]]:
    async with fresh_graph(pool) as backend:
        app = create_app(settings, database=Database(backend=backend))
        async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield Api(url=url, http=http, backend=backend), app


@contextlib.asynccontextmanager
async def subscribed(api: Api, app: Any, token: str, person_id: str, query: str
                     ) -> AsyncIterator[ClientConnection]:
    async with connect(api.url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), timeout=10))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": query}}))
        channel = bus.person_channel(person_id)
        for _ in range(500):
            if app.state.services.bus.subscriber_count(channel):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the subscription never reached the bus")
        yield ws


async def next_payload(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert message["type"] == "next", message
    data: dict[str, Any] = message["payload"]["data"]
    return data


async def test_message_added_and_read_receipts_reach_participants_only(
    live: tuple[Api, Any]
) -> None:
    api, app = live
    ada, ada_token = await make_member(api)
    ben, ben_token = await make_member(api)
    eve, eve_token = await make_member(api)
    added = "subscription { messageAdded { body sender { id } conversation { id } } }"
    receipts = "subscription { conversationRead { conversationId reader { id } } }"
    async with (
        subscribed(api, app, ben_token, ben.id, added) as ben_ws,
        subscribed(api, app, eve_token, eve.id, added) as eve_ws,
    ):
        first = await sent(api, ada_token, recipientIds=[gid(ben)], body="live hello")
        event = (await next_payload(ben_ws))["messageAdded"]
        assert event == {"body": "live hello", "sender": {"id": gid(ada)},
                         "conversation": {"id": first["conversation"]["id"]}}
        # Eve hears nothing: the next thing on her socket is her own message's event.
        await sent(api, eve_token, recipientIds=[gid(ada)], body="eve to ada")
        assert (await next_payload(eve_ws))["messageAdded"]["body"] == "eve to ada"
    async with subscribed(api, app, ada_token, ada.id, receipts) as ada_ws:
        await api.gql("mutation($id: ID!) { markConversationRead(input: {conversationId: $id}) "
                      "{ errors { code } } }", {"id": first["conversation"]["id"]}, token=ben_token)
        receipt = (await next_payload(ada_ws))["conversationRead"]
        assert receipt == {"conversationId": first["conversation"]["id"], "reader": {"id": gid(ben)}}


REPORT = """
mutation($id: ID!) {
  report(input: {targetId: $id, reason: HARASSMENT}) { report { id targetKind } errors { code } }
}
"""


async def test_moderators_read_a_message_only_while_it_is_reported(api: Api) -> None:
    (_, ada_token), (ben, ben_token), (_, eve_token), (_, mod_token) = await members_and_a_moderator(api)
    started = await sent(api, ada_token, recipientIds=[gid(ben)], body="nasty")
    other = await sent(api, ada_token, recipientIds=[gid(ben)], body="unreported")
    message_id = started["message"]["id"]
    # Only a participant other than the sender can report it.
    for token in (eve_token, ada_token):
        body = (await api.post(REPORT, {"id": message_id}, token=token)).json()
        assert body["data"]["report"]["errors"][0]["code"] == "NOT_FOUND"
    assert (await api.gql(NODE, {"id": message_id}, token=mod_token))["node"] is None
    reported = (await api.gql(REPORT, {"id": message_id}, token=ben_token))["report"]
    assert reported["report"]["targetKind"] == "MESSAGE"
    assert (await api.gql(NODE, {"id": message_id}, token=mod_token))["node"] == {
        "id": message_id, "body": "nasty"
    }
    assert (await api.gql(NODE, {"id": other["message"]["id"]}, token=mod_token))["node"] is None
    assert (await api.gql(NODE, {"id": started["conversation"]["id"]}, token=mod_token))["node"] is None
    assert (await api.gql(NODE, {"id": message_id}, token=eve_token))["node"] is None
    await api.gql("mutation($id: ID!) { dismissReport(input: {reportId: $id}) { errors { code } } }",
                  {"id": reported["report"]["id"]}, token=mod_token)
    assert (await api.gql(NODE, {"id": message_id}, token=mod_token))["node"] is None
