"""One operation sent as a member (or signed out): its single payload, or the code it is refused with."""

from __future__ import annotations

from typing import Any

from graph_db.people_records import PersonRecord
from tests.api.conftest import Api
from tests.factories import token_for


async def call(api: Api, query: str, variables: dict[str, Any], who: PersonRecord | None) -> dict[str, Any]:
    """The single root field's payload (top-level errors fail the test)."""
    data = await api.gql(query, variables, token=token_for(who) if who else None)
    (payload,) = data.values()
    assert isinstance(payload, dict)
    return payload


async def refused(api: Api, query: str, variables: dict[str, Any], who: PersonRecord | None) -> str:
    """The code of the top-level errors an operation gets (exactly one code)."""
    response = await api.post(query, variables, token=token_for(who) if who else None)
    assert response.status_code == 200, response.text
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert len(codes) == 1, codes
    return str(codes.pop())
