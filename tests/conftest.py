"""Shared fixtures: one embedded FalkorDB server per test session, a fresh graph per test."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph_db.backend import Backend
from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
from graph_db.falkordb import FalkorDBBackend
from graph_db.migrations import migrate
from graph_db.neo4j import Neo4jBackend
from tests import neo4j_server

TEMPLATE_GRAPH = "graph_api_test_template"


@pytest.fixture(scope="session")
async def falkordb_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedFalkorDB]:
    server = EmbeddedFalkorDB(EmbeddedOptions(data_dir=tmp_path_factory.mktemp("falkordb")))
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session")
async def falkordb_pool(falkordb_server: EmbeddedFalkorDB) -> AsyncIterator[FalkorDBBackend]:
    """A migrated template graph; each test copies it (indexes and constraints included)."""
    backend = FalkorDBBackend.connect(
        graph=TEMPLATE_GRAPH, unix_socket=falkordb_server.unix_socket, max_connections=64,
        health_hook=falkordb_server.is_up,
    )
    # GRAPH.COPY forks; while an automatic AOF rewrite or RDB save child is running that fork
    # fails ("Can't fork for module: File exists") and the COPY never answers. Copying a
    # graph per test grows the AOF fast enough to trigger rewrites, so the throwaway test
    # server does neither (durability is tested on servers of its own).
    await backend.client.config_set("auto-aof-rewrite-percentage", 0)
    await backend.client.config_set("save", "")
    await migrate(backend)
    yield backend
    await backend.drop()
    await backend.close()


async def fresh_falkordb_graph(template: FalkorDBBackend) -> FalkorDBBackend:
    graph = f"test_{uuid.uuid4().hex}"
    await template.client.execute_command("GRAPH.COPY", template.graph, graph)
    return template.with_graph(graph)


@pytest.fixture
async def falkordb(falkordb_pool: FalkorDBBackend) -> AsyncIterator[FalkorDBBackend]:
    backend = await fresh_falkordb_graph(falkordb_pool)
    yield backend
    await backend.drop()


NEO4J_UNAVAILABLE = neo4j_server.unavailable_reason()
REQUIRE_NEO4J = os.environ.get("GRAPH_API_REQUIRE_NEO4J", "") not in ("", "0")


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_NEO4J and NEO4J_UNAVAILABLE:
        raise pytest.UsageError(
            f"GRAPH_API_REQUIRE_NEO4J is set but the Neo4j half cannot run: {NEO4J_UNAVAILABLE}"
        )


_ENGINE_TIME: dict[str, float] = {"falkordb": 0.0, "neo4j": 0.0}
_ENGINE_TESTS: dict[str, int] = {"falkordb": 0, "neo4j": 0}


def _engine(nodeid: str) -> str:
    return "neo4j" if "neo4j" in nodeid else "falkordb"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    engine = _engine(report.nodeid)
    _ENGINE_TIME[engine] += report.duration
    if report.when == "call":
        _ENGINE_TESTS[engine] += 1


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The run's last lines say which engines ran, how many tests and how long each took."""
    write = terminalreporter.write_line
    write(
        f"FalkorDB half (and engine-independent tests): {_ENGINE_TESTS['falkordb']} tests, "
        f"{_ENGINE_TIME['falkordb']:.0f} s"
    )
    if NEO4J_UNAVAILABLE:
        write(f"NEO4J HALF SKIPPED: {NEO4J_UNAVAILABLE}. Only FalkorDB was tested.", red=True, bold=True)
    else:
        write(
            f"Neo4j 5 half: {_ENGINE_TESTS['neo4j']} tests, {_ENGINE_TIME['neo4j']:.0f} s",
            green=True,
        )


@pytest.fixture(scope="session")
def neo4j_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[neo4j_server.Neo4jServer]:
    """The session's Neo4j server (started on first use, stopped at the end)."""
    if NEO4J_UNAVAILABLE:
        pytest.skip(NEO4J_UNAVAILABLE)
    server = neo4j_server.start(tmp_path_factory.mktemp("neo4j"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def neo4j_pool(neo4j_process: neo4j_server.Neo4jServer) -> AsyncIterator[Neo4jBackend]:
    """A migrated Neo4j database shared by the session; each test empties it first."""
    backend = Neo4jBackend(
        neo4j_process.uri,
        user=os.environ.get("GRAPH_API_NEO4J_USER", "neo4j"),
        password=os.environ.get("GRAPH_API_NEO4J_PASSWORD", ""),
        database=os.environ.get("GRAPH_API_NEO4J_DATABASE", "neo4j"),
    )
    await migrate(backend)
    yield backend
    await backend.close()


async def fresh_neo4j_graph(pool: Neo4jBackend) -> Neo4jBackend:
    """The shared database emptied (Community Edition has one database: reset, not copy)."""
    await pool.drop_all()
    return pool


BACKENDS = [
    "falkordb",
    pytest.param("neo4j", marks=pytest.mark.neo4j),
]


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    """Which engine a test runs on: every test that asks for a database runs on both."""
    kind: str = request.param
    if kind == "neo4j" and NEO4J_UNAVAILABLE:
        pytest.skip(NEO4J_UNAVAILABLE)
    return kind


@pytest.fixture
def pool(request: pytest.FixtureRequest, backend_kind: str) -> Backend:
    """The session's migrated template of the engine under test (fresh graphs come from it)."""
    # A plain fixture, so that the async pool fixtures are set up outside any running loop.
    pool: Backend = request.getfixturevalue(f"{backend_kind}_pool")
    return pool


@contextlib.asynccontextmanager
async def fresh_graph(pool: Backend) -> AsyncIterator[Backend]:
    """An empty, migrated graph from `pool` for the block (dropped or emptied after)."""
    if isinstance(pool, FalkorDBBackend):
        backend = await fresh_falkordb_graph(pool)
        try:
            yield backend
        finally:
            await backend.drop()
    else:
        assert isinstance(pool, Neo4jBackend)
        yield await fresh_neo4j_graph(pool)


@pytest.fixture
async def db(pool: Backend) -> AsyncIterator[Backend]:
    """Every configured backend in turn, each test on an empty, migrated graph."""
    async with fresh_graph(pool) as backend:
        yield backend


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
