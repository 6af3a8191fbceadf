"""Connection-level protection under uvicorn: what a request or a socket may cost before
the application sees it.

- A connection must send a complete request head within `request_head_timeout_seconds`
  (the first request, and each next one on a kept-alive connection); silent and slowloris
  connections are closed. uvicorn itself only times out idle kept-alive connections.
- At most `max_connections_per_address` open connections (HTTP and WebSocket) per client
  address (IPv6 by /64); over it a connection gets 503 and is closed. Addresses in
  `trusted_proxies` are exempt: behind a load balancer every connection comes from it,
  and the balancer is where per-client connection limits belong.
- WebSocket messages are capped at `max_body_bytes` (uvicorn's default is 16 MiB), and the
  first message, which graphql-transport-ws requires to be `connection_init`, at
  PRE_INIT_MESSAGE_BYTES: an anonymous socket cannot make the server hold a big message.
- Messages above SMALL_MESSAGE_BYTES share one budget per server, LARGE_MESSAGE_BYTES_PER_SECOND:
  over it, a socket's big message waits before the app reads (and decodes) it, and the
  socket is not read meanwhile (TCP pushes back). Decoding JSON holds the event loop, so
  without this a few sockets sending big messages back to back stall every client.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from graph_api.config import Settings
from graph_api.ratelimit import client_key

PRE_INIT_MESSAGE_BYTES = 64 * 1024
SMALL_MESSAGE_BYTES = 64 * 1024  # graphql-transport-ws messages are rarely bigger
LARGE_MESSAGE_BYTES_PER_SECOND = 2_000_000
_TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 38\r\nretry-after: 5\r\nconnection: close\r\n\r\n"
    b"too many connections from this address"
)


class ConnectionLimits:
    """Open connections per client address, shared by one server's protocols."""

    def __init__(self, max_per_address: int, trusted: tuple[str, ...] = ()) -> None:
        self.max_per_address = max_per_address
        self.trusted = frozenset(trusted)
        self.open: Counter[str] = Counter()

    def acquire(self, host: str) -> tuple[bool, str | None]:
        """Whether `host` may open one more connection, and the slot to release (if counted)."""
        if host in self.trusted or self.max_per_address <= 0:
            return True, None
        key = client_key(host)
        if self.open[key] >= self.max_per_address:
            return False, None
        self.open[key] += 1
        return True, key

    def release(self, key: str | None) -> None:
        if key is not None:
            self.open[key] -= 1
            if self.open[key] <= 0:
                del self.open[key]


class ByteBudget:
    """A token bucket of bytes per second (one burst of `rate` bytes), shared by sockets."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.clock = rate, clock
        self.available = rate
        self.updated = clock()

    def spend(self, size: int) -> float:
        """Take `size` bytes; the seconds to wait before using them (0 within the budget)."""
        now = self.clock()
        self.available = min(self.rate, self.available + (now - self.updated) * self.rate)
        self.updated = now
        self.available -= size
        return 0.0 if self.available >= 0 else -self.available / self.rate


class HeadWithBody:
    """The transport as one response sees it: the response's head (status line and headers)
    is held until the body's first write and goes out with it, in one write.

    uvicorn writes a response's head when the app starts it and the body when the app sends
    it: two system calls per response, two TCP segments, and often two reads for the client.
    Starlette sends both without waiting in between, so nothing is delayed. A 1xx
    (100 Continue) passes at once; a close first writes what is held. Not used for HEAD,
    whose response has no body to carry the head."""

    __slots__ = ("_transport", "_head", "_held")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None
        self._held = False  # only the first final response's head is held

    def write(self, data: bytes) -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        elif not self._held and not data.startswith(b"HTTP/1.1 1"):
            self._held = True
            self._head = data
            return
        self._transport.write(data)

    def flush(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-head deadline and the per-address cap,
    writing each response in one write (`HeadWithBody`)."""

    limits: ConnectionLimits
    head_timeout: float

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._slot: str | None = None
        self._upgraded = False
        admitted, self._slot = self.limits.acquire(self.client[0] if self.client else "")
        if not admitted:
            transport.write(_TOO_MANY)
            transport.close()
            return
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._disarm()
        before = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        # A new request's cycle (not an upgrade to a WebSocket, which makes none).
        if cycle is not None and cycle is not before and self.scope["method"] != "HEAD":
            cycle.transport = HeadWithBody(self.transport)  # type: ignore[assignment]

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request on this kept-alive connection gets the same deadline (unless a
        # pipelined one has already started).
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()
        self._upgraded = True
        super().handle_websocket_upgrade()
        protocol = self.transport.get_protocol()
        if isinstance(protocol, GuardedWebSocketProtocol):
            protocol.slot, self._slot = self._slot, None  # the socket releases it when it closes

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.limits.release(self._slot)
        self._slot = None
        super().connection_lost(exc)


class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol: a small cap on the first message, big ones paced."""

    slot: str | None = None
    budget: ByteBudget | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn.max_message_size = min(PRE_INIT_MESSAGE_BYTES, self.config.ws_max_size)
        self._first = True
        self._wait = 0.0

    def send_receive_event_to_app(self) -> None:
        size = sum(len(frame) for frame in self.frames)
        if size > SMALL_MESSAGE_BYTES and self.budget is not None:
            self._wait += self.budget.spend(size)
        super().send_receive_event_to_app()
        if self._first:
            self._first = False
            self.conn.max_message_size = self.config.ws_max_size

    async def receive(self) -> Any:
        # Reading stays paused while the app has not taken the message (uvicorn's flow
        # control), so waiting here also stops this socket's sender.
        if self._wait > 0:
            wait, self._wait = self._wait, 0.0
            await asyncio.sleep(wait)
        return await super().receive()

    def connection_lost(self, exc: Exception | None) -> None:
        slot, self.slot = self.slot, None
        if self.limits is not None:
            self.limits.release(slot)
        super().connection_lost(exc)

    limits: ConnectionLimits | None = None


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config keyword arguments for the protections above (one server's state)."""
    limits = ConnectionLimits(settings.max_connections_per_address, settings.trusted_proxies)
    http = type(
        "GraphApiHttpProtocol", (GuardedHttpProtocol,),
        {"limits": limits, "head_timeout": settings.request_head_timeout_seconds},
    )
    ws = type(
        "GraphApiWebSocketProtocol", (GuardedWebSocketProtocol,),
        {"limits": limits, "budget": ByteBudget(LARGE_MESSAGE_BYTES_PER_SECOND)},
    )
    return {"http": http, "ws": ws, "ws_max_size": settings.max_body_bytes}
