"""Each backend translates its driver's exceptions in one function; every branch is pinned."""

from __future__ import annotations

import neo4j.exceptions as neo4j_errors
import pytest
import redis.exceptions as redis_errors

from graph_db import falkordb, neo4j
from graph_db.errors import (
    BackendError,
    BackendUnavailable,
    ConstraintViolation,
    GraphApiError,
    InvalidInput,
)


@pytest.mark.parametrize(
    ("exc", "expected", "code"),
    [
        (redis_errors.ConnectionError("refused"), BackendUnavailable, "SERVICE_UNAVAILABLE"),
        (redis_errors.TimeoutError("slow"), BackendUnavailable, "SERVICE_UNAVAILABLE"),
        (redis_errors.BusyLoadingError("LOADING"), BackendUnavailable, "SERVICE_UNAVAILABLE"),
        (ConnectionRefusedError(), BackendUnavailable, "SERVICE_UNAVAILABLE"),
        (
            redis_errors.ResponseError("unique constraint violation on node of type Person"),
            ConstraintViolation, "CONFLICT",
        ),
        (redis_errors.ResponseError("Query timed out"), BackendUnavailable, "SERVICE_UNAVAILABLE"),
        (
            redis_errors.ResponseError("Max pending queries exceeded"),
            BackendUnavailable, "SERVICE_UNAVAILABLE",
        ),
        (redis_errors.ResponseError("errMsg: Invalid input 'X'"), BackendError, "INTERNAL_SERVER_ERROR"),
    ],
)
def test_falkordb_translation(exc: Exception, expected: type[GraphApiError], code: str) -> None:
    translated = falkordb.translate_error(exc)
    assert type(translated) is expected and translated.code == code
    # Messages are ours, written for clients; driver text only in internal errors (masked).
    if expected is not BackendError:
        assert str(exc) not in translated.message or not str(exc)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (neo4j_errors.ConstraintError(), ConstraintViolation),
        (neo4j_errors.ServiceUnavailable("down"), BackendUnavailable),
        (neo4j_errors.SessionExpired("gone"), BackendUnavailable),
        (neo4j_errors.TransientError(), BackendUnavailable),
        (neo4j_errors.CypherSyntaxError(), BackendError),
        # The driver packs parameters as UTF-8: an unpaired surrogate is the client's input.
        (UnicodeEncodeError("utf-8", "a\ud800b", 1, 2, "surrogates not allowed"), InvalidInput),
        (ValueError("odd"), BackendError),
    ],
)
def test_neo4j_translation(exc: Exception, expected: type[GraphApiError]) -> None:
    assert type(neo4j.translate_error(exc)) is expected


def test_falkordb_internal_errors_drop_the_query_context_with_its_parameters() -> None:
    exc = redis_errors.ResponseError(
        "errMsg: Invalid input 'X' line: 1, column: 40 errCtx: CYPHER secret=\"hunter2\" MATCH X"
    )
    translated = falkordb.translate_error(exc)
    assert "hunter2" not in translated.message
    assert "Invalid input" in translated.message


def test_already_translated_errors_pass_through() -> None:
    original = ConstraintViolation("x")
    assert falkordb.translate_error(original) is original
    assert neo4j.translate_error(original) is original


def test_falkordb_parameter_encoding_refuses_non_finite_floats() -> None:
    # A client can send NaN (JSON as Python reads it): bad input, refused before the database.
    with pytest.raises(InvalidInput):
        falkordb.encode_param(float("nan"))
    with pytest.raises(ValueError):
        falkordb.render("RETURN 1", {"bad name": 1})
