"""Rate limits: per viewer, per signed-out address and per address overall; 429 with
Retry-After through real HTTP; the same limiter on both stores (in-process and Redis, the
session's embedded FalkorDB server being a Redis server)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from graph_api.config import Settings
from graph_api.ratelimit import Limits, MemoryLimits, RateLimiter, RedisLimits
from graph_db.embedded import EmbeddedFalkorDB
from graph_db.errors import RateLimited
from graph_db.falkordb import FalkorDBBackend
from graph_db.resp import PipelinedPool
from tests.api.conftest import Api, serve, with_settings
from tests.factories import make_member

ME = "{ me { id } }"
T0 = 1_800_000_040.0  # 40 s into a one-minute window


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    retry = int(response.headers["retry-after"])
    assert 1 <= retry <= 120
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["retryAfter"] == retry
    assert "data" not in response.json()


@pytest.mark.parametrize("settings", [with_settings(rate_limit_ip_per_minute=3)])
async def test_signed_out_requests_are_limited_per_address(api: Api) -> None:
    for _ in range(3):
        assert (await api.post(ME)).status_code == 200
    assert_rate_limited(await api.post(ME))
    assert_rate_limited(await api.http.get("/graphql", params={"query": ME}))


@pytest.mark.parametrize(
    "settings", [with_settings(rate_limit_viewer_per_minute=2, rate_limit_ip_per_minute=1)]
)
async def test_each_member_has_a_bucket_of_their_own(api: Api) -> None:
    _, alice = await make_member(api)
    _, bob = await make_member(api)
    assert (await api.post(ME)).status_code == 200
    assert_rate_limited(await api.post(ME))  # signed out: the address's bucket is empty
    for _ in range(2):
        response = await api.post(ME, token=alice)
        assert response.status_code == 200 and response.json()["data"]["me"]["id"]
    assert_rate_limited(await api.post(ME, token=alice))
    assert (await api.post(ME, token=bob)).status_code == 200  # same address, other member


@pytest.mark.parametrize("settings", [with_settings(rate_limit_ip_overall_per_minute=2)])
async def test_every_request_from_an_address_counts_before_authentication(api: Api) -> None:
    for _ in range(2):
        assert (await api.post(ME, token="not-a-token")).status_code == 401
    assert_rate_limited(await api.post(ME, token="not-a-token"))
    _, token = await make_member(api)
    assert_rate_limited(await api.post(ME, token=token))


@pytest.mark.parametrize("settings", [with_settings(batch_max=5, rate_limit_ip_per_minute=2)])
async def test_a_batch_counts_each_operation(api: Api) -> None:
    response = await api.http.post("/graphql", json=[{"query": ME}] * 3)
    assert response.status_code == 200
    first, second, third = response.json()
    assert first == second == {"data": {"me": None}}
    assert third["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(response.headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    "settings",
    [with_settings(
        rate_limit_ip_per_minute=0, rate_limit_viewer_per_minute=0, rate_limit_ip_overall_per_minute=0
    )],
)
async def test_zero_turns_the_limits_off(api: Api) -> None:
    for _ in range(20):
        assert (await api.post(ME)).status_code == 200


async def test_replicas_share_counts_through_redis(
    falkordb_server: EmbeddedFalkorDB, falkordb_pool: FalkorDBBackend, api: Api
) -> None:
    settings = with_settings(
        rate_limit_ip_per_minute=3, redis_url=falkordb_server.url,
        redis_key_prefix=f"test:{uuid.uuid4().hex}:",
    )
    async with (
        serve(settings, api.backend) as one, serve(settings, api.backend) as two,
        httpx.AsyncClient(base_url=one) as a, httpx.AsyncClient(base_url=two) as b,
    ):
        assert (await a.post("/graphql", json={"query": ME})).status_code == 200
        assert (await b.post("/graphql", json={"query": ME})).status_code == 200
        assert (await a.post("/graphql", json={"query": ME})).status_code == 200
        assert_rate_limited(await b.post("/graphql", json={"query": ME}))
        assert_rate_limited(await a.post("/graphql", json={"query": ME}))
    # A replica with in-process counters knows nothing of them.
    local = with_settings(rate_limit_ip_per_minute=3)
    async with serve(local, api.backend) as three, httpx.AsyncClient(base_url=three) as c:
        assert (await c.post("/graphql", json={"query": ME})).status_code == 200


async def test_limits_fail_open_when_redis_is_unreachable(api: Api, tmp_path: object) -> None:
    settings = with_settings(rate_limit_ip_per_minute=1, redis_url=f"unix://{tmp_path}/absent.sock")
    async with serve(settings, api.backend) as url, httpx.AsyncClient(base_url=url) as http:
        for _ in range(3):
            assert (await http.post("/graphql", json={"query": ME})).status_code == 200


# -- the limiter on both stores, time injected ---------------------------------------------------


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, falkordb_server: EmbeddedFalkorDB) -> AsyncIterator[object]:
    if request.param == "memory":
        yield MemoryLimits()
        return
    pool = PipelinedPool.for_url(falkordb_server.url, size=2, timeout=5.0)
    try:
        yield RedisLimits(pool, prefix=f"test:{uuid.uuid4().hex}:")
    finally:
        await pool.close()


async def test_limit_is_exact_within_a_window(store: MemoryLimits) -> None:
    assert [await store.hit("k", 3, T0 + i) for i in range(3)] == [None, None, None]
    wait = await store.hit("k", 3, T0 + 3)
    # The next window starts in 17 s; there 3 * (60 - e) / 60 + 1 <= 3 once e >= 20 s.
    assert wait == pytest.approx(17 + 20, abs=0.002)
    assert await store.hit("other", 3, T0 + 3) is None  # keys are independent


async def test_refused_hits_are_not_counted_and_the_wait_is_honest(store: MemoryLimits) -> None:
    for i in range(3):
        await store.hit("k", 3, T0 + i)
    for _ in range(5):
        wait = await store.hit("k", 3, T0 + 3)
    assert wait is not None
    assert await store.hit("k", 3, T0 + 3 + wait - 0.5) is not None
    assert await store.hit("k", 3, T0 + 3 + wait + 0.01) is None


async def test_previous_window_fades_out(store: MemoryLimits) -> None:
    for i in range(10):
        assert await store.hit("k", 10, T0 + i / 10) is None
    # 30 s into the next window half of the previous ten still count: 5 more fit, not 6.
    start = T0 + 20 + 30
    allowed = [await store.hit("k", 10, start) is None for _ in range(6)]
    assert allowed == [True] * 5 + [False]
    # Two windows later the old hits are gone.
    assert all([await store.hit("k", 10, T0 + 140) is None for _ in range(10)])


async def test_limiter_buckets_on_both_stores(store: MemoryLimits) -> None:
    limited: list[str] = []
    limiter = RateLimiter(
        store, Limits(viewer_per_minute=2, ip_per_minute=1, ip_overall_per_minute=0),
        clock=lambda: T0, on_limited=limited.append,
    )
    await limiter.admit_operation("viewer-1", "10.0.0.1")
    await limiter.admit_operation("viewer-1", "10.0.0.1")
    await limiter.admit_operation("viewer-2", "10.0.0.1")  # another member behind the same address
    await limiter.admit_operation(None, "10.0.0.1")
    with pytest.raises(RateLimited) as raised:
        await limiter.admit_operation("viewer-1", "10.0.0.1")
    assert raised.value.code == "RATE_LIMITED"
    assert isinstance(raised.value.retry_after, int) and raised.value.retry_after >= 1
    with pytest.raises(RateLimited):
        await limiter.admit_operation(None, "10.0.0.1")
    await limiter.admit_operation(None, "10.0.0.2")
    await limiter.admit_request("10.0.0.1")  # 0 turns the overall bucket off
    assert limited == ["viewer", "anonymous"]


async def test_redis_store_fails_open(tmp_path: object) -> None:
    pool = PipelinedPool.for_url(f"unix://{tmp_path}/nothing-here.sock", size=1, timeout=1.0)
    try:
        store = RedisLimits(pool)
        assert [await store.hit("k", 1, T0) for _ in range(3)] == [None, None, None]
    finally:
        await pool.close()


async def test_redis_store_loads_its_script_again_after_a_flush(
    falkordb_server: EmbeddedFalkorDB,
) -> None:
    """The check goes by the script's SHA; a server that lost it (restarted, SCRIPT FLUSH)
    is sent the script itself, and the count goes on exactly."""
    pool = PipelinedPool.for_url(falkordb_server.url, size=1, timeout=5.0)
    try:
        store = RedisLimits(pool, prefix=f"test:{uuid.uuid4().hex}:")
        assert await pool.execute("SCRIPT", "FLUSH") == "OK"
        assert await store.hit("k", 2, T0) is None
        assert await pool.execute("SCRIPT", "FLUSH") == "OK"
        assert await store.hit("k", 2, T0 + 1) is None
        assert await store.hit("k", 2, T0 + 2) is not None  # both hits were counted
    finally:
        await pool.close()


def test_settings_reach_the_limiter() -> None:
    limits = Limits.from_settings(Settings(rate_limit_viewer_per_minute=7, rate_limit_ip_per_minute=8,
                                           rate_limit_ip_overall_per_minute=9))
    assert limits == Limits(viewer_per_minute=7, ip_per_minute=8, ip_overall_per_minute=9)
