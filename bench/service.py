"""The real service as a child process: `graph-api serve` under uvicorn on 127.0.0.1."""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

JWT_SECRET = "bench-only-secret-" + "b" * 40  # the bench mints viewers' tokens with it
_PR_SET_PDEATHSIG = 1


@dataclass
class Service:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path
    # The database's process when it is not the service's child: the Neo4j JVM (None for an
    # external Neo4j, whose CPU the bench cannot see).
    external_db_pid: int | None = None
    embedded: bool = True

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def unix_socket(self) -> str:
        return str(self.data_dir / "falkordb" / "falkordb.sock")

    def children(self) -> list[tuple[int, bytes]]:
        """The service's child processes and their command lines."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.pid:
                found.append((int(entry.name), cmdline))
        return found

    def database_pid(self) -> int | None:
        """The embedded FalkorDB server (the service's child process), or the Neo4j JVM."""
        if not self.embedded:
            return self.external_db_pid
        return next((pid for pid, cmd in self.children() if b"redis-server" in cmd), None)

    def api_pids(self) -> list[int]:
        """The processes running the API: `serve`, and its workers (`serve --workers N`)."""
        return [self.pid] + [pid for pid, cmd in self.children() if b"graph_api.workers" in cmd]

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def peak_rss_mb(pid: int | None) -> float | None:
    """VmHWM: the process's peak resident memory so far, in MiB (Linux)."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time a process has used so far (Linux)."""
    if pid is None:
        return math.nan
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processes on the machine have used so far, over all cores (Linux)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return math.nan
    ticks = [int(v) for v in first[:8]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    # Between fork and exec: the service never outlives an interrupted or killed bench.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _rate_limit_settings() -> list[str]:
    from graph_api.config import Settings

    return [f.name for f in dataclasses.fields(Settings) if f.name.startswith("rate_limit_")]


def service_env(data_dir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The service's environment: ours only, so a developer's GRAPH_API_* cannot skew a run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAPH_API_")}
    env.update(
        GRAPH_API_ENV="development",
        GRAPH_API_DATA_DIR=str(data_dir),
        GRAPH_API_JWT_SECRET=JWT_SECRET,
        GRAPH_API_ACCESS_TOKEN_SECONDS=str(24 * 3600),
        GRAPH_API_EXPOSE_QUERIES="true",
    )
    # Every rate limit high rather than off, so its bookkeeping stays in the measured path.
    env.update({f"GRAPH_API_{name.upper()}": str(10**9) for name in _rate_limit_settings()})
    env.update(extra)
    return env


@contextlib.contextmanager
def running(
    data_dir: Path, *, extra_env: Mapping[str, str], start_timeout: float = 600.0,
    embedded: bool = True, db_pid: int | None = None, workers: int = 1,
    source: Path | None = None,
) -> Iterator[Service]:
    """Start the service on `data_dir` (or, not `embedded`, on the database `extra_env` names,
    whose process is `db_pid`), wait until /ready, stop it (SIGTERM) afterwards. `source`:
    the checkout whose code serves (another commit's worktree; default: this one)."""
    port = _free_port()
    log_path = data_dir.parent / f"{data_dir.name}.service.log"
    log = log_path.open("wb")
    command = [sys.executable, "-m", "graph_api.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command, env=service_env(data_dir, extra_env), stdin=subprocess.DEVNULL,
        stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        # `python -m` imports from the working directory first: that checkout's code serves.
        cwd=source,
    )
    log.close()
    service = Service(f"http://127.0.0.1:{port}", process, data_dir, log_path, db_pid, embedded)
    try:
        _wait_ready(service, start_timeout)
        yield service
    finally:
        _stop(process)


def _wait_ready(service: Service, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while True:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"the service exited with status {service.process.returncode} during start-up:\n"
                    + service.log_tail()
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get(service.url + "/ready").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service was not ready within {timeout:g}s:\n{service.log_tail()}")
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # uvicorn shuts down; the lifespan stops the database
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
