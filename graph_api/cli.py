"""`graph-api serve | migrate | seed | export-schema`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from graph_api.config import ConfigError, Settings
from graph_api.logs import configure_logging
from graph_db.embedded import EmbeddedServerError

log = logging.getLogger("graph_api.cli")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        print(f"graph-api: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from graph_api.app import create_app

    settings = _settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    app = create_app(settings, demo=args.demo)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list | None = None) -> None:  # type: ignore[type-arg]
            await super().startup(sockets)
            if self.started:
                bound = self.servers[0].sockets[0].getsockname()[1] if self.servers else port
                base = f"http://{host}:{bound}"
                where = "GraphiQL" if settings.graphiql else "GraphQL endpoint"
                print(f"\n  graph-api is up: {where} at {base}/graphql  (health: {base}/health)\n",
                      flush=True)

    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, lifespan="on",
        ws="websockets-sansio",
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
    )
    server = Server(config)
    try:
        server.run()
    except (EmbeddedServerError, ConfigError) as exc:
        print(f"graph-api: {exc}", file=sys.stderr)
        return 1
    return 0 if server.started else 1


def cmd_migrate(args: argparse.Namespace) -> int:
    from graph_api.database import open_database

    async def run() -> None:
        db = await open_database(_settings())
        await db.close()

    asyncio.run(run())
    print("schema up to date")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from graph_api.database import open_database
    from graph_db.seed import seed_people

    async def run() -> int:
        db = await open_database(_settings())
        try:
            return await seed_people(db.backend, args.people, seed=args.seed)
        finally:
            await db.close()

    created = asyncio.run(run())
    print(f"seeded {created} people")
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    import schema

    sdl = schema.build_schema().as_str() + "\n"
    if args.output:
        Path(args.output).write_text(sdl)
    else:
        sys.stdout.write(sdl)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="graph-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (embedded database unless configured)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="load demo data on first start")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply constraints and indexes").set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed", help="create a deterministic synthetic network")
    seed.add_argument("--people", type=int, default=200)
    seed.add_argument("--seed", type=int, default=7)
    seed.set_defaults(func=cmd_seed)
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
