"""The shared limiter in one process, on a real Redis server: wiring, errors, waits, trio.

Across real OS processes: tests/cross_process/test_shared_limiter.py.
"""

from __future__ import annotations

import logging
import time

import anyio
import pytest

import zcrm_async as zc
from tests._http.test_limiter import handover_order
from tests.stores.server_support import fresh_key_prefix, redis_url, run_redis
from zcrm_async._redis_limiter_lua import RESIZE
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
asyncio_only = pytest.mark.backends("asyncio")


def shared(maximum: int = 4, **options: object) -> zc.RedisLimiter:
    """A limiter on a key space of its own (two made with the same prefix share it)."""
    prefix = options.pop("key_prefix", None) or fresh_key_prefix()
    return zc.RedisLimiter(
        redis_url(),
        key="org",
        key_prefix=str(prefix),
        maximum=maximum,
        **options,  # type: ignore[arg-type]
    )


@asyncio_only
async def test_the_config_selects_the_shared_limiter(fake: FakeZohoCRM) -> None:
    prefix = fresh_key_prefix()
    config = fake.config(limiter="redis", redis_url=redis_url(), redis_key_prefix=prefix)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        assert isinstance(crm.limiter, zc.RedisLimiter)
        assert crm.limiter.key == fake.client_id  # the default key: the client id
        assert crm.limiter.maximum == config.max_concurrency
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert (await crm.org.get()).zgid
    assert crm.limiter.handoffs == 16  # the default of limiter_handoffs
    named = fake.config(
        limiter="redis", redis_url=redis_url(), limiter_key="org-42", limiter_handoffs="0"
    )
    async with zc.ZohoCRM(named, transport=fake.transport()) as crm:
        assert isinstance(crm.limiter, zc.RedisLimiter) and crm.limiter.key == "org-42"
        assert crm.limiter.handoffs == 0  # every slot back to the org's queue


async def test_config_keys_are_checked(fake: FakeZohoCRM) -> None:
    with pytest.raises(zc.ConfigError, match=r"'redis_url'.*limiter='redis'"):
        fake.config(limiter="redis")
    with pytest.raises(zc.ConfigError, match=r"'limiter'.*local, redis"):
        fake.config(limiter="shared")
    with pytest.raises(zc.ConfigError, match=r"'limiter_lease'"):
        fake.config(limiter_lease=0.2)
    for handoffs in (-1, 1001, "some"):
        with pytest.raises(zc.ConfigError, match=r"'limiter_handoffs'.*0\.\.1000"):
            fake.config(limiter_handoffs=handoffs)
    with pytest.raises(zc.ConfigError, match=r"'limiter_key'"):
        fake.config(limiter_key="  ")
    with pytest.raises(zc.InvalidArgumentError, match=r"zcrm_async\.Limiter"):
        zc.ZohoCRM(fake.config(), limiter=object())  # type: ignore[arg-type]


@asyncio_only
async def test_unreachable_redis_raises_and_sends_nothing(fake: FakeZohoCRM) -> None:
    limiter = zc.RedisLimiter("redis://127.0.0.1:1/0", key="org", timeout=2)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), limiter=limiter) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        with pytest.raises(zc.LimiterUnavailableError) as caught:
            await crm.org.get()
    message = str(caught.value)
    assert "redis://127.0.0.1:1/0" in message and "is the server running" in message
    assert fake.stats.api_requests == 0  # never unbounded: no slot, no call


@asyncio_only
async def test_a_wait_for_a_slot_is_bounded_and_leaves_the_queue_clean() -> None:
    holder = shared(maximum=1)
    waiter = shared(maximum=1, key_prefix=holder.prefix.split("limiter:")[0], wait_timeout=0.5)
    try:
        async with holder.slot():
            started = time.monotonic()
            with pytest.raises(zc.LimiterUnavailableError, match=r"no slot within 0.5s"):
                async with waiter.slot():
                    pass
            assert 0.4 < time.monotonic() - started < 3
        with anyio.fail_after(2):  # the timed-out ticket left the queue: the slot is free
            async with waiter.slot():
                pass
    finally:
        await holder.aclose()
        await waiter.aclose()


