"""Moderation: who may act where, the audit log, reports, content removal, suspensions.

Power comes from the graph, read by the statement that uses it (never from a token):
a site MODERATOR or ADMIN (`Person.role`) moderates everywhere; a group's OWNER or
MODERATOR (`MEMBER_OF.role`) moderates that group only. Each write re-checks the power
it needs in its own WHERE, so a refused or raced request changes nothing, and a
demotion holds from the next statement on.

Every moderator action writes its ModerationAction (who, what, target, reason, when,
scope) in the same statement as the action, through `audit(...)`; nothing updates or
deletes one afterwards. An action that answers reports (removal, mute, ban, suspension,
lock) closes the open reports about its target in its scope, in that statement too.

Scope: `groupId` on reports and actions (with an IN_GROUP edge) names the group whose
moderators review them; null is the site scope, reviewed by site moderators.

FalkorDB quirks shaping the fragments below (each covered by tests): a pattern
comprehension cannot be the list of a FOREACH or the value of a SET (project it with
WITH first); nested pattern comprehensions do not see outer variables; variables of
different comprehensions in one statement must have distinct names; and pattern
predicates outside WHERE misbehave, so membership tests are counted with size([...]); and a
pattern comprehension cannot appear in any WHERE, so every guard below is a boolean to
project first and filter on after: `WITH a, g, <guard> AS allowed WHERE allowed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, LiteralString, TypeVar

from graph_db.backend import Executor, Params, all_records, first_record
from graph_db.batch import aligned_reader, by_ids
from graph_db.counts import COMMENT_COUNT, REPLY_COUNT, recount_live_comments
from graph_db.dialect import identifier
from graph_db.keyset import cursor_params, past_cursor
from graph_db.locks import lock
from graph_db.moderation_records import ModerationActionRecord, ReportRecord
from graph_db.policy import banned, blocked, is_admin, is_member, live, moderates, sees_content

# What an audit entry can record (the GraphQL enum ModerationActionKind mirrors this).
ACTIONS: tuple[str, ...] = (
    "UPDATE_GROUP", "ARCHIVE_GROUP", "UNARCHIVE_GROUP", "SET_GROUP_ROLE",
    "APPROVE_JOIN_REQUEST", "DECLINE_JOIN_REQUEST", "MUTE_MEMBER", "UNMUTE_MEMBER",
    "BAN_MEMBER", "UNBAN_MEMBER", "SET_SLOW_MODE", "PIN_POST", "UNPIN_POST", "CREATE_FORUM",
    "PIN_THREAD", "UNPIN_THREAD", "LOCK_THREAD", "UNLOCK_THREAD", "MOVE_THREAD",
    "REMOVE_POST", "REMOVE_COMMENT", "REMOVE_THREAD", "REMOVE_REPLY",
    "RESTORE_POST", "RESTORE_COMMENT", "RESTORE_THREAD", "RESTORE_REPLY",
    "SUSPEND_MEMBER", "UNSUSPEND_MEMBER", "DISMISS_REPORT",
)
TARGET_KINDS: tuple[str, ...] = (
    "POST", "COMMENT", "THREAD", "REPLY", "PERSON", "GROUP", "FORUM", "MESSAGE",
)
CONTENT_KINDS: tuple[str, ...] = ("POST", "COMMENT", "THREAD", "REPLY")
REPORT_REASONS: tuple[str, ...] = (
    "SPAM", "HARASSMENT", "HATE", "MISINFORMATION", "PRIVACY", "OFF_TOPIC", "OTHER",
)
EXCERPT_CHARS = 280

R = TypeVar("R")


# -- who may post (fragments; who moderates and who sees: graph_db.policy) ------------------


def slow_mode_clear(person: LiteralString, group: LiteralString) -> LiteralString:
    """No contribution by `person` in `group` (update, comment on one, thread or reply in
    its forums) within the group's slow-mode window, other than the one with id `$id`
    (a retried statement must not trip over its own write). Uses `$now`, `$id`."""
    return (
        "(coalesce(" + group + ".slowModeSeconds, 0) = 0 OR size([(" + person
        + ")-[:AUTHORED]->(slowX)-[:ON*0..1]->()-[:IN_FORUM*0..1]->()-[:IN_GROUP]->(" + group
        + ") WHERE slowX.createdAt > $now - 1000 * " + group + ".slowModeSeconds "
        "AND slowX.id <> $id | 1]) = 0)"
    )


def can_post(person: LiteralString, group: LiteralString) -> LiteralString:
    """`person` may contribute in `group` (not null) now: the group is not archived, they are
    a member, not banned, not muted, and slow mode allows it (moderators are exempt).
    Uses `$now` and `$id` (the id of the new content)."""
    return (
        "(" + group + ".archivedAt IS NULL"
        " AND " + is_member(person, group, "Post") + " AND NOT " + banned(person, group, "Post") +
        " AND size([(" + person + ")-[postU:MUTED_IN]->(" + group + ") WHERE postU.until > $now"
        " | 1]) = 0"
        " AND (" + moderates(person, group, "Slow") + " OR " + slow_mode_clear(person, group) + "))"
    )


# -- the audit log --------------------------------------------------------------------------


def open_reports(target: LiteralString, group: LiteralString) -> LiteralString:
    """The open reports about `target` in `group`'s scope (null: site), as a list expression
    to project with WITH before `audit(..., reports=...)`."""
    scope: LiteralString = "''" if group == "null" else "coalesce(" + group + ".id, '')"
    return (
        "[(" + target + ")<-[:CONCERNS]-(openRep:Report) WHERE openRep.status = 'OPEN' "
        "AND coalesce(openRep.groupId, '') = " + scope + " | openRep]"
    )


def audited(actor_id: str, reason: str | None, now: int, action_id: str) -> dict[str, Any]:
    """The parameters of a statement that `audit`s its action: the actor (`$actor`), and the
    entry's `$reason`, `$now` and id (`$actionId`)."""
    return {"actor": actor_id, "reason": reason, "now": now, "actionId": action_id}


