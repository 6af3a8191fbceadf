"""Groups, forums and moderation over HTTP: private-group isolation through every path,
concurrent membership changes, the review flow, slow mode, suspension, round-trip guards."""

from __future__ import annotations

import asyncio
import random
import time

from graph_db import forums, groups, network
from schema.base import from_global_id, to_global_id
from tests import moderation_world as w
from tests.api.conftest import Api
from tests.factories import make_person, token_for
from tests.graphs import snapshot


def fill(text: str, *values: str) -> str:
    """GraphQL text with each %s replaced, in order (GraphQL's braces rule out str.format)."""
    for value in values:
        text = text.replace("%s", value, 1)
    return text


def gid(type_name: str, local: str) -> str:
    return str(to_global_id(type_name, local))


async def world(api: Api) -> tuple[w.World, dict[str, str]]:
    built = await w.build(api.backend, now=int(time.time() * 1000) - 60_000)
    return built, {name: token_for(person) for name, person in built.people.items()}


async def errors(api: Api, query: str, token: str | None) -> list[str]:
    """Top-level error codes; an operation that fails leaves the whole graph unchanged."""
    before = await snapshot(api.backend)
    body = (await api.post(query, token=token)).json()
    if body.get("errors"):
        assert await snapshot(api.backend) == before, body
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def stored(api: Api, query: str, **params: object) -> list[dict[str, object]]:
    """What the graph holds (a mutation's effect read back, not its payload)."""
    return await api.backend.read(query, params)


PRIVATE_FIELDS = """
query($group: ID!, $post: ID!, $forum: ID!, $thread: ID!, $reply: ID!, $author: ID!) {
  group: node(id: $group) {
    ... on Group {
      name visibility memberCount viewerStatus
      members { totalCount nodes { person { id } } }
      posts { nodes { id body } }
      pinnedPosts { id }
      forums { id }
      joinRequests { nodes { person { id } } }
    }
  }
  post: node(id: $post) { id ... on Post { body } }
  forum: node(id: $forum) { id }
  thread: node(id: $thread) { id ... on Thread { title } }
  reply: node(id: $reply) { id }
  forums(groupId: $group) { id }
  threads(forumId: $forum) { nodes { id } }
  feed { nodes { id body } }
  activity { nodes { subjectId } }
  author: node(id: $author) { ... on Person { posts { nodes { id } } } }
  groups(filter: {query: "group"}) { nodes { id posts { nodes { id } } } }
}
"""


