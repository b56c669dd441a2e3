"""``crm.files``: Zoho's file store (ZFS), behind file-upload and image-upload fields."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Final, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResults
from ._base import Manager
from ._files import (
    Download,
    FileSource,
    FileUpload,
    PathPart,
    download_file,
    open_download,
    upload_part,
)

__all__ = ["MAX_FILES_PER_UPLOAD", "FilesManager", "check_file_id"]

#: Files Zoho takes in one upload call (each at most 20 MB).
MAX_FILES_PER_UPLOAD: Final = 10
_FILE_ID: Final = re.compile(r"^[A-Za-z0-9_.\-]{1,512}$")


def check_file_id(file_id: object) -> str:
    """An encrypted file id as the upload answered it, else :class:`InvalidArgumentError`."""
    if not isinstance(file_id, str) or not _FILE_ID.match(file_id):
        raise InvalidArgumentError(
            f"file id {file_id!r} is not a file id of Zoho's file store (the 'id' in the "
            "details of an upload result, letters and digits)"
        )
    return file_id


def _uploads(
    files: FileSource | FileUpload | Sequence[FileSource | FileUpload],
) -> list[FileUpload]:
    many: Sequence[Any] = files if isinstance(files, (list, tuple)) else [files]
    uploads = [f if isinstance(f, FileUpload) else FileUpload(f) for f in many]
    if not uploads:
        raise InvalidArgumentError("no files given to upload")
    return uploads


class FilesManager(Manager):
    """Upload files to Zoho's file store and download them by their encrypted ids.

    The ids go into file-upload and image-upload fields of records; a record write does this
    for you when a field's value is a :class:`~zcrm_async.FileUpload`.
    """

    async def upload(
        self,
        files: FileSource | FileUpload | Sequence[FileSource | FileUpload],
        *,
        inline: bool = False,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Upload one file or many (10 per call; each at most 20 MB).

        Paths are streamed from disk, never read whole into memory.

        Args:
            files: A path, bytes, a file object or a :class:`~zcrm_async.FileUpload` (to name
                the file), or a list of them.
            inline: Upload images to show inline in e-mails and rich text (``type=inline``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per file, in input order; ``.id`` is the encrypted file id and
                ``.details["name"]`` the stored name. A file Zoho refused has its error there.

        Raises:
            InvalidArgumentError: No file given, or a path that cannot be read.
            APIError: Every upload call failed as a whole.
        """
        uploads = _uploads(files)
        parts = [
            await upload_part(u.source, u.filename, f"file{index + 1}")
            for index, u in enumerate(uploads)
        ]
        params = {"type": "inline"} if inline else None
        try:
            return await self._write_chunks(
                "POST",
                "files",
                parts,
                lambda chunk: {"files": [("file", part) for part in chunk], "params": params},
                options=options,
                chunk_size=MAX_FILES_PER_UPLOAD,
            )
        finally:
            for _, content, _ in parts:
                if isinstance(content, PathPart):
                    content.close()

    def download(
        self, file_id: str, **options: Unpack[RequestOptionsDict]
    ) -> AbstractAsyncContextManager[Download]:
        """Open a file of the store for reading, streamed.

        ``async with crm.files.download(file_id) as d: async for chunk in d.iter_bytes(): ...``

        Args:
            file_id: The encrypted id an upload answered.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            An async context manager giving a :class:`~zcrm_async.Download`.

        Raises:
            InvalidArgumentError: ``file_id`` is not a file id.
            APIError: Zoho has no such file (``INVALID_DATA``) or refused the call.
        """
        request = self._session.prepare(
            "GET", "files", options, params={"id": check_file_id(file_id)}
        )
        return open_download(self._session, request)

    async def download_to(
        self,
        file_id: str,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        **options: Unpack[RequestOptionsDict],
    ) -> Path:
        """Stream a file of the store to ``path``.

        Args:
            file_id: The encrypted id an upload answered.
            path: The file to write, or a directory to write Zoho's file name into.
            overwrite: Replace an existing file (else :class:`FileExistsError`).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The path written. A download that breaks off leaves no partial file.

        Raises:
            InvalidArgumentError: ``file_id`` is not a file id.
            FileExistsError: The target exists and ``overwrite`` is false.
            APIError: Zoho has no such file or refused the call.
        """
        request = self._session.prepare(
            "GET", "files", options, params={"id": check_file_id(file_id)}
        )
        return await download_file(self._session, request, path, overwrite=overwrite)
