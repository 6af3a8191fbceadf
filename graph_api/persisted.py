"""Persisted queries in the Apollo APQ format, with an allow-list-only mode for production.

A request carries `extensions.persistedQuery = {"version": 1, "sha256Hash": "<hex>"}`:
- hash only: the stored query runs; an unknown hash answers PERSISTED_QUERY_NOT_FOUND
  (HTTP 200, message `PersistedQueryNotFound`), and Apollo clients resend hash + query;
- hash + query: the hash must be the query's SHA-256 (else BAD_USER_INPUT); the query is
  stored and runs. GET works for hash-only queries, so CDNs can cache them.

Store: a bounded in-process LRU, backed by Redis (shared by replicas) when configured.

Allow-list mode (`persisted_queries_only`): only the hashes of the manifest file run. A
hash-only request for an unknown hash is PERSISTED_QUERY_NOT_FOUND (what it is, and what
clients know how to handle); any query text that is not in the manifest, with or without
a hash, is FORBIDDEN (HTTP 403), so the retry an Apollo client makes cannot register it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from graph_api.config import ConfigError
from graph_db.errors import Forbidden, InvalidInput, PersistedQueryNotFound
from graph_db.resp import PipelinedPool

log = logging.getLogger("graph_api.persisted")

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # Apollo clients match this exact message
_HASH = re.compile(r"^[0-9a-f]{64}$")
FIELD = "extensions.persistedQuery"


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class QueryStore(Protocol):
    async def get(self, sha: str) -> str | None: ...
    async def put(self, sha: str, query: str) -> None: ...


class MemoryStore:
    """LRU bounded by entry count and by total characters."""

    def __init__(self, max_entries: int = 2_000, max_chars: int = 20_000_000) -> None:
        self.max_entries, self.max_chars = max_entries, max_chars
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._chars = 0

    async def get(self, sha: str) -> str | None:
        query = self._entries.get(sha)
        if query is not None:
            self._entries.move_to_end(sha)
        return query

    async def put(self, sha: str, query: str) -> None:
        old = self._entries.pop(sha, None)
        if old is not None:
            self._chars -= len(old)
        self._entries[sha] = query
        self._chars += len(query)
        while self._entries and (len(self._entries) > self.max_entries or self._chars > self.max_chars):
            _, evicted = self._entries.popitem(last=False)
            self._chars -= len(evicted)

    def __len__(self) -> int:
        return len(self._entries)


class RedisStore:
    """Shared by every replica; entries expire so junk registrations do not pile up."""

    def __init__(
        self, pool: PipelinedPool, *, prefix: str = "graph_api:apq:", ttl_seconds: int = 7 * 86_400
    ) -> None:
        self.pool, self.prefix, self.ttl = pool, prefix, ttl_seconds
        self._warned_at = 0.0

    async def get(self, sha: str) -> str | None:
        try:
            value = await self.pool.execute("GET", self.prefix + sha)
        except Exception as exc:  # noqa: BLE001 - a cache outage is a miss, not a failed request
            self._warn(exc)
            return None
        if value is None:
            return None
        return str(value)

    async def put(self, sha: str, query: str) -> None:
        try:
            await self.pool.execute("SET", self.prefix + sha, query, "EX", self.ttl)
        except Exception as exc:  # noqa: BLE001
            self._warn(exc)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("persisted query store unavailable", extra={"error": type(exc).__name__})


class TieredStore:
    """The local LRU in front of a shared store."""

    def __init__(self, local: MemoryStore, shared: QueryStore) -> None:
        self.local, self.shared = local, shared

    async def get(self, sha: str) -> str | None:
        query = await self.local.get(sha)
        if query is None:
            query = await self.shared.get(sha)
            if query is not None and sha256_hex(query) == sha:
                await self.local.put(sha, query)
            else:
                query = None
        return query

    async def put(self, sha: str, query: str) -> None:
        await self.local.put(sha, query)
        await self.shared.put(sha, query)


def load_manifest(path: Path) -> dict[str, str]:
    """Read a JSON object {sha256: query}; every key must be its query's hash."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"GRAPH_API_PERSISTED_QUERIES_FILE: cannot read {path}: {exc.strerror}") from None
    except ValueError:
        raise ConfigError(f"GRAPH_API_PERSISTED_QUERIES_FILE: {path} is not valid JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(f"GRAPH_API_PERSISTED_QUERIES_FILE: {path} must hold a JSON object {{hash: query}}")
    problems = []
    manifest: dict[str, str] = {}
    for key, query in data.items():
        if not isinstance(query, str):
            problems.append(f"{key}: the query must be a string")
        elif sha256_hex(query) != key.lower():
            problems.append(f"{key}: is not the SHA-256 of its query")
        else:
            manifest[key.lower()] = query
    if problems:
        raise ConfigError(
            f"GRAPH_API_PERSISTED_QUERIES_FILE: {path}:\n  - " + "\n  - ".join(problems[:20])
        )
    return manifest


class PersistedQueries:
    """Turns a request's (query, extensions) into the query text to run."""

    def __init__(
        self, store: QueryStore, *, manifest: dict[str, str] | None = None, only: bool = False
    ) -> None:
        self.store = store
        self.manifest = manifest or {}
        self.only = only
        self.hits = self.misses = self.registered = 0

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        requested = (extensions or {}).get("persistedQuery")
        if requested is None:
            if self.only and query is not None:
                raise Forbidden("only persisted queries are accepted; send extensions.persistedQuery")
            return query
        sha = _requested_hash(requested)
        if self.only:
            known = self.manifest.get(sha)
            if known is None:
                if query is not None:
                    raise Forbidden("only persisted queries are accepted; this one is not on the list")
                self.misses += 1
                raise PersistedQueryNotFound(NOT_FOUND_MESSAGE)
            if query is not None and sha256_hex(query) != sha:
                raise InvalidInput("the sha256Hash does not match the query", field=FIELD)
            self.hits += 1
            return known
        if query is None:
            found = self.manifest.get(sha) or await self.store.get(sha)
            if found is None:
                self.misses += 1
                raise PersistedQueryNotFound(NOT_FOUND_MESSAGE)
            self.hits += 1
            return found
        if sha256_hex(query) != sha:
            raise InvalidInput("the sha256Hash does not match the query", field=FIELD)
        await self.store.put(sha, query)
        self.registered += 1
        return query


def _requested_hash(requested: object) -> str:
    if not isinstance(requested, dict):
        raise InvalidInput("persistedQuery must be an object", field=FIELD)
    if requested.get("version") != 1:
        raise InvalidInput("persistedQuery version 1 is the only one supported", field=FIELD)
    sha = requested.get("sha256Hash")
    if not isinstance(sha, str) or not _HASH.match(sha.lower()):
        raise InvalidInput("sha256Hash must be 64 hexadecimal characters", field=FIELD)
    return sha.lower()
