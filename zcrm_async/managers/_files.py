"""Files in and out: upload sources (path, bytes, file object) and streamed downloads."""

from __future__ import annotations

import inspect
import mimetypes
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import unquote

import anyio
import httpx

__all__ = ["CHUNK_SIZE", "Download", "FileSource", "read_upload", "write_stream"]

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
            raise ValueError(f"cannot read the file to upload {str(path)!r}: {exc}") from exc
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
            raise TypeError(f"{source!r}.read() returned {type(data).__name__}, expected bytes")
        content = bytes(data)
        source_name = getattr(source, "name", None)
        if name is None and isinstance(source_name, str):
            name = os.path.basename(source_name)
    else:
        raise TypeError(
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

    async def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the body to ``path`` (into it, under :attr:`filename`, if it is a directory)."""
        return await write_stream(self, path)


async def write_stream(download: Download, path: str | os.PathLike[str]) -> Path:
    """Write a download chunk by chunk; return the file written."""
    target = Path(path)
    if await anyio.Path(target).is_dir():
        name = os.path.basename(download.filename or "") or "download"
        target = target / name
    async with await anyio.open_file(target, "wb") as out:
        async for chunk in download.iter_bytes():
            await out.write(chunk)
    return target