async def test_private_group_content_never_reaches_non_members(api: Api) -> None:
    built, tokens = await world(api)
    now = int(time.time() * 1000)
    for person in (w.CANDIDATE, w.SITE_MODERATOR, w.MEMBER):  # all follow the author
        await network.follow(api.backend, person, w.TARGET, now=now)
    variables = {
        "group": gid("Group", w.GROUP_P), "post": gid("Post", w.POST_P),
        "forum": gid("Forum", w.FORUM_P), "thread": gid("Thread", w.THREAD_P),
        "reply": gid("Reply", w.REPLY_P), "author": gid("Person", w.TARGET),
    }
    private_ids = {variables[k] for k in ("post", "forum", "thread", "reply")}

    member = await api.gql(PRIVATE_FIELDS, variables, token=tokens[w.MEMBER])
    assert len(member["group"]["members"]["nodes"]) == 4
    assert [p["id"] for p in member["group"]["posts"]["nodes"]] == [variables["post"]]
    assert member["post"]["body"] == "text of post-p" and member["thread"] is not None
    assert member["reply"] is not None and member["forum"] is not None
    assert member["threads"]["nodes"] == [{"id": variables["thread"]}]
    assert variables["post"] in {p["id"] for p in member["feed"]["nodes"]}
    assert variables["post"] in {p["id"] for p in member["author"]["posts"]["nodes"]}

    # A member of the site, and a site moderator, who are not members: nothing of it.
    for outsider in (w.CANDIDATE, w.SITE_MODERATOR):
        data = await api.gql(PRIVATE_FIELDS, variables, token=tokens[outsider])
        group = data["group"]
        assert group["name"] == "Group group-p" and group["visibility"] == "PRIVATE"
        assert group["memberCount"] == 4  # the count is public; who they are is not
        assert group["members"]["nodes"] == []
        assert group["posts"]["nodes"] == [] and group["pinnedPosts"] == []
        assert group["forums"] == []
        # Site moderators moderate every group, join requests included (README "Moderation").
        assert len(group["joinRequests"]["nodes"]) == (outsider == w.SITE_MODERATOR)
        assert data["post"] is None and data["forum"] is None
        assert data["thread"] is None and data["reply"] is None
        assert data["forums"] == [] and data["threads"]["nodes"] == []
        seen = {p["id"] for p in data["feed"]["nodes"]}
        assert gid("Post", w.POST_PLAIN) in seen and not seen & private_ids
        assert not {a["subjectId"] for a in data["activity"]["nodes"]} & private_ids
        assert not {p["id"] for p in data["author"]["posts"]["nodes"]} & private_ids
        for found in data["groups"]["nodes"]:
            assert not {p["id"] for p in found["posts"]["nodes"]} & private_ids
        # Nor through writes: liking, replying, reporting, posting.
        for mutation in (
            f'likeThread(input: {{threadId: "{variables["thread"]}"}})',
            f'replyToThread(input: {{threadId: "{variables["thread"]}", body: "hi"}})',
            f'likePost(input: {{postId: "{variables["post"]}"}})',
            f'createComment(input: {{postId: "{variables["post"]}", body: "hi"}})',
            f'report(input: {{targetId: "{variables["post"]}", reason: SPAM}})',
        ):
            body = (await api.post(f"mutation {{ m: {mutation} {{ errors {{ code }} }} }}",
                                   token=tokens[outsider])).json()
            assert body["data"]["m"]["errors"][0]["code"] == "NOT_FOUND", (outsider, mutation)
    # Signed out, there is nothing at all.
    signed_out = (await api.post(fill('{ node(id: "%s") { id } }', variables["post"]))).json()
    assert signed_out["data"] == {"node": None}


async def test_banned_members_lose_a_public_groups_content(api: Api) -> None:
    built, tokens = await world(api)
    data = await api.gql(
        fill('{ g: node(id: "%s") { ... on Group { viewerStatus posts { nodes { id } } forums { id } } } '
             'p: node(id: "%s") { id } }', gid("Group", w.GROUP_X), gid("Post", w.POST_X)),
        token=tokens[w.BANNED],
    )
    assert data == {"g": {"viewerStatus": "BANNED", "posts": {"nodes": []}, "forums": []}, "p": None}


async def test_member_count_stays_exact_under_concurrent_joins_and_leaves(api: Api) -> None:
    owner = await make_person(api.backend)
    group = await groups.create_group(api.backend, id="g", actor_id=owner.id, name="Crowd",
                                      description="", visibility="PUBLIC", interest_ids=[],
                                      now=int(time.time() * 1000))
    assert group is not None
    people = [await make_person(api.backend) for _ in range(24)]
    tokens = [token_for(p) for p in people]
    rng = random.Random(3)
    join = fill('mutation { joinGroup(input: {groupId: "%s"}) { group { memberCount } } }', gid("Group", "g"))
    leave = join.replace("joinGroup", "leaveGroup")
    calls = [api.post(rng.choice((join, leave)), token=t) for t in tokens for _ in range(3)]
    rng.shuffle(calls)
    responses = await asyncio.gather(*calls)
    assert all(r.status_code == 200 and "errors" not in r.json() for r in responses)
    data = await api.gql(fill('{ node(id: "%s") { ... on Group { memberCount } } }', gid("Group", "g")),
                         token=token_for(owner))
    edges = await api.backend.read(
        "MATCH (:Group {id: 'g'})<-[m:MEMBER_OF]-(:Person) RETURN count(m) AS n"
    )
    assert data["node"]["memberCount"] == edges[0]["n"] >= 1


