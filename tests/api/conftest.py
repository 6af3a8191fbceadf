"""A real uvicorn server per test, on 127.0.0.1, serving the app over the test's own graph."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
import uvicorn

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.database import Database
from graph_api.mail.sink import SmtpSink
from graph_db.backend import Backend
from tests.conftest import fresh_graph

TEST_SETTINGS = Settings(env="test", jwt_secret="test-secret-" + "x" * 40, log_json=False)


@dataclass
class Api:
    """An HTTP client bound to a running server, plus the graph it serves."""

    url: str
    http: httpx.AsyncClient
    backend: Backend

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None,
        **extra: Any,
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        body: dict[str, Any] = {"query": query, **extra}
        if variables is not None:
            body["variables"] = variables
        return await self.http.post("/graphql", json=body, headers=headers)

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        """POST an operation; return `data`, failing the test on any top-level error."""
        response = await self.post(query, variables, token=token)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@contextlib.asynccontextmanager
async def serve(settings: Settings, backend: Backend) -> AsyncIterator[str]:
    async with serve_app(create_app(settings, database=Database(backend=backend))) as url:
        yield url


# A bound on the app's lifespan shutdown (workers, SMTP listeners, the event bus): a shutdown
# that hangs fails its test, with what is still running, instead of stalling the suite.
SHUTDOWN_SECONDS = 30


@contextlib.asynccontextmanager
async def serve_app(app: Any, **options: Any) -> AsyncIterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 (a free port) for the duration of the block;
    `options` are more uvicorn.Config arguments (e.g. graph_api.connections.server_options)."""
    # The client shares the server's event loop. Once the loop has stalled for longer than
    # uvicorn's keep-alive timeout (5 s), every idle connection's timer is overdue, and one
    # can close a connection in the very loop turn in which a client task has just sent a
    # request on it (before the server has read it): a ReadError, with nothing logged. On a
    # loaded CI machine a test stalled 6 s and then lost a request that way, we think (it
    # has not been reproduced). A test server lives for one test: idle connections are kept
    # a minute.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_config=None, lifespan="on",
        **{"ws": "websockets-sansio", "timeout_keep_alive": 60, **options},
    )
    # Drive uvicorn's startup and shutdown directly: its main loop polls for exit every
    # 100 ms and its shutdown sleeps another 100 ms, a fifth of a second on every test.
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup()
    if not server.started:
        raise RuntimeError("the test server did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        # uvicorn's server state offers no event to wait on: poll it, bounded.
        deadline = time.monotonic() + 10
        while (server.server_state.connections or server.server_state.tasks) and (  # noqa: ASYNC110
            time.monotonic() < deadline
        ):
            await asyncio.sleep(0.002)
        for listener in server.servers:
            await listener.wait_closed()
        try:
            async with asyncio.timeout(SHUTDOWN_SECONDS):
                await server.lifespan.shutdown()
        except TimeoutError:
            stuck = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            raise AssertionError(
                f"the app's shutdown did not finish in {SHUTDOWN_SECONDS} s; tasks still running:\n"
                + "\n".join(repr(t) for t in stuck[:20])
            ) from None


@pytest.fixture
def settings() -> Settings:
    """Override in a test module (or parametrize) to serve with other settings."""
    return TEST_SETTINGS


@pytest.fixture
async def api(settings: Settings, pool: Backend) -> AsyncIterator[Api]:
    """The app over HTTP on a fresh graph, on each engine in turn."""
    async with (
        fresh_graph(pool) as backend,
        serve(settings, backend) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        yield Api(url=url, http=http, backend=backend)


def with_settings(**changes: Any) -> Settings:
    return replace(TEST_SETTINGS, **changes)


@pytest.fixture
async def sink() -> AsyncIterator[SmtpSink]:
    """A local SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    server = SmtpSink()
    await server.start()
    yield server
    await server.stop()
