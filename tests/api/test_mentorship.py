"""Mentorship over real HTTP: the request/accept/decline/withdraw/end flow with notifications,
exact capacity under concurrent acceptances, privacy of goals and notes on every path,
permissions both ways for every mutation, committees, boards, programs and matching."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from graph_db import network
from graph_db.mentorship import programs
from graph_db.people_records import PersonRecord
from schema.base import to_global_id
from tests.api.conftest import Api
from tests.factories import token_for
from tests.mentoring import NOW, Places, grant_writing_mentee, member, mentorship

MENTORSHIP = """
fragment M on Mentorship {
  id kind status goals message responseMessage endReason meetingCadenceDays nextMeetingDue
  lastMeetingAt startedAt endedAt viewerCanRespond
  mentor { id } mentee { id } requestedBy { id }
  meetings(first: 10) { nodes { id date notes loggedBy { id } } }
  milestones { id title completed dueAt }
  committee { id }
}"""
REQUEST = (
    """
mutation($input: RequestMentorshipInput!) {
  requestMentorship(input: $input) { mentorship { ...M } errors { field code message } }
}"""
    + MENTORSHIP
)
RESPOND = (
    """
mutation($id: ID!, $decision: MentorshipDecision!, $message: String) {
  respondToMentorship(input: {id: $id, decision: $decision, message: $message}) {
    mentorship { ...M } errors { field code message }
  }
}"""
    + MENTORSHIP
)
WITHDRAW = """
mutation($id: ID!) {
  withdrawMentorshipRequest(input: {id: $id}) { mentorship { id status } errors { code message } }
}"""
END = """
mutation($id: ID!, $reason: String) {
  endMentorship(input: {id: $id, reason: $reason}) {
    mentorship { id status endReason endedBy { id } } errors { code message }
  }
}"""
UPDATE = """
mutation($input: UpdateMentorshipInput!) {
  updateMentorship(input: $input) { mentorship { id goals meetingCadenceDays } errors { field code } }
}"""
LOG_MEETING = """
mutation($input: LogMentorshipMeetingInput!) {
  logMentorshipMeeting(input: $input) { meeting { id date notes } errors { field code message } }
}"""
ADD_MILESTONE = """
mutation($input: AddMentorshipMilestoneInput!) {
  addMentorshipMilestone(input: $input) { milestone { id title completed } errors { field code } }
}"""
COMPLETE_MILESTONE = """
mutation($id: ID!) {
  completeMentorshipMilestone(input: {id: $id}) {
    milestone { id completed completedBy { id } } errors { code }
  }
}"""
NODE = (
    """
