"""``crm.org``: the organisation."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any

from .._exceptions import APIError
from .._models import BulkResult, Org, Tax
from ._base import Manager
from ._checks import check_id, check_ids
from .settings import entity_items, first_item, ids_query, json_body, parse_items, require_ids

__all__ = ["OrgManager", "TaxesManager"]


class OrgManager(Manager):
    """The organisation the client's user belongs to."""

    async def get(self) -> Org:
        """The org details (``zgid`` included)."""
        body = await self._session.request_json("GET", "org")
        orgs = body.get("org") if isinstance(body, dict) else None
        if not orgs:
            raise APIError(200, "UNEXPECTED_RESPONSE", f"no org in the answer: {str(body)[:200]}")
        return Org.from_api(orgs[0])

    @property
    def taxes(self) -> TaxesManager:
        """The org's taxes (``/org/taxes``)."""
        return TaxesManager(self._session)


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
