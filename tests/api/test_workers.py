"""`graph-api serve --workers N`: one database, N processes, nothing left behind.

Which worker accepts a connection is the kernel's choice; a test that must reach one worker
stops the other (SIGSTOP): a stopped process accepts nothing, so every new connection goes to
the one left running. Every request below opens its own connection.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph_db.embedded import EmbeddedFalkorDB, EmbeddedOptions
from tests import neo4j_server
from tests.api.test_startup import processes_using, serve_env

START_DEADLINE = 120.0
PASSWORD = "correct horse battery staple"
REGISTER = """
mutation($input: RegisterInput!) { register(input: $input) { accessToken errors { code } } }
"""
ME = "{ me { name } }"
CHANGE_PASSWORD = """
mutation($old: String!, $new: String!) {
  changePassword(input: {currentPassword: $old, newPassword: $new}) { accessToken errors { code } }
}
"""


class Service:
    def __init__(self, proc: subprocess.Popen[str], url: str, output: list[str]) -> None:
        self.proc, self.url, self.output = proc, url, output

    def tail(self, lines: int = 30) -> str:
        """The service's last lines of output (for a failure's message)."""
        return "".join(list(self.output)[-lines:])

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def workers(self) -> list[int]:
        return [pid for pid in self.children() if b"graph_api.workers" in _cmdline(pid)]

    def post(self, query: str, variables: dict[str, object] | None = None,
             token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        with httpx.Client(base_url=self.url, timeout=30) as http:  # a connection of its own
            return http.post("/graphql", json={"query": query, "variables": variables or {}},
                             headers=headers)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _wait(condition: object, seconds: float = 30.0) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


@contextlib.contextmanager
def serving(data: Path, *args: str, **env: str) -> Iterator[Service]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", "0", *args],
        env=serve_env(data, GRAPH_API_ENV="test", GRAPH_API_JWT_SECRET="k" * 48,
                      GRAPH_API_SESSION_CACHE_SECONDS="60", **env),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    output: list[str] = []
    timer = threading.Timer(START_DEADLINE, proc.kill)  # bounds the read below
    timer.start()
    url = None
    try:
        for line in proc.stdout:
            output.append(line)
            if match := re.search(r"at (http://127\.0\.0\.1:\d+)/graphql", line):
                url = match.group(1)
                break
    finally:
        timer.cancel()
    drain = threading.Thread(target=lambda: output.extend(proc.stdout or []), daemon=True)
    drain.start()
    try:
        assert url is not None, "graph-api serve did not come up:\n" + "".join(output[-30:])
        yield Service(proc, url, output)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=90)
        drain.join(timeout=10)
        proc.stdout.close()


@contextlib.contextmanager
def only(service: Service, worker: int) -> Iterator[None]:
    """Every new connection goes to `worker`: the others are stopped meanwhile."""
    others = [pid for pid in service.workers() if pid != worker]
    for pid in others:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in others:
            os.kill(pid, signal.SIGCONT)


def _register(service: Service, email: str) -> str:
    body = service.post(REGISTER, {"input": {"email": email, "name": "Wanda Worker",
                                             "password": PASSWORD}}).json()
    assert body["data"]["register"]["errors"] == [], body
    token: str = body["data"]["register"]["accessToken"]
    return token


def _budget(per_minute: int, since: float) -> int:
    """The most one address may be let through since `since` under a one-minute sliding
    window (graph_api.ratelimit): the limit, plus what the window frees as it slides."""
    return per_minute + math.ceil(per_minute * (time.monotonic() - since) / 60)


def test_workers_share_the_database_sessions_and_rate_limits(tmp_path: Path) -> None:
    with serving(tmp_path / "data", "--workers", "2",
                 GRAPH_API_RATE_LIMIT_IP_OVERALL_PER_MINUTE="40") as service:
        first, second = service.workers()
        assert len(service.children()) == 3  # the embedded database and two workers
        assert "2 workers" in "".join(service.output)
        sent, counting_since = 0, time.monotonic()

        # A member registered through one worker signs in through the other.
        with only(service, first):
            token = _register(service, "wanda@example.org")
            sent += 1
        with only(service, second):
            assert service.post(ME, token=token).json() == {"data": {"me": {"name": "Wanda Worker"}}}
            sent += 1

        # The second worker keeps the session (60 s here); a password changed through the
        # first revokes it there at once (the event bus reaches every worker).
        with only(service, first):
            body = service.post(CHANGE_PASSWORD, {"old": PASSWORD, "new": "another long passphrase"},
                                token=token).json()
            assert body["data"]["changePassword"]["errors"] == [], body
            sent += 1
        with only(service, second):
            # The bus delivers in milliseconds, more on a busy machine; the cache alone would
            # keep the session a minute, so a refusal within 30 s can only be the bus's doing.
            deadline, pause = time.monotonic() + 30, 0.1
            while True:
                refused = service.post(ME, token=token).json()
                sent += 1
                if "errors" in refused or time.monotonic() > deadline:
                    break
                time.sleep(pause)
                pause = min(pause * 2, 4.0)
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", refused

        # One address's budget (40 a minute) is one budget, whichever worker answers.
        # Workers counting apart would allow 40 each: none of these 60 would be refused.
        statuses = []
        for worker in (first, second):
            with only(service, worker):
                for _ in range(30):
                    statuses.append(service.post("{ __typename }").status_code)
        allowed = sent + statuses.count(200)
        assert 40 <= allowed <= _budget(40, counting_since), statuses
        assert statuses.count(429) + statuses.count(200) == len(statuses)
        assert 429 in statuses[30:]  # the second worker knows what the first counted


def test_a_dead_worker_is_replaced_and_a_stop_leaves_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(data, "--workers", "2") as service:
        first, second = service.workers()
        os.kill(first, signal.SIGKILL)
        seen: list[int] = []

        def replaced() -> bool:  # one reading of the process table, kept for the next line
            seen[:] = service.workers()
            return len(seen) == 2 and first not in seen and second in seen

        assert _wait(replaced), service.tail()
        (replacement,) = set(seen) - {second}
        # It starts as slowly as the machine is busy: wait for the supervisor to say it serves.
        assert _wait(lambda: replacement in _serving_pids(service), START_DEADLINE), \
            service.tail()
        with only(service, replacement):
            assert _answers(service), service.tail()
        assert "worker died; restarting it" in "".join(service.output)
        service.proc.terminate()
        assert service.proc.wait(timeout=90) == 0, service.tail()
    assert processes_using(data) == []
    assert not any(_alive(pid) for pid in (second, replacement))


def _serving_pids(service: Service) -> set[int]:
    """The workers the supervisor has logged as serving (its JSON log lines)."""
    pids = set()
    for line in list(service.output):
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict) and entry.get("message") == "worker serving":
                pids.add(entry["pid"])
    return pids


def _answers(service: Service) -> bool:
    try:
        return service.post("{ __typename }").status_code == 200
    except httpx.TransportError:
        return False


def test_sigkill_of_the_supervisor_takes_every_child_with_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(data, "--workers", "2") as service:
        children = service.children()
        assert len(children) == 3
        service.proc.kill()
        assert _wait(lambda: not any(_alive(pid) for pid in children))
    assert processes_using(data) == []
    # The data directory is free again at once.
    again = subprocess.run([sys.executable, "-m", "graph_api.cli", "migrate"], env=serve_env(data),
                           capture_output=True, text=True, timeout=START_DEADLINE)
    assert again.returncode == 0, again.stderr[-2000:]


def test_a_failed_start_exits_with_one_reason_and_no_child(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # The demo admin's password file cannot be read: the supervisor's demo load fails after
    # the embedded database started.
    (data / "secrets" / "demo_password").mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "serve", "--demo", "--port", "0", "--workers", "2"],
        env=serve_env(data, GRAPH_API_DEMO_PEOPLE="3"), capture_output=True, text=True,
        timeout=START_DEADLINE,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.rstrip().endswith("graph-api: start-up failed (see the error above); exiting")
    assert processes_using(data) == []


@pytest.mark.parametrize("workers", ["0", "two"])
def test_the_worker_count_is_checked(tmp_path: Path, workers: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", "0", "--workers", workers],
        env=serve_env(tmp_path / "data"), capture_output=True, text=True, timeout=START_DEADLINE,
    )
    assert result.returncode == 2
    assert "--workers" in result.stderr


def test_neo4j_workers_need_a_shared_redis(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", "0", "--workers", "2"],
        env=serve_env(tmp_path / "data", GRAPH_API_NEO4J_URI="bolt://127.0.0.1:9",
                      GRAPH_API_NEO4J_PASSWORD="x"),
        capture_output=True, text=True, timeout=START_DEADLINE,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "graph-api: cannot start: more than one worker with Neo4j needs GRAPH_API_REDIS_URL "
        "(rate limits and subscriptions are shared through Redis); set it, or serve with --workers 1"
    )


@pytest.mark.neo4j
async def test_workers_on_neo4j_share_one_redis(
    tmp_path: Path, neo4j_process: neo4j_server.Neo4jServer,
) -> None:
    # A Redis of its own (the embedded server is one) for the counters and the bus.
    redis = EmbeddedFalkorDB(EmbeddedOptions(data_dir=tmp_path / "redis", compact_on_stop=False))
    await redis.start()
    try:
        with serving(tmp_path / "data", "--workers", "2",
                     GRAPH_API_NEO4J_URI=neo4j_process.uri,
                     GRAPH_API_NEO4J_USER=os.environ.get("GRAPH_API_NEO4J_USER", "neo4j"),
                     GRAPH_API_NEO4J_PASSWORD=os.environ.get("GRAPH_API_NEO4J_PASSWORD", ""),
                     GRAPH_API_REDIS_URL=redis.url,
                     GRAPH_API_RATE_LIMIT_IP_OVERALL_PER_MINUTE="20") as service:
            first, second = service.workers()
            assert len(service.children()) == 2  # the workers; the database is Neo4j's
            counting_since = time.monotonic()
            with only(service, first):
                token = _register(service, "nora@example.org")
            with only(service, second):
                me = service.post(ME, token=token).json()
            assert me == {"data": {"me": {"name": "Wanda Worker"}}}
            statuses = []
            for worker in (first, second):
                with only(service, worker):
                    statuses += [service.post("{ __typename }").status_code for _ in range(15)]
            allowed = 2 + statuses.count(200)
            assert 20 <= allowed <= _budget(20, counting_since), statuses  # one budget
            assert 429 in statuses[15:]
    finally:
        await redis.stop()
