"""The fake's bulk engine: uploaded files, bulk read/write jobs and their result ZIPs.

Jobs advance when polled (``GET .../{job_id}``): a job finishes on its ``polls_to_complete``-th
poll, and no sooner than ``seconds_to_complete`` after its creation. Work happens then: a
read job selects its records, a write job applies its rows, and the result ZIP is built.
"""

from __future__ import annotations

import csv
import io
import secrets
import weakref
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ._directory import user_ref
from ._store import ModuleStore, RecordError, WriteContext

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = ["BulkLimits", "BulkState", "FakeBulk", "ReadJob", "WriteJob", "bulk_state"]

_MIB: Final = 1024 * 1024
#: The jobs ``fail_next_job`` can fail: bulk reads and writes, audit log exports, backups.
JOB_OPERATIONS: Final = ("read", "write", "audit_log_export", "backup")
_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})
#: Ids of generated (not stored) records, far from the ids the store hands out.
_GENERATED_ID_BASE: Final = 9_100_000_000_000_000_000

RowFactory = Callable[[int], dict[str, Any]]


@dataclass(slots=True)
class BulkLimits:
    """Zoho's bulk limits; tests may shrink them."""

    read_per_page: int = 200_000
    downloads_per_minute: int = 10
    max_upload_bytes: int = 25 * _MIB
    max_rows_per_csv: int = 25_000
    page_token_lifetime: float = 24 * 3600.0


@dataclass(slots=True)
class ReadJob:
    """A bulk read job and, once COMPLETED, its result."""

    id: str
    version: str
    module: str
    fields: list[str]
    criteria: Any
    offset: int
    page: int
    creator: dict[str, Any]
    created_time: str
    created_at: float
    fail_reason: str | None
    state: str = "ADDED"
    polls: int = 0
    result: dict[str, Any] | None = None
    zip_bytes: bytes | None = None
    downloads: list[float] = field(default_factory=list)
    query: dict[str, Any] = field(default_factory=dict)
    callback: dict[str, Any] | None = None

    def details(self) -> dict[str, Any]:
        """``GET /crm/bulk/{v}/read/{id}``'s ``data[0]``."""
        body: dict[str, Any] = {
            "id": self.id,
            "operation": "read",
            "state": self.state,
            "query": self.query,
            "created_by": user_ref(self.creator, email=False),
            "created_time": self.created_time,
            "file_type": "csv",
        }
        if self.callback:
            body["callback"] = self.callback
        if self.result is not None:
            body["result"] = self.result
        return body


@dataclass(slots=True)
class WriteJob:
    """A bulk write job and, once COMPLETED, its result."""

    id: str
    version: str
    operation: str
    ignore_empty: bool
    resources: list[dict[str, Any]]
    creator: dict[str, Any]
    created_time: str
    created_at: float
    fail_reason: str | None
    callback: dict[str, Any] | None = None
    status: str = "ADDED"
    polls: int = 0
    zip_bytes: bytes | None = None
    download_url: str | None = None

    def details(self) -> dict[str, Any]:
        """``GET /crm/bulk/{v}/write/{id}`` (a bare object, not wrapped in ``data``)."""
        body: dict[str, Any] = {
            "status": self.status,
            "character_encoding": "UTF-8",
            "id": self.id,
            "operation": self.operation,
            "ignore_empty": self.ignore_empty,
            "created_by": user_ref(self.creator, email=False),
            "created_time": self.created_time,
            "resource": self.resources,
        }
        if self.callback:
            body["callback"] = self.callback
        if self.download_url:
            body["result"] = {"download_url": self.download_url}
        return body


@dataclass(slots=True)
class _Token:
    binding: tuple[Any, ...]
    offset: int
    expires: float


