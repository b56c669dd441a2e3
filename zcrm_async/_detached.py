"""Work that outlives its caller's cancellation: tasks owned by a component, not by a caller.

A shielded cancel scope protects against anyio cancellation only: asyncio's ``task.cancel()``
and ``asyncio.wait_for`` still interrupt the awaiting task. Work that must finish once started
(a minted token must be saved) runs here, in a task of its own: the caller waits for its
outcome and may give up waiting at any time; the work goes on, bounded by its own deadline.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio

from ._exceptions import ClientClosedError

if TYPE_CHECKING:
    import asyncio

__all__ = ["Detached", "Outcome"]

T = TypeVar("T")


class Outcome(Generic[T]):
    """The result of one detached call, for any number of waiters."""

    def __init__(self) -> None:
        self._done = anyio.Event()
        self._value: T | None = None
        self._error: Exception | None = None
        self.scope = anyio.CancelScope()

    @property
    def done(self) -> bool:
        """True once the work has returned or raised."""
        return self._done.is_set()

    async def get(self) -> T:
        """Wait for the work (a cancelled waiter stops waiting; the work goes on)."""
        await self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]  # set whenever there is no error

    async def _run(self, work: Callable[[], Awaitable[T]]) -> None:
        try:
            with self.scope:
                self._value = await work()
            if self.scope.cancelled_caught:
                self._error = ClientClosedError("the client was closed before this work finished")
        except Exception as exc:  # handed to the waiters, who raise it
            self._error = exc
        finally:
            self._done.set()


class Detached:
    """Starts work in tasks that belong to this object, and can wait for all of them."""

    def __init__(self) -> None:
        self._running: set[Outcome[Any]] = set()
        self._tasks: set[asyncio.Task[None]] = set()  # strong references (asyncio keeps weak)

    def start(self, work: Callable[[], Awaitable[T]]) -> Outcome[T]:
        """Run ``work()`` in a task of its own, outside every caller's cancel scope."""
        outcome: Outcome[T] = Outcome()
        self._running.add(outcome)

        async def run() -> None:
            try:
                await outcome._run(work)
            finally:
                self._running.discard(outcome)

        # Imported here: asyncio is loaded by then whenever it runs, and costs ~20 ms otherwise.
        from ._backend import current_backend

        if current_backend() == "asyncio":
            import asyncio

            task = asyncio.get_running_loop().create_task(run())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            import trio

            # In the starter's context variables, as asyncio's create_task does (a tracing
            # span, a request id), rather than those of the system nursery.
            trio.lowlevel.spawn_system_task(run, context=contextvars.copy_context())
        return outcome

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Start ``work()`` detached and wait for its outcome."""
        return await self.start(work).get()

    async def aclose(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for running work, then cancel what is left and wait."""
        with anyio.CancelScope(shield=True):
            with anyio.move_on_after(grace):
                for outcome in list(self._running):
                    await outcome._done.wait()
            for outcome in list(self._running):
                outcome.scope.cancel()
            with anyio.move_on_after(1.0):
                for outcome in list(self._running):
                    await outcome._done.wait()
