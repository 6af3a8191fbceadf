"""Long-lived collaborators the resolvers use, created once in the app's lifespan."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph_db.backend import Backend
from resolvers.oidc import OidcVerifier
from resolvers.sessions import SessionCache
from resolvers.signin import Accounts
from resolvers.types import EventBus


def epoch_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Limits:
    max_page_size: int = 100


@dataclass
class Services:
    """The backend plus process-wide helpers; per-request state lives in Context instead.

    Built complete, once, by graph_api.app's lifespan (the CLI builds its own). `extras` is
    the one part filled in later: a component the lifespan starts registers what resolvers
    need of it there once it runs (graph_api.mail: the messaging options, the delivery
    worker's wake-up), so it is empty until then and in tests that start no such component.
    """

    backend: Backend
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], int] = epoch_ms
    accounts: Accounts | None = None  # password sign-in and local tokens (resolvers.signin)
    oidc: OidcVerifier | None = None  # institutional SSO, when an OIDC issuer is configured
    bus: EventBus | None = None  # pub/sub for subscriptions (graph_api.pubsub; resolvers.bus)
    sessions: SessionCache | None = None  # signed-in sessions kept between requests (resolvers.sessions)
    extras: dict[str, Any] = field(default_factory=dict)
    public_url: str = "http://127.0.0.1:8000"  # where links handed out (calendar files) point
    link_secret: str = ""  # signs links that work without signing in (resolvers.programs.calendar)
    read_plans: bool = True  # read a page's root object and what it shows in one statement
