"""Permission tables over the real transport: every operation of a domain by every kind of
actor, on a world built once per module and engine (tests/api/test_permissions_*.py).

A refused case must answer its stable code and leave the whole graph as it was (every node
and edge with its properties, compared before and after). An allowed case must succeed and
its effect is read back from the graph (a Cypher check that is false before and true after),
or, for a read, from what the answer shows. A case that changed the graph writes the saved
world back, so the next case starts from the same world.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString

import httpx
import pytest
from strawberry.utils.str_converters import to_camel_case
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from graph_db.backend import Backend
from graph_db.people_records import PersonRecord
from schema.base import to_global_id
from tests.api.conftest import Api, serve, with_settings
from tests.conftest import BACKENDS, NEO4J_UNAVAILABLE, fresh_graph
from tests.factories import token_for
from tests.graphs import Saved, restore, save, snapshot

# Hundreds of requests from a few actors in a minute: the budgets are tested elsewhere.
SETTINGS = with_settings(
    rate_limit_viewer_per_minute=1_000_000, rate_limit_ip_per_minute=1_000_000,
    rate_limit_ip_overall_per_minute=1_000_000,
)
HIDDEN = "HIDDEN"  # a refused read: no error, nothing shown
PROTOCOL = Subprotocol("graphql-transport-ws")


@dataclass
class World:
    """The actors (by kind) and the named things of a domain's world (local ids)."""

    people: dict[str, PersonRecord] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def token(self, actor: str) -> str | None:
        person = self.people.get(actor)
        return token_for(person) if person is not None else None

    def person(self, actor: str) -> str:
        return str(to_global_id("Person", self.people[actor].id))

    def gid(self, type_name: str, name: str) -> str:
        return str(to_global_id(type_name, self.ids[name]))

    def params(self) -> dict[str, str]:
        """Every local id, by name, and every actor's person id as `<actor>_id`."""
        return {**self.ids, **{f"{actor}_id": p.id for actor, p in self.people.items()}}


Variables = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """One operation; who may run it; what it must store (or show)."""

    name: str
    query: str
    variables: Variables
    allowed: frozenset[str]
    # Cypher over World.params() (and the actor's `viewer_id`) returning one row `v`: false
    # before, true after an allowed run.
    effect: LiteralString | None = None
    # Reads: what an allowed answer shows (a refused HIDDEN answer must not show it).
    shown: Callable[[dict[str, Any]], bool] | None = None
    codes: Mapping[str, str] = field(default_factory=dict)  # refusals other than FORBIDDEN

    def expected(self, actor: str) -> str:
        if actor in self.codes:
            return self.codes[actor]
        return "UNAUTHENTICATED" if actor == "signed_out" else "FORBIDDEN"


def table(cases: list[Case], actors: list[str]) -> list[Any]:
    """pytest params: every case by every actor, named `case-actor`."""
    return [pytest.param(case, actor, id=f"{case.name}-{actor}") for case in cases for actor in actors]


@dataclass
class Served:
    """A world on one engine, served over HTTP, with the saved copy that resets it."""

    api: Api
    world: World
    saved: Saved

    async def execute(self, query: str, variables: dict[str, Any], actor: str, transport: str) -> Any:
        token = self.world.token(actor)
        if transport == "http":
            response = await self.api.post(query, variables, token=token)
            assert response.status_code in (200, 400, 401, 403, 404, 409), response.text
            return response.json()
        return await over_websocket(self.api.url, token, query, variables)

    async def reset(self) -> None:
        await restore(self.api.backend, self.saved)


