"""Error contract at the edge: stable codes for expected failures, masking for the rest."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from graph_db.errors import GraphApiError

log = logging.getLogger("graph_api.errors")

INTERNAL_MESSAGE = "Internal server error"


def classify(error: GraphQLError, request_id: str) -> GraphQLError:
    """Give every error an `extensions.code`; replace unexpected ones by a masked error."""
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    if original is None:
        # Parse and validation errors, and graphql-core's own argument coercion errors.
        return _with(error, error.message, {"code": "BAD_USER_INPUT"})
    if isinstance(original, GraphApiError):
        extensions: dict[str, Any] = {"code": original.code}
        if original.field:
            extensions["field"] = original.field
        retry_after = getattr(original, "retry_after", None)
        if retry_after is not None:
            extensions["retryAfter"] = retry_after
        if original.code == "INTERNAL_SERVER_ERROR":
            log.error(
                "internal error", exc_info=original,
                extra={"request_id": request_id, "path": error.path},
            )
            return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id})
        return _with(error, original.message, extensions)
    log.error(
        "unexpected error", exc_info=original, extra={"request_id": request_id, "path": error.path}
    )
    return _with(error, INTERNAL_MESSAGE, {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id})


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path, original_error=error.original_error, extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    """Runs after every operation: codes every error, masks internals (the MaskErrors pattern)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "")
        result.errors = [classify(e, request_id) for e in result.errors]


def error_body(message: str, code: str, **extra: Any) -> dict[str, Any]:
    """A GraphQL-shaped error body for failures before execution (HTTP-level errors)."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extra}}]}
