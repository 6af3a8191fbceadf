"""Error contract at the edge: stable codes for expected failures, masking for the rest."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLFormattedError
from strawberry.extensions import SchemaExtension

from graph_db.errors import GraphApiError

log = logging.getLogger("graph_api.errors")

INTERNAL_MESSAGE = "Internal server error"


def extensions_for(exc: GraphApiError) -> dict[str, Any]:
    """The one mapping from an expected failure to a GraphQL error's `extensions`."""
    extensions: dict[str, Any] = {"code": exc.code}
    if exc.field:
        extensions["field"] = exc.field
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        extensions["retryAfter"] = retry_after
    return extensions


def is_request_error(error: GraphQLError) -> bool:
    """A GraphQL *request* error: the document or its variables are wrong, nothing ran.

    Parse and validation errors carry no original error; variable coercion errors (wrong
    type, unknown enum value, missing input field, a scalar refusing the value) are tied
    to the document (`nodes`) but to no response path.
    """
    original = error.original_error
    if original is None:
        return True
    return error.path is None and bool(error.nodes) and not isinstance(original, GraphApiError)


def classify(error: GraphQLError, request_id: str) -> GraphQLError:
    """Give every error an `extensions.code`; replace unexpected ones by a masked error."""
    if is_request_error(error):
        return _with(error, error.message, {"code": "BAD_USER_INPUT"})
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    if isinstance(original, GraphApiError):
        extensions = extensions_for(original)
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
    """Codes every error and masks internals (the MaskErrors pattern), on both transports.

    A result Schema.execute returns (HTTP) is coded when the operation ends; a result
    Schema.stream yields (WebSocket) as it leaves, which is before the operation ends.
    """

    def __init__(self) -> None:
        super().__init__()
        self.streamed: Any = None  # the last streamed result: coded already

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result is not self.streamed:
            self._code(result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._code(result)
        self.streamed = result
        yield

    def _code(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            request_id = getattr(self.execution_context.context, "request_id", "")
            result.errors = [classify(e, request_id) for e in errors]


def refusal(exc: GraphApiError) -> GraphQLFormattedError:
    """An expected failure raised before execution, as one formatted GraphQL error."""
    return {"message": exc.message, "extensions": extensions_for(exc)}


def error_body(message: str, code: str, **extra: Any) -> dict[str, Any]:
    """A GraphQL-shaped error body for failures before execution (HTTP-level errors)."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extra}}]}


def refusal_body(exc: GraphApiError) -> dict[str, Any]:
    """The error body for an expected failure raised before execution."""
    return {"errors": [refusal(exc)]}


def encode_json(data: object) -> bytes:
    """JSON as UTF-8; text holding lone surrogates (echoed from a request) is escaped instead.

    `\\ud800` is valid JSON although it cannot be encoded as UTF-8: escaping keeps the
    answer a well-formed JSON document instead of a 500.
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


class RequestErrorLogFilter(logging.Filter):
    """Keeps Strawberry's execution logger from logging request errors (client mistakes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, GraphQLError) and is_request_error(record.msg))


def quiet_request_errors() -> None:
    """Install RequestErrorLogFilter once on Strawberry's execution logger."""
    logger = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, RequestErrorLogFilter) for f in logger.filters):
        logger.addFilter(RequestErrorLogFilter())