class BulkState:
    """Bulk jobs, uploads, knobs. Callers hold the fake's lock."""

    def __init__(self, state: FakeState) -> None:
        self._state = weakref.ref(state)
        self.limits = BulkLimits()
        self.polls_to_complete = 1
        self.seconds_to_complete = 0.0
        self.fail_reasons: list[tuple[str | None, str]] = []
        self.read_jobs: dict[str, ReadJob] = {}
        self.write_jobs: dict[str, WriteJob] = {}
        self.files: dict[str, bytes] = {}
        self.generated: dict[str, tuple[int, RowFactory]] = {}
        self._tokens: dict[str, _Token] = {}

    @property
    def state(self) -> FakeState:
        """The fake's state (held weakly: the state owns this object)."""
        state = self._state()
        assert state is not None
        return state

    def take_failure(self, operation: str) -> str | None:
        """The reason of the next injected failure for ``operation`` jobs, if any."""
        for index, (kind, reason) in enumerate(self.fail_reasons):
            if kind in (None, operation):
                del self.fail_reasons[index]
                return reason
        return None

    def finished(self, polls: int, created_at: float) -> bool:
        """Whether a job polled ``polls`` times (this one included) is done by now."""
        elapsed = self.state.now() - created_at
        return polls >= self.polls_to_complete and elapsed >= self.seconds_to_complete

    # -- page tokens -----------------------------------------------------------------------------

    def issue_token(self, binding: tuple[Any, ...], offset: int) -> str:
        """A ``next_page_token`` for the page starting at ``offset`` of the same query."""
        token = secrets.token_hex(16)
        expires = self.state.now() + self.limits.page_token_lifetime
        self._tokens[token] = _Token(binding, offset, expires)
        return token

    def resolve_token(self, token: str, binding: tuple[Any, ...]) -> int | None:
        """The offset a token stands for, or None if unknown, expired or for another query."""
        entry = self._tokens.get(token)
        if entry is None or entry.binding != binding or entry.expires < self.state.now():
            return None
        return entry.offset

    # -- read ------------------------------------------------------------------------------------

    def rows(self, store: ModuleStore) -> Iterator[dict[str, Any]]:
        """The module's stored records, then its generated ones (made one at a time)."""
        yield from store.records.values()
        count, factory = self.generated.get(store.spec.api_name, (0, _default_row))
        for index in range(count):
            yield {**factory(index), "id": str(_GENERATED_ID_BASE + index)}

    # -- write -----------------------------------------------------------------------------------

    def context(self, actor: dict[str, Any]) -> WriteContext:
        """A write context acting as ``actor``."""
        return self.state.write_context(actor)


def bulk_state(state: FakeState) -> BulkState:
    """The bulk engine of one fake (created on first use)."""
    with state.lock:
        return state.part(BulkState)


def _default_row(index: int) -> dict[str, Any]:
    return {
        "First_Name": "Generated",
        "Last_Name": f"Record {index}",
        "Email": f"generated{index}@example.com",
        "Company": f"Company {index % 1000}",
        "Phone": f"+1 555 {index:07d}",
    }


# -- CSV cells -------------------------------------------------------------------------------------


def export_cell(record: dict[str, Any], column: str) -> str:
    """One CSV cell of a bulk read export: lookups by id, ``Lookup.Name`` by name."""
    name, _, sub = column.partition(".")
    value = record.get(name)
    if sub:
        return "" if not isinstance(value, dict) else str(value.get("name") or "")
    if value is None:
        return ""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def import_value(data_type: str, text: str) -> Any:
    """A CSV cell as the JSON value a REST write would carry for that field type."""
    if data_type == "boolean":
        lowered = text.strip().lower()
        if lowered in _TRUE | _FALSE:
            return lowered in _TRUE
        return text
    if data_type == "multiselectpicklist":
        return [part for part in text.split(";") if part]
    return text


