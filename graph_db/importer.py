"""Directory import: people from an institutional export (CSV or JSON Lines), upserted by email.

Every row is validated first (the same rules as updateProfile, plus the institution's units
and vocabularies); a bad row is reported with its line number and skipped, and no good row
depends on it. Good rows are written in batches, each batch one UNWIND statement
(people.upsert_many): a row whose content is already stored changes nothing, so importing
the same file twice writes nothing the second time.

Columns (header names are case-insensitive; spaces and dashes count as underscores):
  email (required), name (or first_name + last_name; required), title, rank, bio, phone,
  photo_url, accepting_mentees, mentee_capacity, hospital, department, division,
  interests, mentorship_offered, mentorship_sought (lists separated by ';').
An empty cell leaves that field as it is. Units are matched by name or short name.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from graph_db import people, taxonomy, vocabulary
from graph_db.backend import Executor
from graph_db.errors import BackendError, ConstraintViolation
from graph_db.people_records import OrgUnitRecord
from graph_db.profile_fields import (
    RANKS,
    clean_line,
    clean_profile,
    normalize_email,
    slugify,
    term_name_problem,
    valid_email,
)
from graph_db.taxonomy import NewUnit, stable_id

COLUMNS: tuple[str, ...] = (
    "email", "name", "first_name", "last_name", "title", "rank", "bio", "phone", "photo_url",
    "accepting_mentees", "mentee_capacity", "hospital", "department", "division", "interests",
    "mentorship_offered", "mentorship_sought",
)
_PROPS = {
    "title": "title", "rank": "rank", "bio": "bio", "phone": "phone", "photo_url": "photoUrl",
    "accepting_mentees": "acceptingMentees", "mentee_capacity": "menteeCapacity",
}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
MAX_TERMS_PER_ROW = 50
BATCH_SIZE = 1000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportProblem:
    line: int
    field: str | None
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0  # valid rows the database refused (reported as problems, counted in skipped)
    units_created: int = 0
    terms_created: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    email: str
    name: str
    props: dict[str, Any]
    unit_path: tuple[str, ...]  # (hospital, department[, division]) as given
    terms: dict[str, list[str]]  # interests / offers / seeks -> display names


def _key(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


class _Counted:
    """Lines of a stream, counting the characters read (for progress without a second pass)."""

    def __init__(self, stream: Iterable[str]) -> None:
        self.stream = stream
        self.chars = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.stream:
            self.chars += len(line)
            yield line


def read_rows(stream: Iterable[str], fmt: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, cells by normalised column, or None and a parse error)."""
    if fmt == "jsonl":
        for number, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, None, f"not valid JSON: {exc.msg}"
                continue
            if not isinstance(value, dict):
                yield number, None, "each line must be a JSON object"
                continue
            yield number, {_key(str(k)): v for k, v in value.items()}, None
        return
    reader = csv.reader(stream)
    try:
        header = [_key(h) for h in next(reader)]
    except StopIteration:
        return
    start = reader.line_num + 1
    for cells in reader:
        row_line = start
        start = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield row_line, None, f"expected {len(header)} cells, found {len(cells)}"
            continue
        yield row_line, dict(zip(header, cells, strict=True)), None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(";")
    return [clean_line(str(i)) for i in items if str(i).strip()]


class _Units:
    """The taxonomy by (parent id, slug of name or short name)."""

    def __init__(self, units: Sequence[OrgUnitRecord]) -> None:
        self.by_parent: dict[tuple[str | None, str], OrgUnitRecord] = {}
        self.reload(units)

    def reload(self, units: Sequence[OrgUnitRecord]) -> None:
        self.by_parent.clear()
        for unit in units:
            for label in (unit.name, unit.shortName):
                if label:
                    self.by_parent.setdefault((unit.parentId, slugify(label)), unit)

    def find(self, parent: str | None, name: str) -> OrgUnitRecord | None:
        return self.by_parent.get((parent, slugify(name)))

    def resolve(self, path: tuple[str, ...]) -> tuple[OrgUnitRecord | None, int]:
        """The deepest unit of the path, and how many levels were found."""
        parent: str | None = None
        found: OrgUnitRecord | None = None
        for depth, name in enumerate(path):
            found = self.find(parent, name)
            if found is None:
                return None, depth
            parent = found.id
        return found, len(path)


