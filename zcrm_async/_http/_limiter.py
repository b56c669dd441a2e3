"""Adaptive concurrency: AIMD on the client-wide limiter, plus Zoho's sub-limit for heavy APIs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Final, Literal

import anyio

from .._logging import logger

if TYPE_CHECKING:
    from .._hooks import HookSet

__all__ = ["HEAVY_API_LIMIT", "AdaptiveLimiter"]

#: Zoho caps "heavy" calls (search, COQL, convert, writes of more than 10 records, mass update)
#: at 10 concurrent calls in every edition.
HEAVY_API_LIMIT: Final = 10


class AdaptiveLimiter:
    """Adapts a :class:`anyio.CapacityLimiter` to what Zoho accepts (AIMD).

    A 429 halves the number of concurrent calls (never below ``minimum``); after as many
    successes in a row as the current limit, it grows by one again, up to ``maximum`` (the
    limiter's size at construction, i.e. ``max_concurrency``). 429s of calls that started
    before the last cut are the same burst and do not cut again. Heavy calls also take a slot
    of a second limiter capped at :data:`HEAVY_API_LIMIT`.

    Args:
        limiter: The limiter to adapt; its size is the ``maximum``.
        minimum: The fewest concurrent calls a cut leaves.
        heavy_limit: The most concurrent heavy calls.
        hooks: Told each time the limit moves.
    """

    def __init__(
        self,
        limiter: anyio.CapacityLimiter,
        *,
        minimum: int = 1,
        heavy_limit: int = HEAVY_API_LIMIT,
        hooks: HookSet | None = None,
    ) -> None:
        self.limiter = limiter
        self.hooks = hooks
        self.maximum = int(limiter.total_tokens)
        self.minimum = max(1, min(minimum, self.maximum))
        self.heavy = anyio.CapacityLimiter(max(1, min(heavy_limit, self.maximum)))
        #: Bumped at every cut; a call remembers the epoch it started in.
        self.epoch = 0
        self._successes = 0
        #: Counters for tests and benchmarks.
        self.cuts = 0
        self.raises = 0

    @property
    def current(self) -> int:
        """The number of concurrent calls allowed right now."""
        return int(self.limiter.total_tokens)

    @asynccontextmanager
    async def slot(self, *, heavy: bool = False) -> AsyncIterator[int]:
        """Hold a slot (and a heavy slot first, for heavy calls) while the block runs.

        The borrower is the call, not the task, so one task may hold several slots (e.g. a
        request made while reading a streamed download).

        Args:
            heavy: Also hold one of the slots for Zoho's heavy calls.

        Yields:
            The current epoch, to pass to :meth:`on_throttled` if the call gets 429.
        """
        borrower = object()
        if heavy:
            await _acquire(self.heavy, borrower)
        try:
            await _acquire(self.limiter, borrower)
            try:
                yield self.epoch
            finally:
                self.limiter.release_on_behalf_of(borrower)
        finally:
            if heavy:
                self.heavy.release_on_behalf_of(borrower)

    def on_success(self) -> None:
        """A call was not throttled: additive increase once a full window succeeded."""
        if self.current >= self.maximum:
            return
        self._successes += 1
        if self._successes >= self.current:
            self._successes = 0
            self._resize(self.current + 1, "regrow")
            self.raises += 1

    def on_throttled(self, epoch: int) -> None:
        """A call that started in ``epoch`` got 429: multiplicative decrease (once per burst).

        Args:
            epoch: The epoch :meth:`slot` gave the call.
        """
        if epoch != self.epoch:
            return
        self.epoch += 1
        self._successes = 0
        new = max(self.minimum, self.current // 2)
        if new != self.current:
            logger.info("429 from Zoho: concurrency %d -> %d", self.current, new)
            self._resize(new, "cut")
            self.cuts += 1

    def _resize(self, size: int, kind: Literal["cut", "regrow"]) -> None:
        before = self.current
        self.limiter.total_tokens = size
        if self.hooks is not None:
            self.hooks.emit("limiter_changed", kind=kind, before=before, after=size)


async def _acquire(limiter: anyio.CapacityLimiter, borrower: object) -> None:
    """Take a token; when one is free, without anyio's two extra trips through the event loop."""
    try:
        limiter.acquire_on_behalf_of_nowait(borrower)
    except anyio.WouldBlock:
        await limiter.acquire_on_behalf_of(borrower)