NODE = '{ node(id: "%s") { id } }'


async def test_report_review_remove_restore_and_the_audit_log(api: Api) -> None:
    built, tokens = await world(api)
    x, post = gid("Group", w.GROUP_X), gid("Post", w.POST_X)
    reported = await api.gql(
        fill('mutation { report(input: {targetId: "%s", reason: SPAM, details: "ads"}) '
             "{ report { id status targetId excerpt } errors { code } } }", post),
        token=tokens[w.CANDIDATE],
    )
    report = reported["report"]["report"]
    assert report["status"] == "OPEN" and report["targetId"] == post
    queue = await api.gql(
        fill('{ moderationQueue(groupId: "%s") { nodes { id excerpt reporter { id } } } }', x),
        token=tokens[w.MODERATOR],
    )
    assert report["id"] in {r["id"] for r in queue["moderationQueue"]["nodes"]}

    removed = await api.gql(
        fill('mutation { removeContent(input: {targetId: "%s", reason: "spam"}) '
             "{ targetId errors { code } } }", post),
        token=tokens[w.MODERATOR],
    )
    assert removed["removeContent"] == {"targetId": post, "errors": []}
    assert (await api.gql(fill(NODE, post), token=tokens[w.MEMBER]))["node"] is None
    log = await api.gql(
        fill('{ moderationLog(groupId: "%s", first: 1) '
             "{ nodes { action reason targetId actor { id } } } }", x),
        token=tokens[w.OWNER],
    )
    assert log["moderationLog"]["nodes"] == [
        {"action": "REMOVE_POST", "reason": "spam", "targetId": post,
         "actor": {"id": gid("Person", w.MODERATOR)}}
    ]
    closed = await api.gql(
        fill('{ node(id: "%s") { ... on Report { status action { action } } } }', report["id"]),
        token=tokens[w.MODERATOR],
    )
    assert closed["node"] == {"status": "ACTIONED", "action": {"action": "REMOVE_POST"}}
    # The reporter (not a moderator) cannot read the report or the log.
    assert (await api.gql(fill(NODE, report["id"]), token=tokens[w.CANDIDATE]))["node"] is None
    assert await errors(api, fill('{ moderationLog(groupId: "%s") { nodes { id } } }', x),
                        tokens[w.CANDIDATE]) == ["FORBIDDEN"]

    restored = await api.gql(
        fill('mutation { restoreContent(input: {targetId: "%s"}) { targetId errors { code } } }', post),
        token=tokens[w.OWNER],
    )
    assert restored["restoreContent"]["errors"] == []
    assert await stored(api, "MATCH (p:Post {id: $id}) RETURN p.removedAt IS NULL AS visible",
                        id=from_global_id(post)[1]) == [{"visible": True}]
    assert (await api.gql(fill(NODE, post), token=tokens[w.MEMBER]))["node"] == {"id": post}


