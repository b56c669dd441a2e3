"""``crm.org.taxes``: the org's taxes."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._entities import Tax
from .._http._options import RequestOptionsDict
from .._models import WriteResults
from ._base import Manager
from ._checks import check_id, check_ids
from ._entity_io import entity_items, first_item, ids_query, json_body, parse_items, require_ids

__all__ = ["TaxesManager"]


class TaxesManager(Manager):
    """Org taxes: list, get, create, update, delete (100 per call; results in input order)."""

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[Tax]:
        """Every tax.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's taxes.
        """
        return parse_items(await self._session.call("GET", "org/taxes", options), "taxes", Tax)

    async def get(self, tax_id: str | int, **options: Unpack[RequestOptionsDict]) -> Tax:
        """One tax by id.

        Args:
            tax_id: The tax's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The tax.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            EmptyResultError: Zoho has no such tax.
        """
        tid = check_id(tax_id, "tax id")
        answer = await self._session.answer("GET", f"org/taxes/{tid}", options)
        return first_item(answer, "taxes", Tax, f"no tax with id {tid}")

    async def create(
        self, taxes: Iterable[Mapping[str, Any] | Tax], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Add taxes (each: ``name`` and ``value``, a percentage).

        Args:
            taxes: The taxes: dicts or :class:`Tax` objects.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per tax, in input order (the new ids in ``results.ids``).

        Raises:
            InvalidArgumentError: No taxes, or an item that is not a dict or a :class:`Tax`.
        """
        items = entity_items(taxes, "taxes")
        return await self._write_chunks(
            "POST", "org/taxes", items, json_body("taxes"), key="taxes", options=options
        )

    async def update(
        self, taxes: Iterable[Mapping[str, Any] | Tax], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Update taxes; each needs its ``id``.

        Args:
            taxes: The taxes: dicts or :class:`Tax` objects with ``id`` and the keys to change.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per tax, in input order.

        Raises:
            InvalidArgumentError: No taxes, or one without a usable ``id``.
        """
        items = entity_items(taxes, "taxes")
        require_ids(items, "taxes")
        return await self._write_chunks(
            "PUT", "org/taxes", items, json_body("taxes"), key="taxes", options=options
        )

    async def delete(
        self, ids: Iterable[str | int], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Delete taxes by id.

        Args:
            ids: The taxes' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per id, in input order.

        Raises:
            InvalidArgumentError: A bad id, before any request.
        """
        checked = check_ids(ids, "tax id")
        return await self._write_chunks(
            "DELETE", "org/taxes", checked, ids_query, key="taxes", options=options
        )
