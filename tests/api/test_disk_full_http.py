"""A full disk under the service's own embedded database, over HTTP: a write is
SERVICE_UNAVAILABLE with a clear message, reads keep answering, under both fsync policies.

The disk is a tmpfs mounted for the test (root only; skipped where mounting is not allowed)
and filled with a file past the embedded server's free-space reserve.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from graph_api.app import create_app
from tests.api.conftest import TEST_SETTINGS, serve_app
from tests.mounts import tmpfs

DISK_MB = 96  # above the 64 MiB reserve; tmpfs uses memory only for what is written
REGISTER = """mutation($email: String!) {
  register(input: {email: $email, name: "Disk Test", password: "a long enough password 1"}) {
    accessToken errors { code }
  }
}"""
ME = "{ me { id name } }"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", f"size={DISK_MB}m") as where:
        yield where


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
              token: str | None = None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}},
                               headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def disk_full_total(metrics: str) -> float:
    """The value of graph_api_database_disk_full_total in a /metrics page."""
    (value,) = [line.split()[1] for line in metrics.splitlines()
                if line.startswith("graph_api_database_disk_full_total ")]
    return float(value)


@pytest.mark.parametrize("fsync", ["everysec", "always"])
async def test_writes_on_a_full_disk_are_service_unavailable_and_reads_go_on(
    disk: Path, fsync: str
) -> None:
    settings = replace(TEST_SETTINGS, data_dir=disk / "data", falkordb_fsync=fsync)
    app = create_app(settings)
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        assert disk_full_total((await http.get("/metrics")).text) == 0.0
        first = await gql(http, REGISTER, {"email": "first@example.org"})
        token = first["data"]["register"]["accessToken"]
        assert token and first["data"]["register"]["errors"] == []
        stats = os.statvfs(disk)
        with (disk / "filler").open("wb") as fh:  # leaves 16 MiB: under the 64 MiB reserve
            fh.write(b"\0" * (stats.f_bavail * stats.f_frsize - 16 * 1024 * 1024))
        server = app.state.database.server
        server.disk_problem.expire()  # look at the disk now, not within the second

        refused = await gql(http, REGISTER, {"email": "second@example.org"})
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["SERVICE_UNAVAILABLE"]
        assert "disk is full" in refused["errors"][0]["message"]
        assert server.writes_refused >= 1
        metrics = (await http.get("/metrics")).text
        assert 'graphql_errors_total{code="SERVICE_UNAVAILABLE"}' in metrics
        assert disk_full_total(metrics) >= 1.0  # the refused write, counted as such

        me = await gql(http, ME, token=token)
        assert me == {"data": {"me": {"id": me["data"]["me"]["id"], "name": "Disk Test"}}}
        assert (await http.get("/ready")).status_code == 200
        assert server.restarts == 0
        rows = await app.state.database.backend.read(
            "MATCH (p:Person) RETURN p.email AS email ORDER BY email"
        )
        assert rows == [{"email": "first@example.org"}]
