"""The connections FalkorDB's statements travel on: a few pipelined RESP connections per
process, parsed by hiredis, instead of redis-py's pool.

redis-py spends ~75 us of CPU around each command (a pool checkout under a lock, a timeout
wrapper per read, its response callbacks); a statement here costs one write and one
callback when the reply arrives. Each connection carries any number of commands at once:
replies come back in the order the commands were written (RESP), so each is matched to the
oldest waiting command. A command goes to an idle connection when there is one, else to a
new connection while there are fewer than `size`, else to the least busy one (FalkorDB
answers one connection's commands in turn, so up to `size` statements run in parallel).

Failures look like redis-py's, for graph_db.falkordb.translate_error: error replies become
the same exception classes (redis-py's own parser maps them) and are raised, a lost or unreachable server
`redis.exceptions.ConnectionError`, a reply later than `timeout` seconds
`redis.exceptions.TimeoutError` (the connection is then closed: what it carried fails with
it, and later commands open a new one). A caller cancelled while it waits leaves its reply
to be read and dropped; the connection stays usable.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import hiredis
import redis.exceptions as redis_errors
from redis._parsers.base import BaseParser
from redis.connection import parse_url

Opener = Callable[[Callable[[], asyncio.Protocol]], Awaitable[tuple[asyncio.BaseTransport, Any]]]


def pack(args: Sequence[str | int]) -> bytes:
    """One command in RESP: an array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg.encode() if isinstance(arg, str) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class _Connection(asyncio.Protocol):
    """One pipelined connection: commands written in order, replies matched in order."""

    def __init__(self) -> None:
        # asyncio's or uvloop's (whose transports are not asyncio.Transport subclasses).
        self.transport: Any = None
        self.pending: deque[asyncio.Future[Any]] = deque()
        self.failure: Exception | None = None
        self._parser = hiredis.Reader(
            encoding="utf-8", replyError=BaseParser.parse_error,
            protocolError=redis_errors.InvalidResponse,
        )

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._parser.feed(data)
        try:
            while (reply := self._parser.gets()) is not False:
                waiter = self.pending.popleft()
                if not waiter.done():  # its caller may have been cancelled
                    waiter.set_result(reply)
        except Exception as exc:  # noqa: BLE001 - a reply we cannot read: the stream is lost
            self.fail(redis_errors.ConnectionError(f"unreadable reply from the database: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(redis_errors.ConnectionError("the database closed the connection"))

    def send(self, payload: bytes) -> asyncio.Future[Any]:
        assert self.transport is not None
        waiter = asyncio.get_running_loop().create_future()
        self.pending.append(waiter)
        self.transport.write(payload)
        return waiter

    def fail(self, exc: Exception) -> None:
        """Close the connection; every command it still carries fails with `exc`."""
        if self.failure is None:
            self.failure = exc
        if self.transport is not None:
            self.transport.abort()
        while self.pending:
            waiter = self.pending.popleft()
            if not waiter.done():
                waiter.set_exception(self.failure)

    def expire(self, waiter: asyncio.Future[Any], seconds: float) -> None:
        if not waiter.done():
            self.fail(redis_errors.TimeoutError(f"no reply from the database in {seconds:g}s"))


class PipelinedPool:
    """Up to `size` pipelined connections opened by `opener`; `hello` commands (AUTH,
    SELECT) run first on each."""

    def __init__(
        self, opener: Opener, *, size: int, timeout: float,
        hello: Sequence[Sequence[str | int]] = (),
    ) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one connection")
        self._opener = opener
        self._size = size
        self._timeout = timeout
        self._hello = [pack(command) for command in hello]
        self._connections: list[_Connection] = []
        self._opening: list[asyncio.Future[_Connection]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def for_unix_socket(cls, path: str, *, size: int, timeout: float) -> PipelinedPool:
        async def opener(factory: Callable[[], asyncio.Protocol]) -> tuple[asyncio.BaseTransport, Any]:
            return await asyncio.get_running_loop().create_unix_connection(factory, path)

        return cls(opener, size=size, timeout=timeout)

    @classmethod
    def for_url(cls, url: str, *, size: int, timeout: float) -> PipelinedPool:
        """redis://, rediss:// (TLS) or unix://, with an optional user, password and
        database, read by redis-py's own URL parser (so both clients of one URL agree)."""
        scheme = urlsplit(url).scheme
        if scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"not a redis://, rediss:// or unix:// URL: {scheme}://")
        options: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        context = ssl.create_default_context() if scheme == "rediss" else None

        async def opener(factory: Callable[[], asyncio.Protocol]) -> tuple[asyncio.BaseTransport, Any]:
            loop = asyncio.get_running_loop()
            if scheme == "unix":
                return await loop.create_unix_connection(factory, options["path"])
            return await loop.create_connection(
                factory, options.get("host", "localhost"), options.get("port", 6379), ssl=context
            )

        hello: list[list[str | int]] = []
        if options.get("password") is not None:
            hello.append(["AUTH", *([options["username"]] if options.get("username") else []),
                          options["password"]])
        if options.get("db"):
            hello.append(["SELECT", options["db"]])
        return cls(opener, size=size, timeout=timeout, hello=hello)

    async def execute(self, *args: str | int) -> Any:
        """Send one command; its reply, or the error it is (raised)."""
        connection = await self._connection()
        waiter = connection.send(pack(args))
        timer = asyncio.get_running_loop().call_later(
            self._timeout, connection.expire, waiter, self._timeout
        )
        try:
            reply = await waiter
        finally:
            timer.cancel()
        if isinstance(reply, redis_errors.RedisError):
            raise reply
        return reply

    async def _connection(self) -> _Connection:
        while True:
            chosen = self._pick()
            if chosen is None:
                return await self._open()
            if not isinstance(chosen, asyncio.Future):
                return chosen
            try:
                return await asyncio.shield(chosen)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if chosen.cancelled() and task is not None and not task.cancelling():
                    continue  # the caller opening it was cancelled, not this one: pick again
                raise

    def _pick(self) -> _Connection | asyncio.Future[_Connection] | None:
        """An idle connection; else None while one more may be opened (the caller opens
        it); else the least busy connection, or one still opening when none is open."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # connections belong to the loop that opened them
            self._loop = loop
            self._connections = []
            self._opening = []
        live = [c for c in self._connections if c.failure is None]
        if len(live) != len(self._connections):
            self._connections = live
        for connection in live:
            if not connection.pending:
                return connection
        if len(live) + len(self._opening) < self._size:
            return None
        if live:
            return min(live, key=lambda c: len(c.pending))
        return self._opening[0]

    async def _open(self) -> _Connection:
        opened: asyncio.Future[_Connection] = asyncio.get_running_loop().create_future()
        self._opening.append(opened)
        try:
            connection = await self._connect()
        except asyncio.CancelledError:
            opened.cancel()  # those waiting for it pick again
            raise
        except BaseException as exc:
            opened.set_exception(exc)
            opened.exception()  # whoever waits on it sees it; nobody need
            raise
        finally:
            self._opening.remove(opened)
        self._connections.append(connection)
        opened.set_result(connection)
        return connection

    async def _connect(self) -> _Connection:
        try:
            _, connection = await asyncio.wait_for(self._opener(_Connection), self._timeout)
        except (TimeoutError, OSError) as exc:
            raise redis_errors.ConnectionError(f"cannot reach the database: {exc}") from exc
        assert isinstance(connection, _Connection)
        try:
            for command in self._hello:
                reply = await asyncio.wait_for(connection.send(command), self._timeout)
                if isinstance(reply, redis_errors.RedisError):
                    raise reply
        except BaseException as exc:  # refused, timed out or cancelled: not left open
            connection.fail(redis_errors.ConnectionError(f"the database refused the connection: {exc}"))
            raise
        return connection

    @property
    def open_connections(self) -> int:
        """Connections open now (not lost, not closed)."""
        return sum(1 for c in self._connections if c.failure is None)

    async def close(self) -> None:
        connections, self._connections = self._connections, []
        for connection in connections:
            connection.fail(redis_errors.ConnectionError("the pool was closed"))
        await asyncio.sleep(0)  # the transports finish closing in the next loop turn
