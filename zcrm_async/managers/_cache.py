"""``MetadataCache``: metadata fetched once per client, single flight, explicitly cleared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

import anyio

__all__ = ["MetadataCache", "cached_field_names"]

T = TypeVar("T")


class MetadataCache:
    """Values by key, loaded on first use. Shared by a client and its ``as_user`` views.

    Concurrent first calls for one key run one load; the others wait for its result. A failed
    load caches nothing (the next call tries again). :meth:`clear` during a load discards that
    load's result, so nothing fetched before a clear is kept after it.
    """

    def __init__(self) -> None:
        self._values: dict[Hashable, Any] = {}
        self._locks: dict[Hashable, anyio.Lock] = {}
        self._generation = 0

    def __repr__(self) -> str:
        return f"MetadataCache(keys={len(self._values)})"

    def peek(self, key: Hashable) -> Any | None:
        """The cached value of ``key``, or None (never loads)."""
        return self._values.get(key)

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """The cached value of ``key``, loading it with ``load()`` (once) if absent."""
        if key in self._values:
            value: T = self._values[key]
            return value
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = anyio.Lock()
        async with lock:
            if key in self._values:
                cached: T = self._values[key]
                return cached
            generation = self._generation
            loaded = await load()
            if generation == self._generation:
                self._values[key] = loaded
            return loaded

    def clear(self, match: Callable[[Hashable], bool] | None = None) -> None:
        """Forget every value (or those whose key ``match``-es)."""
        self._generation += 1
        if match is None:
            self._values.clear()
        else:
            for key in [k for k in self._values if match(k)]:
                del self._values[key]


def cached_field_names(cache: MetadataCache, module: str) -> frozenset[str] | None:
    """The field API names of ``module`` if ``crm.modules`` has fetched its fields, else None.

    Never fetches, and imports nothing: record lists check their ``fields=`` with it on every
    call, the first one included.
    """
    fields = cache.peek(("fields", module))
    if fields is None:
        return None
    return frozenset(f.api_name for f in fields if f.api_name)
