"""What each ``zcrm`` command does, on a client built from the CLI's configuration."""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import sys
from collections.abc import AsyncGenerator, Iterator, Mapping
from contextlib import aclosing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .._client import ZohoCRM
from .._exceptions import OAuthError
from .._keyset import check_fields, keyset_pages
from .._models import Record, WriteResult
from .._progress import Progress, ProgressCallback
from ..bulk import (
    BulkJobError,
    BulkJobTimeoutError,
    BulkWriteInputError,
    PollPolicy,
)
from ..managers._files import open_part
from ..managers.coql import coql_limits
from ..pipelines import create_in_chunks, upsert_in_chunks
from ._config import load_config, remember_user, remembered_user
from ._main import EXIT_AUTH, EXIT_OK, EXIT_PARTIAL, UsageError
from ._progress import progress_bar

__all__ = ["dispatch"]


async def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; returns the exit code."""
    config = load_config(args.config)
    async with ZohoCRM(config) as client:
        user = args.user or config.current_user_email or remembered_user(config)
        crm = client.as_user(user) if user else client
        if args.command == "auth":
            return await _auth(crm, args)
        if args.command == "records" and args.records_command == "export":
            return await _export(crm, args)
        if args.command == "records":
            return await _import(crm, args)
        return await _coql(crm, args)


def _out(message: str) -> None:
    print(message, flush=True)


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- auth ----------------------------------------------------------------------------------------


async def _auth(crm: ZohoCRM, args: argparse.Namespace) -> int:
    if args.auth_command == "grant":
        tokens = await crm.oauth.generate_access_token(args.code, user_email=args.user_email)
        remember_user(crm.config, tokens.user_email)
        _out(f"tokens stored for {tokens.user_email} (api domain {tokens.api_domain})")
        return EXIT_OK
    user = crm.oauth.user_or_default(crm.user_email)
    if args.auth_command == "status":
        stored = await crm.store.load(user)
        if stored is None:
            _err(f"zcrm: no tokens stored for {user} (run: zcrm auth grant <code>)")
            return EXIT_AUTH
        expiry = datetime.fromtimestamp(stored.expiry_time / 1000, UTC).isoformat()
        state = "expired, refreshed on next use" if stored.expires_within(0) else "valid"
        _out(f"tokens stored for {user}; access token {state} (expires {expiry})")
        return EXIT_OK
    if not await crm.oauth.is_token_generated(user):
        raise OAuthError("no_tokens", f"no tokens stored for {user}: nothing to revoke")
    await crm.oauth.revoke(user)
    _out(f"tokens of {user} revoked and deleted")
    return EXIT_OK


# -- output --------------------------------------------------------------------------------------


@contextmanager
def _open_output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a hidden file beside ``path`` renamed to it once complete.

    An export that fails or is interrupted leaves no file that looks complete (and an older
    file at ``path`` untouched).
    """
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    part, raw = open_part(target)
    try:
        with io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _cell(value: Any) -> str:
    """A CSV cell: lookups by id (as Bulk Read writes them), other structures as JSON."""
    if value is None:
        return ""
    if isinstance(value, Mapping) and "id" in value:
        return str(value["id"])
    if isinstance(value, (Mapping, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Writer:
    """Rows to CSV (columns fixed by the first row or given) or JSON lines."""

    def __init__(self, handle: IO[str], fmt: str, columns: list[str] | None = None) -> None:
        self.handle = handle
        self.fmt = fmt
        self.columns = columns
        self._csv: Any = None
        self.count = 0

    def start(self) -> None:
        """Write the CSV header now if the columns are known (an empty export still has one)."""
        if self.fmt == "csv" and self.columns is not None:
            self._header(self.columns)

    def _header(self, columns: list[str]) -> Any:
        if self._csv is None:
            self.columns = columns
            self._csv = csv.writer(self.handle)
            self._csv.writerow(columns)
        return self._csv

    def write(self, row: Mapping[str, Any]) -> None:
        if self.fmt == "jsonl":
            self.handle.write(json.dumps(dict(row), ensure_ascii=False, default=str) + "\n")
        else:
            writer = self._header(self.columns or list(row))
            assert self.columns is not None
            writer.writerow([_cell(row.get(name)) for name in self.columns])
        self.count += 1


def _fields(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise UsageError("--fields needs at least one field API name, e.g. Last_Name,Email")
    return names


def _poll(args: argparse.Namespace) -> PollPolicy:
    if not args.poll_interval > 0:
        raise UsageError(f"--poll-interval must be > 0 seconds, got {args.poll_interval}")
    return PollPolicy(interval=args.poll_interval, max_interval=max(30.0, args.poll_interval))


def _use_bulk(via: str, threshold: int, count: int) -> bool:
    return via == "bulk" or (via == "auto" and count > threshold)


# -- records export ------------------------------------------------------------------------------


async def _export(crm: ZohoCRM, args: argparse.Namespace) -> int:
    fields = check_fields(_fields(args.fields))
    manager = crm.records(args.module)
    count = await manager.count() if args.via != "bulk" else 0
    bulk = _use_bulk(args.via, args.bulk_threshold, count)
    columns = ["id", *[f for f in fields if f != "id"]]
    with (
        _open_output(args.output) as handle,
        progress_bar(f"export {manager.module}", enabled=args.progress) as progress,
    ):
        writer = _Writer(handle, args.format, columns)
        writer.start()
        rows: AsyncGenerator[Mapping[str, Any], None]
        if bulk:
            rows = crm.bulk.read_rows(
                manager.module, fields=fields, poll=_poll(args), progress=progress
            )
        else:
            rows = _rest_rows(crm, manager.module, fields, count, progress)
        async with aclosing(rows) as stream:
            async for row in stream:
                writer.write(row)
    how = "Bulk Read" if bulk else "REST"
    _err(f"exported {writer.count} {manager.module} records via {how}")
    return EXIT_OK


async def _rest_rows(
    crm: ZohoCRM, module: str, fields: list[str], total: int, progress: ProgressCallback | None
) -> AsyncGenerator[Mapping[str, Any], None]:
    """Every record by id, each page asking for the ids after the last one (never a page
    number), so records created or deleted during the export shift none out of the walk."""
    counter = Progress(progress, total)
    counter.start()
    per_page = coql_limits(crm.config.api_version).per_call
    pages = keyset_pages(crm, module, fields, ("id",), per_page=per_page)
    async with aclosing(pages):
        async for page in pages:
            for record in page.items:
                yield {"id": record.id, **record.to_dict()}
            counter.advance(len(page.items))
    counter.total = counter.done
    counter.advance(0)  # the final count, as total, at the average rate


# -- records import ------------------------------------------------------------------------------


def _count_rows(path: str) -> int:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def _header(path: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), None)
    if not header or not any(header):
        raise UsageError(f"{path}: no header row naming the fields")
    return header


def _csv_rows(path: str, skip: int) -> Iterator[dict[str, str]]:
    """The file's rows after the first ``skip``; empty cells are left out (they do not blank
    a field)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in itertools.islice(csv.DictReader(handle), skip, None):
            yield {k: v for k, v in row.items() if k and v not in (None, "")}


async def _import(crm: ZohoCRM, args: argparse.Namespace) -> int:
    manager = crm.records(args.module)
    header, skip = _header(args.file), args.skip_rows
    total = max(_count_rows(args.file) - skip, 0)
    bulk = _use_bulk(args.via, args.bulk_threshold, total)
    rows = _csv_rows(args.file, skip)
    with progress_bar(f"import {manager.module}", enabled=args.progress) as progress:
        if bulk:
            try:
                result = await crm.bulk.write(
                    manager.module,
                    rows,
                    columns=[name for name in header if name],
                    operation="upsert" if args.upsert else "insert",
                    find_by=args.find_by,
                    poll=_poll(args),
                    progress=progress,
                    max_rows_per_file=args.rows_per_file,
                )
            except (BulkJobError, BulkWriteInputError) as stop:
                _say_where_the_import_stopped(stop, skip)
                raise
            failures = [
                (row.index, row.status, ", ".join(row.errors) or row.status)
                for row in result.failed
            ]
        elif args.upsert:
            find_by = [args.find_by] if args.find_by else None
            rest = await upsert_in_chunks(
                manager, rows, duplicate_check_fields=find_by, progress=progress, total=total
            )
            failures = [(r.index or 0, r.code, _explain(r)) for r in rest.failed]
        else:
            rest = await create_in_chunks(manager, rows, progress=progress, total=total)
            failures = [(r.index or 0, r.code, _explain(r)) for r in rest.failed]
    for index, code, message in failures:
        _err(f"row {skip + index + 1}: {code}: {message}")
    how = "Bulk Write" if bulk else "REST"
    _err(
        f"{total - len(failures)} of {total} rows written to {manager.module} via {how}; "
        f"{len(failures)} failed"
    )
    return EXIT_PARTIAL if failures else EXIT_OK


def _say_where_the_import_stopped(stop: BulkJobError | BulkWriteInputError, skip: int) -> None:
    """Which rows the jobs that finished wrote, and how to go on without writing them twice."""
    done = stop.completed
    for row in done.failed if done is not None else []:
        _err(f"row {skip + row.index + 1}: {row.status}: {', '.join(row.errors) or row.status}")
    first = stop.first_index if isinstance(stop, BulkJobError) else None
    reached = skip + (first if first is not None else len(done) if done is not None else 0)
    finished = f"rows 1..{reached} were written (failures listed above)" if reached else ""
    if isinstance(stop, BulkJobTimeoutError):
        _err(
            f"{finished or 'no row was written'}; the job for the rows after row {reached} is "
            f"still running at Zoho: once it has finished, go on after its rows with "
            "--skip-rows"
        )
    else:
        _err(
            f"{finished or 'no row was written'}; the rows after row {reached} were not written "
            f"by a finished job: go on with --skip-rows {reached}"
        )


def _explain(result: WriteResult) -> str:
    details = ", ".join(f"{k}={v}" for k, v in result.details.items() if k != "exception")
    return f"{result.message} ({details})" if details else result.message


# -- coql ----------------------------------------------------------------------------------------


async def _coql(crm: ZohoCRM, args: argparse.Namespace) -> int:
    with _open_output(args.output) as handle:
        writer = _Writer(handle, args.format)
        async for row in crm.coql(args.query):
            data = row.to_dict() if isinstance(row, Record) else dict(row)
            writer.write(data)
    _err(f"{writer.count} rows")
    return EXIT_OK
