"""Updates, comments, likes, feeds and notifications over real HTTP: permissions both ways,
visibility, exact counts under concurrency, and round trips per feed page."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from graph_db import groups, network
from graph_db.people_records import PersonRecord
from schema.base import from_global_id, to_global_id
from tests.api.conftest import Api, serve, with_settings
from tests.factories import make_member, make_person, token_for
from tests.graphs import snapshot

CREATE_POST = """
mutation($input: CreatePostInput!) {
  createPost(input: $input) {
    post { id body links createdAt editedAt author { id } mentions { id } likeCount commentCount }
    errors { field code message }
  }
}"""
EDIT_POST = """
mutation($input: EditPostInput!) {
  editPost(input: $input) { post { id body editedAt } errors { field code } }
}"""
DELETE_POST = """
mutation($input: DeletePostInput!) {
  deletePost(input: $input) { deletedPostId errors { field code } }
}"""
LIKE_POST = """
mutation($id: ID!) {
  likePost(input: {postId: $id}) { post { id likeCount viewerHasLiked } errors { code } }
}"""
UNLIKE_POST = """
mutation($id: ID!) {
  unlikePost(input: {postId: $id}) { post { id likeCount viewerHasLiked } errors { code } }
}"""
CREATE_COMMENT = """
mutation($input: CreateCommentInput!) {
  createComment(input: $input) { comment { id body parent { id } post { id } } errors { field code } }
}"""
POST_NODE = """
query($id: ID!) {
  node(id: $id) {
    ... on Post {
      id body likeCount commentCount viewerHasLiked
      likers(first: 10) { edges { node { id } } }
      comments(first: 10) { edges { node { id body replyCount replies(first: 5) { nodes { id } } } } }
    }
  }
}"""
FEED = """
query($first: Int, $after: String) {
  feed(first: $first, after: $after) {
    edges { cursor node { id body author { id name } likeCount commentCount viewerHasLiked } }
    pageInfo { hasNextPage endCursor }
  }
}"""
NOTIFICATIONS = """
query($unreadOnly: Boolean) {
  unreadNotificationCount
  notifications(first: 20, unreadOnly: $unreadOnly) {
    nodes { id kind summary actorCount read actors { id } post { id } comment { id } }
  }
}"""
MARK_READ = """
mutation($ids: [ID!]) {
  markNotificationsRead(input: {ids: $ids}) { markedCount unreadCount errors { code } }
}"""


def gid(type_name: str, local: str) -> str:
    return to_global_id(type_name, local)


async def errors_of(api: Api, query: str, variables: dict[str, Any], token: str | None) -> list[str]:
    """The top-level error codes of an operation (which must have some); a refused operation
    leaves the whole graph as it was."""
    before = await snapshot(api.backend)
    body = (await api.post(query, variables, token=token)).json()
    assert "errors" in body, body
    assert await snapshot(api.backend) == before, body
    return [e["extensions"]["code"] for e in body["errors"]]


async def stored(api: Api, query: str, **params: Any) -> list[dict[str, Any]]:
    """Read the graph directly (what a mutation stored, not what its payload says)."""
    return await api.backend.read(query, params)


def local(global_id: str) -> str:
    return from_global_id(global_id)[1]


async def create_post(api: Api, token: str, body: str = "Hello", **extra: Any) -> dict[str, Any]:
    data = await api.gql(CREATE_POST, {"input": {"body": body, **extra}}, token=token)
    assert data["createPost"]["errors"] == [], data
    post: dict[str, Any] = data["createPost"]["post"]
    return post


async def test_create_edit_delete_permissions(api: Api) -> None:
    author, author_token = await make_member(api)
    other, other_token = await make_member(api)
    moderator, moderator_token = await make_member(api, role="MODERATOR")

    assert await errors_of(api, CREATE_POST, {"input": {"body": "x"}}, None) == ["UNAUTHENTICATED"]
    post = await create_post(api, author_token, "  See https://example.org/a, and more.  ",
                             mentionIds=[gid("Person", other.id)])
    assert post["body"] == "See https://example.org/a, and more."
    assert post["links"] == ["https://example.org/a"]
    assert post["author"]["id"] == gid("Person", author.id) and post["editedAt"] is None
    assert post["mentions"] == [{"id": gid("Person", other.id)}]

    edit = {"input": {"id": post["id"], "body": "Edited"}}
    assert await errors_of(api, EDIT_POST, edit, other_token) == ["FORBIDDEN"]
    assert await errors_of(api, EDIT_POST, edit, moderator_token) == ["FORBIDDEN"]
    edited = (await api.gql(EDIT_POST, edit, token=author_token))["editPost"]["post"]
    assert edited["body"] == "Edited" and edited["editedAt"] is not None
    assert await stored(api, "MATCH (p:Post {id: $id}) RETURN p.body AS body",
                        id=local(post["id"])) == [{"body": "Edited"}]

    delete = {"input": {"id": post["id"]}}
    assert await errors_of(api, DELETE_POST, delete, other_token) == ["FORBIDDEN"]
    assert await errors_of(api, DELETE_POST, delete, None) == ["UNAUTHENTICATED"]
    result = (await api.gql(DELETE_POST, {"input": {"id": post["id"], "reason": "off-topic"}},
                            token=moderator_token))["deletePost"]
    assert result == {"deletedPostId": post["id"], "errors": []}
    removed = await stored(
        api, "MATCH (p:Post {id: $id}) RETURN p.removedAt IS NOT NULL AS removed, "
        "p.removedBy AS by", id=local(post["id"]),
    )
    assert removed == [{"removed": True, "by": moderator.id}]
    assert (await api.gql(POST_NODE, {"id": post["id"]}, token=author_token))["node"] is None
    again = (await api.gql(DELETE_POST, delete, token=author_token))["deletePost"]
    assert again["errors"] == [{"field": "id", "code": "NOT_FOUND"}]

    own = await create_post(api, author_token)
    mine = (await api.gql(DELETE_POST, {"input": {"id": own["id"]}}, token=author_token))
    assert mine["deletePost"]["deletedPostId"] == own["id"]


async def test_bad_input_is_reported_in_the_payload(api: Api) -> None:
    _, token = await make_member(api)
    cases = [
        ({"body": "   "}, "body"),
        ({"body": "x" * 3001}, "body"),
        ({"body": "bell \x07"}, "body"),
        ({"body": "hi", "mentionIds": [gid("Person", "nobody")]}, "mentionIds"),
        ({"body": "hi", "mentionIds": [gid("Post", "x")]}, "mentionIds"),
        ({"body": "hi", "groupId": gid("Group", "nope")}, "groupId"),
    ]
    for payload, field in cases:
        data = await api.gql(CREATE_POST, {"input": payload}, token=token)
        assert data["createPost"]["post"] is None
        assert [e["field"] for e in data["createPost"]["errors"]] == [field], payload


async def test_group_posts_need_membership_and_stay_inside_the_group(api: Api) -> None:
    owner, owner_token = await make_member(api)
    outsider, outsider_token = await make_member(api)
    record = await groups.create_group(
        api.backend, id="g1", actor_id=owner.id, name="Private", description="",
        visibility="PRIVATE", interest_ids=[], now=1,
    )
    assert record is not None
    group_id = gid("Group", "g1")
    refused = await errors_of(api, CREATE_POST, {"input": {"body": "x", "groupId": group_id}},
                              outsider_token)
    assert refused == ["FORBIDDEN"]
    await network.follow(api.backend, outsider.id, owner.id, now=1)
    inside = await create_post(api, owner_token, "members only", groupId=group_id)
    assert (await api.gql(POST_NODE, {"id": inside["id"]}, token=outsider_token))["node"] is None
    feed = (await api.gql(FEED, {"first": 10}, token=outsider_token))["feed"]["edges"]
    assert feed == []
    person = await api.gql(
        "query($id: ID!) { node(id: $id) { ... on Person { posts { nodes { id } } } } }",
        {"id": gid("Person", owner.id)}, token=outsider_token,
    )
    assert person["node"]["posts"]["nodes"] == []


async def test_comments_and_replies_permissions(api: Api) -> None:
    author, author_token = await make_member(api)
    commenter, commenter_token = await make_member(api)
    _, other_token = await make_member(api)
    post = await create_post(api, author_token)
    comment = (await api.gql(CREATE_COMMENT, {"input": {"postId": post["id"], "body": "Great"}},
                             token=commenter_token))["createComment"]["comment"]
    reply = (await api.gql(
        CREATE_COMMENT, {"input": {"postId": post["id"], "parentId": comment["id"], "body": "Yes"}},
        token=author_token,
    ))["createComment"]["comment"]
    assert reply["parent"] == {"id": comment["id"]} and reply["post"] == {"id": post["id"]}

    wrong_post = await create_post(api, author_token, "another")
    misplaced = await api.gql(
        CREATE_COMMENT,
        {"input": {"postId": wrong_post["id"], "parentId": comment["id"], "body": "x"}},
        token=author_token,
    )
    assert misplaced["createComment"]["errors"] == [{"field": "parentId", "code": "NOT_FOUND"}]

    edit = """mutation($id: ID!) { editComment(input: {id: $id, body: "changed"}) {
      comment { body } errors { code } } }"""
    assert await errors_of(api, edit, {"id": comment["id"]}, author_token) == ["FORBIDDEN"]
    edited = (await api.gql(edit, {"id": comment["id"]}, token=commenter_token))["editComment"]
    assert edited["comment"]["body"] == "changed"
    assert await stored(api, "MATCH (c:Comment {id: $id}) RETURN c.body AS body",
                        id=local(comment["id"])) == [{"body": "changed"}]

    node = (await api.gql(POST_NODE, {"id": post["id"]}, token=other_token))["node"]
    assert node["commentCount"] == 2
    [top] = node["comments"]["edges"]
    assert top["node"]["replyCount"] == 1 and top["node"]["replies"]["nodes"] == [{"id": reply["id"]}]

    delete = """mutation($id: ID!) { deleteComment(input: {id: $id}) { deletedCommentId errors { code } } }"""
    assert await errors_of(api, delete, {"id": comment["id"]}, other_token) == ["FORBIDDEN"]
    assert await errors_of(api, delete, {"id": comment["id"]}, author_token) == ["FORBIDDEN"]
    done = (await api.gql(delete, {"id": comment["id"]}, token=commenter_token))["deleteComment"]
    assert done == {"deletedCommentId": comment["id"], "errors": []}
    # Soft-deleted, with its reply (removedWith names the comment).
    assert await stored(
        api, "MATCH (c:Comment) WHERE c.id IN $ids RETURN c.id AS id, c.removedAt IS NOT NULL "
        "AS gone ORDER BY id", ids=[local(comment["id"]), local(reply["id"])],
    ) == sorted([{"id": local(comment["id"]), "gone": True}, {"id": local(reply["id"]), "gone": True}],
                key=lambda row: row["id"])
    node = (await api.gql(POST_NODE, {"id": post["id"]}, token=other_token))["node"]
    assert node["commentCount"] == 0 and node["comments"]["edges"] == []


async def test_likes_are_idempotent_and_hidden_from_blocked_members(api: Api) -> None:
    author, author_token = await make_member(api)
    fan, fan_token = await make_member(api)
    blocked, blocked_token = await make_member(api)
    post = await create_post(api, author_token)
    for _ in range(2):
        liked = (await api.gql(LIKE_POST, {"id": post["id"]}, token=fan_token))["likePost"]["post"]
        assert (liked["likeCount"], liked["viewerHasLiked"]) == (1, True)
    node = (await api.gql(POST_NODE, {"id": post["id"]}, token=author_token))["node"]
    assert node["viewerHasLiked"] is False
    assert node["likers"]["edges"] == [{"node": {"id": gid("Person", fan.id)}}]
    for _ in range(2):
        unliked = (await api.gql(UNLIKE_POST, {"id": post["id"]}, token=fan_token))["unlikePost"]
        assert (unliked["post"]["likeCount"], unliked["post"]["viewerHasLiked"]) == (0, False)

    await network.block(api.backend, author.id, blocked.id, now=1)
    refused = (await api.gql(LIKE_POST, {"id": post["id"]}, token=blocked_token))["likePost"]
    assert refused == {"post": None, "errors": [{"code": "NOT_FOUND"}]}
    assert await errors_of(api, LIKE_POST, {"id": post["id"]}, None) == ["UNAUTHENTICATED"]
    absent = {"id": gid("Post", "no-such-post")}
    refused = (await api.gql(LIKE_POST, absent, token=fan_token))["likePost"]
    assert refused == {"post": None, "errors": [{"code": "NOT_FOUND"}]}
    # The like's statement is its own check: refused, it wrote nothing (no edge, no count).
    stored = await api.backend.read(
        "MATCH (p:Post {id: $id}) RETURN coalesce(p.likeCount, 0) AS likes, "
        "size([(p)<-[:LIKED]-(x:Person) | x]) AS edges", {"id": from_global_id(post["id"])[1]},
    )
    assert stored == [{"likes": 0, "edges": 0}]


async def test_200_concurrent_likes(api: Api) -> None:
    author, author_token = await make_member(api)
    post = await create_post(api, author_token)
    people = await asyncio.gather(*(make_person(api.backend) for _ in range(200)))

    async def like(person: PersonRecord) -> int:
        response = await api.post(LIKE_POST, {"id": post["id"]}, token=token_for(person))
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
        count: int = response.json()["data"]["likePost"]["post"]["likeCount"]
        return count

    counts = await asyncio.gather(*(like(p) for p in people))
    assert max(counts) == 200 and len(counts) == 200
    one = await asyncio.gather(*(like(people[0]) for _ in range(200)))
    assert set(one) == {200}
    node = (await api.gql(POST_NODE, {"id": post["id"]}, token=author_token))["node"]
    assert node["likeCount"] == 200

    solo = await create_post(api, author_token, "solo")
    single = await asyncio.gather(*(
        api.post(LIKE_POST, {"id": solo["id"]}, token=token_for(people[1])) for _ in range(200)
    ))
    assert {r.json()["data"]["likePost"]["post"]["likeCount"] for r in single} == {1}
    notes = (await api.gql(NOTIFICATIONS, {}, token=author_token))["notifications"]["nodes"]
    by_post = {n["post"]["id"]: n for n in notes}
    assert by_post[post["id"]]["actorCount"] == 200 and by_post[solo["id"]]["actorCount"] == 1
    assert by_post[post["id"]]["summary"].endswith("and 199 others liked your update")


async def test_feed_visibility_and_paging(api: Api) -> None:
    me, my_token = await make_member(api)
    followed, followed_token = await make_member(api)
    blocker, blocker_token = await make_member(api)
    _, stranger_token = await make_member(api)
    await network.follow(api.backend, me.id, followed.id, now=1)
    await network.follow(api.backend, me.id, blocker.id, now=1)
    mine = await create_post(api, my_token, "mine")
    theirs = await create_post(api, followed_token, "followed")
    await create_post(api, blocker_token, "blocked")
    await create_post(api, stranger_token, "stranger")
    await network.block(api.backend, blocker.id, me.id, now=1)

    first = (await api.gql(FEED, {"first": 1}, token=my_token))["feed"]
    assert [e["node"]["id"] for e in first["edges"]] == [theirs["id"]]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await api.gql(FEED, {"first": 5, "after": first["pageInfo"]["endCursor"]},
                          token=my_token))["feed"]
    assert [e["node"]["id"] for e in rest["edges"]] == [mine["id"]]
    assert rest["pageInfo"]["hasNextPage"] is False
    assert await errors_of(api, FEED, {"first": 5}, None) == ["UNAUTHENTICATED"]
    assert await errors_of(api, FEED, {"first": 101}, my_token) == ["BAD_USER_INPUT"]
    assert await errors_of(api, FEED, {"first": 5, "after": "garbage"}, my_token) == ["BAD_USER_INPUT"]

    activity = await api.gql(
        "{ activity(first: 20) { nodes { kind subjectId post { id } person { id } } } }",
        token=my_token,
    )
    kinds = {(n["kind"], n["subjectId"]) for n in activity["activity"]["nodes"]}
    assert ("NEW_POST", theirs["id"]) in kinds and ("NEW_MEMBER", gid("Person", me.id)) in kinds
    assert all(n["person"] is None or n["person"]["id"] != gid("Person", blocker.id)
               for n in activity["activity"]["nodes"])


async def test_feed_page_round_trips_do_not_grow_with_page_size(api: Api) -> None:
    me, my_token = await make_member(api)
    authors = [await make_person(api.backend) for _ in range(10)]
    for author in authors:
        await network.follow(api.backend, me.id, author.id, now=1)
    for i in range(110):
        author = authors[i % 10]
        post = await create_post(api, token_for(author), f"update {i}")
        if i % 3 == 0:
            await api.gql(LIKE_POST, {"id": post["id"]}, token=my_token)
            await api.gql(CREATE_COMMENT, {"input": {"postId": post["id"], "body": "hm"}},
                          token=token_for(authors[(i + 1) % 10]))

    async def ask(http: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> httpx.Response:
        response = await http.post("/graphql", json={"query": query, "variables": variables},
                                   headers={"authorization": f"Bearer {my_token}"})
        assert "errors" not in response.json(), response.json()
        return response

    async def trips(http: httpx.AsyncClient, n: int) -> int:
        response = await ask(http, FEED, {"first": n})
        edges = response.json()["data"]["feed"]["edges"]
        assert len(edges) == n and all(e["node"]["author"]["name"] for e in edges)
        assert any(e["node"]["viewerHasLiked"] for e in edges)
        return int(response.headers["x-db-round-trips"])

    async def trips_for(http: httpx.AsyncClient, selection: str, fragments: str = "") -> int:
        query = f"query {{ feed(first: 30) {{ nodes {{ id {selection} }} }} }} {fragments}"
        return int((await ask(http, query, {})).headers["x-db-round-trips"])

    shown = ("", "likeCount", "author { name }", "viewerHasLiked author { name }")
    # Sessions kept for the whole test: a session read again when its 5 s are up (a loaded
    # machine) would be counted among a page's round trips.
    async with (
        serve(with_settings(session_cache_seconds=3600), api.backend) as planned_url,
        httpx.AsyncClient(base_url=planned_url, timeout=30) as planned,
        serve(with_settings(session_cache_seconds=3600, read_plans=False), api.backend) as url,
        httpx.AsyncClient(base_url=url, timeout=30) as unplanned,
    ):
        for http in (planned, unplanned):  # the session is read once, then kept
            await trips_for(http, "")
        # Planned (resolvers.planner): the page with what it shows is one statement, for any
        # page size and whatever it shows.
        assert await trips(planned, 10) == await trips(planned, 100) == 1
        assert [await trips_for(planned, selection) for selection in shown] == [1, 1, 1, 1]
        # Field by field (plans off), the same for any page size, and a page loads only what
        # it shows: ids alone take neither counts nor authors; asking for both adds one round
        # trip each, the same for a fragment as for a plain selection.
        assert await trips(unplanned, 10) == await trips(unplanned, 100)
        bare, counts, authors, both = [await trips_for(unplanned, selection) for selection in shown]
        assert counts == authors == bare + 1 and both == bare + 2
        fragment = "fragment Shown on Post { likeCount author { name } }"
        assert await trips_for(unplanned, "...Shown", fragment) == bare + 2


async def test_notifications_are_grouped_read_and_private(api: Api) -> None:
    author, author_token = await make_member(api, name="Author")
    fans = [await make_member(api, name=f"Fan {i}") for i in range(3)]
    _, other_token = await make_member(api)
    post = await create_post(api, author_token)
    for _, token in fans:
        await api.gql(LIKE_POST, {"id": post["id"]}, token=token)
    await api.gql(CREATE_COMMENT, {"input": {"postId": post["id"], "body": "Hi",
                                             "mentionIds": [gid("Person", author.id)]}},
                  token=fans[0][1])

    data = await api.gql(NOTIFICATIONS, {}, token=author_token)
    assert data["unreadNotificationCount"] == 3
    kinds = {n["kind"]: n for n in data["notifications"]["nodes"]}
    assert set(kinds) == {"LIKE_POST", "COMMENT", "MENTION"}
    likes = kinds["LIKE_POST"]
    assert likes["actorCount"] == 3 and likes["summary"] == "Fan 2 and 2 others liked your update"
    assert [a["id"] for a in likes["actors"]] == [gid("Person", f.id) for f, _ in reversed(fans)]
    assert kinds["COMMENT"]["comment"] is not None and not likes["read"]

    # Someone else can neither see nor mark them.
    assert (await api.gql("query($id: ID!) { node(id: $id) { id } }", {"id": likes["id"]},
                          token=other_token))["node"] is None
    marked = (await api.gql(MARK_READ, {"ids": [likes["id"]]}, token=other_token))
    assert marked["markNotificationsRead"]["markedCount"] == 0
    assert await errors_of(api, NOTIFICATIONS, {}, None) == ["UNAUTHENTICATED"]

    marked = await api.gql(MARK_READ, {"ids": [likes["id"]]}, token=author_token)
    assert marked["markNotificationsRead"] == {"markedCount": 1, "unreadCount": 2, "errors": []}
    unread = await api.gql(NOTIFICATIONS, {"unreadOnly": True}, token=author_token)
    assert {n["kind"] for n in unread["notifications"]["nodes"]} == {"COMMENT", "MENTION"}
    marked = await api.gql(MARK_READ, {}, token=author_token)
    assert marked["markNotificationsRead"] == {"markedCount": 2, "unreadCount": 0, "errors": []}
    bad = await api.gql(MARK_READ, {"ids": ["%%%"]}, token=author_token)
    assert bad["markNotificationsRead"]["errors"] == [{"code": "BAD_USER_INPUT"}]
