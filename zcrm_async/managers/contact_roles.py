"""``crm.contact_roles``: the roles contacts play in deals (``/Contacts/roles``)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._http._options import RequestOptionsDict
from .._models import WriteResults
from .._record_entities import ContactRole
from ._collection import Collection

__all__ = ["ContactRolesManager"]


class ContactRolesManager(Collection):
    """Contact roles (``Decision Maker``, ``Evaluator``...): list, get, create, update, delete.

    Writes take any number of roles (100 per call) and return per-role results in input order.
    """

    path = "Contacts/roles"
    key = "contact_roles"
    model = ContactRole
    what = "contact role"
    argument = "roles"

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[ContactRole]:
        """Every contact role.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The roles, in Zoho's order (by ``sequence_number``).
        """
        return await self._all(options)

    async def get(self, role_id: str | int, **options: Unpack[RequestOptionsDict]) -> ContactRole:
        """One contact role by id.

        Args:
            role_id: The role's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``ContactRole``.

        Raises:
            EmptyResultError: Zoho has no such role.
        """
        role: ContactRole = await self._one(role_id, options)
        return role

    async def create(
        self,
        roles: Iterable[Mapping[str, Any] | ContactRole],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Add contact roles (each: ``name``, at most 50 characters, and ``sequence_number``).

        Args:
            roles: Dicts or :class:`~zcrm_async.ContactRole` objects.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per role, in input order (``.id`` the new role's id).
        """
        return await self._create(roles, options)

    async def update(
        self,
        roles: Iterable[Mapping[str, Any] | ContactRole],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Rename or reorder contact roles; each names its ``id``.

        Args:
            roles: Dicts or :class:`~zcrm_async.ContactRole` objects with ``id``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per role, in input order.

        Raises:
            InvalidArgumentError: A role without a valid ``id`` (its index named).
        """
        return await self._update(roles, options)

    async def delete(
        self, ids: Iterable[str | int] | str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Delete contact roles by id.

        Args:
            ids: The roles' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per id, in input order.
        """
        return await self._delete(ids, options)
