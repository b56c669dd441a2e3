"""``crm.records(module).by_external(field)``: records keyed by the caller's own ids.

An external field is a unique text field of a module holding the record's id in another system
(the caller's database, an ERP...). Zoho reads and writes records by its value when the
``X-EXTERNAL`` header names it (``Leads.External_Lead_ID``): ``/{module}/{value}`` then means
the record whose field holds ``value``. The header may name more fields, separated by commas:
``Contacts.Account_Name.External_Account_ID`` lets a write name the Account lookup by that
Account's external value (``{"Account_Name": {"External_Account_ID": "A-1"}}``), and
``Products.Products_External`` names related Products by theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Final, Unpack
from urllib.parse import quote

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import RequestOptionsDict
from .._models import Record, WriteResult, WriteResults
from .._pagination import Pager
from ._base import Session, empty_result
from ._checks import check_id, check_module, fields_param
from ._fields import select_fields
from ._record_params import (
    RecordWriter,
    Tristate,
    WriteOptions,
    field_names,
    read_filters,
    record_items,
)

__all__ = ["MAX_EXTERNAL_VALUE", "ExternalRecords", "external_value"]

#: The longest external value Zoho stores (a single-line text field).
MAX_EXTERNAL_VALUE: Final = 255
_FIELD_PATH: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}(\.[A-Za-z][A-Za-z0-9_]{0,99}){0,2}$")


def external_value(value: Any, what: str = "external value") -> str:
    """An external value (non-empty text of at most 255 characters, digits allowed), else
    :class:`InvalidArgumentError`."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidArgumentTypeError(f"{what} must be text, got {type(value).__name__}")
    text = str(value)
    if not text.strip() or len(text) > MAX_EXTERNAL_VALUE or not text.isprintable():
        raise InvalidArgumentError(
            f"{what} {value!r} must be printable text of 1..{MAX_EXTERNAL_VALUE} characters"
        )
    return text


def _segment(value: str) -> str:
    """``value`` as one URL path segment (``/`` and the like escaped)."""
    return quote(value, safe="")


def _field_path(path: str, what: str) -> str:
    if not isinstance(path, str) or not _FIELD_PATH.match(path):
        raise InvalidArgumentError(
            f"{what} {path!r} is not a field API name (or a lookup's field path such as "
            "'Account_Name.External_Account_ID')"
        )
    return path