@asyncio_only
async def test_a_waiting_call_cancelled_by_its_caller_leaves_the_queue_clean() -> None:
    holder = shared(maximum=1)
    waiter = shared(maximum=1, key_prefix=holder.prefix.split("limiter:")[0])
    try:
        async with holder.slot():
            with anyio.move_on_after(0.2) as scope:
                await _use(waiter)
            assert scope.cancelled_caught
            assert run_redis("ZCARD", holder.prefix + "queue:all") == 0  # its ticket left
        with anyio.fail_after(2):  # nobody queued: the freed slot is taken at once
            await _use(waiter)
    finally:
        await holder.aclose()
        await waiter.aclose()


@asyncio_only
@pytest.mark.parametrize(
    ("handoffs", "expected"),
    [
        (0, ["w0", "w1", "w2", "w3"]),  # every slot goes back: strictly first come
        # A slot serves at most two calls of a worker in a row, then the oldest ticket's
        # worker gets it: first's slot goes to w1 (first's), then to w0 (second's), and so on.
        (1, ["w1", "w0", "w2", "w3"]),
    ],
)
async def test_waiters_are_served_in_arrival_order_across_workers(
    handoffs: int, expected: list[str]
) -> None:
    first = shared(maximum=1, handoffs=handoffs)
    prefix = first.prefix.split("limiter:")[0]
    second = shared(maximum=1, key_prefix=prefix, handoffs=handoffs)
    order: list[str] = []
    try:

        async def use(limiter: zc.RedisLimiter, name: str) -> None:
            async with limiter.slot():
                order.append(name)
                await anyio.sleep(0.01)

        async with anyio.create_task_group() as group, first.slot():
            for n, limiter in enumerate([second, first, second, first]):
                group.start_soon(use, limiter, f"w{n}")
                await anyio.sleep(0.05)  # each queues behind the one before
        assert order == expected
    finally:
        await first.aclose()
        await second.aclose()


@asyncio_only
async def test_a_busy_worker_reusing_its_slots_does_not_starve_another() -> None:
    """A worker whose 10 tasks keep both slots busy reuses each slot at most ``handoffs``
    times, then gives it back to the queue: a worker arriving later gets its turns."""
    busy = shared(maximum=2, handoffs=4)
    late = shared(maximum=2, handoffs=4, key_prefix=busy.prefix.split("limiter:")[0])
    late_calls = 0
    try:

        async def call(limiter: zc.RedisLimiter) -> None:
            async with limiter.slot():
                await anyio.sleep(0.02)

        async def keep_busy() -> None:
            while True:
                await call(busy)

        async with anyio.create_task_group() as group:
            for _ in range(10):
                group.start_soon(keep_busy)
            await anyio.sleep(0.3)  # both slots taken, 8 of busy's tickets queued
            with anyio.fail_after(10):
                for _ in range(5):
                    await call(late)
                    late_calls += 1
            group.cancel_scope.cancel()
        assert late_calls == 5
    finally:
        await busy.aclose()
        await late.aclose()


@asyncio_only
async def test_slots_reused_in_a_worker_save_round_trips() -> None:
    """20 tasks x 10 calls on 2 slots: with hand-offs in the worker, a fraction of the
    scripts each call runs when every slot goes back to Redis."""
    scripts = {}
    for handoffs in (0, 4):
        limiter = shared(maximum=2, handoffs=handoffs)
        in_flight = peak = 0
        try:

            async def task(limiter: zc.RedisLimiter = limiter) -> None:
                nonlocal in_flight, peak
                for _ in range(10):
                    async with limiter.slot():
                        in_flight += 1
                        peak = max(peak, in_flight)
                        await anyio.sleep(0.002)
                        in_flight -= 1
                    limiter.on_success()

            with anyio.fail_after(30):
                async with anyio.create_task_group() as group:
                    for _ in range(20):
                        group.start_soon(task)
        finally:
            await limiter.aclose()
        assert peak == 2
        scripts[handoffs] = limiter.scripts
    assert scripts[0] >= 2 * 200  # a slot taken and given back in Redis for every call
    assert scripts[4] <= scripts[0] / 2


@asyncio_only
async def test_heavy_calls_share_the_orgs_sub_limit() -> None:
    one = shared(maximum=6, heavy_limit=2)
    other = shared(maximum=6, heavy_limit=2, key_prefix=one.prefix.split("limiter:")[0])
    in_heavy = peak = 0
    try:

        async def heavy(limiter: zc.RedisLimiter) -> None:
            nonlocal in_heavy, peak
            async with limiter.slot(heavy=True):
                in_heavy += 1
                peak = max(peak, in_heavy)
                await anyio.sleep(0.05)
                in_heavy -= 1

        async with anyio.create_task_group() as group:
            for n in range(8):
                group.start_soon(heavy, one if n % 2 else other)
        assert peak == 2
    finally:
        await one.aclose()
        await other.aclose()


