"""Event buses for subscriptions (resolvers.types.EventBus).

`RedisEventBus` fans events out through Redis pub/sub, so a subscriber connected to one
replica hears what another replica published. One pub/sub connection per process carries
every channel this process listens to (subscribing per WebSocket would cost a Redis
connection per subscriber). The embedded FalkorDB server is a Redis server, so the
default setup needs nothing extra. `LocalEventBus` is the same fan-out within one process.

Each subscriber has a bounded queue; a subscriber too slow to keep up loses its oldest
events rather than growing memory (delivery is best effort, see resolvers.bus).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, Callable
from typing import Any

from graph_db.resp import PipelinedPool
from resolvers.types import Event

log = logging.getLogger("graph_api.pubsub")

# Seconds a PUBLISH may take; past it the event is lost (delivery is best effort, and the
# subscriber refetches: resolvers.bus).
PUBLISH_TIMEOUT = 2.0


class _Fanout:
    def __init__(self, *, queue_size: int = 256) -> None:
        self.queue_size = queue_size
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = {}
        self._listening: set[str] = set()
        self._lock = asyncio.Lock()
        self._gap_callbacks: list[Callable[[], None]] = []
        self.dropped = 0

    def on_gap(self, callback: Callable[[], None]) -> None:
        self._gap_callbacks.append(callback)

    def _gap(self) -> None:
        for callback in self._gap_callbacks:
            callback()

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def _deliver(self, channel: str, event: Event) -> None:
        for queue in self._subscribers.get(channel, ()):
            if queue.full():
                queue.get_nowait()
                self.dropped += 1
            queue.put_nowait(event)

    async def subscribe(self, channel: str) -> AsyncGenerator[Event, None]:
        queue: asyncio.Queue[Event] = asyncio.Queue(self.queue_size)
        self._subscribers.setdefault(channel, set()).add(queue)
        try:
            await self._sync(channel)
            while True:
                yield await queue.get()
        finally:
            subscribers = self._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[channel]
            # Shielded: this runs while the subscription's task is being cancelled.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(self._sync(channel))

    async def _sync(self, channel: str) -> None:
        """Listen to `channel` exactly while it has local subscribers (serialised)."""
        async with self._lock:
            wanted = channel in self._subscribers
            if wanted and channel not in self._listening:
                await self._listen(channel)
                self._listening.add(channel)
            elif not wanted and channel in self._listening:
                self._listening.discard(channel)
                await self._unlisten(channel)

    async def _listen(self, channel: str) -> None:
        pass

    async def _unlisten(self, channel: str) -> None:
        pass


class LocalEventBus(_Fanout):
    """Subscribers of this process only: enough for a single replica."""

    async def publish(self, channel: str, event: Event) -> None:
        # Round-trip through JSON so both buses accept and deliver exactly the same events.
        self._deliver(channel, json.loads(json.dumps(event)))

    async def close(self) -> None:
        self._subscribers.clear()


class RedisEventBus(_Fanout):
    """Redis pub/sub shared by every replica. Listening takes redis-py's pub/sub connection
    (`client`); publishing, one command per notifying write, goes on `publisher`, a pipelined
    connection (graph_db.resp): a write and a callback, where redis-py's pool costs ~0.1 ms
    of CPU a command."""

    def __init__(
        self, client: Any, publisher: PipelinedPool, *,
        prefix: str = "graph_api:events:", queue_size: int = 256,
    ) -> None:
        super().__init__(queue_size=queue_size)
        self.client = client
        self.publisher = publisher
        self.prefix = prefix
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisEventBus:
        from redis.asyncio import Redis

        return cls(
            Redis.from_url(url), PipelinedPool.for_url(url, size=1, timeout=PUBLISH_TIMEOUT), **kwargs
        )

    async def publish(self, channel: str, event: Event) -> None:
        await self.publisher.execute("PUBLISH", self.prefix + channel, json.dumps(event))

    async def _listen(self, channel: str) -> None:
        await self._pubsub.subscribe(self.prefix + channel)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="graph_api.pubsub.reader")

    async def _unlisten(self, channel: str) -> None:
        await self._pubsub.unsubscribe(self.prefix + channel)

    async def _read(self) -> None:
        broken = False
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnects (and resubscribes) on the next read
                log.warning("event bus connection lost; retrying", extra={"error": type(exc).__name__})
                broken = True
                self._gap()
                await asyncio.sleep(1.0)
                continue
            if broken:  # reconnected: what was published while the connection was down is lost
                broken = False
                self._gap()
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            try:
                event = json.loads(message["data"])
            except ValueError:
                log.warning("undecodable event dropped", extra={"channel": channel})
                continue
            self._deliver(channel.removeprefix(self.prefix), event)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._pubsub.aclose()
        await self.client.aclose()
        await self.publisher.close()
