"""``Pager``: awaitable for the first page, async-iterable over every item."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Generator
from contextlib import aclosing
from typing import Any, Generic, TypeVar

from ._models import Page

__all__ = ["PageFetcher", "Pager"]

T = TypeVar("T")

#: Fetches one page given the query parameters of that page.
PageFetcher = Callable[[dict[str, Any]], Awaitable[Page[T]]]


class Pager(Generic[T]):
    """``await pager`` -> first :class:`Page`; ``async for item in pager`` -> every item.

    Pages follow ``page``, then switch to ``page_token`` as soon as Zoho offers one (it is
    required past 2,000 records on v3+); the two are never sent together. Each page is read
    whole before its items are yielded, so breaking out of the loop leaves nothing open.
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

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """Every page in order."""
        params = dict(self._params)
        params.setdefault("page", 1)
        while True:
            page = await self._fetch(dict(params))
            yield page
            if not page.info.more_records or not page.items:
                return
            if page.info.next_page_token:
                params.pop("page", None)
                params["page_token"] = page.info.next_page_token
            else:
                params.pop("page_token", None)
                params["page"] = int(params.get("page", 1)) + 1

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
        """Every item, collected (mind the memory for large modules)."""
        return [item async for item in self]
