"""Helpers for tests that start a process of their own and kill it."""

from __future__ import annotations

import subprocess
from typing import Any


def reap(process: subprocess.Popen[Any], timeout: float | None = None) -> None:
    """A test's clean-up: kill `process` if it still runs, wait for it and close its stdout."""
    if process.poll() is None:
        process.kill()
        process.wait(timeout=timeout)
    if process.stdout is not None:
        process.stdout.close()
