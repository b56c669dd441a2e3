"""Reading a Bulk Read (or Bulk Write result) archive: ZIP'd CSV files, whatever they hold.

Zoho's archives hold CSV files compressed with deflate. A hostile or broken archive must not
exhaust memory nor end in a raw ``zipfile``/``zlib``/``csv`` error, so every member is checked
before it is read (plain ``*.csv`` name, deflate or stored, not encrypted, a declared size
within :class:`ArchiveLimits`), rows are read line by line with a cap on the characters one
row may span, and anything malformed is an :class:`~zcrm_async.ArchiveError` saying what.

``zipfile`` never returns more bytes of a member than its declared size (then the CRC check
fails), so checking the declared size against the compressed size bounds the decompression.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Final

import attrs

from .._exceptions import ArchiveError, InvalidArgumentError

__all__ = ["ArchiveLimits", "count_zip_csv", "iter_zip_csv"]

#: Below this many bytes a member is never refused for its compression ratio.
_RATIO_FLOOR: Final = 16 * 1024 * 1024
#: What ``zipfile`` and ``csv`` raise on bytes that are not a well-formed ZIP'd CSV.
_MALFORMED: Final = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    csv.Error,
    UnicodeDecodeError,
    NotImplementedError,
    ValueError,
)
#: Bytes of a file that is not a ZIP shown in the error (an HTML error page, often).
_HEAD: Final = 120
_SUPPORTED_COMPRESSION: Final = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


@attrs.frozen
class ArchiveLimits:
    """Bounds on what reading one archive may cost; ``None`` lifts a bound.

    ``max_row_chars``: the characters one CSV row may span (all its lines; Zoho's longest
    field, a multi-line text, holds 32,000): memory stays near this bound whatever the archive
    holds. ``max_ratio``: how many times its compressed size a member may grow when
    decompressed (past 16 MiB; CSV rarely passes 20, a ZIP bomb reaches 1,000).
    ``max_total_bytes``: the decompressed size of all members together.
    """

    max_row_chars: int = 16 * 1024 * 1024
    max_ratio: float | None = 200.0
    max_total_bytes: int | None = None

    def __attrs_post_init__(self) -> None:
        for name, kind in (("max_row_chars", int), ("max_ratio", float), ("max_total_bytes", int)):
            value = getattr(self, name)
            if value is None and name != "max_row_chars":
                continue
            types = (int, float) if kind is float else (int,)
            if isinstance(value, bool) or not isinstance(value, types) or not value > 0:
                none = "" if name == "max_row_chars" else " or None"
                raise InvalidArgumentError(
                    f"ArchiveLimits.{name} must be a {kind.__name__} > 0{none}, got {value!r}"
                )


Source = str | os.PathLike[str] | IO[bytes]


def iter_zip_csv(
    source: Source,
    *,
    limits: ArchiveLimits | None = None,
    expected_rows: int | None = None,
    what: str = "the archive",
) -> Iterator[dict[str, str]]:
    """The rows of every CSV in a ZIP, one dict per row (header -> cell), read lazily.

    Args:
        source: The ZIP: a path, or a seekable binary file open for reading.
        limits: Bounds on a row and on decompression (:class:`ArchiveLimits` defaults if
            None).
        expected_rows: The row count the archive must have, checked after the last row (not
            checked if None).
        what: How errors name the archive, e.g. ``"the result of bulk read job 123"``.

    Yields:
        One ``{column: cell text}`` dict per row, member after member.

    Raises:
        ArchiveError: Naming ``what``, the member and the row: an archive that is not a ZIP or
            is truncated, a member that is not a plain ``.csv`` name or is corrupt, a row over
            ``limits``, a row whose cell count differs from the header's, and, at the end, a
            row count other than ``expected_rows``.
    """
    count = 0
    for header, cells in _rows(source, limits or ArchiveLimits(), what):
        count += 1
        yield dict(zip(header, cells, strict=True))
    _check_count(count, expected_rows, what)


def count_zip_csv(
    source: Source,
    *,
    limits: ArchiveLimits | None = None,
    expected_rows: int | None = None,
    what: str = "the archive",
) -> int:
    """Read the whole archive as :func:`iter_zip_csv` does and return its row count.

    For checking an archive before handing out any of its rows.

    Args:
        source: The ZIP: a path, or a seekable binary file open for reading.
        limits: Bounds on a row and on decompression (:class:`ArchiveLimits` defaults if
            None).
        expected_rows: The row count the archive must have (not checked if None).
        what: How errors name the archive, e.g. ``"the result of bulk read job 123"``.

    Returns:
        The number of data rows (headers not counted) in every CSV of the archive.

    Raises:
        ArchiveError: As for :func:`iter_zip_csv`.
    """
    count = sum(1 for _ in _rows(source, limits or ArchiveLimits(), what))
    _check_count(count, expected_rows, what)
    return count


def _check_count(count: int, expected: int | None, what: str) -> None:
    if expected is not None and count != expected:
        raise ArchiveError(
            f"{what} holds {count} rows but Zoho reported {expected} for the job; the file is "
            "incomplete or not the job's: download it again (or start a new job)"
        )


def _rows(
    source: Source, limits: ArchiveLimits, what: str
) -> Iterator[tuple[list[str], list[str]]]:
    """``(header, cells)`` for every data row of every member."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(
            f"{what} is not a readable ZIP archive ({exc}); it starts with {_head(source)!r}"
        ) from None
    with archive:
        members = _members(archive, limits, what)
        for info in members:
            yield from _member_rows(archive, info, limits, what)


