"""Who knows whom: follows, connection requests, connections, blocks, degrees, suggestions.

The graph, for every domain that builds on it:
- (a)-[:FOLLOWS {createdAt}]->(b): one-way.
- (a)-[:REQUESTED_CONNECTION {createdAt, message}]->(b): a pending request.
- CONNECTED_WITH is mutual and stored in BOTH directions, each edge with createdAt, so a
  person's connections are always `(p)-[:CONNECTED_WITH]->(c)` (directed: no double counts,
  and directed traversal is what both engines do fastest).
- (a)-[:BLOCKED {createdAt}]->(b): blocking removes every follow, request and connection
  between the two in the same statement; blocked pairs (either direction) never see each
  other. Use `hidden_ids`/HIDDEN to exclude them from any list.

Every write is one idempotent statement; doing it twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any, LiteralString

from graph_db.backend import Executor
from graph_db.batch import Batch, aligned_or
from graph_db.locks import lock_pair
from graph_db.notifications import merge_edge, notified, notify
from graph_db.people import PERSON_FIELDS
from graph_db.people_records import (
    LinkRecord,
    NetworkCountsRecord,
    PairChangeRecord,
    PersonRecord,
    RelationRecord,
    SuggestionRecord,
)
from graph_db.policy import blocked_ids, blocks_between, hidden_from

# Binds `hidden`: ids of everyone the viewer ($viewer) blocked or is blocked by.
HIDDEN: LiteralString = hidden_from("$viewer")
# FalkorDB quirks, for every statement here: exists(pattern) can answer wrongly, a pattern
# predicate in WHERE does not resolve, and two pattern comprehensions in one clause that
# introduce the same variable name interfere. So patterns are counted with size([...]) in a
# WITH (the WHERE filters the counted value), each comprehension with its own variable.


def _status(carry: LiteralString = "") -> LiteralString:
    """Status of the pair (a, b) as the viewer `a` sees it, after the statement's changes;
    `carry` (", x, y") names columns returned alongside (the notifications a step made)."""
    return (
        "WITH size([(a)-[:CONNECTED_WITH]->(b) | b]) AS connected, "
        "size([(b)-[:REQUESTED_CONNECTION]->(a) | a]) AS received, "
        "size([(a)-[:REQUESTED_CONNECTION]->(b) | b]) AS sent" + carry
        + " RETURN CASE WHEN connected > 0 THEN 'CONNECTED' WHEN received > 0 THEN 'REQUEST_RECEIVED' "
        "WHEN sent > 0 THEN 'REQUEST_SENT' ELSE 'NONE' END AS status" + carry
    )


_STATUS: LiteralString = _status()
# Every step of a pair reads the pair's edges before it writes (crossing requests connect):
# it locks both people first (graph_db.locks).
_PAIR: LiteralString = "MATCH (a:Person {id: $viewer}), (b:Person {id: $other})" + lock_pair("a", "b")
# Keeps the row only when no block stands between a and b (either direction).
_NOT_BLOCKED: LiteralString = "WITH a, b, " + blocks_between("a", "b") + " AS blocked WHERE NOT blocked "
_CONNECT: LiteralString = (
    "MERGE (a)-[c1:CONNECTED_WITH]->(b) ON CREATE SET c1.createdAt = $now "
    "MERGE (b)-[c2:CONNECTED_WITH]->(a) ON CREATE SET c2.createdAt = $now"
)


async def _pair_write(
    db: Executor, query: LiteralString, viewer: str, other: str, *notices: str, **params: Any
) -> PairChangeRecord | None:
    """Run one step of the pair (viewer, other): the status it left and the notifications in
    the `notices` columns; None when the statement found no pair to act on."""
    rows = await db.write(query, {"viewer": viewer, "other": other, **params})
    if not rows:
        return None
    found = notified(rows, *notices) if notices else []
    return PairChangeRecord(str(rows[0]["status"]), tuple(found))


FOLLOW: LiteralString = (
    _PAIR + _NOT_BLOCKED + merge_edge("a", "FOLLOWS", "b", "a, b")
    # The person followed hears of it once (graph_db.notifications; grouped until read).
    + notify("FOLLOW", imports="a, b, created", recipients="[b]", actor="a", target="b",
             person="a", when="created")
    + " RETURN 'FOLLOWING' AS status, notified"
)


async def follow(db: Executor, viewer: str, other: str, *, now: int) -> PairChangeRecord | None:
    """Viewer follows other (status FOLLOWING); None if other does not exist or a block
    stands between them."""
    return await _pair_write(db, FOLLOW, viewer, other, "notified", now=now)


UNFOLLOW: LiteralString = (
    _PAIR + "OPTIONAL MATCH (a)-[f:FOLLOWS]->(b) DELETE f RETURN 'NOT_FOLLOWING' AS status"
)


async def unfollow(db: Executor, viewer: str, other: str) -> PairChangeRecord | None:
    return await _pair_write(db, UNFOLLOW, viewer, other)


# A request to someone who already asked us is an acceptance: both end up connected.
REQUEST: LiteralString = (
    _PAIR + _NOT_BLOCKED
    + "OPTIONAL MATCH (b)-[incoming:REQUESTED_CONNECTION]->(a) "
    "OPTIONAL MATCH (a)-[outgoing:REQUESTED_CONNECTION]->(b) "
    "WITH a, b, incoming, outgoing, size([(a)-[:CONNECTED_WITH]->(b) | b]) AS connected "
    "WITH a, b, incoming, outgoing, incoming IS NOT NULL OR connected > 0 AS connect, "
    "  connected = 0 AND (incoming IS NOT NULL OR outgoing IS NULL) AS news "
    "FOREACH (_ IN CASE WHEN connect THEN [1] ELSE [] END | " + _CONNECT + ") "
    "FOREACH (_ IN CASE WHEN connect THEN [] ELSE [1] END | "
    "  MERGE (a)-[r:REQUESTED_CONNECTION]->(b) ON CREATE SET r.createdAt = $now, "
    "  r.message = $message) "
    "FOREACH (r IN CASE WHEN connect AND outgoing IS NOT NULL THEN [outgoing] ELSE [] END | "
    "  DELETE r) "
    "DELETE incoming WITH a, b, connect, news"
    # A new request tells the other person; crossing requests connect, which tells the one
    # who asked first (graph_db.notifications).
    + notify("CONNECTION_REQUEST", imports="a, b, connect, news", recipients="[b]", actor="a",
             target="b", person="a", when="news AND NOT connect", out="requested")
    + notify("CONNECTION_ACCEPTED", imports="a, b, connect, news", recipients="[b]", actor="a",
             target="b", person="a", when="news AND connect", out="accepted")
    + " WITH a, b, requested, accepted " + _status(", requested, accepted")
)


async def request_connection(
    db: Executor, viewer: str, other: str, *, message: str | None, now: int
) -> PairChangeRecord | None:
    """Ask to connect (or accept, if other asked first); None if other is hidden or gone."""
    return await _pair_write(
        db, REQUEST, viewer, other, "requested", "accepted", message=message, now=now
    )


ACCEPT: LiteralString = (
    _PAIR
    + "OPTIONAL MATCH (b)-[incoming:REQUESTED_CONNECTION]->(a) "
    "OPTIONAL MATCH (a)-[outgoing:REQUESTED_CONNECTION]->(b) "
    "WITH a, b, incoming, outgoing, size([(a)-[:CONNECTED_WITH]->(b) | b]) AS connected "
    "WHERE incoming IS NOT NULL OR connected > 0 "
    "WITH a, b, incoming, outgoing, connected = 0 AS news "
    + _CONNECT + " DELETE incoming, outgoing WITH a, b, news"
    # The one who asked hears that the request was accepted (graph_db.notifications).
    + notify("CONNECTION_ACCEPTED", imports="a, b, news", recipients="[b]", actor="a",
             target="b", person="a", when="news")
    + " WITH a, b, notified " + _status(", notified")
)


async def accept_connection(
    db: Executor, viewer: str, other: str, *, now: int
) -> PairChangeRecord | None:
    """Accept other's request; None when there is no request (and no connection) to accept."""
    return await _pair_write(db, ACCEPT, viewer, other, "notified", now=now)


