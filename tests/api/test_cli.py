"""The `graph-api` command line, run as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import schema
from tests.api.serving import START_DEADLINE, read_until_up


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph_api.cli", *args],
        capture_output=True, text=True, timeout=timeout,
        env={**os.environ, "GRAPH_API_ENV": "test", **(env or {})},
    )


def test_export_schema_prints_the_sdl() -> None:
    result = run_cli("export-schema")
    assert result.returncode == 0, result.stderr
    assert result.stdout == schema.build_schema().as_str() + "\n"


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    env = {"GRAPH_API_DATA_DIR": str(tmp_path / "data")}
    for _ in range(2):
        result = run_cli("migrate", env=env)
        assert result.returncode == 0, result.stderr
        assert "schema up to date" in result.stdout


def test_invalid_configuration_is_listed_readably() -> None:
    result = run_cli("migrate", env={"GRAPH_API_PORT": "eighty", "GRAPH_API_ENV": "staging"})
    assert result.returncode == 2
    assert "GRAPH_API_PORT='eighty' is not a valid value" in result.stderr
    assert "GRAPH_API_ENV must be development, test or production" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_second_instance_on_the_same_data_dir_fails_fast_and_readably(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "GRAPH_API_ENV": "test", "GRAPH_API_DATA_DIR": str(data),
           "GRAPH_API_JWT_SECRET": "x" * 48}
    first = subprocess.Popen(
        [sys.executable, "-m", "graph_api.cli", "serve", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        up, seen = read_until_up(first, START_DEADLINE)
        assert up, "first instance did not start:\n" + "".join(seen[-30:])
        second = run_cli("migrate", env={"GRAPH_API_DATA_DIR": str(data)}, timeout=20)
        assert second.returncode == 1
        assert "already in use by another graph-api instance" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None  # the first instance is unharmed
    finally:
        first.terminate()
        first.wait(timeout=30)
        if first.stdout is not None:
            first.stdout.close()