query($id: ID!) { node(id: $id) { id ...M } }"""
    + MENTORSHIP
)
MEETING_NODE = """
query($id: ID!) { node(id: $id) { id ... on Meeting { notes date } ... on Milestone { title } } }"""
ME = """
query {
  me {
    id
    mentors(status: [ACTIVE, REQUESTED]) { nodes { id status goals mentor { id } } }
    mentees { nodes { id status goals mentee { id } } }
    incoming: mentorshipRequests(direction: INCOMING) { nodes { id kind message } }
    outgoing: mentorshipRequests(direction: OUTGOING) { nodes { id kind } }
    mentorshipStats { activeMentees menteeCapacity openSlots acceptingMentees menteesEver yearsMentoring }
  }
}"""
PERSON = """
query($id: ID!) {
  node(id: $id) {
    ... on Person {
      id
      mentors(status: [ACTIVE, REQUESTED, ENDED]) { nodes { id goals } }
      mentees(status: [ACTIVE, REQUESTED, ENDED]) { nodes { id goals } }
      mentorshipRequests(direction: INCOMING) { nodes { id } }
      mentorshipStats { activeMentees menteeCapacity openSlots }
      mentoringCommittee { id }
      boardOfAdvisors { id }
    }
  }
}"""
NOTIFICATIONS = """
query {
  notifications(first: 20) {
    nodes { kind summary actors { id } mentorship { id goals status } mentoringCommittee { id } }
  }
}"""
CREATE_COMMITTEE = """
mutation($input: CreateMentoringCommitteeInput!) {
  createMentoringCommittee(input: $input) {
    committee { id name status mentee { id } createdBy { id } members { id status mentor { id } goals } }
    errors { field code message }
  }
}"""
INVITE = """
mutation($input: InviteCommitteeMemberInput!) {
  inviteCommitteeMember(input: $input) { committee { id members { id } } errors { field code message } }
}"""
DISSOLVE = """
mutation($id: ID!) {
  dissolveMentoringCommittee(input: {id: $id}) {
    committee { id status dissolvedAt members { status } } errors { code }
  }
}"""
COMMITTEE_NODE = """
query($id: ID!) {
  node(id: $id) { id ... on MentoringCommittee { status members { id status goals mentor { id } } } }
}"""
ADD_ADVISOR = """
mutation($input: AddAdvisorInput!) {
  addAdvisor(input: $input) {
    advisor { id role name email note person { id } mentorship { id status kind } }
    errors { field code message }
  }
}"""
REMOVE_ADVISOR = """
mutation($id: ID!) { removeAdvisor(input: {id: $id}) { removedAdvisorId errors { code } } }"""
ADVISOR_NODE = """
query($id: ID!) { node(id: $id) { id ... on Advisor { name email role } } }"""
SET_SUPERVISION = """
mutation($input: SetSupervisionInput!) {
  setSupervision(input: $input) { supervises supervisor { id } supervisee { id } errors { field code } }
}"""
CREATE_PROGRAM = """
mutation($name: String!) {
  createMentoringProgram(input: {name: $name}) { program { id name memberCount viewerRole } errors { code } }
}"""
SET_PROGRAM_ROLE = """
mutation($input: SetMentoringProgramRoleInput!) {
  setMentoringProgramRole(input: $input) { program { id memberCount viewerRole } errors { field code } }
}"""
PROGRAMS = "query { mentoringPrograms { id name memberCount viewerRole } }"
RECOMMEND = """
query($input: MentorRecommendationsInput!) {
  mentorRecommendations(input: $input) {
    person { id } score mutualConnections reasons { kind text points }
  }
}"""
COLLABORATORS = """
query { collaboratorRecommendations(first: 5) { person { id } score reasons { kind text } } }"""


def gid(type_name: str, local: str) -> str:
    return to_global_id(type_name, local)


async def codes(api: Api, query: str, variables: dict[str, Any] | None, token: str | None) -> list[str]:
    """Top-level error codes (the operation must fail)."""
    body = (await api.post(query, variables, token=token)).json()
    assert "errors" in body, body
    return [e["extensions"]["code"] for e in body["errors"]]


async def payload(api: Api, query: str, variables: dict[str, Any], token: str) -> dict[str, Any]:
    data = await api.gql(query, variables, token=token)
    (value,) = data.values()
    assert isinstance(value, dict)
    return value


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def pair(api: Api, capacity: int = 2) -> tuple[PersonRecord, PersonRecord]:
    mentee = await member(api.backend, rank="RESIDENT", accepting=False, capacity=0)
    mentor = await member(api.backend, rank="PROFESSOR", capacity=capacity)
    return mentee, mentor


async def request(api: Api, mentee: PersonRecord, mentor: PersonRecord, **extra: Any) -> dict[str, Any]:
    result = await payload(
        api,
        REQUEST,
        {
            "input": {
                "mentorId": gid("Person", mentor.id),
                "kind": "SECONDARY",
                "goals": "Submit a K award",
                "message": "Could you mentor me?",
                "meetingCadenceDays": 30,
                **extra,
            }
        },
        token_for(mentee),
    )
    assert result["errors"] == [], result
    return dict(result["mentorship"])


async def notifications(api: Api, person: PersonRecord) -> list[dict[str, Any]]:
    return list((await api.gql(NOTIFICATIONS, token=token_for(person)))["notifications"]["nodes"])


async def test_request_accept_meet_end_with_a_notification_at_each_step(api: Api) -> None:
    mentee, mentor = await pair(api)
    m = await request(api, mentee, mentor)
    assert (m["status"], m["kind"], m["goals"], m["meetingCadenceDays"]) == (
        "REQUESTED",
        "SECONDARY",
        "Submit a K award",
        30,
    )
    assert m["mentor"]["id"] == gid("Person", mentor.id) and m["viewerCanRespond"] is False
    (told,) = await notifications(api, mentor)
    assert told["kind"] == "MENTORSHIP_REQUESTED" and told["mentorship"]["id"] == m["id"]
    assert told["summary"].endswith("asked you to be their mentor")
    assert told["mentorship"]["goals"] == "Submit a K award"  # the mentor is a party

    me = (await api.gql(ME, token=token_for(mentor)))["me"]
    assert [r["id"] for r in me["incoming"]["nodes"]] == [m["id"]]
    assert (await api.gql(ME, token=token_for(mentee)))["me"]["outgoing"]["nodes"][0]["id"] == m["id"]

    accepted = await payload(
        api, RESPOND, {"id": m["id"], "decision": "ACCEPT", "message": "Yes!"}, token_for(mentor)
    )
    assert accepted["errors"] == [] and accepted["mentorship"]["status"] == "ACTIVE"
    assert accepted["mentorship"]["responseMessage"] == "Yes!"
    started = datetime.fromisoformat(accepted["mentorship"]["startedAt"].replace("Z", "+00:00"))
    due = datetime.fromisoformat(accepted["mentorship"]["nextMeetingDue"].replace("Z", "+00:00"))
    assert due - started == timedelta(days=30)
    kinds = [n["kind"] for n in await notifications(api, mentee)]
    assert kinds == ["MENTORSHIP_ACCEPTED"]

    me = (await api.gql(ME, token=token_for(mentee)))["me"]
    assert [x["mentor"]["id"] for x in me["mentors"]["nodes"]] == [gid("Person", mentor.id)]
    stats = (await api.gql(ME, token=token_for(mentor)))["me"]["mentorshipStats"]
    assert stats == {
        "activeMentees": 1,
        "menteeCapacity": 2,
        "openSlots": 1,
        "acceptingMentees": True,
        "menteesEver": 1,
        "yearsMentoring": 0.0,
    }

    when = iso(NOW - 3_600_000)
    meeting = await payload(
        api,
        LOG_MEETING,
        {"input": {"mentorshipId": m["id"], "date": when, "notes": "Specific aims drafted"}},
        token_for(mentee),
    )
    assert meeting["errors"] == [] and meeting["meeting"]["notes"] == "Specific aims drafted"
    milestone = await payload(
        api,
        ADD_MILESTONE,
        {
            "input": {
                "mentorshipId": m["id"],
                "title": "Submit the K award",
                "dueAt": iso(NOW + 86_400_000 * 90),
            }
        },
        token_for(mentor),
    )
    assert milestone["errors"] == []
    done = await payload(api, COMPLETE_MILESTONE, {"id": milestone["milestone"]["id"]}, token_for(mentee))
    assert done["milestone"]["completed"] is True
    assert done["milestone"]["completedBy"]["id"] == gid("Person", mentee.id)
    node = (await api.gql(NODE, {"id": m["id"]}, token=token_for(mentor)))["node"]
    assert node["lastMeetingAt"] == when
    assert node["meetings"]["nodes"][0]["notes"] == "Specific aims drafted"
    assert [x["title"] for x in node["milestones"]] == ["Submit the K award"]
    due = datetime.fromisoformat(node["nextMeetingDue"].replace("Z", "+00:00"))
    assert due == datetime.fromisoformat(when.replace("Z", "+00:00")) + timedelta(days=30)

    ended = await payload(api, END, {"id": m["id"], "reason": "Award submitted"}, token_for(mentor))
    assert ended["mentorship"]["status"] == "ENDED" and ended["mentorship"]["endReason"] == "Award submitted"
    assert [n["kind"] for n in await notifications(api, mentee)] == [
        "MENTORSHIP_ENDED",
        "MENTORSHIP_ACCEPTED",
    ]
    again = await payload(api, END, {"id": m["id"], "reason": None}, token_for(mentee))
    assert again["errors"] == [] and again["mentorship"]["status"] == "ENDED"  # idempotent
    late = await payload(
        api, LOG_MEETING, {"input": {"mentorshipId": m["id"], "date": when}}, token_for(mentee)
    )
    assert [e["code"] for e in late["errors"]] == ["CONFLICT"]


async def test_decline_and_withdraw_notify_and_close(api: Api) -> None:
    mentee, mentor = await pair(api)
    first = await request(api, mentee, mentor)
    declined = await payload(
        api,
        RESPOND,
        {"id": first["id"], "decision": "DECLINE", "message": "Fully booked this year"},
        token_for(mentor),
    )
    assert declined["mentorship"]["status"] == "DECLINED"
    (told,) = await notifications(api, mentee)
    assert told["kind"] == "MENTORSHIP_DECLINED" and told["mentorship"]["status"] == "DECLINED"
    late = await payload(api, RESPOND, {"id": first["id"], "decision": "ACCEPT"}, token_for(mentor))
    assert [e["code"] for e in late["errors"]] == ["CONFLICT"]

    second = await request(api, mentee, mentor)
    withdrawn = await payload(api, WITHDRAW, {"id": second["id"]}, token_for(mentee))
    assert withdrawn["mentorship"]["status"] == "WITHDRAWN"
    kinds = [n["kind"] for n in await notifications(api, mentor)]
    assert kinds == ["MENTORSHIP_WITHDRAWN", "MENTORSHIP_REQUESTED", "MENTORSHIP_REQUESTED"]
    third = await request(api, mentee, mentor)
    await payload(api, RESPOND, {"id": third["id"], "decision": "ACCEPT"}, token_for(mentor))
    refused = await payload(api, WITHDRAW, {"id": third["id"]}, token_for(mentee))
    assert [e["code"] for e in refused["errors"]] == ["CONFLICT"]


async def test_concurrent_acceptances_over_http_never_exceed_capacity(api: Api) -> None:
    mentor = await member(api.backend, rank="PROFESSOR", capacity=3)
    mentees = [await member(api.backend, rank="RESIDENT") for _ in range(10)]
    requests = [await request(api, m, mentor) for m in mentees]
    results = await asyncio.gather(
        *(api.gql(RESPOND, {"id": r["id"], "decision": "ACCEPT"}, token=token_for(mentor)) for r in requests)
    )
    outcomes = [r["respondToMentorship"] for r in results]
    assert sum(1 for o in outcomes if o["errors"] == []) == 3
    assert all(o["errors"][0]["code"] == "CONFLICT" for o in outcomes if o["errors"])
    stats = (await api.gql(ME, token=token_for(mentor)))["me"]
    assert stats["mentorshipStats"]["activeMentees"] == 3 and len(stats["mentees"]["nodes"]) == 3
    assert stats["mentorshipStats"]["openSlots"] == 0


async def test_goals_and_notes_stay_private_on_every_path(api: Api) -> None:
    db = api.backend
    mentee, mentor = await pair(api)
    stranger = await member(db, rank="PROFESSOR")
    admin = await member(db, rank="PROFESSOR")  # a program admin of the mentee's program
    site_admin = await member(db, role="ADMIN")
    program = await programs.create_program(
        db, id="fellows", name="Fellows", description=None, viewer_id=admin.id, now=NOW
    )
    await programs.set_role(db, program.id, admin.id, "ADMIN", now=NOW, viewer_id=admin.id)
    await programs.set_role(db, program.id, mentee.id, "MEMBER", now=NOW, viewer_id=admin.id)
    m = await request(api, mentee, mentor)
    await payload(api, RESPOND, {"id": m["id"], "decision": "ACCEPT"}, token_for(mentor))
    meeting = await payload(
        api,
        LOG_MEETING,
        {"input": {"mentorshipId": m["id"], "date": iso(NOW - 1000), "notes": "Talked about my divorce"}},
        token_for(mentee),
    )
    meeting_id = meeting["meeting"]["id"]
    milestone = await payload(
        api, ADD_MILESTONE, {"input": {"mentorshipId": m["id"], "title": "R01"}}, token_for(mentee)
    )

    for party in (mentee, mentor):
        node = (await api.gql(NODE, {"id": m["id"]}, token=token_for(party)))["node"]
        assert node["goals"] == "Submit a K award" and node["message"] == "Could you mentor me?"
        assert node["meetings"]["nodes"][0]["notes"] == "Talked about my divorce"
        notes = (await api.gql(MEETING_NODE, {"id": meeting_id}, token=token_for(party)))["node"]
        assert notes["notes"] == "Talked about my divorce"
    for overseer in (admin, site_admin):
        node = (await api.gql(NODE, {"id": m["id"]}, token=token_for(overseer)))["node"]
        assert node["goals"] == "Submit a K award" and node["milestones"][0]["title"] == "R01"
        assert node["meetings"]["nodes"][0]["notes"] is None  # notes: the two parties only
        assert (await api.gql(MEETING_NODE, {"id": meeting_id}, token=token_for(overseer)))["node"][
            "notes"
        ] is None
        person = (await api.gql(PERSON, {"id": gid("Person", mentee.id)}, token=token_for(overseer)))["node"]
        assert person["mentors"]["nodes"] == [{"id": m["id"], "goals": "Submit a K award"}]

    # A stranger sees nothing: not by id, not through the people, not in a payload.
    for token in (token_for(stranger), None):
        for node_id in (m["id"], meeting_id, milestone["milestone"]["id"]):
            assert (
                await api.gql(MEETING_NODE if node_id != m["id"] else NODE, {"id": node_id}, token=token)
            )["node"] is None
    for person in (mentee, mentor):
        seen = (await api.gql(PERSON, {"id": gid("Person", person.id)}, token=token_for(stranger)))["node"]
        assert seen["mentors"] is None and seen["mentees"] is None
        assert seen["mentorshipRequests"] is None and seen["boardOfAdvisors"] is None
        assert seen["mentorshipStats"] is not None  # load and capacity are public to members
    for mutation, variables in (
        (END, {"id": m["id"]}),
        (WITHDRAW, {"id": m["id"]}),
        (RESPOND, {"id": m["id"], "decision": "ACCEPT"}),
    ):
        refused = await payload(api, mutation, variables, token_for(stranger))
        assert refused["mentorship"] is None and [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]
    for text in ("Talked about my divorce", "Submit a K award"):
        for query, variables in ((NODE, {"id": m["id"]}), (ME, None), (NOTIFICATIONS, None)):
            body = (await api.post(query, variables, token=token_for(stranger))).text
            assert text not in body


async def test_permissions_both_ways_for_every_mutation(api: Api) -> None:
    db = api.backend
    mentee, mentor = await pair(api)
    other = await member(db, rank="PROFESSOR")
    m = await request(api, mentee, mentor)
    # Signed out: every mutation is UNAUTHENTICATED.
    for query, variables in (
        (REQUEST, {"input": {"mentorId": gid("Person", mentor.id)}}),
        (RESPOND, {"id": m["id"], "decision": "ACCEPT"}),
        (WITHDRAW, {"id": m["id"]}),
        (END, {"id": m["id"]}),
        (UPDATE, {"input": {"id": m["id"], "goals": "x"}}),
        (ADD_ADVISOR, {"input": {"role": "CAREER", "name": "A", "email": "a@b.co"}}),
        (CREATE_PROGRAM, {"name": "P"}),
    ):
        assert await codes(api, query, variables, None) == ["UNAUTHENTICATED"]
    # Answering: only the mentor; the mentee is refused, a stranger does not see it.
    assert await codes(api, RESPOND, {"id": m["id"], "decision": "ACCEPT"}, token_for(mentee)) == [
        "FORBIDDEN"
    ]
    # Withdrawing: the requester; the mentor is refused.
    assert await codes(api, WITHDRAW, {"id": m["id"]}, token_for(mentor)) == ["FORBIDDEN"]
    await payload(api, RESPOND, {"id": m["id"], "decision": "ACCEPT"}, token_for(mentor))
    # Updating and logging: the two parties only.
    changed = await payload(
        api, UPDATE, {"input": {"id": m["id"], "meetingCadenceDays": 14}}, token_for(mentor)
    )
    assert changed["mentorship"] == {"id": m["id"], "goals": "Submit a K award", "meetingCadenceDays": 14}
    cleared = await payload(api, UPDATE, {"input": {"id": m["id"], "goals": None}}, token_for(mentee))
    assert cleared["mentorship"] == {"id": m["id"], "goals": None, "meetingCadenceDays": 14}
    assert (await payload(api, UPDATE, {"input": {"id": m["id"], "goals": "x"}}, token_for(other)))["errors"][
        0
    ]["code"] == "NOT_FOUND"
    stranger_log = await payload(
        api, LOG_MEETING, {"input": {"mentorshipId": m["id"], "date": iso(NOW)}}, token_for(other)
    )
    assert [e["code"] for e in stranger_log["errors"]] == ["NOT_FOUND"]
    # Program admins may end, not log or update.
    program = await programs.create_program(
        db, id="p", name="P", description=None, viewer_id=other.id, now=NOW
    )
    await programs.set_role(db, program.id, other.id, "ADMIN", now=NOW, viewer_id=other.id)
    await programs.set_role(db, program.id, mentee.id, "MEMBER", now=NOW, viewer_id=other.id)
    assert await codes(api, UPDATE, {"input": {"id": m["id"], "goals": "x"}}, token_for(other)) == [
        "FORBIDDEN"
    ]
    assert await codes(
        api, LOG_MEETING, {"input": {"mentorshipId": m["id"], "date": iso(NOW)}}, token_for(other)
    ) == ["FORBIDDEN"]
    ended = await payload(api, END, {"id": m["id"], "reason": "Program review"}, token_for(other))
    assert ended["mentorship"]["status"] == "ENDED"
    assert ended["mentorship"]["endedBy"]["id"] == gid("Person", other.id)
    # Site-admin-only mutations.
    sup = {"input": {"supervisorId": gid("Person", mentor.id), "superviseeId": gid("Person", mentee.id)}}
    assert await codes(api, SET_SUPERVISION, sup, token_for(other)) == ["FORBIDDEN"]
    assert await codes(api, CREATE_PROGRAM, {"name": "Q"}, token_for(other)) == ["FORBIDDEN"]
    admin = await member(db, role="ADMIN")
    done = await payload(api, SET_SUPERVISION, sup, token_for(admin))
    assert done["supervises"] is True and done["supervisee"]["id"] == gid("Person", mentee.id)
    loop = {"input": {"supervisorId": gid("Person", mentee.id), "superviseeId": gid("Person", mentor.id)}}
    assert (await payload(api, SET_SUPERVISION, loop, token_for(admin)))["errors"][0][
        "field"
    ] == "superviseeId"
    created = await payload(api, CREATE_PROGRAM, {"name": "Junior Faculty"}, token_for(admin))
    assert created["program"]["memberCount"] == 0
    # Program roles: site admins and the program's admins, nobody else.
    role = {
        "input": {
            "programId": created["program"]["id"],
            "personId": gid("Person", mentor.id),
            "role": "ADMIN",
        }
    }
    assert await codes(api, SET_PROGRAM_ROLE, role, token_for(mentor)) == ["FORBIDDEN"]
    assert (await payload(api, SET_PROGRAM_ROLE, role, token_for(admin)))["program"]["memberCount"] == 1
    role["input"] |= {"personId": gid("Person", mentee.id), "role": "MEMBER"}
    by_program_admin = await payload(api, SET_PROGRAM_ROLE, role, token_for(mentor))
    assert by_program_admin["program"] == {
        "id": created["program"]["id"],
        "memberCount": 2,
        "viewerRole": "ADMIN",
    }
    listed = (await api.gql(PROGRAMS, token=token_for(mentee)))["mentoringPrograms"]
    assert [(p["name"], p["viewerRole"]) for p in listed] == [("Junior Faculty", "MEMBER"), ("P", "MEMBER")]


async def test_request_rules_and_bad_input(api: Api) -> None:
    db = api.backend
    mentee, mentor = await pair(api)
    closed = await member(db, rank="PROFESSOR", accepting=False)
    junior = await member(db, rank="RESIDENT")
    blocker = await member(db, rank="PROFESSOR")
    await network.block(db, blocker.id, mentee.id, now=NOW)

    async def problem(**input: Any) -> dict[str, Any]:
        result = await payload(api, REQUEST, {"input": input}, token_for(mentee))
        assert result["mentorship"] is None
        return dict(result["errors"][0])

    assert (await problem(mentorId=gid("Person", mentee.id)))["code"] == "BAD_USER_INPUT"
    assert (await problem(mentorId=gid("Person", closed.id)))["code"] == "CONFLICT"
    assert (await problem(mentorId=gid("Person", blocker.id)))["code"] == "NOT_FOUND"
    assert (await problem(mentorId=gid("Person", junior.id), kind="PRIMARY"))["field"] == "kind"
    assert (await problem(mentorId=gid("Person", mentor.id), kind="COMMITTEE"))["field"] == "kind"
    assert (await problem(mentorId=gid("Person", mentor.id), meetingCadenceDays=0))["field"] == "cadenceDays"
    assert (await problem(mentorId=gid("Person", mentor.id), goals="x" * 2001))["field"] == "goals"
    assert (await problem(mentorId=gid("Post", mentor.id)))["code"] == "BAD_USER_INPUT"
    assert (await problem(mentorId="garbage"))["code"] == "BAD_USER_INPUT"
    await request(api, mentee, mentor)
    assert (await problem(mentorId=gid("Person", mentor.id)))["code"] == "CONFLICT"  # already open
    peer = await payload(
        api, REQUEST, {"input": {"mentorId": gid("Person", junior.id), "kind": "PEER"}}, token_for(mentee)
    )
    assert peer["errors"] == [] and peer["mentorship"]["kind"] == "PEER"


async def test_committee_rules_invitations_and_acceptance(api: Api) -> None:
    db = api.backend
    places = Places(db)
    cardio = await places.unit("North", "Medicine", "Cardiology")
    onc = await places.unit("North", "Medicine", "Oncology")
    mentee = await member(db, cardio, rank="CLINICAL_FELLOW")
    a, b = await member(db, cardio), await member(db, cardio)
    c = await member(db, onc)
    boss = await member(db, onc)
    await programs.supervise_many(db, [(boss.id, mentee.id)], now=NOW)

    async def create(ids: list[PersonRecord], token: str, **extra: Any) -> dict[str, Any]:
        return await payload(
            api,
            CREATE_COMMITTEE,
            {
                "input": {
                    "memberIds": [gid("Person", p.id) for p in ids],
                    "name": "Career committee",
                    "goals": "Independence in 3 years",
                    **extra,
                }
            },
            token,
        )

    one_division = await create([a, b], token_for(mentee))
    assert one_division["errors"][0]["message"] == "members must come from two divisions at least"
    assert (await create([a], token_for(mentee)))["errors"][0]["field"] == "memberIds"
    in_line = await create([a, boss], token_for(mentee))
    assert "reporting line" in in_line["errors"][0]["message"]
    stranger = await member(db)
    assert await codes(
        api,
        CREATE_COMMITTEE,
        {
            "input": {
                "memberIds": [gid("Person", a.id), gid("Person", c.id)],
                "menteeId": gid("Person", mentee.id),
            }
        },
        token_for(stranger),
    ) == ["FORBIDDEN"]

    made = await create([a, c], token_for(mentee))
    committee = made["committee"]
    assert made["errors"] == [] and committee["status"] == "FORMING"
    assert sorted(s["status"] for s in committee["members"]) == ["REQUESTED", "REQUESTED"]
    assert (await create([b, c], token_for(mentee)))["errors"][0]["code"] == "CONFLICT"
    invited = [n for n in await notifications(api, a) if n["kind"] == "COMMITTEE_INVITATION"]
    assert invited[0]["mentoringCommittee"]["id"] == committee["id"]
    seat_a = invited[0]["mentorship"]
    assert seat_a["status"] == "REQUESTED"

    accepted = await payload(api, RESPOND, {"id": seat_a["id"], "decision": "ACCEPT"}, token_for(a))
    assert accepted["mentorship"]["committee"]["id"] == committee["id"]
    seat_c = next(n for n in await notifications(api, c) if n["kind"] == "COMMITTEE_INVITATION")["mentorship"]
    await payload(api, RESPOND, {"id": seat_c["id"], "decision": "ACCEPT"}, token_for(c))
    seen_by_a = (await api.gql(COMMITTEE_NODE, {"id": committee["id"]}, token=token_for(a)))["node"]
    assert seen_by_a["status"] == "ACTIVE"
    c_seat = next(s for s in seen_by_a["members"] if s["mentor"]["id"] == gid("Person", c.id))
    assert c_seat["goals"] is None  # another member's seat: who sits there, not its goals
    assert (await api.gql(COMMITTEE_NODE, {"id": committee["id"]}, token=token_for(stranger)))["node"] is None
    mentee_view = (await api.gql(PERSON, {"id": gid("Person", mentee.id)}, token=token_for(mentee)))["node"]
    assert mentee_view["mentoringCommittee"]["id"] == committee["id"]

    more = await payload(
        api,
        INVITE,
        {"input": {"committeeId": committee["id"], "personId": gid("Person", b.id)}},
        token_for(mentee),
    )
    assert len(more["committee"]["members"]) == 3
    assert await codes(
        api,
        INVITE,
        {"input": {"committeeId": committee["id"], "personId": gid("Person", b.id)}},
        token_for(a),
    ) == ["FORBIDDEN"]
    dissolved = await payload(api, DISSOLVE, {"id": committee["id"]}, token_for(mentee))
    assert dissolved["committee"]["status"] == "DISSOLVED"
    assert sorted(s["status"] for s in dissolved["committee"]["members"]) == ["ENDED", "ENDED", "WITHDRAWN"]
    assert "COMMITTEE_DISSOLVED" in [n["kind"] for n in await notifications(api, b)]


async def test_board_of_advisors_is_the_mentees_alone(api: Api) -> None:
    db = api.backend
    mentee, mentor = await pair(api)
    outside = await payload(
        api,
        ADD_ADVISOR,
        {
            "input": {
                "role": "PERSONAL",
                "name": "Grace Hopper",
                "email": " Grace@Example.COM ",
                "note": "Sister",
            }
        },
        token_for(mentee),
    )
    assert outside["advisor"] == {
        "id": outside["advisor"]["id"],
        "role": "PERSONAL",
        "name": "Grace Hopper",
        "email": "grace@example.com",
        "note": "Sister",
        "person": None,
        "mentorship": None,
    }
    invited = await payload(
        api,
        ADD_ADVISOR,
        {"input": {"role": "RESEARCH", "personId": gid("Person", mentor.id)}},
        token_for(mentee),
    )
    advisor = invited["advisor"]
    assert advisor["person"]["id"] == gid("Person", mentor.id)
    assert advisor["mentorship"]["kind"] == "BOARD" and advisor["mentorship"]["status"] == "REQUESTED"
    board = (await api.gql(PERSON, {"id": gid("Person", mentee.id)}, token=token_for(mentee)))["node"]
    assert [a["id"] for a in board["boardOfAdvisors"]] == [outside["advisor"]["id"], advisor["id"]]
    for viewer in (mentor, await member(db, role="ADMIN")):
        assert (await api.gql(ADVISOR_NODE, {"id": outside["advisor"]["id"]}, token=token_for(viewer)))[
            "node"
        ] is None
        seen = (await api.gql(PERSON, {"id": gid("Person", mentee.id)}, token=token_for(viewer)))["node"]
        assert seen["boardOfAdvisors"] is None
        body = (await api.post(PERSON, {"id": gid("Person", mentee.id)}, token=token_for(viewer))).text
        assert "grace@example.com" not in body
    (seat,) = [n for n in await notifications(api, mentor) if n["kind"] == "MENTORSHIP_REQUESTED"]
    await payload(api, RESPOND, {"id": seat["mentorship"]["id"], "decision": "ACCEPT"}, token_for(mentor))
    bad = await payload(
        api, ADD_ADVISOR, {"input": {"role": "CAREER", "name": "X", "email": "nope"}}, token_for(mentee)
    )
    assert bad["errors"][0]["field"] == "email"
    assert (await payload(api, REMOVE_ADVISOR, {"id": advisor["id"]}, token_for(mentor)))["errors"][0][
        "code"
    ] == "NOT_FOUND"
    removed = await payload(api, REMOVE_ADVISOR, {"id": advisor["id"]}, token_for(mentee))
    assert removed["removedAdvisorId"] == advisor["id"]
    assert "MENTORSHIP_ENDED" in [n["kind"] for n in await notifications(api, mentor)]


async def test_mentor_recommendations_over_graphql(api: Api) -> None:
    db = api.backend
    places = Places(db)
    north = await places.unit("North", "Medicine", "Cardiology")
    south = await places.unit("South", "Medicine", "Cardiology")
    mentee = await grant_writing_mentee(db, north, ["Heart Failure", "Cardio-Oncology"])
    best = await member(
        db,
        south,
        rank="ASSOCIATE_PROFESSOR",
        interests=["Heart Failure", "Cardio-Oncology"],
        offers=["Grant Writing"],
    )
    busy = await member(
        db,
        south,
        rank="PROFESSOR",
        capacity=1,
        interests=["Heart Failure", "Cardio-Oncology"],
        offers=["Grant Writing"],
    )
    await mentorship(db, busy, await member(db, rank="RESIDENT"))
    await member(db, north, rank="PROFESSOR", interests=["Heart Failure"])
    found = (await api.gql(RECOMMEND, {"input": {"kind": "PRIMARY"}}, token=token_for(mentee)))[
        "mentorRecommendations"
    ]
    assert found[0]["person"]["id"] == gid("Person", best.id)
    assert gid("Person", busy.id) not in [r["person"]["id"] for r in found]
    texts = [r["text"] for r in found[0]["reasons"]]
    assert "shares 2 research interests: Cardio-Oncology and Heart Failure" in texts
    assert "offers Grant Writing, which you seek" in texts
    assert texts[-1] == "Associate Professor, Cardiology, a different hospital"
    assert abs(found[0]["score"] - sum(r["points"] for r in found[0]["reasons"])) < 1e-3
    points = [r["points"] for r in found[0]["reasons"][:-1]]
    assert points == sorted(points, reverse=True)  # largest share first, the place line last
    cross = await api.gql(RECOMMEND, {"input": {"crossHospitalOnly": True}}, token=token_for(mentee))
    assert [r["person"]["id"] for r in cross["mentorRecommendations"]] == [gid("Person", best.id)]
    on_behalf = {"input": {"menteeId": gid("Person", mentee.id)}}
    assert await codes(api, RECOMMEND, on_behalf, token_for(best)) == ["FORBIDDEN"]
    admin = await member(db, role="ADMIN")
    assert (await api.gql(RECOMMEND, on_behalf, token=token_for(admin)))["mentorRecommendations"][0][
        "person"
    ]["id"] == gid("Person", best.id)
    assert await codes(api, RECOMMEND, {"input": {"first": 500}}, token_for(mentee)) == ["BAD_USER_INPUT"]
    assert await codes(api, RECOMMEND, {"input": {}}, None) == ["UNAUTHENTICATED"]
    peers = (await api.gql(COLLABORATORS, token=token_for(best)))["collaboratorRecommendations"]
    assert gid("Person", mentee.id) in [r["person"]["id"] for r in peers]


async def test_permissions_on_milestones_and_committees(api: Api) -> None:
    db = api.backend
    places = Places(db)
    cardio, onc = (
        await places.unit("N", "Medicine", "Cardiology"),
        await places.unit("N", "Medicine", "Oncology"),
    )
    mentee = await member(db, cardio, rank="RESIDENT")
    mentor, other = await member(db, cardio), await member(db, onc)
    m = await request(api, mentee, mentor)
    await payload(api, RESPOND, {"id": m["id"], "decision": "ACCEPT"}, token_for(mentor))
    milestone = {"input": {"mentorshipId": m["id"], "title": "Paper"}}
    refused = await payload(api, ADD_MILESTONE, milestone, token_for(other))
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"] and refused["milestone"] is None
    added = await payload(api, ADD_MILESTONE, milestone, token_for(mentee))
    ms_id = added["milestone"]["id"]
    assert (await payload(api, COMPLETE_MILESTONE, {"id": ms_id}, token_for(other)))["errors"][0][
        "code"
    ] == "NOT_FOUND"
    admin = await member(db, role="ADMIN")
    assert await codes(api, COMPLETE_MILESTONE, {"id": ms_id}, token_for(admin)) == ["FORBIDDEN"]
    assert (await payload(api, COMPLETE_MILESTONE, {"id": ms_id}, token_for(mentor)))["milestone"][
        "completed"
    ]
    empty = await payload(
        api, ADD_MILESTONE, {"input": {"mentorshipId": m["id"], "title": "  "}}, token_for(mentee)
    )
    assert empty["errors"][0]["field"] == "title"

    # A program admin forms a committee for their mentee; its members cannot dissolve it.
    program = await programs.create_program(
        db, id="k", name="K", description=None, viewer_id=admin.id, now=NOW
    )
    await programs.set_role(db, program.id, other.id, "ADMIN", now=NOW, viewer_id=admin.id)
    await programs.set_role(db, program.id, mentee.id, "MEMBER", now=NOW, viewer_id=admin.id)
    members = [await member(db, cardio), await member(db, onc)]
    made = await payload(
        api,
        CREATE_COMMITTEE,
        {
            "input": {
                "menteeId": gid("Person", mentee.id),
                "memberIds": [gid("Person", p.id) for p in members],
            }
        },
        token_for(other),
    )
    assert made["errors"] == [] and made["committee"]["createdBy"]["id"] == gid("Person", other.id)
    assert made["committee"]["mentee"]["id"] == gid("Person", mentee.id)
    committee = made["committee"]["id"]
    assert await codes(api, DISSOLVE, {"id": committee}, token_for(members[0])) == ["FORBIDDEN"]
    assert (await payload(api, DISSOLVE, {"id": committee}, token_for(mentor)))["errors"][0][
        "code"
    ] == "NOT_FOUND"
    assert (await payload(api, DISSOLVE, {"id": committee}, token_for(other)))["committee"][
        "status"
    ] == "DISSOLVED"
