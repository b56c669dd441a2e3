"""Waiting for a lock that can only be tried (``SET NX``, ``pg_try_advisory_lock``): bounded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from .._exceptions import TokenStoreError

__all__ = ["wait_for_lock"]

_FIRST_DELAY = 0.002
_MAX_DELAY = 0.05


async def wait_for_lock(
    try_lock: Callable[[], Awaitable[bool]],
    *,
    timeout: float,  # noqa: ASYNC109 - a deadline for the tries, each of which must finish
    what: str,
) -> None:
    """Call ``try_lock`` until it returns True, backing off from 2 to 50 ms between tries.

    Each try runs to its end even if the caller is cancelled meanwhile (the try is one bounded
    command), so a lock the server granted is never left behind unknown to its holder: the
    cancellation arrives at the holder's next checkpoint, inside its ``try``/``finally``.
    After ``timeout`` seconds without the lock: :class:`TokenStoreError` naming ``what``.
    """
    deadline = anyio.current_time() + timeout
    delay = _FIRST_DELAY
    while True:
        with anyio.CancelScope(shield=True):
            if await try_lock():
                return
        remaining = deadline - anyio.current_time()
        if remaining <= 0:
            raise TokenStoreError(
                f"timed out after {timeout:g}s waiting for {what}; another process holds it "
                "(a holder that died releases it when its lease or session ends)"
            )
        await anyio.sleep(min(delay, remaining))
        delay = min(delay * 2, _MAX_DELAY)
