"""``crm.contact_roles``: the roles contacts play in deals (``/Contacts/roles``)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Final, Unpack

from .._http._options import RequestOptionsDict
from .._models import WriteResults
from .._record_entities import ContactRole
from ._base import Manager
from ._checks import check_id, check_ids
from ._entity_io import entity_items, first_item, ids_query, json_body, parse_items, require_ids

__all__ = ["ContactRolesManager"]

_PATH: Final = "Contacts/roles"
_KEY: Final = "contact_roles"


class ContactRolesManager(Manager):
    """Contact roles (``Decision Maker``, ``Evaluator``...): list, get, create, update, delete.

    Writes take any number of roles (100 per call) and return per-role results in input order.
    """

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[ContactRole]:
        """Every contact role.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The roles, in Zoho's order (by ``sequence_number``).
        """
        return parse_items(await self._session.call("GET", _PATH, options), _KEY, ContactRole)

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
        rid = check_id(role_id, "contact role id")
        answer = await self._session.answer("GET", f"{_PATH}/{rid}", options)
        return first_item(answer, _KEY, ContactRole, f"no contact role with id {rid}")

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
        items = entity_items(roles, "roles")
        return await self._write_chunks(
            "POST", _PATH, items, json_body(_KEY), key=_KEY, options=options
        )

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
        items = entity_items(roles, "roles")
        require_ids(items, "roles")
        path = f"{_PATH}/{check_id(items[0]['id'])}" if len(items) == 1 else _PATH
        return await self._write_chunks(
            "PUT", path, items, json_body(_KEY), key=_KEY, options=options
        )

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
        checked = check_ids(ids, "contact role id")
        if len(checked) == 1:  # Zoho's path for one role
            path = f"{_PATH}/{checked[0]}"
            return await self._write_chunks(
                "DELETE", path, checked, lambda chunk: {}, key=_KEY, options=options
            )
        return await self._write_chunks(
            "DELETE", _PATH, checked, ids_query, key=_KEY, options=options
        )
