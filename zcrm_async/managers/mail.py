"""``crm.mail``: e-mail templates, inventory templates and the addresses mail can come from.

Sending mail and reading a record's e-mails are per record: ``crm.records(m).send_mail(...)``,
``crm.records(m).emails(...)``.
"""

from __future__ import annotations

import builtins
from typing import Any, Literal, TypeVar, Unpack

from .._entities_mail import EmailTemplate, FromAddress, InventoryTemplate
from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from ._base import Manager
from ._checks import check_id, check_module
from ._entity_io import first_item, parse_items
from ._record_mail import SEND_MAIL_SINCE
from ._versions import require_version

__all__ = ["MailManager"]

T = TypeVar("T", EmailTemplate, InventoryTemplate)


class MailManager(Manager):
    """What sending mail draws on: templates and the sender addresses the user may use."""

    async def templates(
        self, module: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[EmailTemplate]:
        """The org's e-mail templates (without their bodies: see :meth:`template`).

        Args:
            module: Only the templates of this module (an API name such as ``Leads``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The templates; empty when there are none.

        Raises:
            InvalidArgumentError: A bad module name, or an API version before v2.1.
            APIError: e.g. ``INVALID_MODULE``.
        """
        params = {"module": None if module is None else check_module(module)}
        body = await self._call("settings/email_templates", params, options)
        return parse_items(body, "email_templates", EmailTemplate)

    async def template(
        self, template_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> EmailTemplate:
        """One e-mail template with its ``content``.

        Args:
            template_id: The template's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``EmailTemplate``.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v2.1.
            EmptyResultError: No template has this id.
        """
        return await self._template("email_templates", EmailTemplate, template_id, options)

    async def inventory_templates(
        self,
        module: str | None = None,
        *,
        category: str | None = None,
        sort_by: str | None = None,
        sort_order: Literal["asc", "desc"] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> builtins.list[InventoryTemplate]:
        """The org's inventory templates (quotes, sales and purchase orders, invoices).

        Args:
            module: Only those of this module (``Quotes``, ``Sales_Orders``,
                ``Purchase_Orders`` or ``Invoices``).
            category: Zoho's category filter, e.g. ``favorite`` or ``created_by_me``.
            sort_by: ``modified_time`` or ``name``.
            sort_order: ``"asc"`` or ``"desc"``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The templates, without their bodies (see :meth:`inventory_template`).

        Raises:
            InvalidArgumentError: A bad argument, or an API version before v2.1.
        """
        if sort_order not in (None, "asc", "desc"):
            raise InvalidArgumentError(f"sort_order must be 'asc' or 'desc', got {sort_order!r}")
        params = {
            "module": None if module is None else check_module(module),
            "category": category,
            "sort_by": sort_by,
            "sort_order": sort_order,
        }
        body = await self._call("settings/inventory_templates", params, options)
        return parse_items(body, "inventory_templates", InventoryTemplate)

    async def inventory_template(
        self, template_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> InventoryTemplate:
        """One inventory template with its ``content``.

        Args:
            template_id: The template's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``InventoryTemplate``.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v2.1.
            EmptyResultError: No template has this id.
        """
        return await self._template("inventory_templates", InventoryTemplate, template_id, options)

    async def from_addresses(
        self, user_id: str | int | None = None, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[FromAddress]:
        """The addresses mail can be sent from: the user's own, the org's, shared ones.

        Args:
            user_id: Whose addresses (the current user's when None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``FromAddress`` list; ``default`` marks the default one.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v2.1.
        """
        params = {"user_id": None if user_id is None else check_id(user_id, "user id")}
        body = await self._call("settings/emails/actions/from_addresses", params, options)
        return parse_items(body, "from_addresses", FromAddress)

    async def _template(
        self, key: str, model: type[T], template_id: str | int, options: RequestOptionsDict
    ) -> T:
        require_version(self._session, SEND_MAIL_SINCE, "templates")
        tid = check_id(template_id, "template id")
        answer = await self._session.answer("GET", f"settings/{key}/{tid}", options)
        return first_item(answer, key, model, f"no template {tid} in {key}")

    async def _call(self, path: str, params: dict[str, Any], options: RequestOptionsDict) -> Any:
        require_version(self._session, SEND_MAIL_SINCE, "the mail settings")
        return await self._session.call("GET", path, options, params=params)
