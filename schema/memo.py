"""What is worked out once per operation, not once per request.

Parsed documents are cached (graph_api.limits.Documents), so every request that runs the same
query text runs the same operation node, with the same field nodes below it. Whatever depends
only on those nodes (which subfields a selection collects when nothing in it depends on the
variables; what a root field's selection asks for below it, for a read plan) can be worked out
the first time and looked up after that.

`of_operation` gives each operation node its own dictionary, which lives exactly as long as the
node: keyed by the node's identity (graphql-core's nodes hash by value, deep, which costs more
than it saves), dropped when the node is freed (the document left the cache). Keys inside it
may name the operation's nodes by `id`: they are the operation's own nodes, alive as long as
the document, so an id there cannot have been reused for another node while it is looked up.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from graphql import OperationDefinitionNode

T = TypeVar("T")

_MEMOS: dict[int, tuple[weakref.ref[OperationDefinitionNode], dict[Any, Any]]] = {}


def of_operation(operation: OperationDefinitionNode) -> dict[Any, Any]:
    """The dictionary of what has been worked out for `operation` (empty at first)."""
    key = id(operation)
    entry = _MEMOS.get(key)
    if entry is not None and entry[0]() is operation:
        return entry[1]

    def forget(ref: weakref.ref[OperationDefinitionNode]) -> None:
        current = _MEMOS.get(key)
        if current is not None and current[0] is ref:
            del _MEMOS[key]

    memo: dict[Any, Any] = {}
    _MEMOS[key] = (weakref.ref(operation, forget), memo)
    return memo


def kept(operation: OperationDefinitionNode, key: Hashable, make: Callable[[], T]) -> T:
    """What `make()` answers for `operation` under `key`: made the first time, kept after."""
    memo = of_operation(operation)
    try:
        found: T = memo[key]
    except KeyError:
        found = memo[key] = make()
    return found


def held() -> int:
    """How many operations have a memo (for tests: each is freed with its operation)."""
    return len(_MEMOS)
