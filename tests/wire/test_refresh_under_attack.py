"""A refresh that cannot hang and cannot be wasted.

* A token endpoint that drips one byte every 2 s (httpx's timeouts are per read, so they never
  fire): the refresh fails with a clear ``OAuthError`` at ``refresh_timeout``, the lock is
  freed, and a caller's own deadline is honoured.
* However the caller is cancelled (anyio scope, ``task.cancel()``, ``asyncio.wait_for``, trio),
  a minted token is saved and reused: one mint, waiters proceed.
"""

from __future__ import annotations

import asyncio
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
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # asyncio.wait_for is asyncio's own
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


class SlowTokenEndpoint(httpx.AsyncBaseTransport):
    """The in-process fake, with token requests that take ``delay`` seconds."""

    def __init__(self, fake: FakeZohoCRM, delay: float) -> None:
        self.inner = fake.transport()
        self.delay = delay
        self.token_requests = 0
        self.token_started = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/v2/token":
            self.token_requests += 1
            self.token_started.set()
            await anyio.sleep(self.delay)
        return await self.inner.handle_async_request(request)


async def wait_for_token_request(slow: SlowTokenEndpoint) -> None:
    with anyio.fail_after(5):
        await slow.token_started.wait()


async def cancel_with_anyio_scope(crm: zc.ZohoCRM, slow: SlowTokenEndpoint) -> None:
    async with anyio.create_task_group() as group:
        group.start_soon(crm.org.get)
        await wait_for_token_request(slow)
        group.cancel_scope.cancel()


async def cancel_with_task_cancel(crm: zc.ZohoCRM, slow: SlowTokenEndpoint) -> None:
    task = asyncio.get_running_loop().create_task(crm.org.get())
    await wait_for_token_request(slow)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def cancel_with_wait_for(crm: zc.ZohoCRM, slow: SlowTokenEndpoint) -> None:
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(crm.org.get(), 0.1)
    assert slow.token_requests == 1


CANCELLERS = {
    "anyio-scope": cancel_with_anyio_scope,
    "task.cancel": cancel_with_task_cancel,
    "wait_for": cancel_with_wait_for,
}


@pytest.mark.parametrize(
    ("anyio_backend", "how"),
    [("asyncio", how) for how in sorted(CANCELLERS)] + [("trio", "anyio-scope")],
)
async def test_a_token_minted_for_a_cancelled_caller_is_saved_and_reused(
    anyio_backend: str, how: str, fake: FakeZohoCRM
) -> None:
    store = await expired_tokens(fake)
    slow = SlowTokenEndpoint(fake, delay=0.3)
    async with zc.ZohoCRM(fake.config(), store=store, transport=slow) as crm:
        waiter_tokens: list[str] = []

        async def waiter() -> None:
            await crm.org.get()
            waiter_tokens.append(crm.tokens._cache[fake.user_email].access_token)

        async with anyio.create_task_group() as group:
            group.start_soon(waiter)  # waits on the same refresh: must proceed
            await CANCELLERS[how](crm, slow)
        saved = await store.load(fake.user_email)
        assert saved is not None and not saved.expires_within(60)
        assert waiter_tokens == [saved.access_token]
        await crm.org.get()  # the saved token is reused
    assert fake.stats.token_mints == 1
    assert slow.token_requests == 1