def _validate(
    line: int, cells: dict[str, Any], units: _Units, create_units: bool,
) -> tuple[_Row | None, list[ImportProblem]]:
    problems: list[ImportProblem] = []

    def problem(field_name: str | None, message: str) -> None:
        problems.append(ImportProblem(line, field_name, message))

    email = normalize_email(_text(cells.get("email")) or "")
    if not email:
        problem("email", "an email is required")
    elif not valid_email(email):
        problem("email", "not a valid email address")
    name = _text(cells.get("name"))
    if name is None:
        parts = [_text(cells.get("first_name")), _text(cells.get("last_name"))]
        name = " ".join(p for p in parts if p) or None
    changes: dict[str, Any] = {"name": name}
    for column, prop in _PROPS.items():
        raw = cells.get(column)
        value: Any = _text(raw) if not isinstance(raw, bool | int) else raw
        if value is None:
            continue
        if column == "rank" and isinstance(value, str):
            value = value.upper().replace(" ", "_").replace("-", "_")
            if value not in RANKS:
                problem("rank", f"unknown rank; use one of {', '.join(RANKS)}")
                continue
        elif column == "accepting_mentees" and isinstance(value, str):
            if value.lower() not in _TRUE | _FALSE:
                problem(column, "must be true or false")
                continue
            value = value.lower() in _TRUE
        elif column == "mentee_capacity" and isinstance(value, str):
            if not value.isdigit():
                problem(column, "must be a whole number")
                continue
            value = int(value)
        changes[prop] = value
    cleaned, field_problems = clean_profile(changes)
    reverse = {prop: column for column, prop in _PROPS.items()}
    for key, message in field_problems:
        problem(reverse.get(key, key), message)
    path = tuple(
        n for n in (_text(cells.get("hospital")), _text(cells.get("department")),
                    _text(cells.get("division"))) if n is not None
    )
    given = [bool(_text(cells.get(c))) for c in ("hospital", "department", "division")]
    if any(given):
        if given != [True, True, False] and given != [True, True, True]:
            problem("department", "give the hospital and department (and optionally the division)")
        elif not create_units:
            unit, depth = units.resolve(path)
            if unit is None:
                level = ("hospital", "department", "division")[depth]
                hint = (
                    "no units are defined yet: `graph-api seed --people 0` loads the default "
                    "institution, or import with --create-units"
                    if not units.by_parent else "import with --create-units to add it"
                )
                problem(level, f"unknown {level} {path[depth]!r} ({hint})")
    terms: dict[str, list[str]] = {}
    for column, key in (("interests", "interests"), ("mentorship_offered", "offers"),
                        ("mentorship_sought", "seeks")):
        names = _names(cells.get(column))
        if len(names) > MAX_TERMS_PER_ROW:
            problem(column, f"at most {MAX_TERMS_PER_ROW}")
            continue
        for term in names:
            if (p := term_name_problem(term)) is not None:
                problem(column, f"{term!r}: {p}")
        terms[key] = names
    if problems:
        return None, problems
    cleaned.pop("name", None)
    return _Row(line, email, str(name).strip(), cleaned, path, terms), []


def _content_hash(row: dict[str, Any]) -> str:
    # repr is deterministic for these plain values (props are built in a fixed key order)
    # and several times cheaper than JSON.
    content = (sorted(row["props"].items()), row["unit"], row["interests"], row["offers"],
               row["seeks"])
    return hashlib.blake2b(repr(content).encode(), digest_size=16).hexdigest()


async def _ensure_units(db: Executor, rows: Sequence[_Row], units: _Units, now: int) -> int:
    """Create the units the rows name that do not exist (--create-units), level by level."""
    created = 0
    for depth, kind in enumerate(taxonomy.KINDS):
        wanted: dict[tuple[str | None, str], NewUnit] = {}
        for row in rows:
            if len(row.unit_path) <= depth:
                continue
            parent = units.resolve(row.unit_path[:depth])[0] if depth else None
            if depth and parent is None:
                continue
            parent_id = parent.id if parent else None
            name = clean_line(row.unit_path[depth])
            if units.find(parent_id, name) is None:
                wanted.setdefault(
                    (parent_id, slugify(name)),
                    NewUnit(stable_id(kind, list(row.unit_path[: depth + 1])), name, None, parent_id),
                )
        if wanted:
            stored = await taxonomy.merge_units(db, kind, list(wanted.values()), now=now)
            created += sum(c for _, c in stored)
            units.reload(await taxonomy.list_all(db))
    return created


