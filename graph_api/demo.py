"""Demo data for `make run`: loaded once, into an empty database."""

from __future__ import annotations

import logging
import os
import secrets

from graph_api.config import Settings
from graph_db import people
from graph_db.backend import Backend
from graph_db.seed import seed_people
from resolvers.accounts import Accounts, provision_account
from resolvers.services import epoch_ms

log = logging.getLogger("graph_api.demo")


DEMO_EMAIL = "demo@example.org"


async def load_demo(backend: Backend, settings: Settings, accounts: Accounts | None = None) -> None:
    if await people.count_people(backend) == 0:
        created = await seed_people(backend, settings.demo_people)
        log.info("demo network loaded", extra={"people": created})
    if accounts is not None and not settings.is_production:
        await ensure_demo_admin(backend, settings, accounts)


def demo_password(settings: Settings) -> str:
    """The demo admin's password: generated into the data directory on first run."""
    path = settings.data_dir / "secrets" / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(12))
    return path.read_text().strip()


async def ensure_demo_admin(backend: Backend, settings: Settings, accounts: Accounts) -> None:
    """Create the demo admin once, and print how to sign in (development only, never logged)."""
    password = demo_password(settings)
    created = await provision_account(
        backend, accounts, email=DEMO_EMAIL, name="Demo Admin", password=password, role="ADMIN",
        now=epoch_ms(),
    )
    if created is not None:
        log.info("demo admin created", extra={"person_id": created.id})
    print(
        f"\n  Demo admin: {DEMO_EMAIL} / {password}  (password unless changed; stored in "
        f"{settings.data_dir / 'secrets' / 'demo_password'})\n"
        "  Sign in with the `login` mutation, then send the header "
        '{"Authorization": "Bearer <accessToken>"}.\n',
        flush=True,
    )
