"""The service's own embedded database dies and comes back: /ready, error codes, recovery."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import replace
from pathlib import Path

import httpx

from graph_api.app import create_app
from tests.api.conftest import TEST_SETTINGS, serve_app

QUERY = {"query": '{ node(id: "UGVyc29uOm5vYm9keQ") { id } }'}  # Person:nobody


async def test_database_death_is_reported_then_recovered(tmp_path: Path) -> None:
    app = create_app(replace(TEST_SETTINGS, data_dir=tmp_path / "data"))
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        assert (await http.get("/ready")).status_code == 200
        assert (await http.post("/graphql", json=QUERY)).json() == {"data": {"node": None}}

        server = app.state.database.server
        pid = server.pid
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        saw_unavailable = False
        while time.monotonic() < deadline and not saw_unavailable:
            ready = await http.get("/ready")
            if ready.status_code == 503:
                body = (await http.post("/graphql", json=QUERY)).json()
                codes = {e["extensions"]["code"] for e in body.get("errors", [])}
                assert codes == {"SERVICE_UNAVAILABLE"}, body
                assert body["data"] == {"node": None}
                saw_unavailable = True
            await asyncio.sleep(0.01)
        assert saw_unavailable, "/ready never reported the outage"

        assert await server.wait_ready(within=15)
        assert server.pid != pid
        assert (await http.get("/ready")).status_code == 200
        assert (await http.post("/graphql", json=QUERY)).json() == {"data": {"node": None}}
