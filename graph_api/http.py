"""GraphQL over HTTP: request parsing, CSRF and size guards, status codes, responses.

Follows the GraphQL-over-HTTP spec: `application/graphql-response+json` clients get
4xx for requests that fail before execution; legacy `application/json` clients get 200
with an `errors` body, except for malformed HTTP requests, which are 4xx for everyone.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError
from strawberry.types.execution import ExecutionResult, PreExecutionError

from graph_api.errors import decode_json, encode_json, error_body, refusal_body
from graph_api.pipeline import (
    HTTP_GET,
    HTTP_POST,
    Exchange,
    GraphQLRequest,
    Operation,
    OperationRecord,
    OperationTypeRefused,
    Transport,
    read_request,
    track_operation,
    untrack_operation,
)
from graph_db import instrument
from graph_db.errors import GraphApiError, Unauthenticated

if TYPE_CHECKING:
    from graph_api.pipeline import Pipeline

GRAPHQL_RESPONSE = "application/graphql-response+json"
# With Settings.expose_queries (never in production), a request sending this header gets
# the exact Cypher and parameters it ran in `extensions.queries` (bench/ replays them).
DEBUG_QUERIES_HEADER = "x-debug-queries"
_DOCUMENT_INVALID = 1400  # internal marker: parse/validation failed (400 or legacy 200)
JSON = "application/json"


class GraphQLJSONResponse(JSONResponse):
    """JSON that survives text echoed from the request (lone surrogates are escaped)."""

    def render(self, content: Any) -> bytes:
        return encode_json(content)


class HttpError(Exception):
    """A request that fails before GraphQL runs: status, stable code, optional headers."""

    def __init__(
        self, status: int, message: str, code: str = "BAD_USER_INPUT",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.headers = headers or {}


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be `Bearer <token>`")
    return token.strip()


def _json_param(request: Request, name: str) -> Any:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return decode_json(raw)
    except ValueError:
        raise HttpError(400, f"`{name}` must be JSON") from None
    except RecursionError:  # json.loads past orjson's 1024 levels
        raise HttpError(400, f"`{name}` is nested too deeply") from None


def _media_type(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()


def wants_graphql_response(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return GRAPHQL_RESPONSE in accept


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise HttpError(413, f"request body exceeds {limit} bytes", "BAD_USER_INPUT")
        except ValueError:
            raise HttpError(400, "invalid Content-Length") from None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HttpError(413, f"request body exceeds {limit} bytes", "BAD_USER_INPUT")
    return bytes(body)


# Runs once per HTTP request before anything else, with the client's address (the
# per-address rate limit); raises GraphApiError to refuse.
Admit = Callable[[str], Awaitable[None]]


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_for(header: str | None) -> str:
    """The client's X-Request-Id when it is a sane token (it is logged), else a fresh one."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


