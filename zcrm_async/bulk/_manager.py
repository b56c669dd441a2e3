"""``crm.bulk``: Bulk Read and Bulk Write jobs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import IO, Any, Final, Unpack

import anyio.lowlevel
import anyio.to_thread

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._envelope import Answer
from .._http._options import RequestOptionsDict
from .._progress import Progress, ProgressCallback
from ..managers._base import Manager, unexpected
from ..managers._checks import check_id, check_module
from ._archive import ArchiveLimits, count_zip_csv, iter_zip_csv
from ._criteria import BulkCriteria, criteria_json
from ._csvzip import MAX_FILE_BYTES, MAX_ROWS_PER_FILE, download_to
from ._jobs import job_failed, poll_until_done
from ._models import (
    BulkReadJob,
    BulkWriteJob,
    BulkWriteJobResult,
    BulkWriteResult,
    PollPolicy,
)
from ._write import WriteInput, WriteOptions, run_write

__all__ = ["BulkManager"]

READ_FINISHED: Final = frozenset({"COMPLETED", "FAILURE"})
WRITE_FINISHED: Final = frozenset({"COMPLETED", "FAILED"})
OPERATIONS: Final = ("insert", "update", "upsert")
FILE_TYPES: Final = ("csv", "ics")
#: Rows between two progress reports while reading.
_REPORT_EVERY: Final = 1000

Criteria = BulkCriteria | Mapping[str, Any] | None


def _first(answer: Answer, what: str) -> dict[str, Any]:
    """``data[0]`` of an answer (or the answer itself when Zoho sends the object bare)."""
    body = answer.json()
    if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
        item = body["data"][0]
        if isinstance(item, dict):
            return item
    if isinstance(body, dict) and "data" not in body:
        return body
    raise unexpected(answer, f"no {what} in the answer: {str(body)[:200]}")


def _job_details(answer: Answer, what: str) -> dict[str, Any]:
    """The ``details`` (with the new job's ``id``) of a job creation answer."""
    details = _first(answer, what).get("details")
    if not isinstance(details, dict) or not details.get("id"):
        raise unexpected(answer, f"no job id in {str(answer.json())[:200]}")
    return details


class BulkManager(Manager):
    """Zoho's bulk engine: export a module as CSV (Bulk Read), import a CSV (Bulk Write).

    High level: :meth:`read_rows` (an async iterator of row dicts across every page) and
    :meth:`write` (rows or a CSV file in, per-row outcomes out). Low level, for callers who
    want control: :meth:`create_read_job`, :meth:`get_read_job`, :meth:`wait`,
    :meth:`download`, :meth:`upload`, :meth:`create_write_job`, :meth:`get_write_job`,
    :meth:`write_job_result`.
    """

    # -- bulk read -------------------------------------------------------------------------------

    async def create_read_job(
        self,
        module: str,
        *,
        fields: Sequence[str] | None = None,
        criteria: Criteria = None,
        cvid: str | None = None,
        page: int | None = None,
        page_token: str | None = None,
        callback_url: str | None = None,
        file_type: str = "csv",
        **options: Unpack[RequestOptionsDict],
    ) -> BulkReadJob:
        """``POST /crm/bulk/{v}/read``: start exporting ``module`` (state ``ADDED``).

        Args:
            module: The module's API name.
            fields: The field API names to export (Zoho's default set if None); dotted lookups
                such as ``Account_Name.Account_Name`` are allowed.
            criteria: A :class:`BulkCriteria` or Zoho's criteria dict (every record if None).
            cvid: Export the records of this custom view.
            page: The 1-based page of 200,000 records to export; not with ``page_token``.
            page_token: The ``next_page_token`` of the previous page's result; not with ``page``.
            callback_url: A URL Zoho calls when the job ends.
            file_type: ``"csv"``, or ``"ics"`` for Events (then without ``fields``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The new job (state ``ADDED``); :meth:`wait` for it.

        Raises:
            InvalidArgumentError: A bad module, field list, criteria, page, or both ``page`` and
                ``page_token``; raised before any request.
        """
        query: dict[str, Any] = {"module": {"api_name": check_module(module)}}
        if file_type not in FILE_TYPES:
            raise InvalidArgumentError(f"file_type must be 'csv' or 'ics', got {file_type!r}")
        if fields is not None:
            if isinstance(fields, str):
                fields = [f.strip() for f in fields.split(",")]
            names = [f for f in fields if isinstance(f, str) and f.strip()]
            if len(names) != len(fields) or not names:
                raise InvalidArgumentError(
                    f"fields must be non-empty field API names, got {fields!r}"
                )
            if file_type == "ics":
                raise InvalidArgumentError(
                    "file_type='ics' exports take no fields: leave fields=None"
                )
            query["fields"] = names
        if cvid is not None:
            query["cvid"] = check_id(cvid, "cvid")
        crit = criteria_json(criteria)
        if crit is not None:
            query["criteria"] = crit
        if page is not None and page_token is not None:
            raise InvalidArgumentError(
                "pass page= or page_token=, not both (Zoho refuses the pair)"
            )
        if page is not None:
            if isinstance(page, bool) or not isinstance(page, int) or page < 1:
                raise InvalidArgumentError(f"page must be a whole number >= 1, got {page!r}")
            query["page"] = page
        if page_token is not None:
            query["page_token"] = str(page_token)
        body: dict[str, Any] = {"query": query, "file_type": file_type}
        if callback_url is not None:
            body["callback"] = _callback(callback_url)
        answer = await self._session.answer("POST", self._bulk_path("read"), options, json=body)
        details = _job_details(answer, "bulk read job")
        return BulkReadJob.from_api({**details, "query": {**query, **details.get("query", {})}})

    async def get_read_job(self, job_id: str, **options: Unpack[RequestOptionsDict]) -> BulkReadJob:
        """``GET /crm/bulk/{v}/read/{job_id}``: the job's state and, once done, its result.

        Args:
            job_id: The job's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job as Zoho reports it now.

        Raises:
            InvalidArgumentError: A bad id, before any request.
        """
        job_id = check_id(job_id, "bulk read job id")
        answer = await self._session.answer("GET", self._bulk_path(f"read/{job_id}"), options)
        return BulkReadJob.from_api(_first(answer, "bulk read job"))

    async def wait(
        self,
        job: BulkReadJob | BulkWriteJob,
        *,
        poll: PollPolicy | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Any:
        """Poll ``job`` until Zoho reports it finished; return the finished job.

        Args:
            job: A :class:`BulkReadJob` or :class:`BulkWriteJob`.
            poll: How often and how long to poll (:class:`PollPolicy` defaults if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The finished job, of the type given, with its result.

        Raises:
            InvalidArgumentTypeError: ``job`` is not a bulk job.
            BulkJobFailedError: A read job ended in ``FAILURE`` or a write job in ``FAILED``.
            BulkJobTimeoutError: ``poll.timeout`` elapsed first.
        """
        policy = poll or PollPolicy()
        fetch: Callable[[], Awaitable[BulkReadJob | BulkWriteJob]]
        if isinstance(job, BulkReadJob):
            operation, finished = "read", READ_FINISHED
            fetch = partial(self.get_read_job, job.id, **options)
        elif isinstance(job, BulkWriteJob):
            operation, finished = "write", WRITE_FINISHED
            fetch = partial(self.get_write_job, job.id, **options)
        else:
            raise InvalidArgumentTypeError(
                f"wait() takes a BulkReadJob or BulkWriteJob, got {type(job).__name__}"
            )
        done: BulkReadJob | BulkWriteJob = await poll_until_done(
            fetch,
            _job_state,
            job_id=job.id,
            operation=operation,
            finished=finished,
            policy=policy,
        )
        if _job_state(done) != "COMPLETED":
            raise job_failed(done.id, operation, _job_state(done), _job_reason(done), done)
        return done

    async def download(
        self,
        job: BulkReadJob,
        dest: str | os.PathLike[str] | IO[bytes],
        *,
        attempts: int = 4,
        **options: Unpack[RequestOptionsDict],
    ) -> int:
        """Stream a COMPLETED read job's ZIP to ``dest`` (a path or a binary file).

        A broken download is started again from scratch, up to ``attempts`` tries in all.
        Read the rows with :func:`~zcrm_async.bulk.iter_zip_csv`.

        Args:
            job: The finished read job (from :meth:`wait`).
            dest: A path to write, or a binary file open for writing (and seeking).
            attempts: Tries in all before giving up on a broken download.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The number of bytes written.

        Raises:
            InvalidArgumentError: The job has no result yet.
        """
        if job.result is None or not job.result.download_url:
            raise InvalidArgumentError(
                f"bulk read job {job.id} is {job.state} and has no result yet: wait() for it"
            )
        what = f"the result of bulk read job {job.id}"
        if isinstance(dest, str | os.PathLike):
            with await anyio.to_thread.run_sync(open, dest, "w+b") as file:
                return await self._download(job.result.download_url, file, what, attempts, options)
        return await self._download(job.result.download_url, dest, what, attempts, options)

    async def read_rows(
        self,
        module: str,
        *,
        fields: Sequence[str] | None = None,
        criteria: Criteria = None,
        cvid: str | None = None,
        page: int | None = None,
        page_token: str | None = None,
        callback_url: str | None = None,
        all_pages: bool = True,
        poll: PollPolicy | None = None,
        progress: ProgressCallback | None = None,
        archive_limits: ArchiveLimits | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> AsyncGenerator[dict[str, str], None]:
        """Export ``module`` and yield its rows as ``{column: text}`` dicts (``id`` first).

        One job per page of 200,000 records: each page's ZIP is downloaded to a temporary file
        in full (so a broken download never yields a row twice), checked whole, then read row
        by row; memory use does not grow with the number of rows nor with what the archive
        holds. With ``all_pages`` the next page's job is created from ``next_page_token`` while
        ``more_records`` is true. Use ``contextlib.aclosing`` to stop early.

        Args:
            module: The module's API name.
            fields: The field API names to export (Zoho's default set if None).
            criteria: A :class:`BulkCriteria` or Zoho's criteria dict (every record if None).
            cvid: Export the records of this custom view.
            page: The 1-based page to start from; not with ``page_token``.
            page_token: The ``next_page_token`` to start from; not with ``page``.
            callback_url: A URL Zoho calls when each job ends.
            all_pages: Go on with the next page while Zoho reports more records.
            poll: How often and how long to poll each job (:class:`PollPolicy` defaults if
                None).
            progress: Called as ``progress(done, total, rate)``; ``total`` is known once the last
                page's job has finished.
            archive_limits: Bounds on a row and on decompression (:class:`ArchiveLimits`
                defaults if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Yields:
            Each row as ``{column: text}``; values are Zoho's CSV text (an empty string for an
            empty field).

        Raises:
            InvalidArgumentError: Bad arguments, before any request.
            ArchiveError: A corrupt or truncated archive, or one whose row count differs from the
                count Zoho reported for the job; raised before any row of that page is yielded.
            BulkJobFailedError: Zoho failed a job.
            BulkJobTimeoutError: A job did not finish within ``poll.timeout``.
        """
        job = await self.create_read_job(
            module,
            fields=fields,
            criteria=criteria,
            cvid=cvid,
            page=page,
            page_token=page_token,
            callback_url=callback_url,
            **options,
        )
        counter = Progress(progress)
        counter.start()
        seen = 0
        while True:
            job = await self.wait(job, poll=poll, **options)
            result = job.result
            assert result is not None
            seen += result.count or 0
            last_page = not (all_pages and result.more_records)
            if last_page:
                counter.total = seen
            pending = 0
            what = f"the result of bulk read job {job.id}"
            with tempfile.TemporaryFile() as file:
                await self.download(job, file, **options)
                check = partial(
                    count_zip_csv,
                    file,
                    limits=archive_limits,
                    expected_rows=result.count,
                    what=what,
                )
                await anyio.to_thread.run_sync(check)
                for row in iter_zip_csv(file, limits=archive_limits, what=what):
                    yield row
                    pending += 1
                    if pending == _REPORT_EVERY:
                        counter.advance(pending)
                        pending = 0
                        await anyio.lowlevel.checkpoint()
            if pending:
                counter.advance(pending)
            if last_page:
                return
            next_page = (result.page or 1) + 1
            job = await self.create_read_job(
                module,
                fields=fields,
                criteria=criteria,
                cvid=cvid,
                page=None if result.next_page_token else next_page,
                page_token=result.next_page_token,
                callback_url=callback_url,
                **options,
            )

    #: ``crm.bulk.read(...)`` is :meth:`read_rows`.
    read = read_rows

    # -- bulk write ------------------------------------------------------------------------------

    async def upload(
        self,
        file: str | os.PathLike[str] | IO[bytes],
        *,
        name: str = "data.zip",
        **options: Unpack[RequestOptionsDict],
    ) -> str:
        """Upload a ZIP (holding CSV files) to the data centre's file host.

        Sends ``feature: bulk-write`` and ``X-CRM-ORG: <zgid>`` (the org's, fetched once).

        Args:
            file: A path, or a binary file open for reading.
            name: The file name Zoho records when ``file`` is a file object.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's ``file_id``, for :meth:`create_write_job`.

        Raises:
            UnexpectedResponseError: Zoho's answer holds no ``file_id``.
        """
        zgid = await self.zgid(**options)
        host = self._session.config.resolved_upload_url
        url = f"{host}/crm/{self._session.api_version}/upload"
        headers = {"feature": "bulk-write", "X-CRM-ORG": zgid}
        if isinstance(file, str | os.PathLike):
            with await anyio.to_thread.run_sync(open, file, "rb") as handle:
                return await self._upload(url, handle, os.path.basename(file), headers, options)
        return await self._upload(url, file, name, headers, options)

    async def create_write_job(
        self,
        module: str,
        file_id: str,
        *,
        operation: str = "insert",
        find_by: str | None = None,
        field_mappings: Sequence[Mapping[str, Any]] | None = None,
        ignore_empty: bool = True,
        callback_url: str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> BulkWriteJob:
        """``POST /crm/bulk/{v}/write`` for an uploaded file. Never retried once sent.

        Args:
            module: The module's API name.
            file_id: The id :meth:`upload` returned.
            operation: ``"insert"``, ``"update"`` or ``"upsert"``.
            find_by: The unique field (or ``id``) that finds existing records; required for
                ``update`` and ``upsert``.
            field_mappings: Zoho's ``[{"api_name": ..., "index": column}, ...]`` (None: Zoho maps
                the CSV header's names itself).
            ignore_empty: Leave a field unchanged when its cell is empty.
            callback_url: A URL Zoho calls when the job ends.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The new job (status ``ADDED``); :meth:`wait` for it.

        Raises:
            InvalidArgumentError: An unknown operation, ``find_by`` missing for update/upsert, or
                a bad module or callback URL; raised before any request.
        """
        settings = WriteOptions.check(operation, find_by, ignore_empty, callback_url)
        resource: dict[str, Any] = {
            "type": "data",
            "module": {"api_name": check_module(module)},
            "file_id": str(file_id),
        }
        if settings.find_by is not None:
            resource["find_by"] = settings.find_by
        if field_mappings is not None:
            resource["field_mappings"] = [dict(m) for m in field_mappings]
        body: dict[str, Any] = {
            "operation": settings.operation,
            "ignore_empty": settings.ignore_empty,
            "character_encoding": "UTF-8",
            "resource": [resource],
        }
        if settings.callback_url is not None:
            body["callback"] = _callback(settings.callback_url)
        answer = await self._session.answer("POST", self._bulk_path("write"), options, json=body)
        details = _job_details(answer, "bulk write job")
        return BulkWriteJob.from_api(
            {"status": "ADDED", "operation": settings.operation, **details, "resource": [resource]}
        )

    async def get_write_job(
        self, job_id: str, **options: Unpack[RequestOptionsDict]
    ) -> BulkWriteJob:
        """``GET /crm/bulk/{v}/write/{job_id}``: status, per-file counts, result URL.

        Args:
            job_id: The job's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job as Zoho reports it now.

        Raises:
            InvalidArgumentError: A bad id, before any request.
        """
        job_id = check_id(job_id, "bulk write job id")
        answer = await self._session.answer("GET", self._bulk_path(f"write/{job_id}"), options)
        return BulkWriteJob.from_api(_first(answer, "bulk write job"))

    async def write_job_result(
        self,
        job: BulkWriteJob,
        *,
        first_index: int = 0,
        expected_rows: int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> BulkWriteJobResult:
        """Download and parse a COMPLETED write job's result file into per-row outcomes.

        Args:
            job: The finished write job (from :meth:`wait`).
            first_index: The input position of the job's first row (numbers the rows).
            expected_rows: The rows the job was given; rows missing from the result are reported
                ``unprocessed``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job and one outcome per row.

        Raises:
            InvalidArgumentError: The job has no result yet.
            ArchiveError: The result file is not a readable archive.
        """
        from ._write import parse_write_result

        if not job.download_url:
            raise InvalidArgumentError(
                f"bulk write job {job.id} is {job.status} and has no result yet: wait() for it"
            )
        with tempfile.TemporaryFile() as file:
            await self._download(
                job.download_url, file, f"the result of bulk write job {job.id}", 4, options
            )
            rows = parse_write_result(file, job.id, first_index, expected_rows)
        return BulkWriteJobResult(job=job, rows=rows)

    async def write(
        self,
        module: str,
        data: WriteInput,
        *,
        operation: str = "insert",
        find_by: str | None = None,
        columns: Sequence[str] | None = None,
        field_mappings: Mapping[str, str | Mapping[str, Any]] | None = None,
        ignore_empty: bool = True,
        check_fields: bool = True,
        callback_url: str | None = None,
        poll: PollPolicy | None = None,
        progress: ProgressCallback | None = None,
        max_rows_per_file: int = MAX_ROWS_PER_FILE,
        max_file_bytes: int = MAX_FILE_BYTES,
        **options: Unpack[RequestOptionsDict],
    ) -> BulkWriteResult:
        """Import rows into ``module`` with Bulk Write; per-row outcomes in input order.

        Rows are written into ZIP'd CSV files, one job per file, in order. Rows Zoho rejects
        are reported per row (``result.failed``), never raised. The job creation is never
        retried blindly, so no row is written twice.

        Args:
            module: The module's API name.
            data: An iterable (or async iterable) of dicts, or the path of a CSV file whose
                header names the columns.
            operation: ``"insert"``, ``"update"`` or ``"upsert"``.
            find_by: The unique field (or ``id``) that finds existing records; required for
                ``update`` and ``upsert``.
            columns: The columns of dict rows (the first row's keys if None).
            field_mappings: Maps a column to another field API name, or to Zoho's mapping object
                (e.g. ``{"Owner": {"api_name": "Owner", "find_by": "email"}}``); other columns map
                to the field of the same name.
            ignore_empty: Leave a field unchanged when its cell is empty.
            check_fields: Check every mapped field against the module's fields first.
            callback_url: A URL Zoho calls when each job ends.
            poll: How often and how long to poll each job (:class:`PollPolicy` defaults if None).
            progress: Called as ``progress(done, total, rate)`` as rows are written.
            max_rows_per_file: Rows per file and job, at most Zoho's 25,000.
            max_file_bytes: Bytes per file, 1 MiB up to Zoho's 25 MB.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Every job's result and one outcome per input row, in input order.

        Raises:
            InvalidArgumentError: Bad arguments (operation, ``find_by``, file limits), before any
                request.
            BulkWriteInputError: A row or column that cannot be written, or (with
                ``check_fields``) a field the module does not have.
            BulkJobFailedError: Zoho failed a job; ``completed`` holds the jobs done before it.
            BulkJobTimeoutError: A job did not finish within ``poll.timeout``.
        """
        settings = WriteOptions.check(operation, find_by, ignore_empty, callback_url)
        check_module(module)
        if not 1 <= max_rows_per_file <= MAX_ROWS_PER_FILE:
            raise InvalidArgumentError(f"max_rows_per_file must be 1..{MAX_ROWS_PER_FILE}")
        if not 1024 * 1024 <= max_file_bytes <= MAX_FILE_BYTES:
            raise InvalidArgumentError(f"max_file_bytes must be 1 MiB..{MAX_FILE_BYTES} bytes")
        return await run_write(
            self,
            module,
            data,
            options=settings,
            columns=columns,
            field_mappings=field_mappings,
            check_fields=check_fields,
            poll=poll or PollPolicy(),
            progress=progress,
            max_rows=max_rows_per_file,
            max_bytes=max_file_bytes,
            request_options=options,
        )

    # -- helpers ---------------------------------------------------------------------------------

    async def zgid(self, **options: Unpack[RequestOptionsDict]) -> str:
        """The org's ``zgid`` (the ``X-CRM-ORG`` upload header), fetched once per client.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's zgid.

        Raises:
            UnexpectedResponseError: Zoho's org answer holds no zgid.
        """

        async def load() -> str:
            answer = await self._session.answer("GET", "org", options)
            body = answer.json()
            orgs = body.get("org") if isinstance(body, dict) else None
            zgid = orgs[0].get("zgid") if isinstance(orgs, list) and orgs else None
            if not zgid:
                raise unexpected(answer, "GET /org returned no zgid")
            return str(zgid)

        user = self._session.resolve_user()
        zgid: str = await self._session.metadata.get(("bulk", "zgid", user), load)
        return zgid

    async def field_names(
        self, module: str, **options: Unpack[RequestOptionsDict]
    ) -> frozenset[str]:
        """The module's field API names (``/settings/fields``, cached per client).

        Args:
            module: The module's API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The field API names.
        """
        from ..managers.metadata import ModulesManager

        return frozenset(await ModulesManager(self._session).field_names(module, **options))

    def _bulk_path(self, rest: str) -> str:
        return f"/crm/bulk/{self._session.api_version}/{rest}"

    async def _download(
        self, url: str, dest: IO[bytes], what: str, attempts: int, options: RequestOptionsDict
    ) -> int:
        return await download_to(
            self._session, url, dest, what=what, attempts=attempts, options=options
        )

    async def _upload(
        self,
        url: str,
        file: IO[bytes],
        name: str,
        headers: Mapping[str, str],
        options: RequestOptionsDict,
    ) -> str:
        # A repeated upload only leaves an unused file on Zoho's side: safe to retry.
        answer = await self._session.answer(
            "POST",
            url,
            options,
            files={"file": (name, file, "application/zip")},
            headers=headers,
            idempotent=True,
        )
        body = answer.json()
        details = body.get("details") if isinstance(body, dict) else None
        file_id = details.get("file_id") if isinstance(details, dict) else None
        if file_id in (None, ""):
            raise unexpected(answer, f"no file_id in {str(body)[:200]}")
        return str(file_id)


def _callback(url: str) -> dict[str, str]:
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise InvalidArgumentError(f"callback_url must be an http(s) URL, got {url!r}")
    return {"url": url, "method": "post"}


def _job_state(job: BulkReadJob | BulkWriteJob) -> str:
    """A read job's ``state`` or a write job's ``status``."""
    return job.state if isinstance(job, BulkReadJob) else job.status


def _job_reason(job: BulkReadJob | BulkWriteJob) -> str:
    if isinstance(job, BulkWriteJob):
        return job.reason
    return str(job.data.get("message") or "Zoho gives no reason for bulk reads")
