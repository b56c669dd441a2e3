"""``crm.roles``, ``crm.profiles`` and ``crm.variables``."""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final, Unpack

from .._entities import Profile, Role, Variable, VariableGroup
from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResults
from ._checks import check_id
from ._collection import Collection

__all__ = ["ProfilesManager", "RolesManager", "VariablesManager"]

_API_NAME: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
#: Zoho takes at most 100 items per settings write and 100 ids per delete.
MAX_ITEMS_PER_CALL: Final = 100
_GROUPS: Final = "settings/variable_groups"


def id_or_api_name(value: str | int, what: str) -> str:
    """A Zoho id or an API name (``Company_Tagline``), else :class:`InvalidArgumentError`."""
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if text.isdigit():
        return check_id(text, what)
    if not _API_NAME.match(text):
        raise InvalidArgumentError(f"{what} {value!r} is neither a Zoho id nor an API name")
    return text


class RolesManager(Collection):
    """The org's roles (``/settings/roles``)."""

    path = "settings/roles"
    key = "roles"
    model = Role
    what = "role"

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[Role]:
        """Every role.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's roles.
        """
        return await self._all(options)

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
        role: Role = await self._one(role_id, options)
        return role


class ProfilesManager(Collection):
    """The org's profiles (``/settings/profiles``)."""

    path = "settings/profiles"
    key = "profiles"
    model = Profile
    what = "profile"

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[Profile]:
        """Every profile.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's profiles.
        """
        return await self._all(options)

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
        profile: Profile = await self._one(profile_id, options)
        return profile


class VariablesManager(Collection):
    """Org variables (``/settings/variables``) and their groups (``/settings/variable_groups``).

    Writes take any number of variables (100 per call) and return per-item results in order.
    """

    path = "settings/variables"
    key = "variables"
    model = Variable
    what = "variable"
    # Every write at settings/variables (the OpenAPI file also has settings/variables/{id}).
    item_writes = False

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
        return await self._all(options, _group_param(group))

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
        missing = f"no variable {name!r}"
        path = f"{self.path}/{name}"
        return await self._first(path, self.key, Variable, missing, options, _group_param(group))

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
        return await self._create(variables, options)

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
        return await self._update(variables, options)

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
        return await self._delete(ids, options)

    async def groups(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[VariableGroup]:
        """Every variable group.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's variable groups.
        """
        return await self._all(options, path=_GROUPS, key="variable_groups", model=VariableGroup)

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
        missing = f"no variable group {name!r}"
        path = f"{_GROUPS}/{name}"
        return await self._first(path, "variable_groups", VariableGroup, missing, options)


def _group_param(group: str | int | None) -> dict[str, str] | None:
    """Zoho's ``group`` parameter of the variable calls (an id or API name), None if not given."""
    return None if group is None else {"group": id_or_api_name(group, "group")}
