"""``crm.records(m).sharing(record_id)``: share one record with users, see and change how."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, Unpack

from .._entities import User
from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._record_entities import RecordShare
from ._base import Manager, Session
from ._checks import check_id
from ._common import single_result
from ._entity_io import parse_items

__all__ = ["MAX_SHARES_PER_CALL", "PERMISSIONS", "Permission", "RecordSharingManager"]

#: Users one share call may name.
MAX_SHARES_PER_CALL: Final = 10
#: What a user a record is shared with may do with it.
PERMISSIONS: Final = ("read_only", "read_write", "full_access")
Permission = Literal["read_only", "read_write", "full_access"]


class RecordSharingManager(Manager):
    """Sharing of one record (``/{module}/{id}/actions/share``)."""

    def __init__(self, session: Session, module: str, record_id: str) -> None:
        super().__init__(session)
        self.module = module
        self.record_id = record_id
        self._path = f"{module}/{record_id}/actions/share"

    def __repr__(self) -> str:
        return f"RecordSharingManager(module={self.module!r}, record_id={self.record_id!r})"

    async def list(
        self, *, user_id: str | int | None = None, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[RecordShare]:
        """The users the record is shared with.

        Args:
            user_id: Only this user's share.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``RecordShare`` per user (empty when the record is shared
            with nobody).
        """
        params = {"sharedTo": check_id(user_id, "user id")} if user_id is not None else None
        body = await self._session.call("GET", self._path, options, params=params)
        return parse_items(body, "share", RecordShare)

    async def shareable_users(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[User]:
        """The users the record can be shared with.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The users, as :class:`~zcrm_async.User`.
        """
        body = await self._session.call("GET", self._path, options, params={"view": "manage"})
        return parse_items(body, "shareable_user", User)

    async def share(
        self,
        users: Iterable[str | int | Mapping[str, Any]],
        *,
        permission: Permission = "read_only",
        share_related_records: bool = False,
        notify: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Share the record with users.

        Args:
            users: User ids, or dicts of Zoho's share object (``{"user": {"id": ..},
                "permission": .., "share_related_records": ..}``) for per-user settings;
                at most 10 per call.
            permission: ``read_only``, ``read_write`` or ``full_access``, for the users given
                by id.
            share_related_records: Share the record's related records too (users by id).
            notify: E-mail the users about the share.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per user, in input order.

        Raises:
            InvalidArgumentError: A bad user, permission, or more than 10 users.
        """
        return await self._send("POST", users, permission, share_related_records, notify, options)

    async def update(
        self,
        users: Iterable[str | int | Mapping[str, Any]],
        *,
        permission: Permission = "read_only",
        share_related_records: bool = False,
        notify: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Change how the record is shared with users it is shared with already.

        Args:
            users: As for :meth:`share`.
            permission: As for :meth:`share`.
            share_related_records: As for :meth:`share`.
            notify: As for :meth:`share`.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per user, in input order.
        """
        return await self._send("PUT", users, permission, share_related_records, notify, options)

    async def revoke(self, **options: Unpack[RequestOptionsDict]) -> WriteResult:
        """Stop sharing the record with every user it is shared with.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The result of the revoke.
        """
        return single_result(await self._session.answer("DELETE", self._path, options), "share")

    async def _send(
        self,
        method: str,
        users: Iterable[str | int | Mapping[str, Any]],
        permission: str,
        share_related_records: bool,
        notify: bool | None,
        options: RequestOptionsDict,
    ) -> WriteResults:
        if permission not in PERMISSIONS:
            raise InvalidArgumentError(
                f"permission must be one of {', '.join(PERMISSIONS)}, got {permission!r}"
            )
        items = [
            _share_item(user, index, permission, share_related_records)
            for index, user in enumerate(users)
        ]
        if not items or len(items) > MAX_SHARES_PER_CALL:
            raise InvalidArgumentError(
                f"share takes 1..{MAX_SHARES_PER_CALL} users per call (Zoho's limit), "
                f"got {len(items)}"
            )
        extra = {} if notify is None else {"notify": notify}
        return await self._write_chunks(
            method,
            self._path,
            items,
            lambda chunk: {"json": {"share": list(chunk), **extra}},
            key="share",
            options=options,
        )


def _share_item(
    user: str | int | Mapping[str, Any], index: int, permission: str, related: bool
) -> dict[str, Any]:
    if isinstance(user, Mapping):
        item = dict(user)
        target = item.get("user")
        target_id = target.get("id") if isinstance(target, Mapping) else None
        check_id(target_id, f"users[{index}]['user']['id']")
        return item
    if not isinstance(user, (str, int)) or isinstance(user, bool):
        raise InvalidArgumentTypeError(
            f"users[{index}] is {type(user).__name__}, expected a user id"
        )
    return {
        "user": {"id": check_id(user, f"users[{index}]")},
        "permission": permission,
        "share_related_records": related,
    }
