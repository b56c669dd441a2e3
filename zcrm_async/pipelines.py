"""Concurrency helpers for large syncs: a bounded concurrent map, a pipeline with
back-pressure, and streaming chunked writes (formerly ``zcrm_async.sync``).

Errors: every helper runs its work in an anyio task group. The first exception cancels the
remaining work and is raised as an :class:`ExceptionGroup` holding every exception that
happened before the cancellation took effect (``except*`` or ``pytest.RaisesGroup`` catch
them); nothing is silently dropped. Per-record outcomes of writes are results, not exceptions.
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sized,
)
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
from anyio.abc import ObjectReceiveStream

from ._exceptions import (
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    PermissionDeniedError,
    ResponseTooLargeError,
    TransportError,
)
from ._models import WriteResult, WriteResults
from ._progress import Progress, ProgressCallback
from .managers._base import CHUNK_SIZE
from .managers.records import RecordsManager

__all__ = [
    "ProgressCallback",
    "abatched",
    "aclosing_iter",
    "bounded_map",
    "create_in_chunks",
    "pipeline",
    "upsert_in_chunks",
]

T = TypeVar("T")
R = TypeVar("R")


def _check_positive(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidArgumentError(f"{name} must be a whole number >= 1, got {value!r}")
    return value


async def bounded_map(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    limit: int = 10,
    progress: ProgressCallback | None = None,
) -> list[R]:
    """``[await fn(item) for item in items]`` with at most ``limit`` calls running at once.

    Results come back in input order. The first exception cancels the calls still running
    and is raised inside an :class:`ExceptionGroup` (with any other that happened meanwhile).

    Args:
        fn: The coroutine function to call with each item.
        items: The items.
        limit: The most calls running at once, at least 1.
        progress: Called as ``progress(done, total, rate)`` as calls finish.

    Returns:
        ``fn``'s results, in input order.

    Raises:
        InvalidArgumentError: ``limit`` is not a whole number >= 1.
    """
    _check_positive("limit", limit)
    work = list(items)
    results: list[Any] = [None] * len(work)
    tracker = Progress(progress, len(work))
    tracker.start()
    pending = iter(enumerate(work))

    async def worker() -> None:
        for index, item in pending:
            results[index] = await fn(item)
            tracker.advance()

    async with anyio.create_task_group() as group:
        for _ in range(min(limit, len(work))):
            group.start_soon(worker)
    return results


async def pipeline(
    source: AsyncIterable[T] | Iterable[T],
    worker: Callable[[T], Awaitable[object]],
    *,
    workers: int = 4,
    buffer: int = 0,
    progress: ProgressCallback | None = None,
    total: int | None = None,
) -> int:
    """Feed ``source`` (e.g. a :class:`~zcrm_async.Pager`) to ``workers`` concurrent workers.

    Items pass through a memory object stream holding at most ``buffer`` items: when every
    worker is busy and the buffer is full, reading the source waits (back-pressure), so a
    fast pager never runs ahead of slow writes. The first exception (from the source or a
    worker) cancels the rest and is raised inside an :class:`ExceptionGroup`.

    Args:
        source: An iterable or async iterable of items.
        worker: The coroutine function each item is awaited with.
        workers: Workers running at once, at least 1.
        buffer: Items read ahead of the workers, 0 or more.
        progress: Called as ``progress(done, total, rate)`` as items are processed.
        total: The number of items, when known, for ``progress``.

    Returns:
        The number of items processed.

    Raises:
        InvalidArgumentError: ``workers`` below 1 or ``buffer`` below 0.
    """
    _check_positive("workers", workers)
    if not isinstance(buffer, int) or buffer < 0:
        raise InvalidArgumentError(f"buffer must be a whole number >= 0, got {buffer!r}")
    send, receive = anyio.create_memory_object_stream[T](buffer)
    tracker = Progress(progress, total)
    tracker.start()

    async def produce() -> None:
        async with send:
            try:
                if isinstance(source, AsyncIterable):
                    async with aclosing_iter(source) as items:
                        async for item in items:
                            await send.send(item)
                else:
                    for item in source:
                        await send.send(item)
            except anyio.BrokenResourceError:
                pass  # every worker stopped on an error; that error is what gets raised

    async def consume(stream: ObjectReceiveStream[T]) -> None:
        async with stream:
            async for item in stream:
                await worker(item)
                tracker.advance()

    async with anyio.create_task_group() as group:
        async with receive:
            for _ in range(workers):
                group.start_soon(consume, receive.clone())
        group.start_soon(produce)
    return tracker.done


@asynccontextmanager
async def aclosing_iter(source: AsyncIterable[T]) -> AsyncIterator[AsyncIterator[T]]:
    """``async with aclosing_iter(source) as items:`` iterate ``source``, then close its
    iterator (an async generator's ``aclose``) however the block ends.

    Args:
        source: An async iterable.

    Yields:
        The iterator of ``source``, closed when the block exits.
    """
    iterator = aiter(source)
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            with anyio.CancelScope(shield=True):
                await aclose()


async def abatched(source: AsyncIterable[T] | Iterable[T], size: int) -> AsyncIterator[list[T]]:
    """Lists of ``size`` consecutive items (the last one shorter) from a sync or async source.

    Args:
        source: An iterable or async iterable (e.g. a :class:`~zcrm_async.Pager`).
        size: Items per list, at least 1.

    Yields:
        Lists of ``size`` items in source order; the last may be shorter.

    Raises:
        InvalidArgumentError: ``size`` is not a whole number >= 1.
    """
    _check_positive("size", size)
    batch: list[T] = []
    if isinstance(source, AsyncIterable):
        async with aclosing_iter(source) as items:
            async for item in items:
                batch.append(item)
                if len(batch) == size:
                    yield batch
                    batch = []
    else:
        for item in source:
            batch.append(item)
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


async def upsert_in_chunks(
    manager: RecordsManager,
    records: AsyncIterable[Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    *,
    duplicate_check_fields: list[str] | None = None,
    trigger: list[str] | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    total: int | None = None,
) -> WriteResults:
    """Upsert a stream of any size, 100 records per call, ``workers`` calls at once.

    Records are read lazily (a generator, a CSV reader, a :class:`~zcrm_async.Pager`), so
    only the chunks in flight sit in memory next to the results. The adaptive limiter still
    decides how many calls run; a spare worker with its chunk ready takes each slot as soon
    as it frees. A chunk whose call fails outright (after retries) gives an error result per
    record in it and the sync goes on, except for authentication and permission errors,
    which stop it (every following call would fail the same way).

    Args:
        manager: The module's records manager, e.g. ``crm.records("Leads")``.
        records: The records (dicts), from an iterable or async iterable, read lazily.
        duplicate_check_fields: The unique fields that find existing records (Zoho's
            default duplicate check if None).
        trigger: The automation Zoho runs for the writes (e.g. ``["workflow"]``); Zoho's
            default if None.
        workers: Calls at once (twice the client's ``max_concurrency`` if None).
        progress: Called as ``progress(done, total, rate)``, counting records.
        total: The number of records, when known, for ``progress``.

    Returns:
        One result per record, ordered like the input.

    Raises:
        InvalidArgumentError: ``workers`` is not a whole number >= 1.
        AuthenticationError: The tokens stopped working; the sync stops.
        PermissionDeniedError: The user may not write the module; the sync stops.
    """

    async def write(chunk: list[Mapping[str, Any]]) -> WriteResults:
        return await manager.upsert(
            chunk, duplicate_check_fields=duplicate_check_fields, trigger=trigger
        )

    return await _write_stream(manager, write, records, workers, progress, total)


async def create_in_chunks(
    manager: RecordsManager,
    records: AsyncIterable[Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    *,
    trigger: list[str] | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    total: int | None = None,
) -> WriteResults:
    """Insert a stream of any size as :func:`upsert_in_chunks` upserts it (same rules).

    Args:
        manager: The module's records manager, e.g. ``crm.records("Leads")``.
        records: The records (dicts), from an iterable or async iterable, read lazily.
        trigger: The automation Zoho runs for the inserts (e.g. ``["workflow"]``); Zoho's
            default if None.
        workers: Calls at once (twice the client's ``max_concurrency`` if None).
        progress: Called as ``progress(done, total, rate)``, counting records.
        total: The number of records, when known, for ``progress``.

    Returns:
        One result per record, in input order.

    Raises:
        InvalidArgumentError: ``workers`` is not a whole number >= 1.
        AuthenticationError: The tokens stopped working; the sync stops.
        PermissionDeniedError: The user may not write the module; the sync stops.
    """

    async def write(chunk: list[Mapping[str, Any]]) -> WriteResults:
        return await manager.create(chunk, trigger=trigger)

    return await _write_stream(manager, write, records, workers, progress, total)


async def _write_stream(
    manager: RecordsManager,
    write_chunk: Callable[[list[Mapping[str, Any]]], Awaitable[WriteResults]],
    records: AsyncIterable[Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    workers: int | None,
    progress: ProgressCallback | None,
    total: int | None,
) -> WriteResults:
    concurrency = workers or 2 * manager.config.max_concurrency
    _check_positive("workers", concurrency)
    if total is None and isinstance(records, Sized):
        total = len(records)
    chunks: list[WriteResults] = []

    async def numbered() -> AsyncIterator[tuple[int, list[Mapping[str, Any]]]]:
        async with aclosing_iter(abatched(records, CHUNK_SIZE)) as batches:
            async for chunk in batches:
                chunks.append(WriteResults())
                yield len(chunks) - 1, chunk

    tracker = Progress(progress, total)
    tracker.start()

    async def write(job: tuple[int, list[Mapping[str, Any]]]) -> None:
        number, chunk = job
        try:
            outcomes = await write_chunk(chunk)
        except (AuthenticationError, PermissionDeniedError):
            raise
        except (APIError, TransportError, ResponseTooLargeError) as error:
            outcomes = WriteResults([WriteResult.from_error(error) for _ in chunk])
        chunks[number] = outcomes
        tracker.advance(len(chunk))

    await pipeline(numbered(), write, workers=concurrency)
    return WriteResults.join(chunks)  # each result's index: its record's place in the stream
