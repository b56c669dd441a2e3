"""An async iterator read on the event loop, its items handed to a thread in batches.

One hop between threads costs far more than taking an item from a page that is already in
memory, so a task on the loop reads ahead (at most :data:`READ_AHEAD` items) and the reading
thread takes everything that is ready in one call. An error travels in the buffer, after the
items that came before it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterable, Callable, Generator
from typing import Any, Final

import anyio

from .._exceptions import ClientClosedError
from ._portal import CLOSE_TIMEOUT, PortalThread

__all__ = ["READ_AHEAD", "iterate"]

_CLOSED_WHILE_ITERATING: Final = (
    "this blocking ZohoCRM was closed while the loop was iterating; the items seen so far are "
    "not all of them"
)

#: Items read ahead of the consuming thread (a page of records is 200; a download chunk 64 KiB).
READ_AHEAD: Final = 100


class _Raised:
    """An exception the async iterator raised, queued after the items before it."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class _ReadAhead:
    """The items read so far; touched only on the loop, so it needs no lock."""

    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._ended = False
        self._waiters = 0
        self._changed: anyio.Event | None = None  # created on the loop, on first wait

    async def _wait(self) -> None:
        if self._changed is None:
            self._changed = anyio.Event()
        changed = self._changed
        self._waiters += 1
        try:
            await changed.wait()
        finally:
            self._waiters -= 1

    def _notify(self) -> None:
        if self._waiters and self._changed is not None:
            self._changed.set()
            self._changed = None

    async def fill(self, source: AsyncIterable[Any]) -> None:
        """Read ``source`` to its end, never more than :data:`READ_AHEAD` items ahead."""
        iterator = aiter(source)
        finished = False
        try:
            async for item in iterator:
                while len(self._items) >= READ_AHEAD:
                    await self._wait()
                self._items.append(item)  # no checkpoint: a page already read goes in whole
                self._notify()
            finished = True
        except Exception as exc:
            self._items.append(_Raised(exc))
            finished = True
        finally:
            if not finished:  # cancelled (the client closed): the reader must not see an end
                self._items.append(_Raised(ClientClosedError(_CLOSED_WHILE_ITERATING)))
            self._ended = True
            self._notify()
            if callable(getattr(iterator, "aclose", None)):
                with anyio.move_on_after(CLOSE_TIMEOUT, shield=True):  # bounded, even cancelled
                    await iterator.aclose()  # type: ignore[attr-defined]

    async def take(self) -> list[Any]:
        """Every item ready (waiting for one if none is), or ``[]`` at the end."""
        while not self._items and not self._ended:
            await self._wait()
        batch = list(self._items)
        self._items.clear()
        self._notify()
        return batch


def iterate(
    portal: PortalThread, source: AsyncIterable[Any], convert: Callable[[Any], Any]
) -> Generator[Any, None, None]:
    """``convert(item)`` for each item of ``source`` (iterated on ``portal``'s loop).

    Leaving the loop early (``break``, an exception, the iterator collected) cancels the
    reading task, which closes ``source``.
    """
    buffer = _ReadAhead()
    reader = portal.start(buffer.fill, source)
    try:
        while batch := portal.call(buffer.take):
            for item in batch:
                if isinstance(item, _Raised):
                    raise item.error
                yield convert(item)
    finally:
        reader.cancel()  # thread-safe; a no-op once the reader has finished
