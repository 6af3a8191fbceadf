"""The access rules of resolvers.policy over a person's standing in a group."""

from __future__ import annotations

from typing import Any

import pytest

from graph_db.groups.records import GroupAccessRecord
from resolvers.context import Viewer
from resolvers.policy import can_see_content, may_invite, may_join, moderates, owns

MEMBER, SITE_MODERATOR, ADMIN = Viewer("m", "MEMBER"), Viewer("s", "MODERATOR"), Viewer("a", "ADMIN")


def access(**fields: Any) -> GroupAccessRecord:
    return GroupAccessRecord(groupId="g", **fields)


@pytest.mark.parametrize(("viewer", "fields", "expected"), [
    (MEMBER, {"role": "OWNER"}, True),
    (MEMBER, {"role": "MODERATOR"}, True),
    (MEMBER, {"role": "MEMBER"}, False),
    (MEMBER, {}, False),
    (MEMBER, {"role": "MODERATOR", "banned": True}, False),  # the stricter rule, both layers
    (SITE_MODERATOR, {}, True),
    (ADMIN, {"banned": True}, True),
])
def test_moderates(viewer: Viewer, fields: dict[str, Any], expected: bool) -> None:
    assert moderates(viewer, access(**fields)) is expected


def test_moderates_without_a_group_is_staff_only() -> None:
    assert moderates(SITE_MODERATOR, None) and not moderates(MEMBER, None)


def test_owns() -> None:
    assert owns(MEMBER, access(role="OWNER")) and owns(ADMIN, access())
    assert not owns(SITE_MODERATOR, access(role="MODERATOR"))


@pytest.mark.parametrize(("fields", "expected"), [
    ({"visibility": "PUBLIC"}, True),
    ({"visibility": "PUBLIC", "banned": True}, False),
    ({"visibility": "PRIVATE"}, False),
    ({"visibility": "PRIVATE", "role": "MEMBER"}, True),
])
def test_can_see_content(fields: dict[str, Any], expected: bool) -> None:
    assert can_see_content(access(**fields)) is expected
    assert not can_see_content(None)


def test_joining_and_inviting() -> None:
    assert may_join(access(visibility="PUBLIC"))
    assert not may_join(access(visibility="PUBLIC", banned=True))
    assert not may_join(access(visibility="PRIVATE"))
    assert may_join(access(visibility="PRIVATE", invited=True))
    assert may_invite(MEMBER, access(visibility="PUBLIC", role="MEMBER"))
    assert not may_invite(MEMBER, access(visibility="PRIVATE", role="MEMBER"))
    assert may_invite(MEMBER, access(visibility="PRIVATE", role="MODERATOR"))
