"""Mentoring awards over real HTTP, on both engines: eligibility rules as data, nominations
and support letters, conflicts of interest excluded on planted cases (self, mentor, mentee,
same division), the ranking, published winners as badges, and permissions both ways."""

from __future__ import annotations

import time
import uuid
from typing import Any

from graph_db import network, notifications
from graph_db.mentorship import connections
from graph_db.people_records import PersonRecord
from graph_db.programs import awards
from schema.base import local_id, to_global_id
from tests.api.calls import call, refused
from tests.api.conftest import Api
from tests.factories import make_person, token_for
from tests.mentoring import Places, member, mentorship

DAY = 86_400_000
YEAR = int(365.25 * DAY)
CREATE_AWARD = """
mutation($input: CreateAwardInput!) {
  createAward(input: $input) { award { id name criteria eligibility notifiesNominee } errors { field code } }
}"""
CREATE_CYCLE = """
mutation($input: CreateAwardCycleInput!) {
  createAwardCycle(input: $input) { cycle { id year publishedAt winners { id } } errors { field code } }
}"""
NOMINATE = """
mutation($input: NominateForAwardInput!) {
  nominateForAward(input: $input) {
    nomination { id nominee { id } statement supportCount } errors { field code message }
  }
}"""
SUPPORT = """
mutation($input: SupportAwardNominationInput!) {
  supportAwardNomination(input: $input) { nomination { supportCount } errors { code } }
}"""
SCORE = """
mutation($input: ScoreAwardNominationInput!) {
  scoreAwardNomination(input: $input) { nomination { id } errors { field code } }
}"""
REVIEW = """
query($id: ID!) {
  awardNominationsToReview(cycleId: $id) { nomination { id nominee { id } } conflictOfInterest }
}"""
RESULTS = """
query($id: ID!) { awardResults(cycleId: $id) { rank meanScore scoreCount nomination { nominee { id } } } }"""
PUBLISH = """
mutation($input: PublishAwardWinnersInput!) {
  publishAwardWinners(input: $input) { cycle { publishedAt winners { id } } errors { field code } }
}"""
BADGES = "query($p: ID!) { awardBadges(personId: $p) { name year } }"
OPEN = "{ openAwardCycles { id year award { name } } }"


def now_ms() -> int:
    return int(time.time() * 1000)


def iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def gid(p: PersonRecord) -> str:
    return to_global_id("Person", p.id)


async def mentored_since(api: Api, mentor: PersonRecord, mentee: PersonRecord, years: float) -> None:
    started = now_ms() - int(years * YEAR)
    await connections.create_many(api.backend, [{
        "id": str(uuid.uuid4()), "mentorId": mentor.id, "menteeId": mentee.id, "kind": "SECONDARY",
        "status": "ENDED", "createdAt": started, "startedAt": started, "endedAt": now_ms() - DAY,
    }])


async def award(api: Api, admin: PersonRecord, **overrides: Any) -> dict[str, Any]:
    made = await call(api, CREATE_AWARD, {"input": {
        "name": "Senior Mentor Award", "criteria": ["Impact", "Breadth"],
        "eligibility": [{"rule": "RANK_IN", "ranks": ["PROFESSOR", "ASSOCIATE_PROFESSOR"]},
                        {"rule": "MENTORING_YEARS_AT_LEAST", "years": 10}],
        **overrides,
    }}, admin)
    assert made["errors"] == [], made
    result: dict[str, Any] = made["award"]
    return result


async def cycle(api: Api, admin: PersonRecord, award_id: str, reviewers: list[PersonRecord], *,
                reviewing: bool) -> dict[str, Any]:
    now = now_ms()
    windows = (now - 20 * DAY, now - 10 * DAY, now - DAY, now + 10 * DAY) if reviewing else (
        now - DAY, now + 10 * DAY, now + 11 * DAY, now + 20 * DAY)
    made = await call(api, CREATE_CYCLE, {"input": {
        "awardId": award_id, "year": 2026, "nominationOpensAt": iso(windows[0]),
        "nominationClosesAt": iso(windows[1]), "reviewOpensAt": iso(windows[2]),
        "reviewClosesAt": iso(windows[3]), "reviewerIds": [gid(r) for r in reviewers],
    }}, admin)
    assert made["errors"] == [], made
    result: dict[str, Any] = made["cycle"]
    return result


