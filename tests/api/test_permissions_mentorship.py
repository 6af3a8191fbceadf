"""Mentorship permissions over HTTP (issue 12): every mutation and private read by every kind
of actor, on one world per engine. Refusals answer their code and change nothing at all;
allowed runs are read back from the graph (tests/api/permissions.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from graph_db.mentorship import programs
from schema.base import from_global_id
from tests.api import permissions as p
from tests.api.conftest import Api
from tests.api.permissions import HIDDEN, Case, Served, World, check, engine, served, table
from tests.factories import token_for
from tests.mentoring import NOW, Places, member, mentorship

__all__ = ["engine", "served"]

ACTORS = ["signed_out", "stranger", "mentee", "mentor", "requester", "program_admin", "admin",
          "suspended"]
SIGNED_IN = frozenset(a for a in ACTORS if a not in ("signed_out", "suspended"))
PARTIES = frozenset({"mentee", "mentor"})
# The active mentorship (mentor and mentee): who does not see it at all.
OUTSIDERS = {"stranger": "NOT_FOUND", "requester": "NOT_FOUND"}
# The requester's committee: who does not see it.
COMMITTEE_HIDDEN = dict.fromkeys(("stranger", "mentee", "mentor"), "NOT_FOUND")


async def build(api: Api) -> World:
    db = api.backend
    places = Places(db)
    cardio = await places.unit("North", "Medicine", "Cardiology")
    onc = await places.unit("North", "Medicine", "Oncology")
    w = World()
    w.people = {
        "stranger": await member(db, rank=None),
        "mentee": await member(db, cardio, rank="RESIDENT", accepting=False, capacity=0),
        "mentor": await member(db, cardio, rank="PROFESSOR", capacity=5),
        "requester": await member(db, cardio, rank="RESIDENT", accepting=False, capacity=0),
        "program_admin": await member(db, rank=None),
        "admin": await member(db, rank=None, role="ADMIN"),
        "suspended": await member(db, rank=None, suspendedUntil=4_000_000_000_000),
    }
    people = w.people
    # Not actors: a senior mentor to ask, and committee candidates in two divisions.
    senior = await member(db, onc, rank="PROFESSOR", capacity=5)
    seats = [await member(db, cardio), await member(db, onc), await member(db, onc)]
    w.ids |= {"senior": senior.id, "seat_a": seats[0].id, "seat_b": seats[1].id,
              "seat_c": seats[2].id}
    w.ids["active"] = await mentorship(db, people["mentor"], people["mentee"], goals="Secret goals")
    w.ids["requested"] = await mentorship(db, people["mentor"], people["requester"], accept=False)
    program = await programs.create_program(db, id="program-p", name="Fellows", description=None,
                                            viewer_id=people["admin"].id, now=NOW)
    w.ids["program"] = program.id
    for actor, role in (("program_admin", "ADMIN"), ("mentee", "MEMBER"), ("requester", "MEMBER")):
        await programs.set_role(db, program.id, people[actor].id, role, now=NOW,
                                viewer_id=people["admin"].id)

    async def made(query: str, variables: dict[str, Any], actor: str, path: str) -> str:
        data = await api.gql(query, variables, token=token_for(people[actor]))
        (payload,) = data.values()
        assert payload["errors"] == [], payload
        return str(from_global(payload[path]["id"]))

    active = w.gid("Mentorship", "active")
    w.ids["milestone"] = await made(ADD_MILESTONE, {"input": {"mentorshipId": active, "title": "Paper"}},
                                    "mentee", "milestone")
    w.ids["meeting"] = await made(LOG_MEETING, {"input": {
        "mentorshipId": active, "date": TODAY, "notes": "Secret notes"}},
        "mentor", "meeting")
    w.ids["committee"] = await made(CREATE_COMMITTEE, {"input": {
        "memberIds": [w.gid("Person", "seat_a"), w.gid("Person", "seat_b")], "name": "Career"}},
        "requester", "committee")
    w.ids["advisor"] = await made(ADD_ADVISOR, {"input": {
        "role": "PERSONAL", "name": "Grace Hopper", "email": "grace@example.com"}},
        "mentee", "advisor")
    return w


def from_global(global_id: str) -> str:
    return from_global_id(global_id)[1]


def m(name: str, input_type: str, selection: str = "__typename") -> str:
    return (f"mutation($input: {input_type}!) {{ {name}(input: $input) "
            f"{{ {selection} errors {{ field code }} }} }}")


ADD_MILESTONE = m("addMentorshipMilestone", "AddMentorshipMilestoneInput", "milestone { id }")
LOG_MEETING = m("logMentorshipMeeting", "LogMentorshipMeetingInput", "meeting { id }")
CREATE_COMMITTEE = m("createMentoringCommittee", "CreateMentoringCommitteeInput", "committee { id }")
ADD_ADVISOR = m("addAdvisor", "AddAdvisorInput", "advisor { id }")
TODAY = datetime.fromtimestamp(NOW / 1000, tz=UTC).isoformat().replace("+00:00", "Z")
NODE = "query($id: ID!) { node(id: $id) { id %s } }"


def node_shows(field_: str, value: object) -> Any:
    return lambda data: (data.get("node") or {}).get(field_) == value


def status_is(name: str, status: str) -> Any:
    return f"MATCH (m:Mentorship {{id: ${name}}}) RETURN m.status = '{status}' AS v"


CASES = [
    Case("requestMentorship",
         m("requestMentorship", "RequestMentorshipInput"),
         lambda w: {"input": {"mentorId": w.gid("Person", "senior"), "kind": "PEER",
                              "goals": "Asked"}},
         SIGNED_IN,
         effect="OPTIONAL MATCH (m:Mentorship {goals: 'Asked'}) RETURN count(m) = 1 AS v"),
    Case("respondToMentorship",
         m("respondToMentorship", "RespondToMentorshipInput"),
         lambda w: {"input": {"id": w.gid("Mentorship", "requested"), "decision": "ACCEPT"}},
         frozenset({"mentor"}), effect=status_is("requested", "ACTIVE"),
         codes={"stranger": "NOT_FOUND", "mentee": "NOT_FOUND"}),
    Case("respondToMentorship decline",
         m("respondToMentorship", "RespondToMentorshipInput"),
         lambda w: {"input": {"id": w.gid("Mentorship", "requested"), "decision": "DECLINE"}},
         frozenset({"mentor"}), effect=status_is("requested", "DECLINED"),
         codes={"stranger": "NOT_FOUND", "mentee": "NOT_FOUND"}),
    Case("withdrawMentorshipRequest",
         m("withdrawMentorshipRequest", "MentorshipIdInput"),
         lambda w: {"input": {"id": w.gid("Mentorship", "requested")}},
         frozenset({"requester", "program_admin", "admin"}),
         effect=status_is("requested", "WITHDRAWN"),
         codes={"stranger": "NOT_FOUND", "mentee": "NOT_FOUND"}),
    Case("endMentorship",
         m("endMentorship", "EndMentorshipInput"),
         lambda w: {"input": {"id": w.gid("Mentorship", "active"), "reason": "Done"}},
         PARTIES | {"program_admin", "admin"}, effect=status_is("active", "ENDED"), codes=OUTSIDERS),
    Case("updateMentorship",
         m("updateMentorship", "UpdateMentorshipInput"),
         lambda w: {"input": {"id": w.gid("Mentorship", "active"), "goals": "New goals"}},
         PARTIES, codes=OUTSIDERS,
         effect="MATCH (m:Mentorship {id: $active}) RETURN m.goals = 'New goals' AS v"),
    Case("logMentorshipMeeting", LOG_MEETING,
         lambda w: {"input": {"mentorshipId": w.gid("Mentorship", "active"),
                              "date": TODAY, "notes": "Second"}},
         PARTIES, codes=OUTSIDERS,
         effect="OPTIONAL MATCH (x:Meeting {notes: 'Second'}) RETURN count(x) = 1 AS v"),
    Case("addMentorshipMilestone", ADD_MILESTONE,
         lambda w: {"input": {"mentorshipId": w.gid("Mentorship", "active"), "title": "Grant"}},
         PARTIES, codes=OUTSIDERS,
         effect="OPTIONAL MATCH (x:Milestone {title: 'Grant'}) RETURN count(x) = 1 AS v"),
    Case("completeMentorshipMilestone",
         m("completeMentorshipMilestone", "CompleteMentorshipMilestoneInput"),
         lambda w: {"input": {"id": w.gid("Milestone", "milestone")}},
         PARTIES, codes=OUTSIDERS,
         effect="MATCH (x:Milestone {id: $milestone}) RETURN x.completedAt IS NOT NULL AS v"),
    Case("createMentoringCommittee for the mentee", CREATE_COMMITTEE,
         lambda w: {"input": {"menteeId": w.person("mentee"), "name": "Mentee's",
                              "memberIds": [w.gid("Person", "seat_a"), w.gid("Person", "seat_c")]}},
         frozenset({"mentee", "program_admin", "admin"}),
         effect="OPTIONAL MATCH (c:Committee {name: \"Mentee's\"}) RETURN count(c) = 1 AS v"),
    Case("inviteCommitteeMember",
         m("inviteCommitteeMember", "InviteCommitteeMemberInput"),
         lambda w: {"input": {"committeeId": w.gid("MentoringCommittee", "committee"),
                              "personId": w.gid("Person", "seat_c")}},
         frozenset({"requester", "program_admin", "admin"}), codes=COMMITTEE_HIDDEN,
         effect="MATCH (c:Committee {id: $committee}), (x:Person {id: $seat_c}) "
                "RETURN size([(x)-[:MENTOR_IN]->(:Mentorship)-[:PART_OF]->(c) | 1]) = 1 AS v"),
    Case("dissolveMentoringCommittee",
         m("dissolveMentoringCommittee", "CommitteeIdInput"),
         lambda w: {"input": {"id": w.gid("MentoringCommittee", "committee")}},
         frozenset({"requester", "program_admin", "admin"}), codes=COMMITTEE_HIDDEN,
         effect="MATCH (c:Committee {id: $committee}) RETURN c.dissolvedAt IS NOT NULL AS v"),
    Case("addAdvisor", ADD_ADVISOR,
         lambda w: {"input": {"role": "CAREER", "name": "Outside Adviser", "email": "o@example.org"}},
         SIGNED_IN,
         effect="OPTIONAL MATCH (a:Advisor {name: 'Outside Adviser'}) RETURN count(a) = 1 AS v"),
    Case("removeAdvisor", m("removeAdvisor", "AdvisorIdInput"),
         lambda w: {"input": {"id": w.gid("Advisor", "advisor")}},
         frozenset({"mentee"}), codes=dict.fromkeys(SIGNED_IN, "NOT_FOUND"),
         effect="OPTIONAL MATCH (a:Advisor {id: $advisor}) RETURN count(a) = 0 AS v"),
    Case("setSupervision", m("setSupervision", "SetSupervisionInput"),
         lambda w: {"input": {"supervisorId": w.gid("Person", "senior"),
                              "superviseeId": w.person("stranger")}},
         frozenset({"admin"}),
         effect="MATCH (a:Person {id: $senior}), (b:Person {id: $stranger_id}) "
                "RETURN size([(a)-[:SUPERVISES]->(b) | 1]) = 1 AS v"),
    Case("createMentoringProgram", m("createMentoringProgram", "CreateMentoringProgramInput"),
         lambda w: {"input": {"name": "Junior Faculty"}}, frozenset({"admin"}),
         effect="OPTIONAL MATCH (x:Program {name: 'Junior Faculty'}) RETURN count(x) = 1 AS v"),
    Case("setMentoringProgramRole", m("setMentoringProgramRole", "SetMentoringProgramRoleInput"),
         lambda w: {"input": {"programId": w.gid("MentoringProgram", "program"),
                              "personId": w.person("stranger"), "role": "MEMBER"}},
         frozenset({"program_admin", "admin"}),
         effect="MATCH (x:Program {id: $program}), (s:Person {id: $stranger_id}) "
                "RETURN size([(s)-[]-(x) | 1]) > 0 AS v"),
    # -- private reads --------------------------------------------------------------------------
    Case("mentorship goals", NODE % "... on Mentorship { goals }",
         lambda w: {"id": w.gid("Mentorship", "active")},
         PARTIES | {"program_admin", "admin"}, shown=node_shows("goals", "Secret goals"),
         codes={"signed_out": HIDDEN, "stranger": HIDDEN, "requester": HIDDEN}),
    Case("meeting notes", NODE % "... on Meeting { notes }",
         lambda w: {"id": w.gid("Meeting", "meeting")},
         PARTIES, shown=node_shows("notes", "Secret notes"),
         codes=dict.fromkeys(("signed_out", "stranger", "requester", "program_admin", "admin"),
                             HIDDEN)),
    Case("board of advisors",
         "query($id: ID!) { node(id: $id) { ... on Person { boardOfAdvisors { name } } } }",
         lambda w: {"id": w.person("mentee")},
         frozenset({"mentee"}),
         shown=lambda data: bool((data.get("node") or {}).get("boardOfAdvisors")),
         codes=dict.fromkeys(SIGNED_IN | {"signed_out"}, HIDDEN)),
    Case("committee", NODE % "... on MentoringCommittee { status }",
         lambda w: {"id": w.gid("MentoringCommittee", "committee")},
         frozenset({"requester", "program_admin", "admin"}),
         shown=lambda data: data.get("node") is not None,
         codes=dict.fromkeys(SIGNED_IN | {"signed_out"}, HIDDEN)),
]


@pytest.mark.parametrize(("case", "actor"), table(CASES, ACTORS))
async def test_mentorship_permissions(served: Served, case: Case, actor: str) -> None:
    await check(served, case, actor)


def test_every_mentorship_mutation_is_in_the_table() -> None:
    from schema.mentorship.operations import MentorshipMutation

    assert p.untested_mutations(MentorshipMutation, CASES) == set()
