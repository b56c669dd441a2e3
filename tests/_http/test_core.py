"""The one request path (_http/_core.py): retries, error mapping, limits, redirects, the body cap,
trusted hosts, the token per attempt."""

from __future__ import annotations

import gzip
import logging
import secrets
import time
from collections.abc import Callable

import anyio
import anyio.abc
import httpx
import pytest

import zcrm_async as zc
from tests._http._raw_server import RawServer, raw_server
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

Script = Callable[[httpx.Request], httpx.Response | None]


class Scripted(httpx.AsyncBaseTransport):
    """The fake, except where ``script`` answers first (a proxy or a hostile host in between).

    Every request that reaches the transport is kept in ``seen``.
    """

    def __init__(self, fake: FakeZohoCRM, script: Script) -> None:
        self.inner = fake.transport()
        self.script = script
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        answer = self.script(request)
        if answer is not None:
            return answer
        return await self.inner.handle_async_request(request)


async def client_on(
    fake: FakeZohoCRM, script: Script, retry: zc.RetryPolicy, **config: object
) -> tuple[zc.ZohoCRM, Scripted]:
    transport = Scripted(fake, script)
    crm = zc.ZohoCRM(fake.config(**config), transport=transport, retry=retry)
    await crm.oauth.generate_access_token(fake.issue_grant_code())
    return crm, transport


# -- retries and the error tree ------------------------------------------------------------


