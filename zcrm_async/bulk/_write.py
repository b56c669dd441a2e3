"""Bulk Write, end to end: rows -> ZIP'd CSV files -> upload -> jobs -> per-row outcomes."""

from __future__ import annotations

import csv
import os
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Iterable,
    Mapping,
    Sequence,
)
from contextlib import AsyncExitStack, aclosing
from typing import IO, TYPE_CHECKING, Any, Final

import anyio.lowlevel
import attrs

from .._exceptions import (
    BulkJobError,
    BulkWriteInputError,
    InvalidArgumentError,
    InvalidArgumentTypeError,
)
from .._http._options import RequestOptionsDict
from .._progress import Progress, ProgressCallback
from ._archive import iter_zip_csv
from ._csvzip import write_upload_file
from ._models import (
    ROW_STATUSES,
    BulkWriteResult,
    BulkWriteRow,
    PollPolicy,
)

if TYPE_CHECKING:
    from ._manager import BulkManager

__all__ = ["WriteInput", "WriteOptions", "parse_write_result", "run_write"]

#: What :meth:`BulkManager.write` accepts: dict rows (sync or async) or a CSV file's path.
WriteInput = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]] | str | os.PathLike[str]
OPERATIONS: Final = ("insert", "update", "upsert")
_YIELD_EVERY: Final = 500

Rows = AsyncIterator[tuple[int, Mapping[str, Any]]]


@attrs.frozen
class WriteOptions:
    """The checked job options shared by every job of one write."""

    operation: str
    find_by: str | None
    ignore_empty: bool
    callback_url: str | None

    @classmethod
    def check(
        cls, operation: str, find_by: str | None, ignore_empty: bool, callback_url: str | None
    ) -> WriteOptions:
        """Validate client-side: the operation, and ``find_by`` for update/upsert."""
        if operation not in OPERATIONS:
            raise InvalidArgumentError(
                f"operation must be one of {', '.join(OPERATIONS)}; got {operation!r}"
            )
        if operation in ("update", "upsert") and not find_by:
            raise InvalidArgumentError(
                f"operation {operation!r} needs find_by=: the field that finds the existing "
                "record, 'id' or a unique field such as 'Email'"
            )
        if operation == "insert" and find_by:
            raise InvalidArgumentError("find_by is only for operation='update' or 'upsert'")
        return cls(operation, find_by or None, bool(ignore_empty), callback_url)


async def run_write(
    manager: BulkManager,
    module: str,
    data: WriteInput,
    *,
    options: WriteOptions,
    columns: Sequence[str] | None,
    field_mappings: Mapping[str, str | Mapping[str, Any]] | None,
    check_fields: bool,
    poll: PollPolicy,
    progress: ProgressCallback | None,
    max_rows: int,
    max_bytes: int,
    request_options: RequestOptionsDict,
) -> BulkWriteResult:
    """The body of :meth:`BulkManager.write`: one upload + job per file, in input order.

    ``request_options`` are the per-call options, for every request the write makes.
    """
    result = BulkWriteResult()
    counter = Progress(progress)
    async with AsyncExitStack() as stack:
        header, rows = await _open_rows(stack, data, columns)
        mappings = _mappings(header, field_mappings or {})
        await _check_mappings(
            manager, module, mappings, options.find_by, check_fields, request_options
        )
        counter.start()
        pending = await anext(rows, None)
        number = 0
        while pending is not None:
            number += 1
            try:
                upload, pending = await write_upload_file(
                    rows,
                    pending,
                    header,
                    name=f"{module}_{number}",
                    max_rows=max_rows,
                    max_bytes=max_bytes,
                )
            except ValueError as exc:
                done = f"; {len(result)} row(s) before it were written" if result.rows else ""
                raise BulkWriteInputError(f"{exc}{done}", completed=result) from None
            try:
                with upload.file:
                    file_id = await manager.upload(upload.file, name=upload.name, **request_options)
                job = await manager.create_write_job(
                    module,
                    file_id,
                    operation=options.operation,
                    find_by=options.find_by,
                    field_mappings=mappings,
                    ignore_empty=options.ignore_empty,
                    callback_url=options.callback_url,
                    **request_options,
                )
                job = await manager.wait(job, poll=poll, **request_options)
            except BulkJobError as exc:
                exc.completed, exc.first_index = result, upload.first_index
                raise
            result.add(
                await manager.write_job_result(
                    job,
                    first_index=upload.first_index,
                    expected_rows=upload.rows,
                    **request_options,
                )
            )
            counter.advance(upload.rows)
    return result


def parse_write_result(
    file: IO[bytes], job_id: str, first_index: int, expected_rows: int | None
) -> list[BulkWriteRow]:
    """Per-row outcomes from a result ZIP (``STATUS``, ``RECORD_ID``, ``ERRORS`` columns).

    ``ERRORS`` may list several ``<CODE>-<column>`` entries, separated by commas. Rows the file
    lacks (up to ``expected_rows``) are reported ``unprocessed``.
    """
    rows: list[BulkWriteRow] = []
    what = f"the result file of bulk write job {job_id}"
    for position, row in enumerate(iter_zip_csv(file, what=what)):
        status = (row.get("STATUS") or "").strip().lower()
        errors = tuple(e.strip() for e in (row.get("ERRORS") or "").split(",") if e.strip())
        rows.append(
            BulkWriteRow(
                index=first_index + position,
                status=status if status in ROW_STATUSES else status or "unprocessed",
                record_id=(row.get("RECORD_ID") or "").strip() or None,
                errors=errors,
                job_id=job_id,
            )
        )
    for position in range(len(rows), expected_rows or 0):
        rows.append(
            BulkWriteRow(
                index=first_index + position,
                status="unprocessed",
                errors=("NOT_IN_RESULT_FILE",),
                job_id=job_id,
            )
        )
    return rows


