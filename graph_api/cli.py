"""`graph-api serve | migrate | seed | import | mail-in | export-schema`."""

from __future__ import annotations

import argparse
import asyncio
import errno
import fcntl
import logging
import socket
import sys
import time
from pathlib import Path
from typing import Any

from graph_api.config import ConfigError, Settings
from graph_api.logs import configure_logging
from graph_api.workers import default_workers, why_one_worker
from graph_db.embedded import EmbeddedServerError, prepare_data_dir, stop_all
from graph_db.errors import BackendUnavailable

log = logging.getLogger("graph_api.cli")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        print(f"graph-api: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def busy(settings: Settings, host: str, port: int, *, wait: float = 3.0) -> str | None:
    """Why another instance keeps this one from starting (its port, its data directory)."""
    if port:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            try:
                probe.bind((host, port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    return None  # uvicorn will say what it is
                return (f"port {port} on {host} is already in use (is graph-api already running? "
                        "stop it with Ctrl-C, or set GRAPH_API_PORT)")
    lock = settings.data_dir / "graph-api.lock"
    if settings.backend_kind != "embedded" or not lock.exists():
        return None
    with lock.open("r") as fh:
        deadline = time.monotonic() + wait  # a stopped predecessor's database may still be flushing
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                holder = fh.read(64).strip() or "unknown"
                return (f"data directory {settings.data_dir} is in use by another graph-api "
                        f"(pid {holder}): stop it with Ctrl-C, or set GRAPH_API_DATA_DIR")
            fcntl.flock(fh, fcntl.LOCK_UN)
            return None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from graph_api import heap
    from graph_api.app import create_app
    from graph_api.connections import server_options

    settings = _settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    if settings.backend_kind == "embedded":
        prepare_data_dir(settings.data_dir)  # an unwritable directory: one line, before anything
    if reason := busy(settings, host, port):  # a second `make run`: one plain line, no traceback
        print(f"graph-api: cannot start: {reason}", file=sys.stderr)
        return 1
    workers = default_workers() if args.workers is None else args.workers
    if workers > 1 and (reason := why_one_worker(settings)):
        if args.workers is not None:
            print(f"graph-api: cannot start: {reason}", file=sys.stderr)
            return 1
        log.info("serving with one worker", extra={"reason": reason})
        workers = 1
    if workers > 1:
        return _serve_workers(settings, host, port, workers, demo=args.demo)
    try:
        app = create_app(settings, demo=args.demo)
    except OSError as exc:
        print(f"graph-api: cannot start: {exc}", file=sys.stderr)
        return 1

    class Server(uvicorn.Server):
        async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
            await super().startup(sockets)
            if self.started:
                heap.settle()
                bound = self.servers[0].sockets[0].getsockname()[1] if self.servers else port
                _say_up(settings, host, bound)

    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="on",
        # Request-head deadline, connections per address, WebSocket message caps.
        **server_options(settings),
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
    )
    server = Server(config)
    try:
        server.run()
    except (EmbeddedServerError, ConfigError) as exc:
        print(f"graph-api: {exc}", file=sys.stderr)
        return 1
    except SystemExit:
        pass  # uvicorn exits with 3 when the lifespan's start-up failed: said below
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it already handled by shutting down cleanly
    finally:
        # A start-up that failed after the embedded database was up never reached the
        # lifespan's shutdown: stop that child here, whatever failed, so none outlives us.
        stop_all()
    if not server.started:
        print("graph-api: start-up failed (see the error above); exiting", file=sys.stderr)
        return 1
    return 0


def _say_up(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    base = f"http://{host}:{port}"
    where = "GraphiQL" if settings.graphiql else "GraphQL endpoint"
    processes = f", {workers} workers" if workers > 1 else ""
    print(f"\n  graph-api is up: {where} at {base}/graphql  (health: {base}/health{processes})\n",
          flush=True)


def _serve_workers(settings: Settings, host: str, port: int, workers: int, *, demo: bool) -> int:
    """`serve --workers N` (graph_api.workers)."""
    from graph_api.workers import Supervisor, bind

    try:
        settings = settings.with_secrets()  # made once here, read by every worker
        sock = bind(host, port)
    except OSError as exc:
        print(f"graph-api: cannot start: {exc}", file=sys.stderr)
        return 1
    bound = sock.getsockname()[1]
    supervisor = Supervisor(
        settings, sock, workers, demo=demo, on_up=lambda n: _say_up(settings, host, bound, n),
    )
    try:
        return asyncio.run(supervisor.run())
    except (EmbeddedServerError, ConfigError) as exc:
        print(f"graph-api: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all()


def cmd_migrate(args: argparse.Namespace) -> int:
    from graph_api.database import open_database

    async def run() -> None:
        db = await open_database(_settings())
        await db.close()

    asyncio.run(run())
    print("schema up to date")
    return 0


class ProgressBar:
    """A progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.reported = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        if self.tty:
            filled = int(fraction * 30)
            self.stream.write(
                f"\r{self.label:<12} [{'#' * filled}{'.' * (30 - filled)}] {fraction:6.1%} "
                f"{done}/{total}  {rate:,.0f}/s"
            )
            if done >= total:
                self.stream.write("\n")
        elif int(fraction * 10) > self.reported:
            self.reported = int(fraction * 10)
            self.stream.write(f"{self.label}: {done}/{total} ({fraction:.0%}, {rate:,.0f}/s)\n")
        self.stream.flush()


def cmd_seed(args: argparse.Namespace) -> int:
    from graph_api.database import open_database
    from graph_db.seed import DEFAULT_NOW, seed_content, seed_network
    from graph_db.seed_messages import seed_conversations

    if args.directory_csv:
        from graph_db.seed import write_directory_csv

        rows = write_directory_csv(Path(args.directory_csv), args.people, seed=args.seed)
        print(f"wrote {rows} synthetic directory rows to {args.directory_csv}")
        return 0
    if args.conversations and args.messages and args.messages < args.conversations:
        print("graph-api: --messages must give every conversation at least one message",
              file=sys.stderr)
        return 2
    bars: dict[str, ProgressBar] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bars.setdefault(stage, ProgressBar(stage))(done, total)

    async def run() -> Any:
        db = await open_database(_settings())
        try:
            people = await seed_network(
                db.backend, args.people, seed=args.seed, progress=progress, follows=args.follows
            )
            content = await seed_content(
                db.backend, groups=args.groups, posts=args.posts, likes=args.likes,
                mentorships=args.mentorships, seed=args.seed, progress=progress,
            )
            messages = await seed_conversations(
                db.backend, args.conversations, args.messages or 10 * args.conversations,
                seed=args.seed, now=DEFAULT_NOW, progress=progress,
            )
            return people, content, messages
        finally:
            await db.close()

    started = time.perf_counter()
    summary, content, messages = asyncio.run(run())
    print(
        f"seeded {summary.people} people ({summary.created} new, {summary.updated} updated), "
        f"{summary.connections} connections, {summary.follows} follows, "
        f"{summary.units_created} units and {summary.terms_created} terms added "
        f"in {summary.seconds:.1f} s"
    )
    if args.groups or args.posts or args.mentorships:
        print(
            f"seeded {content.groups} groups, {content.posts} posts, {content.comments} comments, "
            f"{content.likes} likes, {content.mentorships} mentorships in {content.seconds:.1f} s"
        )
    if args.conversations:
        print(f"seeded {args.conversations} conversations with {messages} messages "
              f"({time.perf_counter() - started:.1f} s in all)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from graph_api.database import open_database
    from graph_db.importer import import_people
    from resolvers.services import epoch_ms

    path = Path(args.file)
    if not path.is_file():
        print(f"graph-api: no such file: {path}", file=sys.stderr)
        return 2
    started = time.perf_counter()

    async def run() -> Any:
        nonlocal started
        db = await open_database(_settings())
        started = time.perf_counter()  # the import itself, without opening the database
        try:
            return await import_people(
                db.backend, path, fmt=args.format, now=epoch_ms(), create_units=args.create_units,
                batch_size=args.batch_size, progress=ProgressBar("importing"),
            )
        finally:
            await db.close()

    report = asyncio.run(run())
    shown = report.problems[: args.max_problems]
    for problem in shown:
        where = f" {problem.field}" if problem.field else ""
        print(f"line {problem.line}{where}: {problem.message}", file=sys.stderr)
    if len(report.problems) > len(shown):
        print(f"... and {len(report.problems) - len(shown)} more problems", file=sys.stderr)
    if report.ignored_columns:
        print(f"ignored columns: {', '.join(report.ignored_columns)}", file=sys.stderr)
    print(
        f"{report.rows} rows: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.skipped} skipped"
        + (f"; {report.units_created} units added" if report.units_created else "")
        + (f"; {report.terms_created} vocabulary terms added" if report.terms_created else "")
        + f" ({time.perf_counter() - started:.1f} s)"
    )
    return 1 if report.skipped else 0


# sysexits(3): what an MTA's pipe transport understands (75: keep the mail queued and retry;
# other non-zero codes: bounce it to the sender with our stderr line).
EX_DATAERR, EX_NOUSER, EX_SOFTWARE, EX_TEMPFAIL, EX_NOPERM, EX_CONFIG = 65, 67, 70, 75, 77, 78
MAIL_IN_EXITS = {
    "TOO_LARGE": EX_DATAERR, "MALFORMED": EX_DATAERR, "EMPTY": EX_DATAERR,
    "FORGED": EX_NOUSER, "SENDER": EX_NOUSER, "AUTOMATIC": EX_NOPERM, "REFUSED": EX_NOPERM,
    "DISABLED": EX_CONFIG, "UNAVAILABLE": EX_TEMPFAIL,
}


def _read_stdin(limit: int) -> bytes:
    """Up to `limit` + 1 bytes of stdin; the rest of a larger mail is read and dropped, so
    the MTA's write never fails on a closed pipe."""
    stream = sys.stdin.buffer
    data = stream.read(limit + 1)
    if len(data) > limit:
        while stream.read(1 << 16):
            pass
    return data


def cmd_mail_in(args: argparse.Namespace) -> int:
    """One inbound reply on stdin, posted as its member; a sysexits code says what happened."""
    import os

    from graph_api.database import open_database
    from graph_api.mail.compose import MailConfig
    from graph_api.mail.inbound import Replies, ReplyRefused
    from graph_api.pubsub import RedisEventBus
    from resolvers.services import Services

    # Logs go to the MTA's log through our one stderr line; only errors beyond it.
    configure_logging("ERROR", json_logs=False)
    try:
        settings = Settings.from_env().with_secrets()
    except ConfigError as exc:
        print(f"graph-api mail-in: {exc}", file=sys.stderr)
        return EX_CONFIG
    if not settings.smtp_reply_domain:
        print("graph-api mail-in: replies by email are not enabled (set GRAPH_API_SMTP_REPLY_DOMAIN)",
              file=sys.stderr)
        return EX_CONFIG
    data = _read_stdin(settings.smtp_inbound_max_bytes)
    # The envelope: from the arguments (Postfix pipe: ${sender} ${original_recipient}), else
    # from what local delivery exports; with no envelope sender, the From header alone counts.
    recipients = args.recipient or [
        os.environ[name] for name in ("ORIGINAL_RECIPIENT", "RECIPIENT") if os.environ.get(name)
    ][:1]
    sender = args.sender if args.sender is not None else os.environ.get("SENDER", "")

    async def run() -> str:
        db = await open_database(settings, run_migrations=False)  # the service migrates
        # Subscribers of the running service hear of the message through the shared Redis.
        bus_url = db.redis_url or settings.redis_url
        bus = RedisEventBus.from_url(
            bus_url, prefix=settings.redis_key_prefix + "events:"
        ) if bus_url else None
        services = Services(backend=db.backend, public_url=settings.public_url.rstrip("/"),
                            link_secret=settings.jwt_secret, bus=bus)
        try:
            replies = Replies(services, MailConfig.from_settings(settings),
                              max_bytes=settings.smtp_inbound_max_bytes)
            return await replies.accept_raw(data, recipients=recipients,
                                            sender=sender or _from_header(data), via="mail-in")
        finally:
            if bus is not None:
                await bus.close()
            await db.close()

    try:
        posted = asyncio.run(run())
    except ReplyRefused as refused:
        print(f"graph-api mail-in: refused: {refused.reply}", file=sys.stderr)
        return MAIL_IN_EXITS.get(refused.reason, EX_NOPERM)
    except (EmbeddedServerError, BackendUnavailable, OSError) as exc:  # cannot reach or start it
        print(f"graph-api mail-in: the database is unavailable, try again later ({exc})",
              file=sys.stderr)
        return EX_TEMPFAIL
    except Exception as exc:  # a bug: one line for the MTA's bounce; details in the log above
        log.error("mail-in failed", exc_info=True)
        print(f"graph-api mail-in: internal error ({type(exc).__name__})", file=sys.stderr)
        return EX_SOFTWARE
    print(f"posted message {posted}")
    return 0


def _from_header(data: bytes) -> str:
    """The From header's address, for mail delivered without its envelope sender."""
    from email.parser import BytesHeaderParser
    from email.utils import parseaddr

    return parseaddr(str(BytesHeaderParser().parsebytes(data).get("From", "")))[1]


def cmd_export_schema(args: argparse.Namespace) -> int:
    import schema

    sdl = schema.build_schema().as_str() + "\n"
    if args.output:
        Path(args.output).write_text(sdl)
    else:
        sys.stdout.write(sdl)
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="graph-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (embedded database unless configured)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="load demo data on first start")
    serve.add_argument(
        "--workers", type=_positive_int, default=None,
        help="processes serving requests (default: one per core); they share one database",
    )
    serve.set_defaults(func=cmd_serve)
    sub.add_parser(
        "migrate", help="apply constraints, indexes and data migrations"
    ).set_defaults(func=cmd_migrate)
    seed = sub.add_parser(
        "seed", help="create a deterministic synthetic network (default hospitals and "
        "vocabularies included; --people 0 loads only those)",
    )
    seed.add_argument("--people", type=int, default=200)
    seed.add_argument("--seed", type=int, default=7)
    seed.add_argument("--follows", type=int, default=None,
                      help="exactly this many follows (default: about 3.5 per person)")
    seed.add_argument("--groups", type=int, default=0, help="groups with members (default 0)")
    seed.add_argument("--posts", type=int, default=0,
                      help="posts, a tenth in groups, with comments on about one in ten (default 0)")
    seed.add_argument("--likes", type=int, default=0, help="likes on posts (default 0)")
    seed.add_argument("--mentorships", type=int, default=0,
                      help="mentorships, mixed kinds and statuses, capacity respected (default 0)")
    seed.add_argument("--conversations", type=int, default=0,
                      help="DIRECT conversations between distinct pairs (default 0)")
    seed.add_argument("--messages", type=int, default=0,
                      help="messages in them, at least one each (default: 10 per conversation)")
    seed.add_argument("--directory-csv", metavar="FILE",
                      help="write the people as a directory CSV for `import` instead")
    seed.set_defaults(func=cmd_seed)
    directory = sub.add_parser(
        "import", help="upsert people by email from a directory export (CSV or JSON Lines)"
    )
    directory.add_argument("file")
    directory.add_argument("--format", choices=("csv", "jsonl"),
                           help="default: from the file name (.jsonl/.ndjson/.json, else CSV)")
    directory.add_argument("--create-units", action="store_true",
                           help="add hospitals, departments and divisions the file names")
    directory.add_argument("--batch-size", type=int, default=1000)
    directory.add_argument("--max-problems", type=int, default=200,
                           help="how many row problems to print (all are counted)")
    directory.set_defaults(func=cmd_import)
    mail_in = sub.add_parser(
        "mail-in", help="post one emailed reply (RFC 5322 on stdin, as an MTA pipes it) into its "
        "conversation; exits 0, or a sysexits code (67 forged or wrong sender, 65 malformed or "
        "too large, 75 database unavailable: retry)",
    )
    mail_in.add_argument("--sender", help="the envelope sender (Postfix pipe: ${sender}); "
                         "default $SENDER, else the From header")
    mail_in.add_argument("--recipient", action="append",
                         help="the envelope recipient, repeatable (Postfix pipe: "
                         "${original_recipient}); default $ORIGINAL_RECIPIENT or $RECIPIENT, "
                         "else the To and Cc headers")
    mail_in.set_defaults(func=cmd_mail_in)
    export = sub.add_parser("export-schema", help="print or write the GraphQL SDL")
    export.add_argument("--output", "-o")
    export.set_defaults(func=cmd_export_schema)
    args = parser.parse_args(argv)
    settings_level = "INFO"
    configure_logging(settings_level, json_logs=args.command == "serve")
    try:
        return int(args.func(args))
    except (EmbeddedServerError, ConfigError) as exc:
        print(f"graph-api: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
