"""Bulk job models, per-row write outcomes and the polling policy."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from .._exceptions import InvalidArgumentError

__all__ = [
    "BulkReadJob",
    "BulkReadResult",
    "BulkWriteJob",
    "BulkWriteJobResult",
    "BulkWriteResult",
    "BulkWriteRow",
    "PollPolicy",
]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


@attrs.frozen
class PollPolicy:
    """How to wait for a bulk job: the first interval, growing by ``factor`` up to ``max_interval``.

    ``timeout`` bounds the whole wait in seconds (None: wait forever; cancellation still works).
    """

    interval: float = 2.0
    max_interval: float = 30.0
    factor: float = 1.5
    timeout: float | None = 3600.0

    def __attrs_post_init__(self) -> None:
        if self.interval <= 0 or self.max_interval < self.interval or self.factor < 1:
            raise InvalidArgumentError(
                "PollPolicy needs interval > 0, max_interval >= interval and factor >= 1; "
                f"got {self!r}"
            )
        if self.timeout is not None and self.timeout <= 0:
            raise InvalidArgumentError(
                f"PollPolicy timeout must be > 0 seconds or None, got {self.timeout}"
            )


# -- bulk read -------------------------------------------------------------------------------------


@attrs.frozen
class BulkReadResult:
    """``result`` of a finished bulk read job: one page of at most 200,000 records."""

    page: int | None = None
    per_page: int | None = None
    count: int | None = None
    download_url: str | None = None
    more_records: bool = False
    next_page_token: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any] | None) -> BulkReadResult | None:
        """Parse Zoho's ``result`` object (None when the job has none yet).

        Args:
            data: The job's ``result`` object, or None.

        Returns:
            The result, or None.
        """
        if not isinstance(data, Mapping):
            return None
        return cls(
            page=_int(data.get("page")),
            per_page=_int(data.get("per_page")),
            count=_int(data.get("count")),
            download_url=_text(data.get("download_url")),
            more_records=bool(data.get("more_records", False)),
            next_page_token=_text(data.get("next_page_token")) or None,
        )


@attrs.frozen
class BulkReadJob:
    """A bulk read job (``/crm/bulk/{v}/read/{id}``); ``state`` is ADDED .. COMPLETED/FAILURE."""

    id: str
    state: str
    operation: str = "read"
    module: str | None = None
    result: BulkReadResult | None = None
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def done(self) -> bool:
        """True once Zoho reports ``COMPLETED``."""
        return self.state == "COMPLETED"

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> BulkReadJob:
        """Parse a job-details object (or the ``details`` of the creation answer).

        Args:
            data: Zoho's job object.

        Returns:
            The job.
        """
        query = data.get("query")
        module = query.get("module") if isinstance(query, Mapping) else None
        api_name = module.get("api_name") if isinstance(module, Mapping) else None
        return cls(
            id=str(data.get("id")),
            state=str(data.get("state", "")),
            operation=str(data.get("operation", "read")),
            module=_text(api_name),
            result=BulkReadResult.from_api(data.get("result")),
            data=dict(data),
        )


# -- bulk write ------------------------------------------------------------------------------------


@attrs.frozen
class BulkWriteJob:
    """A bulk write job (``/crm/bulk/{v}/write/{id}``); ``status`` is ADDED .. COMPLETED/FAILED."""

    id: str
    status: str
    operation: str | None = None
    download_url: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def done(self) -> bool:
        """True once Zoho reports ``COMPLETED``."""
        return self.status == "COMPLETED"

    @property
    def resources(self) -> list[dict[str, Any]]:
        """Zoho's ``resource`` array: per-file status, ``code`` and counts."""
        value = self.data.get("resource")
        return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []

    @property
    def reason(self) -> str:
        """Zoho's explanation of the job's state: the resources' codes, statuses and messages."""
        parts = []
        for resource in self.resources:
            file = resource.get("file")
            file = file if isinstance(file, dict) else {}
            bits = [
                str(v)
                for v in (resource.get("code"), resource.get("message"), file.get("status"))
                if v
            ]
            if bits:
                parts.append(" ".join(bits))
        return "; ".join(parts) or self.status

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> BulkWriteJob:
        """Parse a job-details object (or the ``details`` of the creation answer).

        Args:
            data: Zoho's job object.

        Returns:
            The job.
        """
        result = data.get("result")
        url = result.get("download_url") if isinstance(result, Mapping) else None
        return cls(
            id=str(data.get("id")),
            status=str(data.get("status", "ADDED")),
            operation=_text(data.get("operation")),
            download_url=_text(url),
            data=dict(data),
        )


#: Per-row ``STATUS`` values of a bulk write result file.
ROW_STATUSES = ("added", "updated", "skipped", "unprocessed")


@attrs.frozen
class BulkWriteRow:
    """The outcome of one input row: ``status`` added/updated/skipped/unprocessed.

    ``index`` is the row's position in the caller's input (0-based, across every job);
    ``errors`` holds Zoho's ``<CODE>-<column>`` entries, e.g. ``MANDATORY_NOT_FOUND-Company``.
    """

    index: int
    status: str
    record_id: str | None = None
    errors: tuple[str, ...] = ()
    job_id: str | None = None

    @property
    def ok(self) -> bool:
        """True if the row was added or updated."""
        return self.status in ("added", "updated")

    @property
    def error_codes(self) -> list[str]:
        """The codes of ``errors`` without their column (``MANDATORY_NOT_FOUND``)."""
        return [error.partition("-")[0] for error in self.errors]


def _count(rows: Sequence[BulkWriteRow], status: str) -> int:
    return sum(1 for row in rows if row.status == status)


class _RowsView:
    """Counts and filters shared by the per-job and whole-write results."""

    rows: list[BulkWriteRow]

    def __iter__(self) -> Iterator[BulkWriteRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def counts(self) -> dict[str, int]:
        """Rows per status: ``{"added": .., "updated": .., "skipped": .., "unprocessed": ..}``."""
        return {status: _count(self.rows, status) for status in ROW_STATUSES}

    @property
    def failed(self) -> list[BulkWriteRow]:
        """Rows that were neither added nor updated (skipped or unprocessed)."""
        return [row for row in self.rows if not row.ok]

    @property
    def succeeded(self) -> list[BulkWriteRow]:
        """Rows added or updated."""
        return [row for row in self.rows if row.ok]


@attrs.define(slots=True)
class BulkWriteJobResult(_RowsView):
    """The outcome of one bulk write job: the job, and one row per input row, in input order."""

    job: BulkWriteJob
    rows: list[BulkWriteRow] = attrs.field(factory=list)


@attrs.define(slots=True)
class BulkWriteResult(_RowsView):
    """The outcome of :meth:`BulkManager.write`: every job (one per file) and every row in order."""

    jobs: list[BulkWriteJobResult] = attrs.field(factory=list)
    rows: list[BulkWriteRow] = attrs.field(factory=list)

    def add(self, job_result: BulkWriteJobResult) -> None:
        """Append one finished job's result.

        Args:
            job_result: The job's result and per-row outcomes.
        """
        self.jobs.append(job_result)
        self.rows.extend(job_result.rows)
