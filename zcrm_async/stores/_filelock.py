"""An OS-level exclusive file lock (``flock``) that waits without blocking the event loop."""

from __future__ import annotations

import fcntl
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

from .._exceptions import TokenStoreError

__all__ = ["file_lock"]


@asynccontextmanager
async def file_lock(path: Path, max_wait: float) -> AsyncIterator[None]:
    """Hold ``flock(LOCK_EX)`` on ``path`` (created 0600 if missing) for the ``async with`` body.

    ``flock`` locks belong to an open file description, so two holders in one process exclude
    each other as two processes do, and the OS releases the lock if the holder dies.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        with anyio.move_on_after(max_wait) as scope:
            delay = 0.002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await anyio.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 2, 0.05)
        if scope.cancelled_caught:
            raise TokenStoreError(
                f"timed out after {max_wait:.0f}s waiting for the lock {path}; another process "
                "holds it (a stuck process? the lock frees when it exits)"
            )
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
