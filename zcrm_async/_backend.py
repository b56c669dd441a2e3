"""Which async library is running: some stores (aiosqlite, asyncmy) are asyncio-only."""

from __future__ import annotations

import asyncio

__all__ = ["current_backend"]


def current_backend() -> str:
    """``"asyncio"`` when an asyncio loop runs in this thread, else ``"trio"``."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "trio"
    return "asyncio"
