"""A query's sign-in check made in its first composed read (resolvers.sessions.SessionCheck),
over real HTTP, with no session kept between requests: every request checks its token.

A planned page checks it in its one statement; a query with nothing to carry it checks it
alone after running. Either way a void token or a suspension is refused as a check made
first would be, with nothing of the answer sent, and a viewer who is not a plain member is
answered as what they are. A like's write carries the check (the same refusals, and nothing
stored unless it holds); other mutations are checked before they run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from graph_api.config import Settings
from schema.base import from_global_id, to_global_id
from tests.api.conftest import Api, with_settings
from tests.api.test_auth import PASSWORD, register
from tests.factories import make_member

PROFILE = (Path(__file__).resolve().parents[2] / "bench" / "operations" / "profile_page.graphql").read_text()
SEARCH = "{ searchPeople(first: 5) { totalCount edges { node { id hospital { id } } } } }"
TEXT_SEARCH = '{ searchPeople(query: "nobody by this name", first: 5) { totalCount } }'
TYPENAME = "{ __typename }"
CREATE_POST = "mutation { createPost(input: {body: \"hello\"}) { post { id } errors { code } } }"
LOGIN = (
    "mutation($email: String!, $password: String!) { login(input: {email: $email, "
    "password: $password}) { accessToken errors { code } } }"
)
LIKE = (
    "mutation($id: ID!) { likePost(input: {postId: $id}) "
    "{ post { id likeCount viewerHasLiked } errors { code } } }"
)
UNLIKE = "mutation($id: ID!) { unlikePost(input: {postId: $id}) { post { likeCount } errors { code } } }"
COMMENT = (
    "mutation($id: ID!) { createComment(input: {postId: $id, body: \"Great\"}) "
    "{ comment { id } errors { code } } }"
)
LIKE_COMMENT = (
    "mutation($id: ID!) { likeComment(input: {commentId: $id}) "
    "{ comment { id likeCount viewerHasLiked } errors { code } } }"
)
UNLIKE_COMMENT = (
    "mutation($id: ID!) { unlikeComment(input: {commentId: $id}) "
    "{ comment { likeCount viewerHasLiked } errors { code } } }"
)
LOGOUT = (
    "mutation($token: String!) { logout(input: {refreshToken: $token, allSessions: true}) "
    "{ errors { code } } }"
)


@pytest.fixture
def settings() -> Settings:
    return with_settings(session_cache_seconds=0)


def _profile(person_id: str) -> dict[str, object]:
    return {"id": to_global_id("Person", person_id), "posts": 10}


async def _asked(api: Api, query: str, variables: dict[str, object] | None, token: str
                 ) -> tuple[httpx.Response, int]:
    response = await api.post(query, variables, token=token)
    return response, int(response.headers["x-db-round-trips"])


async def test_a_planned_query_checks_its_token_in_its_one_round_trip(api: Api) -> None:
    member, token = await make_member(api)
    other, _ = await make_member(api)
    for query, variables in [(PROFILE, _profile(other.id)), (PROFILE, _profile(member.id)),
                             (SEARCH, None)]:
        response, trips = await _asked(api, query, variables, token)
        assert response.status_code == 200 and "errors" not in response.json(), response.json()
        assert trips == 1, query[:40]
    # The profile is the one a checked viewer sees: their own email, not another's private one.
    own = (await _asked(api, PROFILE, _profile(member.id), token))[0].json()["data"]["node"]
    assert own["email"] == member.email
    # Nothing composed to ride in: the check is its own round trip, after the query.
    assert (await _asked(api, TYPENAME, None, token))[1] == 1
    response, trips = await _asked(api, TEXT_SEARCH, None, token)
    assert response.json()["data"]["searchPeople"]["totalCount"] == 0
    assert trips == 2  # the ranking statement, then the check (no page to read beside)


async def test_a_void_token_is_refused_and_the_answer_dropped(api: Api) -> None:
    session = await register(api)
    token = session["accessToken"]
    me = (await _asked(api, "{ me { id } }", None, token))[0].json()["data"]["me"]["id"]
    assert (await api.gql(LOGOUT, {"token": session["refreshToken"]}, token=token))["logout"] == {
        "errors": []}
    for query, variables in [(PROFILE, {"id": me, "posts": 10}), (SEARCH, None), (TYPENAME, None)]:
        response, _ = await _asked(api, query, variables, token)
        assert response.status_code == 401
        body = response.json()
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_suspended_member_is_refused_and_the_answer_dropped(api: Api) -> None:
    other, _ = await make_member(api)
    member, token = await make_member(api, suspendedUntil=int(time.time() * 1000) + 3_600_000)
    for query, variables in [(PROFILE, _profile(other.id)), (PROFILE, _profile(member.id)),
                             (SEARCH, None)]:
        response, _ = await _asked(api, query, variables, token)
        assert response.status_code == 403
        body = response.json()
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_suspended_members_mutation_is_refused_before_it_runs(api: Api) -> None:
    member, token = await make_member(api, suspendedUntil=int(time.time() * 1000) + 3_600_000)
    response, trips = await _asked(api, CREATE_POST, None, token)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert trips == 1  # the check, and nothing after it
    posts = await api.backend.read(
        "MATCH (:Person {id: $id})-[:AUTHORED]->(p:Post) RETURN count(p) AS n", {"id": member.id})
    assert posts == [{"n": 0}]


async def test_a_viewer_who_is_not_a_plain_member_is_answered_as_what_they_are(api: Api) -> None:
    private, _ = await make_member(api, emailVisibility="PRIVATE")
    _, member_token = await make_member(api)
    _, admin_token = await make_member(api, role="ADMIN")
    as_member, member_trips = await _asked(api, PROFILE, _profile(private.id), member_token)
    assert as_member.json()["data"]["node"]["email"] is None and member_trips == 1
    # Run as a member first (an unknown role), the check finds an admin: run again as one.
    as_admin, admin_trips = await _asked(api, PROFILE, _profile(private.id), admin_token)
    assert as_admin.status_code == 200 and "errors" not in as_admin.json()
    assert as_admin.json()["data"]["node"]["email"] == private.email
    assert admin_trips == 2
    # Now the role this process last saw is assumed: one run, one round trip.
    again, again_trips = await _asked(api, PROFILE, _profile(private.id), admin_token)
    assert again.json() == as_admin.json() and again_trips == 1


async def test_a_query_over_get_checks_its_token_the_same_way(api: Api) -> None:
    session = await register(api)
    token = session["accessToken"]
    me = (await _asked(api, "{ me { id } }", None, token))[0].json()["data"]["me"]["id"]
    headers = {"authorization": f"Bearer {token}"}
    params = {"query": PROFILE, "variables": json.dumps({"id": me, "posts": 10})}
    response = await api.http.get("/graphql", params=params, headers=headers)
    assert response.status_code == 200 and response.json()["data"]["node"]["id"] == me
    assert response.headers["x-db-round-trips"] == "1"
    await api.gql(LOGOUT, {"token": session["refreshToken"]}, token=token)
    response = await api.http.get("/graphql", params=params, headers=headers)
    assert response.status_code == 401 and "data" not in response.json()


@pytest.mark.parametrize("settings", [with_settings(session_cache_seconds=0, batch_max=5)])
async def test_each_operation_of_a_batch_is_checked(api: Api) -> None:
    member, token = await make_member(api, suspendedUntil=int(time.time() * 1000) + 3_600_000)
    response = await api.http.post(
        "/graphql", json=[{"query": PROFILE, "variables": _profile(member.id)}, {"query": CREATE_POST}],
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    bodies = response.json()
    assert [b["errors"][0]["extensions"]["code"] for b in bodies] == ["FORBIDDEN", "FORBIDDEN"]
    assert all("data" not in b for b in bodies)
    posts = await api.backend.read(
        "MATCH (:Person {id: $id})-[:AUTHORED]->(p:Post) RETURN count(p) AS n", {"id": member.id})
    assert posts == [{"n": 0}]


async def test_signing_in_tells_the_role_so_an_admins_first_query_runs_once(api: Api) -> None:
    private, _ = await make_member(api, emailVisibility="PRIVATE")
    admin, _ = await make_member(api, role="ADMIN", password=PASSWORD)
    signed_in = await api.gql(LOGIN, {"email": admin.email, "password": PASSWORD})
    token = signed_in["login"]["accessToken"]
    response, trips = await _asked(api, PROFILE, _profile(private.id), token)
    assert response.json()["data"]["node"]["email"] == private.email
    assert trips == 1


async def _post_by(api: Api, token: str) -> str:
    created = await api.gql(CREATE_POST, token=token)
    return str(created["createPost"]["post"]["id"])


async def _likers(api: Api, liked: str) -> list[str]:
    """Who likes the post or comment `liked` (a global id), as stored."""
    rows = await api.backend.read(
        "MATCH (v:Person)-[:LIKED]->(x {id: $id}) RETURN v.id AS id ORDER BY id",
        {"id": from_global_id(liked)[1]})
    return [row["id"] for row in rows]


async def test_a_like_carries_its_check_in_its_one_write(api: Api) -> None:
    _, author_token = await make_member(api)
    post = await _post_by(api, author_token)
    member, token = await make_member(api)
    response, trips = await _asked(api, LIKE, {"id": post}, token)
    assert response.json() == {"data": {"likePost": {
        "post": {"id": post, "likeCount": 1, "viewerHasLiked": True}, "errors": []}}}
    assert trips == 1  # the like, its check in it: no session read before or after
    response, trips = await _asked(api, UNLIKE, {"id": post}, token)
    assert response.json()["data"]["unlikePost"] == {"post": {"likeCount": 0}, "errors": []}
    assert await _likers(api, post) == []
    # A like of nothing: the write finds no post, so the check is made on its own, and the
    # answer is the statement's own.
    response, _ = await _asked(api, LIKE, {"id": to_global_id("Post", "nothing")}, token)
    assert response.json()["data"]["likePost"] == {"post": None, "errors": [{"code": "NOT_FOUND"}]}
    await _asked(api, LIKE, {"id": post}, token)
    assert await _likers(api, post) == [member.id]


async def test_a_void_tokens_like_is_refused_and_not_stored(api: Api) -> None:
    _, author_token = await make_member(api)
    post = await _post_by(api, author_token)
    session = await register(api)
    token = session["accessToken"]
    assert (await api.gql(LOGOUT, {"token": session["refreshToken"]}, token=token))["logout"] == {
        "errors": []}
    for mutation in (LIKE, UNLIKE):
        response, _ = await _asked(api, mutation, {"id": post}, token)
        assert response.status_code == 401
        body = response.json()
        assert "data" not in body and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await _likers(api, post) == []
    assert (await api.gql("query($id: ID!) { node(id: $id) { ... on Post { likeCount } } }",
                          {"id": post}, token=author_token))["node"] == {"likeCount": 0}


async def test_a_suspended_members_like_is_refused_and_not_stored(api: Api) -> None:
    _, author_token = await make_member(api)
    post = await _post_by(api, author_token)
    _, token = await make_member(api, suspendedUntil=int(time.time() * 1000) + 3_600_000)
    response, _ = await _asked(api, LIKE, {"id": post}, token)
    assert response.status_code == 403
    body = response.json()
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _likers(api, post) == []


async def test_a_like_by_a_viewer_in_another_role_runs_again_as_them_once(api: Api) -> None:
    _, author_token = await make_member(api)
    post = await _post_by(api, author_token)
    admin, token = await make_member(api, role="ADMIN")
    # Assumed a member, the write's check fails and stores nothing; the check finds an
    # admin, and the like runs again as one: stored once.
    response, trips = await _asked(api, LIKE, {"id": post}, token)
    assert response.json()["data"]["likePost"] == {
        "post": {"id": post, "likeCount": 1, "viewerHasLiked": True}, "errors": []}
    assert trips == 3  # the like that did not hold, the check, the like again
    assert await _likers(api, post) == [admin.id]
    # Now the role this process last saw is assumed: the write holds, no check of its own.
    response, trips = await _asked(api, UNLIKE, {"id": post}, token)
    assert response.json()["data"]["unlikePost"] == {"post": {"likeCount": 0}, "errors": []}
    assert trips == 3  # unlikePost reads the post, writes (its check in it), reads the count


async def test_a_comment_like_carries_its_check_too(api: Api) -> None:
    _, author_token = await make_member(api)
    post = await _post_by(api, author_token)
    comment = (await api.gql(COMMENT, {"id": post}, token=author_token))["createComment"]["comment"]["id"]
    member, token = await make_member(api)
    response, trips = await _asked(api, LIKE_COMMENT, {"id": comment}, token)
    assert response.json()["data"]["likeComment"] == {
        "comment": {"id": comment, "likeCount": 1, "viewerHasLiked": True}, "errors": []}
    assert trips == 3  # the comment read, the like (its check in it), the counts read
    assert await _likers(api, comment) == [member.id]
    response, _ = await _asked(api, UNLIKE_COMMENT, {"id": comment}, token)
    assert response.json()["data"]["unlikeComment"] == {
        "comment": {"likeCount": 0, "viewerHasLiked": False}, "errors": []}
    assert await _likers(api, comment) == []
    # Refused both ways with nothing stored: a suspended member, then a void token.
    _, suspended = await make_member(api, suspendedUntil=int(time.time() * 1000) + 3_600_000)
    response, _ = await _asked(api, LIKE_COMMENT, {"id": comment}, suspended)
    assert response.status_code == 403 and "data" not in response.json()
    session = await register(api)
    await api.gql(LOGOUT, {"token": session["refreshToken"]}, token=session["accessToken"])
    response, _ = await _asked(api, LIKE_COMMENT, {"id": comment}, session["accessToken"])
    assert response.status_code == 401 and "data" not in response.json()
    assert await _likers(api, comment) == []
