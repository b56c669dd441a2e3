"""``Pager``: awaitable for the first page, async-iterable over every item, resumable."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from contextlib import aclosing
from typing import Any, Generic, TypeVar

from ._exceptions import UnexpectedResponseError
from ._models import Page, PagePosition

__all__ = ["PageFetcher", "Pager"]

T = TypeVar("T")

#: Fetches one page given the query parameters of that page.
PageFetcher = Callable[[dict[str, Any]], Awaitable[Page[T]]]

FIRST_PAGE = PagePosition(page=1)


class Pager(Generic[T]):
    """``await pager`` -> first :class:`Page`; ``async for item in pager`` -> every item.

    Pages follow ``page``, then switch to ``page_token`` as soon as Zoho offers one (it is
    required past 2,000 records on v3+); the two are never sent together. Each page is read
    whole before its items are yielded, so breaking out of the loop leaves nothing open.

    A walk can stop and resume: every page carries its ``position`` and ``next_position``
    (:class:`PagePosition`); ``pager.pages(start=...)`` or ``pager.page(position)`` go on
    from a saved one.

    Managers make pagers; you do not create them yourself.

    Args:
        fetch: Fetches one page given its query parameters.
        params: The query parameters of every page (None values are left out).
        max_items: Stop after this many items (all if None).
    """

    def __init__(
        self,
        fetch: PageFetcher[T],
        params: dict[str, Any],
        *,
        max_items: int | None = None,
    ) -> None:
        self._fetch = fetch
        self._params = {k: v for k, v in params.items() if v is not None}
        self._max_items = max_items

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
        position: PagePosition | None = start or FIRST_PAGE
        while position is not None:
            page = await self.page(position)
            yield page
            following = page.next_position
            if following is None and page.info.more_records and page.items:
                raise UnexpectedResponseError(
                    200,
                    "UNEXPECTED_RESPONSE",
                    "Zoho reports more records but gives no next_page_token for the page "
                    f"after {position.to_dict()}",
                )
            position = following

    async def __aiter__(self) -> AsyncIterator[T]:
        seen = 0
        async with aclosing(self.pages()) as pages:
            async for page in pages:
                for item in page.items:
                    if self._max_items is not None and seen >= self._max_items:
                        return
                    seen += 1
                    yield item

    async def to_list(self) -> list[T]:
        """Every item, collected (mind the memory for large modules).

        Returns:
            The items of every page, in order.
        """
        return [item async for item in self]
