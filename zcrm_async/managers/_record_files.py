"""File-upload and image-upload fields of records: filled from files by a write, downloaded.

A write whose field values hold :class:`FileUpload` objects uploads those files to Zoho's file
store first (10 per call), then writes the records with the ids Zoho gave, as Zoho expects
(``[{"File_Id__s": id}]``; ``[{"file_id": id}]`` before v3). A record whose file could not be
uploaded is not written: its result says which file failed and why, in its place.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from itertools import chain
from operator import methodcaller
from pathlib import Path
from typing import Any, Final, Unpack

from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from ._base import Manager
from ._checks import check_id
from ._common import version_tuple
from ._files import LIVE_UPLOADS, Download, FileUpload, download_file, open_download
from ._versions import require_version

__all__ = ["FIELD_ATTACHMENTS_SINCE", "RecordFiles"]

#: The first API version with the field attachment download.
FIELD_ATTACHMENTS_SINCE: Final = "v2.1"

Build = Callable[[Sequence[Any]], dict[str, Any]]


def _has_uploads(items: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a value of a record (or an item of a list value) is a :class:`FileUpload`.

    None can be while no FileUpload exists. Otherwise the types of all values are gathered in
    C, in one pass (a write of 20,000 records checks 200,000 values before its first request).
    """
    if not LIVE_UPLOADS:
        return False
    kinds = set(map(type, chain.from_iterable(map(_values, items))))
    if FileUpload in kinds:
        return True
    if list not in kinds:
        return False
    lists = [value for item in items for value in item.values() if type(value) is list]
    return FileUpload in set(map(type, chain.from_iterable(lists)))


_values: Final = methodcaller("values")


class RecordFiles(Manager):
    """Mixed into :class:`RecordsManager`; ``self.module`` is the module's API name."""

    module: str

    def download_field_attachment(
        self, record_id: str | int, attachment_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> AbstractAsyncContextManager[Download]:
        """Open a file of a record's file-upload or image-upload field, streamed.

        ``async with leads.download_field_attachment(rid, aid) as d: ...``

        Args:
            record_id: The record's id.
            attachment_id: The file's ``id`` in the field's value (not its ``File_Id__s``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            An async context manager giving a :class:`~zcrm_async.Download`.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v2.1.
            APIError: Zoho has no such record or file (``INVALID_DATA``).
        """
        return open_download(
            self._session, self._field_attachment(record_id, attachment_id, options)
        )

    async def download_field_attachment_to(
        self,
        record_id: str | int,
        attachment_id: str | int,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        **options: Unpack[RequestOptionsDict],
    ) -> Path:
        """Stream a file of a record's file-upload or image-upload field to ``path``.

        Args:
            record_id: The record's id.
            attachment_id: The file's ``id`` in the field's value.
            path: The file to write, or a directory to write Zoho's file name into.
            overwrite: Replace an existing file (else :class:`FileExistsError`).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The path written; a download that breaks off leaves no partial file.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v2.1.
            FileExistsError: The target exists and ``overwrite`` is false.
            APIError: Zoho has no such record or file.
        """
        request = self._field_attachment(record_id, attachment_id, options)
        return await download_file(self._session, request, path, overwrite=overwrite)

    def _field_attachment(
        self, record_id: str | int, attachment_id: str | int, options: RequestOptionsDict
    ) -> Any:
        require_version(self._session, FIELD_ATTACHMENTS_SINCE, "downloading a field's file")
        rid = check_id(record_id)
        aid = check_id(attachment_id, "field attachment id")
        return self._session.prepare(
            "GET",
            f"{self.module}/{rid}/actions/download_fields_attachment",
            options,
            params={"fields_attachment_id": aid},
        )

    async def _write_records(
        self,
        method: str,
        path: str,
        items: list[Mapping[str, Any]],
        build: Build,
        options: RequestOptionsDict,
    ) -> WriteResults:
        """Write ``items``; :class:`FileUpload` values are uploaded first and replaced by ids."""
        if not _has_uploads(items):
            return await self._write_chunks(method, path, items, build, options=options)
        from .files import FilesManager

        found = [
            (index, name, value)
            for index, item in enumerate(items)
            for name, value in item.items()
            for value in (value if type(value) is list else [value])
            if type(value) is FileUpload
        ]
        uploaded = await FilesManager(self._session).upload([f for _, _, f in found], **options)
        key = "File_Id__s" if version_tuple(self._session.api_version) >= (3, 0) else "file_id"
        ids = {id(upload): result for (_, _, upload), result in zip(found, uploaded, strict=True)}
        failed: dict[int, WriteResult] = {}
        for (index, name, upload), result in zip(found, uploaded, strict=True):
            if not result.ok and index not in failed:
                failed[index] = _not_written(index, name, upload, result)
        positions = [i for i in range(len(items)) if i not in failed]
        resolved = [_with_file_ids(items[i], ids, key) for i in positions]
        written = (
            await self._write_chunks(method, path, resolved, build, options=options)
            if resolved
            else WriteResults()
        )
        for position, result in zip(positions, written, strict=True):
            result.index = position
        merged = {**failed, **{r.index: r for r in written if r.index is not None}}
        return WriteResults([merged[i] for i in range(len(items))])


def _with_file_ids(
    item: Mapping[str, Any], results: Mapping[int, WriteResult], key: str
) -> dict[str, Any]:
    out = dict(item)
    for name, value in item.items():
        if type(value) is FileUpload:
            out[name] = [{key: results[id(value)].id}]
        elif type(value) is list and any(type(v) is FileUpload for v in value):
            out[name] = [{key: results[id(v)].id} if type(v) is FileUpload else v for v in value]
    return out


def _not_written(index: int, field: str, upload: FileUpload, result: WriteResult) -> WriteResult:
    name = upload.filename or result.details.get("name") or "a file"
    return WriteResult(
        status="error",
        code=result.code or "FILE_NOT_UPLOADED",
        message=(
            f"the record was not written: the file {name!r} for field {field!r} could not be "
            f"uploaded ({result.message})"
        ),
        details={**result.details, "api_name": field},
        index=index,
    )
