"""An anyio event loop in a daemon thread that other threads hand work to.

Every task started through :class:`PortalThread` is tracked, so closing can cancel what is
still in flight. Every wait while closing is bounded, and the thread is a daemon. A portal
nobody closed is closed when the last object using it is collected, or at interpreter exit.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import CancelledError, Future
from typing import Any, Final, TypeVar

import anyio
from anyio.from_thread import BlockingPortal

from .._exceptions import ClientClosedError

__all__ = ["CLOSE_TIMEOUT", "PortalThread"]

T = TypeVar("T")

logger = logging.getLogger("zcrm_async.blocking")

#: Seconds to wait for the event loop thread to start.
START_TIMEOUT: Final = 30.0
#: Seconds closing waits for the close callback, then again for the thread to end.
CLOSE_TIMEOUT: Final = 10.0
#: The same bound when nobody closed the portal (garbage collection, interpreter exit).
FORGOTTEN_CLOSE_TIMEOUT: Final = 5.0

_CLOSED: Final = "this blocking ZohoCRM is closed; create a new one"

Finish = Callable[[], Awaitable[object]]


def _run_loop(ready: Future[BlockingPortal], backend: str, backend_options: dict[str, Any]) -> None:
    async def serve() -> None:
        async with BlockingPortal() as portal:
            ready.set_result(portal)
            await portal.sleep_until_stopped()

    try:
        anyio.run(serve, backend=backend, backend_options=backend_options)
    except BaseException as exc:  # e.g. an unknown backend: the constructor raises it
        if not ready.done():
            ready.set_exception(exc)
        else:
            logger.exception("the blocking client's event loop ended with an error")


class _Loop:
    """What closing needs; shared with the finalizer, so it must not refer to the PortalThread."""

    def __init__(self, thread: threading.Thread, portal: BlockingPortal) -> None:
        self.thread = thread
        self.portal = portal
        self.lock = threading.Lock()
        self.in_flight: set[Future[Any]] = set()
        self.closed = False
        self.finish: Finish | None = None


def _shutdown(loop: _Loop, timeout: float) -> None:
    """Cancel the tasks in flight, await ``loop.finish``, stop the loop; each wait bounded."""
    with loop.lock:
        if loop.closed:
            return
        loop.closed = True
        in_flight = list(loop.in_flight)
    if threading.current_thread() is loop.thread:
        return  # collected on the loop itself: nothing can be awaited here; the daemon ends
    for future in in_flight:
        future.cancel()
    try:
        if loop.finish is not None:
            done = loop.portal.start_task_soon(loop.finish)
            try:
                done.result(timeout)
            except TimeoutError:
                done.cancel()
                logger.warning("closing the client took over %.1f s; stopped waiting", timeout)
    finally:
        with contextlib.suppress(RuntimeError):  # RuntimeError: the loop has already ended
            loop.portal.start_task_soon(loop.portal.stop, True)
        loop.thread.join(timeout)
        if loop.thread.is_alive():
            logger.warning(
                "the blocking client's event loop thread did not end within %.1f s; "
                "it is a daemon thread and ends with the interpreter",
                timeout,
            )


def _shutdown_forgotten(loop: _Loop) -> None:
    try:
        _shutdown(loop, FORGOTTEN_CLOSE_TIMEOUT)
    except Exception:  # a finalizer has nobody to raise to
        logger.warning("closing a blocking client nobody closed failed", exc_info=True)


class _Guard:
    """Lets a thread cancel a task it started even if it never got the task's future back."""

    def __init__(self) -> None:
        self.cancelled = False
        self.scope: anyio.CancelScope | None = None

    async def run(self, func: Callable[..., Awaitable[T]], *args: Any) -> T:
        with anyio.CancelScope() as scope:
            self.scope = scope  # set before the flag is read: cancel() sees one or the other
            if self.cancelled:
                scope.cancel()
            return await func(*args)
        raise CancelledError  # cancelled before func could start

    def cancel(self, portal: BlockingPortal) -> None:
        """Cancel the task from another thread (before, during or after its start)."""
        self.cancelled = True
        scope = self.scope
        if scope is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already ended
                portal.start_task_soon(_cancel_scope, scope)


