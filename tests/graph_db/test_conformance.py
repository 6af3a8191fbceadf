"""The backend contract, run against every configured backend (see the `db` fixture)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from graph_db.backend import Backend, read_one, write_one
from graph_db.errors import BackendError, ConstraintViolation
from graph_db.migrations import PERSON_SEARCH


async def test_write_then_read_round_trip(db: Backend) -> None:
    row = await write_one(
        db,
        "CREATE (p:Person {id: $id, name: $name, createdAt: timestamp()}) "
        "RETURN p.id AS id, p.name AS name, p.createdAt AS createdAt",
        {"id": "p1", "name": "Ada"},
    )
    assert row is not None
    assert row["id"] == "p1" and row["name"] == "Ada" and isinstance(row["createdAt"], int)
    rows = await db.read("MATCH (p:Person) RETURN p {.id, .name} AS person")
    assert rows == [{"person": {"id": "p1", "name": "Ada"}}]


async def test_read_returns_no_rows_for_no_match(db: Backend) -> None:
    assert await db.read("MATCH (p:Person {id: $id}) RETURN p.id AS id", {"id": "nope"}) == []
    assert await read_one(db, "MATCH (p:Person {id: $id}) RETURN p.id AS id", {"id": "x"}) is None


@pytest.mark.parametrize(
    "value",
    [
        "O'Brien \"the\" \\ backslash",
        "ünïcødé — 日本語 — emoji 🧠",
        "line\nbreak\ttab\r",
        "x" * 100_000,
        "",
        "CYPHER x=1 MATCH (n) DETACH DELETE n //",
        "$notaparam {braces} `ticks`",
        None,
        0,
        -(2**62),
        3.141592653589793,
        1e-300,
        True,
        False,
        [1, "two", None, [3.5, False]],
        {"nested": {"list": ["a", "b"], "n": 1}},
    ],
)
async def test_parameters_with_odd_values_round_trip(db: Backend, value: object) -> None:
    if isinstance(value, float):
        # FalkorDB prints doubles with 15 significant digits: equal to that precision.
        value_matcher: object = pytest.approx(value, rel=1e-14)
    else:
        value_matcher = value
    # Properties hold scalars and homogeneous lists of scalars on both engines.
    storable = not isinstance(value, dict | list)
    row = await write_one(
        db, "CREATE (p:Person {id: $id}) SET p.value = $value RETURN $value AS echoed",
        {"id": "odd", "value": value if storable else None},
    )
    assert row is not None
    if storable:
        assert row["echoed"] == value_matcher
        stored = await read_one(db, "MATCH (p:Person {id: 'odd'}) RETURN p.value AS v")
        assert stored is not None and stored["v"] == value_matcher
    echoed = await read_one(db, "RETURN $value AS v", {"value": value})
    assert echoed is not None and echoed["v"] == value_matcher
    assert await db.read("MATCH (p:Person) RETURN count(p) AS n") == [{"n": 1}]


async def test_unique_constraint_violation_is_one_typed_error(db: Backend) -> None:
    await db.write("CREATE (:Person {id: $id, email: $email})", {"id": "a", "email": "a@x.org"})
    with pytest.raises(ConstraintViolation) as excinfo:
        await db.write("CREATE (:Person {id: $id, email: $email})", {"id": "b", "email": "a@x.org"})
    assert excinfo.value.code == "CONFLICT"
    rows = await db.read("MATCH (p:Person) RETURN p.id AS id")
    assert rows == [{"id": "a"}]


async def test_failing_write_leaves_nothing_half_written(db: Backend) -> None:
    await db.write("CREATE (:Person {id: 'taken', email: 'taken@x.org'})")
    # The first CREATE succeeds inside the statement, the second violates the constraint.
    with pytest.raises(ConstraintViolation):
        await db.write(
            "CREATE (:Person {id: 'new', email: 'new@x.org'}) "
            "WITH 1 AS one CREATE (:Person {id: 'taken', email: 'other@x.org'})"
        )
    rows = await db.read("MATCH (p:Person) RETURN p.id AS id ORDER BY id")
    assert rows == [{"id": "taken"}]


async def test_runtime_error_rolls_back_the_statement(db: Backend) -> None:
    with pytest.raises(BackendError):
        await db.write(
            "CREATE (p:Person {id: 'half'}) WITH p "
            "UNWIND [1, 0] AS d SET p.ratio = 1 / d RETURN p.id"
        )
    assert await db.read("MATCH (p:Person) RETURN p.id AS id") == []


async def test_bad_cypher_is_a_backend_error_not_a_driver_leak(db: Backend) -> None:
    with pytest.raises(BackendError) as excinfo:
        await db.read("MATCH (p:Person RETURN p")
    assert excinfo.value.code == "INTERNAL_SERVER_ERROR"


async def test_returning_a_node_is_refused(db: Backend) -> None:
    await db.write("CREATE (:Person {id: 'n'})")
    with pytest.raises(BackendError, match="map projections"):
        await db.read("MATCH (p:Person) RETURN p")


async def test_concurrent_writers_on_one_node_lose_nothing(db: Backend) -> None:
    await db.write("CREATE (:Person {id: 'counter', hits: 0})")

    async def hit() -> None:
        await db.write("MATCH (p:Person {id: 'counter'}) SET p.hits = p.hits + 1")

    await asyncio.gather(*(hit() for _ in range(200)))
    row = await read_one(db, "MATCH (p:Person {id: 'counter'}) RETURN p.hits AS hits")
    assert row == {"hits": 200}


async def test_concurrent_idempotent_merges_create_one_edge(db: Backend) -> None:
    await db.write("CREATE (:Person {id: 'a'}), (:Post {id: 'p'})")

    async def like() -> None:
        await db.write(
            "MATCH (a:Person {id: 'a'}), (p:Post {id: 'p'}) "
            "MERGE (a)-[l:LIKED]->(p) ON CREATE SET l.createdAt = timestamp()"
        )

    await asyncio.gather(*(like() for _ in range(100)))
    assert await db.read("MATCH (:Person)-[l:LIKED]->(:Post) RETURN count(l) AS n") == [{"n": 1}]


async def test_full_text_query_through_the_dialect(db: Backend) -> None:
    people = [
        {"id": "1", "name": "Grace Hopper", "title": "Professor of Cardiology", "bio": "heart failure"},
        {"id": "2", "name": "Alan Turing", "title": "Fellow", "bio": "computation"},
        {"id": "3", "name": "Cardiff Jones", "title": "Nurse", "bio": "oncology"},
    ]
    await db.write(
        "UNWIND $people AS p CREATE (n:Person) SET n = p", {"people": people}
    )
    query = db.dialect.fulltext_nodes(PERSON_SEARCH, "$q") + (
        " RETURN node.id AS id, score ORDER BY score DESC, id"
    )

    async def search(text: str) -> list[str]:
        q = db.dialect.fulltext_query(text)
        assert q is not None
        return [r["id"] for r in await db.read(query, {"q": q})]

    assert await search("cardio") == ["1"]  # prefix of "cardiology"
    assert await search("hoper") == ["1"]  # one edit from "hopper"
    assert set(await search("turing computation")) == {"2"}
    assert await search("zzzz") == []
    # Operators and quotes in user text are data, never syntax.
    assert await search('") OR * AND NOT ~ "hopper') == ["1"]


async def test_health(db: Backend) -> None:
    assert await db.health() is True


async def test_session_reads_its_own_writes(db: Backend) -> None:
    session = db.session(causal_key=f"viewer-{uuid.uuid4()}")
    await session.write("CREATE (:Person {id: 'mine'})")
    assert await session.read("MATCH (p:Person {id: 'mine'}) RETURN p.id AS id") == [{"id": "mine"}]