async def test_a_moderated_comment_moves_its_posts_comment_count(api: Api) -> None:
    """commentCount is stored on the post (graph_db.counts): a moderator's removal of a
    comment (with its reply) and its restore move it, as read through the API; a member's
    attempt is refused and leaves the graph as it was."""
    built, tokens = await world(api)
    post, comment = gid("Post", w.POST_X), gid("Comment", w.COMMENT_X)
    reply = await api.gql(
        fill('mutation { createComment(input: {postId: "%s", parentId: "%s", body: "same"}) '
             "{ comment { id } errors { code } } }", post, comment),
        token=tokens[w.MEMBER],
    )
    assert reply["createComment"]["errors"] == []
    count = fill('{ node(id: "%s") { ... on Post { commentCount } } }', post)

    async def shown() -> int:
        return int((await api.gql(count, token=tokens[w.MEMBER]))["node"]["commentCount"])

    async def live() -> int:
        [row] = await stored(api, "MATCH (:Post {id: $id})<-[:ON]-(c:Comment) "
                             "WHERE c.removedAt IS NULL RETURN count(c) AS n", id=w.POST_X)
        return int(row["n"])

    before = await shown()
    assert before == await live() >= 2
    remove = fill('mutation { removeContent(input: {targetId: "%s", reason: "off topic"}) '
                  "{ targetId errors { code } } }", comment)
    assert await errors(api, remove, tokens[w.MEMBER]) == ["FORBIDDEN"]
    assert await shown() == before
    removed = await api.gql(remove, token=tokens[w.MODERATOR])
    assert removed["removeContent"]["errors"] == []
    assert await shown() == await live() == before - 2
    restored = await api.gql(
        fill('mutation { restoreContent(input: {targetId: "%s"}) { targetId errors { code } } }',
             comment),
        token=tokens[w.MODERATOR],
    )
    assert restored["restoreContent"]["errors"] == []
    assert await shown() == await live() == before


def test_the_audit_log_cannot_be_changed_through_the_api() -> None:
    from schema import build_schema

    sdl = build_schema().as_str()
    block = sdl.split("type Mutation {", 1)[1].split("\n}", 1)[0]
    assert "ModerationAction" not in block  # no mutation takes or returns an audit entry
    for verb in ("update", "delete", "edit", "remove"):
        assert f"{verb}ModerationAction" not in sdl and f"{verb}Report(" not in sdl


