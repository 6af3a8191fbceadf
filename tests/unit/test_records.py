"""Rows become records only when their columns are exactly the record's: no database needed."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, fields

import pytest

import graph_db
from graph_db.people_records import PersonRecord
from graph_db.records import Record, RowMismatch
from graph_db.social_records import NotifiedRecord


def person_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {f.name: None for f in fields(PersonRecord)}
    row.update(id="p1", email="p1@example.org", name="P", role="MEMBER", createdAt=1, updatedAt=2)
    row.update(changes)
    return row


def test_a_complete_row_builds_the_record() -> None:
    person = PersonRecord.from_row(person_row(profileGaps=["bio"], completeness=80))
    assert (person.id, person.createdAt, person.profileGaps, person.completeness) == ("p1", 1, ("bio",), 80)


def test_an_undeclared_column_is_an_error_naming_record_and_column() -> None:
    with pytest.raises(RowMismatch, match=r"PersonRecord row: unexpected column\(s\) openKey") as error:
        PersonRecord.from_row(person_row(openKey="x"))
    assert error.value.unexpected == ["openKey"] and error.value.missing == []
    assert isinstance(error.value, TypeError)  # a programming error, never a user's


def test_a_missing_column_is_an_error_not_a_default() -> None:
    row = person_row()
    del row["createdAt"], row["bio"]
    with pytest.raises(RowMismatch, match=r"PersonRecord row: missing column\(s\) bio, createdAt"):
        PersonRecord.from_row(row)
    both = r"NotifiedRecord row: unexpected column\(s\) kind; missing column\(s\) recipientId"
    with pytest.raises(RowMismatch, match=both):
        NotifiedRecord.from_row({"id": "n1", "kind": "LIKE"})


def test_every_optional_column_is_a_field_of_its_record() -> None:
    for module in pkgutil.walk_packages(graph_db.__path__, "graph_db."):
        importlib.import_module(module.name)
    records: list[type[Record]] = []
    pending = list(Record.__subclasses__())
    while pending:
        record = pending.pop()
        records.append(record)
        pending.extend(record.__subclasses__())
    assert len(records) > 40
    for record in records:
        names = {f.name for f in fields(record)}  # type: ignore[arg-type]
        assert record.optional <= names, record.__name__


@dataclass(frozen=True, slots=True)
class NoteRecord(Record):
    """A record with one genuinely optional column."""

    optional = frozenset({"note"})

    id: str
    note: str | None = None


def test_only_a_column_the_record_calls_optional_may_be_absent() -> None:
    assert NoteRecord.from_row({"id": "a"}) == NoteRecord("a", None)
    assert NoteRecord.from_row({"id": "a", "note": "n"}) == NoteRecord("a", "n")
    with pytest.raises(RowMismatch, match=r"NoteRecord row: missing column\(s\) id"):
        NoteRecord.from_row({"note": "n"})
