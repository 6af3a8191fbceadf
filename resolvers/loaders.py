"""Per-request DataLoaders: a page of N items costs one round trip per kind, not N."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from graph_db import people
from graph_db.backend import Executor
from graph_db.records import PersonRecord

K = TypeVar("K")
V = TypeVar("V")


def loader(fn: Callable[[Sequence[K]], Awaitable[Sequence[V]]]) -> DataLoader[K, V]:
    async def batch(keys: list[K]) -> Sequence[V]:
        return await fn(keys)

    return DataLoader(load_fn=batch)


class Loaders:
    """Created fresh for every request, never shared: results are per viewer."""

    def __init__(self, db: Executor) -> None:
        self.person_by_id: DataLoader[str, PersonRecord | None] = loader(
            lambda ids: people.get_many(db, ids)
        )
