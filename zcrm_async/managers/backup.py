"""``crm.backup``: the org's data backup — schedule it, follow it, download its ZIPs."""

from __future__ import annotations

import os
import re
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResult
from .._pagination import Pager
from ._base import Manager, unexpected
from ._checks import check_id
from ._links import save_links
from ._versions import require_version

if TYPE_CHECKING:
    from .._entities import Entity
    from .._entities_backup import Backup, BackupHistoryEntry, BackupUrls

__all__ = ["BACKUP_SINCE", "BackupManager"]

M = TypeVar("M", bound="Entity")

#: The first API version with the backup API (under ``/crm/bulk/{version}/backup``).
BACKUP_SINCE: Final = "v3"
#: ``FREQ`` (WEEKLY or MONTHLY) and ``INTERVAL`` are mandatory, with BYDAY or BYMONTHDAY.
_RRULE: Final = re.compile(r"^(RRULE:)?FREQ=(WEEKLY|MONTHLY);(\w+=[\w,+-]+;?)*$", re.IGNORECASE)


class BackupManager(Manager):
    """The org's data backup (administrators only): every record of every module as CSV
    files, and every attachment, in ZIPs of at most 1 GB each.

    Zoho counts backups per edition per month; one can be scheduled at a time.
    """

    async def schedule(
        self, rrule: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Back up now, or on a recurrence.

        Args:
            rrule: An iCalendar recurrence, e.g. ``"FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"`` (every
                other Thursday) or ``"FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=16"``; None backs up
                now.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; ``.id`` is the backup's id.

        Raises:
            InvalidArgumentError: A malformed ``rrule``, or an API version before v3.
            APIError: e.g. ``BACKUP_ALREADY_SCHEDULED`` or ``LIMIT_EXCEEDED``.
        """
        require_version(self._session, BACKUP_SINCE, "the backup API")
        fields: dict[str, Any] = {}
        if rrule is not None:
            if not isinstance(rrule, str) or not _RRULE.match(rrule) or "INTERVAL=" not in rrule:
                raise InvalidArgumentError(
                    f"rrule {rrule!r} is not a backup recurrence: FREQ=WEEKLY or MONTHLY, "
                    "INTERVAL=1..52, and BYDAY or BYMONTHDAY (e.g. "
                    "'FREQ=WEEKLY;INTERVAL=2;BYDAY=TH')"
                )
            fields["json"] = {"backup": {"rrule": rrule}}
        answer = await self._session.answer("POST", self._path(""), options, **fields)
        return _result(answer)

    async def status(self, **options: Unpack[RequestOptionsDict]) -> Backup | None:
        """The backup scheduled now: its ``status``, recurrence and next date.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``Backup``, or None when none is scheduled.

        Raises:
            InvalidArgumentError: An API version before v3.
        """
        from .._entities_backup import Backup

        return await self._object("", "backup", Backup, options)

    def history(
        self,
        *,
        per_page: int = 200,
        max_records: int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[BackupHistoryEntry]:
        """What happened to backups: scheduled, completed, cancelled, downloaded...

        Args:
            per_page: Entries per page, 1..200.
            max_records: Stop after this many entries.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of ``BackupHistoryEntry``.

        Raises:
            InvalidArgumentError: A bad ``per_page``, or an API version before v3.
        """
        from .._entities_backup import BackupHistoryEntry

        require_version(self._session, BACKUP_SINCE, "the backup API")
        if not isinstance(per_page, int) or not 1 <= per_page <= 200:
            raise InvalidArgumentError(f"per_page must be 1..200, got {per_page!r}")
        fetch = partial(
            self._get_page,
            self._path("/history"),
            "history",
            parse=BackupHistoryEntry.from_api,
            options=options,
        )
        return Pager(fetch, {"per_page": per_page}, max_items=max_records)

    async def urls(self, **options: Unpack[RequestOptionsDict]) -> BackupUrls | None:
        """The download links of the latest completed backup.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``BackupUrls``, or None when no backup can be downloaded.

        Raises:
            InvalidArgumentError: An API version before v3.
        """
        from .._entities_backup import BackupUrls

        return await self._object("/urls", "urls", BackupUrls, options)

    async def cancel(
        self, backup_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Cancel a scheduled backup.

        Args:
            backup_id: The backup's id (from :meth:`schedule` or :meth:`status`).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v3.
            APIError: e.g. ``ALREADY_CANCELLED`` or ``RESOURCE_NOT_FOUND``.
        """
        require_version(self._session, BACKUP_SINCE, "the backup API")
        bid = check_id(backup_id, "backup id")
        answer = await self._session.answer("PUT", self._path(f"/{bid}/actions/cancel"), options)
        return _result(answer)

    async def download(
        self,
        folder: str | os.PathLike[str],
        *,
        urls: BackupUrls | None = None,
        overwrite: bool = False,
        attempts: int = 4,
        **options: Unpack[RequestOptionsDict],
    ) -> list[Path]:
        """Stream every ZIP of the latest backup (data, then attachments) into ``folder``.

        Args:
            folder: An existing folder; files keep Zoho's names (``Data_001.zip``...).
            urls: The links to download (from :meth:`urls`; fetched when None).
            overwrite: Replace existing files (else :class:`FileExistsError`).
            attempts: Tries per file; a download that breaks off starts again.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The paths written.

        Raises:
            InvalidArgumentError: No backup to download, or ``folder`` is no folder.
        """
        if urls is None:
            urls = await self.urls(**options)
        return await save_links(
            self._session,
            urls.links if urls is not None else [],
            folder,
            what="the latest backup",
            overwrite=overwrite,
            attempts=attempts,
            options=options,
        )

    async def _object(
        self, rest: str, key: str, model: type[M], options: RequestOptionsDict
    ) -> M | None:
        """The ``key`` object of ``GET /backup{rest}`` as ``model`` (None for a 204)."""
        require_version(self._session, BACKUP_SINCE, "the backup API")
        body = await self._session.call("GET", self._path(rest), options)
        found = body.get(key) if isinstance(body, dict) else None
        return model.from_api(found) if isinstance(found, dict) else None

    def _path(self, rest: str) -> str:
        return f"/crm/bulk/{self._session.api_version}/backup{rest}"


def _result(answer: Any) -> WriteResult:
    body = answer.json()
    item = body.get("backup") if isinstance(body, dict) else None
    if not isinstance(item, dict) or "status" not in item:
        raise unexpected(answer, f"expected a backup result, got {str(body)[:200]!r}")
    return WriteResult.from_api(item, 0)
