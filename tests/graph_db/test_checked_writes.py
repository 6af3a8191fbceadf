"""A write that carries its viewer's sign-in check (graph_db.accounts.write_checked), on every
backend: it runs only if the claim holds as it runs, and otherwise changes nothing at all."""

from __future__ import annotations

from typing import Any, LiteralString

import pytest

from graph_db.accounts import Claim, write_checked
from graph_db.backend import Backend
from tests.factories import make_person

NOW = 1_767_225_600_000
PASSWORD = "correct horse battery staple"

# One with rows, one without RETURN, one that aggregates before it writes (from no row at
# all an aggregation makes one), one that finds nothing.
MARK: LiteralString = "CREATE (m:Marker {id: $id}) RETURN m.id AS id"
MARK_SILENTLY: LiteralString = "CREATE (:Marker {id: $id})"
MARK_AFTER_COUNTING: LiteralString = (
    "UNWIND $none AS x WITH count(x) AS n CREATE (m:Marker {id: $id}) RETURN m.id AS id, n"
)
MARK_NOTHING: LiteralString = "MATCH (p:Person {id: 'nobody'}) CREATE (m:Marker {id: $id}) RETURN m.id AS id"


async def _markers(db: Backend) -> list[str]:
    return [row["id"] for row in await db.read("MATCH (m:Marker) RETURN m.id AS id ORDER BY id")]


async def _bump_session(db: Backend, person_id: str) -> None:
    await db.write("MATCH (:Person {id: $id})-[:HAS_CREDENTIAL]->(c:Credential) "
                   "SET c.sessionVersion = coalesce(c.sessionVersion, 0) + 1", {"id": person_id})


async def test_a_claim_that_holds_runs_the_statement_and_says_so(db: Backend) -> None:
    person = await make_person(db, password=PASSWORD)
    claim = Claim(person.id, 0, "MEMBER")
    assert await write_checked(db, MARK, {"id": "a"}, claim, now=NOW) == ([{"id": "a"}], True)
    # Without RETURN it still says whether it held; its rows are the statement's own (none).
    assert await write_checked(db, MARK_SILENTLY, {"id": "b"}, claim, now=NOW) == ([], True)
    assert await write_checked(db, MARK_AFTER_COUNTING, {"id": "c", "none": []}, claim, now=NOW) == (
        [{"id": "c", "n": 0}], True)
    # Held, but the statement itself answers nothing: indistinguishable from a failed claim.
    assert await write_checked(db, MARK_NOTHING, {"id": "d"}, claim, now=NOW) == ([], False)
    assert await _markers(db) == ["a", "b", "c"]


async def test_a_person_without_a_password_holds_at_session_version_zero(db: Backend) -> None:
    person = await make_person(db)
    assert await write_checked(db, MARK, {"id": "a"}, Claim(person.id, 0, "MEMBER"), now=NOW) == (
        [{"id": "a"}], True)
    assert await write_checked(db, MARK, {"id": "b"}, Claim(person.id, 1, "MEMBER"), now=NOW) == (
        [], False)
    assert await _markers(db) == ["a"]


async def test_a_suspension_that_has_ended_holds(db: Backend) -> None:
    person = await make_person(db, suspendedUntil=NOW - 1)
    claim = Claim(person.id, 0, "MEMBER")
    assert await write_checked(db, MARK, {"id": "a"}, claim, now=NOW) == ([{"id": "a"}], True)
    # ... and one that ends this very millisecond has ended (resolvers.accounts: until > now).
    await db.write("MATCH (p:Person {id: $id}) SET p.suspendedUntil = $now", {"id": person.id, "now": NOW})
    assert await write_checked(db, MARK, {"id": "b"}, claim, now=NOW) == ([{"id": "b"}], True)


@pytest.mark.parametrize("statement", [MARK, MARK_SILENTLY, MARK_AFTER_COUNTING])
@pytest.mark.parametrize("failure", ["older session", "suspended", "another role", "no such person"])
async def test_a_claim_that_fails_changes_nothing(
    db: Backend, statement: LiteralString, failure: str
) -> None:
    person = await make_person(db, password=PASSWORD, role="MODERATOR")
    claim = Claim(person.id, 0, "MODERATOR")
    if failure == "older session":
        await _bump_session(db, person.id)
    elif failure == "suspended":
        await db.write("MATCH (p:Person {id: $id}) SET p.suspendedUntil = $until",
                       {"id": person.id, "until": NOW + 1})
    elif failure == "another role":
        claim = Claim(person.id, 0, "MEMBER")
    else:
        claim = Claim("nobody", 0, "MODERATOR")
    params: dict[str, Any] = {"id": "x", "none": []}
    assert await write_checked(db, statement, params, claim, now=NOW) == ([], False)
    assert await _markers(db) == []
    assert params == {"id": "x", "none": []}  # the caller's parameters are not touched
