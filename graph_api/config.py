"""Settings: one frozen object built from GRAPH_API_* environment variables."""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

Environment = Literal["development", "test", "production"]
Fsync = Literal["everysec", "always"]
T = TypeVar("T")
Parse = Callable[[str], T]  # raw environment text -> value; ValueError when it is not one


class ConfigError(ValueError):
    """The environment does not describe a runnable service; lists every problem at once."""


class OutOfRange(ValueError):
    """A well-formed value the setting does not allow; the message says what it must be."""


def flag(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def text(raw: str) -> str:
    return raw


def items(raw: str) -> tuple[str, ...]:
    """A comma-separated list; blanks dropped."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


POSITIVE = "must be positive"
OFF_OR_POSITIVE = "must be 0 (off) or positive"
ONE_PER_CORE_OR_POSITIVE = "must be 0 (one per core) or positive"


def integer(low: int | None = None, high: int | None = None, rule: str = POSITIVE) -> Parse[int]:
    """An int within [low, high] (either end open when None); `rule` says so when it is not."""

    def parse(raw: str) -> int:
        value = int(raw)
        if (low is not None and value < low) or (high is not None and value > high):
            raise OutOfRange(rule)
        return value

    return parse


def seconds(raw: str) -> float:
    return float(raw)


def positive_seconds(raw: str) -> float:
    value = float(raw)
    if not 0 < value < math.inf:  # also refuses nan
        raise OutOfRange(POSITIVE)
    return value


def off_or_positive_seconds(raw: str) -> float:
    value = float(raw)
    if not 0 <= value < math.inf:
        raise OutOfRange(OFF_OR_POSITIVE)
    return value


def choice(options: tuple[T, ...], *, fold_case: bool = False) -> Parse[T]:
    """One of `options`, as spelled there (`fold_case`: the text is compared upper-cased)."""
    allowed = [str(option) for option in options]
    rule = "must be " + ", ".join(allowed[:-1]) + " or " + allowed[-1]

    def parse(raw: str) -> T:
        wanted = raw.upper() if fold_case else raw
        for option in options:
            if option == wanted:
                return option
        raise OutOfRange(rule)

    return parse


def setting(default: T, parse: Parse[T]) -> T:
    """A field read from GRAPH_API_<NAME> by `parse` (unset or empty: `default`)."""
    return field(default=default, metadata={"parse": parse})


ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")
FSYNC_POLICIES: tuple[Fsync, ...] = ("everysec", "always")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SMTP_SECURITY = ("none", "starttls", "tls")


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service, each with the parser of its GRAPH_API_<NAME> variable."""

    env: Environment = setting("development", choice(ENVIRONMENTS))
    host: str = setting("127.0.0.1", text)
    port: int = setting(8000, integer(1))
    data_dir: Path = setting(Path("data"), Path)
    # Database: embedded FalkorDB unless an external FalkorDB URL or a Neo4j URI is given.
    falkordb_url: str | None = setting(None, text)
    falkordb_graph: str = setting("graph_api", text)
    falkordb_fsync: Fsync = setting("everysec", choice(FSYNC_POLICIES))
    falkordb_port: int | None = setting(None, integer())
    falkordb_pool_size: int = setting(32, integer())
    # The embedded server's threads (graph_db.embedded.EmbeddedOptions says what was measured):
    # statements at once (0: one per core) and threads one statement may use (0: one per core)
    falkordb_threads: int = setting(0, integer(0, rule=ONE_PER_CORE_OR_POSITIVE))
    falkordb_query_threads: int = setting(1, integer(0, rule=ONE_PER_CORE_OR_POSITIVE))
    query_timeout_ms: int = setting(10_000, integer())
    neo4j_uri: str | None = setting(None, text)
    neo4j_user: str = setting("neo4j", text)
    neo4j_password: str = setting("", text)
    neo4j_database: str = setting("neo4j", text)
    neo4j_pool_size: int = setting(100, integer())
    neo4j_acquisition_timeout: float = setting(30.0, seconds)
    neo4j_retry_seconds: float = setting(3.0, seconds)
    # GraphQL
    graphiql: bool = setting(True, flag)
    introspection: bool = setting(True, flag)
    max_body_bytes: int = setting(1_000_000, integer(1))
    max_depth: int = setting(12, integer(1))
    max_aliases: int = setting(30, integer(1))
    max_tokens: int = setting(4_000, integer(1))
    max_cost: int = setting(20_000, integer(1))
    max_page_size: int = setting(100, integer(1))
    # `node(id:)` reads a profile or group page in one statement (resolvers.planner); off:
    # field by field through the loaders, the same answer in more round trips
    read_plans: bool = setting(True, flag)
    batch_max: int = setting(0, integer(0, rule=OFF_OR_POSITIVE))
    max_subscriptions_per_connection: int = setting(20, integer(1))
    # An open WebSocket's session is checked again this often
    ws_reauth_seconds: float = setting(10.0, positive_seconds)
    # A signed-in session is read from the database at most this often (0: every request)
    session_cache_seconds: float = setting(5.0, off_or_positive_seconds)
    # A connection must send a request head in time
    request_head_timeout_seconds: float = setting(5.0, positive_seconds)
    # Open HTTP/WebSocket connections per client address
    max_connections_per_address: int = setting(200, integer(1))
    persisted_queries_only: bool = setting(False, flag)
    # JSON {sha256: query}: the allow-list (with persisted_queries_only) or a preloaded cache.
    persisted_queries_file: Path | None = setting(None, Path)
    persisted_queries_cache_size: int = setting(2_000, integer(1))
    document_cache_size: int = setting(1_000, integer(1))  # parsed and validated documents kept in memory
    cors_origins: tuple[str, ...] = setting((), items)
    # Auth
    jwt_secret: str = setting("", text)
    access_token_seconds: int = setting(900, integer(1))
    refresh_token_days: int = setting(30, integer())
    login_max_failures: int = setting(5, integer())
    login_lockout_seconds: int = setting(300, integer())
    oidc_issuer: str | None = setting(None, text)
    oidc_audience: str | None = setting(None, text)
    oidc_jwks_url: str | None = setting(None, text)
    oidc_algorithms: tuple[str, ...] = setting(("RS256",), items)
    oidc_jwks_cooldown_seconds: float = setting(60.0, seconds)
    # Rate limits (requests per minute); state in Redis when redis_url is set.
    rate_limit_viewer_per_minute: int = setting(600, integer(0, rule=OFF_OR_POSITIVE))
    # Signed-out requests per client IP
    rate_limit_ip_per_minute: int = setting(300, integer(0, rule=OFF_OR_POSITIVE))
    # Every request per IP (hospital NATs share one)
    rate_limit_ip_overall_per_minute: int = setting(3_000, integer(0, rule=OFF_OR_POSITIVE))
    redis_url: str | None = setting(None, text)
    # Rate limits, persisted queries and events live under it
    redis_key_prefix: str = setting("graph_api:", text)
    # Logging
    log_level: str = setting("INFO", choice(LOG_LEVELS, fold_case=True))
    log_json: bool = setting(True, flag)
    # Addresses of load balancers whose X-Forwarded-For/-Proto are trusted (client IPs for
    # Rate limits and logs); empty: use the socket's peer address.
    trusted_proxies: tuple[str, ...] = setting((), items)
    metrics: bool = setting(True, flag)  # serve /metrics (Prometheus text format)
    # Demo data
    demo_people: int = setting(60, integer())
    # Development only: return each request's Cypher and parameters on demand (bench/).
    expose_queries: bool = setting(False, flag)
    # Messages and their email (graph_api.mail). No SMTP host: mail waits in the outbox.
    messages_new_conversations_per_day: int = setting(50, integer(1))  # per sender (RATE_LIMITED beyond)
    smtp_host: str | None = setting(None, text)
    smtp_port: int = setting(25, integer(1))
    smtp_security: str = setting("none", choice(SMTP_SECURITY))
    smtp_username: str | None = setting(None, text)
    smtp_password: str | None = setting(None, text)
    smtp_from: str = setting("Mentoring Network <no-reply@localhost>", text)
    smtp_timeout_seconds: float = setting(30.0, positive_seconds)
    smtp_max_attempts: int = setting(8, integer(1))  # then the entry is DEAD, its last error kept
    smtp_retry_seconds: float = setting(30.0, seconds)  # first retry; doubles each attempt, with jitter
    smtp_retry_max_seconds: float = setting(3_600.0, seconds)
    # A claimed entry is due again after this (worker died)
    smtp_lease_seconds: float = setting(120.0, positive_seconds)
    smtp_batch_size: int = setting(50, integer(1))
    smtp_poll_seconds: float = setting(5.0, positive_seconds)
    public_url: str = setting("http://127.0.0.1:8000", text)  # links in emails
    # Development: send to an in-process sink, list it at /dev/mailbox
    smtp_dev_sink: bool = setting(False, flag)
    # Replies by email: Reply-To is <signed token>@smtp_reply_domain, whose mail reaches the
    # Inbound SMTP listener (smtp_inbound_port) or the webhook (/mail/inbound, with the secret).
    smtp_reply_domain: str | None = setting(None, text)
    smtp_reply_days: int = setting(90, integer())  # a reply address works this long
    smtp_inbound_host: str = setting("127.0.0.1", text)
    smtp_inbound_port: int | None = setting(None, integer())
    smtp_inbound_max_bytes: int = setting(262_144, integer())  # larger inbound mails are refused
    smtp_inbound_secret: str | None = setting(None, text)  # the webhook's shared secret (unset: no webhook)
    # Digests (graph_api.mail.digest): sent at this hour of each member's local time zone (the
    # Weekly notification digest on this weekday, 0 = Monday), looked for this often.
    smtp_digest_hour: int = setting(7, integer(0, 23, "must be an hour, 0 to 23"))
    smtp_digest_weekday: int = setting(0, integer(0, 6, "must be 0 (Monday) to 6 (Sunday)"))
    smtp_digest_check_seconds: float = setting(60.0, positive_seconds)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def backend_kind(self) -> Literal["embedded", "falkordb", "neo4j"]:
        if self.neo4j_uri:
            return "neo4j"
        if self.falkordb_url:
            return "falkordb"
        return "embedded"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read GRAPH_API_<FIELD> for every field; raise ConfigError listing all problems."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        problems: list[str] = []
        for f in fields(cls):
            name = f"GRAPH_API_{f.name.upper()}"
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = f.metadata["parse"](raw)
            except OutOfRange as exc:
                problems.append(f"{name} {exc}, not {raw!r}")
            except ValueError:
                problems.append(f"{name}={raw!r} is not a valid value")
        # Rules that concern more than one variable.
        if values.get("env") == "production":
            values.setdefault("graphiql", False)
            values.setdefault("introspection", False)
            if not values.get("jwt_secret"):
                problems.append("GRAPH_API_JWT_SECRET is required in production")
            if values.get("smtp_dev_sink"):
                problems.append("GRAPH_API_SMTP_DEV_SINK must not be enabled in production")
            if values.get("expose_queries"):
                problems.append("GRAPH_API_EXPOSE_QUERIES must not be enabled in production")
        if values.get("persisted_queries_only") and not values.get("persisted_queries_file"):
            problems.append(
                "GRAPH_API_PERSISTED_QUERIES_FILE is required with GRAPH_API_PERSISTED_QUERIES_ONLY"
            )
        if values.get("oidc_issuer") and not values.get("oidc_jwks_url"):
            problems.append("GRAPH_API_OIDC_JWKS_URL is required with GRAPH_API_OIDC_ISSUER")
        if problems:
            raise ConfigError("invalid configuration:\n  - " + "\n  - ".join(problems))
        return cls(**values)

    def with_secrets(self) -> Settings:
        """Fill the JWT secret from the data directory, generating it on first run (dev only)."""
        if self.jwt_secret:
            return self
        if self.is_production:
            raise ConfigError("GRAPH_API_JWT_SECRET is required in production")
        return replace(self, jwt_secret=generated_secret(self.data_dir, "jwt_secret", 48))


def generated_secret(data_dir: Path, name: str, nbytes: int) -> str:
    """A secret kept in the data directory (owner-only), generated on first use."""
    path = data_dir / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()

