"""Test factories shared by every domain: people, access tokens, signed-in members.

    person = await make_person(db, role="ADMIN", title="Professor")
    token = token_for(person)                       # a real access token for the API
    member, token = await make_member(api)          # both at once, on the API's graph
"""

from __future__ import annotations

import itertools
import time
import uuid
from typing import TYPE_CHECKING, Any

from graph_api.config import Settings
from graph_db import accounts, people
from graph_db.backend import Executor
from graph_db.people_records import PersonRecord
from resolvers.signin import password_hasher
from resolvers.tokens import TokenConfig, issue_access_token
from tests.api.conftest import TEST_SETTINGS

if TYPE_CHECKING:
    from tests.api.conftest import Api

_counter = itertools.count(1)


async def make_person(db: Executor, **overrides: Any) -> PersonRecord:
    """Create a Person through the repository: unique email and name unless overridden.

    Known keys: id, email, name, role, now (epoch ms), password (also creates a password
    credential, so the person can `login`); any other key (title, bio, suspendedUntil, ...)
    is stored as a property of the node.
    """
    n = next(_counter)
    person_id = overrides.pop("id", None) or str(uuid.uuid4())
    email = overrides.pop("email", None) or f"person{n}-{uuid.uuid4().hex[:8]}@example.org"
    name = overrides.pop("name", None) or f"Test Person {n}"
    role = overrides.pop("role", "MEMBER")
    now = overrides.pop("now", None) or int(time.time() * 1000)
    password = overrides.pop("password", None)
    if password is not None:
        return await accounts.create_account(
            db, id=person_id, email=email, name=name, role=role, now=now,
            password_hash=password_hasher().hash(password), credential_id=str(uuid.uuid4()),
            extra=overrides,
        )
    return await people.create_person(
        db, id=person_id, email=email, name=name, role=role, now=now, extra=overrides
    )


def token_for(
    person: PersonRecord, settings: Settings = TEST_SETTINGS, *, now_ms: int | None = None
) -> str:
    """A real access token for `person`, signed with `settings`' secret (as the server does)."""
    config = TokenConfig.from_settings(settings)
    now = int(time.time() * 1000) if now_ms is None else now_ms
    return issue_access_token(config, person.id, now_ms=now).token


async def make_member(
    api: Api, settings: Settings = TEST_SETTINGS, **overrides: Any
) -> tuple[PersonRecord, str]:
    """A new person on the API's graph and an access token for them."""
    person = await make_person(api.backend, **overrides)
    return person, token_for(person, settings)
