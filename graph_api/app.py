"""The Starlette application: lifespan-owned database, /graphql, health and readiness."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

import schema as graphql_schema
from graph_api import graphiql
from graph_api.config import ConfigError, Settings
from graph_api.database import Database, WorkerDatabase, open_database
from graph_api.demo import load_demo
from graph_api.errors import ErrorCodes, quiet_request_errors
from graph_api.guards import SHARED_STORE_TIMEOUT, Guards
from graph_api.http import GraphQLHTTP
from graph_api.limits import query_limits
from graph_api.logs import log_exchange
from graph_api.mail.runtime import MailService
from graph_api.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from graph_api.metrics import Metrics
from graph_api.pipeline import OperationCapture, OperationContext, Pipeline, RequestContexts
from graph_api.pubsub import LocalEventBus, RedisEventBus
from graph_api.websocket import SubscriptionEndpoint
from graph_db import instrument
from graph_db.resp import PipelinedPool
from resolvers.accounts import TokenAuthenticator
from resolvers.oidc import OidcConfig, OidcVerifier
from resolvers.programs import calendar
from resolvers.services import Limits, Services
from resolvers.sessions import SessionCache
from resolvers.signin import Accounts
from resolvers.tokens import TokenConfig

log = logging.getLogger("graph_api.app")
GRAPHQL_PATH = "/graphql"


def oidc_config(settings: Settings) -> OidcConfig | None:
    """The SSO issuer's settings, or None when no issuer is configured."""
    if not settings.oidc_issuer:
        return None
    try:
        return OidcConfig(
            issuer=settings.oidc_issuer, audience=settings.oidc_audience or "",
            jwks_url=settings.oidc_jwks_url or "", algorithms=settings.oidc_algorithms,
            cooldown_seconds=settings.oidc_jwks_cooldown_seconds,
        )
    except ValueError as exc:
        raise ConfigError(f"invalid GRAPH_API_OIDC_* settings: {exc}") from None


def accounts_for(settings: Settings) -> Accounts:
    """Sign-in and tokens as the settings configure them."""
    return Accounts(
        TokenConfig.from_settings(settings), max_failures=settings.login_max_failures,
        lockout_seconds=settings.login_lockout_seconds,
    )