async def test_mute_and_slow_mode_refuse_posts_with_clear_codes(api: Api) -> None:
    built, tokens = await world(api)
    x = gid("Group", w.GROUP_X)
    post = fill('mutation { createPost(input: {body: "hello", groupId: "%s"}) '
                "{ post { id } errors { code } } }", x)
    before = await snapshot(api.backend)
    body = (await api.post(post, token=tokens[w.MUTED])).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await snapshot(api.backend) == before
    assert "muted" in body["errors"][0]["message"]

    await api.gql(
        fill('mutation { setSlowMode(input: {targetId: "%s", seconds: 60}) { errors { code } } }', x),
        token=tokens[w.OWNER],
    )
    first = await api.gql(post, token=tokens[w.MEMBER])
    assert first["createPost"]["post"] is not None
    before = await snapshot(api.backend)
    second = (await api.post(post, token=tokens[w.MEMBER])).json()
    assert second["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert await snapshot(api.backend) == before
    assert 0 < second["errors"][0]["extensions"]["retryAfter"] <= 60
    # Moderators are exempt.
    for _ in range(2):
        assert (await api.gql(post, token=tokens[w.MODERATOR]))["createPost"]["post"] is not None


async def test_locked_threads_take_no_replies_except_from_moderators(api: Api) -> None:
    built, tokens = await world(api)
    thread = gid("Thread", w.THREAD_X)
    await api.gql(fill('mutation { lockThread(input: {threadId: "%s"}) { thread { locked } } }', thread),
                  token=tokens[w.MODERATOR])
    reply = fill('mutation { replyToThread(input: {threadId: "%s", body: "x"}) { reply { id } } }', thread)
    assert await errors(api, reply, tokens[w.MEMBER]) == ["FORBIDDEN"]
    made = (await api.gql(reply, token=tokens[w.MODERATOR]))["replyToThread"]["reply"]
    assert made is not None
    assert await stored(api, "MATCH (r {id: $id}) RETURN r.body AS body",
                        id=from_global_id(made["id"])[1]) == [{"body": "x"}]


async def test_suspension_refuses_the_members_next_request(api: Api) -> None:
    built, tokens = await world(api)
    me, target = "{ me { id } }", gid("Person", w.TARGET)
    assert (await api.gql(me, token=tokens[w.TARGET]))["me"]["id"] == target
    await api.gql(fill('mutation { suspendMember(input: {personId: "%s", days: 3, reason: "abuse"}) '
                       "{ errors { code } } }", target), token=tokens[w.ADMIN])
    suspended = await stored(api, "MATCH (p:Person {id: $id}) RETURN p.suspendedUntil > 0 AS s",
                             id=w.TARGET)
    assert suspended == [{"s": True}]
    refused = await api.post(me, token=tokens[w.TARGET])
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await api.gql(fill('mutation { unsuspendMember(input: {personId: "%s"}) { errors { code } } }', target),
                  token=tokens[w.ADMIN])
    assert (await api.gql(me, token=tokens[w.TARGET]))["me"]["id"] == target


async def _round_trips(api: Api, query: str, token: str) -> int:
    response = await api.post(query, token=token)
    assert "errors" not in response.json(), response.json()
    return int(response.headers["x-db-round-trips"])


async def test_group_and_thread_pages_cost_a_bounded_number_of_round_trips(api: Api) -> None:
    owner = await make_person(api.backend)
    staff = await make_person(api.backend, role="MODERATOR")
    token = token_for(owner)
    now = int(time.time() * 1000)
    assert await forums.create_forum(api.backend, id="f", actor_id=staff.id, name="F",
                                     description="", group_id=None, now=now, action_id="a")
    lists = (
        "{ groups(first: 50) { nodes { name memberCount viewerRole viewerStatus viewerCanModerate "
        "topics forums { name threadCount } } } }"
    )
    threads = fill(
        '{ threads(forumId: "%s", first: 50) { nodes { title author { name } likeCount '
        "viewerHasLiked forum { name } replies(first: 2) { nodes { body author { name } likeCount } } "
        "} } }", gid("Forum", "f"),
    )
    await _round_trips(api, "{ me { id } }", token)  # the session is read once, then kept
    costs = []
    made = 0
    for size in (3, 12):
        for i in range(made, size):
            group = await groups.create_group(api.backend, id=f"g{i}", actor_id=owner.id,
                                              name=f"Group {i}", description="", visibility="PUBLIC",
                                              interest_ids=[], now=now + i)
            thread = await forums.create_thread(api.backend, id=f"t{i}", author_id=owner.id,
                                                forum_id="f", title="T", body="B", tags=[], now=now + i)
            assert group is not None and thread is not None
            for j in range(2):
                await forums.create_reply(api.backend, id=f"r{i}-{j}", author_id=staff.id,
                                          thread_id=thread.id, body="r", now=now + j)
        made = size
        costs.append((await _round_trips(api, lists, token), await _round_trips(api, threads, token)))
    assert costs[0] == costs[1], costs
    assert all(cost <= 8 for pair in costs for cost in pair), costs


NOTIFICATIONS = (
    "{ notifications { nodes { kind summary group { id } thread { id } reply { body } "
    "actors { id } } } }"
)


async def test_group_and_forum_notifications_name_what_they_are_about(api: Api) -> None:
    built, tokens = await world(api)
    p, candidate = gid("Group", w.GROUP_P), gid("Person", w.CANDIDATE)
    await api.gql(fill('mutation { inviteToGroup(input: {groupId: "%s", personId: "%s"}) '
                       "{ errors { code } } }", p, candidate), token=tokens[w.MODERATOR])
    await api.gql(fill('mutation { requestToJoin(input: {groupId: "%s"}) { errors { code } } }', p),
                  token=tokens[w.OTHER_MODERATOR])
    thread = gid("Thread", w.THREAD_X)
    await api.gql(fill('mutation { replyToThread(input: {threadId: "%s", body: "agreed"}) '
                       "{ errors { code } } }", thread), token=tokens[w.MEMBER])

    invited = (await api.gql(NOTIFICATIONS, token=tokens[w.CANDIDATE]))["notifications"]["nodes"]
    assert [(n["kind"], n["group"]) for n in invited] == [("GROUP_INVITE", {"id": p})]
    assert invited[0]["summary"].endswith("invited you to a group")
    asked = (await api.gql(NOTIFICATIONS, token=tokens[w.OWNER]))["notifications"]["nodes"]
    assert ("JOIN_REQUEST", {"id": p}) in [(n["kind"], n["group"]) for n in asked]
    replied = (await api.gql(NOTIFICATIONS, token=tokens[w.TARGET]))["notifications"]["nodes"]
    assert [(n["kind"], n["thread"], n["reply"]) for n in replied if n["kind"] == "THREAD_REPLY"] == [
        ("THREAD_REPLY", {"id": thread}, {"body": "agreed"})
    ]


async def test_groups_are_found_by_words_and_by_interest(api: Api) -> None:
    from graph_db import vocabulary

    now = int(time.time() * 1000)
    await vocabulary.merge_terms(api.backend, "Interest", ["Heart failure", "Sepsis"], now=now)
    heart = gid("Interest", vocabulary.stable_id("Interest", "Heart failure"))
    person = await make_person(api.backend)
    token = token_for(person)
    created = await api.gql(
        fill('mutation { createGroup(input: {name: "HF fellows", description: "Cardiomyopathy '
             'journal club", interestIds: ["%s"]}) { group { id interests { name } viewerRole '
             "memberCount } errors { code } } }", heart),
        token=token,
    )
    group = created["createGroup"]["group"]
    assert group["interests"] == [{"name": "Heart failure"}]
    assert group["viewerRole"] == "OWNER" and group["memberCount"] == 1
    bad = await api.gql('mutation { createGroup(input: {name: "x"}) { group { id } errors { code field } } }',
                        token=token)
    assert bad["createGroup"] == {"group": None, "errors": [{"code": "BAD_USER_INPUT", "field": "name"}]}
    for filter_, found in (
        ('{query: "cardiomyopathy"}', [group["id"]]),
        ('{query: "sepsis"}', []),
        (fill('{interestId: "%s"}', heart), [group["id"]]),
        ("{joined: true}", [group["id"]]),
    ):
        data = await api.gql(fill("{ groups(filter: %s) { nodes { id } } }", filter_), token=token)
        assert [g["id"] for g in data["groups"]["nodes"]] == found, filter_
    assert await errors(api, "{ groups { nodes { id } } }", None) == ["UNAUTHENTICATED"]


async def test_threads_page_through_every_sort_with_cursors(api: Api) -> None:
    staff = await make_person(api.backend, role="MODERATOR")
    token = token_for(staff)
    now = int(time.time() * 1000)
    assert await forums.create_forum(api.backend, id="f", actor_id=staff.id, name="F",
                                     description="", group_id=None, now=now, action_id="a")
    for i in range(7):
        assert await forums.create_thread(api.backend, id=f"t{i}", author_id=staff.id, forum_id="f",
                                          title=f"t{i}", body="b", tags=["grants"] if i % 2 else [],
                                          now=now + i)
    query = (
        "query($forum: ID!, $sort: ThreadSort!, $after: String, $tag: String) { threads(forumId: $forum, "
        "sort: $sort, first: 3, after: $after, tag: $tag) { nodes { title } "
        "pageInfo { hasNextPage endCursor } } }"
    )
    for sort in ("LATEST_ACTIVITY", "NEWEST", "TOP"):
        for tag, expected in ((None, 7), ("grants", 3)):
            titles: list[str] = []
            after = None
            while True:
                data = await api.gql(query, {"forum": gid("Forum", "f"), "sort": sort, "after": after,
                                             "tag": tag}, token=token)
                page = data["threads"]
                titles += [n["title"] for n in page["nodes"]]
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            assert len(titles) == len(set(titles)) == expected, (sort, tag, titles)
    bad = (await api.post(query, {"forum": gid("Forum", "f"), "sort": "NEWEST", "after": "garbage"},
                          token=token)).json()
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
