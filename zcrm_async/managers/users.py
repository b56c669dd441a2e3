"""``crm.users``: CRM users."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._entities import User
from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._pagination import Pager
from ._base import empty_result
from ._checks import check_id
from ._collection import Collection, per_page_param

__all__ = ["UsersManager"]

USER_TYPES = (
    "AllUsers",
    "ActiveUsers",
    "DeactiveUsers",
    "ConfirmedUsers",
    "NotConfirmedUsers",
    "DeletedUsers",
    "ActiveConfirmedUsers",
    "AdminUsers",
    "ActiveConfirmedAdmins",
    "CurrentUser",
)


class UsersManager(Collection):
    """Users of the organisation.

    Updates go to ``users`` itself, for one user as for many; a deletion names one user.
    """

    path = "users"
    key = "users"
    model = User
    what = "user"
    item_writes = False

    async def current(self, **options: Unpack[RequestOptionsDict]) -> User:
        """The user the client acts as (``users?type=CurrentUser``).

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The current user.

        Raises:
            EmptyResultError: Zoho returned no current user.
        """
        answer = await self._session.answer("GET", "users", options, params={"type": "CurrentUser"})
        body = answer.json()
        users = body.get("users") if isinstance(body, dict) else None
        if not users:
            raise empty_result(answer, "NO_CURRENT_USER", "Zoho returned no current user")
        return User.from_api(users[0])

    def list(
        self, *, type: str = "AllUsers", per_page: int = 200, **options: Unpack[RequestOptionsDict]
    ) -> Pager[User]:
        """Users of one ``type`` (``AllUsers``, ``ActiveUsers``, ``AdminUsers``...).

        Args:
            type: Zoho's user type: ``AllUsers``, ``ActiveUsers``, ``DeactiveUsers``,
                ``ConfirmedUsers``, ``NotConfirmedUsers``, ``DeletedUsers``,
                ``ActiveConfirmedUsers``, ``AdminUsers``, ``ActiveConfirmedAdmins`` or
                ``CurrentUser``.
            per_page: Users per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of users.

        Raises:
            InvalidArgumentError: An unknown ``type`` or a bad ``per_page``, before any request.
        """
        return self._pages(
            options, {"type": _check_type(type), "per_page": per_page_param(per_page)}
        )

    def search(
        self,
        criteria: str,
        *,
        type: str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[User]:
        """Users matching ``criteria`` (``(email:starts_with:ada)``), optionally of a ``type``.

        Args:
            criteria: A criteria string over user keys, e.g. ``"(email:starts_with:ada)"``.
            type: Keep only users of this type (see :meth:`list`).
            per_page: Users per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of the matching users.

        Raises:
            InvalidArgumentError: An empty criteria, an unknown ``type`` or a bad ``per_page``,
                before any request.
        """
        if not isinstance(criteria, str) or not criteria.strip():
            raise InvalidArgumentError(
                f"criteria must be a non-empty criteria string, got {criteria!r}"
            )
        params = {
            "criteria": criteria,
            "type": None if type is None else _check_type(type),
            "per_page": per_page_param(per_page),
        }
        return self._pages(options, params, path="users/search", heavy=True)

    async def count(self, *, type: str | None = None, **options: Unpack[RequestOptionsDict]) -> int:
        """How many users (of a ``type``) the org has.

        Args:
            type: Count only users of this type (see :meth:`list`); all if None.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The count.

        Raises:
            InvalidArgumentError: An unknown ``type``, before any request.
        """
        params = None if type is None else {"type": _check_type(type)}
        body = await self._session.call("GET", "users/actions/count", options, params=params)
        return int(body.get("count", 0)) if isinstance(body, dict) else 0

    async def create(
        self, users: Iterable[Mapping[str, Any] | User], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Add users; each needs ``email``, ``last_name``, ``role`` and ``profile`` (ids).

        Args:
            users: The users: dicts or :class:`User` objects.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per user, in input order (the new ids in ``results.ids``).

        Raises:
            InvalidArgumentError: No users, or an item that is not a dict or a :class:`User`.
        """
        return await self._create(users, options)

    async def update(
        self, users: Iterable[Mapping[str, Any] | User], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Update users; each needs its ``id``.

        Args:
            users: The users: dicts or :class:`User` objects with ``id`` and the keys to change.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per user, in input order.

        Raises:
            InvalidArgumentError: No users, or one without a usable ``id``.
        """
        return await self._update(users, options)

    async def delete(
        self, user_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Delete one user (Zoho lists them as ``DeletedUsers`` afterwards).

        Args:
            user_id: The user's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the user.

        Raises:
            InvalidArgumentError: A bad id, before any request.
        """
        uid = check_id(user_id, "user id")
        results = await self._delete_at(self.path, self.key, uid, "user id", options)
        return results.results[0]

    async def get(self, user_id: str | int, **options: Unpack[RequestOptionsDict]) -> User:
        """One user by id.

        Args:
            user_id: The user's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The user.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            EmptyResultError: Zoho has no such user.
        """
        uid = check_id(user_id, "user id")
        answer = await self._session.answer("GET", f"users/{uid}", options)
        body = answer.json()
        users = body.get("users") if isinstance(body, dict) else None
        if not users:
            raise empty_result(answer, "USER_NOT_FOUND", f"no user with id {uid}", {"id": uid})
        return User.from_api(users[0])


def _check_type(user_type: str) -> str:
    if user_type not in USER_TYPES:
        raise InvalidArgumentError(
            f"type must be one of {', '.join(USER_TYPES)}; got {user_type!r}"
        )
    return user_type
