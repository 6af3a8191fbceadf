"""Rules that read a state and then write on it hold under concurrent requests, over HTTP, on
both engines (Neo4j runs writes concurrently under read-committed isolation: graph_db.locks)."""

from __future__ import annotations

import asyncio

from schema.base import to_global_id
from tests.api.conftest import Api
from tests.api.test_mentorship import ME, RESPOND, request
from tests.factories import make_member, token_for
from tests.mentoring import member

SET_ROLE = """mutation ($id: ID!, $role: Role!) {
  setRole(input: {personId: $id, role: $role}) { person { id role } errors { code } }
}"""
ROLE = "{ me { role } }"
REQUEST_CONNECTION = """mutation ($id: ID!) {
  requestConnection(input: {personId: $id}) { errors { code } }
}"""
STATUS = "query ($id: ID!) { node(id: $id) { ... on Person { connectionStatus } } }"


async def test_two_admins_demoting_each_other_at_once_leave_an_admin(api: Api) -> None:
    survivor, survivor_token = await make_member(api, role="ADMIN")
    for _ in range(4):
        other, other_token = await make_member(api, role="ADMIN")
        results = await asyncio.gather(
            api.post(SET_ROLE, {"id": to_global_id("Person", other.id), "role": "MEMBER"},
                     token=survivor_token),
            api.post(SET_ROLE, {"id": to_global_id("Person", survivor.id), "role": "MEMBER"},
                     token=other_token),
        )
        assert all(r.status_code == 200 for r in results)
        roles = [
            (await api.gql(ROLE, token=token))["me"]["role"] for token in (survivor_token, other_token)
        ]
        assert roles.count("ADMIN") == 1, roles  # never both demoted, never neither
        if roles[1] == "ADMIN":
            survivor, survivor_token = other, other_token


async def test_crossing_connection_requests_connect_the_pair(api: Api) -> None:
    pairs = [(await make_member(api), await make_member(api)) for _ in range(6)]
    await asyncio.gather(*(
        api.gql(REQUEST_CONNECTION, {"id": to_global_id("Person", b.id)}, token=a_token)
        for (a, a_token), (b, b_token) in pairs
    ), *(
        api.gql(REQUEST_CONNECTION, {"id": to_global_id("Person", a.id)}, token=b_token)
        for (a, a_token), (b, b_token) in pairs
    ))
    for (a, a_token), (b, b_token) in pairs:
        seen_by_a = await api.gql(STATUS, {"id": to_global_id("Person", b.id)}, token=a_token)
        seen_by_b = await api.gql(STATUS, {"id": to_global_id("Person", a.id)}, token=b_token)
        assert seen_by_a["node"]["connectionStatus"] == "CONNECTED"
        assert seen_by_b["node"]["connectionStatus"] == "CONNECTED"


async def test_two_mentors_accepting_one_mentee_as_primary_at_once(api: Api) -> None:
    for _ in range(3):
        mentee = await member(api.backend, rank="RESIDENT")
        mentors = [await member(api.backend, rank="PROFESSOR", capacity=3) for _ in range(3)]
        asked = [await request(api, mentee, mentor, kind="PRIMARY") for mentor in mentors]
        results = await asyncio.gather(*(
            api.gql(RESPOND, {"id": r["id"], "decision": "ACCEPT"}, token=token_for(mentor))
            for r, mentor in zip(asked, mentors, strict=True)
        ))
        outcomes = [r["respondToMentorship"] for r in results]
        assert sum(1 for o in outcomes if o["errors"] == []) == 1, outcomes
        mine = (await api.gql(ME, token=token_for(mentee)))["me"]["mentors"]["nodes"]
        assert [m["status"] for m in mine].count("ACTIVE") == 1
