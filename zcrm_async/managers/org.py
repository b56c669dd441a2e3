"""``crm.org``: the organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from .._entities import Org
from .._http._options import RequestOptionsDict
from ._base import Manager, unexpected

if TYPE_CHECKING:
    from .taxes import TaxesManager

__all__ = ["OrgManager"]


class OrgManager(Manager):
    """The organisation the client's user belongs to."""

    async def get(self, **options: Unpack[RequestOptionsDict]) -> Org:
        """The org's details (``zgid`` included).

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The org: name, ids, time zone, currency, licence and more.

        Raises:
            UnexpectedResponseError: Zoho's answer holds no org.
        """
        answer = await self._session.answer("GET", "org", options)
        body = answer.json()
        orgs = body.get("org") if isinstance(body, dict) else None
        if not orgs:
            raise unexpected(answer, f"no org in the answer: {str(body)[:200]}")
        return Org.from_api(orgs[0])

    @property
    def taxes(self) -> TaxesManager:
        """The org's taxes (``/org/taxes``)."""
        from .taxes import TaxesManager

        return TaxesManager(self._session)
