"""A `graph-api serve` child process, watched until it says it is up."""

from __future__ import annotations

import subprocess
import threading

START_DEADLINE = 90.0  # seconds a start may take before the test kills it


def read_until_up(proc: subprocess.Popen[str], deadline: float) -> tuple[bool, list[str]]:
    """Read the service's output until it says it is up; bounded by a timer that kills it."""
    seen: list[str] = []
    timer = threading.Timer(deadline, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            seen.append(line)
            if "graph-api is up" in line:
                return True, seen
        return False, seen
    finally:
        timer.cancel()
