"""``crm.org.taxes``: the org's taxes."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from .._entities import Tax
from .._models import BulkResult
from ._base import Manager
from ._checks import check_id, check_ids
from ._entity_io import entity_items, first_item, ids_query, json_body, parse_items, require_ids

__all__ = ["TaxesManager"]


class TaxesManager(Manager):
    """Org taxes: list, get, create, update, delete (100 per call; results in input order)."""

    async def list(self) -> builtins.list[Tax]:
        """Every tax."""
        return parse_items(await self._session.request_json("GET", "org/taxes"), "taxes", Tax)

    async def get(self, tax_id: str | int) -> Tax:
        """One tax by id."""
        tid = check_id(tax_id, "tax id")
        body = await self._session.request_json("GET", f"org/taxes/{tid}")
        return first_item(body, "taxes", Tax, f"no tax with id {tid}")

    async def create(self, taxes: Iterable[Mapping[str, Any] | Tax]) -> BulkResult:
        """Add taxes (each: ``name`` and ``value``, a percentage)."""
        items = entity_items(taxes, "taxes")
        return await self._write_chunks("POST", "org/taxes", items, json_body("taxes"), key="taxes")

    async def update(self, taxes: Iterable[Mapping[str, Any] | Tax]) -> BulkResult:
        """Update taxes; each needs its ``id``."""
        items = entity_items(taxes, "taxes")
        require_ids(items, "taxes")
        return await self._write_chunks("PUT", "org/taxes", items, json_body("taxes"), key="taxes")

    async def delete(self, ids: Iterable[str | int]) -> BulkResult:
        """Delete taxes by id."""
        checked = check_ids(ids, "tax id")
        return await self._write_chunks("DELETE", "org/taxes", checked, ids_query, key="taxes")
