"""Messages: DIRECT conversations with their messages (graph_db.seed_messages), the viewer's
conversations page and sendMessage to an existing contact. sendMessage only adds messages to
conversations that exist, so the page's checks hold while it runs (its conversations stay
the same; which comes first may change)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from bench.registry import Call, Fixtures, Operation, dig, first_problem, problem, seed_step
from graph_db import seed_messages
from schema.base import to_global_id

STEPS = [
    seed_step(
        "messages", seed_messages.seed_conversations, params=("conversations", "messages"),
        every=10_000,
        expect=lambda scale: {"Conversation": scale.params["conversations"],
                              "Message": scale.params["messages"],
                              "SENT": scale.params["messages"]},
        derived=("PARTICIPATES_IN",),
        sources=("graph_db/seed_messages.py",),
    ),
]

# Pairs in a DIRECT conversation (either may write to the other), ordered for determinism.
PAIRS = (
    "MATCH (a:Person)-[:PARTICIPATES_IN]->(c:Conversation {kind: 'DIRECT'})"
    "<-[:PARTICIPATES_IN]-(b:Person) WHERE a.id < b.id "
    "WITH a, b, c ORDER BY c.id LIMIT 20000 RETURN a.id AS a, b.id AS b, c.id AS conversation"
)
# Viewers with how many conversations they are in (sendMessage to a contact adds none).
VIEWERS = (
    "MATCH (v:Person)-[:PARTICIPATES_IN]->(c:Conversation) "
    "WITH v, count(c) AS conversations ORDER BY v.id LIMIT 20000 "
    "RETURN v.id AS id, conversations"
)

# -- send_message -------------------------------------------------------------------------------

WORDS = ("thanks", "meeting", "draft", "aims", "grant", "seminar", "feedback", "Tuesday",
         "protocol", "slides", "abstract", "review", "timeline", "committee", "paper")


def _send(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    pair = rng.choice(fx.rows(PAIRS))
    sender, recipient = (pair["a"], pair["b"]) if rng.random() < 0.5 else (pair["b"], pair["a"])
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))
    return Call({"to": to_global_id("Person", recipient),
                 "body": f"Bench message {rng.getrandbits(32):08x}: {body}."},
                viewer=sender, expect={"conversation": pair["conversation"]})


def _check_send(data: Mapping[str, Any], call: Call) -> str | None:
    payload = data.get("sendMessage")
    if not isinstance(payload, Mapping):
        return "sendMessage is null"
    message, conversation = payload.get("message") or {}, payload.get("conversation") or {}
    return first_problem(
        problem(payload.get("errors") == [], f"errors: {payload.get('errors')}"),
        problem(message.get("body") == call.variables["body"], "the message's body is not the one sent"),
        problem(dig(message, "sender.id") == to_global_id("Person", call.viewer or ""),
                "the message's sender is not the viewer"),
        problem(conversation.get("id") == to_global_id("Conversation", call.expect["conversation"]),
                "the message went to another conversation than the pair's DIRECT one"),
        problem(conversation.get("kind") == "DIRECT", f"conversation kind {conversation.get('kind')}"),
        # Its contact may write at the same moment: the conversation is at least as new.
        problem(isinstance(conversation.get("lastMessageAt"), str)
                and isinstance(message.get("createdAt"), str)
                and conversation["lastMessageAt"] >= message["createdAt"],
                "the conversation's lastMessageAt is older than the new message"),
        problem(isinstance(conversation.get("unreadCount"), int) and conversation["unreadCount"] >= 0,
                "the conversation's unreadCount is not a count"),
    )


# -- conversations_page -------------------------------------------------------------------------


def _page(fx: Fixtures, rng: random.Random, page_size: int | None) -> Call:
    facts = rng.choice(fx.rows(VIEWERS))
    return Call({"first": page_size or 20}, viewer=facts["id"], expect=facts)


def _check_page(data: Mapping[str, Any], call: Call) -> str | None:
    page, first = data.get("conversations"), call.variables["first"]
    if not isinstance(page, Mapping) or not isinstance(page.get("edges"), list):
        return "conversations.edges is missing"
    edges, viewer = page["edges"], to_global_id("Person", call.viewer or "")
    nodes = [e.get("node") or {} for e in edges]
    # Ties in time are ordered by raw id, which global ids do not keep: compare times only.
    times = [n.get("lastMessageAt") for n in nodes]
    unread = [n.get("unreadCount") for n in nodes]
    return first_problem(
        problem(len(edges) == min(first, call.expect["conversations"]),
                f"{len(edges)} conversations on a page of {first}; the viewer is in "
                f"{call.expect['conversations']}"),
        problem(all(isinstance(t, str) for t in times) and times == sorted(times, reverse=True),
                "conversations are not newest activity first"),
        problem(len({n.get("id") for n in nodes}) == len(nodes),
                "a conversation appears twice on the page"),
        problem(all(viewer in {p.get("id") for p in n.get("participants") or []} for n in nodes),
                "a conversation the viewer is not in"),
        problem(all(dig(n, "lastMessage.createdAt") == n.get("lastMessageAt")
                    and bool(dig(n, "lastMessage.sender.id")) for n in nodes),
                "a conversation lacks its last message (or it is not the latest)"),
        problem(all(isinstance(u, int) and u >= 0 for u in unread), "an unreadCount is not a count"),
        problem(isinstance(data.get("unreadMessageCount"), int)
                and data["unreadMessageCount"] >= any(isinstance(u, int) and u > 0 for u in unread),
                "unreadMessageCount says nothing is unread beside an unread conversation"),
        problem(len(edges) == first or not dig(page, "pageInfo.hasNextPage"),
                "a short page claims a next page"),
    )


OPERATIONS = [
    Operation(
        name="conversations_page", document="conversations_page.graphql", variables=_page,
        check=_check_page, domain="messages", requires=("Query.conversations", "auth"),
    ),
    Operation(
        name="send_message", document="send_message.graphql", variables=_send,
        check=_check_send, domain="messages", requires=("Mutation.sendMessage", "auth"),
        mutation=True,
    ),
]
