"""``crm.records(m).locks(record_id)``: lock a record against edits, see why, unlock it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Final, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResult
from .._pagination import Pager
from .._record_entities import RecordLock
from ._base import Manager, Session, empty_result
from ._checks import check_id, fields_param
from ._common import single_result

__all__ = ["MAX_LOCK_REASON", "RecordLocksManager"]

#: The longest lock reason Zoho keeps.
MAX_LOCK_REASON: Final = 255


class RecordLocksManager(Manager):
    """The locks of one record (``/{module}/{id}/Locking_Information__s``).

    A locked record cannot be updated or deleted (Zoho answers ``RECORD_LOCKED`` for it) until
    it is unlocked.
    """

    def __init__(self, session: Session, module: str, record_id: str) -> None:
        super().__init__(session)
        self.module = module
        self.record_id = record_id
        self._path = f"{module}/{record_id}/Locking_Information__s"

    def __repr__(self) -> str:
        return f"RecordLocksManager(module={self.module!r}, record_id={self.record_id!r})"

    def list(
        self,
        *,
        fields: Sequence[str] | str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[RecordLock]:
        """The record's locks, page by page.

        Args:
            fields: The lock keys to read (Zoho's default set if None).
            per_page: Locks per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of ``RecordLock``.
        """
        parse = RecordLock.from_api
        fetch = partial(self._get_page, self._path, "data", parse=parse, options=options)
        return Pager(fetch, {"fields": fields_param(fields), "per_page": per_page})

    async def get(self, lock_id: str | int, **options: Unpack[RequestOptionsDict]) -> RecordLock:
        """One lock by id.

        Args:
            lock_id: The lock's id (``RecordLock.id``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``RecordLock``.

        Raises:
            EmptyResultError: The record has no such lock.
        """
        lid = check_id(lock_id, "lock id")
        answer = await self._session.answer("GET", f"{self._path}/{lid}", options)
        body = answer.json()
        items = body.get("data") if isinstance(body, dict) else None
        if not items or not isinstance(items[0], dict):
            raise empty_result(answer, "NO_CONTENT", f"no lock {lid} on record {self.record_id}")
        return RecordLock.from_api(items[0])

    async def lock(
        self, *, reason: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Lock the record.

        Args:
            reason: Why (shown to users who try to edit it), at most 255 characters.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The result; ``.id`` is the new lock's id. A record locked already gives a failed
            result (``RECORD_LOCKED``).
        """
        answer = await self._session.answer(
            "POST", self._path, options, json={"data": [_lock_item(reason)]}, accept="record_errors"
        )
        return single_result(answer)

    async def update(
        self, lock_id: str | int, *, reason: str, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Change a lock's reason.

        Args:
            lock_id: The lock's id.
            reason: The new reason, at most 255 characters.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The result of the update.
        """
        lid = check_id(lock_id, "lock id")
        answer = await self._session.answer(
            "PUT", f"{self._path}/{lid}", options, json={"data": [_lock_item(reason)]}
        )
        return single_result(answer)

    async def unlock(
        self, lock_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Remove a lock: the record can be edited again.

        Args:
            lock_id: The lock's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The result of the unlock.
        """
        lid = check_id(lock_id, "lock id")
        return single_result(await self._session.answer("DELETE", f"{self._path}/{lid}", options))


def _lock_item(reason: str | None) -> dict[str, Any]:
    if reason is None:
        return {}
    if not isinstance(reason, str) or len(reason) > MAX_LOCK_REASON:
        raise InvalidArgumentError(
            f"reason must be text of at most {MAX_LOCK_REASON} characters, got {reason!r:.80}"
        )
    return {"Locked_Reason__s": reason}