async def audited_write(
    db: Executor, statement: LiteralString, actor_id: str, reason: str | None, now: int,
    action_id: str, params: Params,
) -> bool:
    """Run a write that `audit`s its action (with the `audited` parameters beside `params`):
    whether it acted (the statement returned a row)."""
    return bool(await db.write(statement, {**audited(actor_id, reason, now, action_id), **params}))


def audit(
    action: str,
    *,
    actor: LiteralString,
    target: LiteralString,
    kind: str,
    kind_expr: LiteralString | None = None,
    group: LiteralString = "null",
    until: LiteralString = "null",
    seconds: LiteralString = "null",
    detail: LiteralString = "null",
    reports: LiteralString | None = None,
) -> LiteralString:
    """Clauses writing the ModerationAction `$actionId` for this statement's action.

    Only MERGE/SET/FOREACH, so the fragment also works inside a FOREACH. `actor`, `target`
    and `group` are node variables (`group` may be null: site scope); `kind_expr`, when
    given, is an expression for the target kind (else `kind`); `until`, `seconds`,
    `detail` expressions. With `reports` (a variable holding a list, see `open_reports`),
    those reports are closed as ACTIONED and linked to the entry. Uses `$actionId`,
    `$now` and `$reason`; the entry is created once, however often the statement runs.
    """
    name, target_kind = identifier(action), identifier(kind)
    if name not in ACTIONS:
        raise ValueError(f"unknown moderation action {action!r}; add it to moderation.ACTIONS")
    if target_kind not in TARGET_KINDS:
        raise ValueError(f"unknown target kind {kind!r}")
    scope: LiteralString = "null" if group == "null" else group + ".id"
    kind_value: LiteralString = kind_expr if kind_expr is not None else "'" + target_kind + "'"
    text: LiteralString = (
        " MERGE (auditEntry:ModerationAction {id: $actionId})"
        " ON CREATE SET auditEntry.action = '" + name + "', auditEntry.actorId = " + actor + ".id,"
        " auditEntry.targetKind = " + kind_value + ", auditEntry.targetId = " + target + ".id,"
        " auditEntry.groupId = " + scope + ", auditEntry.reason = $reason,"
        " auditEntry.createdAt = $now, auditEntry.until = " + until + ","
        " auditEntry.seconds = " + seconds + ", auditEntry.detail = " + detail +
        " MERGE (auditEntry)-[:CONCERNS]->(" + target + ")"
    )
    if group != "null":
        text += (
            " FOREACH (auditScope IN CASE WHEN " + group + " IS NULL THEN [] ELSE [" + group
            + "] END | MERGE (auditEntry)-[:IN_GROUP]->(auditScope))"
        )
    if reports is not None:
        text += (
            " FOREACH (closed IN " + reports + " | SET closed.status = 'ACTIONED',"
            " closed.resolvedAt = $now, closed.resolvedBy = " + actor + ".id,"
            " closed.actionId = $actionId, closed.openKey = null"
            " MERGE (auditEntry)-[:FOR]->(closed))"
        )
    return text


