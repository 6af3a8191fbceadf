"""The test suite's Neo4j: a real Neo4j 5 started from tools/neo4j, or the one configured.

`GRAPH_API_NEO4J_URI` names a server to use (a throwaway database: tests wipe it).
Otherwise, when Java and Maven are on the machine and `make neo4j` has built the launcher,
the session starts one; it stops when its stdin closes, so it never outlives the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "tools" / "neo4j" / "run"
CLASSPATH = ROOT / "tools" / "neo4j" / "target" / "classpath.txt"
START_TIMEOUT_S = 180


@dataclass
class Neo4jServer:
    uri: str
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process is None:
            return
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()  # the launcher's signal to shut down
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process.stdout.close()


def unavailable_reason() -> str | None:
    """Why this machine cannot start the test Neo4j, or None when it can."""
    if os.environ.get("GRAPH_API_NEO4J_URI"):
        return None
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (the Neo4j half needs Java 17+ and Maven)"
    if not CLASSPATH.exists():
        if shutil.which("mvn") is None:
            return "Maven is not installed (the Neo4j half needs Java 17+ and Maven)"
        return "tools/neo4j is not built (run `make neo4j`)"
    return None


def start(work_dir: Path) -> Neo4jServer:
    """The configured Neo4j, or a new one from the launcher (bolt URI read from its first line)."""
    uri = os.environ.get("GRAPH_API_NEO4J_URI")
    if uri:
        return Neo4jServer(uri=uri)
    with (work_dir / "launcher.log").open("wb") as log:
        process = subprocess.Popen(
            [str(LAUNCHER), str(work_dir / "neo4j")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
        )
    assert process.stdout is not None
    first_line: list[bytes] = []
    reader = threading.Thread(target=lambda: first_line.append(process.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(START_TIMEOUT_S)
    line = first_line[0].decode().strip() if first_line else ""
    if not line.startswith("bolt://"):
        server = Neo4jServer(uri="", process=process)
        server.stop()
        detail = (work_dir / "launcher.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"the test Neo4j did not start within {START_TIMEOUT_S} s:\n{detail}")
    return Neo4jServer(uri=line, process=process)
