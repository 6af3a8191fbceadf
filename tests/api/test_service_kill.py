"""`graph-api serve` killed with SIGKILL: no database process left, acknowledged writes kept."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.api.serving import START_DEADLINE
from tests.processes import reap

REGISTER = """
mutation($input: RegisterInput!) { register(input: $input) { accessToken errors { code } } }
"""
LOGIN = """
mutation($input: LoginInput!) { login(input: $input) { accessToken errors { code } } }
"""



def _start(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    # The read is bounded: a service that never says it is up is killed, which ends the read.
    timer = threading.Timer(START_DEADLINE, proc.kill)
    timer.start()
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            match = re.search(r"at (http://127\.0\.0\.1:\d+)/graphql", line)
            if match:
                return proc, match.group(1)
    finally:
        timer.cancel()
    proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()
    raise AssertionError("graph-api serve did not come up:\n" + "".join(seen[-20:]))


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cmdline(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_sigkill_leaves_no_database_and_keeps_acknowledged_writes(tmp_path: Path) -> None:
    env = {**os.environ, "GRAPH_API_ENV": "test", "GRAPH_API_DATA_DIR": str(tmp_path / "data"),
           "GRAPH_API_JWT_SECRET": "k" * 48, "GRAPH_API_RATE_LIMIT_IP_PER_MINUTE": "100000"}
    proc, url = _start(env)
    try:
        children = _children(proc.pid)  # the database, and the workers of `--workers N`
        (database_pid,) = [pid for pid in children if b"redis-server" in _cmdline(pid)]
        with httpx.Client(base_url=url, timeout=30) as http:
            for i in range(40):
                body = http.post("/graphql", json={"query": REGISTER, "variables": {"input": {
                    "email": f"member{i}@example.org", "name": f"Member {i}",
                    "password": f"correct horse battery {i}"}}}).json()
                assert body["data"]["register"]["errors"] == [], body
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert _gone(database_pid), "the embedded database outlived the SIGKILLed service"
        assert all(_gone(pid) for pid in children), "a worker outlived the SIGKILLed service"
    finally:
        reap(proc, timeout=30)

    proc, url = _start(env)
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            for i in (0, 39):
                body = http.post("/graphql", json={"query": LOGIN, "variables": {"input": {
                    "email": f"member{i}@example.org", "password": f"correct horse battery {i}"}}}).json()
                assert body["data"]["login"]["accessToken"], body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
