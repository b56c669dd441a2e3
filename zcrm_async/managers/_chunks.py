"""Reads of many items in chunks of Zoho's per-call limit, the calls concurrent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import anyio

__all__ = ["read_in_chunks"]

T = TypeVar("T")
R = TypeVar("R")


async def read_in_chunks(
    items: Sequence[T], size: int, read: Callable[[Sequence[T]], Awaitable[list[R]]]
) -> list[R]:
    """``read`` each chunk of ``size`` items concurrently (under the client's limiter, as every
    call is); the results of all chunks, in chunk order. The first failure cancels the rest
    and is raised."""
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    results: list[list[R]] = [[] for _ in chunks]

    async def run(index: int) -> None:
        results[index] = await read(chunks[index])

    if len(chunks) == 1:
        await run(0)
    else:
        async with anyio.create_task_group() as group:
            for index in range(len(chunks)):
                group.start_soon(run, index)
    return [item for chunk in results for item in chunk]
