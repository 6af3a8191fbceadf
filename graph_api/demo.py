"""Demo data for `make run`: loaded once, into an empty database."""

from __future__ import annotations

import logging

from graph_api.config import Settings
from graph_db import people
from graph_db.backend import Backend
from graph_db.seed import seed_people

log = logging.getLogger("graph_api.demo")


async def load_demo(backend: Backend, settings: Settings) -> None:
    if await people.count_people(backend) > 0:
        return
    created = await seed_people(backend, settings.demo_people)
    log.info("demo network loaded", extra={"people": created})
