"""The HTTP core: URL on the user's api domain, a limiter slot, retries, envelope, errors."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx

from .._config import Config
from .._exceptions import TransportError
from .._logging import logger
from ..auth._middleware import ZohoAuth
from ..auth._tokens import TokenManager
from ._envelope import decode, encode_json, error_from_response
from ._limiter import AdaptiveLimiter
from ._retry import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after

__all__ = ["HttpCore"]


class HttpCore:
    """Sends every CRM API request. One per client, shared by all its users and managers.

    Each attempt takes a slot of the client-wide limiter (released while backing off) and goes
    through :class:`ZohoAuth` again, so a retry carries the freshest token.
    """

    def __init__(
        self,
        config: Config,
        http: httpx.AsyncClient,
        tokens: TokenManager,
        limiter: anyio.CapacityLimiter,
        retry: RetryPolicy,
    ) -> None:
        self.config = config
        self.http = http
        self.tokens = tokens
        self.limiter = limiter
        #: AIMD over ``limiter`` plus the heavy-API sub-limit.
        self.adaptive = AdaptiveLimiter(limiter)
        self.retry = retry
        self._auths: dict[str, ZohoAuth] = {}

    def auth_for(self, user_email: str) -> ZohoAuth:
        """The (cached) auth middleware of one user."""
        auth = self._auths.get(user_email)
        if auth is None:
            auth = self._auths[user_email] = ZohoAuth(self.tokens, user_email)
        return auth

    async def url(self, path: str, user_email: str) -> str:
        """``path`` on the user's api domain: ``Leads`` -> ``{domain}/crm/{version}/Leads``.

        A path starting with ``/`` is taken from the domain root; an absolute URL as it is.
        """
        if path.startswith(("https://", "http://")):
            return path
        tokens = await self.tokens.get(user_email)
        base = self.config.api_domain(tokens.api_domain)
        if path.startswith("/"):
            return f"{base}{path}"
        return f"{base}/crm/{self.config.api_version}/{path}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        user_email: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        record_errors_ok: bool = False,
        heavy: bool = False,
    ) -> httpx.Response:
        """Send with retries; return the (read) response or raise the mapped :class:`APIError`.

        ``record_errors_ok``: a 400 whose body is a ``data`` array of per-record results is a
        result (all records rejected), not an exception. ``heavy``: the call counts against
        Zoho's sub-limit of 10 (search, COQL, convert, writes of more than 10 records).
        """
        if json is not None and content is None and not data and not files:
            # Encoded once, not per attempt; the bytes and header httpx's json= would give.
            content, json = encode_json(json), None
            if headers is None or not any(k.lower() == "content-type" for k in headers):
                headers = {**(headers or {}), "Content-Type": "application/json"}
        exchange = self.exchange(
            method,
            path,
            user_email=user_email,
            params=params,
            json=json,
            data=data,
            files=files,
            content=content,
            headers=headers,
            idempotent=idempotent,
            record_errors_ok=record_errors_ok,
            heavy=heavy,
        )
        async with exchange as response:
            return response

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """:meth:`request`, then the decoded JSON body (None for 204/304)."""
        return decode(await self.request(method, path, **kwargs))

    def stream(
        self, method: str, path: str, **kwargs: Any
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """``async with core.stream("GET", path, user_email=...) as response:`` body unread.

        Retried like :meth:`request` until the headers arrive, never after the first byte.
        """
        from ._stream import open_stream

        return open_stream(self, method, path, **kwargs)

    @asynccontextmanager
    async def exchange(
        self,
        method: str,
        path: str,
        *,
        user_email: str,
        stream: bool = False,
        idempotent: bool | None = None,
        record_errors_ok: bool = False,
        heavy: bool = False,
        params: Mapping[str, Any] | None = None,
        **send: Any,
    ) -> AsyncIterator[httpx.Response]:
        """The retry loop behind :meth:`request` and :meth:`stream`; yields the final response.

        Each attempt holds a limiter slot (until the ``async with`` body ends, so a streamed
        download keeps its slot) and passes through :class:`ZohoAuth`. Failures are retried by
        :class:`RetryPolicy`: before backing off the slot is released.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if params is not None:
            # httpx sends None as "name=", which Zoho reads as a given (empty) value.
            params = {k: v for k, v in params.items() if v is not None}
        url = await self.url(path, user_email)
        auth = self.auth_for(user_email)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            async with AsyncExitStack() as stack:
                epoch = await stack.enter_async_context(self.adaptive.slot(heavy=heavy))
                request = self.http.build_request(method, url, params=params, **send)
                try:
                    response = await self.http.send(request, auth=auth, stream=stream)
                except httpx.TransportError as exc:
                    delay = self._retry_delay(attempt, started)
                    if delay is None or not self.retry.should_retry_error(
                        exc, idempotent=idempotent
                    ):
                        host = httpx.URL(url).host
                        raise TransportError(
                            f"{method} {url} failed: {type(exc).__name__}: {exc or 'no answer'} "
                            f"(host {host}, after {attempt} attempt(s))",
                            host=host,
                        ) from exc
                    reason = type(exc).__name__
                else:
                    if stream:
                        stack.push_async_callback(response.aclose)
                    status = response.status_code
                    self._observe(response, epoch, method, url, streamed=stream)
                    if status < 400 or (
                        record_errors_ok and status == 400 and _has_record_list(response)
                    ):
                        yield response
                        return
                    if stream:
                        await response.aread()
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    delay = self._retry_delay(attempt, started, retry_after)
                    if delay is None or not self.retry.should_retry_status(
                        status, idempotent=idempotent
                    ):
                        raise error_from_response(response)
                    reason = f"HTTP {status}"
            logger.info("%s %s: %s, retry %d in %.2fs", method, url, reason, attempt, delay)
            await anyio.sleep(delay)

    def _observe(
        self, response: httpx.Response, epoch: int, method: str, url: str, *, streamed: bool
    ) -> None:
        """Feed the adaptive limiter and the DEBUG log with one answer."""
        status = response.status_code
        if status == 429:
            self.adaptive.on_throttled(epoch)
        else:
            self.adaptive.on_success()
        if logger.isEnabledFor(logging.DEBUG):
            took = "streamed" if streamed else f"{response.elapsed.total_seconds() * 1000:.0f} ms"
            logger.debug("%s %s -> %d (%s)", method, url, status, took)

    def _retry_delay(
        self, attempt: int, started: float, retry_after: float | None = None
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when retries or time ran out."""
        if attempt > self.retry.max_retries:
            return None
        delay = self.retry.delay(attempt, retry_after)
        if time.monotonic() - started + delay >= self.retry.deadline:
            return None
        return delay


def _has_record_list(response: httpx.Response) -> bool:
    try:
        body = decode(response, keep=True)  # the caller decodes it next: parsed once
    except Exception:
        return False
    if not isinstance(body, dict):
        return False
    if isinstance(body.get("data"), list) and body["data"]:
        return True
    # Settings writes answer per item under their own key: {"users": [...]}, {"taxes": [...]}.
    return any(
        isinstance(value, list) and value and isinstance(value[0], dict) and "status" in value[0]
        for value in body.values()
    )
