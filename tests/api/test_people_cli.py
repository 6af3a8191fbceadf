"""`graph-api seed` and `graph-api import`, run as a user would run them."""

from __future__ import annotations

from pathlib import Path

from tests.api.test_cli import run_cli

DIRECTORY = """email,name,hospital,department,division,rank,interests
ada@uh.example.org,Ada Chen,University Hospital,Department of Medicine,Cardiology,Professor,Heart Failure
broken,Bo,,,,,
ben@uh.example.org,Ben Okafor,UH,MED,,Resident,Sepsis; sepsis
"""


def test_seed_then_import_twice(tmp_path: Path) -> None:
    env = {"GRAPH_API_DATA_DIR": str(tmp_path / "data")}
    seeded = run_cli("seed", "--people", "25", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "seeded 25 people (25 new, 0 updated)" in seeded.stdout
    assert "people: 25/25" in seeded.stderr  # progress on stderr
    again = run_cli("seed", "--people", "25", env=env)
    assert "seeded 25 people (0 new, 0 updated)" in again.stdout

    source = tmp_path / "directory.csv"
    source.write_text(DIRECTORY)
    first = run_cli("import", str(source), env=env)
    assert first.returncode == 1  # some rows were skipped
    assert "line 3 email: not a valid email address" in first.stderr
    assert "importing: 3/3" in first.stderr
    assert first.stdout.startswith("3 rows: 2 created, 0 updated, 0 unchanged, 1 skipped")
    second = run_cli("import", str(source), env=env)
    assert second.stdout.startswith("3 rows: 0 created, 0 updated, 2 unchanged, 1 skipped")


def test_directory_csv_export_and_missing_file(tmp_path: Path) -> None:
    target = tmp_path / "synthetic.csv"
    written = run_cli("seed", "--people", "10", "--directory-csv", str(target))
    assert written.returncode == 0, written.stderr
    lines = target.read_text().splitlines()
    assert lines[0].startswith("email,first_name,last_name,title,rank,hospital")
    assert len(lines) == 11
    missing = run_cli("import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
