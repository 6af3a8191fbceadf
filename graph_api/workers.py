"""`graph-api serve --workers N`: N processes serving one database, so every core works.

One Python process runs GraphQL on one core at a time; N worker processes share the
listening socket the supervisor (the `serve` process) bound, and the kernel hands each new
connection to one of them.

The supervisor:
- starts the embedded FalkorDB itself (its data-directory lock, its parent-death signal,
  its restarts: graph_db.embedded), or checks the configured database;
- brings the schema up to date and loads the demo network once, before any worker starts;
- starts the workers with its listening socket and waits until each says it is serving,
  then prints where to point a browser;
- restarts a worker that dies after it was serving (with a backoff); a worker that dies
  before it served is a start-up failure: the supervisor stops everything and exits 1;
- on SIGTERM or SIGINT stops the workers (each finishes its requests), then the database.
Every child dies with the supervisor, even when it is killed with SIGKILL (the kernel's
parent-death signal), so none outlives it and the data directory is free again.

A worker is `python -m graph_api.workers`: the app of graph_api.app on the inherited socket,
connected to the supervisor's database (graph_api.database.WorkerDatabase). What must hold
across workers goes through Redis (the embedded server's, or GRAPH_API_REDIS_URL): the
event bus (subscriptions, session-cache invalidation), rate-limit counters and registered
persisted queries. The Neo4j backend needs GRAPH_API_REDIS_URL for more than one worker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from graph_api.config import ConfigError, Settings
from graph_db.embedded import EmbeddedFalkorDB, EmbeddedServerError, die_with_parent

log = logging.getLogger("graph_api.workers")

_POLL_SECONDS = 0.1
_RESTART_BACKOFF = (0.5, 1.0, 2.0, 5.0)
_STOP_SECONDS = 30.0  # how long workers may take to finish their requests on a stop
_BACKLOG = 2048


def default_workers() -> int:
    """One worker per core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))


def why_one_worker(settings: Settings) -> str | None:
    """Why this configuration must be served by one process, or None."""
    if settings.backend_kind == "neo4j" and not settings.redis_url:
        return ("more than one worker with Neo4j needs GRAPH_API_REDIS_URL (rate limits and "
                "subscriptions are shared through Redis); set it, or serve with --workers 1")
    if settings.smtp_dev_sink and not settings.is_production:
        return ("the development SMTP sink keeps the mail it catches in one process's memory "
                "(/dev/mailbox); serve with --workers 1, or turn GRAPH_API_SMTP_DEV_SINK off")
    if settings.smtp_inbound_port is not None and settings.smtp_reply_domain:
        return ("the inbound SMTP listener (GRAPH_API_SMTP_INBOUND_PORT) is one process's port; "
                "serve with --workers 1, or take replies through the webhook (/mail/inbound)")
    return None


