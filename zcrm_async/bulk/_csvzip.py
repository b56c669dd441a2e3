"""ZIP'd CSV files on disk: downloads with retries, and upload files written in chunks.

Nothing here holds a whole file in memory: downloads stream to a file and upload files are
written row by row into a temporary ZIP. Reading an archive's rows is ``_archive``'s work.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, Final

import anyio
import anyio.lowlevel
import attrs

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError, TransportError
from .._http._options import RequestOptionsDict

if TYPE_CHECKING:
    from ..managers._base import Session

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS_PER_FILE",
    "UploadFile",
    "csv_value",
    "download_to",
    "write_upload_file",
]

#: Zoho's bulk write limits: a ZIP of at most 25 MB, 25,000 rows per CSV.
MAX_FILE_BYTES: Final = 25 * 1024 * 1024
MAX_ROWS_PER_FILE: Final = 25_000
#: Room kept below ``max_bytes`` for data the deflate stream still buffers and the ZIP directory.
_ZIP_SLACK: Final = 256 * 1024
_CHUNK: Final = 64 * 1024
#: Rows between two checkpoints, so long CSV work lets other tasks run.
_YIELD_EVERY: Final = 500


async def download_to(
    session: Session,
    url: str,
    dest: IO[bytes],
    *,
    what: str,
    attempts: int = 4,
    options: RequestOptionsDict | None = None,
) -> int:
    """Stream ``url`` into ``dest`` (truncated first); return the byte count.

    A download that breaks off is started again from scratch (a GET is idempotent) up to
    ``attempts`` times in all; then :class:`TransportError` names ``what`` and the attempts.
    What the body holds is checked when it is read (``iter_zip_csv``).
    """
    request = session.prepare("GET", url, {**(options or {}), "max_retries": attempts - 1})
    try:
        written = await session.download(request, dest)
    except TransportError as exc:
        raise TransportError(f"downloading {what} failed: {exc}", host=exc.host) from exc
    dest.seek(0)
    return written


def csv_value(value: Any) -> str:
    """One value as a bulk write CSV cell: lookups by id, multi-select joined with ``;``.

    Args:
        value: A field value: None, a bool, number, string, date or datetime, a lookup dict
            with ``id``, or a list (multi-select).

    Returns:
        The cell text (empty for None; ``true``/``false``; ISO-8601 dates).

    Raises:
        InvalidArgumentError: A lookup dict without ``id``.
        InvalidArgumentTypeError: A value of a type a CSV cell cannot hold.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    if isinstance(value, Mapping):
        if "id" in value:
            return str(value["id"])
        raise InvalidArgumentError(f"a lookup value needs an 'id' key, got {dict(value)!r}")
    if isinstance(value, list | tuple):
        return ";".join(csv_value(v) for v in value)
    raise InvalidArgumentTypeError(
        f"cannot write a {type(value).__name__} into a CSV cell: {value!r}"
    )


@attrs.define
class UploadFile:
    """One ZIP ready to upload: the temporary file, its rows and their input positions."""

    file: IO[bytes]
    rows: int
    first_index: int
    size: int
    name: str

    def close(self) -> None:
        """Delete the temporary file."""
        self.file.close()


async def write_upload_file(
    rows: AsyncIterator[tuple[int, Mapping[str, Any]]],
    first: tuple[int, Mapping[str, Any]],
    columns: Sequence[str],
    *,
    name: str,
    max_rows: int,
    max_bytes: int,
) -> tuple[UploadFile, tuple[int, Mapping[str, Any]] | None]:
    """Write ``first`` and following rows into a temporary ZIP until a limit is reached.

    Returns the file and the first row that did not fit (None once ``rows`` is exhausted).
    ``rows`` yields ``(input_index, row)``; a row's keys must be among ``columns``.
    """
    file = tempfile.TemporaryFile()  # noqa: SIM115 - returned to the caller, who closes it
    count = 0
    pending: tuple[int, Mapping[str, Any]] | None = first
    try:
        with (
            zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            archive.open(f"{name}.csv", "w") as member,
        ):
            text = io.TextIOWrapper(member, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(columns)
            while pending is not None:
                index, row = pending
                writer.writerow(_cells(row, columns, index))
                count += 1
                pending = await anext(rows, None)
                if count >= max_rows or file.tell() + _ZIP_SLACK >= max_bytes:
                    break
                if count % _YIELD_EVERY == 0:
                    await anyio.lowlevel.checkpoint()
            text.flush()
            text.detach()
        size = file.tell()
        if size > max_bytes:
            raise InvalidArgumentError(
                f"the upload file for rows {first[0]}..{first[0] + count - 1} is {size} bytes, "
                f"over the {max_bytes}-byte limit; lower max_rows_per_file"
            )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return UploadFile(file, count, first[0], size, f"{name}.zip"), pending


def _cells(row: Mapping[str, Any], columns: Sequence[str], index: int) -> list[str]:
    try:
        return [csv_value(row.get(column)) for column in columns]
    except ValueError as exc:
        raise InvalidArgumentError(f"row {index}: {exc}") from None
