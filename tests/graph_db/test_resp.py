"""graph_db.resp: statements pipelined on a few connections, on the embedded server (the
replies) and on a raw socket peer that misbehaves on purpose (lost, silent, garbled)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import redis.exceptions as redis_errors

from graph_db.embedded import EmbeddedFalkorDB
from graph_db.falkordb import decode_result, render
from graph_db.resp import PipelinedPool, pack


def _echo(n: int) -> list[str]:
    return ["GRAPH.RO_QUERY", "resp_test", render("RETURN $n AS n", {"n": n}), "--compact"]


@pytest.fixture
async def graph(falkordb_server: EmbeddedFalkorDB) -> AsyncIterator[str]:
    pool = PipelinedPool.for_unix_socket(falkordb_server.unix_socket, size=1, timeout=10)
    await pool.execute("GRAPH.QUERY", "resp_test", "MERGE (:Probe)")
    yield falkordb_server.unix_socket
    await pool.execute("GRAPH.DELETE", "resp_test")
    await pool.close()


@pytest.fixture
async def pool_of(graph: str) -> AsyncIterator[Callable[[int], PipelinedPool]]:
    """Pools on the embedded server, of a given size; closed when the test ends."""
    opened: list[PipelinedPool] = []

    def pool_of(size: int) -> PipelinedPool:
        opened.append(PipelinedPool.for_unix_socket(graph, size=size, timeout=10))
        return opened[-1]

    yield pool_of
    for pool in opened:
        await pool.close()


async def test_many_commands_on_one_connection_each_get_their_own_reply(
    pool_of: Callable[[int], PipelinedPool],
) -> None:
    pool = pool_of(1)
    replies = await asyncio.gather(*(pool.execute(*_echo(n)) for n in range(300)))
    assert [decode_result(r) for r in replies] == [[{"n": n}] for n in range(300)]
    assert pool.open_connections == 1


async def test_connections_open_while_busy_up_to_the_size(
    pool_of: Callable[[int], PipelinedPool],
) -> None:
    pool = pool_of(3)
    await asyncio.gather(*(pool.execute(*_echo(n)) for n in range(50)))
    assert pool.open_connections == 3
    await pool.execute(*_echo(1))  # idle ones are reused, none opened
    assert pool.open_connections == 3


async def test_an_error_reply_is_raised_and_the_connection_goes_on(
    pool_of: Callable[[int], PipelinedPool],
) -> None:
    pool = pool_of(1)
    with pytest.raises(redis_errors.ResponseError):
        await pool.execute("GRAPH.RO_QUERY", "resp_test", "RETURN RETURN", "--compact")
    with pytest.raises(redis_errors.ResponseError, match="unknown command"):
        await pool.execute("NO.SUCH.COMMAND")
    assert decode_result(await pool.execute(*_echo(7))) == [{"n": 7}]
    assert pool.open_connections == 1


async def test_a_cancelled_caller_leaves_its_reply_to_be_dropped(
    pool_of: Callable[[int], PipelinedPool],
) -> None:
    pool = pool_of(1)
    await pool.execute(*_echo(0))  # the connection is open: the next command is written at once
    slow = asyncio.ensure_future(pool.execute(
        "GRAPH.RO_QUERY", "resp_test", "UNWIND range(1, 300000) AS x RETURN count(x) AS n", "--compact",
    ))
    await asyncio.sleep(0)  # written
    slow.cancel()
    after = await pool.execute(*_echo(42))  # behind it on the same connection
    assert decode_result(after) == [{"n": 42}]
    assert slow.cancelled()
    assert pool.open_connections == 1


async def test_waiting_for_a_connection_whose_opener_was_cancelled_opens_another(
    pool_of: Callable[[int], PipelinedPool],
) -> None:
    pool = pool_of(1)
    first = asyncio.ensure_future(pool.execute(*_echo(1)))
    await asyncio.sleep(0)  # opening the pool's one connection
    second = asyncio.ensure_future(pool.execute(*_echo(2)))  # waits for that connection
    await asyncio.sleep(0)
    first.cancel()
    assert decode_result(await second) == [{"n": 2}]


# -- a peer that misbehaves ---------------------------------------------------------------

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


STOP = asyncio.Event()  # set when a test ends: the peer's handlers return


@pytest.fixture
async def peer(tmp_path: Path) -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.AbstractServer] = []
    handlers: list[asyncio.Task[None]] = []
    STOP.clear()

    async def start(handler: Handler) -> str:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.append(asyncio.current_task())  # type: ignore[arg-type]
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                pass
            finally:
                writer.close()

        path = str(tmp_path / f"peer{len(servers)}.sock")
        servers.append(await asyncio.start_unix_server(serve, path))
        return path

    yield start
    STOP.set()
    await asyncio.gather(*handlers, return_exceptions=True)
    for server in servers:
        server.close()
        await server.wait_closed()


async def _read_command(reader: asyncio.StreamReader) -> list[bytes]:
    count = int((await reader.readline())[1:])
    args = []
    for _ in range(count):
        size = int((await reader.readline())[1:])
        args.append((await reader.readexactly(size + 2))[:-2])
    return args


async def test_a_lost_connection_fails_what_it_carried_and_the_next_command_reconnects(
    peer: Callable[[Handler], Awaitable[str]],
) -> None:
    served: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(1)
        await _read_command(reader)
        if len(served) == 1:
            return  # the first connection dies with a command on it
        writer.write(b"+PONG\r\n")
        await writer.drain()
        await STOP.wait()

    pool = PipelinedPool.for_unix_socket(await peer(handler), size=1, timeout=5)
    with pytest.raises(redis_errors.ConnectionError):
        await pool.execute("PING")
    assert await pool.execute("PING") == "PONG"
    assert len(served) == 2
    await pool.close()


async def test_a_silent_server_times_out(peer: Callable[[Handler], Awaitable[str]]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_command(reader)
        writer.write(b"+PONG\r\n")  # the first command is answered: the connection is open
        await writer.drain()
        await _read_command(reader)
        await STOP.wait()

    # The timeout also bounds the first answer: generous, for a loaded machine.
    pool = PipelinedPool.for_unix_socket(await peer(handler), size=1, timeout=5)
    assert await pool.execute("PING") == "PONG"
    with pytest.raises(redis_errors.TimeoutError):
        await pool.execute("PING")
    assert pool.open_connections == 0  # closed: a late reply cannot be misread
    await pool.close()


async def test_a_garbled_reply_loses_the_connection(peer: Callable[[Handler], Awaitable[str]]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_command(reader)
        writer.write(b"?not resp\r\n")
        await writer.drain()
        await STOP.wait()

    pool = PipelinedPool.for_unix_socket(await peer(handler), size=1, timeout=5)
    with pytest.raises(redis_errors.ConnectionError, match="unreadable"):
        await pool.execute("PING")
    await pool.close()


async def test_an_unreachable_server_is_a_connection_error(tmp_path: Path) -> None:
    pool = PipelinedPool.for_unix_socket(str(tmp_path / "nobody.sock"), size=1, timeout=1)
    with pytest.raises(redis_errors.ConnectionError, match="cannot reach"):
        await pool.execute("PING")


async def test_a_url_signs_in_and_selects_before_the_first_command() -> None:
    seen: list[list[bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                seen.append(await _read_command(reader))
                writer.write(b"+OK\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ValueError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        pool = PipelinedPool.for_url(f"redis://app:s%40cret@127.0.0.1:{port}/3", size=1, timeout=5)
        assert await pool.execute("PING") == "OK"
        assert seen == [[b"AUTH", b"app", b"s@cret"], [b"SELECT", b"3"], [b"PING"]]
        await pool.close()
    finally:
        server.close()
        await server.wait_closed()


def test_commands_are_packed_as_arrays_of_bulk_strings() -> None:
    assert pack(["GET", "k", 12]) == b"*3\r\n$3\r\nGET\r\n$1\r\nk\r\n$2\r\n12\r\n"
    assert pack(["SET", "é"]) == b"*2\r\n$3\r\nSET\r\n$2\r\n\xc3\xa9\r\n"


def test_under_uvloop_as_the_service_runs(falkordb_server: EmbeddedFalkorDB) -> None:
    """uvicorn serves on uvloop, whose transports are not asyncio's classes."""
    import uvloop

    async def main() -> list[object]:
        pool = PipelinedPool.for_url(f"unix://{falkordb_server.unix_socket}?db=0", size=2, timeout=10)
        try:
            await pool.execute("GRAPH.QUERY", "resp_uvloop", "MERGE (:Probe)")
            replies = await asyncio.gather(*(
                pool.execute("GRAPH.RO_QUERY", "resp_uvloop", render("RETURN $n AS n", {"n": n}), "--compact")
                for n in range(20)
            ))
            await pool.execute("GRAPH.DELETE", "resp_uvloop")
            return [decode_result(r)[0]["n"] for r in replies]
        finally:
            await pool.close()

    loop = uvloop.new_event_loop()
    try:
        assert loop.run_until_complete(main()) == list(range(20))
    finally:
        loop.close()


