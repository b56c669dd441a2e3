"""The HTTP core: URL on the user's api domain, a limiter slot, retries, envelope, errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
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
        #: Called with every retried outcome (status or exception); the adaptive limiter hooks in.
        self.on_retry: Callable[[int | None], None] | None = None

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
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        if params is not None:
            # httpx sends None as "name=", which Zoho reads as a given (empty) value.
            params = {k: v for k, v in params.items() if v is not None}
        if json is not None and content is None and not data and not files:
            # Encoded once, not per attempt; the bytes and header httpx's json= would give.
            content, json = encode_json(json), None
            if headers is None or not any(k.lower() == "content-type" for k in headers):
                headers = {**(headers or {}), "Content-Type": "application/json"}
        url = await self.url(path, user_email)
        auth = self.auth_for(user_email)
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self.adaptive.slot(heavy=heavy) as epoch:
                    response = await self.http.request(
                        method,
                        url,
                        params=params,
                        json=json,
                        data=data,
                        files=files,
                        content=content,
                        headers=headers,
                        auth=auth,
                    )
            except httpx.TransportError as exc:
                if self._may_retry(attempt, started, None) and self.retry.should_retry_error(
                    exc, idempotent=idempotent
                ):
                    await self._backoff(attempt, None, f"{type(exc).__name__}", method, url)
                    continue
                host = httpx.URL(url).host
                raise TransportError(
                    f"{method} {url} failed: {type(exc).__name__}: {exc or 'no answer'} "
                    f"(host {host}, after {attempt} attempt(s))",
                    host=host,
                ) from exc
            status = response.status_code
            if status == 429:
                self.adaptive.on_throttled(epoch)
            else:
                self.adaptive.on_success()
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s -> %d (%.0f ms)",
                    method,
                    url,
                    status,
                    response.elapsed.total_seconds() * 1000,
                )
            if status < 400 or (record_errors_ok and status == 400 and _has_record_list(response)):
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if self.retry.should_retry_status(status, idempotent=idempotent) and self._may_retry(
                attempt, started, retry_after
            ):
                await self._backoff(attempt, retry_after, f"HTTP {status}", method, url, status)
                continue
            raise error_from_response(response)

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

    def _may_retry(self, attempt: int, started: float, retry_after: float | None) -> bool:
        if attempt > self.retry.max_retries:
            return False
        wait = self.retry.delay(attempt, retry_after) if retry_after is not None else 0.0
        return time.monotonic() - started + wait < self.retry.deadline

    async def _backoff(
        self,
        attempt: int,
        retry_after: float | None,
        reason: str,
        method: str,
        url: str,
        status: int | None = None,
    ) -> None:
        delay = self.retry.delay(attempt, retry_after)
        logger.info("%s %s: %s, retry %d in %.2fs", method, url, reason, attempt, delay)
        if self.on_retry is not None:
            self.on_retry(status)
        await anyio.sleep(delay)


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
