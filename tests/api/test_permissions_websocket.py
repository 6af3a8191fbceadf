"""The permission tables over graphql-transport-ws (issue 12): an operation on a socket is
authorised like the same operation over HTTP, as of that moment. Each domain's cases
(mentorship, messages, programs) run on a socket per actor, signed out, unrelated and one
allowed actor each; a refusal answers the HTTP code with the whole graph unchanged, an allowed
run is read back. And a power taken away while the socket stays open is gone for its next
operation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect

from graph_db.backend import Backend
from tests.api import permissions as p
from tests.api import test_permissions_mentorship as mentorship
from tests.api import test_permissions_messages as messages
from tests.api import test_permissions_programs as programs
from tests.api.conftest import Api
from tests.api.permissions import PROTOCOL, Case, Served, World, check, engine, ws_operation
from tests.graphs import snapshot

__all__ = ["engine"]

DOMAINS: dict[str, tuple[Callable[[Api], Awaitable[World]], list[Case]]] = {
    "mentorship": (mentorship.build, mentorship.CASES),
    "messages": (messages.build, messages.CASES),
    "programs": (programs.build, programs.CASES),
}


def actors(case: Case) -> list[str]:
    """Signed out, an unrelated member, and the first actor allowed (if any)."""
    chosen = ["signed_out", "stranger"]
    allowed = sorted(case.allowed - {"stranger"})
    return chosen + allowed[:1]


PARAMS = [
    pytest.param(domain, case, actor, id=f"{domain}-{case.name}-{actor}")
    for domain, (_, cases) in DOMAINS.items() for case in cases for actor in actors(case)
]


@pytest.fixture(scope="module")
async def worlds(engine: Backend) -> AsyncIterator[dict[str, Served]]:
    """Each domain's world, built when first asked for (one at a time on the engine)."""
    built: dict[str, Served] = {}
    opened: list[Any] = []

    async def get(domain: str) -> Served:
        if domain not in built:
            for context in opened:
                await context.__aexit__(None, None, None)
            opened.clear()
            built.clear()
            context = p.served_world(engine, DOMAINS[domain][0])
            built[domain] = await context.__aenter__()
            opened.append(context)
        return built[domain]

    holder: dict[str, Any] = {"get": get}
    yield holder  # type: ignore[misc]
    for context in opened:
        await context.__aexit__(None, None, None)


@pytest.mark.parametrize(("domain", "case", "actor"), PARAMS)
async def test_permissions_over_websocket(
    worlds: dict[str, Any], domain: str, case: Case, actor: str
) -> None:
    served = await worlds["get"](domain)
    await check(served, case, actor, transport="ws")


async def test_a_program_admin_demoted_on_an_open_socket_is_refused_with_nothing_changed(
    worlds: dict[str, Any],
) -> None:
    served: Served = await worlds["get"]("programs")
    w, db = served.world, served.api.backend
    url = served.api.url.replace("http", "ws") + "/graphql"
    create = next(c for c in programs.CASES if c.name == "createMentoringCohort")
    try:
        async with connect(url, subprotocols=[PROTOCOL]) as ws:
            init = {"authorization": f"Bearer {w.token('program_admin')}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            # Over HTTP, a site admin takes the program admin out of the program.
            demote = await served.api.gql(
                programs.m("setMentoringProgramRole", "SetMentoringProgramRoleInput"),
                {"input": {"programId": w.gid("MentoringProgram", "program"),
                           "personId": w.person("program_admin"), "role": None}},
                token=w.token("admin"),
            )
            assert demote["setMentoringProgramRole"]["errors"] == []
            before = await snapshot(db)
            body = await ws_operation(ws, create.query, create.variables(w))
            assert p.outcome(body)[0] == "FORBIDDEN", body
            assert await snapshot(db) == before
    finally:
        await served.reset()