def create_app(
    settings: Settings, *, database: Database | None = None, demo: bool = False,
    build_schema: Callable[..., Any] = graphql_schema.build_schema,
    worker: WorkerDatabase | None = None,
) -> Starlette:
    """Build the service. With `database`, use it (tests); otherwise open the configured one
    (as a worker of `graph-api serve --workers N`: the one its supervisor prepared).

    With `demo`, an empty database gets the demo network on start-up.
    """
    settings = settings.with_secrets()
    # OperationContext first (it hands a WebSocket operation its own Context), then
    # ErrorCodes: its on_operation runs last, so it codes what the others produced.
    limits = query_limits(settings)
    schema = build_schema(extensions=[OperationContext, ErrorCodes, limits, OperationCapture])
    quiet_request_errors()
    guards = Guards(settings, documents=limits.documents)
    sessions = SessionCache(settings.session_cache_seconds)
    metrics = Metrics() if settings.metrics else None
    if metrics is not None:
        guards.limiter.on_limited = lambda bucket: metrics.rate_limited.labels(bucket).inc()
        metrics.watch(
            "graphql_persisted_queries", "Persisted-query lookups and registrations.", "result",
            guards.persisted, ("hits", "misses", "registered"),
        )
        metrics.watch(
            "graphql_document_cache", "Parsed-document cache lookups.", "result",
            limits.documents, ("hits", "misses"),
        )
        metrics.watch(
            "graphql_session_cache", "Signed-in session lookups (misses read the database).",
            "result", sessions, ("hits", "misses"),
        )
    state: dict[str, Any] = {}
    sso = oidc_config(settings)
    mail = MailService(settings)  # the email delivery worker (and the development sink)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = database or await open_database(settings, worker=worker)
        accounts = accounts_for(settings)
        if demo:
            await load_demo(db.backend, settings, accounts)
        oidc = OidcVerifier(sso) if sso else None
        # Subscriptions fan out through Redis (the embedded server by default) when there is one.
        bus_url = db.redis_url or settings.redis_url
        bus = (
            RedisEventBus.from_url(bus_url, prefix=settings.redis_key_prefix + "events:")
            if bus_url else LocalEventBus()
        )
        services = Services(
            backend=db.backend, limits=Limits(max_page_size=settings.max_page_size),
            accounts=accounts, oidc=oidc, bus=bus, sessions=sessions,
            public_url=settings.public_url.rstrip("/"), link_secret=settings.jwt_secret,
            read_plans=settings.read_plans,
        )
        # Other replicas announce session changes on the bus; this one forgets them.
        sessions.clear()
        following = asyncio.create_task(sessions.follow(bus), name="graph_api.sessions")
        # The HTTP and WebSocket layers sign requests in with it; resolvers never do.
        authenticator = TokenAuthenticator(services)
        state.update(database=db, services=services, authenticator=authenticator)
        app.state.database, app.state.services = db, services
        shared = None
        # Several processes serving one database (graph_api.workers) count together.
        shared_url = settings.redis_url or (db.redis_url if db.shared else None)
        if shared_url:
            shared = PipelinedPool.for_url(shared_url, size=2, timeout=SHARED_STORE_TIMEOUT)
            guards.use_redis(shared, settings.redis_key_prefix)
        if metrics is not None:
            instrument.add_observer(metrics.observe_query)
            instrument.add_disk_full_observer(metrics.observe_disk_full)
        await mail.start(services)
        try:
            yield
        finally:
            await mail.stop()
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
            if metrics is not None:
                instrument.remove_observer(metrics.observe_query)
                instrument.remove_disk_full_observer(metrics.observe_disk_full)
            await bus.close()
            if shared is not None:
                await shared.close()
            if oidc is not None:
                await oidc.close()
            if database is None:
                await db.close()

    # Every exchange, HTTP request or WebSocket operation, goes to the access log and metrics.
    pipeline = Pipeline(
        RequestContexts(settings, state), guards,
        observers=[log_exchange] + ([metrics.observe_exchange] if metrics is not None else []),
    )
    graphql_http = GraphQLHTTP(
        schema,
        pipeline=pipeline,
        max_body_bytes=settings.max_body_bytes,
        batch_max=settings.batch_max,
        graphiql_html=graphiql.GRAPHIQL_HTML if settings.graphiql else None,
        expose_timing=not settings.is_production,
        expose_queries=settings.expose_queries and not settings.is_production,
        admit=guards.admit,
    )
    subscriptions = SubscriptionEndpoint(
        schema, pipeline=pipeline,
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        admit=guards.admit, allowed_origins=settings.cors_origins,
        reauth_seconds=settings.ws_reauth_seconds, path=GRAPHQL_PATH,
    )

    async def index(request: Request) -> Response:
        # With GraphiQL on (development), / is where a browser wants to go; else a small map.
        if settings.graphiql:
            return RedirectResponse("/graphql", status_code=307)
        return JSONResponse({"graphql": "/graphql", "health": "/health", "ready": "/ready"})

    async def calendar_endpoint(request: Request) -> Response:
        # A calendar application fetches this without signing in: the signed token is the key.
        services: Services = state["services"]
        body = await calendar.calendar_file(
            services.backend, services.link_secret, request.path_params["token"], now=services.clock(),
        )
        if body is None:
            return JSONResponse({"error": "no such calendar file"}, status_code=404)
        return Response(body, media_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="speed-mentoring.ics"',
            "Cache-Control": "private, no-store",
        })

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(request: Request) -> Response:
        db: Database | None = state.get("database")
        if db is not None and await db.backend.health():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "unavailable"}, status_code=503)

    async def metrics_endpoint(request: Request) -> Response:
        assert metrics is not None
        return Response(metrics.render(), media_type=METRICS_CONTENT_TYPE)

    middleware = [Middleware(graphiql.PageHeaders)] if settings.graphiql else []
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
                max_age=600,
            )
        )
    return Starlette(
        routes=[
            Route(
                GRAPHQL_PATH, graphql_http.__call__,
                methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            ),
            WebSocketRoute(GRAPHQL_PATH, subscriptions),
            Route("/", index, methods=["GET", "HEAD"]),
            *([Mount(graphiql.ASSETS_PATH, app=graphiql.assets())] if settings.graphiql else []),
            Route("/health", health),
            Route(calendar.CALENDAR_PATH + "{token}.ics", calendar_endpoint, methods=["GET", "HEAD"]),
            *mail.routes(),
            Route("/ready", ready),
            *([Route("/metrics", metrics_endpoint)] if metrics is not None else []),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