# -- input -----------------------------------------------------------------------------------------


async def _open_rows(
    stack: AsyncExitStack, data: WriteInput, columns: Sequence[str] | None
) -> tuple[list[str], Rows]:
    """The header and the ``(index, row)`` stream of any accepted input."""
    if isinstance(data, str | os.PathLike):
        if columns is not None:
            raise InvalidArgumentError(
                "columns= is for dict rows; a CSV file's header names its columns"
            )
        header, csv_rows = _csv_rows(stack, os.fspath(data))
        return header, await stack.enter_async_context(aclosing(csv_rows))
    if isinstance(data, Mapping):
        raise InvalidArgumentTypeError(
            "data must be many rows (an iterable of dicts), not one dict"
        )
    source = await stack.enter_async_context(aclosing(_aiter(data)))
    first = await anext(source, None)
    if first is None:
        raise BulkWriteInputError("no rows to write: the input is empty")
    if not isinstance(first, Mapping):
        raise BulkWriteInputError(f"row 0 is a {type(first).__name__}, not a dict")
    header = list(columns) if columns is not None else [str(k) for k in first]
    _check_header(header, "columns" if columns is not None else "the first row's keys")
    rows = await stack.enter_async_context(aclosing(_dict_rows(first, source, header)))
    return header, rows


def _csv_rows(
    stack: AsyncExitStack, path: str
) -> tuple[list[str], AsyncGenerator[tuple[int, Mapping[str, Any]]]]:
    handle = stack.enter_context(open(path, encoding="utf-8-sig", newline=""))  # noqa: SIM115
    reader = csv.DictReader(handle)
    if not reader.fieldnames:
        raise BulkWriteInputError(f"{path} is empty: it needs a header row naming the fields")
    header = list(reader.fieldnames)
    _check_header(header, f"the header of {path}")

    async def rows() -> AsyncGenerator[tuple[int, Mapping[str, Any]]]:
        for index, row in enumerate(reader):
            if None in row:
                raise BulkWriteInputError(
                    f"{path} line {reader.line_num}: more cells than the header has columns"
                )
            yield index, row
            if index % _YIELD_EVERY == _YIELD_EVERY - 1:
                await anyio.lowlevel.checkpoint()

    return header, rows()


async def _dict_rows(
    first: Mapping[str, Any], source: AsyncIterator[Any], header: list[str]
) -> AsyncGenerator[tuple[int, Mapping[str, Any]]]:
    allowed = set(header)
    index = 0
    row: Any = first
    while row is not None:
        if not isinstance(row, Mapping):
            raise BulkWriteInputError(f"row {index} is a {type(row).__name__}, not a dict")
        extra = [k for k in row if k not in allowed]
        if extra:
            raise BulkWriteInputError(
                f"row {index} has column(s) {', '.join(map(repr, extra))} that the columns "
                f"{header} lack; pass columns=[...] naming every column of every row"
            )
        yield index, row
        index += 1
        row = await anext(source, None)


async def _aiter(data: Iterable[Any] | AsyncIterable[Any]) -> AsyncGenerator[Any]:
    if isinstance(data, AsyncIterable):
        iterator = aiter(data)
        try:
            async for item in iterator:
                yield item
        finally:  # we stopped reading (done, or a bad row): close the caller's generator
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()
        return
    for count, item in enumerate(data, 1):
        yield item
        if count % _YIELD_EVERY == 0:
            await anyio.lowlevel.checkpoint()


def _check_header(header: Sequence[str], what: str) -> None:
    blank = [i for i, name in enumerate(header) if not str(name).strip()]
    if blank:
        raise BulkWriteInputError(f"{what}: column(s) at position {blank} have no name")
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise BulkWriteInputError(f"{what}: column(s) {twice} appear more than once")


# -- field mappings --------------------------------------------------------------------------------


def _mappings(
    header: Sequence[str], overrides: Mapping[str, str | Mapping[str, Any]]
) -> list[dict[str, Any]]:
    unknown = [column for column in overrides if column not in header]
    if unknown:
        raise BulkWriteInputError(
            f"field_mappings names column(s) {unknown} that the input lacks; its columns: "
            f"{list(header)}"
        )
    mappings = []
    for index, column in enumerate(header):
        target = overrides.get(column, column)
        if isinstance(target, str):
            mappings.append({"api_name": target, "index": index})
        elif isinstance(target, Mapping) and isinstance(target.get("api_name"), str):
            mappings.append({**target, "index": index})
        else:
            raise BulkWriteInputError(
                f"field_mappings[{column!r}] must be a field API name or a dict with "
                f"'api_name', got {target!r}"
            )
    return mappings


async def _check_mappings(
    manager: BulkManager,
    module: str,
    mappings: Sequence[Mapping[str, Any]],
    find_by: str | None,
    check_fields: bool,
    request_options: RequestOptionsDict,
) -> None:
    targets = [str(m["api_name"]) for m in mappings]
    if find_by is not None and find_by not in targets:
        raise BulkWriteInputError(
            f"find_by {find_by!r} is not among the input's columns {targets}: Zoho finds the "
            "existing records by that column's values"
        )
    if not check_fields:
        return
    known = await manager.field_names(module, **request_options) | {"id"}
    unknown = [
        f"{name!r} (column {m['index']})"
        for m, name in zip(mappings, targets, strict=True)
        if name not in known
    ]
    if unknown:
        raise BulkWriteInputError(
            f"{', '.join(unknown)} not field(s) of {module}: rename the column(s) to field API "
            f"names, map them with field_mappings={{column: api_name}}, or drop them "
            "(check_fields=False skips this check)"
        )
