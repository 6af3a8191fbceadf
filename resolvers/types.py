"""Types the long-lived services and the resolvers share.

This module imports nothing from `resolvers`, so that `services` and `context` can use
what is here without importing the resolver modules that use them in turn (an
import-linter contract in pyproject.toml keeps it so).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any, Protocol

Event = dict[str, Any]  # JSON-serialisable; what resolvers.bus publishes


class EventBus(Protocol):
    async def publish(self, channel: str, event: Event) -> None:
        """Send `event` to every current subscriber of `channel`, on every replica."""
        ...

    def subscribe(self, channel: str) -> AsyncGenerator[Event, None]:
        """The events of `channel` from now on; closing the iterator unsubscribes."""
        ...

    def on_gap(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever events may have been lost (the connection dropped)."""
        ...
