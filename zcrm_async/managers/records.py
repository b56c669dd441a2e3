"""``crm.records(module)``: records of one module — get, list, write, search, count."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from .._exceptions import NotFoundError
from .._models import BulkResult, Record
from .._pagination import Pager
from ._base import Manager, Session

__all__ = ["RecordsManager", "check_id", "check_module"]

_MODULE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_ID = re.compile(r"^[0-9]{1,30}$")
MAX_PER_PAGE = 200
MAX_FIELDS_PER_CALL = 50


def check_module(module: str) -> str:
    """A module API name (``Leads``, ``Sales_Orders``, ``My_Module__c``...) or a ValueError."""
    if not isinstance(module, str) or not _MODULE.match(module):
        raise ValueError(
            f"module {module!r} is not a module API name (letters, digits and _ such as "
            "'Leads' or 'Sales_Orders'); see crm.modules for the names"
        )
    return module


def check_id(record_id: Any, what: str = "record id") -> str:
    """A Zoho id (a string of digits, e.g. '5725767000000524157') or a ValueError."""
    text = str(record_id).strip() if isinstance(record_id, (str, int)) else ""
    if not _ID.match(text):
        raise ValueError(f"{what} {record_id!r} is not a Zoho id (a string of digits)")
    return text


def _fields_param(fields: Sequence[str] | str | None) -> str | None:
    if fields is None:
        return None
    names = [f.strip() for f in fields.split(",")] if isinstance(fields, str) else list(fields)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"fields must be a non-empty list of field API names, got {fields!r}")
    if len(names) > MAX_FIELDS_PER_CALL:
        raise ValueError(
            f"Zoho returns at most {MAX_FIELDS_PER_CALL} fields per call; {len(names)} given"
        )
    return ",".join(names)


class RecordsManager(Manager):
    """Records of one module. Writes take any number of records (chunked by 100)."""

    def __init__(self, session: Session, module: str) -> None:
        super().__init__(session)
        self.module = check_module(module)

    def __repr__(self) -> str:
        return f"RecordsManager(module={self.module!r})"

    def _parse(self, item: Mapping[str, Any]) -> Record:
        return Record.from_api(self.module, item)

    def _require_fields(self, fields: Sequence[str] | str | None, operation: str) -> str | None:
        param = _fields_param(fields)
        if param is None and self._session.api_version not in ("v2", "v2.1"):
            raise ValueError(
                f"{operation} on API {self._session.api_version} needs fields=: Zoho requires "
                "the field API names from v3 on, e.g. fields=['Last_Name', 'Email']"
            )
        return param

    async def get(self, record_id: str | int, *, fields: Sequence[str] | None = None) -> Record:
        """One record by id; :class:`NotFoundError`-style APIError if it does not exist."""
        rid = check_id(record_id)
        body = await self._session.request_json(
            "GET", f"{self.module}/{rid}", params={"fields": _fields_param(fields)}
        )
        data = body.get("data") if isinstance(body, dict) else None
        if not data:
            raise NotFoundError(
                204, "RECORD_NOT_FOUND", f"no {self.module} record with id {rid}", {"id": rid}
            )
        return self._parse(data[0])

    def list(
        self,
        *,
        fields: Sequence[str] | str | None = None,
        per_page: int = MAX_PER_PAGE,
        sort_by: str | None = None,
        sort_order: str | None = None,
        cvid: str | None = None,
        modified_since: datetime | str | None = None,
        max_records: int | None = None,
    ) -> Pager[Record]:
        """Records page by page: ``await`` it for the first page, ``async for`` for all.

        ``modified_since`` sends ``If-Modified-Since``: only records changed after it (none
        gives an empty result).
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page}")
        if sort_order not in (None, "asc", "desc"):
            raise ValueError(f"sort_order must be 'asc' or 'desc', got {sort_order!r}")
        if cvid is not None and sort_by is not None:
            raise ValueError("cvid cannot be combined with sort_by (Zoho rejects it)")
        headers = None
        if modified_since is not None:
            value = (
                modified_since.isoformat(timespec="seconds")
                if isinstance(modified_since, datetime)
                else str(modified_since)
            )
            headers = {"If-Modified-Since": value}
        params = {
            "fields": self._require_fields(fields, "list"),
            "per_page": per_page,
            "sort_by": sort_by,
            "sort_order": sort_order,
            "cvid": cvid,
        }
        fetch = partial(self._get_page, self.module, "data", parse=self._parse, headers=headers)
        return Pager(fetch, params, max_items=max_records)

    def search(
        self,
        criteria: str | None = None,
        *,
        email: str | None = None,
        phone: str | None = None,
        word: str | None = None,
        fields: Sequence[str] | str | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> Pager[Record]:
        """Records matching exactly one of ``criteria``, ``email``, ``phone`` or ``word``."""
        given = {
            k: v
            for k, v in {"criteria": criteria, "email": email, "phone": phone, "word": word}.items()
            if v is not None
        }
        if len(given) != 1:
            raise ValueError(
                "search takes exactly one of criteria=, email=, phone=, word=; "
                f"got {sorted(given) or 'none'}"
            )
        params: dict[str, Any] = {**given, "per_page": per_page, "fields": _fields_param(fields)}
        fetch = partial(self._get_page, f"{self.module}/search", "data", parse=self._parse)
        return Pager(fetch, params)

    async def count(self, *, criteria: str | None = None, cvid: str | None = None) -> int:
        """The number of records (optionally matching ``criteria`` or in a custom view)."""
        body = await self._session.request_json(
            "GET", f"{self.module}/actions/count", params={"criteria": criteria, "cvid": cvid}
        )
        return int(body.get("count", 0)) if isinstance(body, dict) else 0

    async def create(
        self, records: Iterable[Mapping[str, Any]], *, trigger: Sequence[str] | None = None
    ) -> BulkResult:
        """Insert any number of records; per-record outcomes in input order."""
        return await self._write_chunks(
            "POST", self.module, _as_items(records), _body(_trigger(trigger))
        )

    async def update(
        self, records: Iterable[Mapping[str, Any]], *, trigger: Sequence[str] | None = None
    ) -> BulkResult:
        """Update records; each needs its ``id``."""
        items = _as_items(records)
        for index, item in enumerate(items):
            check_id(item.get("id"), f"records[{index}]['id']")
        return await self._write_chunks("PUT", self.module, items, _body(_trigger(trigger)))

    async def upsert(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        duplicate_check_fields: Sequence[str] | None = None,
        trigger: Sequence[str] | None = None,
    ) -> BulkResult:
        """Insert or update, matching on ``duplicate_check_fields`` (Zoho's defaults if None)."""
        extra = _trigger(trigger)
        if duplicate_check_fields is not None:
            extra["duplicate_check_fields"] = list(duplicate_check_fields)
        return await self._write_chunks(
            "POST", f"{self.module}/upsert", _as_items(records), _body(extra)
        )

    async def delete(self, ids: Iterable[str | int], *, wf_trigger: bool = True) -> BulkResult:
        """Delete records by id, 100 per call; per-record outcomes in input order."""
        id_list = [check_id(i) for i in ids]
        flag = str(wf_trigger).lower()
        return await self._write_chunks(
            "DELETE",
            self.module,
            id_list,
            lambda chunk: {"params": {"ids": ",".join(chunk), "wf_trigger": flag}},
        )


def _as_items(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    items = [r.to_dict() if isinstance(r, Record) else r for r in records]
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise TypeError(f"records[{index}] is {type(item).__name__}, expected a dict")
    return items


def _body(extra: Mapping[str, Any]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """The request of one write chunk: ``{"data": [...], **extra}`` as JSON."""
    return lambda chunk: {"json": {"data": [dict(item) for item in chunk], **extra}}


def _trigger(trigger: Sequence[str] | None) -> dict[str, Any]:
    return {} if trigger is None else {"trigger": list(trigger)}