async def _cancel_scope(scope: anyio.CancelScope) -> None:
    scope.cancel()


class PortalThread:
    """One event loop (``backend``: ``"asyncio"`` or ``"trio"``) in a daemon thread."""

    def __init__(
        self,
        backend: str = "asyncio",
        backend_options: Mapping[str, Any] | None = None,
        *,
        name: str = "zcrm-blocking",
    ) -> None:
        ready: Future[BlockingPortal] = Future()
        thread = threading.Thread(
            target=_run_loop,
            args=(ready, backend, dict(backend_options or {})),
            name=name,
            daemon=True,
        )
        thread.start()
        try:
            portal = ready.result(START_TIMEOUT)
        except TimeoutError:
            raise RuntimeError(
                f"the event loop thread did not start within {START_TIMEOUT:.0f} s"
            ) from None
        self._loop = _Loop(thread, portal)
        self._finalizer = weakref.finalize(self, _shutdown_forgotten, self._loop)

    @property
    def closed(self) -> bool:
        """True once closing has begun."""
        return self._loop.closed

    def on_close(self, finish: Finish) -> None:
        """Await ``finish()`` on the loop when closing, after the calls in flight are cancelled."""
        self._loop.finish = finish

    def start(self, func: Callable[..., Awaitable[T]], *args: Any) -> Future[T]:
        """Start ``func(*args)`` as a task on the loop; its future (cancel it to cancel it).

        Interrupted (Ctrl-C) at any point, even before the future reaches the caller, the task
        is cancelled: nothing keeps running that nobody can see.
        """
        loop = self._loop
        if threading.current_thread() is loop.thread:
            raise RuntimeError(
                "a blocking ZohoCRM cannot be called from its own event loop thread (for "
                "example from a callback the client runs); do that work after the call returns"
            )
        if loop.closed:
            raise ClientClosedError(_CLOSED)
        guard = _Guard()
        try:  # not under the lock: starting waits for the loop, whose callbacks take the lock
            future = loop.portal.start_task_soon(guard.run, func, *args)
            with loop.lock:
                if loop.closed:  # closing began after the start: cancel it as closing would have
                    future.cancel()
                else:
                    loop.in_flight.add(future)
            future.add_done_callback(self._forget)
        except RuntimeError:
            guard.cancel(loop.portal)
            if loop.closed:  # the loop stopped between the check and the start
                raise ClientClosedError(_CLOSED) from None
            raise
        except BaseException:
            guard.cancel(loop.portal)
            raise
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._loop.lock:
            self._loop.in_flight.discard(future)

    def wait(self, future: Future[T]) -> T:
        """The result of a task from :meth:`start`; its exception is re-raised as it is.

        If the waiting thread is interrupted (Ctrl-C), the task is cancelled too.
        """
        try:
            return future.result()
        except CancelledError:
            raise ClientClosedError(
                "this blocking ZohoCRM was closed while the call was in flight"
            ) from None
        except BaseException:
            future.cancel()  # a no-op when the task itself raised
            raise

    def call(self, func: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run ``func(*args)`` on the loop and wait for its result."""
        future = self.start(func, *args)
        try:
            return self.wait(future)
        except BaseException:  # also an interrupt that lands before wait() is under way
            future.cancel()
            raise

    def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Cancel the calls in flight, run the :meth:`on_close` callback, stop the loop.

        Each of the two waits (the callback; the thread's end) lasts at most ``timeout``
        seconds. An error from the callback is raised once the loop has stopped.
        """
        self._finalizer.detach()
        _shutdown(self._loop, timeout)
