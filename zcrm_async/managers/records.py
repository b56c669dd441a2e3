"""``crm.records(module)``: records of one module — get, list, write, search, count."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Unpack

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import RequestOptionsDict
from .._models import Record, WriteResults
from .._pagination import Pager
from ._base import Session, empty_result
from ._checks import MAX_FIELDS_PER_CALL, check_id, check_module, fields_param
from ._common import modified_since_header
from ._fields import FieldSelection, select_fields
from ._record_actions import RecordActions
from ._record_admin import RecordAdministration
from ._record_files import RecordFiles
from ._record_history import RecordHistory
from ._record_mail import RecordMail

if TYPE_CHECKING:
    from .._criteria import Criteria

__all__ = ["MAX_FIELDS_PER_CALL", "RecordsManager", "check_id", "check_module"]

MAX_PER_PAGE = 200
_fields_param = fields_param


class RecordsManager(RecordActions, RecordAdministration, RecordFiles, RecordMail, RecordHistory):
    """Records of one module. Writes take any number of records (chunked by 100)."""

    def __init__(self, session: Session, module: str) -> None:
        super().__init__(session)
        self.module = check_module(module)

    def __repr__(self) -> str:
        return f"RecordsManager(module={self.module!r})"

    def _parse(self, item: Mapping[str, Any]) -> Record:
        if type(item) is dict:  # fresh from json.loads and held by nothing else: no copy
            return Record(self.module, item)
        return Record.from_api(self.module, item)

    def _require_fields(
        self, fields: Sequence[str] | str | None, operation: str, *, required: bool = True
    ) -> FieldSelection:
        """``fields=`` checked client-side: names, ``"all"`` or (v2 only, or not required) None."""
        return select_fields(self._session, self.module, fields, operation, required=required)

    async def get(
        self,
        record_id: str | int,
        *,
        fields: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Record:
        """One record by id; :class:`EmptyResultError` if Zoho has no such record."""
        rid = check_id(record_id)
        answer = await self._session.answer(
            "GET", f"{self.module}/{rid}", options, params={"fields": _fields_param(fields)}
        )
        body = answer.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not data:
            raise empty_result(
                answer, "RECORD_NOT_FOUND", f"no {self.module} record with id {rid}", {"id": rid}
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
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Record]:
        """Records page by page: ``await`` it for the first page, ``async for`` for all.

        ``modified_since`` sends ``If-Modified-Since``: only records changed after it (none
        gives an empty result).
        """
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidArgumentError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page}")
        if sort_order not in (None, "asc", "desc"):
            raise InvalidArgumentError(f"sort_order must be 'asc' or 'desc', got {sort_order!r}")
        if cvid is not None and sort_by is not None:
            raise InvalidArgumentError("cvid cannot be combined with sort_by (Zoho rejects it)")
        headers = modified_since_header(modified_since)
        selection = self._require_fields(fields, "list")
        params = {
            "fields": selection.param,
            "per_page": per_page,
            "sort_by": sort_by,
            "sort_order": sort_order,
            "cvid": cvid,
        }
        fetch = partial(
            self._get_page, self.module, "data", parse=self._parse, headers=headers, options=options
        )
        return Pager(selection.wrap(fetch, options), params, max_items=max_records)

    def search(
        self,
        criteria: Criteria | str | None = None,
        *,
        email: str | None = None,
        phone: str | None = None,
        word: str | None = None,
        fields: Sequence[str] | str | None = None,
        per_page: int = MAX_PER_PAGE,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Record]:
        """Records matching exactly one of ``criteria``, ``email``, ``phone`` or ``word``.

        ``criteria`` is a :class:`Criteria` (values escaped for you) or a raw string, checked
        client-side (an unescaped parenthesis in a value, >10 conditions, bad operators).
        """
        if criteria is not None:
            from .._criteria import criteria_param

            criteria = criteria_param(criteria, self._session.api_version)
        given = {
            k: v
            for k, v in {"criteria": criteria, "email": email, "phone": phone, "word": word}.items()
            if v is not None
        }
        if len(given) != 1:
            raise InvalidArgumentError(
                "search takes exactly one of criteria=, email=, phone=, word=; "
                f"got {sorted(given) or 'none'}"
            )
        selection = self._require_fields(fields, "search", required=False)
        params: dict[str, Any] = {**given, "per_page": per_page, "fields": selection.param}
        fetch = partial(
            self._get_page,
            f"{self.module}/search",
            "data",
            parse=self._parse,
            heavy=True,
            options=options,
        )
        return Pager(selection.wrap(fetch, options), params)

    async def count(
        self,
        *,
        criteria: Criteria | str | None = None,
        cvid: str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> int:
        """The number of records (optionally matching ``criteria`` or in a custom view)."""
        if criteria is not None:
            from .._criteria import criteria_param

            criteria = criteria_param(criteria, self._session.api_version)
        body = await self._session.call(
            "GET",
            f"{self.module}/actions/count",
            options,
            params={"criteria": criteria, "cvid": cvid},
        )
        return int(body.get("count", 0)) if isinstance(body, dict) else 0

    async def create(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        trigger: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Insert any number of records; per-record outcomes in input order.

        A field's value may be a :class:`~zcrm_async.FileUpload` (or a list of them): the file
        is uploaded first and the field written with its id.
        """
        return await self._write_records(
            "POST", self.module, _as_items(records), _body(_trigger(trigger)), options
        )

    async def update(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        trigger: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Update records; each needs its ``id``."""
        items = _as_items(records)
        for index, item in enumerate(items):
            check_id(item.get("id"), f"records[{index}]['id']")
        return await self._write_records(
            "PUT", self.module, items, _body(_trigger(trigger)), options
        )

    async def upsert(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        duplicate_check_fields: Sequence[str] | None = None,
        trigger: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Insert or update, matching on ``duplicate_check_fields`` (Zoho's defaults if None)."""
        extra = _trigger(trigger)
        if duplicate_check_fields is not None:
            extra["duplicate_check_fields"] = list(duplicate_check_fields)
        return await self._write_records(
            "POST", f"{self.module}/upsert", _as_items(records), _body(extra), options
        )

    async def delete(
        self,
        ids: Iterable[str | int],
        *,
        wf_trigger: bool = True,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Delete records by id, 100 per call; per-record outcomes in input order."""
        id_list = [check_id(i) for i in ids]
        flag = str(wf_trigger).lower()
        return await self._write_chunks(
            "DELETE",
            self.module,
            id_list,
            lambda chunk: {"params": {"ids": ",".join(chunk), "wf_trigger": flag}},
            options=options,
        )


def _as_items(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = []
    for index, item in enumerate(records):
        if type(item) is dict:  # the common case, without the slower ABC checks below
            items.append(item)
        elif isinstance(item, Record):
            items.append(item.to_dict())
        elif isinstance(item, Mapping):
            items.append(item)
        else:
            raise InvalidArgumentTypeError(
                f"records[{index}] is {type(item).__name__}, expected a dict"
            )
    return items


def _body(extra: Mapping[str, Any]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """The request of one write chunk: ``{"data": [...], **extra}`` as JSON."""
    # Only non-dict mappings need a copy: json.dumps takes dicts as they are.
    return lambda chunk: {
        "json": {"data": [item if type(item) is dict else dict(item) for item in chunk], **extra}
    }


def _trigger(trigger: Sequence[str] | None) -> dict[str, Any]:
    return {} if trigger is None else {"trigger": list(trigger)}
