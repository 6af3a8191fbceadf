"""The per-request context every resolver receives."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graph_db.backend import Executor
from graph_db.people_records import PersonRecord
from graph_db.policy import ADMIN, SITE_STAFF_ROLES

if TYPE_CHECKING:
    from resolvers.loaders import Loaders
    from resolvers.services import Services
    from resolvers.sessions import SessionCheck


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: the signed-in person's id and site role, as of this request.

    `person` is right about role and suspension; `fresh` says it was read for this request
    (not kept from an earlier one by resolvers.sessions), so it may stand in for a load.
    With a `check`, the token's session is not checked yet and the role is assumed (a query
    runs so, and is refused or run again once the check has answered: resolvers.sessions).
    """

    id: str
    role: str
    person: PersonRecord | None = None
    fresh: bool = True
    check: SessionCheck | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_moderator(self) -> bool:
        return self.role in SITE_STAFF_ROLES


@dataclass
class Context:
    """Database executor (causal for the viewer), viewer, fresh loaders, and services."""

    db: Executor
    services: Services
    loaders: Loaders
    viewer: Viewer | None = None
    request_id: str = ""
    client_ip: str = ""
    connection_params: dict[str, Any] | None = None  # graphql-transport-ws connection_init payload
    started: float = field(default_factory=time.perf_counter)

    def now_ms(self) -> int:
        return self.services.clock()
