"""E-mail: send mail from a record, the templates it may use, the addresses it may come from,
and the e-mails of a record (ten per page, followed by ``index``).

Sending is checked as Zoho checks it: ``from`` must be one of the user's from-addresses,
``to`` at least one address, a subject and content unless a template gives them (a template of
the record's module), attachments files of the file store. A mail with a ``scheduled_time`` in
the future is listed as scheduled until then.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from ._bodies import body_items
from ._directory import user_ref
from ._errors import ApiError, invalid_module, invalid_param
from ._extras import record_or_400
from ._routes import ApiRoute
from ._since import require_version
from ._state import Call, FakeState, Reply
from ._store import RecordError, now_iso
from ._zfs import zfs

__all__ = ["ROUTES", "mail_state"]

_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MERGE_FIELD: Final = re.compile(r"\$\{(\w+)\.(\w+)\}")
#: Modules whose records mail can be sent from (and custom modules).
MAIL_MODULES: Final = frozenset(
    {
        "Leads",
        "Contacts",
        "Accounts",
        "Deals",
        "Quotes",
        "Sales_Orders",
        "Purchase_Orders",
        "Invoices",
        "Cases",
    }
)
INVENTORY_MODULES: Final = frozenset({"Quotes", "Sales_Orders", "Purchase_Orders", "Invoices"})
EMAILS_PER_PAGE: Final = 10
_TYPES: Final = frozenset(
    {
        "sent_from_crm",
        "scheduled_in_crm",
        "drafts",
        "user_emails",
        "all_contacts_sent_crm_emails",
        "all_contacts_scheduled_crm_emails",
        "all_contacts_draft_crm_emails",
    }
)
_SEND_MAIL_SINCE: Final = (2, 1)
_EMAILS_SINCE: Final = (4, 0)


@dataclass
class MailState:
    """Templates (two e-mail templates and one inventory template to start with) and the
    e-mails of each record."""

    email_templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    inventory_templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (module, record id) -> e-mails, newest last
    emails: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)


def _template(
    state: FakeState, module: str, name: str, subject: str | None, content: str, **extra: Any
) -> dict[str, Any]:
    directory = state.directory
    admin = user_ref(directory.by_email(str(directory.org["primary_email"])) or {}, email=False)
    now = now_iso()
    return {
        "id": state.ids(),
        "name": name,
        "subject": subject,
        "module": {"api_name": module, "id": state.module_ids[module]},
        "folder": {"name": "Public Templates", "id": state.module_ids[module][:-1] + "9"},
        "created_by": admin,
        "modified_by": admin,
        "created_time": now,
        "modified_time": now,
        "last_usage_time": None,
        "editor_mode": "rich_text",
        "favorite": False,
        "content": content,
        "mail_content": None,
        **extra,
    }


def _new_mail_state(state: FakeState) -> MailState:
    mail = MailState()
    statistics = {k: None for k in ("tracked", "delivered", "opened", "bounced", "sent", "clicked")}
    for module, name, subject, content in (
        ("Leads", "Welcome", "Welcome, ${Leads.First_Name}", "<p>Dear ${Leads.Last_Name},</p>"),
        ("Contacts", "Follow-up", "Following up", "<p>Hello ${Contacts.First_Name},</p>"),
    ):
        template = _template(
            state,
            module,
            name,
            subject,
            content,
            category="email_template",
            description=None,
            associated=False,
            consent_linked=False,
            attachments=[],
            last_version_statistics=statistics,
        )
        mail.email_templates[template["id"]] = template
    quote = _template(
        state,
        "Quotes",
        "Standard Quote",
        None,
        "<h1>Quote ${Quotes.Subject}</h1>",
        category="inventory_template",
        active=True,
    )
    mail.inventory_templates[quote["id"]] = quote
    return mail


def mail_state(state: FakeState) -> MailState:
    """The mail side of one fake (created on first use)."""
    return state.part(_new_mail_state)


def _listing(template: dict[str, Any]) -> dict[str, Any]:
    """A template as a list shows it: without its body."""
    return {**template, "content": None}


def _module_param(state: FakeState, call: Call) -> str | None:
    module = call.query.get("module")
    if module is not None and module not in state.modules:
        raise ApiError(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            {"param_name": "module"},
        )
    return module


def _templates(state: FakeState, call: Call, kind: str) -> Reply:
    require_version(call, _SEND_MAIL_SINCE)
    module = _module_param(state, call)
    mail = mail_state(state)
    stored = mail.email_templates if kind == "email_templates" else mail.inventory_templates
    found = [
        _listing(t) for t in stored.values() if module is None or t["module"]["api_name"] == module
    ]
    if kind == "inventory_templates":
        found = _sorted(found, call)
    if not found:
        return Reply(204)
    info = {"per_page": 200, "page": 1, "count": len(found), "more_records": False}
    return Reply(200, {kind: found, "info": info})


def _sorted(templates: list[dict[str, Any]], call: Call) -> list[dict[str, Any]]:
    sort_by = call.query.get("sort_by", "modified_time")
    if sort_by not in ("modified_time", "name"):
        raise invalid_param("sort_by")
    order = call.query.get("sort_order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_param("sort_order")
    category = call.query.get("category")
    if category == "favorite":
        templates = [t for t in templates if t["favorite"]]
    return sorted(templates, key=lambda t: (t[sort_by] or "", t["id"]), reverse=order == "desc")


def email_templates(state: FakeState, call: Call) -> Reply:
    """``GET /settings/email_templates[?module=]`` (204 when there are none)."""
    return _templates(state, call, "email_templates")


def inventory_templates(state: FakeState, call: Call) -> Reply:
    """``GET /settings/inventory_templates`` (module, category, sort_by, sort_order)."""
    return _templates(state, call, "inventory_templates")


def _one_template(state: FakeState, call: Call, kind: str) -> Reply:
    require_version(call, _SEND_MAIL_SINCE)
    mail = mail_state(state)
    stored = mail.email_templates if kind == "email_templates" else mail.inventory_templates
    template = stored.get(call.path["template"])
    return Reply(204) if template is None else Reply(200, {kind: [template]})


def email_template(state: FakeState, call: Call) -> Reply:
    """``GET /settings/email_templates/{id}``: with its ``content``."""
    return _one_template(state, call, "email_templates")


def inventory_template(state: FakeState, call: Call) -> Reply:
    """``GET /settings/inventory_templates/{id}``: with its ``content``."""
    return _one_template(state, call, "inventory_templates")


def _from_addresses(state: FakeState, user: dict[str, Any]) -> list[dict[str, Any]]:
    org = state.directory.org
    return [
        {
            "email": user["email"],
            "type": "primary",
            "id": user["id"],
            "user_name": user["full_name"],
            "default": True,
        },
        {
            "email": org["primary_email"],
            "type": "org_email",
            "id": org["id"],
            "user_name": org["company_name"],
            "default": False,
        },
    ]


def from_addresses(state: FakeState, call: Call) -> Reply:
    """``GET /settings/emails/actions/from_addresses[?user_id=]``."""
    require_version(call, _SEND_MAIL_SINCE)
    user = call.user
    wanted = call.query.get("user_id")
    if wanted is not None:
        user = state.directory.users.get(wanted) or {}
        if not user:
            raise invalid_param("user_id")
    return Reply(200, {"from_addresses": _from_addresses(state, user)})


# -- send mail -------------------------------------------------------------------------------------


def _problem(code: str, message: str, key: str, **details: Any) -> RecordError:
    where = {"api_name": key.split(".")[0].split("[")[0], "json_path": f"$.data[0].{key}"}
    return RecordError(code, message, {**details, **where})


def _person(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _problem("INVALID_DATA", "invalid data", key, expected_data_type="jsonobject")
    email = value.get("email")
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise _problem("INVALID_DATA", "invalid email address", f"{key}.email")
    return {"user_name": value.get("user_name") or email, "email": email}


def _people(mail: dict[str, Any], key: str, *, required: bool = False) -> list[dict[str, Any]]:
    value = mail.get(key)
    if value is None or value == []:
        if required:
            raise _problem("MANDATORY_NOT_FOUND", "required field not found", key)
        return []
    if not isinstance(value, list):
        raise _problem("INVALID_DATA", "invalid data", key, expected_data_type="jsonarray")
    return [_person(v, f"{key}[{i}]") for i, v in enumerate(value)]


def _merged(text: str | None, module: str, record: dict[str, Any]) -> str | None:
    """A template's text with ``${Module.Field}`` replaced by the record's values."""
    if text is None:
        return None

    def value(match: re.Match[str]) -> str:
        if match[1] != module:
            return match[0]
        found = record.get(match[2])
        if isinstance(found, dict):
            found = found.get("name")
        return "" if found is None else str(found)

    return _MERGE_FIELD.sub(value, text)


def _template_ref(state: FakeState, mail: dict[str, Any], module: str) -> dict[str, Any] | None:
    ref = mail.get("template")
    if ref is None:
        return None
    template_id = str(ref.get("id")) if isinstance(ref, dict) else ""
    template = mail_state(state).email_templates.get(template_id)
    if template is None or template["module"]["api_name"] != module:
        raise _problem("INVALID_DATA", "the template id given seems to be invalid", "template.id")
    return template


def _inventory(state: FakeState, mail: dict[str, Any], module: str) -> dict[str, Any] | None:
    details = mail.get("inventory_details")
    if details is None:
        return None
    ref = details.get("inventory_template") if isinstance(details, dict) else None
    template_id = str(ref.get("id")) if isinstance(ref, dict) else ""
    template = mail_state(state).inventory_templates.get(template_id)
    if template is None or module not in INVENTORY_MODULES:
        raise _problem(
            "INVALID_DATA",
            "the inventory template given seems to be invalid",
            "inventory_details.inventory_template.id",
        )
    return template


def _attachments(state: FakeState, mail: dict[str, Any]) -> list[dict[str, Any]]:
    given = mail.get("attachments") or []
    if not isinstance(given, list):
        raise _problem(
            "INVALID_DATA", "invalid data", "attachments", expected_data_type="jsonarray"
        )
    out = []
    for index, ref in enumerate(given):
        stored = zfs(state).files.get(str(ref.get("id"))) if isinstance(ref, dict) else None
        if stored is None:
            raise _problem(
                "INVALID_DATA", "the attachment id seems to be invalid", f"attachments[{index}].id"
            )
        out.append({"size": str(len(stored.content)), "name": stored.name, "id": stored.id})
    return out


def _scheduled(mail: dict[str, Any]) -> bool:
    when = mail.get("scheduled_time")
    if when is None:
        return False
    try:
        moment = datetime.fromisoformat(str(when))
    except ValueError:
        raise _problem(
            "INVALID_DATA", "invalid data", "scheduled_time", expected_data_type="datetime"
        ) from None
    if moment.tzinfo is None:
        raise _problem(
            "INVALID_DATA", "invalid data", "scheduled_time", expected_data_type="datetime"
        )
    return moment > datetime.now(UTC)


def _compose(state: FakeState, call: Call, mail: Any) -> dict[str, Any]:
    """The e-mail to store for one ``data`` item, or a :class:`RecordError`."""
    module, record_id = call.path["moduleName"], call.path["id"]
    record = state.modules[module].records[record_id]
    if not isinstance(mail, dict):
        raise RecordError("INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject"})
    if mail.get("from") is None:
        raise _problem("MANDATORY_NOT_FOUND", "required field not found", "from")
    sender = _person(mail["from"], "from")
    allowed = {a["email"].casefold() for a in _from_addresses(state, call.user)}
    if sender["email"].casefold() not in allowed:
        raise _problem("INVALID_DATA", "the from address is not one of the user's", "from.email")
    to = _people(mail, "to", required=True)
    cc, bcc = _people(mail, "cc"), _people(mail, "bcc")
    reply_to = _person(mail["reply_to"], "reply_to") if mail.get("reply_to") else None
    template = _template_ref(state, mail, module)
    inventory = _inventory(state, mail, module)
    subject = mail.get("subject") or (template or {}).get("subject")
    content = mail.get("content") or (template or {}).get("content")
    for key, value in (("subject", subject), ("content", content)):
        if not value:
            raise _problem("MANDATORY_NOT_FOUND", "required field not found", key)
    mail_format = mail.get("mail_format", "html")
    if mail_format not in ("html", "text"):
        raise _problem("INVALID_DATA", "invalid data", "mail_format")
    attachments = _attachments(state, mail)
    if inventory is not None:  # the record rendered by the template, as a PDF
        pdf = {"size": "1024", "name": f"{inventory['name']}.pdf", "id": state.ids()}
        attachments.append(pdf)
    scheduled = _scheduled(mail)
    body = _merged(str(content), module, record) or ""
    return {
        "message_id": secrets.token_hex(32),
        "thread_id": secrets.token_hex(16),
        "subject": _merged(str(subject), module, record),
        "summary": re.sub(r"<[^>]+>", "", body)[:200],
        "content": body,
        "from": sender,
        "to": to,
        "cc": cc,
        "bcc": bcc,
        "reply_to": reply_to or sender,
        "owner": user_ref(call.user, email=False),
        "read": False,
        "sent": not scheduled,
        "activity_info": None,
        "intent": None,
        "sentiment_info": None,
        "emotion": None,
        "source": "crm_mail",
        "linked_record": {
            "id": record_id,
            "name": state.modules[module].spec.display_name(record),
            "module": {"api_name": module, "id": state.module_ids[module]},
        },
        "time": str(mail.get("scheduled_time") or now_iso()),
        "status": [
            {
                "type": "scheduled" if scheduled else "sent",
                "bounced_time": None,
                "bounced_reason": None,
            }
        ],
        "has_attachment": bool(attachments),
        "has_thread_attachment": False,
        "attachments": attachments,
        "mail_format": mail_format,
        "editable": scheduled,
    }


def send_mail(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{id}/actions/send_mail``: one mail in ``data`` (a heavy call)."""
    require_version(call, _SEND_MAIL_SINCE)
    module, record_id = call.path["moduleName"], call.path["id"]
    if module not in MAIL_MODULES:
        state.module(module)  # INVALID_MODULE for a module that does not exist
        raise invalid_module(0)
    record_or_400(state, module, record_id)
    items = body_items(call, limit=1)
    try:
        email = _compose(state, call, items[0])
    except RecordError as error:
        return Reply(400, {"data": [error.entry]})
    mail_state(state).emails.setdefault((module, record_id), []).append(email)
    details = {"message_id": email["message_id"], "blocked_email_addresses": []}
    return Reply(
        200,
        {
            "data": [
                {
                    "code": "SUCCESS",
                    "details": details,
                    "message": "Your mail has been sent successfully.",
                    "status": "success",
                }
            ]
        },
    )