def build_zip(member: str, header: list[str], rows: Iterator[list[str]]) -> bytes:
    """A ZIP holding one CSV."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w") as raw,
    ):
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(rows)
        text.flush()
        text.detach()
    return buffer.getvalue()


def apply_write_row(
    store: ModuleStore,
    operation: str,
    find_by: str | None,
    item: dict[str, Any],
    index: int,
    ctx: WriteContext,
) -> tuple[str, str]:
    """Insert/update/upsert one row through the REST validation: (STATUS, RECORD_ID).

    Raises :class:`RecordError` for a row Zoho would skip.
    """
    match: dict[str, Any] | None = None
    if operation in ("update", "upsert"):
        assert find_by is not None
        key = item.get(find_by)
        if key not in (None, ""):
            match = store.records.get(str(key)) if find_by == "id" else store.find(find_by, key)
        if match is None and operation == "update":
            raise RecordError("INVALID_DATA", "the record was not found", {"api_name": find_by})
    if match is not None:
        entry = store.update(match["id"], item, index, ctx)
        return "updated", str(entry["details"]["id"])
    if find_by == "id":
        item = {k: v for k, v in item.items() if k != "id"}
    entry = store.insert(item, index, ctx)
    return "added", str(entry["details"]["id"])


def error_cell(error: RecordError) -> str:
    """Zoho's ``ERRORS`` cell: ``<CODE>-<column>`` (just the code without a column)."""
    code = str(error.entry["code"])
    details = error.entry.get("details")
    api_name = details.get("api_name") if isinstance(details, dict) else None
    return f"{code}-{api_name}" if api_name else code


class FakeBulk:
    """``fake.bulk``: knobs and views of the fake's Bulk Read / Bulk Write engine.

    Args:
        state: The fake's state (``fake.bulk`` is made for you).
    """

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self._bulk = bulk_state(state)

    @property
    def limits(self) -> BulkLimits:
        """Records per read page, downloads per minute, upload size and rows per CSV."""
        return self._bulk.limits

    @property
    def polls_to_complete(self) -> int:
        """A job finishes on this poll (1: the first status check sees it COMPLETED)."""
        return self._bulk.polls_to_complete

    @polls_to_complete.setter
    def polls_to_complete(self, polls: int) -> None:
        with self._state.lock:
            self._bulk.polls_to_complete = max(1, int(polls))

    @property
    def seconds_to_complete(self) -> float:
        """A job finishes no sooner than this many seconds after its creation."""
        return self._bulk.seconds_to_complete

    @seconds_to_complete.setter
    def seconds_to_complete(self, seconds: float) -> None:
        with self._state.lock:
            self._bulk.seconds_to_complete = max(0.0, float(seconds))

    def fail_next_job(
        self, reason: str = "INTERNAL_ERROR", *, operation: str | None = None
    ) -> None:
        """The next job created ends in FAILURE (read) or FAILED (write).

        Args:
            reason: The error code the failed job reports.
            operation: ``"read"``, ``"write"``, ``"audit_log_export"`` or ``"backup"``: the kind
                of job to fail; any kind when None.

        Raises:
            ValueError: An unknown ``operation``.
        """
        if operation not in (None, *JOB_OPERATIONS):
            raise ValueError(
                f"operation must be one of {', '.join(JOB_OPERATIONS)} or None, got {operation!r}"
            )
        with self._state.lock:
            self._bulk.fail_reasons.append((operation, reason))

    def generate_records(self, module: str, count: int, make_row: RowFactory | None = None) -> None:
        """Add ``count`` records to ``module``'s bulk read exports only, made row by row.

        They are not stored (REST calls do not see them), so exporting 200,000 records costs
        no memory for the records themselves.

        Args:
            module: The module's API name.
            count: How many records the exports hold.
            make_row: ``make_row(index)`` gives a record's fields (generated values if None).

        Raises:
            ValueError: An unknown module.
        """
        with self._state.lock:
            if module not in self._state.modules:
                raise ValueError(f"unknown module {module!r}")
            self._bulk.generated[module] = (int(count), make_row or _default_row)

    def read_jobs(self) -> list[dict[str, Any]]:
        """Every bulk read job's details, oldest first.

        Returns:
            The jobs as Zoho's job-details objects.
        """
        with self._state.lock:
            return [job.details() for job in self._bulk.read_jobs.values()]

    def write_jobs(self) -> list[dict[str, Any]]:
        """Every bulk write job's details, oldest first.

        Returns:
            The jobs as Zoho's job-details objects.
        """
        with self._state.lock:
            return [job.details() for job in self._bulk.write_jobs.values()]

    def uploaded_files(self) -> dict[str, bytes]:
        """The ZIP files uploaded so far, by ``file_id``.

        Returns:
            A copy: ``{file_id: zip bytes}``.
        """
        with self._state.lock:
            return dict(self._bulk.files)
