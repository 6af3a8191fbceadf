"""Settings.from_env: defaults, parsing, and every problem reported at once."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from graph_api.config import ConfigError, Settings
from graph_api.database import embedded_options


def config_error(environ: dict[str, str]) -> str:
    """The message of the ConfigError that Settings.from_env(environ) must raise."""
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(environ)
    return str(raised.value)


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.env == "development"
    assert settings.backend_kind == "embedded"
    assert settings.graphiql and settings.introspection
    assert settings.batch_max == 0
    assert settings.persisted_queries_only is False and settings.persisted_queries_file is None
    assert settings.redis_url is None
    assert (settings.rate_limit_viewer_per_minute, settings.rate_limit_ip_per_minute) == (600, 300)


def test_values_are_parsed_by_type() -> None:
    settings = Settings.from_env({
        "GRAPH_API_PORT": "9001",
        "GRAPH_API_GRAPHIQL": "off",
        "GRAPH_API_CORS_ORIGINS": "https://a.example, https://b.example,",
        "GRAPH_API_OIDC_JWKS_COOLDOWN_SECONDS": "2.5",
        "GRAPH_API_DATA_DIR": "/tmp/somewhere",
        "GRAPH_API_REDIS_URL": "redis://cache:6379/0",
        "GRAPH_API_PERSISTED_QUERIES_FILE": "queries.json",
        "GRAPH_API_FALKORDB_PORT": "6390",
        "GRAPH_API_BATCH_MAX": "10",
        "GRAPH_API_MAX_COST": "500",
        "GRAPH_API_UNKNOWN_THING": "ignored",
    })
    assert settings.port == 9001
    assert settings.graphiql is False
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.oidc_jwks_cooldown_seconds == 2.5
    assert settings.data_dir == Path("/tmp/somewhere")
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.persisted_queries_file == Path("queries.json")
    assert settings.falkordb_port == 6390
    assert (settings.batch_max, settings.max_cost) == (10, 500)


def test_empty_values_mean_default() -> None:
    assert Settings.from_env({"GRAPH_API_PORT": "", "GRAPH_API_REDIS_URL": ""}) == Settings()


def test_every_bad_value_is_listed_together() -> None:
    message = config_error({
        "GRAPH_API_PORT": "eighty",
        "GRAPH_API_GRAPHIQL": "maybe",
        "GRAPH_API_FALKORDB_PORT": "x",
        "GRAPH_API_ENV": "staging",
        "GRAPH_API_MAX_DEPTH": "0",
        "GRAPH_API_MAX_COST": "-5",
        "GRAPH_API_RATE_LIMIT_IP_PER_MINUTE": "-1",
        "GRAPH_API_FALKORDB_FSYNC": "never",
        "GRAPH_API_LOG_LEVEL": "LOUD",
        "GRAPH_API_OIDC_ISSUER": "https://sso.example",
    })
    for expected in (
        "GRAPH_API_PORT='eighty' is not a valid value",
        "GRAPH_API_GRAPHIQL='maybe' is not a valid value",
        "GRAPH_API_FALKORDB_PORT='x' is not a valid value",
        "GRAPH_API_ENV must be development, test or production",
        "GRAPH_API_MAX_DEPTH must be positive",
        "GRAPH_API_MAX_COST must be positive",
        "GRAPH_API_RATE_LIMIT_IP_PER_MINUTE must be 0 (off) or positive",
        "GRAPH_API_FALKORDB_FSYNC must be everysec or always",
        "GRAPH_API_LOG_LEVEL must be",
        "GRAPH_API_OIDC_JWKS_URL is required with GRAPH_API_OIDC_ISSUER",
    ):
        assert expected in message
    assert message.count("\n  - ") == 10


def test_production_requires_a_jwt_secret() -> None:
    with pytest.raises(ConfigError, match="GRAPH_API_JWT_SECRET is required in production"):
        Settings.from_env({"GRAPH_API_ENV": "production"})


def test_production_turns_developer_tools_off_unless_asked() -> None:
    settings = Settings.from_env({"GRAPH_API_ENV": "production", "GRAPH_API_JWT_SECRET": "s" * 48})
    assert settings.is_production
    assert settings.graphiql is False and settings.introspection is False
    explicit = Settings.from_env({
        "GRAPH_API_ENV": "production", "GRAPH_API_JWT_SECRET": "s" * 48, "GRAPH_API_INTROSPECTION": "on",
    })
    assert explicit.introspection is True


def test_allow_list_mode_needs_its_manifest() -> None:
    with pytest.raises(ConfigError, match="GRAPH_API_PERSISTED_QUERIES_FILE is required"):
        Settings.from_env({"GRAPH_API_PERSISTED_QUERIES_ONLY": "true"})
    settings = Settings.from_env({
        "GRAPH_API_PERSISTED_QUERIES_ONLY": "true", "GRAPH_API_PERSISTED_QUERIES_FILE": "q.json",
    })
    assert settings.persisted_queries_only


def test_rate_limits_may_be_turned_off_with_zero() -> None:
    settings = Settings.from_env({
        "GRAPH_API_RATE_LIMIT_VIEWER_PER_MINUTE": "0", "GRAPH_API_RATE_LIMIT_IP_OVERALL_PER_MINUTE": "0",
    })
    assert settings.rate_limit_viewer_per_minute == settings.rate_limit_ip_overall_per_minute == 0


def test_secret_is_generated_once_in_development(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path).with_secrets()
    assert len(settings.jwt_secret) >= 48
    assert Settings(data_dir=tmp_path).with_secrets().jwt_secret == settings.jwt_secret
    assert (tmp_path / "secrets" / "jwt_secret").stat().st_mode & 0o077 == 0


def test_secret_is_never_generated_in_production(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        Settings(env="production", data_dir=tmp_path).with_secrets()
    assert not (tmp_path / "secrets").exists()


def test_every_setting_declares_its_parser() -> None:
    assert all(callable(f.metadata.get("parse")) for f in fields(Settings))


@pytest.mark.parametrize(("variable", "raw"), [
    ("GRAPH_API_LOG_JSON", "2"),
    ("GRAPH_API_METRICS", "enabled"),
    ("GRAPH_API_MAX_COST", "1.5"),
    ("GRAPH_API_SMTP_INBOUND_PORT", "twenty-five"),
    ("GRAPH_API_SMTP_TIMEOUT_SECONDS", "soon"),
])
def test_malformed_values_are_named_with_their_text(variable: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=f"{variable}={raw!r} is not a valid value"):
        Settings.from_env({variable: raw})


@pytest.mark.parametrize(("variable", "raw", "rule"), [
    ("GRAPH_API_PORT", "0", "must be positive"),
    ("GRAPH_API_BATCH_MAX", "-1", "must be 0 (off) or positive"),
    ("GRAPH_API_SMTP_DIGEST_HOUR", "24", "must be an hour, 0 to 23"),
    ("GRAPH_API_SMTP_DIGEST_WEEKDAY", "-1", "must be 0 (Monday) to 6 (Sunday)"),
    ("GRAPH_API_WS_REAUTH_SECONDS", "0", "must be positive"),
    ("GRAPH_API_WS_REAUTH_SECONDS", "nan", "must be positive"),
    ("GRAPH_API_SESSION_CACHE_SECONDS", "-1", "must be 0 (off) or positive"),
    ("GRAPH_API_SESSION_CACHE_SECONDS", "inf", "must be 0 (off) or positive"),
    ("GRAPH_API_FALKORDB_THREADS", "-1", "must be 0 (one per core) or positive"),
    ("GRAPH_API_FALKORDB_QUERY_THREADS", "-2", "must be 0 (one per core) or positive"),
    ("GRAPH_API_SMTP_SECURITY", "ssl", "must be none, starttls or tls"),
    ("GRAPH_API_ENV", "Production", "must be development, test or production"),
])
def test_values_out_of_range_say_what_is_allowed(variable: str, raw: str, rule: str) -> None:
    assert f"{variable} {rule}, not {raw!r}" in config_error({variable: raw})


def test_bounds_and_choices_accept_their_edges() -> None:
    settings = Settings.from_env({
        "GRAPH_API_SMTP_DIGEST_HOUR": "23", "GRAPH_API_SMTP_DIGEST_WEEKDAY": "6", "GRAPH_API_BATCH_MAX": "0",
        "GRAPH_API_PORT": "1", "GRAPH_API_LOG_LEVEL": "debug", "GRAPH_API_FALKORDB_FSYNC": "always",
        "GRAPH_API_SMTP_SECURITY": "starttls", "GRAPH_API_METRICS": " No ", "GRAPH_API_ENV": "test",
        "GRAPH_API_SESSION_CACHE_SECONDS": "0",
    })
    assert (settings.smtp_digest_hour, settings.smtp_digest_weekday, settings.batch_max) == (23, 6, 0)
    assert (settings.port, settings.log_level, settings.falkordb_fsync) == (1, "DEBUG", "always")
    assert (settings.smtp_security, settings.metrics, settings.env) == ("starttls", False, "test")
    assert settings.session_cache_seconds == 0


def test_malformed_and_out_of_range_values_are_reported_in_one_message() -> None:
    assert config_error({
        "GRAPH_API_ENV": "production",
        "GRAPH_API_LOG_JSON": "sometimes",
        "GRAPH_API_SMTP_POLL_SECONDS": "-1",
        "GRAPH_API_SMTP_DEV_SINK": "yes",
    }) == (
        "invalid configuration:\n"
        "  - GRAPH_API_LOG_JSON='sometimes' is not a valid value\n"
        "  - GRAPH_API_SMTP_POLL_SECONDS must be positive, not '-1'\n"
        "  - GRAPH_API_JWT_SECRET is required in production\n"
        "  - GRAPH_API_SMTP_DEV_SINK must not be enabled in production"
    )


def test_thread_settings_reach_the_embedded_server_options() -> None:
    """0 means FalkorDB's own count (one per core): the option is then not passed at all."""
    default = embedded_options(Settings())
    assert (default.threads, default.query_threads) == (None, 1)
    chosen = embedded_options(Settings.from_env({
        "GRAPH_API_FALKORDB_THREADS": "1", "GRAPH_API_FALKORDB_QUERY_THREADS": "0",
    }))
    assert (chosen.threads, chosen.query_threads) == (1, None)
