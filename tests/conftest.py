"""Shared fixtures: one embedded FalkorDB server per test session, a fresh graph per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph_db.backend import Backend
from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
from graph_db.falkordb import FalkorDBBackend
from graph_db.migrations import migrate

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


def _neo4j_configured() -> bool:
    return bool(os.environ.get("GRAPH_API_NEO4J_URI"))


@pytest.fixture(scope="session")
async def neo4j_backend() -> AsyncIterator[Backend | None]:
    """The Neo4j named by GRAPH_API_NEO4J_URI (a throwaway database: tests wipe it), or None."""
    if not _neo4j_configured():
        yield None
        return
    from graph_db.neo4j import Neo4jBackend

    backend = Neo4jBackend(
        os.environ["GRAPH_API_NEO4J_URI"],
        user=os.environ.get("GRAPH_API_NEO4J_USER", "neo4j"),
        password=os.environ.get("GRAPH_API_NEO4J_PASSWORD", ""),
        database=os.environ.get("GRAPH_API_NEO4J_DATABASE", "neo4j"),
    )
    await migrate(backend)
    yield backend
    await backend.close()


BACKENDS = [
    "falkordb",
    pytest.param(
        "neo4j",
        marks=pytest.mark.skipif(not _neo4j_configured(), reason="GRAPH_API_NEO4J_URI not set"),
    ),
]


@pytest.fixture(params=BACKENDS)
async def db(
    request: pytest.FixtureRequest,
    falkordb_pool: FalkorDBBackend,
    neo4j_backend: Backend | None,
) -> AsyncIterator[Backend]:
    """Every configured backend in turn, each test on an empty, migrated graph."""
    if request.param == "falkordb":
        backend = await fresh_falkordb_graph(falkordb_pool)
        yield backend
        await backend.drop()
    else:
        from graph_db.neo4j import Neo4jBackend

        assert isinstance(neo4j_backend, Neo4jBackend)
        await neo4j_backend.drop_all()
        yield neo4j_backend


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
