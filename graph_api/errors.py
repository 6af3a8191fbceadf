"""Error contract at the edge: stable codes for expected failures, masking for the rest."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import orjson
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
    """Compact JSON as UTF-8, key order kept; text holding lone surrogates (echoed from a
    request) is escaped instead.

    `\\ud800` is valid JSON although it cannot be encoded as UTF-8: escaping keeps the
    answer a well-formed JSON document instead of a 500. orjson writes what json.dumps
    (compact, `ensure_ascii=False`) writes, apart from float spelling (`1e-05` is `0.00001`:
    the same number); whatever it refuses (lone surrogates, integers beyond 64 bits, keys that
    are not strings, dataclasses, datetimes) goes to json.dumps as before. NaN and infinities,
    which json.dumps refuses, it writes as `null`: no answer holds one (GraphQL's Float
    refuses them both ways).
    """
    try:
        return orjson.dumps(data, option=_ORJSON_AS_JSON)
    except TypeError:  # orjson.JSONEncodeError
        pass
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()


# Types json.dumps refuses are refused by orjson too (and then by json.dumps: TypeError).
_ORJSON_AS_JSON = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
# 19 digits in a row may be an integer beyond 64 bits, which orjson reads as a float. Bytes are
# scanned by translating digits to "9" and the rest to " " (a regex takes ~6x longer).
_LONG_RUN = b"9" * 19
_DIGIT_RUNS = bytes(0x39 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_DIGITS = re.compile(r"[0-9]{19}")


def decode_json(data: bytes | str) -> Any:
    """A request's JSON, read as json.loads reads it (ValueError when it is not JSON).

    orjson reads what it accepts to the same values, except integers beyond 64 bits: text
    with 19 digits in a row goes to json.loads. Whatever orjson refuses goes to json.loads,
    which accepts a little more (lone surrogate escapes such as `"\\ud800"`, NaN and
    Infinity, a UTF-8 byte order mark, UTF-16 and UTF-32) and raises as before on the rest.
    One difference: orjson reads arrays and objects nested up to 1024 deep, where json.loads
    ran out of stack past ~990 (RecursionError, as it still does past 1024).
    """
    if isinstance(data, bytes):
        long_digits = _LONG_RUN in data.translate(_DIGIT_RUNS)
    else:
        long_digits = _LONG_DIGITS.search(data) is not None
    if not long_digits:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


class RequestErrorLogFilter(logging.Filter):
    """Keeps Strawberry's execution logger from logging request errors (client mistakes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, GraphQLError) and is_request_error(record.msg))


def quiet_request_errors() -> None:
    """Install RequestErrorLogFilter once on Strawberry's execution logger."""
    logger = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, RequestErrorLogFilter) for f in logger.filters):
        logger.addFilter(RequestErrorLogFilter())
