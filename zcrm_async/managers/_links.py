"""Download links Zoho hands out (exported audit logs, data backups) saved into a folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import anyio

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from ._files import safe_file_name, save_atomically

if TYPE_CHECKING:
    from ._base import Session

__all__ = ["save_links"]


async def save_links(
    session: Session,
    links: Sequence[str],
    folder: str | os.PathLike[str],
    *,
    what: str,
    overwrite: bool,
    attempts: int,
    options: RequestOptionsDict,
) -> list[Path]:
    """Stream each link into ``folder`` under the file name its URL ends with.

    Files are written one after the other; each goes to a temporary file renamed into place
    once complete, and a download that breaks off starts again from scratch, up to
    ``attempts`` tries in all.
    """
    from ..bulk._csvzip import download_to

    target = Path(folder)
    if not await anyio.Path(target).is_dir():
        raise InvalidArgumentError(f"{str(target)!r} is not a folder to save {what} into")
    if not links:
        raise InvalidArgumentError(f"{what} has no download links (yet)")
    saved = []
    for index, link in enumerate(links):
        name = safe_file_name(unquote(urlsplit(link).path.rsplit("/", 1)[-1]))

        async def write(handle: IO[bytes], url: str = link, n: int = index) -> Any:
            label = f"{what}, file {n + 1} of {len(links)}"
            return await download_to(
                session, url, handle, what=label, attempts=attempts, options=options
            )

        saved.append(await save_atomically(target / name, write, name=name, overwrite=overwrite))
    return saved
