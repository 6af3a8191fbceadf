"""Whole-graph snapshots: proof that a refused request changed nothing at all."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, LiteralString, cast

from graph_db.backend import Executor
from graph_db.dialect import identifier

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


@dataclass(frozen=True)
class Saved:
    """A whole graph's data, to be written back by `restore` (engines without GRAPH.COPY)."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


async def save(db: Executor) -> Saved:
    return Saved(nodes=await db.read(NODES), edges=await db.read(EDGES))


async def restore(db: Executor, saved: Saved) -> None:
    """Empty the graph and write `saved` back: the same labels, properties and edges."""
    await db.write("MATCH (n) DETACH DELETE n")
    by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in saved.nodes:
        assert row["props"].get("id") is not None, "restore finds nodes by their id"
        by_labels[tuple(sorted(row["labels"]))].append(row["props"])
    for labels, props in by_labels.items():
        label_text = "".join(":" + identifier(label) for label in labels)
        await db.write(_trusted("UNWIND $rows AS props CREATE (n" + label_text + ") SET n = props"),
                       {"rows": props})
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in saved.edges:
        by_type[row["type"]].append({"start": row["start"], "end": row["end"], "props": row["props"]})
    for rel_type, edges in by_type.items():
        rows = await db.write(
            _trusted(
                "UNWIND $rows AS e MATCH (a {id: e.start}), (b {id: e.end}) "
                "CREATE (a)-[r:" + identifier(rel_type) + "]->(b) SET r = e.props RETURN count(r) AS n"
            ),
            {"rows": edges},
        )
        assert rows[0]["n"] == len(edges), f"{rel_type}: ends not found"


def _trusted(text: str) -> LiteralString:
    return cast(LiteralString, text)
