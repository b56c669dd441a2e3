"""Files in and out: upload sources (path, bytes, file object) and streamed downloads."""

from __future__ import annotations

import errno
import inspect
import mimetypes
import os
import re
import secrets
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any, BinaryIO, Final, Protocol
from urllib.parse import unquote

import anyio
import anyio.to_thread
import attrs
import httpx

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError

if TYPE_CHECKING:
    from .._http._options import RequestOptions
    from ._base import Session

__all__ = [
    "CHUNK_SIZE",
    "Download",
    "FileSource",
    "FileUpload",
    "LIVE_UPLOADS",
    "PathPart",
    "download_file",
    "open_download",
    "open_part",
    "read_upload",
    "safe_file_name",
    "save_atomically",
    "upload_part",
    "write_stream",
]

#: Bytes per chunk when a download is read or written.
CHUNK_SIZE: Final = 64 * 1024


class _Readable(Protocol):
    def read(self) -> Any: ...


#: A path (``str`` or ``os.PathLike``), the bytes themselves, or an object with ``read()``
#: (sync or async) such as an open file or ``io.BytesIO``.
FileSource = str | os.PathLike[str] | bytes | bytearray | memoryview | _Readable

#: Every :class:`FileUpload` alive, by id: while there is none, no record can hold one and a
#: write need not look through its records' values for files to upload.
LIVE_UPLOADS: Final[weakref.WeakValueDictionary[int, FileUpload]] = weakref.WeakValueDictionary()


def _unreadable(path: Path, exc: OSError) -> InvalidArgumentError:
    return InvalidArgumentError(f"cannot read the file to upload {str(path)!r}: {exc}")


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
            raise _unreadable(path, exc) from exc
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
    return name, content, _content_type(name)


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

    Download methods make these; you do not create them yourself.

    Args:
        response: The streamed response, its body not yet read.
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
        """The body, at most ``chunk_size`` bytes at a time.

        Args:
            chunk_size: The largest piece to yield, in bytes.

        Returns:
            An async iterator of the body's bytes, read from the network as it is consumed.
        """
        return self._response.aiter_bytes(chunk_size)

    async def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write the body to ``path`` (into it, under :attr:`filename`, if it is a directory).

        The body goes to a temporary file beside the target, renamed into place once complete:
        a download that breaks off leaves no partial file and the previous one intact.

        Args:
            path: The file to write, or a directory to write Zoho's file name into.
            overwrite: Replace an existing file (kept otherwise).

        Returns:
            The path of the written file.

        Raises:
            FileExistsError: The file exists and ``overwrite`` is False.
        """
        return await write_stream(self, path, overwrite=overwrite)


def safe_file_name(name: str | None) -> str:
    """A file name sent by Zoho without any directory part (``download`` when it has none)."""
    name = os.path.basename((name or "").replace("\\", "/"))
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


async def save_atomically(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], Awaitable[Any]],
    *,
    name: str,
    overwrite: bool = False,
) -> Path:
    """``await write(handle)`` into a temporary file beside the target, then rename it there.

    ``path`` is the file, or a directory to write ``name`` into. An existing file is kept
    (:class:`FileExistsError`) unless ``overwrite=True``; a write that fails or is cancelled
    leaves no partial file and the previous one intact.
    """
    target = Path(path)
    if await anyio.Path(target).is_dir():
        target = target / safe_file_name(name)
    if not overwrite and await anyio.Path(target).exists():
        raise _exists(target)
    part, handle = await anyio.to_thread.run_sync(open_part, target)
    try:
        await write(handle)
        await anyio.to_thread.run_sync(_finish, handle)
        await anyio.to_thread.run_sync(_publish, part, target, overwrite)
    except BaseException:  # cancelled or failed: no partial file stays behind
        handle.close()
        part.unlink(missing_ok=True)
        raise
    return target


async def write_stream(
    download: Download, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write a download chunk by chunk into a temporary file, then rename it to the target."""

    async def write(handle: BinaryIO) -> None:
        out = anyio.wrap_file(handle)
        async for chunk in download.iter_bytes():
            await out.write(chunk)

    return await save_atomically(path, write, name=download.filename or "", overwrite=overwrite)


@asynccontextmanager
async def open_download(session: Session, request: RequestOptions) -> AsyncIterator[Download]:
    """``async with open_download(session, request) as download:`` the answer, streamed."""
    async with session.stream(request) as response:
        yield Download(response)


async def download_file(
    session: Session,
    request: RequestOptions,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
) -> Path:
    """Stream the answer to ``path`` (a file, or a directory to use Zoho's file name)."""
    async with open_download(session, request) as download:
        return await write_stream(download, path, overwrite=overwrite)


# -- uploads streamed from disk --------------------------------------------------------------------


class PathPart:
    """A file on disk as an upload part: opened on first read, closed once read to the end.

    httpx seeks it back to the start for each attempt of a request, so a retried upload sends
    the file again from disk; it is never held in memory.
    """

    def __init__(self, path: Path, size: int) -> None:
        self.name = path.name
        self._path = path
        self._size = size
        self._handle: BinaryIO | None = None
        self._position = 0

    def __repr__(self) -> str:
        return f"PathPart({str(self._path)!r}, size={self._size})"

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        target = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._size}[whence]
        self._position = target + offset
        if self._handle is not None:
            self._handle.seek(self._position)
        return self._position

    def read(self, size: int = -1) -> bytes:
        if self._handle is None:
            self._handle = open(self._path, "rb")  # noqa: SIM115 - closed at the end of reading
            self._handle.seek(self._position)
        data = self._handle.read(size)
        self._position += len(data)
        if not data or size < 0:
            self.close()
        return data

    def close(self) -> None:
        """Close the file if it is open (reading again reopens it)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


async def upload_part(
    source: FileSource, filename: str | None, default_name: str
) -> tuple[str, bytes | PathPart | Any, str]:
    """``(filename, content, content_type)`` of one part of a multipart upload.

    A path is streamed from disk (:class:`PathPart`), bytes are sent as they are, and a file
    object with a plain ``read()`` is read by httpx chunk by chunk; an object whose ``read()``
    is a coroutine is read whole first.
    """
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            stat = await anyio.Path(path).stat()
        except OSError as exc:
            raise _unreadable(path, exc) from exc
        if not S_ISREG(stat.st_mode):
            raise InvalidArgumentError(f"the file to upload {str(path)!r} is not a regular file")
        name = filename or path.name
        return name, PathPart(path, stat.st_size), _content_type(name)
    read = getattr(source, "read", None)
    if (
        callable(read)
        and not inspect.iscoroutinefunction(read)
        and not isinstance(source, (bytes, bytearray, memoryview))
    ):
        source_name = getattr(source, "name", None)
        name = filename or (os.path.basename(source_name) if isinstance(source_name, str) else "")
        name = name or default_name
        return name, source, _content_type(name)
    return await read_upload(source, filename, default_name)


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@attrs.frozen
class FileUpload:
    """A file to put in a record's file-upload or image-upload field, uploaded by the write.

    Use it as the field's value (or a list of them) in ``create``, ``update`` or ``upsert``::

        cases = crm.records("Cases")
        await cases.create([{"Subject": "Broken", "File_Upload": FileUpload("photo.jpg")}])

    The SDK uploads the files to Zoho's file store first (10 per call), then writes the
    records with the file ids Zoho gave. ``source`` is a path (streamed from disk), bytes, or a
    file object; ``filename`` overrides the name Zoho stores.
    """

    source: FileSource = attrs.field(repr=False)
    filename: str | None = None

    def __attrs_post_init__(self) -> None:
        LIVE_UPLOADS[id(self)] = self