def _head(source: Source) -> str:
    """The first bytes of ``source`` as text, to show what came instead of a ZIP."""
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as file:
                head = file.read(_HEAD)
        else:
            source.seek(0)
            head = source.read(_HEAD)
    except OSError as exc:
        return f"<unreadable: {exc}>"
    return head.decode("utf-8", "replace")


def _members(archive: zipfile.ZipFile, limits: ArchiveLimits, what: str) -> list[zipfile.ZipInfo]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    if not members:
        raise ArchiveError(f"{what} holds no file; a Bulk Read result holds a CSV file")
    total = 0
    for info in members:
        name = info.filename
        where = f"{what}, member {name!r}"
        if not name.lower().endswith(".csv") or any(c in name for c in "/\\\0") or ".." in name:
            raise ArchiveError(
                f"{where}: not a CSV file name; Zoho's archives hold plain '<job id>.csv' "
                f"files (members: {[i.filename for i in members][:10]})"
            )
        if info.flag_bits & 0x1:
            raise ArchiveError(f"{where} is encrypted; Zoho's archives are not")
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise ArchiveError(
                f"{where} uses compression method {info.compress_type}; Zoho's archives use deflate"
            )
        total += info.file_size
        if limits.max_total_bytes is not None and total > limits.max_total_bytes:
            raise ArchiveError(
                f"{where}: the archive decompresses to more than max_total_bytes="
                f"{limits.max_total_bytes} bytes (ArchiveLimits)"
            )
        ratio_cap = limits.max_ratio
        if ratio_cap is not None and info.file_size > max(
            _RATIO_FLOOR, info.compress_size * ratio_cap
        ):
            raise ArchiveError(
                f"{where} decompresses from {info.compress_size} to {info.file_size} bytes, "
                f"more than max_ratio={ratio_cap:g} times (ArchiveLimits): a ZIP bomb, not "
                "a CSV export"
            )
    return members


class _BoundedLines:
    """The lines of a text stream, at most ``limit`` characters per CSV row in all.

    ``csv.reader`` pulls lines from it; :meth:`row_done` starts the count for the next row.
    Each ``readline`` is bounded, so an archive of one endless line never sits in memory.
    """

    def __init__(self, text: IO[str], limit: int, where: str) -> None:
        self.text, self.limit, self.where = text, limit, where
        self.used = 0
        self.rows = 0

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit - self.used + 1)
        if not line:
            raise StopIteration
        self.used += len(line)
        if self.used > self.limit:
            raise ArchiveError(
                f"{self.where}: CSV row {self.rows + 1} is longer than max_row_chars="
                f"{self.limit} characters (ArchiveLimits); no Zoho export holds such a row"
            )
        return line

    def row_done(self) -> None:
        self.used = 0
        self.rows += 1


def _member_rows(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits, what: str
) -> Iterator[tuple[list[str], list[str]]]:
    where = f"{what}, member {info.filename!r}"
    try:
        raw = archive.open(info)
    except (*_MALFORMED, RuntimeError) as exc:
        raise ArchiveError(f"{where} cannot be opened: {exc}") from None
    with raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        lines = _BoundedLines(text, limits.max_row_chars, where)
        reader = csv.reader(lines)
        header = _next_row(reader, lines, where)
        if header is None:
            raise ArchiveError(f"{where} is empty: not even a header row")
        while (cells := _next_row(reader, lines, where)) is not None:
            if len(cells) != len(header):
                raise ArchiveError(
                    f"{where}: CSV row {lines.rows} has {len(cells)} cells, the header has "
                    f"{len(header)}"
                )
            yield header, cells


def _next_row(reader: Iterator[list[str]], lines: _BoundedLines, where: str) -> list[str] | None:
    """The next non-empty row, None at the end; malformed data as :class:`ArchiveError`."""
    try:
        while (cells := next(reader, None)) is not None:
            lines.row_done()
            if cells:
                return cells
    except _MALFORMED as exc:
        raise ArchiveError(f"{where}: unreadable CSV near row {lines.rows + 1}: {exc}") from None
    return None
