"""Prometheus metrics: operations, latency, error codes, database round trips and latency.

Label values are bounded: operation names come only from parsed documents, the first
`max_operations` distinct names get their own series and later ones share `other`;
anonymous operations are `anonymous`, requests that never reached a document `unknown`;
error codes outside the public set are `OTHER`. `transport` is `http` or `websocket`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric

if TYPE_CHECKING:
    from graph_api.pipeline import Exchange

CONTENT_TYPE = CONTENT_TYPE_LATEST
ERROR_CODES = frozenset({
    "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT", "CONFLICT", "RATE_LIMITED",
    "QUERY_TOO_COMPLEX", "PERSISTED_QUERY_NOT_FOUND", "SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR",
})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
ROUND_TRIP_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64, 128)


class _Counts:
    """Exposes counters other components keep as plain attributes (read at scrape time)."""

    def __init__(self, name: str, documentation: str, label: str, source: Any, fields: Iterable[str]) -> None:
        self.name, self.documentation, self.label = name, documentation, label
        self.source, self.fields = source, tuple(fields)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=[self.label])
        for field in self.fields:
            family.add_metric([field], getattr(self.source, field))
        yield family


class Metrics:
    """One registry per app (tests run many apps in one process)."""

    def __init__(self, *, max_operations: int = 200) -> None:
        self.registry = CollectorRegistry()
        self.max_operations = max_operations
        self._names: set[str] = set()
        r = self.registry
        self.operations = Counter(
            "graphql_operations", "GraphQL operations by name, type, outcome and transport.",
            ["operation", "type", "outcome", "transport"], registry=r,
        )
        self.duration = Histogram(
            "graphql_operation_duration_seconds",
            "Time to answer one GraphQL operation (a subscription: its whole life).",
            ["operation", "transport"], buckets=LATENCY_BUCKETS, registry=r,
        )
        self.errors = Counter("graphql_errors", "GraphQL errors by extensions.code.", ["code"], registry=r)
        self.responses = Counter(
            "graphql_http_responses", "HTTP responses of /graphql by status.", ["status"], registry=r
        )
        self.round_trips = Histogram(
            "graphql_db_round_trips", "Database round trips per HTTP request or WebSocket operation.",
            ["transport"], buckets=ROUND_TRIP_BUCKETS, registry=r,
        )
        self.db_seconds = Histogram(
            "db_query_duration_seconds", "Latency of one database query.", ["kind"],
            buckets=DB_BUCKETS, registry=r,
        )
        self.db_errors = Counter("db_query_errors", "Database queries that failed.", ["kind"], registry=r)
        self.disk_full = Counter(
            "graph_api_database_disk_full",
            "Writes refused because the database's disk is full (or cannot be written).",
            registry=r,
        )
        self.rate_limited = Counter(
            "rate_limited_requests", "Requests refused by a rate limit, by bucket.", ["bucket"], registry=r
        )
        # The labelled series each request touches, by label values: `labels()` validates and
        # locks on every call (~1.5 us). Bounded like the labels themselves.
        self._series: dict[tuple[Any, ...], Any] = {}

    def _child(self, metric: Any, *labels: str) -> Any:
        key = (metric, *labels)
        child = self._series.get(key)
        if child is None:
            child = self._series[key] = metric.labels(*labels)
        return child

    def watch(self, name: str, documentation: str, label: str, source: Any, fields: Iterable[str]) -> None:
        """Export integer attributes of `source` as one labelled counter."""
        self.registry.register(_Counts(name, documentation, label, source, fields))

    def operation_label(self, name: str | None, known: bool) -> str:
        if not known:
            return "unknown"
        if name is None:
            return "anonymous"
        if name in self._names:
            return name
        if len(self._names) < self.max_operations:
            self._names.add(name)
            return name
        return "other"

    def observe_query(self, kind: str, seconds: float, ok: bool) -> None:
        """graph_db.instrument observer: every database query's latency and outcome."""
        kind = kind if kind in ("read", "write") else "other"
        self._child(self.db_seconds, kind).observe(seconds)
        if not ok:
            self._child(self.db_errors, kind).inc()

    def observe_disk_full(self) -> None:
        """graph_db.instrument observer: a write refused for lack of disk space."""
        self.disk_full.inc()

    def observe_exchange(self, exchange: Exchange) -> None:
        """Pipeline observer: an HTTP request or a WebSocket operation is over."""
        transport, child = exchange.transport, self._child
        if exchange.status is not None:
            child(self.responses, str(exchange.status)).inc()
        if exchange.round_trips is not None:
            child(self.round_trips, transport).observe(exchange.round_trips)
        for code in exchange.error_codes:
            child(self.errors, code if code in ERROR_CODES else "OTHER").inc()
        for operation in exchange.operations:
            label = self.operation_label(operation.name, operation.known)
            outcome = "error" if operation.error_codes else "ok"
            child(self.operations, label, operation.type or "unknown", outcome, transport).inc()
            child(self.duration, label, transport).observe(operation.seconds)
            for code in operation.error_codes:
                child(self.errors, code if code in ERROR_CODES else "OTHER").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
