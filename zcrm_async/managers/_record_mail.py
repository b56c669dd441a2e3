"""E-mail from and about one record: send mail (a heavy call), list and read its e-mails."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, Unpack

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import RequestOptionsDict
from .._models import Page, PageInfo, WriteResult
from .._pagination import Pager
from ._base import Manager, empty_result
from ._checks import check_id
from ._common import single_result
from ._files import FileUpload
from ._versions import require_version

if TYPE_CHECKING:  # imported on first use
    from .._entities_mail import EmailMessage

__all__ = ["EMAILS_SINCE", "SEND_MAIL_SINCE", "Address", "EmailType", "RecordMail"]

#: The first API versions with send mail and with a record's e-mails.
SEND_MAIL_SINCE: Final = "v2.1"
EMAILS_SINCE: Final = "v4"

#: ``"a@example.com"``, ``("Name", "a@example.com")`` or ``{"user_name": .., "email": ..}``
#: (a :class:`~zcrm_async.FromAddress` too).
Address = str | tuple[str, str] | Mapping[str, Any] | Any
#: Which of a record's e-mails to list (Zoho's ``type``); None lists them all.
EmailType = Literal[
    "sent_from_crm",
    "scheduled_in_crm",
    "drafts",
    "user_emails",
    "all_contacts_sent_crm_emails",
    "all_contacts_scheduled_crm_emails",
    "all_contacts_draft_crm_emails",
]
_EMAIL_TYPES: Final = frozenset(EmailType.__args__)  # type: ignore[attr-defined]
_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MESSAGE_ID: Final = re.compile(r"^[^/\s?#]{1,500}$")


def _address(value: Address, what: str) -> dict[str, str]:
    """``{"user_name", "email"}`` (the address as the name when none is given)."""
    name: Any = None
    if isinstance(value, str):
        email: Any = value
    elif isinstance(value, tuple) and len(value) == 2:
        name, email = value
    elif isinstance(value, Mapping):
        email, name = value.get("email"), value.get("user_name")
    elif getattr(value, "email", None) is not None:  # a FromAddress or a User
        email, name = getattr(value, "email", None), getattr(value, "user_name", None)
    else:
        raise InvalidArgumentTypeError(
            f"{what} is {type(value).__name__}; give an e-mail address, a (name, address) "
            "tuple or a dict with 'email'"
        )
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise InvalidArgumentError(f"{what} {email!r} is not an e-mail address")
    return {"user_name": str(name) if name else email, "email": email}


def _addresses(values: Address | Iterable[Address] | None, what: str) -> list[dict[str, str]]:
    if values is None:
        return []
    if isinstance(values, (str, tuple, Mapping)) or getattr(values, "email", None) is not None:
        values = [values]
    return [_address(value, f"{what}[{index}]") for index, value in enumerate(values)]


def _reference(value: Any, what: str) -> dict[str, str]:
    """``{"id": ...}`` of a template given as an id or a template model."""
    template_id = getattr(value, "id", value)
    return {"id": check_id(template_id, what)}


class RecordMail(Manager):
    """Mixed into :class:`RecordsManager`; ``self.module`` is the module's API name."""

    module: str

    async def send_mail(
        self,
        record_id: str | int,
        *,
        to: Address | Iterable[Address],
        from_address: Address,
        subject: str | None = None,
        content: str | None = None,
        template: Any = None,
        inventory_template: Any = None,
        cc: Address | Iterable[Address] | None = None,
        bcc: Address | Iterable[Address] | None = None,
        reply_to: Address | None = None,
        mail_format: Literal["html", "text"] | None = None,
        org_email: bool | None = None,
        consent_email: bool | None = None,
        scheduled_time: datetime | str | None = None,
        in_reply_to: str | None = None,
        attachments: Iterable[str | FileUpload] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Send an e-mail from the record (it shows among the record's e-mails).

        A heavy call: it counts against Zoho's sub-limit of concurrent heavy calls.

        Args:
            record_id: The record the mail is sent from.
            to: The recipients: an address, a ``(name, address)`` tuple, a dict with
                ``email`` (and ``user_name``), or a list of them.
            from_address: The sender, one of :meth:`MailManager.from_addresses` (an address,
                tuple, dict or :class:`~zcrm_async.FromAddress`).
            subject: The subject (needed without a template).
            content: The body, HTML or text per ``mail_format`` (needed without a template).
            template: An e-mail template (its id or :class:`~zcrm_async.EmailTemplate`):
                its subject and body, merged with the record's fields.
            inventory_template: For quotes, orders and invoices: an inventory template
                (id or :class:`~zcrm_async.InventoryTemplate`) whose PDF of the record is
                attached.
            cc: Carbon-copy recipients, as ``to``.
            bcc: Blind-copy recipients, as ``to``.
            reply_to: Where replies go.
            mail_format: ``"html"`` or ``"text"``.
            org_email: Send through Zoho's servers from the org's address.
            consent_email: Attach the data-processing consent form.
            scheduled_time: Send later, at this time (an aware datetime or ISO-8601 text).
            in_reply_to: The ``message_id`` of a mail this one answers.
            attachments: Files to attach: ids from ``crm.files.upload`` or
                :class:`~zcrm_async.FileUpload` objects (uploaded first).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; ``details["message_id"]`` identifies the mail.

        Raises:
            InvalidArgumentError: A bad address, neither a template nor a subject and
                content, or an API version before v2.1.
            APIError: Zoho refused the mail (e.g. ``INVALID_DATA`` naming the key).
        """
        require_version(self._session, SEND_MAIL_SINCE, "sending mail")
        rid = check_id(record_id)
        if template is None and (not subject or not content):
            raise InvalidArgumentError("send_mail needs subject= and content=, or template=")
        if mail_format not in (None, "html", "text"):
            raise InvalidArgumentError(f"mail_format must be 'html' or 'text', got {mail_format!r}")
        mail: dict[str, Any] = {
            "from": _address(from_address, "from_address"),
            "to": _addresses(to, "to"),
        }
        if not mail["to"]:
            raise InvalidArgumentError("send_mail needs at least one recipient in to=")
        for key, values in (("cc", cc), ("bcc", bcc)):
            if values is not None:
                mail[key] = _addresses(values, key)
        if reply_to is not None:
            mail["reply_to"] = _address(reply_to, "reply_to")
        for key, value in (
            ("subject", subject),
            ("content", content),
            ("mail_format", mail_format),
            ("org_email", org_email),
            ("consent_email", consent_email),
        ):
            if value is not None:
                mail[key] = value
        if scheduled_time is not None:
            mail["scheduled_time"] = _timestamp(scheduled_time)
        if in_reply_to is not None:
            mail["in_reply_to"] = {"message_id": _message_id(in_reply_to, "in_reply_to")}
        if template is not None:
            mail["template"] = _reference(template, "template id")
        if inventory_template is not None:
            mail["inventory_details"] = {
                "inventory_template": _reference(inventory_template, "inventory template id")
            }
        if attachments is not None:
            mail["attachments"] = await self._mail_attachments(list(attachments), options)
        answer = await self._session.answer(
            "POST",
            f"{self.module}/{rid}/actions/send_mail",
            options,
            json={"data": [mail]},
            heavy=True,
        )
        return single_result(answer)

    async def _mail_attachments(
        self, attachments: list[str | FileUpload], options: RequestOptionsDict
    ) -> list[dict[str, str]]:
        uploads = [a for a in attachments if isinstance(a, FileUpload)]
        uploaded = iter(())
        if uploads:
            from .files import FilesManager

            results = await FilesManager(self._session).upload(uploads, **options)
            results.raise_for_failures()
            uploaded = iter(results)
        out = []
        for index, attachment in enumerate(attachments):
            if isinstance(attachment, FileUpload):
                out.append({"id": str(next(uploaded).id)})
            elif isinstance(attachment, str) and attachment:
                out.append({"id": attachment})
            else:
                raise InvalidArgumentError(
                    f"attachments[{index}] {attachment!r} is neither a file id of crm.files "
                    "nor a FileUpload"
                )
        return out

    def emails(
        self,
        record_id: str | int,
        *,
        type: EmailType | None = None,
        owner_id: str | int | None = None,
        max_records: int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[EmailMessage]:
        """The record's e-mails, newest first, ten per page (Zoho's page size here).

        ``await`` it for the first page, ``async for`` for every e-mail (pages follow
        Zoho's ``next_index``). Items have no ``content``: read one with :meth:`email`.

        Args:
            record_id: The record.
            type: Which e-mails (Zoho's ``type``, e.g. ``"sent_from_crm"``); None: all.
            owner_id: With ``type="user_emails"``: whose synced mailbox.
            max_records: Stop after this many e-mails.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of ``EmailMessage``.

        Raises:
            InvalidArgumentError: A bad id or type, or an API version before v4.
        """
        require_version(self._session, EMAILS_SINCE, "a record's e-mails")
        rid = check_id(record_id)
        if type is not None and type not in _EMAIL_TYPES:
            raise InvalidArgumentError(
                f"type must be one of {', '.join(sorted(_EMAIL_TYPES))}, got {type!r}"
            )
        params: dict[str, Any] = {"type": type}
        if owner_id is not None:
            params["owner_id"] = check_id(owner_id, "owner_id")
        path = f"{self.module}/{rid}/Emails"

        async def fetch(position: dict[str, Any]) -> Page[EmailMessage]:
            from .._entities_mail import EmailMessage

            query = {k: v for k, v in position.items() if k not in ("page", "page_token")}
            if "page_token" in position:
                query["index"] = position["page_token"]
            body = await self._session.call("GET", path, options, params=query)
            if not isinstance(body, dict):
                return Page(items=[], info=PageInfo())
            info = dict(body.get("info") or {})
            info["next_page_token"] = info.get("next_index")
            items = [EmailMessage.from_api(e) for e in body.get("Emails") or []]
            return Page(items=items, info=PageInfo.from_api(info))

        return Pager(fetch, params, max_items=max_records)

    async def email(
        self,
        record_id: str | int,
        message_id: str,
        *,
        type: EmailType | None = None,
        owner_id: str | int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> EmailMessage:
        """One e-mail of the record, with its ``content``.

        Args:
            record_id: The record.
            message_id: The e-mail's ``message_id`` (from :meth:`emails` or a send result).
            type: As for :meth:`emails`.
            owner_id: As for :meth:`emails`.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ``EmailMessage``.

        Raises:
            InvalidArgumentError: A bad id, or an API version before v4.
            EmptyResultError: The record has no such e-mail.
        """
        require_version(self._session, EMAILS_SINCE, "a record's e-mails")
        rid = check_id(record_id)
        mid = _message_id(message_id, "message_id")
        params: dict[str, Any] = {"type": type}
        if owner_id is not None:
            params["owner_id"] = check_id(owner_id, "owner_id")
        answer = await self._session.answer(
            "GET", f"{self.module}/{rid}/Emails/{mid}", options, params=params
        )
        body = answer.json()
        found = body.get("Emails") if isinstance(body, dict) else None
        if not isinstance(found, list) or not found or not isinstance(found[0], dict):
            raise empty_result(
                answer, "NO_CONTENT", f"{self.module} record {rid} has no e-mail {mid}"
            )
        from .._entities_mail import EmailMessage

        return EmailMessage.from_api(found[0])


def _message_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not _MESSAGE_ID.match(value):
        raise InvalidArgumentError(f"{what} {value!r} is not a message id")
    return value


def _timestamp(value: datetime | str) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError(
                f"scheduled_time {value!r} has no time zone; give an aware datetime"
            )
        return value.isoformat(timespec="seconds")
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(
            f"scheduled_time must be a datetime or ISO-8601 text, got {type(value).__name__}"
        )
    return value
