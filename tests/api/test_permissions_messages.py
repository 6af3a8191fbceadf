"""Message permissions over HTTP (issue 12): every message mutation and private read by every
kind of actor (signed out, unrelated, the two participants, blocked either way, suspended,
site moderator and admin), on one world per engine. Refusals answer their code and change
nothing at all; allowed runs are read back from the graph (tests/api/permissions.py)."""

from __future__ import annotations

from typing import Any

import pytest

from graph_db import network, people
from graph_db.backend import Backend
from schema.base import from_global_id
from tests.api import permissions as p
from tests.api.conftest import Api
from tests.api.permissions import HIDDEN, Case, Served, World, check, engine, served, table
from tests.factories import make_person, token_for
from tests.mentoring import NOW

__all__ = ["engine", "served"]

ACTORS = ["signed_out", "stranger", "ada", "ben", "blocked", "moderator", "admin", "suspended"]
SIGNED_IN = frozenset(a for a in ACTORS if a not in ("signed_out", "suspended"))
PARTICIPANTS = frozenset({"ada", "ben"})
NOT_PARTICIPANTS = dict.fromkeys(SIGNED_IN - PARTICIPANTS, "NOT_FOUND")
UNSEEN = dict.fromkeys((SIGNED_IN - PARTICIPANTS) | {"signed_out"}, HIDDEN)

SEND = """
mutation($input: SendMessageInput!) {
  sendMessage(input: $input) { message { id } conversation { id } errors { field code } }
}"""


def m(name: str, input_type: str, selection: str = "__typename") -> str:
    return (f"mutation($input: {input_type}!) {{ {name}(input: $input) "
            f"{{ {selection} errors {{ field code }} }} }}")


async def build(api: Api) -> World:
    db = api.backend
    w = World()
    w.people = {
        actor: await make_person(db, name=f"Actor {actor}",
                                 **({"role": "MODERATOR"} if actor == "moderator" else {}),
                                 **({"role": "ADMIN"} if actor == "admin" else {}),
                                 **({"suspendedUntil": 4_000_000_000_000}
                                    if actor == "suspended" else {}))
        for actor in ACTORS if actor != "signed_out"
    }
    actors = w.people
    # Recipients (not actors): one open to everyone who blocked `blocked`, one `blocked`
    # blocked, one for connections only (connected to ben), one who accepts nobody.
    for name in ("open", "victim", "picky", "closed", "cy"):
        w.ids[name] = (await make_person(db, name=f"Recipient {name}")).id
    await network.block(db, w.ids["open"], actors["blocked"].id, now=NOW)
    await network.block(db, actors["blocked"].id, w.ids["victim"], now=NOW)
    await network.request_connection(db, actors["ben"].id, w.ids["picky"], message=None, now=NOW)
    await network.accept_connection(db, w.ids["picky"], actors["ben"].id, now=NOW)
    for name, policy in (("picky", "CONNECTIONS"), ("closed", "NOBODY")):
        data = await api.gql(m("updateMessageSettings", "UpdateMessageSettingsInput"),
                             {"input": {"messagePolicy": policy}},
                             token=token_for(await _person(db, w.ids[name])))
        assert data["updateMessageSettings"]["errors"] == []

    async def sent(actor: str, **input: Any) -> tuple[str, str]:
        data = await api.gql(SEND, {"input": input}, token=token_for(actors[actor]))
        payload = data["sendMessage"]
        assert payload["errors"] == [], payload
        return (from_global_id(payload["message"]["id"])[1],
                from_global_id(payload["conversation"]["id"])[1])

    w.ids["message"], w.ids["direct"] = await sent("ada", recipientIds=[w.person("ben")],
                                                   body="Private hello")
    w.ids["reported"], _ = await sent("ada", conversationId=w.gid("Conversation", "direct"),
                                      body="Nasty words")
    _, w.ids["group"] = await sent("ada", recipientIds=[w.person("ben"), w.gid("Person", "cy")],
                                   name="Journal club", body="Welcome")
    report = await api.gql(
        "mutation($id: ID!) { report(input: {targetId: $id, reason: HARASSMENT}) { errors { code } } }",
        {"id": w.gid("Message", "reported")}, token=token_for(actors["ben"]),
    )
    assert report["report"]["errors"] == []
    return w


async def _person(db: Backend, person_id: str) -> Any:
    return await people.get(db, person_id)


def sends_to(name: str, body: str, allowed: frozenset[str], **codes: str) -> Case:
    return Case(
        f"sendMessage to {name}", SEND,
        lambda w: {"input": {"recipientIds": [w.gid("Person", name)], "body": body}},
        allowed, codes=codes,
        effect=f"OPTIONAL MATCH (x:Message {{body: '{body}'}}) RETURN count(x) = 1 AS v",  # type: ignore[arg-type]
    )


