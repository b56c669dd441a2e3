"""``crm.users``: CRM users."""

from __future__ import annotations

from functools import partial

from .._exceptions import NotFoundError
from .._models import User
from .._pagination import Pager
from ._base import Manager
from .records import check_id

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


class UsersManager(Manager):
    """Users of the organisation."""

    async def current(self) -> User:
        """The user the client acts as (``users?type=CurrentUser``)."""
        page = await self.list(type="CurrentUser")
        if not page.items:
            raise NotFoundError(204, "NO_CURRENT_USER", "Zoho returned no current user")
        return page.items[0]

    def list(self, *, type: str = "AllUsers", per_page: int = 200) -> Pager[User]:
        """Users of one ``type`` (``AllUsers``, ``ActiveUsers``, ``AdminUsers``...)."""
        if type not in USER_TYPES:
            raise ValueError(f"type must be one of {', '.join(USER_TYPES)}; got {type!r}")
        fetch = partial(self._get_page, "users", "users", parse=User.from_api)
        return Pager(fetch, {"type": type, "per_page": per_page})

    async def get(self, user_id: str | int) -> User:
        """One user by id."""
        uid = check_id(user_id, "user id")
        body = await self._session.request_json("GET", f"users/{uid}")
        users = body.get("users") if isinstance(body, dict) else None
        if not users:
            raise NotFoundError(204, "USER_NOT_FOUND", f"no user with id {uid}", {"id": uid})
        return User.from_api(users[0])