async def test_eligibility_nominations_and_support(api: Api) -> None:
    db = api.backend
    admin = await make_person(db, role="ADMIN")
    senior = await make_person(db, rank="PROFESSOR")
    junior = await make_person(db, rank="PROFESSOR")
    student = await make_person(db, rank="GRADUATE_STUDENT")
    await mentored_since(api, senior, student, 12)
    await mentored_since(api, junior, student, 2)
    nominator, supporter = await make_person(db), await make_person(db)
    made = await award(api, admin)
    assert made["eligibility"][1] == {"rule": "MENTORING_YEARS_AT_LEAST", "years": 10}
    open_cycle = await cycle(api, admin, made["id"], [admin], reviewing=False)
    listed = (await api.gql(OPEN, token=token_for(nominator)))["openAwardCycles"]
    assert [c["id"] for c in listed] == [open_cycle["id"]]

    def nomination(who: PersonRecord) -> dict[str, Any]:
        return {"input": {"cycleId": open_cycle["id"], "nomineeId": gid(who), "statement": "Generous."}}

    too_junior = await call(api, NOMINATE, nomination(junior), nominator)
    assert [(e["field"], e["code"]) for e in too_junior["errors"]] == [("nomineeId", "BAD_USER_INPUT")]
    assert "10 years" in too_junior["errors"][0]["message"]
    themselves = await call(api, NOMINATE, nomination(senior), senior)
    assert [(e["field"], e["code"]) for e in themselves["errors"]] == [("nomineeId", "BAD_USER_INPUT")]
    done = await call(api, NOMINATE, nomination(senior), nominator)
    assert done["errors"] == [] and done["nomination"]["nominee"]["id"] == gid(senior)
    twice = await call(api, NOMINATE, nomination(senior), supporter)
    assert [e["code"] for e in twice["errors"]] == ["CONFLICT"]
    backed = await call(api, SUPPORT, {"input": {"nominationId": done["nomination"]["id"],
                                                 "letter": "Seconded."}}, supporter)
    assert backed == {"nomination": {"supportCount": 1}, "errors": []}
    assert await refused(api, SUPPORT, {"input": {"nominationId": done["nomination"]["id"],
                                                  "letter": "Me!"}}, senior) == "FORBIDDEN"
    # The award does not tell nominees: nothing until the results.
    assert await notifications.list_notifications(db, senior.id, limit=5) == []

    phd = await award(api, admin, name="PhD Mentor Award", notifyNominee=True, eligibility=[
        {"rule": "MENTORED_RANK", "ranks": ["GRADUATE_STUDENT"], "atLeast": 1}])
    phd_cycle = await cycle(api, admin, phd["id"], [admin], reviewing=False)
    told = await call(api, NOMINATE, {"input": {"cycleId": phd_cycle["id"], "nomineeId": gid(junior),
                                                "statement": "Guided a PhD."}}, nominator)
    assert told["errors"] == []
    assert [n.kind for n in await notifications.list_notifications(db, junior.id, limit=5)] == [
        "AWARD_NOMINATION"]
    closed = await cycle(api, admin, phd["id"], [admin], reviewing=True)
    late = await call(api, NOMINATE, {"input": {"cycleId": closed["id"], "nomineeId": gid(junior),
                                                "statement": "Late."}}, nominator)
    assert [e["code"] for e in late["errors"]] == ["CONFLICT"]


