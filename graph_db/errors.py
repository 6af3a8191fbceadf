"""The error taxonomy every layer raises from; each error carries a stable public code."""

from __future__ import annotations


class GraphApiError(Exception):
    """Base of every expected failure; `code` is part of the public contract."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthenticated(GraphApiError):
    code = "UNAUTHENTICATED"


class Forbidden(GraphApiError):
    code = "FORBIDDEN"


class NotFound(GraphApiError):
    code = "NOT_FOUND"


class InvalidInput(GraphApiError):
    """Input the user can fix; `problems` lists (field, message) pairs when several fields fail."""

    code = "BAD_USER_INPUT"

    def __init__(
        self, message: str, *, field: str | None = None,
        problems: list[tuple[str | None, str]] | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.problems = problems or [(field, message)]


class Conflict(GraphApiError):
    code = "CONFLICT"


class RateLimited(GraphApiError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueryTooComplex(GraphApiError):
    code = "QUERY_TOO_COMPLEX"


class PersistedQueryNotFound(GraphApiError):
    code = "PERSISTED_QUERY_NOT_FOUND"


class BackendUnavailable(GraphApiError):
    code = "SERVICE_UNAVAILABLE"


class BackendError(GraphApiError):
    """A database failure that is our bug, not the client's (bad Cypher, type errors)."""

    code = "INTERNAL_SERVER_ERROR"


class ConstraintViolation(Conflict):
    """A uniqueness constraint refused a write; nothing of the statement was applied."""
