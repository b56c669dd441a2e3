"""Adaptive concurrency: AIMD on the client-wide limiter, plus Zoho's sub-limit for heavy APIs.

:class:`Limiter` is what the request path needs of a limiter; :class:`AdaptiveLimiter` is the
in-process one every client has by default, and ``RedisLimiter`` shares one limit between
processes and hosts. Both move their limit by the same decision (``_aimd.verdict``).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Final, Literal, Protocol, runtime_checkable

import anyio

from .._logging import logger
from ._aimd import Tally, verdict

if TYPE_CHECKING:
    from .._hooks import HookSet

__all__ = ["HEAVY_API_LIMIT", "AdaptiveLimiter", "Limiter", "hand_over", "report_change"]

#: Zoho caps "heavy" calls (search, COQL, convert, writes of more than 10 records, mass update)
#: at 10 concurrent calls in every edition.
HEAVY_API_LIMIT: Final = 10


@runtime_checkable
class Limiter(Protocol):
    """What a client needs of a concurrency limiter (``ZohoCRM(config, limiter=...)``).

    The request path holds a :meth:`slot` for each CRM API attempt, then reports how Zoho
    answered it: :meth:`on_throttled` for a 429, :meth:`on_success` for anything else. The
    slot yields an *epoch*, which the limiter bumps when it cuts its limit; a 429 reported with
    an older epoch belongs to the burst that caused the cut.
    """

    @property
    def current(self) -> int:
        """The number of concurrent calls allowed right now (as last known)."""
        ...

    @property
    def maximum(self) -> int:
        """The most concurrent calls the limiter ever allows."""
        ...

    def slot(self, *, heavy: bool = False) -> AbstractAsyncContextManager[int]:
        """Hold a slot (and a heavy-API slot first, for heavy calls); yields the epoch.

        Args:
            heavy: The call is one of Zoho's heavy APIs (sub-limit of 10).

        Returns:
            An async context manager holding the slot; it yields the current epoch.
        """
        ...

    def on_success(self) -> None:
        """A call held in a slot was not throttled."""
        ...

    def on_throttled(self, epoch: int) -> None:
        """A call that started in ``epoch`` got 429.

        Args:
            epoch: What the call's :meth:`slot` yielded.
        """
        ...

    async def aclose(self) -> None:
        """Give back whatever the limiter holds (connections, shared slots)."""
        ...


def report_change(
    hooks: HookSet | None, kind: Literal["cut", "regrow"], before: int, after: int
) -> None:
    """Log a cut and hand the change to the ``limiter_changed`` hooks."""
    if kind == "cut":
        logger.info("429s from Zoho cluster: concurrency %d -> %d", before, after)
    if hooks is not None:
        hooks.emit("limiter_changed", kind=kind, before=before, after=after)


class AdaptiveLimiter:
    """Adapts a :class:`anyio.CapacityLimiter` to what Zoho accepts (AIMD), in one process.

    When 429s cluster (several among the recent calls, not one now and then: see
    :func:`~zcrm_async._http._aimd.verdict`) the number of concurrent calls halves, never below
    ``minimum``; after as many successes as the current limit, it grows by one again, up to
    ``maximum`` (the limiter's size at construction, i.e. ``max_concurrency``). 429s of calls
    that started before the last cut are the same burst and are not counted again. Heavy calls
    also take a slot of a second limiter capped at :data:`HEAVY_API_LIMIT`.

    Args:
        limiter: The capacity limiter to resize; its size is the maximum.
        minimum: The fewest concurrent calls a cut leaves.
        heavy_limit: The sub-limit of heavy calls (at most the maximum).
        hooks: Where ``limiter_changed`` events go (the client passes its own).
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
        self._maximum = int(limiter.total_tokens)
        self.minimum = max(1, min(minimum, self._maximum))
        self.heavy = anyio.CapacityLimiter(max(1, min(heavy_limit, self._maximum)))
        #: Bumped at every cut; a call remembers the epoch it started in.
        self.epoch = 0
        self._successes = 0
        self._calls = 0
        self._throttles = 0
        #: Counters for tests and benchmarks.
        self.cuts = 0
        self.raises = 0

    @property
    def current(self) -> int:
        """The number of concurrent calls allowed right now."""
        return int(self.limiter.total_tokens)

    @property
    def maximum(self) -> int:
        """The most concurrent calls allowed (``max_concurrency``)."""
        return self._maximum

    def slot(self, *, heavy: bool = False) -> AbstractAsyncContextManager[int]:
        """Hold a slot (and a heavy slot first, for heavy calls); yields the current epoch.

        The borrower is the call, not the task, so one task may hold several slots (e.g. a
        request made while reading a streamed download).

        Args:
            heavy: The call is one of Zoho's heavy APIs.

        Returns:
            An async context manager holding the slot; it yields the epoch the call starts in.
        """
        return _Slot(self, heavy)

    def on_success(self) -> None:
        """A call was not throttled: additive increase once a full window succeeded."""
        self._successes += 1
        self._calls += 1
        self._settle()

    def on_throttled(self, epoch: int) -> None:
        """A call that started in ``epoch`` got 429: cut if the 429s cluster (once per burst).

        Args:
            epoch: What the call's :meth:`slot` yielded.
        """
        if epoch != self.epoch:
            return
        self._throttles += 1
        self._calls += 1
        self._settle()

    async def aclose(self) -> None:
        """Nothing to give back: the limiter lives in this process."""

    def _settle(self) -> None:
        tally = Tally(
            self.current, self._maximum, self.minimum, self._successes, self._calls, self._throttles
        )
        move = verdict(tally)
        if move is None:
            return
        if move.action == "decay":
            self._calls //= 2
            self._throttles //= 2
            return
        self._successes = 0
        if move.action == "cut":
            self.epoch += 1
            self._calls = self._throttles = 0
        if move.limit == self.current:
            return
        before = self.current
        self.limiter.total_tokens = move.limit
        if move.action == "cut":
            self.cuts += 1
        else:
            self.raises += 1
        report_change(self.hooks, move.action, before, move.limit)


class _Slot(AbstractAsyncContextManager[int]):
    """One call's hold on a slot of an :class:`AdaptiveLimiter` (the call's own borrower)."""

    __slots__ = ("_heavy", "_limiter")

    def __init__(self, limiter: AdaptiveLimiter, heavy: bool) -> None:
        self._limiter = limiter
        self._heavy = heavy

    async def __aenter__(self) -> int:
        limiter = self._limiter
        if self._heavy:
            await _acquire(limiter.heavy, self)
        try:
            await _acquire(limiter.limiter, self)
        except BaseException:
            if self._heavy:
                limiter.heavy.release_on_behalf_of(self)
            raise
        return limiter.epoch

    async def __aexit__(self, *exc_info: object) -> None:
        limiter = self._limiter
        waited_for = limiter.limiter.statistics().tasks_waiting > 0
        try:
            limiter.limiter.release_on_behalf_of(self)
        finally:
            if self._heavy:
                limiter.heavy.release_on_behalf_of(self)
        if waited_for:
            await hand_over()


async def hand_over() -> None:
    """Let the call just given a slot send before the one that gave it goes on.

    The giver still has its answer to decode and its next call to prepare; done first, they
    would leave the slot idle (and the org's limit unused) for as long.
    """
    await anyio.lowlevel.cancel_shielded_checkpoint()


async def _acquire(limiter: anyio.CapacityLimiter, borrower: object) -> None:
    """Take a token; when one is free, without anyio's two extra trips through the event loop."""
    try:
        limiter.acquire_on_behalf_of_nowait(borrower)
    except anyio.WouldBlock:
        await limiter.acquire_on_behalf_of(borrower)
