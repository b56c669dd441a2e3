"""Which async library is running: some stores (aiosqlite, asyncmy) are asyncio-only."""

from __future__ import annotations

import sys

__all__ = ["current_backend"]


def current_backend() -> str:
    """``"asyncio"`` when an asyncio loop runs in this thread, else ``"trio"``.

    asyncio is not imported for the question: a program that has not loaded it runs no asyncio
    loop (and ``import zcrm_async`` does not pay ~20 ms to load it).
    """
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return "trio"
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return "trio"
    return "asyncio"
