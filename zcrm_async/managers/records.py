"""``crm.records(module)``: records of one module — get, list, write, search, count."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import Record, WriteResults
from .._pagination import Pager
from ._base import CHUNK_SIZE, Session, empty_result
from ._checks import (
    MAX_FIELDS_PER_CALL,
    check_id,
    check_ids,
    check_module,
    fields_param,
    require_ids,
)
from ._chunks import read_in_chunks
from ._common import modified_since_header
from ._fields import FieldSelection, select_fields
from ._record_actions import RecordActions
from ._record_admin import RecordAdministration
from ._record_extras import RecordExtras
from ._record_files import RecordFiles
from ._record_history import RecordHistory
from ._record_mail import RecordMail
from ._record_params import (
    RecordWriter,
    Tristate,
    WriteOptions,
    field_names,
    read_filters,
    record_items,
)

if TYPE_CHECKING:
    from .._criteria import Criteria

__all__ = ["MAX_FIELDS_PER_CALL", "RecordsManager", "check_id", "check_module"]

MAX_PER_PAGE = 200
#: Ids one list call may name (``GET /{module}?ids=``).
MAX_IDS_PER_LIST = CHUNK_SIZE
_fields_param = fields_param


class RecordsManager(
    RecordActions,
    RecordAdministration,
    RecordFiles,
    RecordMail,
    RecordHistory,
    RecordExtras,
    RecordWriter,
):
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
        converted: Tristate | None = None,
        approved: Tristate | None = None,
        cvid: str | int | None = None,
        territory_id: str | int | None = None,
        include_child: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Record:
        """One record by id.

        Args:
            record_id: The record's id.
            fields: The field API names to read (every field if None).
            converted: As for :meth:`list`; a record the filters exclude is not found.
            approved: As for :meth:`list`.
            cvid: As for :meth:`list`.
            territory_id: As for :meth:`list`.
            include_child: As for :meth:`list`.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``Record``.

        Raises:
            EmptyResultError: Zoho has no such record (or the filters exclude it).
            InvalidArgumentError: A bad id or filter, before any request.
        """
        rid = check_id(record_id)
        filters = read_filters(
            converted=converted,
            approved=approved,
            cvid=cvid,
            territory_id=territory_id,
            include_child=include_child,
        )
        answer = await self._session.answer(
            "GET",
            f"{self.module}/{rid}",
            options,
            params={"fields": _fields_param(fields), **filters},
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
        cvid: str | int | None = None,
        modified_since: datetime | str | None = None,
        max_records: int | None = None,
        ids: Iterable[str | int] | None = None,
        converted: Tristate | None = None,
        approved: Tristate | None = None,
        territory_id: str | int | None = None,
        include_child: bool | None = None,
        page_concurrency: int = 1,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Record]:
        """Records page by page: ``await`` it for the first page, ``async for`` for all.

        Args:
            fields: The field API names to read (at most 50 per call, ``"all"`` for every
                field); required from API v3 on.
            per_page: Records per page, 1..200.
            sort_by: ``id`` (Zoho's default), ``Created_Time`` or ``Modified_Time``.
            sort_order: ``asc`` or ``desc`` (Zoho's default).
            cvid: Only the records of this custom view (cannot be combined with ``sort_by``).
            modified_since: Sends ``If-Modified-Since``: only records changed after it.
            max_records: Stop after this many records.
            ids: Only these records (at most 100; :meth:`get_many` reads any number).
            converted: Leads converted (True), not converted (False, Zoho's default) or
                ``"both"``.
            approved: Records approved (True, Zoho's default), awaiting approval (False) or
                ``"both"``.
            territory_id: Only the records of this territory.
            include_child: With ``territory_id``, also those of its child territories.
            page_concurrency: Numbered pages (Zoho's first 2,000 records) read at once by
                ``async for``, 1..10; each batch is yielded in order, and the walk may ask for
                up to ``page_concurrency - 1`` empty pages past the end. Past 2,000 records
                pages follow ``page_token``, one at a time.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of ``Record``.

        Raises:
            InvalidArgumentError: A bad argument (named in the message), before any request.
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
            **read_filters(
                converted=converted,
                approved=approved,
                cvid=cvid,
                territory_id=territory_id,
                include_child=include_child,
            ),
        }
        if ids is not None:
            id_list = check_ids(ids, "record id")
            if len(id_list) > MAX_IDS_PER_LIST:
                raise InvalidArgumentError(
                    f"list(ids=...) takes at most {MAX_IDS_PER_LIST} ids (Zoho's limit per "
                    f"call), got {len(id_list)}; get_many(ids) reads any number"
                )
            params["ids"] = ",".join(id_list)
        fetch = partial(
            self._get_page, self.module, "data", parse=self._parse, headers=headers, options=options
        )
        return Pager(
            selection.wrap(fetch, options),
            params,
            max_items=max_records,
            page_concurrency=page_concurrency,
        )

    async def get_many(
        self,
        ids: Iterable[str | int],
        *,
        fields: Sequence[str] | str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> builtins.list[Record]:
        """Records by id, any number: read 100 per call, the calls concurrent under the limiter.

        Args:
            ids: The record ids (repeats are read once).
            fields: As for :meth:`list` (required from API v3 on).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The records found, in the order of ``ids``; an id Zoho has no record for (deleted,
            or never there) has no entry.

        Raises:
            InvalidArgumentError: An id that is not a Zoho id, or no ids.
        """
        wanted = list(dict.fromkeys(check_ids(ids, "record id")))

        async def read(chunk: Sequence[str]) -> builtins.list[Record]:
            return [r async for r in self.list(fields=fields, ids=chunk, **options)]

        found = {r.id: r for r in await read_in_chunks(wanted, MAX_IDS_PER_LIST, read)}
        return [found[i] for i in wanted if i in found]

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
        client-side (an unescaped parenthesis in a value, more than 10 conditions, bad operators).

        Args:
            criteria: A :class:`Criteria` or a raw criteria string such as
                ``"(Last_Name:equals:Smith)"``.
            email: Search every e-mail field for this address.
            phone: Search every phone field for this number.
            word: Search the module's text fields for this word.
            fields: The field API names to read (``"all"`` for every field); optional here.
            per_page: Records per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of the matching records: ``await`` it for the first page, ``async for``
            for every record. Zoho returns at most 2,000 records for one search.

        Raises:
            InvalidArgumentError: None or more than one of ``criteria``, ``email``, ``phone``,
                ``word`` given, or a malformed criteria; raised before any request.
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
        """The number of records (optionally matching ``criteria`` or in a custom view).

        Args:
            criteria: Count only the records matching it (a :class:`Criteria` or a raw string).
            cvid: Count only the records of this custom view.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The count; 0 when Zoho answers without one.

        Raises:
            InvalidArgumentError: A malformed criteria, before any request.
        """
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
        self, records: Iterable[Mapping[str, Any]], **options: Unpack[WriteOptions]
    ) -> WriteResults:
        """Insert any number of records (sent 100 per call, the calls concurrent).

        A field's value may be a :class:`~zcrm_async.FileUpload` (or a list of them): the file
        is uploaded first and the field written with its id.

        Args:
            records: Dicts (or :class:`Record`) of field API names to values.
            **options: The automation to run (``trigger=[...]``, ``lar_id=``, ``process=``,
                ``apply_feature_execution=``, ``skip_feature_execution=``; see
                :class:`WriteOptions`) and the per-call options.

        Returns:
            One result per record, in input order; a record Zoho refused is a failed result.

        Raises:
            InvalidArgumentError: A bad record or option, before any request.
        """
        return await self._write("POST", self.module, record_items(records), options)

    async def update(
        self, records: Iterable[Mapping[str, Any]], **options: Unpack[WriteOptions]
    ) -> WriteResults:
        """Update records; each names its ``id``.

        Args:
            records: Dicts (or :class:`Record`) with ``id`` and the fields to change.
            **options: As for :meth:`create`.

        Returns:
            One result per record, in input order.

        Raises:
            InvalidArgumentError: A record without a valid ``id`` (its index named).
        """
        items = record_items(records)
        require_ids(items, "records")
        return await self._write("PUT", self.module, items, options)

    async def upsert(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        duplicate_check_fields: Sequence[str] | None = None,
        **options: Unpack[WriteOptions],
    ) -> WriteResults:
        """Insert or update, matching existing records on ``duplicate_check_fields``.

        Args:
            records: Dicts (or :class:`Record`) of field API names to values.
            duplicate_check_fields: The fields to match on, in order (Zoho's defaults for the
                module, then its unique fields, if None).
            **options: As for :meth:`create`.

        Returns:
            One result per record, in input order (``action`` says insert or update).

        Raises:
            InvalidArgumentError: A bad record or option, before any request.
        """
        extra: dict[str, Any] = {}
        if duplicate_check_fields is not None:
            extra["duplicate_check_fields"] = field_names(
                duplicate_check_fields, "duplicate_check_fields"
            )
        items = record_items(records)
        return await self._write("POST", f"{self.module}/upsert", items, options, extra)

    async def delete(
        self,
        ids: Iterable[str | int],
        *,
        wf_trigger: bool = True,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Delete records by id, 100 per call; per-record outcomes in input order.

        Deleted records go to the recycle bin (see :meth:`deleted`).

        Args:
            ids: The ids of the records to delete (any number).
            wf_trigger: Whether Zoho runs the module's workflow rules for the deletion.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per id, in input order; call
            :meth:`WriteResults.raise_for_failures` to turn failures into an error.

        Raises:
            InvalidArgumentError: An id that is not a Zoho id, before any request.
        """
        id_list = [check_id(i) for i in ids]
        flag = str(wf_trigger).lower()
        return await self._delete_ids(self.module, id_list, options, params={"wf_trigger": flag})
