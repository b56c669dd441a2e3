"""The file token store: JSON (never pickle), written atomically with mode 0600."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio

from .._exceptions import TokenStoreError
from .._models import OAuthTokens
from ._base import LOCK_TIMEOUT, BaseTokenStore
from ._filelock import file_lock

__all__ = ["FILE_NAME", "FileStore"]

#: The classic SDKs' file name, kept so the configured folder looks as users expect.
FILE_NAME = "zcrm_oauthtokens.txt"
_FORMAT = "zcrm_async.tokens"


class FileStore(BaseTokenStore):
    """Tokens of every user in one JSON file.

    ``path`` is a folder (the file is ``zcrm_oauthtokens.txt`` in it) or the token file itself:
    an existing file, or a name with a suffix such as ``tokens/zcrm_oauthtokens.txt``. A missing
    folder is created (mode 0700) on the first save. Writes go to a temporary file in the same
    folder, then ``os.replace`` it (atomic), under an ``flock`` so that processes sharing the
    file never lose each other's users.

    Args:
        path: The folder of the token file, or the file itself.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        given = Path(path).expanduser()
        names_a_file = given.is_file() or (not given.is_dir() and bool(given.suffix))
        self.path = given if names_a_file else given / FILE_NAME
        self.folder = self.path.parent
        self._write_lock_path = self.folder / f".{self.path.name}.lock"
        self._refresh_lock_path = self.folder / f".{self.path.name}.refresh.lock"

    def __repr__(self) -> str:
        return f"FileStore(path={str(self.path)!r})"

    async def load(self, user_email: str) -> OAuthTokens | None:
        """Read the file and return the user's tokens.

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.

        Raises:
            TokenStoreError: The file or its folder cannot be read or written, or the file is not
                a token file.
        """
        entries = await anyio.to_thread.run_sync(self._read)
        entry = entries.get(user_email)
        return self._parse(entry) if entry is not None else None

    async def user_emails(self) -> list[str]:
        """The users with an entry in the file.

        Returns:
            The e-mail addresses, sorted.

        Raises:
            TokenStoreError: The file or its folder cannot be read or written, or the file is not
                a token file.
        """
        return sorted(await anyio.to_thread.run_sync(self._read))

    async def save(self, tokens: OAuthTokens) -> None:
        """Replace the user's entry, keeping every other user's.

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.

        Raises:
            TokenStoreError: The file or its folder cannot be read or written, or the file is not
                a token file.
        """
        await self._modify(lambda entries: entries.__setitem__(tokens.user_email, tokens.to_dict()))

    async def delete(self, user_email: str) -> None:
        """Remove the user's entry.

        Args:
            user_email: The user whose tokens to forget.

        Raises:
            TokenStoreError: The file or its folder cannot be read or written, or the file is not
                a token file.
        """
        await self._modify(lambda entries: entries.pop(user_email, None))

    @asynccontextmanager
    async def refresh_lock(self, user_email: str) -> AsyncIterator[None]:
        """An ``flock`` on a lock file beside the token file (one for all users of this file).

        Args:
            user_email: The user whose refresh the lock guards.

        Yields:
            Nothing; the lock is held while the ``async with`` block runs.

        Raises:
            TokenStoreError: The lock was not free within the lock timeout, or the folder is
                unusable.
        """
        self._check_folder()  # a quick syscall, no checkpoint: the save below is shielded
        async with file_lock(self._refresh_lock_path, LOCK_TIMEOUT):
            yield

    # -- internals ----------------------------------------------------------------------------

    def _check_folder(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise TokenStoreError(
                f"token_persistence_path: cannot create the folder {str(self.folder)!r} for "
                f"{self.path.name}: {exc}; point token_persistence_path at a writable folder"
            ) from exc

    async def _modify(self, change: Any) -> None:
        self._check_folder()  # a quick syscall, no checkpoint: the save below is shielded
        async with file_lock(self._write_lock_path, LOCK_TIMEOUT):

            def read_change_write() -> None:
                entries = self._read()
                change(entries)
                self._write(entries)

            # Shielded: a cancelled caller must not leave a freshly minted token unsaved.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(read_change_write)

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise TokenStoreError(f"cannot read token file {self.path}: {exc}") from exc
        if not raw.strip():
            return {}
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, ValueError):
            document = None
        if not (
            isinstance(document, dict)
            and document.get("format") == _FORMAT
            and isinstance(document.get("tokens"), dict)
        ):
            raise TokenStoreError(
                f"{self.path} is not a zcrm_async token file (a classic SDK's pickle/Marshal file, "
                "or corrupt); it was left untouched. Move it away, or set token_persistence_path "
                "to another folder, then generate tokens again"
            )
        tokens: dict[str, Any] = document["tokens"]
        return tokens

    def _parse(self, entry: Any) -> OAuthTokens:
        try:
            return OAuthTokens.from_dict(entry)
        except (KeyError, TypeError, ValueError) as exc:
            raise TokenStoreError(f"malformed token entry in {self.path}: {exc!r}") from exc

    def _write(self, entries: dict[str, Any]) -> None:
        document = {"format": _FORMAT, "version": 1, "tokens": entries}
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                json.dump(document, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
