"""Walking a module in key order with COQL: every page asks for the records after the last.

A walk by position (``page=3``, or a ``page_token`` that stands for an offset) loses a record
whenever one before it is deleted or moves, and repeats one whenever a record is inserted
before it. A walk by key (``where id > <last id> order by id``) does neither: a gap or a new
record behind the walk shifts nothing the walk has yet to read. The key is ``("id",)`` or a
column then ``id`` (``("Modified_Time", "id")``), compared as Zoho sorts them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from ._exceptions import InvalidArgumentError, UnexpectedResponseError
from ._models import Page, Record
from .managers.coql import coql_value

if TYPE_CHECKING:
    from ._client import ZohoCRM

__all__ = ["FIELD_NAME", "check_fields", "key_of", "keyset_pages"]

#: A field API name, optionally through one lookup (``Account_Name.Account_Name``).
FIELD_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?")

Key = tuple[Any, ...]


def check_fields(fields: Sequence[str]) -> list[str]:
    """``fields`` as a list of field API names, or a ValueError naming what is wrong."""
    if isinstance(fields, str) or not all(
        isinstance(f, str) and FIELD_NAME.fullmatch(f) for f in fields
    ):
        raise InvalidArgumentError(
            f"fields must be a list of field API names (e.g. ['Last_Name', 'Email']), "
            f"got {fields!r}"
        )
    return list(fields)


def _value(column: str, text: Any) -> Any:
    """A key column's value as Zoho orders it: ids as integers, times as instants."""
    if column == "id":
        digits = str(text)
        return int(digits) if digits.isdigit() else None
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def key_of(order: Sequence[str], values: Sequence[Any]) -> Key:
    """The comparable key of one record's ``order`` column values."""
    key = tuple(_value(column, value) for column, value in zip(order, values, strict=True))
    if any(part is None for part in key):
        raise UnexpectedResponseError(
            200,
            "UNEXPECTED_RESPONSE",
            f"a record without a usable {', '.join(order)}: {list(values)!r}",
        )
    return key


def _after(order: Sequence[str], cursor: Sequence[str]) -> str:
    """``(a > x) or ((a = x) and (id > y))``, parenthesised as COQL wants."""
    literal = [
        coql_value(int(v)) if c == "id" else coql_value(v)
        for c, v in zip(order, cursor, strict=True)
    ]
    if len(order) == 1:
        return f"{order[0]} > {literal[0]}"
    (first, last), (at, then) = order, literal
    return f"(({first} > {at}) or (({first} = {at}) and ({last} > {then})))"


async def keyset_pages(
    crm: ZohoCRM,
    module: str,
    fields: Sequence[str],
    order: Sequence[str],
    *,
    cursor: Sequence[str] | None = None,
    start: str | None = None,
    per_page: int,
) -> AsyncGenerator[Page[Record], None]:
    """Pages of ``module`` in ``order`` after ``cursor`` (the last key handed out) until a
    short page. ``start`` is the condition of the first page when there is no cursor.

    Rows out of order, or not after the cursor, raise :class:`UnexpectedResponseError`: a server
    that ignored the condition or the order would make the walk skip records.
    """
    selected = ", ".join(f for f in dict.fromkeys([*fields, *order]) if f != "id")
    sort = ", ".join(f"{column} asc" for column in order)
    while True:
        where = _after(order, cursor) if cursor else (start or f"{order[0]} is not null")
        # Names are checked identifiers and values go through coql_value: no injection.
        query = f"select {selected} from {module} where {where} order by {sort}"  # noqa: S608
        page = await crm.coql(query, page_size=per_page)
        previous = key_of(order, cursor) if cursor else None
        for record in page.items:
            key = key_of(order, [record.get(column) for column in order])
            if previous is not None and key <= previous:
                raise UnexpectedResponseError(
                    200,
                    "UNEXPECTED_RESPONSE",
                    f"COQL returned {module} record {record.id} out of ({', '.join(order)}) "
                    "order; the walk cannot go on without the risk of skipping records",
                )
            previous = key
        yield page
        if len(page.items) < per_page:
            return
        cursor = [str(page.items[-1].get(column)) for column in order]
