"""Counts of live comments kept on what they are on, so that a page reads each in O(1).

A post keeps `commentCount` (its live comments, replies included) and a forum thread
`replyCount` (its live replies): every statement that adds, removes or restores a comment
on one stores the count anew (`recount_live_comments`). A recount, unlike a move by one,
is exact whatever the statement found (a retried write, a cascade of replies) and mends a
count an older writer left behind. It needs the holder's write lock from before the change
(graph_db.locks): on Neo4j another statement's change is then either counted or waits.
A listed post read its count with a comprehension over its comments instead: 0.22 ms of
the 1.54 ms of database CPU a group page's statement took (20 posts, bench C network, mean
of three replays), growing with the comments.

Writes are rare next to reads; the recount is O(live comments of the one holder).
"""

from __future__ import annotations

from typing import LiteralString

from graph_db.policy import live

COMMENT_COUNT: LiteralString = "commentCount"  # on a Post
REPLY_COUNT: LiteralString = "replyCount"  # on a Thread


def recount_live_comments(
    holder: LiteralString, field: LiteralString, carry: LiteralString = ""
) -> LiteralString:
    """Store in `holder`'s `field` how many live comments are ON it now, keeping `holder`
    and `carry` (the other variables the statement goes on with); `holder` may be null
    (nothing is stored). FalkorDB needs the comprehension in a WITH of its own."""
    kept: LiteralString = holder + ", " + carry if carry else holder
    return (
        " WITH " + kept + ", [(" + holder + ")<-[:ON]-(counted:Comment) WHERE "
        + live("counted") + " | 1] AS liveComments"
        " FOREACH (h IN CASE WHEN " + holder + " IS NULL THEN [] ELSE [" + holder + "] END |"
        " SET h." + field + " = size(liveComments)) "
    )


def stored_count(holder: LiteralString, field: LiteralString) -> LiteralString:
    """The count `field` as stored on `holder` (0 before anything was counted)."""
    return "coalesce(" + holder + "." + field + ", 0)"
