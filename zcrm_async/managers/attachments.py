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
        """The record's attachments, page by page.

        Args:
            fields: The attachment fields to read; from API v7 on, where Zoho requires them,
                None reads the usual ones (id, file name, size, owner, times).
            per_page: Attachments per page, 1..200.
            max_records: Stop after this many attachments (all if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of the record's attachments.
        """
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
        """Attach a file to the record.

        Args:
            file: The file: a path, bytes, or a binary object with ``read()``.
            filename: The name Zoho shows (taken from the path, or ``attachment``, if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; ``result.id`` is the new attachment's id.

        Raises:
            InvalidArgumentError: A file that cannot be read or is larger than Zoho accepts.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
        name, content, content_type = await read_upload(file, filename, "attachment")
        answer = await self._session.answer(
            "POST", self._path, options, files={"file": (name, content, content_type)}
        )
        return single_result(answer)

    async def upload_link(
        self, url: str, *, title: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Attach a link (Zoho's ``attachmentUrl``) with an optional title.

        Args:
            url: The http(s) URL to attach.
            title: The name Zoho shows for the link.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; ``result.id`` is the new attachment's id.

        Raises:
            InvalidArgumentError: ``url`` is not an http(s) URL.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
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
        """Stream one attachment: ``async with ... as d: async for chunk in d.iter_bytes(): ...``.

        Args:
            attachment_id: The attachment's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            An async context manager; entering it sends the request and gives the
            :class:`~zcrm_async.managers._files.Download` (file name, type, size, the body to
            stream), leaving it closes the connection.

        Raises:
            InvalidArgumentError: A bad id, before any request.
        """
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

        The body goes to a temporary file renamed into place once complete; see
        :meth:`Download.save`.

        Args:
            attachment_id: The attachment's id.
            path: The file to write, or a directory to write Zoho's file name into.
            overwrite: Replace an existing file (kept otherwise).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The path of the written file.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            FileExistsError: The file exists and ``overwrite`` is False.
        """
        aid = check_id(attachment_id, "attachment id")
        request = self._session.prepare("GET", f"{self._path}/{aid}", options)
        return await download_file(self._session, request, path, overwrite=overwrite)

    async def delete(
        self, attachment_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Delete one attachment.

        Args:
            attachment_id: The attachment's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the deletion.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
        aid = check_id(attachment_id, "attachment id")
        return single_result(await self._session.answer("DELETE", f"{self._path}/{aid}", options))
