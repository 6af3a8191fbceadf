"""`graph-api seed --conversations --messages`, run as a user would run it."""

from __future__ import annotations

from pathlib import Path

from tests.api.test_cli import run_cli


def test_seed_writes_conversations_with_exactly_that_many_messages_once(tmp_path: Path) -> None:
    env = {"GRAPH_API_DATA_DIR": str(tmp_path / "data")}
    args = ("seed", "--people", "30", "--conversations", "20", "--messages", "150")
    for _ in range(2):  # a second run finds everything there and writes nothing new
        seeded = run_cli(*args, env=env)
        assert seeded.returncode == 0, seeded.stderr
        assert "seeded 20 conversations with 150 messages" in seeded.stdout
        assert "conversations: 20/20" in seeded.stderr
    refused = run_cli("seed", "--people", "30", "--conversations", "20", "--messages", "5", env=env)
    assert refused.returncode == 2 and "at least one message" in refused.stderr
    assert "Traceback" not in refused.stderr
