"""``crm.audit_logs``: export the org's audit log (create a job, poll it, download the CSVs).

The job flow is Bulk Read's: the same polling (:class:`~zcrm_async.PollPolicy`) and the same
streamed, restartable downloads.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Unpack

from .._entities_history import AUDIT_EXPORT_FINISHED, AuditLogExport
from .._exceptions import APIError, InvalidArgumentError
from .._http._options import RequestOptionsDict
from ._base import Manager, unexpected
from ._checks import check_id
from ._entity_io import first_item, parse_items
from ._links import save_links
from ._versions import require_version

if TYPE_CHECKING:
    from ..bulk import BulkCriteria, PollPolicy

__all__ = ["AUDIT_LOG_EXPORT_SINCE", "AuditLogsManager"]

#: The first API version with the audit log export.
AUDIT_LOG_EXPORT_SINCE: Final = "v7"
_PATH: Final = "settings/audit_log_export"
_KEY: Final = "audit_log_export"


class AuditLogsManager(Manager):
    """The org's audit log: who did what, exported as CSV files by an asynchronous job.

    :meth:`export` does it all; :meth:`create_export`, :meth:`get_export`, :meth:`wait` and
    :meth:`download` are the steps. Administrators see every user's actions, others their
    own and their subordinates'.
    """

    async def create_export(
        self,
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        criteria: BulkCriteria | Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> AuditLogExport:
        """Schedule an export of the audit log entries matching the criteria.

        Args:
            start: Entries from this time (an aware datetime or ISO-8601 text) ...
            end: ... to this time; both or neither (``audited_time`` ``between``).
            criteria: More conditions as a :class:`~zcrm_async.BulkCriteria` or Zoho's
                criteria dict, e.g. ``BulkCriteria("done_by", "in", [user_id])``; joined with
                the time range by ``and``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job, ``Scheduled``; wait for it with :meth:`wait`.

        Raises:
            InvalidArgumentError: No criteria, half a time range, a naive datetime, or an API
                version before v7.
            APIError: Zoho refused the criteria (e.g. ``INVALID_DATA`` naming the key).
        """
        require_version(self._session, AUDIT_LOG_EXPORT_SINCE, "the audit log export")
        body = {_KEY: [{"criteria": _criteria(start, end, criteria)}]}
        answer = await self._session.answer("POST", _PATH, options, json=body)
        data = answer.json()
        items = data.get(_KEY) if isinstance(data, dict) else None
        first = items[0] if isinstance(items, list) and items else None
        details = first.get("details") if isinstance(first, dict) else None
        if not isinstance(details, dict) or not details.get("id"):
            raise unexpected(answer, f"no audit log export job id in {str(data)[:200]!r}")
        return AuditLogExport.from_api(
            {"id": str(details["id"]), "status": "Scheduled", **body[_KEY][0]}
        )

    async def exports(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[AuditLogExport]:
        """Every audit log export job of the org, newest first.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The jobs; empty when none was ever scheduled.

        Raises:
            InvalidArgumentError: An API version before v7.
        """
        require_version(self._session, AUDIT_LOG_EXPORT_SINCE, "the audit log export")
        try:
            body = await self._session.call("GET", _PATH, options)
        except APIError as error:
            if error.code == "NO_CONTENT":  # Zoho's answer when no export was ever scheduled
                return []
            raise
        return parse_items(body, _KEY, AuditLogExport)

    async def get_export(
        self, job_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> AuditLogExport:
        """One export job, with its ``status`` and, once ``Finished``, its download links.

        Args:
            job_id: The job's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``AuditLogExport``.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v7.
            EmptyResultError: No job has this id.
        """
        require_version(self._session, AUDIT_LOG_EXPORT_SINCE, "the audit log export")
        jid = check_id(job_id, "audit log export job id")
        answer = await self._session.answer("GET", f"{_PATH}/{jid}", options)
        return first_item(answer, _KEY, AuditLogExport, f"no audit log export job {jid}")

    async def wait(
        self,
        job: AuditLogExport | str | int,
        *,
        poll: PollPolicy | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> AuditLogExport:
        """Poll the job until it stops, with a growing interval (as for Bulk Read).

        Args:
            job: The job or its id.
            poll: How often and how long to poll (:class:`~zcrm_async.PollPolicy`).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``Finished`` job, with its download links.

        Raises:
            BulkJobFailedError: The job ``Failed``.
            BulkJobTimeoutError: ``poll.timeout`` elapsed first.
        """
        from ..bulk import PollPolicy
        from ..bulk._jobs import job_failed, poll_until_done

        job_id = check_id(job.id if isinstance(job, AuditLogExport) else job, "job id")
        done = await poll_until_done(
            partial(self.get_export, job_id, **options),
            lambda j: str(j.status),
            job_id=job_id,
            operation="audit log export",
            finished=AUDIT_EXPORT_FINISHED,
            policy=poll or PollPolicy(),
        )
        if done.status != "Finished":
            reason = "Zoho gives no reason for failed audit log exports"
            raise job_failed(job_id, "audit log export", str(done.status), reason, done)
        return done

    async def download(
        self,
        job: AuditLogExport,
        folder: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        attempts: int = 4,
        **options: Unpack[RequestOptionsDict],
    ) -> builtins.list[Path]:
        """Stream every file of a finished job into ``folder`` (a CSV, or ZIPs of CSVs
        beyond 100,000 entries), under Zoho's file names.

        Args:
            job: A ``Finished`` job (from :meth:`wait` or :meth:`get_export`).
            folder: An existing folder.
            overwrite: Replace existing files (else :class:`FileExistsError`).
            attempts: Tries per file; a download that breaks off starts again.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The paths written, in the order of the job's links.

        Raises:
            InvalidArgumentError: The job has no links yet, or ``folder`` is no folder.
        """
        return await save_links(
            self._session,
            job.download_links or [],
            folder,
            what=f"audit log export {job.id}",
            overwrite=overwrite,
            attempts=attempts,
            options=options,
        )

    async def export(
        self,
        folder: str | os.PathLike[str],
        *,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        criteria: BulkCriteria | Mapping[str, Any] | None = None,
        poll: PollPolicy | None = None,
        overwrite: bool = False,
        **options: Unpack[RequestOptionsDict],
    ) -> builtins.list[Path]:
        """Create an export, wait for it and download its files into ``folder``.

        Args:
            folder: An existing folder for the files.
            start: As for :meth:`create_export`.
            end: As for :meth:`create_export`.
            criteria: As for :meth:`create_export`.
            poll: As for :meth:`wait`.
            overwrite: As for :meth:`download`.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The paths written.

        Raises:
            InvalidArgumentError: As for :meth:`create_export` and :meth:`download`.
            BulkJobFailedError: The job failed.
            BulkJobTimeoutError: The job did not finish in time.
        """
        job = await self.create_export(start=start, end=end, criteria=criteria, **options)
        done = await self.wait(job, poll=poll, **options)
        return await self.download(done, folder, overwrite=overwrite, **options)


def _criteria(
    start: datetime | str | None,
    end: datetime | str | None,
    criteria: BulkCriteria | Mapping[str, Any] | None,
) -> dict[str, Any]:
    from ..bulk import BulkCriteria
    from ..bulk._criteria import criteria_json

    if (start is None) != (end is None):
        raise InvalidArgumentError("give both start= and end= (a time range), or neither")
    terms = []
    if start is not None:
        terms.append(BulkCriteria("audited_time", "between", [start, end]))
    if isinstance(criteria, BulkCriteria):
        terms.append(criteria)
        criteria = None
    if not terms:
        built = criteria_json(criteria)
        if built is None:
            raise InvalidArgumentError(
                "an audit log export needs criteria: start= and end=, or criteria="
            )
        return built
    combined = terms[0] if len(terms) == 1 else terms[0] & terms[1]
    json = combined.to_json()
    extra = criteria_json(criteria)
    if extra is not None:
        json = {"group_operator": "and", "group": [json, extra]}
    return json