# -- a record's e-mails ----------------------------------------------------------------------------


def _emails_of(state: FakeState, call: Call) -> list[dict[str, Any]]:
    require_version(call, _EMAILS_SINCE)
    module, record_id = call.path["module_name"], call.path["record_id"]
    if module not in MAIL_MODULES:
        state.module(module)
        raise invalid_module(0)
    record_or_400(state, module, record_id)
    kind = call.query.get("type")
    if kind is not None and kind not in _TYPES:
        raise invalid_param("type")
    if kind is not None and kind.startswith("all_contacts") and module != "Accounts":
        raise invalid_param("type")
    owner = call.query.get("owner_id")
    if owner is not None and kind != "user_emails":
        raise invalid_param("owner_id")
    emails = list(reversed(mail_state(state).emails.get((module, record_id), [])))
    if kind in ("sent_from_crm", "all_contacts_sent_crm_emails"):
        return [e for e in emails if e["sent"]]
    if kind in ("scheduled_in_crm", "all_contacts_scheduled_crm_emails"):
        return [e for e in emails if not e["sent"]]
    if kind is not None:  # drafts and synced mailboxes: none in the fake
        return []
    return emails


def _index(call: Call) -> int:
    raw = call.query.get("index", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise invalid_param("index")
    return int(raw) - 1


def _listed(email: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in email.items() if k not in ("content", "bcc")}


def emails_list(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/Emails``: ten per page, newest first; ``index`` continues."""
    emails = _emails_of(state, call)
    start = _index(call)
    page = emails[start : start + EMAILS_PER_PAGE]
    if not page:
        return Reply(204)
    more = start + EMAILS_PER_PAGE < len(emails)
    info = {
        "count": len(page),
        "next_index": str(start + EMAILS_PER_PAGE + 1) if more else None,
        "prev_index": str(max(1, start - EMAILS_PER_PAGE + 1)) if start else None,
        "per_page": EMAILS_PER_PAGE,
        "more_records": more,
    }
    return Reply(200, {"Emails": [_listed(e) for e in page], "info": info})


def email_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/Emails/{message_id}``: the e-mail with its ``content``."""
    wanted = call.path["message_id"]
    found = [e for e in _emails_of(state, call) if e["message_id"] == wanted]
    if not found:
        return Reply(204)
    email = {k: v for k, v in found[0].items() if k != "bcc"}
    return Reply(200, {"Emails": [email]})


_MODULES_SCOPE: Final = "ZohoCRM.modules"
_SETTINGS_SCOPE: Final = "ZohoCRM.settings"
_TEMPLATES_SCOPE: Final = "ZohoCRM.templates"

#: Before the generic ``/{module}`` routes.
ROUTES: Final = (
    ApiRoute("/settings/email_templates", {"GET": email_templates}, _TEMPLATES_SCOPE),
    ApiRoute("/settings/email_templates/{template}", {"GET": email_template}, _TEMPLATES_SCOPE),
    ApiRoute("/settings/inventory_templates", {"GET": inventory_templates}, _TEMPLATES_SCOPE),
    ApiRoute(
        "/settings/inventory_templates/{template}", {"GET": inventory_template}, _TEMPLATES_SCOPE
    ),
    ApiRoute("/settings/emails/actions/from_addresses", {"GET": from_addresses}, _SETTINGS_SCOPE),
    ApiRoute("/{moduleName}/{id}/actions/send_mail", {"POST": send_mail}, "ZohoCRM.send_mail"),
    ApiRoute("/{module_name}/{record_id}/Emails", {"GET": emails_list}, _MODULES_SCOPE),
    ApiRoute("/{module_name}/{record_id}/Emails/{message_id}", {"GET": email_get}, _MODULES_SCOPE),
)