async def test_conflicts_of_interest_on_planted_cases(api: Api) -> None:
    db = api.backend
    places = Places(db)

    async def in_division(name: str, **extra: Any) -> PersonRecord:
        return await member(db, await places.unit("General", "Medicine", name), **extra)

    admin = await make_person(db, role="ADMIN")
    same_division = await in_division("Cardiology")  # reviewer in the nominees' division
    mentor_of = await in_division("Oncology")  # reviewer who mentors a nominee
    mentee_of = await in_division("Neurology", rank="RESIDENT")  # reviewer mentored by a nominee
    neutral = await in_division("Surgery")
    nominee_reviewer = await in_division("Radiology")  # a reviewer who is also nominated
    in_cardiology = await in_division("Cardiology")
    mentee_nominee = await in_division("Cardiology", rank="PROFESSOR")
    mentor_nominee = await in_division("Pediatrics")
    await mentorship(db, mentor_of, mentee_nominee)
    await mentorship(db, mentor_nominee, mentee_of)
    made = await award(api, admin, eligibility=[])
    reviewers = [same_division, mentor_of, mentee_of, neutral, nominee_reviewer]
    review_cycle = await cycle(api, admin, made["id"], reviewers, reviewing=True)
    local_cycle = local_id(review_cycle["id"], "AwardCycle")
    nominations: dict[str, str] = {}
    for nominee in (in_cardiology, mentee_nominee, mentor_nominee, nominee_reviewer):
        planted = await awards.nominate(db, id=str(uuid.uuid4()), cycle_id=local_cycle, nominee_id=nominee.id,
                                        viewer_id=admin.id, statement="Planted", now=now_ms())
        assert planted is not None
        nominations[nominee.id] = to_global_id("AwardNomination", planted[0].id)

    expected = {
        same_division.id: {in_cardiology.id, mentee_nominee.id},  # both work in Cardiology
        mentor_of.id: {mentee_nominee.id},
        mentee_of.id: {mentor_nominee.id},
        neutral.id: set(),
        nominee_reviewer.id: {nominee_reviewer.id},
    }
    for reviewer in reviewers:
        items = (await api.gql(REVIEW, {"id": review_cycle["id"]}, token=token_for(reviewer)))[
            "awardNominationsToReview"]
        flagged = {
            local_id(i["nomination"]["nominee"]["id"], "Person") for i in items if i["conflictOfInterest"]
        }
        assert flagged == expected[reviewer.id], reviewer.name
        for nominee_id, nomination_id in nominations.items():
            variables = {"input": {"nominationId": nomination_id, "scores": [5, 5]}}
            if nominee_id in expected[reviewer.id]:
                assert await refused(api, SCORE, variables, reviewer) == "FORBIDDEN"
            else:
                assert (await call(api, SCORE, variables, reviewer))["errors"] == []
    # Nothing conflicted was stored: each nomination's counted scores are the unconflicted ones.
    ranked = {n.nomineeId: totals for n, totals in await awards.ranked(db, local_cycle)}
    for nominee_id in nominations:
        allowed = sum(1 for r in reviewers if nominee_id not in expected[r.id])
        assert ranked[nominee_id] == [10] * allowed

    bad = await call(api, SCORE, {"input": {"nominationId": nominations[in_cardiology.id], "scores": [6]}},
                     neutral)
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("scores", "BAD_USER_INPUT")]
    # The neutral reviewer now ranks them; the others' scores stay.
    low = {"input": {"nominationId": nominations[mentor_nominee.id], "scores": [1, 1]}}
    await call(api, SCORE, low, neutral)
    results = (await api.gql(RESULTS, {"id": review_cycle["id"]}, token=token_for(neutral)))["awardResults"]
    assert [r["rank"] for r in results] == [1, 2, 3, 4]
    assert results[-1]["nomination"]["nominee"]["id"] == gid(mentor_nominee)
    assert results[-1]["scoreCount"] == 4 and results[-1]["meanScore"] == (10 * 3 + 2) / 4


async def test_results_and_publication_permissions_both_ways(api: Api) -> None:
    db = api.backend
    admin = await make_person(db, role="ADMIN")
    reviewer, outsider = await make_person(db), await make_person(db)
    nominee = await make_person(db)
    assert await refused(api, CREATE_AWARD, {"input": {"name": "X", "criteria": ["A"], "eligibility": []}},
                         outsider) == "FORBIDDEN"
    made = await award(api, admin, eligibility=[])
    now = now_ms()
    by_member = {"input": {
        "awardId": made["id"], "year": 2026, "nominationOpensAt": iso(now),
        "nominationClosesAt": iso(now + DAY), "reviewOpensAt": iso(now + 2 * DAY),
        "reviewClosesAt": iso(now + 3 * DAY), "reviewerIds": [gid(reviewer)],
    }}
    assert await refused(api, CREATE_CYCLE, by_member, outsider) == "FORBIDDEN"
    assert await awards.list_open_cycles(db, now=now + 1, limit=5) == []
    review_cycle = await cycle(api, admin, made["id"], [reviewer], reviewing=True)
    local_cycle = local_id(review_cycle["id"], "AwardCycle")
    planted = await awards.nominate(db, id=str(uuid.uuid4()), cycle_id=local_cycle, nominee_id=nominee.id,
                                    viewer_id=admin.id, statement="Planted", now=now_ms())
    assert planted is not None
    nomination = to_global_id("AwardNomination", planted[0].id)

    assert await refused(api, SCORE, {"input": {"nominationId": nomination, "scores": [3, 3]}},
                         outsider) == "FORBIDDEN"
    assert await awards.ranked(db, local_cycle) == [(planted[0], [])]
    assert await refused(api, RESULTS, {"id": review_cycle["id"]}, outsider) == "FORBIDDEN"
    assert await refused(api, REVIEW, {"id": review_cycle["id"]}, outsider) == "FORBIDDEN"
    assert (await call(api, SCORE, {"input": {"nominationId": nomination, "scores": [3, 4]}}, reviewer))[
        "errors"] == []
    for who in (reviewer, admin):
        results = (await api.gql(RESULTS, {"id": review_cycle["id"]}, token=token_for(who)))["awardResults"]
        assert [(r["rank"], r["meanScore"]) for r in results] == [(1, 7.0)]

    publish = {"input": {"cycleId": review_cycle["id"], "winnerNominationIds": [nomination]}}
    assert await refused(api, PUBLISH, publish, reviewer) == "FORBIDDEN"
    assert (await api.gql(BADGES, {"p": gid(nominee)}, token=token_for(outsider)))["awardBadges"] == []
    done = await call(api, PUBLISH, publish, admin)
    assert done["errors"] == [] and done["cycle"]["winners"] == [{"id": gid(nominee)}]
    assert (await api.gql(BADGES, {"p": gid(nominee)}, token=token_for(outsider)))["awardBadges"] == [
        {"name": "Senior Mentor Award", "year": 2026}]
    assert [n.kind for n in await notifications.list_notifications(db, nominee.id, limit=5)] == ["AWARD_WON"]
    again = await call(api, PUBLISH, publish, admin)
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]