ACTION_FIELDS: LiteralString = (
    "ma {.id, .action, .actorId, .createdAt, .targetKind, .targetId, .groupId, .reason, "
    ".until, .seconds, .detail}"
)


def _scoped_pages(
    var: LiteralString, label: LiteralString, fields: LiteralString, column: LiteralString, *,
    descending: bool, where: LiteralString = "",
) -> tuple[LiteralString, LiteralString]:
    """The site's and one group's (`$group`) statements reading a page of `label` nodes (as
    `var`) that meet `where`, in (createdAt, id) order past the keyset, as `fields` in `column`."""
    order: LiteralString = " DESC" if descending else ""
    condition = where + past_cursor(var + ".createdAt", var + ".id", descending=descending) + " "
    page = (
        "RETURN " + fields + " AS " + column + " "
        "ORDER BY " + var + ".createdAt" + order + ", " + var + ".id" + order + " LIMIT $limit"
    )
    return (
        "MATCH (" + var + ":" + label + ") WHERE " + var + ".groupId IS NULL AND " + condition + page,
        "MATCH (:Group {id: $group})<-[:IN_GROUP]-(" + var + ":" + label + ") WHERE " + condition + page,
    )


async def _scoped_page(
    db: Executor, pages: tuple[LiteralString, LiteralString], column: str, build: Callable[[Any], R],
    *, group_id: str | None, after: tuple[int, str] | None, limit: int, **params: Any,
) -> list[R]:
    """`build` of each entry of the page of `_scoped_pages` for the group, or the site when None."""
    site, group = pages
    return await all_records(
        db.read, group if group_id is not None else site, column, build,
        {"group": group_id, **params, **cursor_params(after), "limit": limit},
    )


SITE_LOG, GROUP_LOG = _scoped_pages("ma", "ModerationAction", ACTION_FIELDS, "action", descending=True)


async def list_actions(
    db: Executor, *, group_id: str | None, after: tuple[int, str] | None, limit: int
) -> list[ModerationActionRecord]:
    """The audit log of one scope (a group, or the site when None), newest first, after the
    keyset (createdAt, id). The caller checks the viewer moderates that scope."""
    return await _scoped_page(
        db, (SITE_LOG, GROUP_LOG), "action", ModerationActionRecord.from_row,
        group_id=group_id, after=after, limit=limit,
    )


GET_ACTIONS: LiteralString = by_ids("ma", "ModerationAction", ACTION_FIELDS, "action")
# Audit entries by id, aligned with `ids`.
get_actions = aligned_reader(GET_ACTIONS, "action", ModerationActionRecord.from_row)


# -- reports --------------------------------------------------------------------------------

REPORT_FIELDS: LiteralString = (
    "rep {.id, .reason, .status, .targetKind, .targetId, .reporterId, .createdAt, .details, "
    ".groupId, .excerpt, .resolvedAt, .resolvedBy, .note, .actionId}"
)


def _report(kind: LiteralString, match: LiteralString, excerpt: LiteralString) -> LiteralString:
    # `match` binds v (the reporter), x (the target) and g (its group or null), and keeps
    # only targets the reporter may see. One open report per reporter, target and scope.
    return (
        match + " WITH v, x, g, " + sees_content("v", "g") + " AS allowed WHERE allowed "
        "MERGE (rep:Report {openKey: v.id + ':' + x.id + ':' + coalesce(g.id, '')}) "
        "ON CREATE SET rep.id = $id, rep.reason = $reason, rep.details = $details, "
        "rep.status = 'OPEN', rep.targetKind = '" + kind + "', rep.targetId = x.id, "
        "rep.reporterId = v.id, rep.groupId = g.id, rep.createdAt = $now, "
        "rep.excerpt = substring(" + excerpt + ", 0, 280) "  # EXCERPT_CHARS
        "MERGE (v)-[reported:REPORTED]->(rep) ON CREATE SET reported.createdAt = $now "
        "MERGE (rep)-[:CONCERNS]->(x) "
        "FOREACH (scope IN CASE WHEN g IS NULL THEN [] ELSE [g] END | "
        "  MERGE (rep)-[:IN_GROUP]->(scope)) "
        "RETURN " + REPORT_FIELDS + " AS report"
    )


