"""Notifications: what concerns a member, grouped per (recipient, kind, target) until read.

Any domain notifies inside its own write statement by composing `notify(...)`, a CALL
subquery that creates or grows the recipient's open Notification and yields the
notifications it touched, so the action and its notification commit together:

    LIKE = (
        "MATCH (v:Person {id: $viewer}), (p:Post {id: $post})<-[:AUTHORED]-(a:Person) "
        "MERGE (v)-[:LIKED]->(p) WITH v, p, a"
        + notify("LIKE_POST", imports="v, p, a", recipients="[a]", actor="v", target="p", post="p")
        + " RETURN p.id AS id, notified"
    )

and, once the statement has returned, the resolver publishes `notified` (resolvers.
notifications.announce) to the recipients' live subscriptions.

Grouping: a recipient has at most one *open* (unread) Notification per kind and target,
found by its `openKey` (unique); each new actor moves it to the top (`updatedAt`), adds
to `count` (distinct actors) and to `actorIds` (the most recent few). Reading it clears
`openKey`, so the next event starts a new one. Nobody is notified of their own action,
and members blocked either way never notify each other.

A notification is ABOUT its target (and the post that target belongs to); it disappears
from every read once any of those is removed, and once every actor it names is someone the
recipient has blocked (or been blocked by) since.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, LiteralString, TypeVar

from graph_db.backend import Executor, Params, all_records, first_count
from graph_db.batch import aligned_reader
from graph_db.dialect import identifier
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.policy import blocked, blocked_ids
from graph_db.social_records import NotificationRecord, NotifiedRecord

R = TypeVar("R")

# Kinds the social domain creates; other domains add theirs (UPPER_SNAKE, stable: clients
# switch on them). The GraphQL enum mirrors this tuple.
KINDS: tuple[str, ...] = (
    "LIKE_POST", "LIKE_COMMENT", "COMMENT", "REPLY", "MENTION",
    "FOLLOW", "CONNECTION_REQUEST", "CONNECTION_ACCEPTED",
    # groups and forums (graph_db.groups, graph_db.forums)
    "JOIN_REQUEST", "JOIN_APPROVED", "GROUP_INVITE", "THREAD_REPLY", "LIKE_THREAD",
    # mentorship (graph_db.mentorship): each step of a mentorship, its target
    "MENTORSHIP_REQUESTED", "MENTORSHIP_ACCEPTED", "MENTORSHIP_DECLINED",
    "MENTORSHIP_WITHDRAWN", "MENTORSHIP_ENDED", "COMMITTEE_INVITATION", "COMMITTEE_DISSOLVED",
    # speed-mentoring events (graph_db.programs.speed_events): the event is the target
    "EVENT_SEAT_CONFIRMED", "EVENT_CANCELLED",
    # program cohorts (graph_db.programs.cohorts): the pair is the target
    "MEETING_REMINDER", "SURVEY_DUE",
    # awards (graph_db.programs.awards): the nomination, or the cycle won, is the target
    "AWARD_NOMINATION", "AWARD_WON",
)
MAX_ACTORS = 10  # actor ids kept per notification (newest first); `count` keeps counting


def notify(
    kind: str,
    *,
    imports: LiteralString,
    recipients: LiteralString,
    actor: LiteralString,
    target: LiteralString,
    post: LiteralString = "null",
    comment: LiteralString = "null",
    person: LiteralString = "null",
    when: LiteralString = "true",
    out: LiteralString = "notified",
) -> LiteralString:
    """A CALL subquery notifying each of `recipients` (a list expression of Person nodes).

    `imports` are the outer variables the expressions use; `actor` and `target` are node
    expressions (the target must have an `id`); `post`/`comment`/`person` say what the
    notification is about (node expressions or null); nothing happens unless `when`.
    The statement must pass `$now`. Yields one row whatever happens, with `out`: a list of
    {id, recipientId} maps, one per notification created or grown.
    """
    name = identifier(kind)
    if name not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; add it to notifications.KINDS")
    return (
        " CALL { WITH " + imports
        + " WITH " + actor + " AS nActor, " + target + " AS nTarget, " + post + " AS nPost, "
        + comment + " AS nComment, " + person + " AS nPerson, " + recipients + " AS nRecipients, "
        # `when` is projected: a WHERE sees only what its WITH projects.
        + when + " AS nWhen WHERE nWhen AND nActor IS NOT NULL AND nTarget IS NOT NULL"
        " UNWIND nRecipients AS nRecipient"
        " WITH DISTINCT nActor, nTarget, nPost, nComment, nPerson, nRecipient"
        " WHERE nRecipient IS NOT NULL AND nRecipient <> nActor"
        " AND NOT " + blocked("nRecipient", "nActor") +
        " MERGE (n:Notification {openKey: nRecipient.id + ':" + name + ":' + nTarget.id})"
        " ON CREATE SET n.id = randomUUID(), n.kind = '" + name + "', n.recipientId = nRecipient.id,"
        " n.targetId = nTarget.id, n.createdAt = $now, n.count = 0, n.actorIds = []"
        # A matched notification is read below: lock it first (graph_db.locks).
        + lock("n") +
        " SET n.count = n.count + CASE WHEN nActor.id IN n.actorIds THEN 0 ELSE 1 END,"
        " n.actorIds = ([nActor.id] + [i IN n.actorIds WHERE i <> nActor.id])[..10],"
        " n.updatedAt = $now, n.postId = nPost.id, n.commentId = nComment.id,"
        " n.personId = nPerson.id"
        " MERGE (n)-[:NOTIFIES]->(nRecipient)"
        " MERGE (n)-[:ABOUT]->(nTarget)"
        " FOREACH (x IN CASE WHEN nPost IS NULL OR nPost = nTarget THEN [] ELSE [nPost] END |"
        " MERGE (n)-[:ABOUT]->(x))"
        " RETURN collect({id: n.id, recipientId: nRecipient.id}) AS " + out + " }"
    )


def merge_edge(
    start: LiteralString, rel: LiteralString, end: LiteralString, carry: LiteralString,
    on_create: LiteralString = "",
) -> LiteralString:
    """MERGE the `rel` edge from `start` to `end` (`made`, stamped createdAt = $now and with
    `on_create` assignments when new), then keep `carry` and `created`: whether this statement
    made the edge, what `notify(when="created")` tests so that a retry notifies no one again."""
    return (
        "OPTIONAL MATCH (" + start + ")-[known:" + rel + "]->(" + end + ") "
        "WITH " + carry + ", known IS NULL AS created "
        "MERGE (" + start + ")-[made:" + rel + "]->(" + end + ") "
        "ON CREATE SET made.createdAt = $now" + on_create + " "
        "WITH " + carry + ", created"
    )


def notified(rows: Sequence[dict[str, Any]], *columns: str) -> list[NotifiedRecord]:
    """The notifications named in `columns` of a write's rows (see `notify`), deduplicated."""
    found: dict[str, NotifiedRecord] = {}
    for row in rows:
        for column in columns or ("notified",):
            for item in row.get(column) or ():
                found[item["id"]] = NotifiedRecord.from_row(item)
    return list(found.values())


