"""Write locks for statements that read a count or a state and then write on it.

Neo4j runs write transactions concurrently under read-committed isolation: what one
statement counted can change before it writes, and a recount can overwrite a newer one.
Setting a property of a node (even to its own value) takes that node's exclusive lock
until commit, and whatever the statement reads after it is the latest committed state. So
such a statement first `lock`s the node(s) guarding its decision, before reading:
concurrent statements on the same guard then run one after another. FalkorDB runs one
write at a time; there the SET is harmless. The driver retries the rare deadlock (a
transient error), which is safe because every write is idempotent.
"""

from __future__ import annotations

from typing import LiteralString


def lock(*nodes: LiteralString) -> LiteralString:
    """A SET that takes the write lock of each node variable and changes nothing
    (` SET a.id = a.id WITH * `: Neo4j locks before it compares; every node has an `id`),
    then `WITH *` so that reading clauses may follow."""
    return " SET " + ", ".join(f"{node}.id = {node}.id" for node in nodes) + " WITH * "


def lock_pair(first: LiteralString, second: LiteralString) -> LiteralString:
    """Lock two nodes in the order of their ids, so that two statements on the same pair from
    either side (A follows B while B blocks A) queue instead of deadlocking."""
    return (
        f" FOREACH (locked IN CASE WHEN {first}.id < {second}.id THEN [{first}, {second}] "
        f"ELSE [{second}, {first}] END | SET locked.id = locked.id) WITH * "
    )


def lock_site_roles() -> LiteralString:
    """Serialise every change of a site role (the last-admin rule counts admins): one guard
    node, made once and locked by each such statement (unique `Guard.id`, so concurrent
    MERGEs meet on one node on Neo4j)."""
    return "MERGE (guard:Guard {id: 'site-roles'})" + lock("guard")
