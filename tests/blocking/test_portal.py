"""The portal thread: an interrupt at any point of starting a call cancels the call."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from zcrm_async.blocking._portal import PortalThread

BOUND = 10.0


class _InterruptingLock:
    """A lock whose ``with`` raises KeyboardInterrupt: Ctrl-C right after the task was spawned."""

    def __enter__(self) -> None:
        raise KeyboardInterrupt

    def __exit__(self, *exc: Any) -> None:
        return None


def test_an_interrupt_after_the_task_started_but_before_its_future_returned_cancels_it() -> None:
    portal = PortalThread()
    started, ended = threading.Event(), threading.Event()

    async def slow() -> None:
        started.set()
        try:
            await anyio.sleep(3600)
        finally:
            ended.set()

    real_lock = portal._loop.lock
    portal._loop.lock = _InterruptingLock()  # type: ignore[assignment]
    try:
        with pytest.raises(KeyboardInterrupt):
            portal.start(slow)
    finally:
        portal._loop.lock = real_lock
    try:
        # Without the guard the task would sleep on, unseen: nobody holds its future.
        assert ended.wait(BOUND), "the interrupted call is still running"
    finally:
        portal.close()


def test_a_call_interrupted_while_its_result_is_awaited_is_cancelled() -> None:
    portal = PortalThread()
    ended = threading.Event()

    async def slow() -> None:
        try:
            await anyio.sleep(3600)
        finally:
            ended.set()

    real_wait = portal.wait

    def interrupted_wait(future: Any) -> Any:
        raise KeyboardInterrupt  # as if Ctrl-C landed as wait() began, before its try

    portal.wait = interrupted_wait  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            portal.call(slow)
        assert ended.wait(BOUND), "the interrupted call is still running"
    finally:
        portal.wait = real_wait  # type: ignore[method-assign]
        portal.close()
