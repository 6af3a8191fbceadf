"""Whole-graph snapshots: proof that a refused request changed nothing at all."""

from __future__ import annotations

import json
from dataclasses import dataclass

from graph_db.backend import Executor

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
EDGES = (
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS start, b.id AS end, "
    "properties(r) AS props"
)


@dataclass(frozen=True)
class Snapshot:
    """Every node (labels, properties) and edge (type, ends, properties), sorted."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]

    def diff(self, other: Snapshot) -> str:
        gone = sorted(set(self.nodes + self.edges) - set(other.nodes + other.edges))
        new = sorted(set(other.nodes + other.edges) - set(self.nodes + self.edges))
        return "\n".join([*(f"- {x}" for x in gone), *(f"+ {x}" for x in new)])


async def snapshot(db: Executor) -> Snapshot:
    nodes = await db.read(NODES)
    edges = await db.read(EDGES)
    return Snapshot(
        nodes=tuple(sorted(json.dumps(row, sort_keys=True, default=str) for row in nodes)),
        edges=tuple(sorted(json.dumps(row, sort_keys=True, default=str) for row in edges)),
    )
