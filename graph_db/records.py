"""The base of the frozen records the repositories return (the only shapes that leave graph_db).

Each domain's records live beside its repositories: `graph_db/<domain>_records.py` for a
domain made of modules, `graph_db/<domain>/records.py` for a domain that is a package.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, ClassVar, Self


class RowMismatch(TypeError):
    """A statement returned a row that does not fit its record: a bug in one or the other."""

    def __init__(self, record: str, unexpected: list[str], missing: list[str]) -> None:
        parts = [f"unexpected column(s) {', '.join(unexpected)}"] if unexpected else []
        parts += [f"missing column(s) {', '.join(missing)}"] if missing else []
        super().__init__(f"{record} row: {'; '.join(parts)}")
        self.record, self.unexpected, self.missing = record, unexpected, missing


class Record:
    """Builds a record from a row map whose keys are exactly the record's columns.

    A key the record does not declare, or a declared one the row lacks, raises RowMismatch:
    nothing is dropped or defaulted. Only the columns a record names in `optional` may be
    absent (their default applies).
    """

    optional: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        names, required = cls._columns()
        keys = row.keys()
        # Exactly the columns (the usual row) is one comparison; otherwise only optional
        # columns may be missing.
        if keys != names and not (keys <= names and required <= keys):
            raise RowMismatch(cls.__name__, sorted(keys - names), sorted(required - keys))
        return cls(**cls.convert(row))

    @classmethod
    def convert(cls, row: dict[str, Any]) -> dict[str, Any]:
        """The row's values as the fields take them (a record overrides it: lists to tuples...)."""
        return row

    @classmethod
    def _columns(cls) -> tuple[frozenset[str], frozenset[str]]:
        """The declared columns and the ones a row must carry (cached per class)."""
        cached: tuple[frozenset[str], frozenset[str]] | None = cls.__dict__.get("_columns_cache")
        if cached is None:
            names = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
            unknown = cls.optional - names
            if unknown:
                raise TypeError(f"{cls.__name__}.optional names no field: {', '.join(sorted(unknown))}")
            cached = (names, names - cls.optional)
            cls._columns_cache = cached  # type: ignore[attr-defined]
        return cached


def tuples(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The row with each list value under `keys` turned into a tuple (records are frozen)."""
    return {**row, **{k: tuple(row[k]) for k in keys if isinstance(row.get(k), list)}}


def zeros(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The row with each counter under `keys` that is null (never set) as 0."""
    return {**row, **{k: 0 for k in keys if row.get(k) is None}}
