"""Rate limits per viewer and per client IP, answered with 429 and Retry-After.

Algorithm: a sliding-window counter over one-minute windows. Each key keeps the count of
the current and the previous fixed window; a hit is allowed while
`previous * (share of the previous window still inside the last minute) + current + 1`
stays within the limit. That is within a few percent of a true sliding log, uses two
integers per key, and never lets a burst at a window edge double the rate (a plain fixed
window would). Time is the replica's clock (NTP keeps replicas within milliseconds).

Buckets:
- `ip`: every request from one address (IPv6 by /64), `rate_limit_ip_overall_per_minute`;
  checked first, before authentication, so bad tokens are limited too;
- `viewer`: each signed-in member's operations, `rate_limit_viewer_per_minute`;
- `anonymous`: signed-out operations per address, `rate_limit_ip_per_minute`.
A limit of 0 turns its bucket off.

State: in-process (bounded) by default; in Redis when `redis_url` is set, so every replica
counts together. The Redis check is one Lua script (read both windows, decide, INCR and
PEXPIRE), atomic on the server, sent by its SHA on a pipelined connection
(graph_db.resp: a command costs a write and a callback, where redis-py's pool, timeout
wrappers and script object cost ~0.15 ms of CPU a check, two checks a request). If Redis
cannot be reached, or does not answer within the pool's timeout, the request is let
through and a warning logged once a minute: an outage of the limiter must not take the API
down.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import NoScriptError

from graph_db.errors import RateLimited
from graph_db.resp import PipelinedPool

log = logging.getLogger("graph_api.ratelimit")

WINDOW_SECONDS = 60.0


def retry_after(limit: int, previous: int, current: int, elapsed: float, window: float) -> float:
    """Seconds until one more hit fits, given the two windows' counts (shared by both stores)."""
    if current + 1 <= limit:
        # The previous window's weight must fade enough: previous * (window - elapsed - w) / window
        # + current + 1 <= limit.
        return max(0.0, (window - elapsed) - (limit - current - 1) * window / previous)
    # Wait for the next window, where this window's count becomes the fading one.
    return (window - elapsed) + window * (1 - (limit - 1) / current)


def allowed(limit: int, previous: int, current: int, elapsed: float, window: float) -> bool:
    return previous * (window - elapsed) / window + current + 1 <= limit


class LimitStore(Protocol):
    async def hit(self, key: str, limit: int, now: float) -> float | None:
        """Count one hit on `key`; None if allowed, else seconds to wait."""
        ...


class MemoryLimits:
    """One process's counters; the least recently used keys go first past `max_keys`."""

    def __init__(self, *, window: float = WINDOW_SECONDS, max_keys: int = 100_000) -> None:
        self.window, self.max_keys = window, max_keys
        self._keys: OrderedDict[str, list[int]] = OrderedDict()  # [window index, previous, current]

    async def hit(self, key: str, limit: int, now: float) -> float | None:
        index = int(now // self.window)
        elapsed = now - index * self.window
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = [index, 0, 0]
            if len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
        else:
            self._keys.move_to_end(key)
        if state[0] != index:
            state[1] = state[2] if state[0] == index - 1 else 0
            state[2] = 0
            state[0] = index
        if not allowed(limit, state[1], state[2], elapsed, self.window):
            return retry_after(limit, state[1], state[2], elapsed, self.window)
        state[2] += 1
        return None


# KEYS: current window, previous window. ARGV: limit, window ms, elapsed ms.
# Returns -1 when allowed, else the milliseconds to wait (rounded up).
_SCRIPT = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * (window - elapsed) / window + current + 1 <= limit then
  redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return -1
end
local wait
if current + 1 <= limit then
  wait = (window - elapsed) - (limit - current - 1) * window / previous
else
  wait = (window - elapsed) + window * (1 - (limit - 1) / current)
end
return math.ceil(wait)
"""


_SCRIPT_SHA = hashlib.sha1(_SCRIPT.encode()).hexdigest()


class RedisLimits:
    """Counters shared by every replica: one atomic script call per check."""

    def __init__(
        self, pool: PipelinedPool, *, window: float = WINDOW_SECONDS, prefix: str = "graph_api:rl:"
    ) -> None:
        self.pool, self.window, self.prefix = pool, window, prefix
        self._warned_at = 0.0

    async def _run(self, keys: list[str], args: list[int]) -> Any:
        try:
            return await self.pool.execute("EVALSHA", _SCRIPT_SHA, len(keys), *keys, *args)
        except NoScriptError:
            # The server has not seen the script yet (or its scripts were flushed): EVAL
            # runs it and keeps it for the next EVALSHA.
            return await self.pool.execute("EVAL", _SCRIPT, len(keys), *keys, *args)

    async def hit(self, key: str, limit: int, now: float) -> float | None:
        window_ms = int(self.window * 1000)
        now_ms = int(now * 1000)
        index = now_ms // window_ms
        keys = [f"{self.prefix}{key}:{index}", f"{self.prefix}{key}:{index - 1}"]
        try:
            wait_ms = await self._run(keys, [limit, window_ms, now_ms - index * window_ms])
        except Exception as exc:  # noqa: BLE001 - fail open, see the module docstring
            if time.monotonic() - self._warned_at > 60:
                self._warned_at = time.monotonic()
                log.warning("rate-limit store unavailable; not limiting", extra={"error": type(exc).__name__})
            return None
        wait = int(wait_ms)
        return None if wait < 0 else wait / 1000


def client_key(ip: str) -> str:
    """An address as a bucket key: IPv6 by its /64 (one subscriber), IPv4 as is."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address) + "/64"
    return str(address)


@dataclass(frozen=True)
class Limits:
    viewer_per_minute: int = 600
    ip_per_minute: int = 300
    ip_overall_per_minute: int = 3_000

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            viewer_per_minute=settings.rate_limit_viewer_per_minute,
            ip_per_minute=settings.rate_limit_ip_per_minute,
            ip_overall_per_minute=settings.rate_limit_ip_overall_per_minute,
        )


class RateLimiter:
    """Checks the buckets; raises RateLimited (429 + Retry-After) when one is full."""

    def __init__(
        self, store: LimitStore, limits: Limits, *, clock: Callable[[], float] = time.time,
        on_limited: Callable[[str], None] | None = None,
    ) -> None:
        self.store, self.limits, self.clock = store, limits, clock
        self.on_limited = on_limited

    async def admit_request(self, ip: str) -> None:
        """Every request from an address, before anything else is done for it."""
        await self._check("ip", client_key(ip), self.limits.ip_overall_per_minute)

    async def admit_operation(self, viewer_id: str | None, ip: str) -> None:
        """Each operation: the viewer's bucket when signed in, the address's otherwise."""
        if viewer_id is not None:
            await self._check("viewer", viewer_id, self.limits.viewer_per_minute)
        else:
            await self._check("anonymous", client_key(ip), self.limits.ip_per_minute)

    async def _check(self, bucket: str, ident: str, limit: int) -> None:
        if limit <= 0:
            return
        wait = await self.store.hit(f"{bucket}:{ident}", limit, self.clock())
        if wait is not None:
            if self.on_limited is not None:
                self.on_limited(bucket)
            seconds = max(1, math.ceil(wait))
            raise RateLimited(
                f"too many requests; retry in {seconds} second{'s' if seconds != 1 else ''}",
                retry_after=seconds,
            )