DECLINE: LiteralString = (
    _PAIR + "OPTIONAL MATCH (b)-[r:REQUESTED_CONNECTION]->(a) DELETE r WITH a, b " + _STATUS
)


async def decline_connection(db: Executor, viewer: str, other: str) -> PairChangeRecord | None:
    return await _pair_write(db, DECLINE, viewer, other)


WITHDRAW: LiteralString = (
    _PAIR + "OPTIONAL MATCH (a)-[r:REQUESTED_CONNECTION]->(b) DELETE r WITH a, b " + _STATUS
)


async def withdraw_request(db: Executor, viewer: str, other: str) -> PairChangeRecord | None:
    return await _pair_write(db, WITHDRAW, viewer, other)


REMOVE_CONNECTION: LiteralString = (
    _PAIR + "OPTIONAL MATCH (a)-[c:CONNECTED_WITH]-(b) DELETE c WITH DISTINCT a, b " + _STATUS
)


async def remove_connection(db: Executor, viewer: str, other: str) -> PairChangeRecord | None:
    return await _pair_write(db, REMOVE_CONNECTION, viewer, other)


BLOCK: LiteralString = (
    _PAIR
    + "OPTIONAL MATCH (a)-[r:FOLLOWS|CONNECTED_WITH|REQUESTED_CONNECTION]-(b) DELETE r "
    "WITH DISTINCT a, b MERGE (a)-[x:BLOCKED]->(b) ON CREATE SET x.createdAt = $now "
    "RETURN 'BLOCKED' AS status"
)


