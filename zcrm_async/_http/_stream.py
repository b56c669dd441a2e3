"""Streaming requests: file downloads that are never held whole in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx

from .._exceptions import TransportError

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
    exchange = core.exchange(
        method, path, user_email=user_email, stream=True, params=params, headers=headers
    )
    async with exchange as response:
        try:
            yield response
        except httpx.TransportError as exc:
            url = response.request.url
            raise TransportError(
                f"{method.upper()} {url}: the download broke off after it had started "
                f"({type(exc).__name__}: {exc}); not retried, start it again",
                host=url.host,
            ) from exc
