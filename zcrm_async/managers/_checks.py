"""Client-side checks of names and ids, so bad input fails before a request with a clear error."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from .._exceptions import InvalidArgumentError

__all__ = [
    "MAX_FIELDS_PER_CALL",
    "check_id",
    "check_ids",
    "check_module",
    "fields_param",
    "id_ref",
    "require_ids",
]

_MODULE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_ID: Final = re.compile(r"^[0-9]{1,30}$")
MAX_FIELDS_PER_CALL: Final = 50


def check_module(module: str) -> str:
    """A module API name (``Leads``, ``Sales_Orders``, ``My_Module__c``...), else
    :class:`InvalidArgumentError`."""
    if not isinstance(module, str) or not _MODULE.match(module):
        raise InvalidArgumentError(
            f"module {module!r} is not a module API name (letters, digits and _ such as "
            "'Leads' or 'Sales_Orders'); see crm.modules for the names"
        )
    return module


def check_id(record_id: Any, what: str = "record id") -> str:
    """A Zoho id (a string of digits, e.g. '5725767000000524157'), else
    :class:`InvalidArgumentError`."""
    text = str(record_id).strip() if isinstance(record_id, (str, int)) else ""
    if not _ID.match(text):
        raise InvalidArgumentError(f"{what} {record_id!r} is not a Zoho id (a string of digits)")
    return text


def id_ref(
    value: str | int | Mapping[str, Any], what: str, key_what: str | None = None
) -> dict[str, Any]:
    """``{"id": ..}`` from an id, or a dict with a valid ``id`` (kept whole); a bad id is an
    error naming ``what`` (a dict's as ``key_what``, when given)."""
    if isinstance(value, Mapping):
        item = dict(value)
        item["id"] = check_id(item.get("id"), key_what or what)
        return item
    return {"id": check_id(value, what)}


def check_ids(ids: Iterable[Any] | str | int, what: str, limit: int | None = None) -> list[str]:
    """Zoho ids (at least one, at most ``limit``), else an error naming the bad one."""
    if isinstance(ids, (str, int)):
        ids = [ids]
    checked = [check_id(i, what) for i in ids]
    if not checked:
        raise InvalidArgumentError(f"no {what}s given")
    if limit is not None and len(checked) > limit:
        raise InvalidArgumentError(
            f"{len(checked)} {what}s given; Zoho accepts at most {limit} per call"
        )
    return checked


def fields_param(fields: Sequence[str] | str | None) -> str | None:
    """``fields`` as Zoho's comma list (at most 50 names), None if not given."""
    if fields is None:
        return None
    names = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InvalidArgumentError(
            f"fields must be a non-empty list of field API names, got {fields!r}"
        )
    if len(names) > MAX_FIELDS_PER_CALL:
        raise InvalidArgumentError(
            f"Zoho returns at most {MAX_FIELDS_PER_CALL} fields per call; {len(names)} given"
        )
    return ",".join(names)


def require_ids(items: Sequence[Mapping[str, Any]], what: str) -> None:
    """Every item of an update names its ``id``."""
    for index, item in enumerate(items):
        rid = item.get("id")
        # A plain string of ASCII digits is accepted at once (no message built for each item).
        if type(rid) is not str or not (len(rid) <= 30 and rid.isascii() and rid.isdigit()):
            check_id(rid, f"{what}[{index}]['id']")