async def write_notifying(
    db: Executor, statement: LiteralString, column: str, build: Callable[[Any], R], params: Params,
    *outs: str,
) -> tuple[R | None, list[NotifiedRecord]]:
    """`build(row[column])` of a write's first row and the notifications named in its `outs`
    columns (see `notify`; "notified" by default); (None, []) when the write returned no row."""
    rows = await db.write(statement, params)
    if not rows:
        return None, []
    return build(rows[0][column]), notified(rows, *outs)


NOTIFICATION_FIELDS: LiteralString = (
    "n {.id, .kind, .recipientId, .targetId, .createdAt, .updatedAt, .count, .actorIds, "
    ".postId, .commentId, .personId, .readAt}"
)

# Each list starts from the recipient in a clause of its own: FalkorDB otherwise may plan
# a scan of every Notification. RECIPIENT binds `r` and `hidden` (the people `r` blocked or
# was blocked by); a notification `n` is SHOWN while nothing it is about has been removed
# and one of its actors is still someone `r` sees (`seen`: those actors' ids, newest first).
# (FalkorDB cannot filter on a pattern comprehension in WHERE: it is projected by a WITH,
# then tested.)
RECIPIENT: LiteralString = (
    "MATCH (r:Person {id: $recipient}) WITH r, " + blocked_ids("r", "h") + " AS hidden "
)
SHOWN: LiteralString = (
    "WITH n, size([(n)-[:ABOUT]->(gone) WHERE gone.removedAt IS NOT NULL | gone]) AS removed, "
    "[a IN n.actorIds WHERE NOT a IN hidden] AS seen "
    "WHERE removed = 0 AND size(seen) > 0"
)

LIST_NOTIFICATIONS: LiteralString = (
    RECIPIENT + "MATCH (r)<-[:NOTIFIES]-(n:Notification) WHERE (NOT $unreadOnly OR n.readAt IS NULL) "
    "AND " + past_cursor("n.updatedAt", "n.id", descending=True) + " "
    + SHOWN + " RETURN " + NOTIFICATION_FIELDS + " AS notification "
    "ORDER BY n.updatedAt DESC, n.id DESC LIMIT $limit"
)


async def list_notifications(
    db: Executor, recipient_id: str, *, unread_only: bool = False,
    after: tuple[int, str] | None = None, limit: int,
) -> list[NotificationRecord]:
    """A recipient's notifications, most recently active first, after the keyset (updatedAt, id)."""
    return await all_records(
        db.read, LIST_NOTIFICATIONS, "notification", NotificationRecord.from_row,
        {"recipient": recipient_id, "unreadOnly": unread_only, **cursor_params(after), "limit": limit},
    )


GET_MANY: LiteralString = (
    "UNWIND $ids AS id MATCH (n:Notification {id: id})-[:NOTIFIES]->(r:Person) "
    "WITH n, " + blocked_ids("r", "h") + " AS hidden " + SHOWN
    + " RETURN " + NOTIFICATION_FIELDS + " AS notification"
)
# Notifications by id, aligned with `ids`; None where absent or no longer shown.
get_many = aligned_reader(GET_MANY, "notification", NotificationRecord.from_row)


COUNT_UNREAD: LiteralString = (
    RECIPIENT + "MATCH (r)<-[:NOTIFIES]-(n:Notification) WHERE n.readAt IS NULL "
    + SHOWN + " RETURN count(n) AS n"
)


async def count_unread(db: Executor, recipient_id: str) -> int:
    return await first_count(db.read, COUNT_UNREAD, "n", {"recipient": recipient_id})


MARK_READ: LiteralString = (
    "MATCH (r:Person {id: $recipient}) WITH r "
    "MATCH (r)<-[:NOTIFIES]-(n:Notification) WHERE n.readAt IS NULL AND ($all OR n.id IN $ids) "
    "SET n.readAt = $now REMOVE n.openKey "
    "RETURN count(n) AS marked"
)


async def mark_read(
    db: Executor, recipient_id: str, *, ids: Sequence[str] | None, now: int
) -> int:
    """Mark the recipient's unread notifications read (all of them when `ids` is None).

    Ids that are not the recipient's own are ignored. Returns how many changed.
    """
    return await first_count(
        db.write, MARK_READ, "marked",
        {"recipient": recipient_id, "all": ids is None, "ids": list(ids or ()), "now": now},
    )