class ExternalRecords(RecordWriter):
    """The records of one module addressed by an external field's values.

    Made by :meth:`RecordsManager.by_external`; every call sends ``X-EXTERNAL`` naming
    ``module.field`` (and the ``lookups`` given).
    """

    def __init__(
        self, session: Session, module: str, field: str, lookups: Sequence[str] = ()
    ) -> None:
        super().__init__(session)
        self.module = check_module(module)
        self.field = _field_path(field, "field")
        if "." in self.field:
            raise InvalidArgumentError(f"field {field!r} must be a field of {module} itself")
        if isinstance(lookups, str):
            raise InvalidArgumentTypeError(
                f"lookups must be a list of field paths, got {lookups!r}"
            )
        self.lookups = tuple(_field_path(p, "lookups entry") for p in lookups)
        self._names = [f"{module}.{self.field}", *(f"{module}.{p}" for p in self.lookups)]
        self._headers = {"X-EXTERNAL": ",".join(self._names)}
        self.write_headers = self._headers

    def __repr__(self) -> str:
        return f"ExternalRecords(module={self.module!r}, field={self.field!r})"

    def _with(self, related: str, related_field: str | None) -> dict[str, str]:
        if related_field is None:
            return self._headers
        name = f"{check_module(related)}.{_field_path(related_field, 'related_field')}"
        return {"X-EXTERNAL": ",".join([*self._names, name])}

    def _path(self, value: Any, what: str = "external value") -> str:
        return f"{self.module}/{_segment(external_value(value, what))}"

    # -- reads ----------------------------------------------------------------------------------

    async def get(
        self,
        value: str | int,
        *,
        fields: Sequence[str] | str | None = None,
        converted: Tristate | None = None,
        approved: Tristate | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Record:
        """The record whose external field holds ``value``.

        Args:
            value: The external value (the caller's own id of the record).
            fields: The field API names to read (all of them if None).
            converted: As for :meth:`RecordsManager.list`.
            approved: As for :meth:`RecordsManager.list`.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``Record`` (its Zoho ``id`` included).

        Raises:
            EmptyResultError: No record holds ``value``.
        """
        params = {
            "fields": fields_param(fields),
            **read_filters(converted=converted, approved=approved),
        }
        answer = await self._session.answer(
            "GET", self._path(value), options, params=params, headers=self._headers
        )
        body = answer.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not data or not isinstance(data[0], dict):
            raise empty_result(
                answer,
                "RECORD_NOT_FOUND",
                f"no {self.module} record has {self.field} = {value!r}",
                {self.field: str(value)},
            )
        return Record.from_api(self.module, data[0])

    # -- writes ---------------------------------------------------------------------------------

    async def create(
        self, records: Iterable[Mapping[str, Any]], **options: Unpack[WriteOptions]
    ) -> WriteResults:
        """Insert records whose lookups may name other records by their external values.

        Args:
            records: Dicts of field API names to values; a lookup named in ``lookups`` may be
                ``{"External_Account_ID": "A-1"}`` instead of ``{"id": ..}``.
            **options: As for :meth:`RecordsManager.create`.

        Returns:
            One result per record, in input order.
        """
        return await self._write("POST", self.module, record_items(records), options)

    async def update(
        self, value: str | int, record: Mapping[str, Any], **options: Unpack[WriteOptions]
    ) -> WriteResult:
        """Update the record whose external field holds ``value``.

        Args:
            value: The external value.
            record: The fields to change.
            **options: As for :meth:`RecordsManager.create`.

        Returns:
            The result (a failed result when no record holds ``value``).
        """
        [item] = record_items([record])
        [result] = await self._write("PUT", self._path(value), [item], options)
        return result

    async def update_many(
        self, records: Iterable[Mapping[str, Any]], **options: Unpack[WriteOptions]
    ) -> WriteResults:
        """Update records, each naming its external value (instead of an ``id``).

        Args:
            records: Dicts holding the external field and the fields to change.
            **options: As for :meth:`RecordsManager.create`.

        Returns:
            One result per record, in input order.

        Raises:
            InvalidArgumentError: A record without its external value (its index named).
        """
        items = record_items(records)
        for index, item in enumerate(items):
            external_value(item.get(self.field), f"records[{index}][{self.field!r}]")
        return await self._write("PUT", self.module, items, options)

    async def upsert(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        duplicate_check_fields: Sequence[str] | None = None,
        **options: Unpack[WriteOptions],
    ) -> WriteResults:
        """Insert or update records, matching existing ones on the external field first.

        Args:
            records: Dicts holding the external field and the other fields.
            duplicate_check_fields: Fields to match on after the external field.
            **options: As for :meth:`RecordsManager.create`.

        Returns:
            One result per record, in input order (``action``: insert or update).
        """
        items = record_items(records)
        for index, item in enumerate(items):
            external_value(item.get(self.field), f"records[{index}][{self.field!r}]")
        extra: dict[str, Any] = {}
        if duplicate_check_fields is not None:
            extra["duplicate_check_fields"] = field_names(
                duplicate_check_fields, "duplicate_check_fields"
            )
        return await self._write("POST", f"{self.module}/upsert", items, options, extra)

    async def delete(
        self,
        values: Iterable[str | int] | str | int,
        *,
        wf_trigger: bool = True,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Delete records by their external values (100 per call).

        Args:
            values: The external values.
            wf_trigger: Run the workflow rules of deletions.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per value, in input order.

        Raises:
            InvalidArgumentError: No values, or a value that is not a usable external value.
        """
        listed = [values] if isinstance(values, (str, int)) else list(values)
        checked = [external_value(v, f"values[{i}]") for i, v in enumerate(listed)]
        if not checked:
            raise InvalidArgumentError("no external values given")
        return await self._delete_ids(
            self.module,
            checked,
            options,
            item=self._path,
            params={"wf_trigger": str(wf_trigger).lower()},
            headers=self._headers,
        )

    # -- related records ------------------------------------------------------------------------

    def related(
        self,
        value: str | int,
        related_list: str,
        *,
        fields: Sequence[str] | str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Record]:
        """The records of ``related_list`` of the record whose external field holds ``value``.

        Args:
            value: The parent's external value.
            related_list: The related list's API name (``Notes``, ``Contacts``...).
            fields: As for :meth:`RecordsManager.related` (required from API v3 on).
            per_page: Records per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of the related ``Record``.
        """
        path = f"{self._path(value)}/{check_module(related_list)}"
        selection = select_fields(
            self._session, related_list, fields, f"related({related_list!r})", required=True
        )
        fetch = partial(
            self._get_page,
            path,
            "data",
            parse=partial(Record.from_api, related_list),
            headers=self._headers,
            options=options,
        )
        return Pager(
            selection.wrap(fetch, options), {"fields": selection.param, "per_page": per_page}
        )

    async def add_related(
        self,
        value: str | int,
        related_list: str,
        items: Iterable[str | int | Mapping[str, Any]],
        *,
        related_field: str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Relate records to the record whose external field holds ``value``.

        Args:
            value: The parent's external value.
            related_list: The related list's API name; named after the related module.
            items: The related records: Zoho ids, or (with ``related_field``) their external
                values; or dicts with ``id`` (or the external field) and relation fields.
            related_field: The related module's external field naming ``items``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per related record, in input order.

        Raises:
            InvalidArgumentError: No related records, or one without a usable id or value.
        """
        bodies = [_related_item(item, related_field, index) for index, item in enumerate(items)]
        if not bodies:
            raise InvalidArgumentError("no related records given")
        headers = self._with(related_list, related_field)
        return await self._write_chunks(
            "PUT",
            f"{self._path(value)}/{check_module(related_list)}",
            bodies,
            lambda chunk: {"json": {"data": list(chunk)}, "headers": headers},
            options=options,
        )

    async def remove_related(
        self,
        value: str | int,
        related_list: str,
        related: Iterable[str | int] | str | int,
        *,
        related_field: str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Unrelate records from the record whose external field holds ``value``.

        Args:
            value: The parent's external value.
            related_list: The related list's API name.
            related: The related records' Zoho ids, or (with ``related_field``) their external
                values.
            related_field: The related module's external field naming ``related``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per related record, in input order.

        Raises:
            InvalidArgumentError: No related records, or one without a usable id or value.
        """
        listed = [related] if isinstance(related, (str, int)) else list(related)
        check = check_id if related_field is None else external_value
        checked = [check(r, f"related[{i}]") for i, r in enumerate(listed)]
        if not checked:
            raise InvalidArgumentError("no related records given")
        headers = self._with(related_list, related_field)
        path = f"{self._path(value)}/{check_module(related_list)}"

        def one(related: str) -> str:
            return f"{path}/{_segment(related)}"

        return await self._delete_ids(path, checked, options, item=one, headers=headers)


def _related_item(
    item: str | int | Mapping[str, Any], related_field: str | None, index: int
) -> dict[str, Any]:
    """One related record: by Zoho ``id``, or by the related module's external field."""
    key = related_field or "id"
    check = check_id if related_field is None else external_value
    if isinstance(item, Mapping):
        body = dict(item)
        body[key] = check(body.get(key), f"items[{index}][{key!r}]")
        return body
    return {key: check(item, f"items[{index}]")}