@asyncio_only
async def test_the_last_worker_to_start_sets_the_orgs_maximum_and_the_others_keep_to_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="zcrm_async")
    first = shared(maximum=4)
    later = shared(maximum=2, key_prefix=first.prefix.split("limiter:")[0])
    try:
        await _use(first)
        assert first.maximum == 4 and not caplog.records
        await _use(later)  # a worker started with another max_concurrency: it sets the org's
        assert later.maximum == later.current == 2
        assert "(key 'org'): this worker moved the org's maximum from 4 to 2" in caplog.text
        caplog.clear()
        async with first.slot(), first.slot():  # the earlier worker keeps to it, and says so
            assert run_redis("HGET", first.prefix + "state", "maximum") == "2"
            assert first.maximum == first.current == 2
            assert "the org's maximum is 2" in caplog.text and "given 4" in caplog.text
            with pytest.raises(TimeoutError), anyio.fail_after(0.3):
                await _use(later)  # the org's two slots are held
        await _use(first)
        assert len(caplog.records) == 1  # once per worker
        # A regrowth asked for by a worker that has not seen the lower maximum yet stops at it.
        version = int(str(run_redis("HGET", first.prefix + "state", "version")))
        applied, limit, _ = await first._script(
            "moving the limit", RESIZE, first._lease_ms(), version, "regrow", 4
        )
        assert (applied, limit) == (1, 2)
    finally:
        await first.aclose()
        await later.aclose()


@asyncio_only
async def test_isolated_429s_keep_the_shared_limit_and_clusters_cut_it() -> None:
    limiter = shared(maximum=8)
    try:
        for call in range(1, 101):  # one in ten refused, spread out: no cluster
            async with limiter.slot() as epoch:
                if call % 10 == 0:
                    limiter.on_throttled(epoch)
                else:
                    limiter.on_success()
        assert limiter.current == 8 and limiter.cuts == 0
        for _ in range(4):  # four in a row: congestion
            async with limiter.slot() as epoch:
                limiter.on_throttled(epoch)
        assert limiter.current == 4 and limiter.cuts == 1
    finally:
        await limiter.aclose()


def expiries(limiter: zc.RedisLimiter) -> dict[str, int]:
    """Every key of the limiter (its prefix cut off) and its ``PTTL`` in ms (-1: none)."""
    keys = run_redis("KEYS", limiter.prefix + "*")  # no glob character in a test's prefix
    assert isinstance(keys, list)
    return {key[len(limiter.prefix) :]: int(str(run_redis("PTTL", key))) for key in keys}


@asyncio_only
async def test_every_key_expires_a_day_after_its_last_use_and_each_use_renews_it() -> None:
    day_ms = 86_400_000
    holder = shared(maximum=1)
    waiter = shared(maximum=1, key_prefix=holder.prefix.split("limiter:")[0])
    shared_keys = {"state", "alive", "held:all", "held:heavy", "queue:heavy", "seq"}
    try:
        async with anyio.create_task_group() as group, holder.slot(heavy=True):
            group.start_soon(lambda: _use(waiter, heavy=True))
            await anyio.sleep(0.3)  # queued behind the holder
            waiting = expiries(holder)
            assert shared_keys <= set(waiting)
            for key, ttl in waiting.items():  # a grant list keeps its lease
                lasting = holder.lease * 1000 if key.startswith("grant:") else day_ms
                assert lasting - 60_000 < ttl <= lasting, key
            for key in shared_keys:
                run_redis("PEXPIRE", holder.prefix + key, 5000)
            await anyio.sleep(1.5)  # the waiter looks around once a second: a use
            assert all(expiries(holder)[key] > day_ms - 60_000 for key in shared_keys)
        for key in expiries(holder):
            run_redis("PEXPIRE", holder.prefix + key, 5000)
        async with holder.slot():  # a call renews them
            pass
        assert all(ttl > day_ms - 60_000 for ttl in expiries(holder).values())
    finally:
        await holder.aclose()
        await waiter.aclose()
    left = expiries(holder)  # the last workers left: what stays still expires
    assert "state" in left and all(0 < ttl <= day_ms for ttl in left.values())