NODE = "query($id: ID!) { node(id: $id) { id %s } }"
PARTICIPATION = ("MATCH (:Person {id: $viewer_id})-[r:PARTICIPATES_IN]->(:Conversation {id: $%s}) "
                 "RETURN %s AS v")

CASES = [
    sends_to("open", "To open", SIGNED_IN - {"blocked"}),
    sends_to("victim", "To victim", SIGNED_IN - {"blocked"}),
    sends_to("picky", "To picky", frozenset({"ben"})),
    sends_to("closed", "To closed", frozenset()),
    Case("sendMessage in the conversation", SEND,
         lambda w: {"input": {"conversationId": w.gid("Conversation", "direct"), "body": "Reply"}},
         PARTICIPANTS, codes=NOT_PARTICIPANTS,
         effect="OPTIONAL MATCH (x:Message {body: 'Reply'})-[:IN]->(:Conversation {id: $direct}) "
                "RETURN count(x) = 1 AS v"),
    Case("markConversationRead",
         m("markConversationRead", "ConversationInput", "conversation { unreadCount }"),
         lambda w: {"input": {"conversationId": w.gid("Conversation", "direct")}},
         PARTICIPANTS, codes=NOT_PARTICIPANTS,
         shown=lambda data: data["markConversationRead"]["conversation"]["unreadCount"] == 0),
    Case("muteConversation", m("muteConversation", "MuteConversationInput"),
         lambda w: {"input": {"conversationId": w.gid("Conversation", "direct"), "muted": True}},
         PARTICIPANTS, codes=NOT_PARTICIPANTS,
         effect=PARTICIPATION % ("direct", "coalesce(r.muted, false)")),  # type: ignore[arg-type]
    Case("leaveConversation", m("leaveConversation", "ConversationInput"),
         lambda w: {"input": {"conversationId": w.gid("Conversation", "group")}},
         PARTICIPANTS, codes=NOT_PARTICIPANTS,
         effect=PARTICIPATION % ("group", "r.leftAt IS NOT NULL")),  # type: ignore[arg-type]
    Case("leaveConversation direct", m("leaveConversation", "ConversationInput"),
         lambda w: {"input": {"conversationId": w.gid("Conversation", "direct")}},
         frozenset(), codes={**NOT_PARTICIPANTS, "ada": "BAD_USER_INPUT", "ben": "BAD_USER_INPUT"}),
    Case("deleteMessage", m("deleteMessage", "DeleteMessageInput"),
         lambda w: {"input": {"messageId": w.gid("Message", "message")}},
         frozenset({"ada"}), codes=NOT_PARTICIPANTS,
         effect="MATCH (x:Message {id: $message}) RETURN x.deletedAt IS NOT NULL AS v"),
    Case("updateMessageSettings", m("updateMessageSettings", "UpdateMessageSettingsInput"),
         lambda w: {"input": {"messagePolicy": "NOBODY"}}, SIGNED_IN,
         effect="MATCH (x:Person {id: $viewer_id}) "
                "RETURN coalesce(x.messagePolicy, 'EVERYONE') = 'NOBODY' AS v"),
    # -- private reads --------------------------------------------------------------------------
    Case("a message", NODE % "... on Message { body }",
         lambda w: {"id": w.gid("Message", "message")}, PARTICIPANTS,
         shown=lambda data: (data["node"] or {}).get("body") == "Private hello", codes=UNSEEN),
    Case("a reported message", NODE % "... on Message { body }",
         lambda w: {"id": w.gid("Message", "reported")}, PARTICIPANTS | {"moderator", "admin"},
         shown=lambda data: (data["node"] or {}).get("body") == "Nasty words",
         codes=UNSEEN),
    Case("a conversation", NODE % "... on Conversation { kind }",
         lambda w: {"id": w.gid("Conversation", "direct")}, PARTICIPANTS,
         shown=lambda data: data["node"] is not None, codes=UNSEEN),
    Case("conversations", "query { conversations(first: 5) { edges { node { id } } } }",
         lambda w: {}, PARTICIPANTS,
         shown=lambda data: bool((data["conversations"] or {}).get("edges")),
         codes=dict.fromkeys(SIGNED_IN - PARTICIPANTS, HIDDEN)),
]


@pytest.mark.parametrize(("case", "actor"), table(CASES, ACTORS))
async def test_message_permissions(served: Served, case: Case, actor: str) -> None:
    await check(served, case, actor)


def test_every_message_mutation_is_in_the_table() -> None:
    from schema.messages import MessagesMutation

    assert p.untested_mutations(MessagesMutation, CASES) == set()
