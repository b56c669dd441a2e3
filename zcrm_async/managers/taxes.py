"""``crm.org.taxes``: the org's taxes."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._entities import Tax
from .._http._options import RequestOptionsDict
from .._models import WriteResults
from ._collection import Collection

__all__ = ["TaxesManager"]


class TaxesManager(Collection):
    """Org taxes: list, get, create, update, delete (100 per call; results in input order).

    Every write goes to ``org/taxes`` itself, for one tax as for many.
    """

    path = "org/taxes"
    key = "taxes"
    model = Tax
    what = "tax"
    item_writes = False

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[Tax]:
        """Every tax.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org's taxes.
        """
        return await self._all(options)

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
        tax: Tax = await self._one(tax_id, options)
        return tax

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
        return await self._create(taxes, options)

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
        return await self._update(taxes, options)

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
        return await self._delete(ids, options)