def bind(host: str, port: int) -> socket.socket:
    """The listening socket every worker inherits (as uvicorn binds its own)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(_BACKLOG)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass
class _Worker:
    index: int
    proc: subprocess.Popen[bytes] | None = None
    ready_fd: int | None = None  # the read end of the pipe the worker says "serving" on
    serving: bool = False
    restarts: int = 0
    restart_at: float | None = None  # when a dead worker is started again
    started: list[float] = field(default_factory=list)


class StartupFailed(RuntimeError):
    """A worker (or the database) could not start; what it printed says why."""


class Supervisor:
    """Runs the database (when embedded) and the workers; see the module docstring."""

    def __init__(
        self, settings: Settings, sock: socket.socket, workers: int, *, demo: bool,
        on_up: Callable[[int], None],
    ) -> None:
        self.settings = settings
        self.sock = sock
        self.workers = [_Worker(i) for i in range(workers)]
        self.demo = demo
        self.on_up = on_up
        self.server: EmbeddedFalkorDB | None = None
        self._stop = asyncio.Event()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stop.set)
        try:
            try:
                await self._prepare_database()
            except (EmbeddedServerError, ConfigError):
                raise  # one line, said by the command
            except Exception:
                log.exception("Application startup failed")  # as uvicorn says it with one worker
                raise StartupFailed("start-up failed (see the error above); exiting") from None
            for worker in self.workers:
                self._start(worker)
            await self._watch()
            return 0
        except StartupFailed as exc:
            print(f"graph-api: {exc}", file=sys.stderr, flush=True)
            return 1
        finally:
            await self._stop_workers()
            if self.server is not None:
                await self.server.stop()
            self.sock.close()

    # -- the database ---------------------------------------------------------------------

    async def _prepare_database(self) -> None:
        from graph_api.app import accounts_for
        from graph_api.database import WorkerDatabase, embedded_options, open_database
        from graph_api.demo import load_demo
        from graph_db.migrations import migrate

        if self.settings.backend_kind == "embedded":
            self.server = EmbeddedFalkorDB(embedded_options(self.settings))
            await self.server.start()
        db = await open_database(self.settings, worker=WorkerDatabase(self.embedded_socket))
        try:
            await migrate(db.backend)
            if self.demo:
                await load_demo(db.backend, self.settings, accounts_for(self.settings))
        finally:
            await db.close()

    @property
    def embedded_socket(self) -> str | None:
        return self.server.unix_socket if self.server is not None else None

    # -- the workers ----------------------------------------------------------------------

    def _command(self, worker: _Worker, ready_write: int) -> list[str]:
        command = [
            sys.executable, "-m", "graph_api.workers", "--fd", str(self.sock.fileno()),
            "--ready-fd", str(ready_write), "--index", str(worker.index),
        ]
        if self.embedded_socket is not None:
            command += ["--embedded-socket", self.embedded_socket]
        return command

    def _start(self, worker: _Worker) -> None:
        read, write = os.pipe()
        os.set_blocking(read, False)
        try:
            worker.proc = subprocess.Popen(
                self._command(worker, write), pass_fds=(self.sock.fileno(), write),
                preexec_fn=die_with_parent(os.getpid()),
                # Its own process group: a Ctrl-C reaches the supervisor alone, which then
                # stops each worker once (a second signal would cut its requests short).
                process_group=0,
            )
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        worker.ready_fd, worker.serving, worker.restart_at = read, False, None
        worker.started.append(time.monotonic())
        log.info("worker started", extra={"worker": worker.index, "pid": worker.proc.pid})

    @staticmethod
    def _said_serving(worker: _Worker) -> bool:
        if worker.ready_fd is None:
            return False
        try:
            said = os.read(worker.ready_fd, 1)
        except BlockingIOError:
            return False
        os.close(worker.ready_fd)
        worker.ready_fd = None
        return bool(said)  # b"": the worker closed the pipe without a word (it is exiting)

    async def _watch(self) -> None:
        announced = False
        while not self._stop.is_set():
            now = time.monotonic()
            for worker in self.workers:
                if worker.proc is None:
                    if worker.restart_at is not None and now >= worker.restart_at:
                        self._start(worker)
                    continue
                if not worker.serving and self._said_serving(worker):
                    worker.serving = True
                    worker.restarts = 0
                    log.info("worker serving", extra={"worker": worker.index, "pid": worker.proc.pid})
                code = worker.proc.poll()
                if code is None:
                    continue
                self._reap(worker)
                if not worker.serving:
                    raise StartupFailed(
                        f"worker {worker.index} exited with {code} before it served "
                        "(see the error above); exiting"
                    )
                delay = _RESTART_BACKOFF[min(worker.restarts, len(_RESTART_BACKOFF) - 1)]
                worker.restarts += 1
                worker.restart_at = now + delay
                log.warning("worker died; restarting it", extra={
                    "worker": worker.index, "exit_code": code, "restart_in_seconds": delay,
                })
            if not announced and all(w.serving for w in self.workers):
                announced = True
                self.on_up(len(self.workers))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), _POLL_SECONDS)

    @staticmethod
    def _reap(worker: _Worker) -> None:
        if worker.ready_fd is not None:
            os.close(worker.ready_fd)
        worker.proc, worker.ready_fd = None, None

    async def _stop_workers(self) -> None:
        running = [w.proc for w in self.workers if w.proc is not None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _STOP_SECONDS
        for proc in running:
            try:
                await asyncio.to_thread(proc.wait, max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker did not stop in time; killing it", extra={"pid": proc.pid})
                proc.kill()
                await asyncio.to_thread(proc.wait)
        for worker in self.workers:
            self._reap(worker)


# -- a worker -------------------------------------------------------------------------------


def _worker_main(argv: list[str] | None = None) -> int:
    import uvicorn

    from graph_api import heap
    from graph_api.app import create_app
    from graph_api.connections import server_options
    from graph_api.database import WorkerDatabase
    from graph_api.logs import configure_logging

    parser = argparse.ArgumentParser(prog="graph_api.workers")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--embedded-socket")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"graph-api worker: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, json_logs=settings.log_json)
    sock = socket.socket(fileno=args.fd)
    app = create_app(settings, worker=WorkerDatabase(args.embedded_socket))
    ready_fd = args.ready_fd

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                heap.settle()
                with contextlib.suppress(OSError):
                    os.write(ready_fd, b"s")
                os.close(ready_fd)

    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", **server_options(settings),
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
    )
    server = Server(config)
    try:
        server.run(sockets=[sock])
    except SystemExit:
        pass  # uvicorn exits with 3 when the lifespan's start-up failed (it said why)
    except OSError as exc:
        if exc.errno != errno.EBADF:
            raise
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(_worker_main())
