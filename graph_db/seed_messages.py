"""The synthetic network's messages: DIRECT conversations between people already seeded
(graph_db.seed), with their messages, as graph_db.messages stores them.

Exact numbers: `conversations` conversations (each a distinct pair, the same pairKey a first
sendMessage would make) holding `messages` messages in all (each at least one, a long tail
of longer threads), and each participant's lastReadAt somewhere in the thread, so some
conversations have unread messages. Everything derives from (seed, the people present,
ordered by id), ids included, and is written with MERGE, so a second run changes nothing.
Conversations are generated and written one chunk at a time (memory stays flat).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.messages import pair_key

Progress = Callable[[str, int, int], None]
CHUNK = 500  # conversations per generated chunk (and per statement)
DAY_MS = 86_400_000
LINES = (
    "Thanks for the feedback on the {topic} draft.", "Are you free to meet next week?",
    "I sent the revised aims page.", "Could you review my {topic} abstract?",
    "Great seeing you at the seminar.", "Here is the protocol we discussed.",
    "Let's move our check-in to Thursday.", "Any advice on the {topic} grant?",
    "The committee liked the proposal.", "I'll bring the data to our next meeting.",
    "Congratulations on the paper!", "Can we talk about the {topic} timeline?",
)
TOPICS = ("K award", "R01", "fellowship", "manuscript", "promotion", "cohort", "pilot study")

PEOPLE: LiteralString = "MATCH (p:Person) RETURN p.id AS id ORDER BY p.id"

# One statement per chunk: the conversations, both participants and every message.
CREATE_MANY: LiteralString = (
    "UNWIND $rows AS row "
    "MATCH (a:Person {id: row.a}), (b:Person {id: row.b}) "
    "MERGE (c:Conversation {id: row.id}) ON CREATE SET c.kind = 'DIRECT', "
    "c.pairKey = row.pairKey, c.createdAt = row.createdAt, c.createdBy = row.a, "
    "c.lastMessageAt = row.lastAt, c.lastMessageId = row.lastId "
    "MERGE (a)-[pa:PARTICIPATES_IN]->(c) ON CREATE SET pa.joinedAt = row.createdAt, "
    "pa.lastReadAt = row.readA "
    "MERGE (b)-[pb:PARTICIPATES_IN]->(c) ON CREATE SET pb.joinedAt = row.createdAt, "
    "pb.lastReadAt = row.readB "
    "WITH a, b, c, row UNWIND row.messages AS msg "
    "MERGE (m:Message {id: msg.id}) ON CREATE SET m.body = msg.body, m.createdAt = msg.at, "
    "m.senderId = msg.sender, m.conversationId = c.id, m.mentionIds = [], m.links = [] "
    "WITH c, m, msg MATCH (s:Person {id: msg.sender}) "
    "MERGE (s)-[:SENT]->(m) MERGE (m)-[:IN]->(c) "
    "RETURN count(m) AS written"
)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _offsets(count: int, people: int, seed: int) -> list[int]:
    """One distinct circular distance per round of `people` conversations: the pairs
    (i, i + d) of different rounds never repeat."""
    rng = random.Random(f"{seed}:message-offsets")
    pool = list(range(1, (people - 1) // 2 + 1))
    rounds = -(-count // people)
    if rounds > len(pool):
        raise ValueError(f"{count} distinct conversations need more than {people} people")
    return rng.sample(pool, rounds)


def _sizes(rng: random.Random, count: int, total: int) -> list[int]:
    """`count` thread lengths, each at least 1, summing to `total`, long-tailed."""
    sizes = [1] * count
    weights = [rng.paretovariate(1.5) for _ in range(count)]
    for index in rng.choices(range(count), weights=weights, k=total - count):
        sizes[index] += 1
    return sizes


def _read_up_to(rng: random.Random, thread: list[dict[str, Any]], person: str) -> int:
    """A participant's lastReadAt: the last message's sender has read it all; the other is
    often a few messages behind."""
    if thread[-1]["sender"] == person or rng.random() < 0.6:
        return int(thread[-1]["at"])
    return int(thread[rng.randrange(len(thread))]["at"]) - 1


def conversation_rows(
    ids: Sequence[str], conversations: int, messages: int, chunk: int, *, seed: int, now: int
) -> list[dict[str, Any]]:
    """The rows of one chunk (conversations chunk*CHUNK onwards), deterministic."""
    people = len(ids)
    start, end = chunk * CHUNK, min((chunk + 1) * CHUNK, conversations)
    quota = messages * end // conversations - messages * start // conversations
    rng = random.Random(f"{seed}:messages:{chunk}")
    offsets = _offsets(conversations, people, seed)
    rows = []
    for i, size in zip(range(start, end), _sizes(rng, end - start, quota), strict=True):
        a = ids[i % people]
        b = ids[(i % people + offsets[i // people]) % people]
        # Gaps of a minute to two days; the thread ends up to 180 days before `now`, so no
        # two conversations share a last-message time by construction.
        gaps = [rng.randint(60_000, 2 * DAY_MS) for _ in range(size)]
        at = now - rng.randint(0, 180 * DAY_MS) - sum(gaps)
        created = at
        thread = []
        for gap in gaps:
            at += gap
            line = rng.choice(LINES).format(topic=rng.choice(TOPICS))
            thread.append({"id": _uuid(rng), "at": at, "sender": rng.choice((a, b)),
                           "body": line if rng.random() < 0.7 else f"{line} {rng.choice(LINES)}"
                           .format(topic=rng.choice(TOPICS))})
        last = thread[-1]
        rows.append({
            "id": _uuid(rng), "a": a, "b": b, "pairKey": pair_key(a, b), "createdAt": created,
            "lastAt": last["at"], "lastId": last["id"], "readA": _read_up_to(rng, thread, a),
            "readB": _read_up_to(rng, thread, b), "messages": thread,
        })
    return rows


async def seed_conversations(
    db: Executor, conversations: int, messages: int, *, seed: int = 7, now: int,
    progress: Progress | None = None,
) -> int:
    """Write the conversations and their messages; returns how many messages were written
    (0 without at least three people)."""
    if conversations <= 0:
        return 0
    if messages < conversations:
        raise ValueError("every conversation holds at least one message")
    ids = [r["id"] for r in await db.read(PEOPLE)]
    if len(ids) < 3:
        return 0
    written = 0
    chunks = -(-conversations // CHUNK)
    for chunk in range(chunks):
        rows = conversation_rows(ids, conversations, messages, chunk, seed=seed, now=now)
        result = await db.write(CREATE_MANY, {"rows": rows})
        written += int(result[0]["written"]) if result else 0
        if progress is not None:
            progress("conversations", min((chunk + 1) * CHUNK, conversations), conversations)
    return written
