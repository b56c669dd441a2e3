"""A record's history: its timeline (``/{module}/{id}/__timeline``), page by page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import Page
from .._pagination import Pager
from ._base import Manager
from ._checks import check_id
from ._versions import require_version

if TYPE_CHECKING:  # imported on first use
    from .._entities_history import TimelineEvent

__all__ = ["MAX_TIMELINE_PER_PAGE", "TIMELINE_SINCE", "RecordHistory"]

#: The first API version with record timelines, and Zoho's page size limit there.
TIMELINE_SINCE: Final = "v5"
MAX_TIMELINE_PER_PAGE: Final = 200


class RecordHistory(Manager):
    """Mixed into :class:`RecordsManager`; ``self.module`` is the module's API name."""

    module: str

    def timeline(
        self,
        record_id: str | int,
        *,
        per_page: int = MAX_TIMELINE_PER_PAGE,
        sort_by: str | None = None,
        sort_order: Literal["asc", "desc"] | None = None,
        include_inner_details: str | Sequence[str] | None = None,
        filters: Mapping[str, Any] | str | None = None,
        max_records: int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[TimelineEvent]:
        """The record's timeline: who changed what and when, page by page.

        ``await`` it for the first page, ``async for`` for every entry (pages follow Zoho's
        ``next_page_token``; ``per_page`` is sent with the first page only, as Zoho requires).

        Args:
            record_id: The record.
            per_page: Entries per page, 1..200.
            sort_by: The key to sort by (Zoho sorts by ``audited_time``).
            sort_order: ``"asc"`` or ``"desc"``.
            include_inner_details: Extra details of each change, e.g.
                ``"field_history.field_label"`` (one name or a list).
            filters: Zoho's filter criteria (a dict, sent as JSON, or the JSON text), e.g.
                ``{"comparator": "equal", "field": {"api_name": "action"}, "value": "updated"}``.
            max_records: Stop after this many entries.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of ``TimelineEvent``.

        Raises:
            InvalidArgumentError: A bad id, ``per_page`` or ``sort_order``, or an API version
                before v5.
        """
        require_version(self._session, TIMELINE_SINCE, "a record's timeline")
        rid = check_id(record_id)
        if not isinstance(per_page, int) or not 1 <= per_page <= MAX_TIMELINE_PER_PAGE:
            raise InvalidArgumentError(
                f"per_page must be 1..{MAX_TIMELINE_PER_PAGE}, got {per_page!r}"
            )
        if sort_order not in (None, "asc", "desc"):
            raise InvalidArgumentError(f"sort_order must be 'asc' or 'desc', got {sort_order!r}")
        details = include_inner_details
        if details is not None and not isinstance(details, str):
            details = ",".join(details)
        params = {
            "per_page": per_page,
            "sort_by": sort_by,
            "sort_order": sort_order,
            "include_inner_details": details or None,
            "filters": json.dumps(filters) if isinstance(filters, Mapping) else filters,
        }
        path = f"{self.module}/{rid}/__timeline"

        async def fetch(query: dict[str, Any]) -> Page[TimelineEvent]:
            from .._entities_history import TimelineEvent

            if "page_token" in query:  # Zoho refuses per_page beside a page token here
                query = {k: v for k, v in query.items() if k != "per_page"}
            return await self._get_page(
                path, "__timeline", query, TimelineEvent.from_api, options=options
            )

        return Pager(fetch, params, max_items=max_records)
