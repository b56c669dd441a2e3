"""A refresh that cannot hang and cannot be wasted.

* A token endpoint that drips one byte every 2 s (httpx's timeouts are per read, so they never
  fire): the refresh fails with a clear ``OAuthError`` at ``refresh_timeout``, the lock is
  freed, and a caller's own deadline is honoured.
* However the caller is cancelled (anyio scope, ``task.cancel()``, ``asyncio.wait_for``, trio),
  a minted token is saved and reused: one mint, waiters proceed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

import anyio
import attrs
import httpx
import pytest

import zcrm_async as zc
from tests._tcp_proxy import TcpProxy
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

REFRESH_TIMEOUT = 3.0
SLACK = 2.0  # "within a second or two" of a bound


async def expired_tokens(fake: FakeZohoCRM) -> zc.MemoryStore:
    body = fake.issue_tokens()
    tokens = zc.OAuthTokens.from_token_response(body, user_email=fake.user_email)
    store = zc.MemoryStore()
    await store.save(attrs.evolve(tokens, expiry_time=int(time.time() * 1000) - 1000))
    return store


@pytest.fixture
def dripping() -> Iterator[tuple[FakeZohoCRM, TcpProxy]]:
    """The fake on a socket; its accounts server reached through a proxy that drips."""
    fake = FakeZohoCRM()
    with fake.serve_in_thread() as url:
        host, port = httpx.URL(url).host, httpx.URL(url).port
        assert port is not None
        with TcpProxy(host, port, drip_interval=2.0) as proxy:
            proxy.mode = "drip"
            yield fake, proxy


def dripping_client(fake: FakeZohoCRM, proxy: TcpProxy, store: zc.TokenStore) -> zc.ZohoCRM:
    config = fake.config(
        accounts_url=f"http://127.0.0.1:{proxy.port}", refresh_timeout=REFRESH_TIMEOUT
    )
    return zc.ZohoCRM(config, store=store)


@pytest.mark.socket
async def test_a_dripping_token_endpoint_fails_clearly_at_refresh_timeout(
    dripping: tuple[FakeZohoCRM, TcpProxy],
) -> None:
    fake, proxy = dripping
    store = await expired_tokens(fake)
    async with dripping_client(fake, proxy, store) as crm:
        started = time.monotonic()
        with anyio.fail_after(REFRESH_TIMEOUT + 10):  # unbounded before: 70 s and more
            with pytest.raises(zc.OAuthError) as caught:
                await crm.org.get()
        elapsed = time.monotonic() - started
        assert REFRESH_TIMEOUT - 0.5 <= elapsed <= REFRESH_TIMEOUT + SLACK
        assert caught.value.error == "refresh_timeout"
        assert "refresh_timeout=3s" in str(caught.value)

        # The lock was freed: once the endpoint answers again, the next call refreshes.
        proxy.mode = "forward"
        with anyio.fail_after(10):
            assert (await crm.org.get()).zgid


@pytest.mark.socket
async def test_the_callers_own_deadline_is_honoured_and_waiters_share_the_flight(
    dripping: tuple[FakeZohoCRM, TcpProxy],
) -> None:
    fake, proxy = dripping
    store = await expired_tokens(fake)
    async with dripping_client(fake, proxy, store) as crm:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            with anyio.fail_after(1):
                await crm.org.get()
        assert time.monotonic() - started <= 1 + SLACK

        # A second caller joins the refresh still in flight: no second token request.
        with anyio.fail_after(REFRESH_TIMEOUT + SLACK):
            with pytest.raises(zc.OAuthError, match="refresh_timeout"):
                await crm.org.get()
        assert time.monotonic() - started <= REFRESH_TIMEOUT + SLACK
        assert proxy.accepted == 1


@pytest.mark.socket
@pytest.mark.backends("asyncio")  # asyncio.wait_for is asyncio's own
async def test_asyncio_wait_for_returns_at_its_own_deadline(
    dripping: tuple[FakeZohoCRM, TcpProxy],
) -> None:
    fake, proxy = dripping
    store = await expired_tokens(fake)
    async with dripping_client(fake, proxy, store) as crm:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(crm.org.get(), 1)
        assert time.monotonic() - started <= 1 + SLACK


@pytest.fixture
def slow_answers() -> Iterator[tuple[FakeZohoCRM, TcpProxy]]:
    """The fake on a socket; its token answers arrive 0.3 s after the mint (a far server)."""
    fake = FakeZohoCRM()
    with fake.serve_in_thread() as url:
        host, port = httpx.URL(url).host, httpx.URL(url).port
        assert port is not None
        with TcpProxy(host, port, delay=0.3) as proxy:
            proxy.mode = "delay"
            yield fake, proxy


async def minted(fake: FakeZohoCRM) -> None:
    """Return once Zoho has minted a token: from then on, losing the answer wastes a mint."""
    with anyio.fail_after(5):
        while fake.stats.token_mints == 0:  # noqa: ASYNC110 - the fake runs in another thread
            await anyio.sleep(0.002)


async def cancel_with_anyio_scope(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    async with anyio.create_task_group() as group:
        group.start_soon(crm.org.get)
        await minted(fake)
        group.cancel_scope.cancel()


async def cancel_with_task_cancel(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    task = asyncio.get_running_loop().create_task(crm.org.get())
    await minted(fake)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def cancel_with_wait_for(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(crm.org.get(), 0.15)
    assert fake.stats.token_mints == 1  # it gave up after the mint, before the answer


CANCELLERS = {
    "anyio-scope": cancel_with_anyio_scope,
    "task.cancel": cancel_with_task_cancel,
    "wait_for": cancel_with_wait_for,
}


@pytest.mark.socket
@pytest.mark.parametrize(
    ("anyio_backend", "how"),
    [("asyncio", how) for how in sorted(CANCELLERS)] + [("trio", "anyio-scope")],
)
async def test_a_token_minted_for_a_cancelled_caller_is_saved_and_reused(
    anyio_backend: str, how: str, slow_answers: tuple[FakeZohoCRM, TcpProxy]
) -> None:
    fake, proxy = slow_answers
    store = await expired_tokens(fake)
    fake.stats.reset()
    config = fake.config(accounts_url=f"http://127.0.0.1:{proxy.port}")
    async with zc.ZohoCRM(config, store=store) as crm:
        waiter_tokens: list[str] = []

        async def waiter() -> None:
            await crm.org.get()
            waiter_tokens.append(crm.tokens._cache[fake.user_email].access_token)

        async with anyio.create_task_group() as group:
            group.start_soon(waiter)  # waits on the same refresh: must proceed
            await CANCELLERS[how](crm, fake)
        saved = await store.load(fake.user_email)
        assert saved is not None and not saved.expires_within(60)
        assert waiter_tokens == [saved.access_token]
        await crm.org.get()  # the saved token is reused
    assert fake.stats.token_mints == 1


@pytest.mark.socket
@pytest.mark.backends("asyncio")
async def test_task_cancel_at_any_moment_of_a_refresh_wastes_no_mint() -> None:
    """Cancel at 0, 1, 2 ... 40 ms into the refresh: wherever it lands, one mint in all."""
    fake = FakeZohoCRM()
    wasted: list[tuple[float, int]] = []
    with fake.serve_in_thread():
        for step in range(41):
            store = await expired_tokens(fake)
            fake.stats.reset()
            async with zc.ZohoCRM(fake.config(), store=store) as crm:
                task = asyncio.get_running_loop().create_task(crm.org.get())
                await anyio.sleep(step / 1000)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                await crm.org.get()
            if fake.stats.token_mints != 1:
                wasted.append((step / 1000, fake.stats.token_mints))
    assert wasted == []