def _live_authored(label: LiteralString) -> LiteralString:
    """Binds v (the reporter) and x (the live `label` $target) whose author au and v do not block."""
    return (
        "MATCH (v:Person {id: $reporter}), (x:" + label + " {id: $target})<-[:AUTHORED]-(au:Person) "
        "WHERE " + live("x") + " AND NOT " + blocked("v", "au") + " "
    )


REPORT: dict[str, LiteralString] = {
    "POST": _report(
        "POST",
        _live_authored("Post")
        + "OPTIONAL MATCH (x)-[:IN_GROUP]->(g:Group)",
        "x.body",
    ),
    "COMMENT": _report(
        "COMMENT",
        _live_authored("Comment")
        + "MATCH (x)-[:ON]->(p:Post) WHERE " + live("p") + " "
        "OPTIONAL MATCH (p)-[:IN_GROUP]->(g:Group)",
        "x.body",
    ),
    "THREAD": _report(
        "THREAD",
        _live_authored("Thread")
        + "MATCH (x)-[:IN_FORUM]->(f:Forum) OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group)",
        "x.title + ': ' + x.body",
    ),
    "REPLY": _report(
        "REPLY",
        _live_authored("Comment")
        + "MATCH (x)-[:ON]->(t:Thread)-[:IN_FORUM]->(f:Forum) WHERE " + live("t") + " "
        "OPTIONAL MATCH (f)-[:IN_GROUP]->(g:Group)",
        "x.body",
    ),
    # A member is reported site-wide, or (with $group) to one group's moderators.
    "PERSON": _report(
        "PERSON",
        "MATCH (v:Person {id: $reporter}), (x:Person {id: $target}) WHERE v <> x "
        "OPTIONAL MATCH (g:Group {id: $group}) "
        "WITH v, x, g WHERE $group IS NULL OR g IS NOT NULL",
        "x.name",
    ),
    # A message is reported by another participant of its conversation, to the site
    # moderators, who then read that message (graph_db.messages.GET_MESSAGES) and no other.
    "MESSAGE": _report(
        "MESSAGE",
        "MATCH (v:Person {id: $reporter})-[vp:PARTICIPATES_IN]->(:Conversation)"
        "<-[:IN]-(x:Message {id: $target}) "
        "WHERE vp.leftAt IS NULL AND x.deletedAt IS NULL AND x.senderId <> v.id "
        "WITH v, x, null AS g",
        "x.body",
    ),
}


async def create_report(
    db: Executor, kind: str, *, id: str, reporter_id: str, target_id: str, reason: str,
    details: str | None, now: int, group_id: str | None = None,
) -> ReportRecord | None:
    """Report a target the reporter can see (one open report per reporter, target and scope:
    reporting again returns the open one). None when the target is absent or hidden."""
    return await first_record(
        db.write, REPORT[kind], "report", ReportRecord.from_row,
        {"id": id, "reporter": reporter_id, "target": target_id, "reason": reason, "details": details,
         "now": now, "group": group_id},
    )


SITE_QUEUE, GROUP_QUEUE = _scoped_pages(
    "rep", "Report", REPORT_FIELDS, "report", descending=False, where="rep.status = $status AND "
)


async def list_reports(
    db: Executor, *, group_id: str | None, status: str, after: tuple[int, str] | None, limit: int
) -> list[ReportRecord]:
    """One scope's reports in `status`, oldest first (a queue), after the keyset
    (createdAt, id). The caller checks the viewer moderates that scope."""
    return await _scoped_page(
        db, (SITE_QUEUE, GROUP_QUEUE), "report", ReportRecord.from_row,
        group_id=group_id, after=after, limit=limit, status=status,
    )


GET_REPORTS: LiteralString = by_ids("rep", "Report", REPORT_FIELDS, "report")
get_reports = aligned_reader(GET_REPORTS, "report", ReportRecord.from_row)


DISMISS_REPORT: LiteralString = (
    "MATCH (a:Person {id: $actor}), (rep:Report {id: $report})-[:CONCERNS]->(x) "
    "OPTIONAL MATCH (rep)-[:IN_GROUP]->(g:Group) "
    "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
    "WITH a, rep, x, g, done, " + moderates("a", "g") + " AS allowed WHERE allowed "
    "AND (rep.status = 'OPEN' OR done IS NOT NULL) "
    "SET rep.status = 'DISMISSED', rep.resolvedAt = $now, rep.resolvedBy = a.id, "
    "rep.note = $reason, rep.actionId = $actionId, rep.openKey = null "
    "WITH a, rep, x, g"
    + audit("DISMISS_REPORT", actor="a", target="x", kind="POST", kind_expr="rep.targetKind",
            group="g")
    + " MERGE (auditEntry)-[:FOR]->(rep) "
    "RETURN " + REPORT_FIELDS + " AS report"
)


