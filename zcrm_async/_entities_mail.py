"""E-mail models: templates, inventory templates, from-addresses and a record's e-mails."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import attrs

from ._entities import Lookup, Model, to_datetime, to_lookup

__all__ = ["EmailMessage", "EmailTemplate", "FromAddress", "InventoryTemplate"]


@attrs.define(slots=True)
class _Template(Model):
    """What e-mail and inventory templates share; ``content`` only when fetched by id."""

    id: str | None = None
    name: str | None = None
    category: str | None = None
    editor_mode: str | None = None
    favorite: bool | None = None
    content: str | None = None
    module: Lookup | None = attrs.field(default=None, converter=to_lookup)
    folder: Lookup | None = attrs.field(default=None, converter=to_lookup)
    created_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    modified_by: Lookup | None = attrs.field(default=None, converter=to_lookup)
    created_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    modified_time: datetime | None = attrs.field(default=None, converter=to_datetime)
    last_usage_time: datetime | None = attrs.field(default=None, converter=to_datetime)


@attrs.define(slots=True)
class EmailTemplate(_Template):
    """An e-mail template (``/settings/email_templates``): its ``subject`` and, fetched by id,
    its ``content`` with merge fields such as ``${Leads.Last_Name}``."""

    subject: str | None = None
    attachments: list[Any] | None = None


@attrs.define(slots=True)
class InventoryTemplate(_Template):
    """An inventory template for quotes, orders and invoices (``/settings/inventory_templates``),
    sent as a PDF; ``content`` only when fetched by id."""

    active: bool | None = None


@attrs.define(slots=True)
class FromAddress(Model):
    """An address mail can be sent from (``/settings/emails/actions/from_addresses``)."""

    id: str | None = None
    email: str | None = None
    user_name: str | None = None
    type: str | None = None
    default: bool | None = None


def _people(value: Any) -> Any:
    """Converter: a list of ``{"user_name", "email"}`` objects becomes :class:`Lookup` objects."""
    if isinstance(value, list):
        return [Lookup.from_api(v) if isinstance(v, Mapping) else v for v in value]
    return value


@attrs.define(slots=True)
class EmailMessage(Model):
    """An e-mail of a record (``/{module}/{id}/Emails``); ``content`` only when fetched by id.

    ``sender``, ``to``, ``cc`` and ``reply_to`` are :class:`Lookup` objects whose ``data``
    holds Zoho's ``user_name`` and ``email``.
    """

    message_id: str | None = None
    subject: str | None = None
    summary: str | None = None
    content: str | None = None
    mail_format: str | None = None
    sent: bool | None = None
    read: bool | None = None
    has_attachment: bool | None = None
    thread_id: str | None = None
    source: str | None = None
    status: list[Any] | None = None
    attachments: list[Any] | None = None
    sender: Lookup | None = attrs.field(default=None, converter=to_lookup)
    reply_to: Lookup | None = attrs.field(default=None, converter=to_lookup)
    to: list[Any] | None = attrs.field(default=None, converter=_people)
    cc: list[Any] | None = attrs.field(default=None, converter=_people)
    owner: Lookup | None = attrs.field(default=None, converter=to_lookup)
    linked_record: Lookup | None = attrs.field(default=None, converter=to_lookup)
    time: datetime | None = attrs.field(default=None, converter=to_datetime)
    api_keys: ClassVar[Mapping[str, str]] = {"sender": "from"}

    @property
    def addresses(self) -> list[str]:
        """The e-mail addresses the message went to (``to`` then ``cc``)."""
        people = [*(self.to or []), *(self.cc or [])]
        return [
            str(p.data["email"]) for p in people if isinstance(p, Lookup) and p.data.get("email")
        ]
