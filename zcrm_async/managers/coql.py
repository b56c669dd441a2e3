"""``crm.coql(query)``: COQL SELECT queries, paged with LIMIT/OFFSET; ``coql_value`` escaping."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator, Generator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from .._exceptions import CoqlLimitError, InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import RequestOptionsDict
from .._logging import log_error
from .._models import Page, PageInfo, Record
from ._base import Session
from ._common import version_tuple

__all__ = ["CoqlLimitError", "CoqlQuery", "coql_limits", "coql_value"]

_WORD: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")
_TAIL: Final = re.compile(
    r"limit\s+(\d+)(?:\s*,\s*(\d+))?(?:\s+offset\s+(\d+))?|offset\s+(\d+)", re.IGNORECASE
)


def coql_value(value: Any) -> str:
    """``value`` as a COQL literal: ``"O'Brien"`` -> ``'O''Brien'``.

    Numbers stay bare, booleans are ``true``/``false``, None is ``null`` (for ``is null``),
    dates and aware datetimes are quoted ISO-8601, and a list or tuple becomes ``('a', 'b')``
    for ``in``/``not in``.

    Args:
        value: The value to put into a COQL query.

    Returns:
        The literal, ready to place in the query text.

    Raises:
        InvalidArgumentError: A naive datetime (its time zone unknown), NaN or infinity, or an
            empty or nested list.
        InvalidArgumentTypeError: A value of a type COQL has no literal for.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        if not math.isfinite(value):
            raise InvalidArgumentError(f"COQL has no literal for {value!r}")
        return format(value, "f") if isinstance(value, Decimal) else repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError(
                f"datetime {value!r} has no timezone; Zoho compares datetimes with an offset "
                "(use datetime(..., tzinfo=...))"
            )
        return _quote(value.isoformat(timespec="seconds"))
    if isinstance(value, date):
        return _quote(value.isoformat())
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, (list, tuple)):
        if not value:
            raise InvalidArgumentError(
                "an empty list has no COQL literal (`in ()` is a syntax error)"
            )
        if any(isinstance(v, (list, tuple)) for v in value):
            raise InvalidArgumentError(f"COQL lists cannot nest: {value!r}")
        return "(" + ", ".join(coql_value(v) for v in value) + ")"
    raise InvalidArgumentTypeError(f"no COQL literal for {type(value).__name__} {value!r}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@attrs.frozen
class CoqlLimits:
    """How many rows one call (``LIMIT``) and a whole query (``OFFSET + LIMIT``) may reach."""

    per_call: int
    total: int


def coql_limits(api_version: str) -> CoqlLimits:
    """v7+: 2,000 per call, 100,000 in all; older versions 200 and 10,000."""
    if version_tuple(api_version) >= (7, 0):
        return CoqlLimits(2000, 100_000)
    return CoqlLimits(200, 10_000)


@attrs.frozen
class _Parsed:
    base: str  # the query without its LIMIT/OFFSET clause
    module: str
    offset: int
    limit: int | None


def _parse(query: str) -> _Parsed:
    if not isinstance(query, str):
        raise InvalidArgumentTypeError(f"query must be a string, got {type(query).__name__}")
    text = query.strip().rstrip(";").strip()
    words = _top_level_words(text)
    if not words or words[0][0] != "select":
        raise InvalidArgumentError(f"COQL runs SELECT queries only; got {query[:80]!r}")
    names = [word for word, _ in words]
    if "from" not in names[:-1]:
        raise InvalidArgumentError(f"the query has no FROM clause: {query[:80]!r}")
    module_at = words[names.index("from") + 1][1]
    module = text[module_at:].split()[0]
    start = next((pos for word, pos in words if word in ("limit", "offset")), None)
    if start is None:
        return _Parsed(text, module, 0, None)
    tail = _TAIL.fullmatch(text[start:].strip())
    if tail is None:
        raise InvalidArgumentError(
            f"cannot read the LIMIT/OFFSET clause {text[start:]!r}: write `limit N`, "
            "`limit N offset M` or `limit M, N` at the end of the query"
        )
    first, second, offset, only_offset = tail.groups()
    parsed: tuple[int, int | None]
    if only_offset is not None:
        parsed = (int(only_offset), None)
    elif second is not None:  # limit <offset>, <count>
        parsed = (int(first), int(second))
    else:
        parsed = (int(offset or 0), int(first))
    return _Parsed(text[:start].rstrip(), module, *parsed)


def _top_level_words(text: str) -> list[tuple[str, int]]:
    """Lower-cased words outside quotes and parentheses, with their positions."""
    words: list[tuple[str, int]] = []
    depth, i = 0, 0
    while i < len(text):
        char = text[i]
        if char == "'":  # a string literal; '' is an escaped quote inside it
            i += 1
            while i < len(text) and (text[i] != "'" or text[i + 1 : i + 2] == "'"):
                i += 2 if text[i] == "'" else 1
            i += 1
        elif char == "(":
            depth += 1
            i += 1
        elif char == ")":
            depth -= 1
            i += 1
        elif (match := _WORD.match(text, i)) is not None:
            if depth == 0:
                words.append((match.group().lower(), i))
            i = match.end()
        else:
            i += 1
    return words


class CoqlQuery:
    """``await`` -> the first :class:`Page` of rows; ``async for row in ...`` -> every row.

    Rows are :class:`Record` objects of the queried module. Pages are read with
    ``LIMIT n OFFSET m`` appended to the query (a LIMIT/OFFSET the query had is kept as the
    window to read). For stable pages, order the query (``order by id``).
    """

    def __init__(
        self,
        session: Session,
        query: str,
        *,
        page_size: int | None = None,
        options: RequestOptionsDict | None = None,
    ) -> None:
        self._session = session
        self._options = options
        self._parsed = _parse(query)
        self._limits = coql_limits(session.api_version)
        per_call = self._limits.per_call
        if page_size is not None and not 1 <= page_size <= per_call:
            raise InvalidArgumentError(f"page_size must be 1..{per_call} on {session.api_version}")
        self._page_size = page_size or per_call
        end = self._parsed.offset + (self._parsed.limit or 0)
        if self._parsed.offset >= self._limits.total or end > self._limits.total:
            raise InvalidArgumentError(
                f"the query asks for rows up to {max(end, self._parsed.offset + 1):,}; COQL on "
                f"{session.api_version} returns at most the first {self._limits.total:,} rows "
                "(narrow the WHERE clause, or use bulk read)"
            )

    def __repr__(self) -> str:
        return f"CoqlQuery({self._parsed.base!r})"

    @property
    def module(self) -> str:
        """The module the query selects from."""
        return self._parsed.module

    def __await__(self) -> Generator[Any, None, Page[Record]]:
        parsed = self._parsed
        count = self._page_size if parsed.limit is None else min(parsed.limit, self._page_size)
        return self._fetch(parsed.offset, count).__await__()

    async def _fetch(self, offset: int, count: int) -> Page[Record]:
        query = f"{self._parsed.base} limit {count} offset {offset}"
        body = await self._session.call(
            "POST",
            "coql",
            self._options,
            json={"select_query": query},
            idempotent=True,
            heavy=True,
        )
        if not isinstance(body, dict):  # 204: no rows
            return Page(items=[], info=PageInfo())
        rows = [Record.from_api(self.module, row) for row in body.get("data") or []]
        return Page(items=rows, info=PageInfo.from_api(body.get("info")))

    async def pages(self) -> AsyncIterator[Page[Record]]:
        """Every page, in order.

        Yields:
            Each ``Page`` of rows, fetched as the loop asks for it.
        """
        parsed, total = self._parsed, self._limits.total
        offset, remaining = parsed.offset, parsed.limit
        while remaining is None or remaining > 0:
            count = min(self._page_size, total - offset)
            if remaining is not None:
                count = min(count, remaining)
            page = await self._fetch(offset, count)
            yield page
            offset += len(page.items)
            if remaining is not None:
                remaining -= len(page.items)
            if not page.info.more_records or len(page.items) < count:
                return
            if offset >= total and (remaining is None or remaining > 0):
                error = CoqlLimitError(
                    f"the query matches more than {total:,} rows, the most COQL returns on "
                    f"{self._session.api_version}; narrow it (e.g. `where id > <last id>` "
                    "with `order by id`) or use bulk read"
                )
                log_error(error)
                raise error

    async def __aiter__(self) -> AsyncIterator[Record]:
        async for page in self.pages():
            for row in page.items:
                yield row

    async def to_list(self) -> list[Record]:
        """Every row, collected.

        Returns:
            The rows, as :class:`Record` objects, in the query's order.
        """
        return [row async for row in self]