class GraphQLHTTP:
    """The /graphql HTTP endpoint (subscriptions are served by the WebSocket route)."""

    def __init__(
        self,
        schema: Schema,
        *,
        pipeline: Pipeline,
        max_body_bytes: int,
        batch_max: int = 0,
        graphiql_html: str | None = None,
        admit: Admit | None = None,
        expose_timing: bool = False,
        expose_queries: bool = False,
    ) -> None:
        self.schema = schema
        self.pipeline = pipeline
        self.max_body_bytes = max_body_bytes
        self.batch_max = batch_max
        self.graphiql_html = graphiql_html
        self.admit = admit
        self.expose_timing = expose_timing
        self.expose_queries = expose_queries

    async def __call__(self, request: Request) -> Response:
        request_id = request_id_for(request.headers.get("x-request-id"))
        request.state.request_id = request_id
        exchange = Exchange(
            request_id=request_id, method=request.method, path=request.url.path,
            client_ip=request.client.host if request.client else "",
        )
        request.state.exchange = exchange
        stats = instrument.QueryStats(
            keep_params=self.expose_queries and request.headers.get(DEBUG_QUERIES_HEADER) == "1"
        )
        request.state.query_stats = stats
        token = instrument.track(stats)
        media = GRAPHQL_RESPONSE if wants_graphql_response(request) else JSON
        try:
            if self.admit is not None:
                await self.admit(exchange.client_ip)
            response = await self._handle(request)
        except HttpError as exc:
            exchange.error_codes.append(exc.code)
            response = GraphQLJSONResponse(
                error_body(exc.message, exc.code), status_code=exc.status, headers=exc.headers,
                media_type=media,
            )
        except GraphApiError as exc:  # refused by `admit`
            exchange.error_codes.append(exc.code)
            status, headers, body = _http_status(exc)
            response = GraphQLJSONResponse(body, status_code=status, headers=headers, media_type=media)
        finally:
            instrument.untrack(token)
        # Answers depend on the bearer token: shared caches must key on it.
        response.headers["vary"] = "Authorization"
        response.headers["x-request-id"] = request_id
        exchange.status = response.status_code
        self.pipeline.report(exchange, stats)
        if self.expose_timing:
            # Server-Timing is read by browsers' dev tools and by bench/.
            response.headers["server-timing"] = (
                f'db;dur={stats.seconds * 1000:.3f};desc="{stats.round_trips} round trips"'
            )
            response.headers["x-db-round-trips"] = str(stats.round_trips)
        return response

    async def _handle(self, request: Request) -> Response:
        if request.method == "GET":
            if self.graphiql_html is not None and "query" not in request.query_params and (
                "text/html" in request.headers.get("accept", "")
            ):
                return HTMLResponse(self.graphiql_html)
            params = read_request(
                {
                    "query": request.query_params.get("query"),
                    "variables": _json_param(request, "variables"),
                    "operationName": request.query_params.get("operationName"),
                    "extensions": _json_param(request, "extensions"),
                }
            )
            return await self._respond(request, [params], batched=False, transport=HTTP_GET)
        if request.method != "POST":
            raise HttpError(405, "use GET for queries or POST", headers={"Allow": "GET, POST"})
        content_type = request.headers.get("content-type")
        if content_type is None:
            raise HttpError(415, "Content-Type: application/json is required")
        # Requiring JSON forces a CORS preflight on cross-site posts: no simple-request CSRF.
        media_type = _media_type(content_type)
        if media_type not in (JSON, GRAPHQL_RESPONSE):
            raise HttpError(415, f"unsupported Content-Type {media_type!r}; use application/json")
        body = await read_body(request, self.max_body_bytes)
        try:
            data = decode_json(body)
        except (ValueError, UnicodeDecodeError):
            raise HttpError(400, "the request body is not valid JSON") from None
        except RecursionError:  # json.loads past orjson's 1024 levels (it was a 500)
            raise HttpError(400, "the request body is nested too deeply") from None
        if isinstance(data, list):
            if not self.batch_max:
                raise HttpError(400, "batched requests are not enabled")
            if not data or len(data) > self.batch_max:
                raise HttpError(400, f"a batch holds 1 to {self.batch_max} operations")
            return await self._respond(
                request, [read_request(d) for d in data], batched=True, transport=HTTP_POST
            )
        return await self._respond(request, [read_request(data)], batched=False, transport=HTTP_POST)

    async def _respond(
        self, request: Request, operations: list[GraphQLRequest], *, batched: bool, transport: Transport
    ) -> Response:
        results = [await self._execute(request, op, transport) for op in operations]
        graphql_response = wants_graphql_response(request)
        media = GRAPHQL_RESPONSE if graphql_response else JSON
        if batched:
            # Always 200; a rate limit hit inside the batch still tells the client when to retry.
            retry = [r for body, _, h in results if (r := h.get("Retry-After") or _retry_after(body))]
            return GraphQLJSONResponse(
                [body for body, _, _ in results], media_type=media,
                headers={"Retry-After": max(retry, key=int)} if retry else None,
            )
        body, status, headers = results[0]
        wait = _retry_after(body)
        if wait is not None:
            headers = {**headers, "Retry-After": wait}
        stats: instrument.QueryStats = request.state.query_stats
        if stats.keep_params:
            body = {**body, "extensions": {**body.get("extensions", {}), "queries": _executed(stats)}}
        if not graphql_response and status == _DOCUMENT_INVALID:
            status = 200  # legacy application/json: parse/validation errors travel in the body
        elif status == _DOCUMENT_INVALID:
            status = 400
        return GraphQLJSONResponse(body, status_code=status, headers=headers, media_type=media)

    async def _run(self, operation: Operation) -> ExecutionResult:
        return await self.schema.execute(
            operation.query,
            variable_values=operation.variables,
            context_value=operation.context,
            operation_name=operation.operation_name,
            operation_extensions=operation.extensions,
        )

    async def _execute(
        self, request: Request, params: GraphQLRequest, transport: Transport
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        record = OperationRecord(name=params.operation_name)
        exchange: Exchange = request.state.exchange
        exchange.operations.append(record)
        reset = track_operation(record)
        body: dict[str, Any]
        status, headers = 200, {}
        try:
            viewer = await self.pipeline.viewer(
                bearer_token(request.headers.get("authorization")), defer=True
            )
            if viewer is not None and viewer.check is None:
                exchange.viewer_id = viewer.id
            operation = await self.pipeline.prepare(
                viewer, params, transport=transport, request_id=request.state.request_id,
                client_ip=exchange.client_ip,
            )
            result = await self._run(operation)
            if (again := await self.pipeline.settle(operation)) is not None:
                result = await self._run(again)
            if viewer is not None:
                exchange.viewer_id = viewer.id  # checked by now
            body = {}
            if result.errors:
                body["errors"] = [e.formatted for e in result.errors]
            if not isinstance(result, PreExecutionError):
                body["data"] = result.data
            else:
                status = _DOCUMENT_INVALID
            if result.extensions:
                body["extensions"] = result.extensions
        except CannotGetOperationTypeError as exc:
            status, body = 400, error_body(exc.as_http_error_reason(), "BAD_USER_INPUT")
        except HttpError as exc:
            status, headers = exc.status, exc.headers
            body = error_body(exc.message, exc.code)
        except GraphApiError as exc:
            status, headers, body = _http_status(exc)
        finally:
            untrack_operation(reset)
        record.finish()
        record.add_errors(body.get("errors", ()))
        return body, status, headers


def _retry_after(body: dict[str, Any]) -> str | None:
    """A Retry-After value when an error was a refusal to retry later (lockout, limits)."""
    waits = [
        extensions["retryAfter"] for error in body.get("errors", ())
        if isinstance(extensions := error.get("extensions"), dict)
        and isinstance(extensions.get("retryAfter"), int | float)
    ]
    return str(max(1, math.ceil(max(waits)))) if waits else None


def _executed(stats: instrument.QueryStats) -> list[dict[str, Any]]:
    return [
        {"kind": q.kind, "query": q.query, "params": q.params, "ms": round(q.seconds * 1000, 3)}
        for q in stats.executed
    ]


def _http_status(exc: GraphApiError) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Errors raised before execution (auth, rate limits, persisted queries, operation types)."""
    headers: dict[str, str] = {}
    if isinstance(exc, OperationTypeRefused) and exc.transport is HTTP_GET:
        # Method Not Allowed: the same operation may be sent with POST.
        return 405, {"Allow": "POST"}, refusal_body(exc)
    status = {
        "UNAUTHENTICATED": 401,
        "FORBIDDEN": 403,
        "RATE_LIMITED": 429,
        "SERVICE_UNAVAILABLE": 503,
        "QUERY_TOO_COMPLEX": 400,
        "PERSISTED_QUERY_NOT_FOUND": 200,  # Apollo clients retry with the full query on 200
    }.get(exc.code, 400)
    body = refusal_body(exc)
    retry = _retry_after(body)
    if retry is not None:
        headers["Retry-After"] = retry
    if exc.code == "UNAUTHENTICATED":
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return status, headers, body
