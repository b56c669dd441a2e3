"""``crm.roles``, ``crm.profiles``, ``crm.variables`` and the settings helpers users/org share."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

from .._exceptions import NotFoundError
from .._models import BulkResult, Entity, Profile, Role, Variable, VariableGroup
from ._base import Manager
from ._checks import check_id, check_ids

__all__ = ["ProfilesManager", "RolesManager", "VariablesManager"]

E = TypeVar("E", bound=Entity)

_API_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
#: Zoho takes at most 100 items per settings write and 100 ids per delete.
MAX_ITEMS_PER_CALL: Final = 100


def entity_items(items: Iterable[Mapping[str, Any] | Entity], what: str) -> list[dict[str, Any]]:
    """Entities or dicts as JSON objects; a TypeError names the bad item."""
    out = []
    for index, item in enumerate(items):
        if isinstance(item, Entity):
            out.append(item.to_dict())
        elif isinstance(item, Mapping):
            out.append(dict(item))
        else:
            raise TypeError(f"{what}[{index}] is {type(item).__name__}, expected a dict")
    return out


def require_ids(items: Sequence[Mapping[str, Any]], what: str) -> None:
    """Every item of an update names its ``id``."""
    for index, item in enumerate(items):
        check_id(item.get("id"), f"{what}[{index}]['id']")


def json_body(key: str) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """The request of one write chunk: ``{key: [...]}`` as JSON."""
    return lambda chunk: {"json": {key: [dict(item) for item in chunk]}}


def ids_query(chunk: Sequence[Any]) -> dict[str, Any]:
    """The request of one delete chunk: ``?ids=a,b``."""
    return {"params": {"ids": ",".join(chunk)}}


def parse_items(body: Any, key: str, model: type[E]) -> list[E]:
    """The ``key`` array of an answer as models (an empty list for 204)."""
    items = body.get(key) if isinstance(body, dict) else None
    return [model.from_api(item) for item in items or [] if isinstance(item, Mapping)]


def first_item(body: Any, key: str, model: type[E], missing: str) -> E:
    """The first item of the ``key`` array, or :class:`NotFoundError` (Zoho answers 204)."""
    items = parse_items(body, key, model)
    if not items:
        raise NotFoundError(204, "NOT_FOUND", missing)
    return items[0]


def id_or_api_name(value: str | int, what: str) -> str:
    """A Zoho id or an API name (``Company_Tagline``), else a ValueError."""
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if text.isdigit():
        return check_id(text, what)
    if not _API_NAME.match(text):
        raise ValueError(f"{what} {value!r} is neither a Zoho id nor an API name")
    return text


class _ReadOnlySettings(Manager):
    """``GET settings/{key}`` and ``GET settings/{key}/{id}``."""

    key: str = ""
    model: type[Entity] = Entity

    async def _list(self) -> builtins.list[Any]:
        body = await self._session.request_json("GET", f"settings/{self.key}")
        return parse_items(body, self.key, self.model)

    async def _get(self, item_id: str | int, what: str) -> Any:
        iid = check_id(item_id, f"{what} id")
        body = await self._session.request_json("GET", f"settings/{self.key}/{iid}")
        return first_item(body, self.key, self.model, f"no {what} with id {iid}")


class RolesManager(_ReadOnlySettings):
    """The org's roles (``/settings/roles``)."""

    key = "roles"
    model = Role

    async def list(self) -> builtins.list[Role]:
        """Every role."""
        return await self._list()

    async def get(self, role_id: str | int) -> Role:
        """One role by id."""
        role: Role = await self._get(role_id, "role")
        return role


class ProfilesManager(_ReadOnlySettings):
    """The org's profiles (``/settings/profiles``)."""

    key = "profiles"
    model = Profile

    async def list(self) -> builtins.list[Profile]:
        """Every profile."""
        return await self._list()

    async def get(self, profile_id: str | int) -> Profile:
        """One profile by id (with its permissions)."""
        profile: Profile = await self._get(profile_id, "profile")
        return profile


class VariablesManager(Manager):
    """Org variables (``/settings/variables``) and their groups (``/settings/variable_groups``).

    Writes take any number of variables (100 per call) and return per-item results in order.
    """

    async def list(self, *, group: str | int | None = None) -> builtins.list[Variable]:
        """Every variable, or those of ``group`` (a group id or API name)."""
        params = {"group": id_or_api_name(group, "group")} if group is not None else None
        body = await self._session.request_json("GET", "settings/variables", params=params)
        return parse_items(body, "variables", Variable)

    async def get(self, variable: str | int, *, group: str | int | None = None) -> Variable:
        """One variable by id or API name."""
        name = id_or_api_name(variable, "variable")
        params = {"group": id_or_api_name(group, "group")} if group is not None else None
        body = await self._session.request_json("GET", f"settings/variables/{name}", params=params)
        return first_item(body, "variables", Variable, f"no variable {name!r}")

    async def create(self, variables: Iterable[Mapping[str, Any] | Variable]) -> BulkResult:
        """Create variables (each: ``name``, ``api_name``, ``type``, ``variable_group``...)."""
        items = entity_items(variables, "variables")
        return await self._write_chunks(
            "POST", "settings/variables", items, json_body("variables"), key="variables"
        )

    async def update(self, variables: Iterable[Mapping[str, Any] | Variable]) -> BulkResult:
        """Update variables (each needs its ``id``), e.g. ``[{"id": .., "value": ..}]``."""
        items = entity_items(variables, "variables")
        require_ids(items, "variables")
        return await self._write_chunks(
            "PUT", "settings/variables", items, json_body("variables"), key="variables"
        )

    async def delete(self, ids: Iterable[str | int]) -> BulkResult:
        """Delete variables by id."""
        checked = check_ids(ids, "variable id")
        return await self._write_chunks(
            "DELETE", "settings/variables", checked, ids_query, key="variables"
        )

    async def groups(self) -> builtins.list[VariableGroup]:
        """Every variable group."""
        body = await self._session.request_json("GET", "settings/variable_groups")
        return parse_items(body, "variable_groups", VariableGroup)

    async def group(self, group: str | int) -> VariableGroup:
        """One variable group by id or API name."""
        name = id_or_api_name(group, "group")
        body = await self._session.request_json("GET", f"settings/variable_groups/{name}")
        return first_item(body, "variable_groups", VariableGroup, f"no variable group {name!r}")
