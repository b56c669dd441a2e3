"""``crm.org``: the organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._entities import Org
from .._exceptions import APIError
from ._base import Manager

if TYPE_CHECKING:
    from .taxes import TaxesManager

__all__ = ["OrgManager"]


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
        from .taxes import TaxesManager

        return TaxesManager(self._session)
