"""Signed-in sessions kept between requests (resolvers.sessions), over real HTTP.

A member's session is read from the database on their first request and kept, so later ones
cost no round trip for it; every change to role, suspension or sessions is seen by the very
next request on this replica, by other replicas as soon as the bus delivers it, and a change
the bus never carried (written to the database directly) once the kept copy expires.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from graph_api.app import create_app
from graph_api.config import Settings
from graph_api.database import Database
from graph_db.backend import Backend
from graph_db.embedded import EmbeddedFalkorDB
from schema.base import to_global_id
from tests.api.conftest import Api, serve_app, with_settings
from tests.api.test_auth import PASSWORD, register
from tests.conftest import fresh_graph
from tests.factories import make_member

TYPENAME = "{ __typename }"  # needs nothing from the database but the viewer
SUSPEND = (
    "mutation($id: ID!) { suspendMember(input: {personId: $id, days: 3}) { errors { code } } }"
)
SET_ROLE = (
    "mutation($id: ID!, $role: Role!) { setRole(input: {personId: $id, role: $role}) "
    "{ errors { code } } }"
)
LOGOUT = (
    "mutation($token: String!) { logout(input: {refreshToken: $token, allSessions: true}) "
    "{ errors { code } } }"
)
CHANGE_PASSWORD = (
    "mutation($old: String!, $new: String!) { changePassword(input: "
    "{currentPassword: $old, newPassword: $new}) { accessToken errors { code } } }"
)
ADMIN_ONLY = "mutation($id: ID!) { suspendMember(input: {personId: $id, days: 1}) { errors { code } } }"


async def round_trips(api: Api, token: str, query: str = TYPENAME) -> tuple[int, int]:
    """(HTTP status, database round trips) of one request."""
    response = await api.post(query, token=token)
    return response.status_code, int(response.headers.get("x-db-round-trips", "-1"))


async def kept(api: Api, token: str) -> None:
    """Sign the member in twice; the second request must come from the kept session."""
    assert await round_trips(api, token) == (200, 1)
    assert await round_trips(api, token) == (200, 0)


async def test_a_session_is_read_once_then_kept(api: Api) -> None:
    _, token = await make_member(api)
    await kept(api, token)
    # `me` is then read by its loader (the kept person never stands in for it).
    assert await round_trips(api, token, "{ me { name } }") == (200, 1)


@pytest.mark.parametrize("settings", [with_settings(session_cache_seconds=0)])
async def test_with_the_cache_off_every_request_reads_the_session(api: Api) -> None:
    _, token = await make_member(api)
    assert await round_trips(api, token) == (200, 1)
    assert await round_trips(api, token) == (200, 1)


async def test_a_suspension_refuses_the_next_request(api: Api) -> None:
    member, token = await make_member(api)
    _, admin_token = await make_member(api, role="ADMIN")
    await kept(api, token)
    data = await api.gql(SUSPEND, {"id": to_global_id("Person", member.id)}, token=admin_token)
    assert data["suspendMember"]["errors"] == []
    response = await api.post(TYPENAME, token=token)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_new_role_applies_to_the_next_request(api: Api) -> None:
    member, token = await make_member(api)
    _, admin_token = await make_member(api, role="ADMIN")
    target, _ = await make_member(api)
    target_id = to_global_id("Person", target.id)
    await kept(api, token)
    refused = (await api.post(ADMIN_ONLY, {"id": target_id}, token=token)).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    promoted = await api.gql(SET_ROLE, {"id": to_global_id("Person", member.id), "role": "ADMIN"},
                             token=admin_token)
    assert promoted["setRole"]["errors"] == []
    allowed = await api.gql(ADMIN_ONLY, {"id": target_id}, token=token)
    assert allowed["suspendMember"]["errors"] == []


async def test_signing_out_everywhere_ends_the_kept_session(api: Api) -> None:
    session = await register(api)
    token = session["accessToken"]
    await kept(api, token)
    data = await api.gql(LOGOUT, {"token": session["refreshToken"]}, token=token)
    assert data["logout"]["errors"] == []
    response = await api.post(TYPENAME, token=token)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_password_change_ends_the_kept_session(api: Api) -> None:
    session = await register(api)
    token = session["accessToken"]
    await kept(api, token)
    data = await api.gql(CHANGE_PASSWORD, {"old": PASSWORD, "new": "a different long passphrase"},
                         token=token)
    assert data["changePassword"]["errors"] == []
    assert (await api.post(TYPENAME, token=token)).status_code == 401
    assert (await api.post(TYPENAME, token=data["changePassword"]["accessToken"])).status_code == 200


# The copy lives 2 s: long enough that `kept`'s two requests fall inside it on a loaded
# machine (0.2 s did not, once), short enough to wait out.
@pytest.mark.parametrize("settings", [with_settings(session_cache_seconds=2.0)])
async def test_a_change_made_outside_the_service_is_seen_once_the_kept_copy_expires(
    api: Api,
) -> None:
    member, token = await make_member(api)
    await kept(api, token)
    until = int(time.time() * 1000) + 3_600_000
    await api.backend.write("MATCH (p:Person {id: $id}) SET p.suspendedUntil = $until",
                            {"id": member.id, "until": until})
    statuses: list[int] = []
    deadline = time.monotonic() + 60  # bounded: the copy lives 2 s
    while time.monotonic() < deadline:
        statuses.append((await api.post(TYPENAME, token=token)).status_code)
        if statuses[-1] == 403:
            break
        await asyncio.sleep(0.05)
    assert statuses[-1] == 403 and set(statuses) <= {200, 403}, statuses


async def test_another_replica_forgets_a_kept_session_through_the_bus(
    pool: Backend, falkordb_server: EmbeddedFalkorDB
) -> None:
    # A TTL far longer than the test: only the bus can make replica one see the suspension.
    settings: Settings = with_settings(
        redis_url=falkordb_server.url, redis_key_prefix=f"test:{uuid.uuid4().hex}:",
        session_cache_seconds=600,
    )
    async with fresh_graph(pool) as backend:
        one_app = create_app(settings, database=Database(backend=backend))
        two_app = create_app(settings, database=Database(backend=backend))
        async with serve_app(one_app) as one, serve_app(two_app) as two, \
                httpx.AsyncClient(base_url=one, timeout=30) as http_one, \
                httpx.AsyncClient(base_url=two, timeout=30) as http_two:
            api_one = Api(url=one, http=http_one, backend=backend)
            api_two = Api(url=two, http=http_two, backend=backend)
            member, token = await make_member(api_one)
            _, admin_token = await make_member(api_two, role="ADMIN")
            await kept(api_one, token)
            data = await api_two.gql(SUSPEND, {"id": to_global_id("Person", member.id)},
                                     token=admin_token)
            assert data["suspendMember"]["errors"] == []
            statuses = []
            for _ in range(500):  # bounded: until the event reaches replica one (milliseconds)
                statuses.append((await api_one.post(TYPENAME, token=token)).status_code)
                if statuses[-1] == 403:
                    break
                await asyncio.sleep(0.02)
            assert statuses[-1] == 403 and set(statuses) <= {200, 403}, statuses
