"""``crm.records(m).attachments(record_id)``: files and links attached to one record."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from functools import partial
from pathlib import Path
from typing import Final, Unpack

from .._entities import Attachment
from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResult
from .._pagination import Pager
from ._base import Manager, Session
from ._checks import check_id, fields_param
from ._common import single_result, version_tuple
from ._files import Download, FileSource, download_file, open_download, read_upload

__all__ = ["DEFAULT_ATTACHMENT_FIELDS", "AttachmentsManager"]

#: Sent when ``fields`` is not given and the API version requires it (v7+).
DEFAULT_ATTACHMENT_FIELDS: Final = (
    "id",
    "File_Name",
    "Size",
    "Created_Time",
    "Modified_Time",
    "Owner",
    "Created_By",
    "Modified_By",
    "Parent_Id",
)


class AttachmentsManager(Manager):
    """Attachments of one record: list, upload (file, bytes or link), download, delete."""

    def __init__(self, session: Session, module: str, record_id: str) -> None:
        super().__init__(session)
        self.module = module
        self.record_id = record_id
        self._path = f"{module}/{record_id}/Attachments"

    def __repr__(self) -> str:
        return f"AttachmentsManager(module={self.module!r}, record_id={self.record_id!r})"

    def list(
        self,
        *,
        fields: Sequence[str] | str | None = None,
        per_page: int = 200,
        max_records: int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Attachment]:
        """The record's attachments (``fields`` defaults to the usual ones from v7, where

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.
        Zoho requires them)."""
        param = fields_param(fields)
        if param is None and version_tuple(self._session.api_version) >= (7, 0):
            param = ",".join(DEFAULT_ATTACHMENT_FIELDS)
        fetch = partial(
            self._get_page, self._path, "data", parse=Attachment.from_api, options=options
        )
        return Pager(fetch, {"fields": param, "per_page": per_page}, max_items=max_records)

    async def upload(
        self,
        file: FileSource,
        *,
        filename: str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Attach a file: a path, bytes, or an object with ``read()``; ``.id`` is the new id."""
        name, content, content_type = await read_upload(file, filename, "attachment")
        answer = await self._session.answer(
            "POST", self._path, options, files={"file": (name, content, content_type)}
        )
        return single_result(answer)

    async def upload_link(
        self, url: str, *, title: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Attach a link (``attachmentUrl``) with an optional title."""
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InvalidArgumentError(f"attachment link {url!r} is not an http(s) URL")
        form: dict[str, tuple[None, str]] = {"attachmentUrl": (None, url)}
        if title is not None:
            form["title"] = (None, title)
        answer = await self._session.answer("POST", self._path, options, files=form)
        return single_result(answer)

    def download(
        self, attachment_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> AbstractAsyncContextManager[Download]:
        """``async with ... as d: async for chunk in d.iter_bytes(): ...`` (streamed)."""
        aid = check_id(attachment_id, "attachment id")
        request = self._session.prepare("GET", f"{self._path}/{aid}", options)
        return open_download(self._session, request)

    async def download_to(
        self,
        attachment_id: str | int,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        **options: Unpack[RequestOptionsDict],
    ) -> Path:
        """Stream an attachment to ``path`` (a file, or a directory to use Zoho's file name).

        An existing file is kept (:class:`FileExistsError`) unless ``overwrite=True``; see
        :meth:`Download.save`.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.
        """
        aid = check_id(attachment_id, "attachment id")
        request = self._session.prepare("GET", f"{self._path}/{aid}", options)
        return await download_file(self._session, request, path, overwrite=overwrite)

    async def delete(
        self, attachment_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Delete one attachment."""
        aid = check_id(attachment_id, "attachment id")
        return single_result(await self._session.answer("DELETE", f"{self._path}/{aid}", options))