async def block(db: Executor, viewer: str, other: str, *, now: int) -> PairChangeRecord | None:
    """Block other: every follow, request and connection between the two goes too."""
    return await _pair_write(db, BLOCK, viewer, other, now=now)


UNBLOCK: LiteralString = (
    _PAIR + "OPTIONAL MATCH (a)-[x:BLOCKED]->(b) DELETE x RETURN 'NONE' AS status"
)


async def unblock(db: Executor, viewer: str, other: str) -> PairChangeRecord | None:
    return await _pair_write(db, UNBLOCK, viewer, other)


HIDDEN_IDS: LiteralString = HIDDEN + "RETURN hidden"


async def hidden_ids(db: Executor, viewer: str) -> list[str]:
    """Everyone the viewer blocked or was blocked by (they never see each other)."""
    rows = await db.read(HIDDEN_IDS, {"viewer": viewer})
    return list(rows[0]["hidden"]) if rows else []


# -- reading relations ---------------------------------------------------------------------

# Everything is read from the viewer's side once (their links each way as [type, id] pairs,
# their first- and second-degree ids), so each person of the page costs list lookups and one
# one-hop step (third degree) only: a page of N people is one statement, bounded by the
# viewer's neighbourhood. One pattern per direction rather than one per relationship type:
# each pattern comprehension is a sub-plan FalkorDB runs on its own (~50 us apiece). The keys
# are bound first and carried (graph_db.compose may give them as an expression over an
# earlier part; UNWIND of the one list, as FalkorDB takes no expression in a WITH after a
# CALL's import).
RELATIONS: LiteralString = (
    "UNWIND [$ids] AS ids MATCH (v:Person {id: $viewer}) "
    "WITH ids, v, "
    "  [(v)-[r1:CONNECTED_WITH|BLOCKED|FOLLOWS|REQUESTED_CONNECTION]->(o1:Person) "
    "   | [type(r1), o1.id]] AS out, "
    "  [(v)<-[r2:BLOCKED|FOLLOWS|REQUESTED_CONNECTION]-(o2:Person) | [type(r2), o2.id]] AS incoming "
    "WITH ids, v, out, incoming, [x IN out WHERE x[0] = 'CONNECTED_WITH' | x[1]] AS first "
    "WITH ids, out, incoming, first, "
    "  [(v)-[:CONNECTED_WITH]->(:Person)-[:CONNECTED_WITH]->(c2:Person) | c2.id] AS second "
    "UNWIND ids AS id MATCH (p:Person {id: id}) "
    "RETURN id, ['BLOCKED', id] IN out AS blocked, ['BLOCKED', id] IN incoming AS blockedBy, "
    "['FOLLOWS', id] IN out AS follows, ['FOLLOWS', id] IN incoming AS followedBy, "
    "['REQUESTED_CONNECTION', id] IN out AS requestSent, "
    "['REQUESTED_CONNECTION', id] IN incoming AS requestReceived, "
    "CASE WHEN id = $viewer THEN null WHEN id IN first THEN 1 WHEN id IN second THEN 2 "
    "WHEN size([(p)-[:CONNECTED_WITH]->(c3:Person) WHERE c3.id IN second | c3]) > 0 THEN 3 "
    "END AS degree"
)


