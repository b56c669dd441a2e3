"""An async context manager held open by one task on the loop, for a ``with`` block.

Entering and leaving must happen in the same task: the cancel scopes, task groups and limiter
slots an async context manager opens belong to the task that opened them.
"""

from __future__ import annotations

import sys
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

import anyio

from ._portal import PortalThread

__all__ = ["HeldContext"]

ExcInfo = tuple[type[BaseException] | None, BaseException | None, TracebackType | None]


class HeldContext:
    """``enter()`` runs ``__aenter__`` in a new task that waits there until ``exit()``."""

    def __init__(self, context: AbstractAsyncContextManager[Any], portal: PortalThread) -> None:
        self._context = context
        self._portal = portal
        self._entered: Future[Any] = Future()
        self._release: anyio.Event | None = None
        self._exit_info: ExcInfo = (None, None, None)
        self._task: Future[bool] | None = None

    async def _hold(self) -> bool:
        value = await self._context.__aenter__()
        self._release = anyio.Event()
        self._entered.set_result(value)
        try:
            await self._release.wait()
        except BaseException:  # cancelled by close(): leave the context with that error
            await self._context.__aexit__(*sys.exc_info())
            raise
        return bool(await self._context.__aexit__(*self._exit_info))

    async def _let_go(self) -> None:
        if self._release is not None:
            self._release.set()

    def enter(self) -> Any:
        """``__aenter__``'s value; its error (or the close that cancelled it) is raised."""
        task = self._task = self._portal.start(self._hold)
        try:
            wait([self._entered, task], return_when=FIRST_COMPLETED)
        except BaseException:  # interrupted while waiting: give the context up
            task.cancel()
            raise
        if self._entered.done():
            return self._entered.result()
        self._portal.wait(task)  # raises why the task ended before entering
        raise RuntimeError("the async context manager ended without entering")  # unreachable

    def exit(self, exc_info: ExcInfo) -> bool:
        """Run ``__aexit__`` with the block's exception; True if it suppressed it."""
        if self._task is None or self._portal.closed:
            return False  # closing the client has left the context already
        self._exit_info = exc_info
        self._portal.call(self._let_go)
        return self._portal.wait(self._task)
