"""A tmpfs mounted for one test (root only: the test is skipped where mounting is not allowed)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(where: Path, options: str, what: str = "a tmpfs", *, lazy: bool = True) -> Iterator[Path]:
    """Mount a tmpfs with `options` (e.g. "size=4m") on the new directory `where`; unmounted
    afterwards (`lazy`: even while something still holds a file there)."""
    where.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
        capture_output=True, text=True, timeout=30,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount {what} here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", *(["-l"] if lazy else []), str(where)], check=True, timeout=30)