async def over_websocket(url: str, token: str | None, query: str, variables: dict[str, Any]) -> Any:
    """One operation on a new graphql-transport-ws socket signed in with `token`."""
    async with connect(url.replace("http", "ws") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        init = {"authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        assert ack["type"] == "connection_ack", ack
        return await ws_operation(ws, query, variables)


async def ws_operation(ws: Any, query: str, variables: dict[str, Any], op_id: str = "1") -> Any:
    """A query or mutation on an open socket: its `next` payload (then `complete`)."""
    await ws.send(json.dumps({"id": op_id, "type": "subscribe",
                              "payload": {"query": query, "variables": variables}}))
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    if message["type"] == "error":  # a request error: the same shape as an HTTP answer
        return {"errors": message["payload"]}
    assert message["type"] == "next", message
    done = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
    assert done["type"] == "complete", done
    return message["payload"]


def outcome(body: Any) -> tuple[str | None, dict[str, Any] | None]:
    """(the refusal code or None, the data): a top-level code, else the payload's first."""
    if body.get("errors"):
        found = {(e.get("extensions") or {}).get("code") for e in body["errors"]}
        assert len(found) == 1, body
        code = found.pop()
        assert code != "INTERNAL_SERVER_ERROR", body
        return str(code), None
    data: dict[str, Any] = body["data"]
    for value in data.values():
        if isinstance(value, dict) and value.get("errors"):
            return str(value["errors"][0]["code"]), data
    return None, data


async def holds(db: Backend, effect: LiteralString, world: World, actor: str) -> bool:
    person = world.people.get(actor)
    rows = await db.read(effect, {**world.params(), "viewer_id": person.id if person else ""})
    assert len(rows) == 1, rows
    return bool(rows[0]["v"])


async def check(served: Served, case: Case, actor: str, transport: str = "http") -> None:
    """Run `case` as `actor` and hold it to the table (see the module docstring)."""
    db, world = served.api.backend, served.world
    allowed = actor in case.allowed
    if allowed and case.effect is not None:
        assert not await holds(db, case.effect, world, actor), "the effect holds before the run"
    before = await snapshot(db)
    after = before
    try:
        body = await served.execute(case.query, case.variables(world), actor, transport)
        code, data = outcome(body)
        if allowed:
            assert code is None, f"{actor} was refused: {body}"
            assert data is not None
            if case.effect is not None:
                assert await holds(db, case.effect, world, actor), f"not stored: {body}"
            if case.shown is not None:
                assert case.shown(data), data
        else:
            expected = case.expected(actor)
            if expected == HIDDEN:
                assert code is None and data is not None and case.shown is not None, body
                assert not case.shown(data), f"shown to {actor}: {data}"
            else:
                assert code == expected, body
        after = await snapshot(db)
        if not allowed:
            assert before == after, f"refused, yet the graph changed:\n{before.diff(after)}"
    finally:
        if after == before:
            after = await snapshot(db)
        if after != before:
            await served.reset()


def untested_mutations(mutation: type, cases: list[Case]) -> set[str]:
    """The root mutations of a schema domain's `mutation` type that no case sends."""
    fields = mutation.__strawberry_definition__.fields  # type: ignore[attr-defined]
    names = {to_camel_case(f.python_name) for f in fields}
    return names - {case.query.split("{")[1].split("(")[0].strip() for case in cases}


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Backend:
    """The engine a module's world lives on (both, in turn)."""
    if request.param == "neo4j" and NEO4J_UNAVAILABLE:
        pytest.skip(NEO4J_UNAVAILABLE)
    pool: Backend = request.getfixturevalue(f"{request.param}_pool")
    return pool


@contextlib.asynccontextmanager
async def served_world(
    pool: Backend, build: Callable[[Api], Awaitable[World]]
) -> AsyncIterator[Served]:
    """A fresh graph on `pool`, served over HTTP, with the world `build` makes (through the
    repositories and the API itself), saved for resets."""
    async with (
        fresh_graph(pool) as backend,
        serve(SETTINGS, backend) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as http,
    ):
        api = Api(url=url, http=http, backend=backend)
        world = await build(api)
        served = Served(api=api, world=world, saved=await save(backend))
        yield served


@pytest.fixture(scope="module")
async def served(engine: Backend, request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    """The world of the requesting module's `build`, served on `engine`."""
    async with served_world(engine, request.module.build) as s:
        yield s