async def dismiss_report(
    db: Executor, report_id: str, *, actor_id: str, reason: str | None, now: int, action_id: str
) -> ReportRecord | None:
    """Close an open report without acting, if the actor moderates its scope; None otherwise."""
    return await first_record(
        db.write, DISMISS_REPORT, "report", ReportRecord.from_row,
        {**audited(actor_id, reason, now, action_id), "report": report_id},
    )


# -- removing and restoring content ------------------------------------------------------

# Where each kind of content hangs: its label, the clause from the content `x` to the node
# that is IN_GROUP (bound along the way: a comment's post `p`, a thread's or reply's forum
# `f`, a reply's thread `t`), and that node. The group `g` is null for site-wide content.
_CONTENT_SCOPE: dict[str, tuple[LiteralString, LiteralString, LiteralString]] = {
    "POST": ("Post", "", "x"),
    "COMMENT": ("Comment", "MATCH (x)-[:ON]->(p:Post) ", "p"),
    "THREAD": ("Thread", "MATCH (x)-[:IN_FORUM]->(f:Forum) ", "f"),
    "REPLY": ("Comment", "MATCH (x)-[:ON]->(t:Thread)-[:IN_FORUM]->(f:Forum) ", "f"),
}


def _content(kind: str, *, authored: bool, then: LiteralString = "") -> LiteralString:
    """Binds the content `x` ($target) of `kind`, then its group `g` (null: site-wide); with
    `authored`, also the actor `a` ($actor) and the content's author `au`. `then` comes just
    before the group is matched."""
    label, path, holder = _CONTENT_SCOPE[identifier(kind)]
    content: LiteralString = "(x:" + label + " {id: $target})"
    start: LiteralString = (
        "MATCH (a:Person {id: $actor}), " + content + "<-[:AUTHORED]-(au:Person) " if authored
        else "MATCH " + content + " "
    )
    return start + path + then + "OPTIONAL MATCH (" + holder + ")-[:IN_GROUP]->(g:Group) "


# Each kind: bind the actor `a`, the content `x`, its author `au` and group `g` (or null),
# and `t`, what keeps a count of the live comments the change moves (locked before the
# change: graph_db.counts), or null: a comment's post, a reply's thread.
_CONTENT_MATCH: dict[str, LiteralString] = {
    "POST": _content("POST", authored=True) + "WITH a, x, au, g, null AS t",
    "COMMENT": _content("COMMENT", authored=True, then=lock("p")) + "WITH a, x, au, g, p AS t",
    "THREAD": _content("THREAD", authored=True) + "WITH a, x, au, g, null AS t",
    "REPLY": _content("REPLY", authored=True, then=lock("t")) + "WITH a, x, au, g, t",
}

# After the change, `t` stores its count anew: a post's comments, a thread's replies (a
# sort key and a shown count).
_RECOUNT: dict[str, LiteralString] = {
    "POST": "", "THREAD": "",
    "COMMENT": recount_live_comments("t", COMMENT_COUNT, "x"),
    "REPLY": recount_live_comments("t", REPLY_COUNT, "x"),
}


def _moderated_content(name: LiteralString, pending: LiteralString) -> LiteralString:
    """`_CONTENT_MATCH[name]` kept where `a` moderates its scope and the change is `pending` or
    already made by this action (a retry: `done`)."""
    return (
        _CONTENT_MATCH[name] + " "
        "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
        "WITH a, x, au, g, t, done, " + moderates("a", "g") + " AS allowed WHERE allowed "
        "AND ((" + pending + ") OR done IS NOT NULL) "
    )


def _remove(kind: str) -> LiteralString:
    name = identifier(kind)
    return (
        _moderated_content(name, pending=live("x"))
        + "SET x.removedAt = $now, x.removedBy = a.id "
        # A comment's replies go with it (and come back with it).
        "WITH a, x, g, t, [(x)<-[:REPLY_TO]-(rc:Comment) WHERE " + live("rc") + " | rc] AS cascade "
        "FOREACH (gone IN cascade | SET gone.removedAt = $now, gone.removedBy = a.id, "
        "  gone.removedWith = x.id) "
        "WITH a, x, g, t, " + open_reports("x", "g") + " AS reports"
        + audit("REMOVE_" + name, actor="a", target="x", kind=name, group="g", reports="reports")
        + _RECOUNT[name] + " RETURN x.id AS id"
    )


