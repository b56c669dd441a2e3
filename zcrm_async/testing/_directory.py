"""CRM users and the organization."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ._errors import invalid_param

__all__ = ["Directory", "IdSource", "user_ref"]

#: Zoho ids are 19-digit numbers; this org's share the prefix 5725767000000.
_ID_PREFIX = 5725767000000 * 10**6

USER_TYPES: dict[str, Callable[[dict[str, Any], str], bool]] = {
    "AllUsers": lambda u, me: True,
    "ActiveUsers": lambda u, me: u["status"] == "active",
    "DeactiveUsers": lambda u, me: u["status"] == "disabled",
    "ConfirmedUsers": lambda u, me: bool(u["confirm"]),
    "NotConfirmedUsers": lambda u, me: not u["confirm"],
    "DeletedUsers": lambda u, me: u["status"] == "deleted",
    "ActiveConfirmedUsers": lambda u, me: u["status"] == "active" and bool(u["confirm"]),
    "AdminUsers": lambda u, me: u["profile"]["name"] == "Administrator",
    "ActiveConfirmedAdmins": lambda u, me: (
        u["status"] == "active" and u["profile"]["name"] == "Administrator"
    ),
    "CurrentUser": lambda u, me: u["email"] == me,
}


class IdSource:
    """Hands out increasing 19-digit ids, e.g. ``5725767000000100001``."""

    def __init__(self, start: int = 100_000) -> None:
        self._next = start

    def __call__(self) -> str:
        self._next += 1
        return str(_ID_PREFIX + self._next)


def user_ref(user: dict[str, Any], *, email: bool = True) -> dict[str, Any]:
    """The ``{"name","id","email"}`` shape of Owner/Created_By/Modified_By."""
    if email:
        return {"name": user["full_name"], "id": user["id"], "email": user["email"]}
    return {"name": user["full_name"], "id": user["id"]}


def _names(email: str) -> tuple[str, str]:
    parts = [p.capitalize() for p in re.split(r"[._+-]", email.split("@")[0]) if p]
    if len(parts) >= 2:
        return parts[0], " ".join(parts[1:])
    return (parts[0] if parts else "Zoho"), "User"


class Directory:
    """The org and its users (the first user is the org's administrator)."""

    def __init__(self, ids: IdSource, admin_email: str) -> None:
        self._ids = ids
        self.users: dict[str, dict[str, Any]] = {}
        self.roles = {"CEO": ids(), "Manager": ids()}
        self.profiles = {"Administrator": ids(), "Standard": ids()}
        self.add_user(admin_email, profile="Administrator", role="CEO")
        self.org = {
            "id": ids(),
            "company_name": "Zylker Fake Inc.",
            "alias": None,
            "primary_email": admin_email,
            "domain_name": "org" + ids()[-9:],
            "zgid": ids(),
            "time_zone": "UTC",
            "iso_code": "USD",
            "currency": "US Dollar - USD",
            "currency_symbol": "$",
            "country_code": "US",
            "type": "Production",  # org.json enum: Bigin, Production, Developer, Sandbox
            "mc_status": False,
            "gapps_enabled": False,
            "privacy_settings": False,
        }

    def add_user(
        self, email: str, *, profile: str = "Standard", role: str = "Manager", **fields: Any
    ) -> dict[str, Any]:
        """Add a user (or update an existing one with ``fields``) and return it."""
        existing = self.by_email(email)
        if existing is not None:
            existing.update(fields)
            return existing
        first, last = _names(email)
        first, last = fields.pop("first_name", first), fields.pop("last_name", last)
        user: dict[str, Any] = {
            "id": self._ids(),
            "email": email,
            "first_name": first,
            "last_name": last,
            "full_name": f"{first} {last}",
            "role": {"name": role, "id": self.roles.setdefault(role, self._ids())},
            "profile": {"name": profile, "id": self.profiles.setdefault(profile, self._ids())},
            "status": "active",
            "confirm": True,
            "zuid": str(70_000_000 + len(self.users) + 1),
            "time_zone": "UTC",
            "locale": "en_US",
            "country": "US",
        }
        user.update(fields)
        self.users[user["id"]] = user
        return user

    def by_email(self, email: str) -> dict[str, Any] | None:
        """The user with this e-mail (case-insensitive), if any."""
        wanted = email.lower()
        return next((u for u in self.users.values() if u["email"].lower() == wanted), None)

    def select(self, user_type: str, current_email: str) -> list[dict[str, Any]]:
        """Users of a ``type`` (AllUsers, ActiveUsers, AdminUsers, CurrentUser, ...)."""
        keep = USER_TYPES.get(user_type)
        if keep is None:
            raise invalid_param("type", expected=sorted(USER_TYPES))
        return [u for u in self.users.values() if keep(u, current_email)]
