"""What ``crm.records(module)`` offers per record beyond CRUD and actions: related-records
counts, the full content of rich-text fields, record locks and record sharing."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import Record
from ._base import Manager, empty_result, item_error, unexpected
from ._checks import check_id, check_ids, check_module, fields_param
from ._chunks import read_in_chunks

if TYPE_CHECKING:  # imported on first use
    from .external import ExternalRecords
    from .record_locks import RecordLocksManager
    from .record_sharing import RecordSharingManager

__all__ = ["MAX_RELATED_COUNTS", "MAX_RICH_TEXT_IDS", "RecordExtras"]

#: Related lists one count call may name.
MAX_RELATED_COUNTS: Final = 20
#: Records one ``fetch_full_data`` call may name.
MAX_RICH_TEXT_IDS: Final = 200


class RecordExtras(Manager):
    """Mixed into :class:`RecordsManager`; ``self.module`` is the module's API name."""

    module: str

    async def related_count(
        self,
        record_id: str | int,
        related_lists: Iterable[str] | str,
        **options: Unpack[RequestOptionsDict],
    ) -> dict[str, int]:
        """How many records each related list of a record holds (API v8).

        Args:
            record_id: The record's id.
            related_lists: Related list API names (``"Notes"``, ``"Contacts"``...); 20 per
                call, more are counted in further calls.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The count by related list API name.

        Raises:
            InvalidArgumentError: A bad id or related list name, before any request.
            APIError: Zoho refused a related list (its code names why, e.g. ``INVALID_DATA``).
        """
        rid = check_id(record_id)
        names = [related_lists] if isinstance(related_lists, str) else list(related_lists)
        if not names:
            raise InvalidArgumentError("related_count needs at least one related list name")
        for index, name in enumerate(names):
            if not isinstance(name, str) or not name:
                raise InvalidArgumentError(f"related_lists[{index}] is not a name: {name!r}")
            check_module(name)
        path = f"{self.module}/{rid}/actions/get_related_records_count"

        async def count(chunk: Sequence[str]) -> builtins.list[tuple[str, int]]:
            body = {"get_related_records_count": [{"related_list": {"api_name": n}} for n in chunk]}
            answer = await self._session.answer("POST", path, options, json=body)
            found = answer.json()
            items = found.get("get_related_records_count") if isinstance(found, dict) else None
            if not isinstance(items, list) or len(items) != len(chunk):
                raise unexpected(answer, f"expected {len(chunk)} counts, got {found!r}")
            counts = []
            for name, item in zip(chunk, items, strict=True):
                if not isinstance(item, dict) or item.get("status") == "error":
                    raise item_error(answer, item if isinstance(item, dict) else {})
                counts.append((name, int(item.get("count") or 0)))
            return counts

        return dict(await read_in_chunks(names, MAX_RELATED_COUNTS, count))

    async def rich_text(
        self,
        record_id: str | int,
        *,
        fields: Sequence[str] | str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Record:
        """The whole content of a record's rich-text fields (``fetch_full_data``).

        Args:
            record_id: The record's id.
            fields: The rich-text fields to read (every rich-text field of the record if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Record`` holding ``id`` and the rich-text fields (HTML text).

        Raises:
            EmptyResultError: Zoho has no such record.
        """
        rid = check_id(record_id)
        answer = await self._session.answer(
            "GET",
            f"{self.module}/{rid}/actions/fetch_full_data",
            options,
            params={"fields": fields_param(fields)},
        )
        records = self._rich_text_records(answer.json())
        if not records:
            raise empty_result(
                answer, "RECORD_NOT_FOUND", f"no {self.module} record with id {rid}", {"id": rid}
            )
        return records[0]

    async def rich_text_many(
        self,
        ids: Iterable[str | int],
        *,
        fields: Sequence[str] | str,
        **options: Unpack[RequestOptionsDict],
    ) -> builtins.list[Record]:
        """The whole content of rich-text fields of many records (200 per call, concurrent).

        Args:
            ids: The records' ids.
            fields: The rich-text fields to read (required when reading many records).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``Record`` (``id`` and the fields) per record Zoho has, in the order of
            ``ids``.

        Raises:
            InvalidArgumentError: No ids, a bad id or no fields, before any request.
        """
        wanted = list(dict.fromkeys(check_ids(ids, "record id")))
        names = fields_param(fields)
        if names is None:
            raise InvalidArgumentError("rich_text_many needs fields=[...] (rich-text field names)")
        path = f"{self.module}/actions/fetch_full_data"

        async def read(chunk: Sequence[str]) -> builtins.list[Record]:
            params = {"ids": ",".join(chunk), "fields": names}
            body = await self._session.call("GET", path, options, params=params)
            return self._rich_text_records(body)

        found = {r.id: r for r in await read_in_chunks(wanted, MAX_RICH_TEXT_IDS, read)}
        return [found[i] for i in wanted if i in found]

    def _rich_text_records(self, body: Any) -> builtins.list[Record]:
        items = body.get("data") if isinstance(body, dict) else None
        return [Record.from_api(self.module, i) for i in items or [] if isinstance(i, dict)]

    def by_external(self, field: str, *, lookups: Sequence[str] = ()) -> ExternalRecords:
        """This module's records addressed by the values of an external field.

        Args:
            field: The module's external field (e.g. ``External_Lead_ID``).
            lookups: Lookup fields whose records writes name by external values, as
                ``lookup.external_field`` paths (``["Account_Name.External_Account_ID"]``).

        Returns:
            An ``ExternalRecords`` view.

        Raises:
            InvalidArgumentError: A bad field name or path.
        """
        from .external import ExternalRecords

        return ExternalRecords(self._session, self.module, field, lookups)

    def locks(self, record_id: str | int) -> RecordLocksManager:
        """The locks of one record: list, lock, update the reason, unlock.

        Args:
            record_id: The record's id.

        Returns:
            A ``RecordLocksManager``.
        """
        from .record_locks import RecordLocksManager

        return RecordLocksManager(self._session, self.module, check_id(record_id))

    def sharing(self, record_id: str | int) -> RecordSharingManager:
        """Who one record is shared with: list, share, change permissions, revoke.

        Args:
            record_id: The record's id.

        Returns:
            A ``RecordSharingManager``.
        """
        from .record_sharing import RecordSharingManager

        return RecordSharingManager(self._session, self.module, check_id(record_id))