PROFILE_BADGES = """
query($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Person { id badges { awardId name year cycleId awardedAt } } }
}"""
ACTIVITY = """
query($after: String) {
  activity(first: 2, after: $after) {
    nodes { kind subjectId person { id } badge { name year } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def awards_in_activity(api: Api, who: PersonRecord) -> list[dict[str, Any]]:
    """Every AWARD_WON item of the stream as `who` pages through it (two at a time)."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page = (await api.gql(ACTIVITY, {"after": after}, token=token_for(who)))["activity"]
        found += [n for n in page["nodes"] if n["kind"] == "AWARD_WON"]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def test_winners_on_profiles_and_in_the_activity_stream(api: Api) -> None:
    """Published winners carry the badge on their profile (one round trip for a page of
    people) and appear once each in the activity stream; nothing before publication, and
    nothing for a member blocked either way."""
    db = api.backend
    admin = await make_person(db, role="ADMIN")
    reviewer, viewer, blocker = [await make_person(db) for _ in range(3)]
    first, second, loser = [await make_person(db) for _ in range(3)]
    made = await award(api, admin, eligibility=[])
    review_cycle = await cycle(api, admin, made["id"], [reviewer], reviewing=True)
    local_cycle = local_id(review_cycle["id"], "AwardCycle")
    nominations = []
    for nominee in (first, second, loser):
        planted = await awards.nominate(db, id=str(uuid.uuid4()), cycle_id=local_cycle, nominee_id=nominee.id,
                                        viewer_id=admin.id, statement="Planted", now=now_ms())
        assert planted is not None
        nominations.append(to_global_id("AwardNomination", planted[0].id))
    shunned = await make_person(db)
    await network.block(db, blocker.id, second.id, now=now_ms())
    await network.block(db, first.id, shunned.id, now=now_ms())
    everyone = {"ids": [gid(p) for p in (first, second, loser)]}

    def shown(data: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
        return {n["id"]: [(b["name"], b["year"]) for b in n["badges"]] for n in data["nodes"] if n}

    before = await api.gql(PROFILE_BADGES, everyone, token=token_for(viewer))
    assert shown(before) == {gid(p): [] for p in (first, second, loser)}
    assert await awards_in_activity(api, viewer) == []

    publish = {"input": {"cycleId": review_cycle["id"], "winnerNominationIds": nominations[:2]}}
    assert (await call(api, PUBLISH, publish, admin))["errors"] == []

    badge = [("Senior Mentor Award", 2026)]
    after = await api.gql(PROFILE_BADGES, everyone, token=token_for(viewer))
    assert shown(after) == {gid(first): badge, gid(second): badge, gid(loser): []}
    (full,) = [n for n in after["nodes"] if n and n["id"] == gid(first)]
    assert full["badges"][0]["awardId"] == made["id"] and full["badges"][0]["cycleId"] == review_cycle["id"]
    assert full["badges"][0]["awardedAt"]
    # Badges of a page of people are one batched read, however many people it shows.
    one = await api.post(PROFILE_BADGES, {"ids": [gid(first)]}, token=token_for(viewer))
    three = await api.post(PROFILE_BADGES, everyone, token=token_for(viewer))
    assert one.headers["x-db-round-trips"] == three.headers["x-db-round-trips"]

    items = await awards_in_activity(api, viewer)
    assert sorted(i["person"]["id"] for i in items) == sorted([gid(first), gid(second)])
    assert {i["subjectId"] for i in items} == {made["id"]}
    assert all(i["badge"] == {"name": "Senior Mentor Award", "year": 2026} for i in items)

    # A block hides the winner's badge and item, both ways: `blocker` blocked `second`, and
    # `first` blocked `shunned`.
    for who, hidden, visible in ((blocker, second, first), (shunned, first, second)):
        theirs = shown(await api.gql(PROFILE_BADGES, everyone, token=token_for(who)))
        assert theirs.get(gid(hidden), []) == [] and theirs[gid(visible)] == badge
        assert (await api.gql(BADGES, {"p": gid(hidden)}, token=token_for(who)))["awardBadges"] == []
        assert [i["person"]["id"] for i in await awards_in_activity(api, who)] == [gid(visible)]
    assert await refused(api, PROFILE_BADGES, everyone, None) == "UNAUTHENTICATED"
