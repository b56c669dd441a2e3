"""Org settings of the fake: taxes, variables and their groups, and stable metadata ids."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Final

from ._directory import Directory, IdSource, user_ref
from ._store import now_iso

__all__ = ["VARIABLE_TYPES", "SettingsStore"]

#: Variable types (variables.json enum).
VARIABLE_TYPES: Final = frozenset(
    {
        "date",
        "website",
        "double",
        "textarea",
        "integer",
        "percent",
        "long",
        "datetime",
        "phone",
        "checkbox",
        "currency",
        "text",
        "email",
    }
)


class SettingsStore:
    """Taxes, variables, variable groups; ids for layouts, custom views and related lists."""

    def __init__(self, ids: IdSource, directory: Directory) -> None:
        self._ids = ids
        self._directory = directory
        self.created_time = now_iso()
        self.taxes: dict[str, dict[str, Any]] = {}
        self.tax_preference = {"auto_populate_tax": True, "modify_tax_rates": True}
        self.variable_groups: dict[str, dict[str, Any]] = {}
        self.variables: dict[str, dict[str, Any]] = {}
        self._meta_ids: dict[Hashable, str] = {}
        self.add_variable_group("General")

    def meta_id(self, key: Hashable) -> str:
        """A stable id for a metadata item (a layout, a custom view, a related list...)."""
        if key not in self._meta_ids:
            self._meta_ids[key] = self._ids()
        return self._meta_ids[key]

    def new_id(self) -> str:
        """A fresh Zoho id."""
        return self._ids()

    def admin_ref(self) -> dict[str, Any]:
        """``{"name","id"}`` of the org's first user (who "made" the starting settings)."""
        admin = next(iter(self._directory.users.values()))
        return user_ref(admin, email=False)

    def add_variable_group(self, name: str) -> dict[str, Any]:
        """Add a variable group (``api_name`` from the name)."""
        group: dict[str, Any] = {
            "id": self._ids(),
            "api_name": name.replace(" ", "_"),
            "name": name,
            "display_label": name,
            "description": None,
        }
        self.variable_groups[group["id"]] = group
        return group

    def find_group(self, key: str) -> dict[str, Any] | None:
        """A variable group by id or API name."""
        return self.variable_groups.get(key) or next(
            (g for g in self.variable_groups.values() if g["api_name"] == key), None
        )

    def find_variable(self, key: str) -> dict[str, Any] | None:
        """A variable by id or API name."""
        return self.variables.get(key) or next(
            (v for v in self.variables.values() if v["api_name"] == key), None
        )