def _restore(kind: str) -> LiteralString:
    name = identifier(kind)
    return (
        _moderated_content(name, pending="x.removedAt IS NOT NULL AND x.removedBy <> au.id")
        + "SET x.removedAt = null, x.removedBy = null "
        "WITH a, x, g, t, [(x)<-[:REPLY_TO]-(rc:Comment) WHERE rc.removedWith = x.id | rc] AS cascade "
        "FOREACH (back IN cascade | SET back.removedAt = null, back.removedBy = null, "
        "  back.removedWith = null) "
        "WITH a, x, g, t" + audit("RESTORE_" + name, actor="a", target="x", kind=name, group="g")
        + _RECOUNT[name] + " RETURN x.id AS id"
    )


REMOVE_CONTENT: dict[str, LiteralString] = {kind: _remove(kind) for kind in CONTENT_KINDS}
RESTORE_CONTENT: dict[str, LiteralString] = {kind: _restore(kind) for kind in CONTENT_KINDS}


async def remove_content(
    db: Executor, kind: str, target_id: str, *, actor_id: str, reason: str | None, now: int,
    action_id: str,
) -> bool:
    """Soft-remove a post, comment, thread or reply as a moderator of its scope, closing its
    open reports; False when there is no such live content or the actor may not."""
    return await audited_write(
        db, REMOVE_CONTENT[kind], actor_id, reason, now, action_id,
        {"target": target_id},
    )


async def restore_content(
    db: Executor, kind: str, target_id: str, *, actor_id: str, reason: str | None, now: int,
    action_id: str,
) -> bool:
    """Bring back content a moderator removed (not what its author deleted); False when there
    is nothing to restore or the actor may not."""
    return await audited_write(
        db, RESTORE_CONTENT[kind], actor_id, reason, now, action_id,
        {"target": target_id},
    )


CONTENT_SCOPE: dict[str, LiteralString] = {
    kind: _content(kind, authored=False) + "RETURN x.removedAt IS NOT NULL AS removed, g.id AS groupId"
    for kind in CONTENT_KINDS
}


async def get_content_scope(db: Executor, kind: str, target_id: str) -> tuple[bool, str | None] | None:
    """(removed, group id or None) of a post, comment, thread or reply; None if absent.
    For moderators only: it reads removed and private content alike."""
    rows = await db.read(CONTENT_SCOPE[kind], {"target": target_id})
    return (bool(rows[0]["removed"]), rows[0]["groupId"]) if rows else None


# -- site-wide suspension -------------------------------------------------------------------

SUSPEND: LiteralString = (
    "MATCH (a:Person {id: $actor}), (x:Person {id: $person}) "
    "WHERE " + is_admin("a") + " AND NOT " + is_admin("x") + " AND a <> x "
    "SET x.suspendedUntil = $until, x.updatedAt = $now "
    "WITH a, x, " + open_reports("x", "null") + " AS reports"
    + audit("SUSPEND_MEMBER", actor="a", target="x", kind="PERSON", until="$until",
            reports="reports")
    + " RETURN x.id AS id"
)

UNSUSPEND: LiteralString = (
    "MATCH (a:Person {id: $actor}), (x:Person {id: $person}) "
    "WHERE " + is_admin("a") + " AND a <> x "
    "OPTIONAL MATCH (done:ModerationAction {id: $actionId}) "
    "WITH a, x, done WHERE x.suspendedUntil IS NOT NULL OR done IS NOT NULL "
    "SET x.suspendedUntil = null, x.updatedAt = $now "
    "WITH a, x" + audit("UNSUSPEND_MEMBER", actor="a", target="x", kind="PERSON")
    + " RETURN x.id AS id"
)


async def suspend(
    db: Executor, person_id: str, *, actor_id: str, until: int, reason: str | None, now: int,
    action_id: str,
) -> bool:
    """Suspend a member site-wide until `until` (admins only; never an admin). The member's
    next request is refused (the authenticator reads `suspendedUntil` every time)."""
    return await audited_write(
        db, SUSPEND, actor_id, reason, now, action_id,
        {"person": person_id, "until": until},
    )


async def unsuspend(
    db: Executor, person_id: str, *, actor_id: str, reason: str | None, now: int, action_id: str
) -> bool:
    """Lift a suspension; False if the person is not suspended or the actor may not."""
    return await audited_write(
        db, UNSUSPEND, actor_id, reason, now, action_id,
        {"person": person_id},
    )
