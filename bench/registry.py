"""What a domain contributes to the bench: data steps and operations (see bench/README.md)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bench.scales import Scale
    from graph_db.backend import Backend

OPERATIONS_DIR = Path(__file__).parent / "operations"

T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """One domain's share of the synthetic network, written through its bulk repository functions.

    `params` are the scale parameters this step produces (e.g. "people", "follows");
    `expect` says exactly what must exist afterwards: {"Person": 5000, "FOLLOWS": 25000}
    (labels and relationship types), and is checked after the build and on every reuse.
    `derived` names what the generator makes without a parameter fixing its number (the
    vocabularies, connections): counted after the build, required to be non-zero, and
    required to be exactly the same on every reuse.
    `run` must be idempotent (deterministic ids, skip or MERGE what exists) so an
    interrupted build resumes. `sources` are files whose change invalidates the cache.
    """

    name: str
    params: tuple[str, ...]
    run: Callable[[Backend, Scale], Awaitable[object]]
    expect: Callable[[Scale], Mapping[str, int]]
    derived: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """One request of an operation: its variables, whom it is sent as (a person id), and
    what the dataset says the answer must contain (for the shape check)."""

    variables: dict[str, Any]
    viewer: str | None = None
    expect: Mapping[str, Any] = field(default_factory=dict)


class Fixtures:
    """What variables generators draw from: ids and rows read from the served dataset."""

    def __init__(
        self, ids: Callable[[str], Sequence[str]],
        query: Callable[[str], Sequence[Mapping[str, Any]]], scale: Scale,
    ) -> None:
        self._ids = ids
        self._query = query
        self._cache: dict[str, Sequence[str]] = {}
        self._rows: dict[str, Sequence[Mapping[str, Any]]] = {}
        self.scale = scale

    def rows(self, cypher: str) -> Sequence[Mapping[str, Any]]:
        """Rows of a read-only query on the dataset (loaded once; order them for determinism)."""
        return _load_once(self._rows, cypher, self._query, f"no fixture rows for: {cypher}")

    def ids(self, label: str) -> Sequence[str]:
        """Every id of a label, in a stable order (loaded once)."""
        return _load_once(self._cache, label, self._ids, f"the dataset has no {label} nodes to draw from")

    def pick(self, rng: random.Random, label: str) -> str:
        return rng.choice(self.ids(label))


def _load_once(cache: dict[str, Sequence[T]], key: str, load: Callable[[str], Sequence[T]],
               missing: str) -> Sequence[T]:
    """`cache[key]`, loaded by `load(key)` the first time; LookupError(`missing`) when it finds nothing."""
    if key not in cache:
        found = load(key)
        if not found:
            raise LookupError(missing)
        cache[key] = found
    return cache[key]


Variables = Callable[[Fixtures, random.Random, int | None], Call]
# A shape check returns None when `data` is what `call` should produce, else what is wrong.
Check = Callable[[Mapping[str, Any], Call], str | None]


@dataclass(frozen=True)
class Operation:
    """A canonical request: a checked-in document, a variables generator, a shape check.

    `requires` names schema coordinates ("Query.searchPeople") and capabilities ("auth")
    the operation needs; until the server has them it is reported as not measured, never
    silently dropped. With `page_sizes`, the operation runs once per size and the bench
    checks that database round trips per request do not grow with the page.
    `mutation` operations replay their Cypher directly only when `idempotent`; otherwise
    the direct time is the in-service database time.
    """

    name: str
    document: str
    variables: Variables
    check: Check
    domain: str
    requires: tuple[str, ...] = ()
    page_sizes: tuple[int, ...] = ()
    mutation: bool = False
    idempotent: bool = False
    # What the operation cannot exercise yet (shown with the results), e.g. data to come.
    pending: str | None = None

    @property
    def text(self) -> str:
        return (OPERATIONS_DIR / self.document).read_text()

    @property
    def variants(self) -> tuple[int | None, ...]:
        return self.page_sizes or (None,)

    def label(self, page_size: int | None) -> str:
        return self.name if page_size is None else f"{self.name}[first={page_size}]"


def dig(data: Mapping[str, Any], path: str) -> Any:
    """`dig(data, "node.posts.edges")`: None as soon as a step is missing."""
    value: Any = data
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def problem(condition: bool, message: str) -> str | None:
    """For shape checks: None when `condition` holds, else `message`."""
    return None if condition else message


def first_problem(*problems: str | None) -> str | None:
    return next((p for p in problems if p), None)


def progress_printer(every: int) -> Callable[[str, int, int], None]:
    """A generator's progress callback: a line on stderr every `every` items and at the end."""
    import sys

    def progress(stage: str, done: int, total: int) -> None:
        if done == total or done % every == 0:
            print(f"    {stage}: {done:,}/{total:,}", file=sys.stderr, flush=True)

    return progress


def seed_step(
    name: str, generate: Callable[..., Awaitable[object]], *, params: tuple[str, ...],
    expect: Callable[[Scale], Mapping[str, int]], every: int, by_name: tuple[str, ...] = (),
    derived: tuple[str, ...] = (), sources: tuple[str, ...] = (),
) -> Step:
    """A step that runs one graph_db seed generator: the scale's `params` as its counts (in
    order, those in `by_name` as keywords), the scale's seed, the seed's fixed clock and a
    progress line every `every` items."""

    async def run(db: Backend, scale: Scale) -> None:
        from graph_db.seed import DEFAULT_NOW

        counts = [scale.params[p] for p in params if p not in by_name]
        named = {p: scale.params[p] for p in by_name}
        await generate(
            db, *counts, **named, seed=scale.seed, now=DEFAULT_NOW, progress=progress_printer(every)
        )

    return Step(name=name, params=params, run=run, expect=expect, derived=derived, sources=sources)