async def test_a_refused_sign_in_leaves_no_connection_open(
    peer: Callable[[Handler], Awaitable[str]],
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_command(reader)
        writer.write(b"-WRONGPASS invalid username-password pair\r\n")
        await writer.drain()
        await STOP.wait()

    pool = PipelinedPool.for_url(f"unix://:wrong@{await peer(handler)}", size=1, timeout=5)
    with pytest.raises(redis_errors.AuthenticationError, match="invalid username-password pair"):
        await pool.execute("PING")
    assert pool.open_connections == 0
    await pool.close()


async def test_every_error_reply_is_raised_not_returned(peer: Callable[[Handler], Awaitable[str]]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for reply in (b"-NOAUTH Authentication required.", b"-NOPERM no", b"-ERR bad"):
            await _read_command(reader)
            writer.write(reply + b"\r\n")
            await writer.drain()
        await STOP.wait()

    pool = PipelinedPool.for_unix_socket(await peer(handler), size=1, timeout=5)
    for error in (redis_errors.AuthenticationError, redis_errors.NoPermissionError,
                  redis_errors.ResponseError):
        with pytest.raises(error):
            await pool.execute("PING")
    await pool.close()


async def test_a_unix_url_selects_its_database(peer: Callable[[Handler], Awaitable[str]]) -> None:
    seen: list[list[bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while not STOP.is_set():
            seen.append(await _read_command(reader))
            writer.write(b"+OK\r\n")
            await writer.drain()

    path = await peer(handler)
    pool = PipelinedPool.for_url(f"unix://:pw@{path}?db=2", size=1, timeout=5)
    assert await pool.execute("PING") == "OK"
    assert seen == [[b"AUTH", b"pw"], [b"SELECT", b"2"], [b"PING"]]
    await pool.close()