# How `$viewer` relates to each person (aligned; self has degree None).
RELATIONS_OF = Batch(RELATIONS, aligned_or(
    itemgetter("id"), lambda r: RelationRecord.from_row({**r, "connected": r["degree"] == 1}),
    lambda i: RelationRecord(id=i),
))


async def get_relations(db: Executor, viewer: str, ids: Sequence[str]) -> list[RelationRecord]:
    """How the viewer relates to each person in `ids` (aligned; self has degree None)."""
    return await RELATIONS_OF.get(db, ids, {"viewer": viewer})


COUNTS: LiteralString = (
    "UNWIND $ids AS id MATCH (p:Person {id: id}) "
    "RETURN id, size([(p)<-[:FOLLOWS]-(fr) | fr]) AS followers, "
    "size([(p)-[:FOLLOWS]->(fd) | fd]) AS following, "
    "size([(p)-[:CONNECTED_WITH]->(cn) | cn]) AS connections"
)


# Followers, following and connections of each person, aligned with the ids.
get_counts = Batch(COUNTS, aligned_or(
    itemgetter("id"), NetworkCountsRecord.from_row, lambda i: NetworkCountsRecord(id=i)
))


# -- lists (keyset: most recent first, then id) ---------------------------------------------

_AFTER: LiteralString = (
    "($afterSince IS NULL OR l.createdAt < $afterSince "
    "OR (l.createdAt = $afterSince AND p.id > $afterId)) "
)
_LIST_TAIL: LiteralString = (
    "RETURN " + PERSON_FIELDS + " AS person, l.createdAt AS since, l.message AS message "
    "ORDER BY since DESC, p.id LIMIT $limit"
)

LIST_LINKS: dict[str, LiteralString] = {
    "followers": HIDDEN + "MATCH (:Person {id: $owner})<-[l:FOLLOWS]-(p:Person) "
    "WHERE NOT p.id IN hidden AND " + _AFTER + _LIST_TAIL,
    "following": HIDDEN + "MATCH (:Person {id: $owner})-[l:FOLLOWS]->(p:Person) "
    "WHERE NOT p.id IN hidden AND " + _AFTER + _LIST_TAIL,
    "connections": HIDDEN + "MATCH (:Person {id: $owner})-[l:CONNECTED_WITH]->(p:Person) "
    "WHERE NOT p.id IN hidden AND " + _AFTER + _LIST_TAIL,
    "incoming": "MATCH (:Person {id: $owner})<-[l:REQUESTED_CONNECTION]-(p:Person) WHERE "
    + _AFTER + _LIST_TAIL,
    "outgoing": "MATCH (:Person {id: $owner})-[l:REQUESTED_CONNECTION]->(p:Person) WHERE "
    + _AFTER + _LIST_TAIL,
    "blocked": "MATCH (:Person {id: $owner})-[l:BLOCKED]->(p:Person) WHERE " + _AFTER + _LIST_TAIL,
}


