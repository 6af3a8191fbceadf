"""The test Neo4j never outlives the process that started it, however that process ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import neo4j_server
from tests.processes import reap

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        neo4j_server.unavailable_reason() is not None or bool(os.environ.get("GRAPH_API_NEO4J_URI")),
        reason="needs the launcher (Java, Maven, `make neo4j`)",
    ),
]

STARTER = """
import sys, time
from pathlib import Path
from tests import neo4j_server
server = neo4j_server.start(Path(sys.argv[1]))
assert server.process is not None
print(server.process.pid, server.uri, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited


def test_sigkill_of_the_parent_stops_the_jvm(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path)],
        cwd=neo4j_server.ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline().decode()  # bounded by the launcher's start timeout
        jvm_pid, uri = int(line.split()[0]), line.split()[1]
        assert uri.startswith("bolt://127.0.0.1:")
        assert _alive(jvm_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 120
        while _alive(jvm_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(jvm_pid), "the JVM outlived its parent"
    finally:
        reap(parent)
