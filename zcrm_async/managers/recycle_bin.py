"""``crm.recycle_bin``: deleted records of every module (``/settings/recycle_bin``): list,
restore, purge."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, Unpack

from .._exceptions import APIError, InvalidArgumentError, TransportError
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._org_entities import RecycleBinRecord
from .._pagination import Pager
from ._checks import check_ids, check_module
from ._collection import Collection, per_page_param
from ._common import single_result
from .territories import filters_param

__all__ = ["RECYCLE_BIN_SORT_KEYS", "RecycleBinManager"]

#: What the recycle bin can be sorted by.
RECYCLE_BIN_SORT_KEYS: Final = ("deleted_time", "display_name", "deleted_by")
#: Restores in flight at once (each also takes a slot of the client's limiter).
_RESTORES_AT_ONCE: Final = 10


class RecycleBinManager(Collection):
    """The org's recycle bin: records deleted from any module, kept for 60 days.

    :meth:`restore` brings records back (with their notes and attachments); :meth:`delete`
    purges them for good; :meth:`empty` purges everything.
    """

    path = "settings/recycle_bin"
    key = "recycle_bin"
    model = RecycleBinRecord
    what = "recycle bin record"

    def list(
        self,
        *,
        module: str | None = None,
        filters: Mapping[str, Any] | str | None = None,
        ids: Iterable[str | int] | None = None,
        sort_by: str | None = None,
        sort_order: Literal["asc", "desc"] | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[RecycleBinRecord]:
        """Deleted records page by page, newest first: ``await`` for a page, ``async for`` all.

        Args:
            module: Only records of this module (``"Leads"``).
            filters: A criteria object on ``display_name``, ``module``, ``deleted_by`` or
                ``deleted_time``, e.g. ``{"field": {"api_name": "display_name"},
                "comparator": "contains", "value": "Smith"}``; combined with ``module``.
            ids: Only these records.
            sort_by: ``deleted_time`` (Zoho's default), ``display_name`` or ``deleted_by``.
            sort_order: ``asc`` or ``desc`` (the default).
            per_page: Records per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of recycle bin records.

        Raises:
            InvalidArgumentError: A bad module name, id, sort key or page size.
        """
        if sort_by is not None and sort_by not in RECYCLE_BIN_SORT_KEYS:
            raise InvalidArgumentError(
                f"sort_by must be one of {', '.join(RECYCLE_BIN_SORT_KEYS)}, got {sort_by!r}"
            )
        if sort_order not in (None, "asc", "desc"):
            raise InvalidArgumentError(f"sort_order must be 'asc' or 'desc', got {sort_order!r}")
        params = {
            "filters": _filters(module, filters),
            "ids": None if ids is None else ",".join(check_ids(ids, "record id")),
            "sort_by": sort_by,
            "sort_order": sort_order,
            "per_page": per_page_param(per_page),
        }
        return self._pages(options, params)

    async def get(
        self, record_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> RecycleBinRecord:
        """One deleted record in the recycle bin.

        Args:
            record_id: The deleted record's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The recycle bin entry.

        Raises:
            EmptyResultError: The record is not in the recycle bin.
        """
        record: RecycleBinRecord = await self._one(record_id, options)
        return record

    async def restore(
        self, ids: Iterable[str | int] | str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Bring deleted records back into their modules, with their notes and attachments.

        Each record is restored by its own call (up to 10 at once, within the client's
        limiter), so one that cannot come back (e.g. its parent record is gone) fails alone.

        Args:
            ids: The deleted records' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per record, in input order.
        """
        id_list = check_ids(ids, "record id")
        from ..pipelines import bounded_map

        async def restore(indexed: tuple[int, str]) -> WriteResult:
            index, record_id = indexed
            try:
                answer = await self._session.answer(
                    "POST", f"{self.path}/{record_id}/actions/restore", options
                )
                result = single_result(answer, self.key)
            except (APIError, TransportError) as error:
                return WriteResult.from_error(error, index)
            result.index = index
            return result

        results = await bounded_map(restore, enumerate(id_list), limit=_RESTORES_AT_ONCE)
        return WriteResults(results)

    async def delete(
        self, ids: Iterable[str | int] | str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Purge records from the recycle bin for good (they cannot be restored afterwards).

        Args:
            ids: The deleted records' ids (any number, 100 per call).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per record, in input order.
        """
        return await self._delete(ids, options)

    async def empty(self, **options: Unpack[RequestOptionsDict]) -> WriteResult:
        """Purge every record in the recycle bin (admins only; irreversible).

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result (``SUCCESS``, or scheduled as a job beyond 1,000 records).
        """
        answer = await self._session.answer("POST", f"{self.path}/actions/empty", options)
        return single_result(answer, self.key)


def _filters(module: str | None, filters: Mapping[str, Any] | str | None) -> str | None:
    if module is None:
        return filters_param(filters)
    condition = {
        "field": {"api_name": "module"},
        "comparator": "equal",
        "value": check_module(module),
    }
    if filters is None:
        return filters_param(condition)
    if isinstance(filters, str):
        raise InvalidArgumentError("module= combines with a filters object, not with filter text")
    return filters_param({"group_operator": "AND", "group": [condition, dict(filters)]})