async def list_links(
    db: Executor, kind: str, owner: str, *, viewer: str, after: tuple[int, str] | None,
    limit: int,
) -> list[LinkRecord]:
    """One page of `owner`'s followers, following, connections, incoming/outgoing requests or
    blocked members (`kind`), newest first; people hidden from `viewer` are left out."""
    rows = await db.read(
        LIST_LINKS[kind],
        {
            "owner": owner, "viewer": viewer, "limit": limit,
            "afterSince": after[0] if after else None, "afterId": after[1] if after else None,
        },
    )
    return [
        LinkRecord(PersonRecord.from_row(r["person"]), int(r["since"] or 0), r["message"])
        for r in rows
    ]


# People the viewer may know: friends of friends (weighted 3 per mutual connection) and
# people sharing interests (1 per shared interest), minus self, connections, pending
# requests and blocks in either direction.
SUGGESTIONS: LiteralString = (
    "MATCH (v:Person {id: $viewer}) "
    "WITH v, [(v)-[:CONNECTED_WITH]->(f:Person) | f.id] + "
    + blocked_ids("v", "b") + " + [(v)-[:REQUESTED_CONNECTION]-(r:Person) | r.id] "
    "+ [$viewer] AS excluded "
    "CALL { WITH v "
    "  MATCH (v)-[:CONNECTED_WITH]->(:Person)-[:CONNECTED_WITH]->(c:Person) "
    "  RETURN c.id AS cid, count(*) AS mutual, 0 AS shared "
    "  UNION ALL WITH v "
    "  MATCH (v)-[:INTERESTED_IN]->(:Interest)<-[:INTERESTED_IN]-(c:Person) "
    "  RETURN c.id AS cid, 0 AS mutual, count(*) AS shared } "
    "WITH excluded, cid, sum(mutual) AS mutual, sum(shared) AS shared "
    "WHERE NOT cid IN excluded "
    "WITH cid, toInteger(mutual) AS mutual, toInteger(shared) AS shared "
    "WITH cid, mutual, shared, 3 * mutual + shared AS score "
    "ORDER BY score DESC, mutual DESC, cid LIMIT $limit "
    "MATCH (p:Person {id: cid}) "
    "RETURN " + PERSON_FIELDS + " AS person, mutual, shared, score "
    "ORDER BY score DESC, mutual DESC, p.id"
)


async def suggestions(db: Executor, viewer: str, *, limit: int) -> list[SuggestionRecord]:
    rows = await db.read(SUGGESTIONS, {"viewer": viewer, "limit": limit})
    return [
        SuggestionRecord(
            PersonRecord.from_row(r["person"]), int(r["mutual"]), int(r["shared"]), int(r["score"])
        )
        for r in rows
    ]


# -- bulk writes (synthetic networks) -----------------------------------------------------

CONNECT_MANY: LiteralString = (
    "UNWIND $pairs AS pair MATCH (a:Person {id: pair[0]}), (b:Person {id: pair[1]}) "
    "MERGE (a)-[x:CONNECTED_WITH]->(b) ON CREATE SET x.createdAt = pair[2] "
    "MERGE (b)-[y:CONNECTED_WITH]->(a) ON CREATE SET y.createdAt = pair[2] "
    "RETURN count(*) AS n"
)


async def _write_pairs(
    db: Executor, query: LiteralString, pairs: Sequence[tuple[str, str, int]]
) -> int:
    if not pairs:
        return 0
    rows = await db.write(query, {"pairs": [list(p) for p in pairs]})
    return int(rows[0]["n"])


async def connect_many(db: Executor, pairs: Sequence[tuple[str, str, int]]) -> int:
    """Connect each (a, b, createdAt) pair (both directions), idempotently."""
    return await _write_pairs(db, CONNECT_MANY, pairs)


FOLLOW_MANY: LiteralString = (
    "UNWIND $pairs AS pair MATCH (a:Person {id: pair[0]}), (b:Person {id: pair[1]}) "
    "MERGE (a)-[f:FOLLOWS]->(b) ON CREATE SET f.createdAt = pair[2] RETURN count(*) AS n"
)


async def follow_many(db: Executor, pairs: Sequence[tuple[str, str, int]]) -> int:
    """Each (follower, followed, createdAt), idempotently."""
    return await _write_pairs(db, FOLLOW_MANY, pairs)
