"""Network and taxonomy mutations through the schema: allowed and refused, idempotent."""

from __future__ import annotations

import pytest

from graph_db import network, taxonomy
from graph_db.backend import Backend
from schema.base import to_global_id
from tests.factories import make_person
from tests.resolvers.test_people import NOW, gid, gql

STATUS = "person { connectionStatus viewerFollows followsViewer degree connectionCount }"


def member_op(name: str) -> str:
    return (f"mutation($id: ID!) {{ {name}(input: {{personId: $id}}) {{ {STATUS} "
            "errors { field code } } }")


async def test_connection_lifecycle(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    data, _ = await gql(db, ada, """mutation($id: ID!) { requestConnection(input: {personId: $id,
      message: "Hi Ben"}) { person { connectionStatus } errors { code } } }""", {"id": gid(ben)})
    assert data == {"requestConnection": {"person": {"connectionStatus": "REQUEST_SENT"}, "errors": []}}
    incoming, _ = await gql(db, ben, """{ connectionRequests(direction: INCOMING) {
      nodes { person { name } message } } }""")
    assert incoming == {"connectionRequests": {"nodes": [
        {"person": {"name": ada.name}, "message": "Hi Ben"}]}}
    data, _ = await gql(db, ben, member_op("acceptConnection"), {"id": gid(ada)})
    assert data is not None
    assert data["acceptConnection"]["person"] == {
        "connectionStatus": "CONNECTED", "viewerFollows": False, "followsViewer": False, "degree": 1,
        "connectionCount": 1,
    }
    data, _ = await gql(db, ben, member_op("acceptConnection"), {"id": gid(ada)})  # again: fine
    assert data is not None and data["acceptConnection"]["errors"] == []
    data, _ = await gql(db, ada, member_op("removeConnection"), {"id": gid(ben)})
    assert data is not None and data["removeConnection"]["person"]["connectionStatus"] == "NONE"


async def test_decline_withdraw_follow_unfollow(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    await gql(db, ada, member_op("requestConnection"), {"id": gid(ben)})
    data, _ = await gql(db, ada, member_op("withdrawConnectionRequest"), {"id": gid(ben)})
    assert data is not None
    assert data["withdrawConnectionRequest"]["person"]["connectionStatus"] == "NONE"
    await gql(db, ada, member_op("requestConnection"), {"id": gid(ben)})
    data, _ = await gql(db, ben, member_op("declineConnection"), {"id": gid(ada)})
    assert data is not None and data["declineConnection"]["person"]["connectionStatus"] == "NONE"
    data, _ = await gql(db, ben, member_op("acceptConnection"), {"id": gid(ada)})
    assert data is not None and data["acceptConnection"]["errors"] == [
        {"field": "personId", "code": "NOT_FOUND"}
    ]
    data, _ = await gql(db, ada, member_op("follow"), {"id": gid(ben)})
    assert data is not None and data["follow"]["person"]["viewerFollows"] is True
    data, _ = await gql(db, ben, "query($id: ID!) { node(id: $id) { ... on Person { followsViewer "
                        "followers { nodes { name } } } } }", {"id": gid(ada)})
    assert data == {"node": {"followsViewer": True, "followers": {"nodes": []}}}
    data, _ = await gql(db, ada, member_op("unfollow"), {"id": gid(ben)})
    assert data is not None and data["unfollow"]["person"]["viewerFollows"] is False


@pytest.mark.parametrize(
    "operation",
    ["follow", "unfollow", "requestConnection", "acceptConnection", "declineConnection",
     "withdrawConnectionRequest", "removeConnection", "blockMember", "unblockMember"],
)
async def test_network_mutations_refused(db: Backend, operation: str) -> None:
    ada, ben = await make_person(db), await make_person(db)
    _, code = await gql(db, None, member_op(operation), {"id": gid(ben)})
    assert code == "UNAUTHENTICATED"
    data, _ = await gql(db, ada, member_op(operation), {"id": gid(ada)})
    assert data is not None
    assert data[operation]["errors"][0]["code"] in ("BAD_USER_INPUT", "NOT_FOUND")
    data, _ = await gql(db, ada, member_op(operation), {"id": to_global_id("Person", "nobody")})
    assert data is not None and data[operation]["errors"] == [{"field": "personId", "code": "NOT_FOUND"}]


async def test_blocked_members_cannot_reach_each_other(db: Backend) -> None:
    ada, ben = await make_person(db), await make_person(db)
    await network.connect_many(db, [(ada.id, ben.id, NOW)])
    data, _ = await gql(db, ada, member_op("blockMember"), {"id": gid(ben)})
    assert data is not None and data["blockMember"]["errors"] == []
    for operation in ("follow", "requestConnection"):
        data, _ = await gql(db, ben, member_op(operation), {"id": gid(ada)})
        assert data is not None and data[operation]["errors"][0]["code"] == "NOT_FOUND"
    # Only the blocker lifts a block; the blocked member cannot.
    data, _ = await gql(db, ben, member_op("unblockMember"), {"id": gid(ada)})
    assert data is not None and data["unblockMember"]["errors"][0]["code"] == "NOT_FOUND"
    blocked, _ = await gql(db, ada, "{ blockedMembers { nodes { name } } }")
    assert blocked == {"blockedMembers": {"nodes": [{"name": ben.name}]}}
    data, _ = await gql(db, ada, member_op("unblockMember"), {"id": gid(ben)})
    assert data is not None and data["unblockMember"]["errors"] == []
    assert data["unblockMember"]["person"]["connectionStatus"] == "NONE"  # the block ended it


async def test_people_you_may_know(db: Backend) -> None:
    me, friend, fof = await make_person(db), await make_person(db), await make_person(db)
    await network.connect_many(db, [(me.id, friend.id, NOW), (friend.id, fof.id, NOW)])
    data, _ = await gql(db, me, "{ peopleYouMayKnow(first: 5) { person { name degree } "
                        "mutualConnectionCount sharedInterestCount } }")
    assert data == {"peopleYouMayKnow": [{
        "person": {"name": fof.name, "degree": 2}, "mutualConnectionCount": 1, "sharedInterestCount": 0,
    }]}
    _, code = await gql(db, me, "{ peopleYouMayKnow(first: 500) { mutualConnectionCount } }")
    assert code == "BAD_USER_INPUT"


CREATE_HOSPITAL = """mutation($name: String!) { createHospital(input: {name: $name, shortName: "NH"}) {
  unit { id name shortName } errors { field code } } }"""


async def test_taxonomy_admin_mutations(db: Backend) -> None:
    admin, member = await make_person(db, role="ADMIN"), await make_person(db)
    _, code = await gql(db, member, CREATE_HOSPITAL, {"name": "North Hospital"})
    assert code == "FORBIDDEN"
    _, code = await gql(db, None, CREATE_HOSPITAL, {"name": "North Hospital"})
    assert code == "UNAUTHENTICATED"
    data, _ = await gql(db, admin, CREATE_HOSPITAL, {"name": "North Hospital"})
    assert data is not None and data["createHospital"]["errors"] == []
    hospital_id = data["createHospital"]["unit"]["id"]
    data, _ = await gql(db, admin, CREATE_HOSPITAL, {"name": " north   HOSPITAL "})
    assert data is not None and data["createHospital"]["errors"] == [{"field": "name", "code": "CONFLICT"}]
    dept = """mutation($h: ID!, $name: String!) { createDepartment(input: {hospitalId: $h, name: $name}) {
      unit { id name ... on Department { hospital { name } } } errors { field code } } }"""
    data, _ = await gql(db, admin, dept, {"h": hospital_id, "name": "Department of Medicine"})
    assert data is not None
    department = data["createDepartment"]["unit"]
    assert department["hospital"] == {"name": "North Hospital"}
    div = """mutation($d: ID!, $name: String!) { createDivision(input: {departmentId: $d, name: $name}) {
      unit { id ... on Division { department { name } } } errors { field code } } }"""
    data, _ = await gql(db, admin, div, {"d": department["id"], "name": "Cardiology"})
    assert data is not None
    assert data["createDivision"]["unit"]["department"]["name"] == "Department of Medicine"
    data, _ = await gql(db, admin, div, {"d": hospital_id, "name": "Cardiology"})
    assert data is not None and data["createDivision"]["errors"][0]["code"] == "BAD_USER_INPUT"
    rename = """mutation($id: ID!, $name: String!) { renameOrgUnit(input: {id: $id, name: $name}) {
      unit { name shortName } errors { field code } } }"""
    _, code = await gql(db, member, rename, {"id": hospital_id, "name": "South"})
    assert code == "FORBIDDEN"
    data, _ = await gql(db, admin, rename, {"id": hospital_id, "name": "South Hospital"})
    assert data == {"renameOrgUnit": {"unit": {"name": "South Hospital", "shortName": None}, "errors": []}}
    await gql(db, admin, CREATE_HOSPITAL, {"name": "East Hospital"})
    data, _ = await gql(db, admin, rename, {"id": hospital_id, "name": "East Hospital"})
    assert data is not None and data["renameOrgUnit"]["errors"] == [{"field": "name", "code": "CONFLICT"}]
    tree, _ = await gql(db, member, "{ hospitals { name departments { name divisions { name } } } }")
    assert tree == {"hospitals": [
        {"name": "East Hospital", "departments": []},
        {"name": "South Hospital", "departments": [
            {"name": "Department of Medicine", "divisions": [{"name": "Cardiology"}]}]},
    ]}


async def test_default_taxonomy_loads_once(db: Backend) -> None:
    created = await taxonomy.load_default(db, now=NOW)
    assert created > 100
    assert await taxonomy.load_default(db, now=NOW) == 0
    member = await make_person(db)
    data, _ = await gql(db, member, "{ hospitals { shortName departments { shortName } } }")
    assert data is not None
    assert {h["shortName"] for h in data["hospitals"]} == {"UH", "SOM", "CH", "CCC", "RMC", "VAMC"}
