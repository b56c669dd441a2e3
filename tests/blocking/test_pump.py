"""The read-ahead between the loop and a reading thread: a cancelled read never looks complete."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from zcrm_async.blocking import ClientClosedError
from zcrm_async.blocking._pump import _Raised, _ReadAhead


@pytest.mark.anyio
async def test_a_read_cancelled_midway_is_not_an_end_of_the_items() -> None:
    async def one_then_hang() -> AsyncIterator[int]:
        yield 1
        await anyio.sleep_forever()

    buffer = _ReadAhead()
    async with anyio.create_task_group() as group:
        group.start_soon(buffer.fill, one_then_hang())
        assert await buffer.take() == [1]
        group.cancel_scope.cancel()  # what closing the client does to the reading task
    # The reading thread asks for more after the reader was cancelled: it must learn that the
    # items stopped because of the close, not that there are no more (an empty batch).
    [closed] = await buffer.take()
    assert isinstance(closed, _Raised) and isinstance(closed.error, ClientClosedError)


@pytest.mark.anyio
async def test_a_read_to_its_end_ends_with_an_empty_batch() -> None:
    async def two() -> AsyncIterator[int]:
        yield 1
        yield 2

    buffer = _ReadAhead()
    async with anyio.create_task_group() as group:
        group.start_soon(buffer.fill, two())
    assert await buffer.take() == [1, 2]
    assert await buffer.take() == []
