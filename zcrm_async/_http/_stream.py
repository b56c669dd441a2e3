"""Streaming requests: file downloads that are never held whole in memory."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx

from .._exceptions import TransportError
from .._logging import logger
from ._envelope import error_from_response
from ._retry import IDEMPOTENT_METHODS, parse_retry_after

if TYPE_CHECKING:
    from ._core import HttpCore

__all__ = ["open_stream"]


@asynccontextmanager
async def open_stream(
    core: HttpCore,
    method: str,
    path: str,
    *,
    user_email: str,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[httpx.Response]:
    """Send and yield the response with its body unread (a status below 400).

    Failures before the response headers are retried like :meth:`HttpCore.request`; nothing
    is retried once the body has started (a broken body raises :class:`TransportError`). The
    limiter slot is held until the block exits, since Zoho counts the transfer as a call.
    """
    method = method.upper()
    idempotent = method in IDEMPOTENT_METHODS
    url = await core.url(path, user_email)
    auth = core.auth_for(user_email)
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        retry: tuple[float | None, str, int | None] | None = None
        async with AsyncExitStack() as stack:
            epoch = await stack.enter_async_context(core.adaptive.slot())
            request = core.http.build_request(method, url, params=params, headers=headers)
            try:
                response = await core.http.send(request, auth=auth, stream=True)
            except httpx.TransportError as exc:
                if not (
                    core._may_retry(attempt, started, None)
                    and core.retry.should_retry_error(exc, idempotent=idempotent)
                ):
                    raise _transport_error(method, url, exc, attempt) from exc
                retry = (None, type(exc).__name__, None)
            else:
                stack.push_async_callback(response.aclose)
                status = response.status_code
                if status == 429:
                    core.adaptive.on_throttled(epoch)
                else:
                    core.adaptive.on_success()
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("%s %s -> %d (streamed)", method, url, status)
                if status < 400:
                    try:
                        yield response
                    except httpx.TransportError as exc:
                        raise TransportError(
                            f"{method} {url}: the download broke off after it had started "
                            f"({type(exc).__name__}: {exc}); not retried, start it again",
                            host=httpx.URL(url).host,
                        ) from exc
                    return
                await response.aread()
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if not (
                    core.retry.should_retry_status(status, idempotent=idempotent)
                    and core._may_retry(attempt, started, retry_after)
                ):
                    raise error_from_response(response)
                retry = (retry_after, f"HTTP {status}", status)
        retry_after, reason, status_code = retry
        await core._backoff(attempt, retry_after, reason, method, url, status_code)


def _transport_error(method: str, url: str, exc: Exception, attempt: int) -> TransportError:
    host = httpx.URL(url).host
    return TransportError(
        f"{method} {url} failed: {type(exc).__name__}: {exc or 'no answer'} "
        f"(host {host}, after {attempt} attempt(s))",
        host=host,
    )