async def import_people(
    db: Executor, source: Path | TextIO, *, fmt: str | None = None, now: int,
    create_units: bool = False, batch_size: int = BATCH_SIZE, progress: Progress | None = None,
    concurrency: int = 2,
) -> ImportReport:
    """Validate rows and upsert the good ones in batches; returns what happened.

    A pipeline: while the database writes one batch, the next is read, validated and encoded
    (at most `concurrency` batches in flight). Units (with `create_units`) and vocabulary
    terms a batch names are created before the batch, so its rows carry stored ids.
    """
    if isinstance(source, Path):
        fmt = fmt or ("jsonl" if source.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv")
        with source.open(encoding="utf-8-sig", newline="") as stream:
            size = os.fstat(stream.fileno()).st_size
            return await _run(db, _Counted(stream), fmt, size, now, create_units, batch_size,
                              progress, concurrency)
    return await _run(db, _Counted(source), fmt or "csv", None, now, create_units, batch_size,
                      progress, concurrency)


@dataclass
class _Vocabulary:
    """Stored terms by kind and slug: (id, stored name)."""

    known: dict[str, dict[str, tuple[str, str]]]

    async def ensure(self, db: Executor, rows: Sequence[_Row], now: int) -> int:
        created = 0
        for kind, keys in (("Interest", ("interests",)), ("MentorshipArea", ("offers", "seeks"))):
            missing = {
                slugify(name): name for row in rows for key in keys
                for name in row.terms.get(key, []) if slugify(name) not in self.known[kind]
            }
            if missing:
                for term in await vocabulary.ensure_terms(db, kind, list(missing.values()), now=now):
                    created += term.createdAt == now and term.slug in missing
                    self.known[kind][term.slug] = (term.id, term.name)
        return created


async def _run(
    db: Executor, stream: _Counted, fmt: str, size: int | None, now: int, create_units: bool,
    batch_size: int, progress: Progress | None, concurrency: int,
) -> ImportReport:
    report = ImportReport()
    units = _Units(await taxonomy.list_all(db))
    terms = _Vocabulary({"Interest": {}, "MentorshipArea": {}})
    for term in await vocabulary.list_all(db):
        terms.known[term.kind][term.slug] = (term.id, term.name)
    gate = asyncio.Semaphore(max(1, concurrency))
    pending: set[asyncio.Task[None]] = set()
    first_line: dict[str, int] = {}
    seen_columns: set[str] = set()

    async def write(rows: list[_Row], payload: list[dict[str, Any]], read: int, chars: int) -> None:
        # `read`: rows read from the file (good or bad) up to the end of this batch.
        try:
            try:
                created, updated = await people.upsert_many(db, payload, now=now)
            except (BackendError, ConstraintViolation):
                created, updated = await _one_by_one(db, payload, rows, now, report)
            report.created += created
            report.updated += updated
            if progress is not None:
                # Rows are counted as read; the total is estimated from the share of the
                # file read so far (exact at the end).
                estimate = read if not size or not chars else max(read, round(read * size / chars))
                progress(read, estimate)
        finally:
            gate.release()

    async def flush(rows: list[_Row]) -> None:
        if create_units:
            report.units_created += await _ensure_units(db, rows, units, now)
        report.terms_created += await terms.ensure(db, rows, now)
        payload = [_payload(row, units, terms.known) for row in rows]
        await gate.acquire()
        task = asyncio.create_task(write(rows, payload, report.rows, stream.chars))
        pending.add(task)
        task.add_done_callback(pending.discard)

    batch: list[_Row] = []
    try:
        for line, cells, error in read_rows(stream, fmt):
            report.rows += 1
            if cells is None:
                report.problems.append(ImportProblem(line, None, error or "unreadable row"))
                continue
            seen_columns.update(cells)
            row, problems = _validate(line, cells, units, create_units)
            if row is not None and row.email in first_line:
                problems = [ImportProblem(line, "email",
                                          f"the same email as line {first_line[row.email]}")]
                row = None
            if row is None:
                report.problems.extend(problems)
                continue
            first_line[row.email] = line
            batch.append(row)
            if len(batch) >= batch_size:
                await flush(batch)
                batch = []
        if batch:
            await flush(batch)
        if pending:
            await asyncio.gather(*pending)
        if progress is not None:
            progress(report.rows, report.rows)
    finally:
        for task in pending:
            task.cancel()
    valid = len(first_line)
    report.skipped = report.rows - valid + report.failed
    report.unchanged = valid - report.created - report.updated - report.failed
    report.ignored_columns = sorted(seen_columns - set(COLUMNS))
    report.problems.sort(key=lambda p: p.line)
    return report


def _payload(row: _Row, units: _Units, terms: dict[str, dict[str, tuple[str, str]]]) -> dict[str, Any]:
    unit = units.resolve(row.unit_path)[0] if row.unit_path else None

    def refs(kind: str, names: list[str]) -> list[list[str]]:
        out: dict[str, list[str]] = {}
        for name in names:
            slug = slugify(name)
            term_id, stored_name = terms[kind][slug]
            out[slug] = [term_id, slug, stored_name]
        return list(out.values())

    payload: dict[str, Any] = {
        "email": row.email,
        "id": str(uuid.uuid4()),
        "props": {"name": row.name, **row.props},
        "unit": unit.id if unit else None,
        "interests": refs("Interest", row.terms.get("interests", [])),
        "offers": refs("MentorshipArea", row.terms.get("offers", [])),
        "seeks": refs("MentorshipArea", row.terms.get("seeks", [])),
    }
    payload["hash"] = _content_hash(payload)
    return payload


async def _one_by_one(
    db: Executor, chunk: list[dict[str, Any]], rows: Sequence[_Row], now: int,
    report: ImportReport,
) -> tuple[int, int]:
    """A batch the database refused: write its rows singly to find and report the bad ones."""
    created = updated = 0
    for item, row in zip(chunk, rows, strict=True):
        try:
            c, u = await people.upsert_many(db, [item], now=now)
        except (BackendError, ConstraintViolation) as exc:
            report.problems.append(ImportProblem(row.line, None, f"not stored: {exc.message}"))
            report.failed += 1
            continue
        created, updated = created + c, updated + u
    return created, updated
