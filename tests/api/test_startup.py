"""`graph-api serve` start-up: small demos start, failed starts exit promptly and leave no child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.serving import START_DEADLINE, read_until_up
from tests.mounts import tmpfs


def serve_env(data: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "GRAPH_API_ENV": "development", "GRAPH_API_DATA_DIR": str(data), **extra}


def processes_using(path: Path) -> list[str]:
    """Command lines of live processes naming `path` (the embedded server names its socket)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = next(
                (line for line in (entry / "status").read_text().splitlines()
                 if line.startswith("State:")), "",
            )
        except OSError:
            continue
        if str(path) in cmdline and "zombie" not in state:
            found.append(cmdline)
    return found


@pytest.mark.parametrize("people", [1, 5])
def test_a_small_demo_starts_and_stops_cleanly(tmp_path: Path, people: int) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--demo", "--port", "0"],
        env=serve_env(data, GRAPH_API_DEMO_PEOPLE=str(people)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        up, seen = read_until_up(proc, START_DEADLINE)
        assert up, "".join(seen[-20:])
        assert any("demo network loaded" in line for line in seen)
        assert processes_using(data)  # the embedded database is running
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        assert proc.stdout is not None
        proc.stdout.close()
    assert proc.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    assert processes_using(data) == []


def test_a_start_that_fails_after_the_database_is_up_exits_promptly_without_a_child(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    # The demo admin's password file cannot be read: the lifespan fails after the embedded
    # database started and the schema was applied (this hung forever after "Exiting").
    (data / "secrets" / "demo_password").mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "serve", "--demo", "--port", "0"],
        env=serve_env(data, GRAPH_API_DEMO_PEOPLE="3"),
        capture_output=True, text=True, timeout=START_DEADLINE,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Application startup failed" in result.stderr
    assert result.stderr.rstrip().endswith("graph-api: start-up failed (see the error above); exiting")
    assert processes_using(data) == []
    # The data directory's lock went with the child: the next command gets it at once.
    again = subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "migrate"], env=serve_env(data),
        capture_output=True, text=True, timeout=START_DEADLINE,
    )
    assert again.returncode == 0, again.stderr[-2000:]


def _serve_once(data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", "0"], env=serve_env(data),
        capture_output=True, text=True, timeout=START_DEADLINE,
    )


def test_an_unusable_data_directory_is_one_readable_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _serve_once(blocker / "data")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"graph-api: data directory {blocker / 'data'} is not writable")


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[Path]:
    """A read-only tmpfs (root only: skipped where mounting is not allowed)."""
    with tmpfs(tmp_path / "ro", "ro,size=1m", "a read-only tmpfs", lazy=False) as where:
        yield where


def test_a_read_only_data_directory_is_one_readable_line(read_only_mount: Path) -> None:
    result = _serve_once(read_only_mount / "data")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"graph-api: data directory {read_only_mount / 'data'} is not writable (Read-only file "
        "system); set GRAPH_API_DATA_DIR to a writable directory with free space"
    ]