@asyncio_only
async def test_keys_outlive_a_lease_longer_than_a_day_by_three_leases() -> None:
    limiter = shared(lease=40_000.0)
    try:
        async with limiter.slot():
            pass
        assert limiter.idle_expiry == 120_000.0
        assert expiries(limiter)["state"] > 119_000_000
    finally:
        await limiter.aclose()


async def _use(limiter: zc.RedisLimiter, *, heavy: bool = False) -> None:
    async with limiter.slot(heavy=heavy):
        pass


@pytest.mark.backends("trio")
async def test_under_trio_a_call_fails_clearly(fake: FakeZohoCRM) -> None:
    limiter = zc.RedisLimiter(redis_url(), key="org", key_prefix=fresh_key_prefix())
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), limiter=limiter) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        with pytest.raises(zc.UnsupportedBackendError, match=r"asyncio only.*limiter='local'"):
            await crm.org.get()
    assert fake.stats.api_requests == 0


@asyncio_only
async def test_many_calls_on_few_slots_are_all_served_within_the_limit(
    fake: FakeZohoCRM,
) -> None:
    """40 tasks x 10 calls on 3 shared slots, grants racing the replies of their tickets:
    every call is served, none waits for good, never more than 3 in flight."""
    fake.max_concurrency = 3  # the fake refuses a fourth call in flight with 429
    fake.latency = 0.002
    limiter = shared(maximum=3, wait_timeout=20)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), limiter=limiter) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        done = 0

        async def task() -> None:
            nonlocal done
            for _ in range(10):
                await crm.org.get()
                done += 1

        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                for _ in range(40):
                    group.start_soon(task)
    assert done == 400
    assert fake.stats.throttled == 0 and fake.stats.max_in_flight == 3


@asyncio_only
async def test_closing_a_waiting_worker_ends_its_reader_and_closes_its_connections() -> None:
    # The reader blocks in BLPOP on its own connection; left pending when the loop closes, it
    # would take that connection with it, unclosed. Closing in a cancelled scope (a shutdown)
    # must still close every connection.
    holder = shared(maximum=1)
    waiter = shared(maximum=1, key_prefix=holder.prefix.split("limiter:")[0])
    try:
        async with holder.slot(), anyio.create_task_group() as group:
            group.start_soon(lambda: _use(waiter))
            await anyio.sleep(0.3)  # queued behind the holder: its reader is in BLPOP
            reader = waiter._tender
            assert reader is not None and not reader.done()
            pool = waiter._redis.client().connection_pool
            with anyio.CancelScope() as shutdown:
                shutdown.cancel()
                await waiter.aclose()
            group.cancel_scope.cancel()
        assert reader.done()
        made = [*pool._available_connections, *pool._in_use_connections]
        assert made and not any(connection.is_connected for connection in made)
    finally:
        await holder.aclose()
        await waiter.aclose()


@asyncio_only
async def test_a_slot_reused_in_the_worker_lets_its_taker_send_before_the_giver_goes_on() -> None:
    limiter = shared(maximum=1, handoffs=4)
    try:
        order = await handover_order(limiter)
    finally:
        await limiter.aclose()
    assert order == ["the taker sends", "the giver decodes its answer"]


@asyncio_only
async def test_freed_slots_go_to_the_worker_holding_fewest_not_all_to_the_first_queued() -> None:
    """Worker a queued four calls before worker b queued four; four slots free at once: each
    worker gets two (by arrival order alone, a would get all four and b none)."""
    holder = shared(maximum=4)
    prefix = holder.prefix.split("limiter:")[0]
    a, b = shared(maximum=4, key_prefix=prefix), shared(maximum=4, key_prefix=prefix)
    running = {"a": 0, "b": 0}
    release, seen = anyio.Event(), anyio.Event()
    try:

        async def hold() -> None:
            async with holder.slot():
                await release.wait()

        async def use(limiter: zc.RedisLimiter, name: str) -> None:
            async with limiter.slot():
                running[name] += 1
                if sum(running.values()) == 4:
                    seen.set()
                await anyio.sleep(0.5)

        with anyio.fail_after(20):
            async with anyio.create_task_group() as group:
                for _ in range(4):
                    group.start_soon(hold)
                await anyio.sleep(0.1)  # the holder has every slot
                for limiter, name in ((a, "a"), (b, "b")):
                    for _ in range(4):
                        group.start_soon(use, limiter, name)
                    await anyio.sleep(0.2)  # a's tickets all queue before b's
                release.set()
                await seen.wait()
                assert running == {"a": 2, "b": 2}
    finally:
        for limiter in (holder, a, b):
            await limiter.aclose()
