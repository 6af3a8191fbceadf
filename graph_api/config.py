"""Settings: one frozen object built from GRAPH_API_* environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

Environment = Literal["development", "test", "production"]
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """The environment does not describe a runnable service; lists every problem at once."""


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. `Settings.from_env()` documents the variable names."""

    env: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    # Database: embedded FalkorDB unless an external FalkorDB URL or a Neo4j URI is given.
    falkordb_url: str | None = None
    falkordb_graph: str = "graph_api"
    falkordb_fsync: Literal["everysec", "always"] = "everysec"
    falkordb_port: int | None = None
    falkordb_pool_size: int = 32
    query_timeout_ms: int = 10_000
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    neo4j_pool_size: int = 100
    neo4j_acquisition_timeout: float = 30.0
    neo4j_retry_seconds: float = 3.0
    # GraphQL
    graphiql: bool = True
    introspection: bool = True
    max_body_bytes: int = 1_000_000
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 4_000
    max_cost: int = 20_000
    max_page_size: int = 100
    batch_max: int = 0
    max_subscriptions_per_connection: int = 20
    ws_reauth_seconds: float = 10.0  # an open WebSocket's session is checked again this often
    request_head_timeout_seconds: float = 5.0  # a connection must send a request head in time
    max_connections_per_address: int = 200  # open HTTP/WebSocket connections per client address
    persisted_queries_only: bool = False
    # JSON {sha256: query}: the allow-list (with persisted_queries_only) or a preloaded cache.
    persisted_queries_file: Path | None = None
    persisted_queries_cache_size: int = 2_000
    document_cache_size: int = 1_000  # parsed and validated documents kept in memory
    cors_origins: tuple[str, ...] = ()
    # Auth
    jwt_secret: str = ""
    access_token_seconds: int = 900
    refresh_token_days: int = 30
    login_max_failures: int = 5
    login_lockout_seconds: int = 300
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_algorithms: tuple[str, ...] = ("RS256",)
    oidc_jwks_cooldown_seconds: float = 60.0
    # Rate limits (requests per minute); state in Redis when redis_url is set.
    rate_limit_viewer_per_minute: int = 600
    rate_limit_ip_per_minute: int = 300  # signed-out requests per client IP
    rate_limit_ip_overall_per_minute: int = 3_000  # every request per IP (hospital NATs share one)
    redis_url: str | None = None
    redis_key_prefix: str = "graph_api:"  # rate limits, persisted queries and events live under it
    # Logging
    log_level: str = "INFO"
    log_json: bool = True
    # Addresses of load balancers whose X-Forwarded-For/-Proto are trusted (client IPs for
    # rate limits and logs); empty: use the socket's peer address.
    trusted_proxies: tuple[str, ...] = ()
    metrics: bool = True  # serve /metrics (Prometheus text format)
    # Demo data
    demo_people: int = 60
    # Development only: return each request's Cypher and parameters on demand (bench/).
    expose_queries: bool = False
    # Messages and their email (graph_api.mail). No SMTP host: mail waits in the outbox.
    messages_new_conversations_per_day: int = 50  # per sender (RATE_LIMITED beyond)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_security: str = "none"  # none, starttls or tls
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Mentoring Network <no-reply@localhost>"
    smtp_timeout_seconds: float = 30.0
    smtp_max_attempts: int = 8  # then the entry is DEAD, its last error kept
    smtp_retry_seconds: float = 30.0  # first retry; doubles each attempt, with jitter
    smtp_retry_max_seconds: float = 3_600.0
    smtp_lease_seconds: float = 120.0  # a claimed entry is due again after this (worker died)
    smtp_batch_size: int = 50
    smtp_poll_seconds: float = 5.0
    public_url: str = "http://127.0.0.1:8000"  # links in emails
    smtp_dev_sink: bool = False  # development: send to an in-process sink, list it at /dev/mailbox
    # Replies by email: Reply-To is <signed token>@smtp_reply_domain, whose mail reaches the
    # inbound SMTP listener (smtp_inbound_port) or the webhook (/mail/inbound, with the secret).
    smtp_reply_domain: str | None = None
    smtp_reply_days: int = 90  # a reply address works this long
    smtp_inbound_host: str = "127.0.0.1"
    smtp_inbound_port: int | None = None
    smtp_inbound_max_bytes: int = 262_144  # larger inbound mails are refused
    smtp_inbound_secret: str | None = None  # the webhook's shared secret (unset: no webhook)
    # Digests (graph_api.mail.digest): sent at this hour of each member's local time zone (the
    # weekly notification digest on this weekday, 0 = Monday), looked for this often.
    smtp_digest_hour: int = 7
    smtp_digest_weekday: int = 0
    smtp_digest_check_seconds: float = 60.0

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
        defaults = cls()
        for f in fields(cls):
            name = f"GRAPH_API_{f.name.upper()}"
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = _PARSERS[type(getattr(defaults, f.name)).__name__](raw)
            except (KeyError, ValueError):
                parser = _OPTIONAL.get(f.name)
                if parser is None:
                    problems.append(f"{name}={raw!r} is not a valid value")
                    continue
                try:
                    values[f.name] = parser(raw)
                except ValueError:
                    problems.append(f"{name}={raw!r} is not a valid value")
        environment = values.get("env", defaults.env)
        if environment not in ("development", "test", "production"):
            problems.append("GRAPH_API_ENV must be development, test or production")
        if str(values.get("log_level", "INFO")).upper() not in _LOG_LEVELS:
            problems.append("GRAPH_API_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        if values.get("falkordb_fsync", "everysec") not in ("everysec", "always"):
            problems.append("GRAPH_API_FALKORDB_FSYNC must be everysec or always")
        if environment == "production":
            values.setdefault("graphiql", False)
            values.setdefault("introspection", False)
            if not values.get("jwt_secret"):
                problems.append("GRAPH_API_JWT_SECRET is required in production")
            if values.get("smtp_dev_sink"):
                problems.append("GRAPH_API_SMTP_DEV_SINK must not be enabled in production")
            if values.get("expose_queries"):
                problems.append("GRAPH_API_EXPOSE_QUERIES must not be enabled in production")
        for name in (
            "port", "max_body_bytes", "max_depth", "max_page_size", "access_token_seconds",
            "max_aliases", "max_tokens", "max_cost", "max_subscriptions_per_connection",
            "persisted_queries_cache_size", "document_cache_size", "ws_reauth_seconds",
            "request_head_timeout_seconds", "max_connections_per_address",
        ):
            if name in values and values[name] <= 0:
                problems.append(f"GRAPH_API_{name.upper()} must be positive")
        for name in (
            "batch_max", "rate_limit_viewer_per_minute", "rate_limit_ip_per_minute",
            "rate_limit_ip_overall_per_minute",
        ):
            if name in values and values[name] < 0:
                problems.append(f"GRAPH_API_{name.upper()} must be 0 (off) or positive")
        if values.get("persisted_queries_only") and not values.get("persisted_queries_file"):
            problems.append(
                "GRAPH_API_PERSISTED_QUERIES_FILE is required with GRAPH_API_PERSISTED_QUERIES_ONLY"
            )
        if values.get("smtp_security", "none") not in ("none", "starttls", "tls"):
            problems.append("GRAPH_API_SMTP_SECURITY must be none, starttls or tls")
        for name in (
            "smtp_port", "smtp_max_attempts", "smtp_lease_seconds", "smtp_batch_size",
            "smtp_poll_seconds", "smtp_timeout_seconds", "messages_new_conversations_per_day",
        ):
            if name in values and values[name] <= 0:
                problems.append(f"GRAPH_API_{name.upper()} must be positive")
        if not 0 <= values.get("smtp_digest_hour", 7) <= 23:
            problems.append("GRAPH_API_SMTP_DIGEST_HOUR must be an hour, 0 to 23")
        if not 0 <= values.get("smtp_digest_weekday", 0) <= 6:
            problems.append("GRAPH_API_SMTP_DIGEST_WEEKDAY must be 0 (Monday) to 6 (Sunday)")
        if values.get("smtp_digest_check_seconds", 60.0) <= 0:
            problems.append("GRAPH_API_SMTP_DIGEST_CHECK_SECONDS must be positive")
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
        path = self.data_dir / "secrets" / "jwt_secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
        return replace(self, jwt_secret=path.read_text().strip())


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _tuple(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


_PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": _bool,
    "tuple": _tuple,
    "PosixPath": Path,
}
# Fields whose default is None take these parsers.
_OPTIONAL: dict[str, Callable[[str], Any]] = {
    "falkordb_url": str,
    "falkordb_port": int,
    "neo4j_uri": str,
    "oidc_issuer": str,
    "oidc_audience": str,
    "oidc_jwks_url": str,
    "redis_url": str,
    "persisted_queries_file": Path,
    "smtp_host": str,
    "smtp_username": str,
    "smtp_password": str,
    "smtp_reply_domain": str,
    "smtp_inbound_port": int,
    "smtp_inbound_secret": str,
}
