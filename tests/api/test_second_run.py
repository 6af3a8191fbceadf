"""A second `make run` (`graph-api serve`) while one is running: refused with one plain line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.api.serving import START_DEADLINE, read_until_up


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_a_second_serve_says_what_is_busy_in_one_line(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "GRAPH_API_ENV": "test", "GRAPH_API_JWT_SECRET": "x" * 48,
           "GRAPH_API_LOG_JSON": "true"}
    serve = [sys.executable, "-m", "graph_api.cli", "serve"]
    first = subprocess.Popen(
        [*serve, "--port", str(port)], env={**env, "GRAPH_API_DATA_DIR": str(tmp_path / "one")},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        up, seen = read_until_up(first, START_DEADLINE)
        assert up, "first instance did not start:\n" + "".join(seen[-30:])
        # Same port, another data directory; then the same data directory, another port.
        same_port = subprocess.run(
            [*serve, "--port", str(port)], env={**env, "GRAPH_API_DATA_DIR": str(tmp_path / "two")},
            capture_output=True, text=True, timeout=60,
        )
        same_data = subprocess.run(
            [*serve, "--port", str(_free_port())],
            env={**env, "GRAPH_API_DATA_DIR": str(tmp_path / "one")},
            capture_output=True, text=True, timeout=60,
        )
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}  # unharmed
    finally:
        first.terminate()
        first.wait(timeout=30)
        if first.stdout is not None:
            first.stdout.close()

    assert same_port.returncode == 1 and same_port.stdout == ""
    assert same_port.stderr == (
        f"graph-api: cannot start: port {port} on 127.0.0.1 is already in use (is graph-api "
        "already running? stop it with Ctrl-C, or set GRAPH_API_PORT)\n"
    )
    assert same_data.returncode == 1 and same_data.stdout == ""
    assert same_data.stderr.startswith(
        f"graph-api: cannot start: data directory {tmp_path / 'one'} is in use by another graph-api (pid "
    ) and same_data.stderr.count("\n") == 1
