"""Files in and out: upload sources (path, bytes, file object) and streamed downloads."""

from __future__ import annotations

import errno
import inspect
import mimetypes
import os
import re
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, BinaryIO, Final, Protocol
from urllib.parse import unquote

import anyio
import anyio.to_thread
import httpx

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError

__all__ = ["CHUNK_SIZE", "Download", "FileSource", "open_part", "read_upload", "write_stream"]

#: Bytes per chunk when a download is read or written.
CHUNK_SIZE: Final = 64 * 1024


class _Readable(Protocol):
    def read(self) -> Any: ...


#: A path (``str`` or ``os.PathLike``), the bytes themselves, or an object with ``read()``
#: (sync or async) such as an open file or ``io.BytesIO``.
FileSource = str | os.PathLike[str] | bytes | bytearray | memoryview | _Readable


async def read_upload(
    source: FileSource, filename: str | None, default_name: str
) -> tuple[str, bytes, str]:
    """``(filename, content, content_type)`` of an upload.

    The content is read before sending so a retried request sends it again whole (Zoho
    caps attachments at 20 MB and photos at 10 MB, so this stays small).
    """
    name: str | None = filename
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            content = await anyio.Path(path).read_bytes()
        except OSError as exc:
            raise InvalidArgumentError(
                f"cannot read the file to upload {str(path)!r}: {exc}"
            ) from exc
        name = name or path.name
    elif isinstance(source, (bytes, bytearray, memoryview)):
        content = bytes(source)
    elif callable(getattr(source, "read", None)):
        data = source.read()
        if inspect.isawaitable(data):
            data = await data
        if isinstance(data, str):
            data = data.encode()
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidArgumentTypeError(
                f"{source!r}.read() returned {type(data).__name__}, expected bytes"
            )
        content = bytes(data)
        source_name = getattr(source, "name", None)
        if name is None and isinstance(source_name, str):
            name = os.path.basename(source_name)
    else:
        raise InvalidArgumentTypeError(
            f"cannot upload a {type(source).__name__}: pass a file path, bytes or an object "
            "with read()"
        )
    name = name or default_name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return name, content, content_type


_FILENAME_STAR: Final = re.compile(r"filename\*\s*=\s*([^;]+)", re.IGNORECASE)
_FILENAME: Final = re.compile(r'filename\s*=\s*("(?:[^"\\]|\\.)*"|[^;]+)', re.IGNORECASE)


def _filename(disposition: str | None) -> str | None:
    """The file name in a ``Content-Disposition`` header (RFC 6266, both spellings)."""
    if not disposition:
        return None
    star = _FILENAME_STAR.search(disposition)
    if star:
        value = star.group(1).strip().strip('"')
        _, _, encoded = value.partition("''")
        return unquote(encoded or value)
    plain = _FILENAME.search(disposition)
    if plain:
        value = plain.group(1).strip()
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        return value
    return None


class Download:
    """An open download: its name, type and size, and its body read chunk by chunk.

    Use it inside the ``async with`` that produced it; the connection closes on exit.
    """

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    def __repr__(self) -> str:
        return f"Download(filename={self.filename!r}, size={self.size!r})"

    @property
    def filename(self) -> str | None:
        """The name from ``Content-Disposition``, if Zoho sent one."""
        header: str | None = self._response.headers.get("content-disposition")
        return _filename(header)

    @property
    def content_type(self) -> str | None:
        """The media type Zoho sent."""
        value: str | None = self._response.headers.get("content-type")
        return value

    @property
    def size(self) -> int | None:
        """``Content-Length`` if known."""
        value = self._response.headers.get("content-length")
        return int(value) if value and value.isdigit() else None

    def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The body, at most ``chunk_size`` bytes at a time."""
        return self._response.aiter_bytes(chunk_size)

    async def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the body to ``path`` (into it, under :attr:`filename`, if it is a directory).

        An existing file is kept (:class:`FileExistsError`) unless ``overwrite=True``. The
        body goes to a temporary file beside the target, renamed into place once complete:
        a download that breaks off leaves no partial file and the previous one intact.
        """
        return await write_stream(self, path, overwrite=overwrite)


def _file_name(download: Download) -> str:
    """Zoho's file name without any directory part, or ``download``."""
    name = os.path.basename((download.filename or "").replace("\\", "/"))
    return "download" if name in ("", ".", "..") else name


def _exists(target: Path) -> FileExistsError:
    return FileExistsError(
        errno.EEXIST, f"{target} exists; pass overwrite=True to replace it", str(target)
    )


def _publish(part: Path, target: Path, overwrite: bool) -> None:
    """Move the finished ``part`` file to ``target`` in one step."""
    if overwrite:
        os.replace(part, target)
        return
    try:
        os.link(part, target)  # fails if the target exists, even one created meanwhile
    except FileExistsError:
        raise _exists(target) from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise _exists(target) from None
        os.replace(part, target)
        return
    part.unlink()


def open_part(target: Path) -> tuple[Path, BinaryIO]:
    """A new, empty, hidden file beside ``target`` (the umask decides its mode, as for open)."""
    part = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    return part, os.fdopen(fd, "wb")


def _finish(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
    handle.close()


async def write_stream(
    download: Download, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write a download chunk by chunk into a temporary file, then rename it to the target."""
    target = Path(path)
    if await anyio.Path(target).is_dir():
        target = target / _file_name(download)
    if not overwrite and await anyio.Path(target).exists():
        raise _exists(target)
    part, handle = await anyio.to_thread.run_sync(open_part, target)
    try:
        out = anyio.wrap_file(handle)
        async for chunk in download.iter_bytes():
            await out.write(chunk)
        await anyio.to_thread.run_sync(_finish, handle)
        await anyio.to_thread.run_sync(_publish, part, target, overwrite)
    except BaseException:  # cancelled or failed: no partial file stays behind
        handle.close()
        part.unlink(missing_ok=True)
        raise
    return target
