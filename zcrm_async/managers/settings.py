"""``crm.roles``, ``crm.profiles`` and ``crm.variables``."""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar, Unpack

from .._entities import Entity, Profile, Role, Variable, VariableGroup
from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResults
from ._base import Manager
from ._checks import check_id, check_ids
from ._entity_io import entity_items, first_item, ids_query, json_body, parse_items, require_ids

__all__ = ["ProfilesManager", "RolesManager", "VariablesManager"]

E = TypeVar("E", bound=Entity)

_API_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
#: Zoho takes at most 100 items per settings write and 100 ids per delete.
MAX_ITEMS_PER_CALL: Final = 100


def id_or_api_name(value: str | int, what: str) -> str:
    """A Zoho id or an API name (``Company_Tagline``), else :class:`InvalidArgumentError`."""
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if text.isdigit():
        return check_id(text, what)
    if not _API_NAME.match(text):
        raise InvalidArgumentError(f"{what} {value!r} is neither a Zoho id nor an API name")
    return text


class _ReadOnlySettings(Manager):
    """``GET settings/{key}`` and ``GET settings/{key}/{id}``."""

    key: str = ""
    model: type[Entity] = Entity

    async def _list(self, options: RequestOptionsDict) -> builtins.list[Any]:
        body = await self._session.call("GET", f"settings/{self.key}", options)
        return parse_items(body, self.key, self.model)

    async def _get(self, item_id: str | int, what: str, options: RequestOptionsDict) -> Any:
        iid = check_id(item_id, f"{what} id")
        answer = await self._session.answer("GET", f"settings/{self.key}/{iid}", options)
        return first_item(answer, self.key, self.model, f"no {what} with id {iid}")


class RolesManager(_ReadOnlySettings):
    """The org's roles (``/settings/roles``)."""

    key = "roles"
    model = Role

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[Role]:
        """Every role.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's roles.
        """
        return await self._list(options)

    async def get(self, role_id: str | int, **options: Unpack[RequestOptionsDict]) -> Role:
        """One role by id.

        Args:
            role_id: The role's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The role.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            EmptyResultError: Zoho has no such role.
        """
        role: Role = await self._get(role_id, "role", options)
        return role


class ProfilesManager(_ReadOnlySettings):
    """The org's profiles (``/settings/profiles``)."""

    key = "profiles"
    model = Profile

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[Profile]:
        """Every profile.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's profiles.
        """
        return await self._list(options)

    async def get(self, profile_id: str | int, **options: Unpack[RequestOptionsDict]) -> Profile:
        """One profile by id (with its permissions).

        Args:
            profile_id: The profile's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The profile.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            EmptyResultError: Zoho has no such profile.
        """
        profile: Profile = await self._get(profile_id, "profile", options)
        return profile


class VariablesManager(Manager):
    """Org variables (``/settings/variables``) and their groups (``/settings/variable_groups``).

    Writes take any number of variables (100 per call) and return per-item results in order.
    """

    async def list(
        self, *, group: str | int | None = None, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[Variable]:
        """Every variable, or those of ``group`` (a group id or API name).

        Args:
            group: Keep only the variables of this group (its id or API name).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The variables.
        """
        params = {"group": id_or_api_name(group, "group")} if group is not None else None
        body = await self._session.call("GET", "settings/variables", options, params=params)
        return parse_items(body, "variables", Variable)

    async def get(
        self,
        variable: str | int,
        *,
        group: str | int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Variable:
        """One variable by id or API name.

        Args:
            variable: The variable's id or API name.
            group: The variable's group (id or API name); Zoho needs it to find a variable by
                API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The variable, its ``value`` included.

        Raises:
            InvalidArgumentError: Neither a Zoho id nor an API name, before any request.
            EmptyResultError: Zoho has no such variable.
        """
        name = id_or_api_name(variable, "variable")
        params = {"group": id_or_api_name(group, "group")} if group is not None else None
        answer = await self._session.answer(
            "GET", f"settings/variables/{name}", options, params=params
        )
        return first_item(answer, "variables", Variable, f"no variable {name!r}")

    async def create(
        self,
        variables: Iterable[Mapping[str, Any] | Variable],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Create variables (each: ``name``, ``api_name``, ``type``, ``variable_group``...).

        Args:
            variables: The variables: dicts or :class:`Variable` objects.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per variable, in input order (the new ids in
            ``results.ids``).

        Raises:
            InvalidArgumentError: No variables, or an item that is not a dict or a
                :class:`Variable`.
        """
        items = entity_items(variables, "variables")
        return await self._write_chunks(
            "POST",
            "settings/variables",
            items,
            json_body("variables"),
            key="variables",
            options=options,
        )

    async def update(
        self,
        variables: Iterable[Mapping[str, Any] | Variable],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Update variables (each needs its ``id``), e.g. ``[{"id": .., "value": ..}]``.

        Args:
            variables: The variables: dicts or :class:`Variable` objects with ``id`` and the keys
                to change.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per variable, in input order.

        Raises:
            InvalidArgumentError: No variables, or one without a usable ``id``.
        """
        items = entity_items(variables, "variables")
        require_ids(items, "variables")
        return await self._write_chunks(
            "PUT",
            "settings/variables",
            items,
            json_body("variables"),
            key="variables",
            options=options,
        )

    async def delete(
        self, ids: Iterable[str | int], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Delete variables by id.

        Args:
            ids: The variables' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per id, in input order.

        Raises:
            InvalidArgumentError: A bad id, before any request.
        """
        checked = check_ids(ids, "variable id")
        return await self._write_chunks(
            "DELETE", "settings/variables", checked, ids_query, key="variables", options=options
        )

    async def groups(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[VariableGroup]:
        """Every variable group.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's variable groups.
        """
        body = await self._session.call("GET", "settings/variable_groups", options)
        return parse_items(body, "variable_groups", VariableGroup)

    async def group(self, group: str | int, **options: Unpack[RequestOptionsDict]) -> VariableGroup:
        """One variable group by id or API name.

        Args:
            group: The group's id or API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The variable group.

        Raises:
            InvalidArgumentError: Neither a Zoho id nor an API name, before any request.
            EmptyResultError: Zoho has no such group.
        """
        name = id_or_api_name(group, "group")
        answer = await self._session.answer("GET", f"settings/variable_groups/{name}", options)
        return first_item(answer, "variable_groups", VariableGroup, f"no variable group {name!r}")
