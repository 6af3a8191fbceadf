"""Counts database round trips per request and feeds query timings to metrics."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class QueryStats:
    """Round trips and time spent in the database, for one request or one test."""

    round_trips: int = 0
    seconds: float = 0.0
    reads: int = 0
    writes: int = 0
    queries: list[str] = field(default_factory=list)
    # Development only (GRAPH_API_EXPOSE_QUERIES): parameters may hold personal data.
    keep_params: bool = False
    executed: list[ExecutedQuery] = field(default_factory=list)


@dataclass(frozen=True)
class ExecutedQuery:
    """One statement exactly as sent (kept only when `QueryStats.keep_params` is set)."""

    kind: str
    query: str
    params: dict[str, Any]
    seconds: float
    ok: bool


_current: contextvars.ContextVar[QueryStats | None] = contextvars.ContextVar(
    "graph_db_query_stats", default=None
)
Observer = Callable[[str, float, bool], None]
_observers: list[Observer] = []
_disk_full_observers: list[Callable[[], None]] = []


def track(stats: QueryStats) -> contextvars.Token[QueryStats | None]:
    """Count every query issued in the current context (and tasks it spawns) into `stats`."""
    return _current.set(stats)


def untrack(token: contextvars.Token[QueryStats | None]) -> None:
    _current.reset(token)


def add_observer(observer: Observer) -> None:
    """Register `observer(kind, seconds, ok)`, called after every query (metrics)."""
    _observers.append(observer)


def remove_observer(observer: Observer) -> None:
    if observer in _observers:
        _observers.remove(observer)


def record(
    kind: str, query: str, seconds: float, ok: bool, params: Mapping[str, Any] | None = None
) -> None:
    stats = _current.get()
    if stats is not None:
        stats.round_trips += 1
        stats.seconds += seconds
        if kind == "read":
            stats.reads += 1
        else:
            stats.writes += 1
        stats.queries.append(query)
        if stats.keep_params:
            stats.executed.append(ExecutedQuery(kind, query, dict(params or {}), seconds, ok))
    for observer in _observers:
        observer(kind, seconds, ok)


def add_disk_full_observer(observer: Callable[[], None]) -> None:
    """Register `observer()`, called for every write refused because the disk is full."""
    _disk_full_observers.append(observer)


def remove_disk_full_observer(observer: Callable[[], None]) -> None:
    if observer in _disk_full_observers:
        _disk_full_observers.remove(observer)


def record_disk_full() -> None:
    """A write was refused for lack of disk space (by the free-space guard or the server)."""
    for observer in _disk_full_observers:
        observer()
