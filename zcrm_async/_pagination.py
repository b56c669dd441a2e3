"""``Pager``: awaitable for the first page, async-iterable over every item, resumable."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from contextlib import aclosing
from typing import Any, Generic, TypeVar

import anyio

from ._exceptions import InvalidArgumentError, UnexpectedResponseError
from ._models import Page, PagePosition

__all__ = ["PageFetcher", "Pager"]

T = TypeVar("T")

#: Fetches one page given the query parameters of that page.
PageFetcher = Callable[[dict[str, Any]], Awaitable[Page[T]]]

FIRST_PAGE = PagePosition(page=1)
#: Zoho serves the first 2,000 records of a list by page number; past them only ``page_token``.
NUMBERED_RECORDS = 2000
#: The most numbered pages a walk asks for at once (2,000 records at 200 a page).
MAX_PAGE_CONCURRENCY = 10


def check_page_concurrency(value: int) -> int:
    """``value`` if it is a whole number 1..10, else :class:`InvalidArgumentError`."""
    if type(value) is not int or not 1 <= value <= MAX_PAGE_CONCURRENCY:
        raise InvalidArgumentError(
            f"page_concurrency must be a whole number 1..{MAX_PAGE_CONCURRENCY}, got {value!r}"
        )
    return value


class Pager(Generic[T]):
    """``await pager`` -> first :class:`Page`; ``async for item in pager`` -> every item.

    Pages follow ``page``, then switch to ``page_token`` as soon as Zoho offers one (it is
    required past 2,000 records on v3+); the two are never sent together. Each page is read
    whole before its items are yielded, so breaking out of the loop leaves nothing open.

    A walk can stop and resume: every page carries its ``position`` and ``next_position``
    (:class:`PagePosition`); ``pager.pages(start=...)`` or ``pager.page(position)`` go on
    from a saved one.

    With ``page_concurrency`` above 1, a walk reads the first page alone, then the following
    numbered pages (those within Zoho's first 2,000 records) that many at once, each batch
    complete before its pages are yielded in order; past them it follows ``page_token`` one
    page at a time. The last batch may ask for up to ``page_concurrency - 1`` pages past the
    end of the list (Zoho answers them empty).

    Managers make pagers; you do not create them yourself.

    Args:
        fetch: Fetches one page given its query parameters.
        params: The query parameters of every page (None values are left out).
        max_items: Stop after this many items (all if None).
        page_concurrency: Numbered pages read at once by a walk, 1..10 (1: one at a time).

    Raises:
        InvalidArgumentError: ``page_concurrency`` is not a whole number 1..10.
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        params: dict[str, Any],
        *,
        max_items: int | None = None,
        page_concurrency: int = 1,
    ) -> None:
        self._fetch = fetch
        self._params = {k: v for k, v in params.items() if v is not None}
        self._max_items = max_items
        self._page_concurrency = check_page_concurrency(page_concurrency)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(dict(self._params)).__await__()

    async def page(self, position: PagePosition | None = None) -> Page[T]:
        """The page at ``position`` (the first page if None), its ``position`` set.

        Args:
            position: A position saved from an earlier page (``page.position``), or None.

        Returns:
            The page: its items, Zoho's ``info`` and its position.
        """
        if position is None:
            position = FIRST_PAGE
        page = await self._fetch({**self._params, **position.params()})
        page.position = position
        return page

    async def pages(self, start: PagePosition | None = None) -> AsyncGenerator[Page[T], None]:
        """Every page in order, from ``start`` (the first page if None).

        Args:
            start: The position to resume from, e.g. one saved from ``page.next_position``.

        Yields:
            Each page, fetched as the loop asks for it.

        Raises:
            UnexpectedResponseError: Zoho reports more records but gives no way to the next page.
        """
        async with aclosing(self._walk(start or FIRST_PAGE, None)) as walk:
            async for page in walk:
                yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        limit = self._max_items
        if limit is None:
            async with aclosing(self._walk(FIRST_PAGE, None)) as walk:
                async for page in walk:
                    for item in page.items:
                        yield item
            return
        seen = 0
        if limit <= 0:
            return
        async with aclosing(self._walk(FIRST_PAGE, limit)) as walk:
            async for page in walk:
                for item in page.items[: limit - seen]:
                    yield item
                seen += len(page.items)
                if seen >= limit:  # no page past the last one needed
                    return

    async def to_list(self) -> list[T]:
        """Every item, collected (mind the memory for large modules).

        Returns:
            The items of every page, in order.
        """
        return [item async for item in self]

    async def _walk(
        self, start: PagePosition, max_items: int | None
    ) -> AsyncGenerator[Page[T], None]:
        """The pages from ``start`` on: numbered pages in batches when allowed, then tokens.

        ``max_items`` (counted from ``start``) bounds the numbered pages fetched ahead.
        """
        numbered = self._numbered_pages(max_items)
        batch = [start]
        while True:
            following: PagePosition | None = None
            for position, page in zip(batch, await self._fetch_batch(batch), strict=True):
                yield page
                following = self._following(position, page)
                if following is None:
                    return
            last = batch[-1].page
            if last is not None and last < numbered:
                # Page numbers address the first records directly: ask for several at once.
                ahead = min(self._page_concurrency, numbered - last)
                batch = [PagePosition(page=last + n) for n in range(1, ahead + 1)]
            elif following is not None:
                batch = [following]
            else:  # an empty batch: nothing was read
                return

    def _numbered_pages(self, max_items: int | None) -> int:
        """The last page number a walk may fetch ahead by number (0: no fetching ahead)."""
        per_page = self._params.get("per_page")
        if self._page_concurrency == 1 or not isinstance(per_page, int) or per_page < 1:
            return 0
        last = NUMBERED_RECORDS // per_page
        if max_items is not None:
            last = min(last, -(-max_items // per_page))
        return last

    async def _fetch_batch(self, positions: list[PagePosition]) -> list[Page[T]]:
        if len(positions) == 1:
            return [await self.page(positions[0])]
        pages: list[Page[T] | None] = [None] * len(positions)
        failures: list[Exception] = []

        async def fetch(index: int, scope: anyio.CancelScope) -> None:
            try:
                pages[index] = await self.page(positions[index])
            except Exception as exc:  # the first failure stops the batch and is raised as is
                failures.append(exc)
                scope.cancel()

        async with anyio.create_task_group() as group:
            for index in range(len(positions)):
                group.start_soon(fetch, index, group.cancel_scope)
        if failures:
            raise failures[0]
        return [page for page in pages if page is not None]  # all set: nothing failed

    @staticmethod
    def _following(position: PagePosition, page: Page[T]) -> PagePosition | None:
        """Where the walk goes on after ``page`` (read at ``position``); None after the last."""
        following = page.next_position
        if following is None and page.info.more_records and page.items:
            raise UnexpectedResponseError(
                200,
                "UNEXPECTED_RESPONSE",
                "Zoho reports more records but gives no next_page_token for the page "
                f"after {position.to_dict()}",
            )
        return following
