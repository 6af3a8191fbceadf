"""The public schema is a deliberate contract: the live SDL must equal schema/schema.graphql."""

from __future__ import annotations

import difflib
from pathlib import Path

import schema
from graph_api.cli import main

SNAPSHOT = Path(schema.__file__).parent / "schema.graphql"


def live_sdl() -> str:
    return schema.build_schema().as_str() + "\n"


def test_schema_matches_the_checked_in_snapshot() -> None:
    live, saved = live_sdl(), SNAPSHOT.read_text()
    if live != saved:
        diff = "".join(difflib.unified_diff(
            saved.splitlines(keepends=True), live.splitlines(keepends=True),
            "schema/schema.graphql (checked in)", "live schema",
        ))
        raise AssertionError(
            "The GraphQL schema changed. If that is deliberate, run `make schema` and commit "
            f"schema/schema.graphql with the change.\n{diff}"
        )


def test_export_schema_writes_what_the_snapshot_compares(tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    assert main(["export-schema", "--output", str(out)]) == 0
    assert out.read_text() == live_sdl()