async def test_a_post_is_not_retried_on_500(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    fake.fail_next(500, method="POST")
    with pytest.raises(zc.ServerError) as info:
        await crm.request("POST", "Leads", json={"data": [{"Last_Name": "Once"}]})
    assert info.value.status_code == 500 and info.value.code == "INTERNAL_ERROR"
    assert fake.stats.api_requests == 1
    assert fake.records("Leads") == {}


async def test_a_get_is_retried_on_5xx(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    fake.fail_next(503, times=2)
    org = await crm.org.get()
    assert org.company_name
    assert fake.stats.api_requests == 3


async def test_retries_give_up_after_max_retries(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    fake.stats.reset()
    fake.fail_next(502, times=10)
    with pytest.raises(zc.ServerError):
        await crm.org.get()
    assert fake.stats.api_requests == 4  # 1 + max_retries (3)


async def test_429_is_retried_for_any_method_after_retry_after(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.stats.reset()
    fake.fail_next(429, retry_after=0.3, method="POST")
    started = time.monotonic()
    result = await crm.records("Leads").create([{"Last_Name": "Patient"}])
    assert time.monotonic() - started >= 0.3  # waited as told, not the tiny test backoff
    assert result[0].ok
    assert fake.stats.api_requests == 2
    assert len(fake.records("Leads")) == 1  # written exactly once


async def test_persistent_429_raises_rate_limit_error_with_retry_after(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.fail_next(429, retry_after=0.01, times=10)
    with pytest.raises(zc.RateLimitError) as info:
        await crm.org.get()
    assert info.value.retry_after == pytest.approx(0.01)
    assert info.value.code == "TOO_MANY_REQUESTS"


async def test_a_dropped_connection_is_retried_for_get_only(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.drop_next()
    assert (await crm.org.get()).zgid
    fake.stats.reset()
    fake.drop_next(method="POST")
    with pytest.raises(zc.TransportError, match="RemoteProtocolError"):
        await crm.request("POST", "Leads", json={"data": [{"Last_Name": "Maybe"}]})
    assert fake.stats.api_requests == 1


async def test_malformed_json_is_an_api_error_with_a_snippet(
    crm: zc.ZohoCRM, fake: FakeZohoCRM
) -> None:
    fake.malformed_next()
    with pytest.raises(zc.APIError) as info:
        await crm.org.get()
    assert info.value.code == "MALFORMED_RESPONSE"
    assert "not JSON" in str(info.value) and "<" in str(info.value)  # a bit of the HTML body


async def test_204_is_empty_not_an_error(crm: zc.ZohoCRM) -> None:
    page = await crm.records("Leads").list(fields=["Last_Name"])
    assert page.items == [] and not page.info.more_records
    assert [r async for r in crm.records("Leads").search(email="none@example.com")] == []


async def test_errors_map_to_the_exception_tree(crm: zc.ZohoCRM, fake: FakeZohoCRM) -> None:
    with pytest.raises(zc.APIError) as info:
        await crm.records("Nonexistent_Module").list(fields=["Name"])
    assert info.value.status_code == 400 and info.value.code == "INVALID_MODULE"
    fake.fail_next(403, code="NO_PERMISSION")
    with pytest.raises(zc.PermissionDeniedError):
        await crm.org.get()
    with pytest.raises(zc.NotFoundError) as not_found:
        await crm.request("GET", "no/such/thing/at/all")
    assert not_found.value.code == "INVALID_URL_PATTERN"
    assert "/crm/v8/no/such/thing/at/all" in str(not_found.value)


@pytest.mark.parametrize(
    "body",
    [
        {
            "base_currency": {
                "code": "ALREADY_ENABLED",
                "details": {},
                "message": "m",
                "status": "error",
            }
        },
        {
            "tags": [
                {
                    "code": "ALREADY_ENABLED",
                    "details": {"id": "1"},
                    "message": "m",
                    "status": "error",
                }
            ]
        },
        {"code": "ALREADY_ENABLED", "details": {}, "message": "m", "status": "error"},
    ],
    ids=["in-an-object", "in-an-array", "bare"],
)
async def test_an_error_a_settings_api_wraps_under_its_key_is_read(
    fake: FakeZohoCRM, body: dict[str, object]
) -> None:
    def script(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(400, json=body) if "currencies" in request.url.path else None

    transport = Scripted(fake, script)
    async with zc.ZohoCRM(fake.config(), transport=transport) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        with pytest.raises(zc.APIError) as info:
            await crm.request("POST", "org/currencies/actions/enable", json={})
    assert (info.value.code, info.value.message) == ("ALREADY_ENABLED", "m")


async def test_the_limiter_bounds_requests_in_flight(fake: FakeZohoCRM) -> None:
    fake.latency = 0.01
    config = fake.config(max_concurrency=3)
    async with zc.ZohoCRM(config, transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        async with anyio.create_task_group() as group:
            for _ in range(30):
                group.start_soon(crm.org.get)
    assert fake.stats.api_requests == 30
    assert fake.stats.max_in_flight == 3


async def test_api_calls_go_to_the_api_domain_of_the_token(fake: FakeZohoCRM) -> None:
    seen: list[str] = []
    inner = fake.transport()

    class Recorder(type(inner)):  # type: ignore[misc]
        async def handle_async_request(self, request):  # type: ignore[no-untyped-def]
            seen.append(str(request.url.copy_with(query=None)))
            return await inner.handle_async_request(request)

    recorder = Recorder(app=fake.app)
    async with zc.ZohoCRM(fake.config(), transport=recorder) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.org.get()
    assert seen[-1] == f"{fake.base_url}/crm/v8/org"


async def test_api_version_v2_is_used_in_urls(fake: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(fake.config(api_version="v2"), transport=fake.transport()) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        await crm.records("Leads").create([{"Last_Name": "Old"}])
        names = [r["Last_Name"] async for r in crm.records("Leads").list()]  # fields optional
    assert names == ["Old"]
    assert fake.stats.by_route["GET /crm/{version}/{module}"] == 1


async def test_each_retry_passes_through_auth_again(fake: FakeZohoCRM) -> None:
    """A 503, then the token expires before the retry: the retry is re-signed after a refresh."""
    inner = fake.transport()
    failed_once = False

    class ExpireAfterFirst503(type(inner)):  # type: ignore[misc]
        async def handle_async_request(self, request):  # type: ignore[no-untyped-def]
            nonlocal failed_once
            response = await inner.handle_async_request(request)
            if request.url.path.endswith("/org") and not failed_once:
                failed_once = True
                fake.expire_access_tokens()
                return type(response)(503, json={"code": "INTERNAL_ERROR", "status": "error"})
            return response

    retry = zc.RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01)
    transport = ExpireAfterFirst503(app=fake.app)
    async with zc.ZohoCRM(fake.config(), transport=transport, retry=retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        assert (await crm.org.get()).zgid
    assert fake.stats.token_mints == 1  # the retried GET met 401, refreshed, and was replayed


async def test_the_total_deadline_stops_retrying(fake: FakeZohoCRM) -> None:
    retry = zc.RetryPolicy(max_retries=10, initial_delay=0.001, deadline=0.2)
    async with zc.ZohoCRM(fake.config(), transport=fake.transport(), retry=retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        fake.stats.reset()
        fake.fail_next(429, retry_after=0.15, times=10)
        with pytest.raises(zc.RateLimitError):
            await crm.org.get()
    assert fake.stats.api_requests == 2  # a second 0.15 s wait would pass the 0.2 s deadline


async def test_requests_are_logged_at_debug_without_secrets(
    crm: zc.ZohoCRM, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="zcrm_async"):
        await crm.org.get()
    tokens = crm.tokens._cache[crm.user_email or ""]
    assert "GET http://fake-zoho.test/crm/v8/org -> 200" in caplog.text
    assert tokens.access_token not in caplog.text


# -- redirects ----------------------------------------------------------------------------------


async def test_a_redirect_from_the_api_is_an_error_and_never_followed(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    def redirect_org(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/org"):
            return httpx.Response(302, headers={"Location": "https://evil.example/steal"})
        return None

    crm, transport = await client_on(fake, redirect_org, fast_retry)
    async with crm:
        with pytest.raises(zc.RedirectError) as info:
            await crm.org.get()
    error = info.value
    assert error.status_code == 302 and error.location == "https://evil.example/steal"
    assert "302" in str(error) and "https://evil.example/steal" in str(error)
    assert all(r.url.host != "evil.example" for r in transport.seen)
    assert sum(r.url.path.endswith("/org") for r in transport.seen) == 1  # not retried either


async def test_a_redirect_from_the_accounts_server_is_an_error(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    def redirect_token(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/oauth/v2/token":
            return httpx.Response(307, headers={"Location": "https://evil.example/token"})
        return None

    transport = Scripted(fake, redirect_token)
    async with zc.ZohoCRM(fake.config(), transport=transport, retry=fast_retry) as crm:
        with pytest.raises(zc.RedirectError) as info:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
    assert info.value.location == "https://evil.example/token"
    assert [r.url.host for r in transport.seen] == ["fake-zoho.test"]  # the secret stayed home
    assert fake.client_secret not in str(info.value)


async def test_304_not_modified_is_still_an_empty_answer(crm: zc.ZohoCRM) -> None:
    await crm.records("Leads").create([{"Last_Name": "Old"}])
    pager = crm.records("Leads").list(fields=["Last_Name"], modified_since="2999-01-01T00:00:00Z")
    assert (await pager).items == []


# -- the body cap -------------------------------------------------------------------------------


async def test_an_answer_over_the_cap_is_a_clear_error(fake: FakeZohoCRM) -> None:
    async with zc.ZohoCRM(
        fake.config(max_response_bytes=20_000), transport=fake.transport()
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        (big,) = fake.add_records("Leads", [{"Last_Name": "Big", "Description": "x" * 30_000}])
        with pytest.raises(zc.ResponseTooLargeError) as info:
            await crm.records("Leads").get(big)
        (small,) = fake.add_records("Leads", [{"Last_Name": "small"}])
        assert (await crm.records("Leads").get(small))["Last_Name"] == "small"
    assert info.value.limit == 20_000
    assert "max_response_bytes" in str(info.value) and f"/Leads/{big}" in str(info.value)


async def stored_tokens(api_domain: str) -> zc.MemoryStore:
    """A store holding a valid token of ``ada@example.com`` for ``api_domain``."""
    store = zc.MemoryStore()
    await store.save(
        zc.OAuthTokens("ada@example.com", "1000.a.b", "1000.c.d", 2**45, api_domain=api_domain)
    )
    return store


def bare_config(**values: object) -> zc.Config:
    return zc.Config.from_dict(
        {
            "client_id": "c",
            "client_secret": "s",
            "redirect_uri": "https://x.example/cb",
            "current_user_email": "ada@example.com",
            **values,
        }
    )


async def request_through(server: RawServer, *, cap: int) -> object:
    """``crm.request`` to ``server`` with a client capped at ``cap`` bytes."""
    config = bare_config(allow_untrusted_hosts=True, max_response_bytes=cap)
    store = await stored_tokens(f"http://127.0.0.1:{server.port}")
    async with zc.ZohoCRM(config, store=store) as crm:
        return await crm.request("GET", "org")


@pytest.mark.socket
async def test_a_gzip_bomb_is_stopped_at_the_cap_of_decoded_bytes() -> None:
    bomb = gzip.compress(b'{"org": [' + b" " * 5_000_000 + b"]}")
    assert len(bomb) < 10_000  # tiny on the wire
    head = (
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
        f"content-length: {len(bomb)}\r\n\r\n"
    )
    async with raw_server(head.encode() + bomb) as server:
        with pytest.raises(zc.ResponseTooLargeError) as info:
            await request_through(server, cap=100_000)
        assert info.value.size is None  # found while decoding, not from a header
        small = gzip.compress(b'{"org": [{"id": "1"}]}')
        server.answer = (
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
            f"content-length: {len(small)}\r\n\r\n"
        ).encode() + small
        assert await request_through(server, cap=100_000) == {"org": [{"id": "1"}]}


@pytest.mark.socket
async def test_a_declared_length_over_the_cap_fails_before_reading() -> None:
    head = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 900000000\r\n\r\n{"
    )
    async with raw_server(head) as server:
        with anyio.fail_after(10):  # the 900 MB never come: reading them would hang
            with pytest.raises(zc.ResponseTooLargeError) as info:
                await request_through(server, cap=1_000_000)
    assert info.value.size == 900_000_000


async def test_downloads_stream_past_the_cap(fake: FakeZohoCRM, fast_retry: zc.RetryPolicy) -> None:
    poll = zc.PollPolicy(interval=0.001, max_interval=0.005, timeout=10.0)
    texts = [secrets.token_hex(500) for _ in range(40)]  # 40 kB that a ZIP cannot shrink much
    fake.add_records("Leads", [{"Last_Name": "L", "Description": text} for text in texts])
    async with zc.ZohoCRM(
        fake.config(max_response_bytes=4096), transport=fake.transport(), retry=fast_retry
    ) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        read = crm.bulk.read_rows("Leads", fields=["Description"], poll=poll)
        rows = [row["Description"] async for row in read]
    assert sorted(rows) == sorted(texts)  # the ZIP is far larger than 4 KiB


# -- trusted hosts ------------------------------------------------------------------------------


def test_plain_http_urls_need_the_explicit_opt_in() -> None:
    base = {"client_id": "c", "client_secret": "s", "redirect_uri": "https://x.example/cb"}
    for key in ("accounts_url", "api_base_url", "upload_url"):
        with pytest.raises(zc.ConfigError) as info:
            zc.Config.from_dict({**base, key: "http://proxy.example"})
        assert info.value.key == key and "allow_untrusted_hosts" in str(info.value)
        allowed = zc.Config.from_dict(
            {**base, key: "http://proxy.example", "allow_untrusted_hosts": "true"}
        )
        assert getattr(allowed, key) == "http://proxy.example"
    assert zc.Config.from_dict({**base, "accounts_url": "accounts.zoho.eu"}).accounts_url == (
        "https://accounts.zoho.eu"  # no scheme: https, as the classic SDKs did
    )


def zoho_like(base_url: str) -> FakeZohoCRM:
    """A fake whose token answers name ``base_url`` as their api_domain."""
    return FakeZohoCRM(base_url=base_url)


def real_config(fake: FakeZohoCRM, **values: object) -> zc.Config:
    """A config as for a real account (no test opt-in); the fake is reached by its transport."""
    return zc.Config.from_dict(
        {
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "redirect_uri": fake.redirect_uri,
            "current_user_email": fake.user_email,
            "persistence": "memory",
            **values,
        }
    )


async def test_a_token_answer_naming_a_foreign_api_domain_is_refused(
    fast_retry: zc.RetryPolicy,
) -> None:
    fake = zoho_like("https://evil.example")
    transport = Scripted(fake, lambda request: None)
    async with zc.ZohoCRM(real_config(fake), transport=transport, retry=fast_retry) as crm:
        with pytest.raises(zc.OAuthError) as info:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert info.value.error == "untrusted_api_domain"
        assert "https://evil.example" in str(info.value)
        assert not await crm.oauth.is_token_generated()
    assert all(r.url.host != "evil.example" for r in transport.seen)


async def test_the_api_domain_must_belong_to_the_minting_data_centre(
    fast_retry: zc.RetryPolicy,
) -> None:
    fake = zoho_like("https://www.zohoapis.eu")
    transport = Scripted(fake, lambda request: None)
    async with zc.ZohoCRM(real_config(fake), transport=transport, retry=fast_retry) as crm:
        with pytest.raises(zc.OAuthError, match="untrusted_api_domain"):  # minted by the US DC
            await crm.oauth.generate_access_token(fake.issue_grant_code())
        # A user of the EU data centre logging in through a multi-DC web login: accepted.
        tokens = await crm.oauth.generate_access_token(
            fake.issue_grant_code(), accounts_server="https://accounts.zoho.eu"
        )
        assert tokens.api_domain == "https://www.zohoapis.eu"
        assert (await crm.org.get()).zgid
    assert transport.seen[-1].url.host == "www.zohoapis.eu"
    eu = real_config(fake, data_center="eu")
    async with zc.ZohoCRM(eu, transport=fake.transport(), retry=fast_retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        assert (await crm.users.current()).email == fake.user_email


async def test_a_token_is_never_sent_to_a_foreign_full_url() -> None:
    sent: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url)
        return httpx.Response(200, json={"org": [{"id": "1"}]})

    store = await stored_tokens("https://www.zohoapis.com")
    transport = httpx.MockTransport(answer)
    async with zc.ZohoCRM(bare_config(), store=store, transport=transport) as crm:
        with pytest.raises(zc.InvalidArgumentError, match=r"evil\.example"):
            await crm.request("GET", "https://evil.example/crm/v8/org")
        with pytest.raises(zc.InvalidArgumentError, match=r"http://www\.zohoapis\.com"):
            await crm.request("GET", "http://www.zohoapis.com/crm/v8/org")  # not https
        assert await crm.request("GET", "https://www.zohoapis.com/crm/v8/org")
    assert [str(url) for url in sent] == ["https://www.zohoapis.com/crm/v8/org"]


async def test_a_cookie_one_answer_sets_never_goes_out_with_a_later_call() -> None:
    """One client serves every user: a cookie set in answer to one call stays out of the next
    (the SDK's own client keeps no cookie jar; a client passed in keeps its own)."""
    sent: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        return httpx.Response(
            200, json={"org": [{"id": "1"}]}, headers={"Set-Cookie": "crmcsr=abc; Path=/"}
        )

    store = await stored_tokens("https://www.zohoapis.com")
    transport = httpx.MockTransport(answer)
    async with zc.ZohoCRM(bare_config(), store=store, transport=transport) as crm:
        await crm.request("GET", "org")
        await crm.request("GET", "org")
        assert not crm.http.cookies
        with pytest.raises(zc.InvalidArgumentError, match=r"keeps no cookies.*http_client="):
            crm.http.cookies = {"crmcsr": "abc"}
    assert sent == [None, None]
    own = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with zc.ZohoCRM(bare_config(), store=store, http_client=own) as crm:
        await crm.request("GET", "org")
        await crm.request("GET", "org")
    assert sent[2:] == [None, "crmcsr=abc"]  # the caller's own client, the caller's own jar


# -- error answers ------------------------------------------------------------------------------


async def test_a_500_with_an_html_page_is_a_server_error(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    page = b"<html><body><h1>500 Internal Server Error</h1></body></html>"

    def html_500(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/org"):
            return httpx.Response(500, content=page, headers={"Content-Type": "text/html"})
        return None

    crm, transport = await client_on(fake, html_500, fast_retry)
    async with crm:
        with pytest.raises(zc.ServerError) as info:
            await crm.org.get()
    error = info.value
    assert error.status_code == 500 and error.code == "HTTP_500"
    assert error.code != "MALFORMED_RESPONSE" and "Internal Server Error" in str(error)
    assert error.body == page.decode()
    assert sum(r.url.path.endswith("/org") for r in transport.seen) == 4  # GET: retried


async def test_errors_carry_the_answer_without_the_token(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    fake.fail_next(429, retry_after=0.001, times=10)
    with pytest.raises(zc.RateLimitError) as info:
        await crm.records("Leads").count(params={"criteria": "(Email:equals:x@example.com)"})
    error = info.value
    assert error.response is not None and error.response.status_code == 429
    assert error.body == {
        "code": "TOO_MANY_REQUESTS",
        "details": {},
        "message": "too many requests. please try again after some time",
        "status": "error",
    }
    assert error.headers["retry-after"] == error.response.headers["Retry-After"]
    assert error.rate_limit.retry_after == pytest.approx(0.001)
    assert (error.method, error.url) == ("GET", f"{fake.base_url}/crm/v8/Leads/actions/count")
    token = (await crm.tokens.get(crm.user_email or "")).access_token
    assert token not in repr(error.response.request.headers)
    assert error.response.request.headers["Authorization"] == "Zoho-oauthtoken ***"


async def test_rate_limit_and_request_id_headers_are_readable(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    def throttled(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/org"):
            return httpx.Response(
                429,
                json={"code": "TOO_MANY_REQUESTS", "message": "slow down", "status": "error"},
                headers={"X-API-CREDITS-REMAINING": "17", "X-Request-Id": "req-42"},
            )
        return None

    crm, _ = await client_on(fake, throttled, fast_retry)
    async with crm:
        with pytest.raises(zc.RateLimitError) as info:
            await crm.org.get(max_retries=0)
    assert info.value.rate_limit.credits_remaining == 17
    assert info.value.request_id == "req-42"


async def test_an_empty_answer_for_one_record_is_not_a_404(
    fake: FakeZohoCRM, crm: zc.ZohoCRM
) -> None:
    with pytest.raises(zc.EmptyResultError) as info:
        await crm.records("Leads").get("5725767000000999999")
    assert not isinstance(info.value, zc.NotFoundError)
    assert (info.value.status_code, info.value.code) == (204, "RECORD_NOT_FOUND")
    assert info.value.response is not None and info.value.response.status_code == 204
    with pytest.raises(zc.NotFoundError) as not_found:
        await crm.request("GET", "Leads/not-an-id/Contacts")
    assert not_found.value.status_code == 404


# -- the token, once per attempt ----------------------------------------------------------------


async def test_the_token_is_looked_up_once_per_attempt(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = crm.tokens.get

    async def counting(user_email: str, *, stale: str | None = None) -> zc.OAuthTokens:
        calls.append(user_email)
        return await original(user_email, stale=stale)

    monkeypatch.setattr(crm.tokens, "get", counting)
    await crm.org.get()
    assert len(calls) == 1
    fake.fail_next(503, times=2)
    calls.clear()
    await crm.org.get()
    assert len(calls) == 3  # one per attempt


async def test_the_error_is_logged_once_at_error_level(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next(403, code="NO_PERMISSION")
    with caplog.at_level(logging.DEBUG, logger="zcrm_async"), pytest.raises(zc.APIError) as info:
        await crm.org.get()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "NO_PERMISSION" in errors[0].getMessage()
    assert "GET /crm/v8/org" in errors[0].getMessage()
    assert info.value.logged


async def test_a_refresh_holds_no_crm_slot_while_other_users_call(
    fake: FakeZohoCRM, fast_retry: zc.RetryPolicy
) -> None:
    other = "other@example.com"
    fake.add_user(other)
    store = zc.MemoryStore()
    async with zc.ZohoCRM(fake.config(), store=store, transport=fake.transport()) as setup:
        await setup.oauth.generate_access_token(fake.issue_grant_code())
        await setup.oauth.generate_access_token(
            fake.issue_grant_code(user_email=other), user_email=other
        )
    expired = await store.load(fake.user_email)
    assert expired is not None
    expired.expiry_time = 0  # the first user's token needs a refresh before its next call
    await store.save(expired)

    released = anyio.Event()

    class SlowTokenEndpoint(Scripted):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path == "/oauth/v2/token":
                await released.wait()  # the accounts server takes its time
            return await super().handle_async_request(request)

    transport = SlowTokenEndpoint(fake, lambda request: None)
    config = fake.config(max_concurrency=1)
    async with (
        zc.ZohoCRM(config, store=store, transport=transport, retry=fast_retry) as crm,
        anyio.create_task_group() as group,
    ):
        group.start_soon(crm.as_user(fake.user_email).org.get)  # refreshes, slowly
        await anyio.sleep(0.05)
        try:
            with anyio.fail_after(5):  # the only slot is free: the refresh does not hold it
                assert (await crm.as_user(other).users.current()).email == other
        finally:
            released.set()  # the refresh (shielded: a minted token is kept) may finish


@pytest.mark.parametrize("client_params", [None, {"org": "7", "fields": "Email"}])
async def test_the_query_sent_is_the_one_httpx_builds_from_the_params(
    client_params: dict[str, str] | None,
) -> None:
    """Whatever the path holds (a query, a fragment, characters to escape) and whatever the
    params (none, empty, None values, lists, booleans), the URL sent is the one httpx builds
    from the URL and the params (params replace the path's query); a client of the caller's with
    params of its own gets them merged in as httpx merges them."""
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"data": []})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer), params=client_params)
    config = zc.Config(
        client_id="1000.q",
        client_secret="q",
        redirect_uri="https://example.com/callback",
        current_user_email="ada@example.com",
        persistence="memory",
    )
    store = zc.MemoryStore()
    domain = "https://www.zohoapis.com"
    await store.save(zc.OAuthTokens("ada@example.com", "1000.a.a", "1000.r.r", 2**45, domain))
    crm = zc.ZohoCRM(config, store=store, http_client=http)
    cases: list[tuple[str, dict[str, object] | None, str]] = [
        ("Leads/1", {"fields": "Last_Name,Email", "cvid": None}, "/crm/v8/Leads/1"),
        ("Leads/1", {}, "/crm/v8/Leads/1"),
        ("Leads/1", {"cvid": None}, "/crm/v8/Leads/1"),
        ("/crm/v8/Leads?page=2", {"ids": []}, "/crm/v8/Leads?page=2"),
        ("Leads/1", None, "/crm/v8/Leads/1"),
        ("Leads/search", {"word": "Ünal & Söhne/1+1=2 #a?b"}, "/crm/v8/Leads/search"),
        ("/crm/v8/Leads?page=2", {"per_page": 5, "flag": True}, "/crm/v8/Leads?page=2"),
        ("/crm/v8/Leads?page=2", {}, "/crm/v8/Leads?page=2"),
        ("/crm/v8/Leads?page=2", None, "/crm/v8/Leads?page=2"),
        (f"{domain}/crm/v8/Leads?page=3#top", {"ids": ["1", "2"]}, "/crm/v8/Leads?page=3#top"),
        (f"{domain}/crm/v8/Leads#top?x=1", {"a": "b c"}, "/crm/v8/Leads#top?x=1"),
        (f"{domain}/crm/v8/Léads?page=3", None, "/crm/v8/Léads?page=3"),
    ]
    try:
        for path, params, url in cases:
            await crm.request("GET", path, params=params)  # type: ignore[typeddict-item]
            # Empty params are no params; None values are left out (not sent as "name=").
            filtered = {k: v for k, v in params.items() if v is not None} if params else None
            expected = http.build_request("GET", domain + url, params=filtered).url
            assert seen[-1] == expected, (path, params)
            assert seen[-1].raw_path == expected.raw_path
    finally:
        await crm.aclose()
        await http.aclose()
