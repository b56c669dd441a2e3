"""Record actions: mass update, lead convert, photo, attachments, blueprint, related records."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from ._bodies import batch_reply, body_items, each, json_body, only_object
from ._directory import user_ref
from ._errors import ApiError, invalid_param, limit_exceeded, required_param
from ._external_ids import external_field, resolve_id
from ._extras import JUNCTIONS, LOOKUP_RELATIONS, extras, parse_form, record_or_400
from ._listing import fields_param, ids_param
from ._metadata import DEAL_STAGES
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute, Handler
from ._state import Call, FakeState, Reply
from ._store import ModuleStore, RecordError, now_iso, success

_RouteSpec = tuple[str, dict[str, Handler], str]

__all__ = [
    "FALLBACK_ROUTES",
    "convert",
    "OBJECT_PARENT_FROM",
    "ROUTES",
    "note_view",
    "related_delete",
    "related_list",
    "related_records",
    "shape_note",
]

MAX_MASS_UPDATE_IDS: Final = 500
MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
#: The Notes ``Parent_Id`` is an object from this version on (an id + ``se_module`` before).
OBJECT_PARENT_FROM: Final = (6, 0)
#: A convert answers ``{"code","details":{"Contacts":{"name","id"},...},...}`` from this version
#: on; v2 and v2.1 answer the new ids bare: ``{"Contacts": "<id>", "Accounts": ..., "Deals": ...}``.
CONVERT_DETAILS_FROM: Final = (3, 0)


def _module(state: FakeState, call: Call) -> ModuleStore:
    return state.module(call.path["module"])


# -- mass update ----------------------------------------------------------------------------------


def mass_update(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/actions/mass_update``: ids now (<= 500), or a cvid job (202)."""
    store = _module(state, call)
    body = json_body(call)
    values = only_object(body, "data")
    ids, cvid = body.get("ids"), body.get("cvid")
    if (ids is None) == (cvid is None):
        raise ApiError(
            400, "MANDATORY_NOT_FOUND", "required field not found", {"param_name": "ids or cvid"}
        )
    ctx = state.write_context(call.user)
    if ids is not None:
        if not isinstance(ids, list) or not ids:
            raise invalid_param("ids", expected_data_type="jsonarray")
        if len(ids) > MAX_MASS_UPDATE_IDS:
            raise limit_exceeded(MAX_MASS_UPDATE_IDS, "Record count exceeded", api_name="ids")
        entries = each(ids, lambda i, rid: store.update(str(rid), dict(values), 0, ctx))
        return batch_reply(entries, 200)
    # cvid: the fake has no custom views, so a view is every record; the job runs at once.
    targets = list(store.records)
    if not targets:
        raise ApiError(400, "NO_RECORDS_FOUND", "no records found in the custom view", {})
    entries = each(targets, lambda i, rid: store.update(rid, dict(values), 0, ctx))
    updated = sum(e["status"] == "success" for e in entries)
    job_id = state.ids()
    extras(state).mass_jobs[job_id] = {
        "Status": "COMPLETED",
        "Failed_Count": len(entries) - updated,
        "Updated_Count": updated,
        "Not_Updated_Count": 0,
        "Total_Count": len(entries),
    }
    scheduled = success("mass update scheduled successfully", {"job_id": job_id})
    return Reply(202, {"data": [scheduled]})


def mass_update_status(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/actions/mass_update?job_id=``."""
    _module(state, call)
    job_id = call.query.get("job_id")
    if not job_id:
        raise required_param("job_id")
    job = extras(state).mass_jobs.get(job_id)
    if job is None:
        raise invalid_param("job_id")
    return Reply(200, {"data": [dict(job)]})


# -- lead conversion ------------------------------------------------------------------------------


def convert_lead(state: FakeState, call: Call) -> Reply:
    """``POST /Leads/{id}/actions/convert``: a Contact, an Account (from Company), a Deal."""
    lead_id = call.path["id"]
    record_or_400(state, "Leads", lead_id)
    body = json_body(call)
    data = body.get("data")
    options = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    try:
        made = convert(state, call.user, lead_id, options)
    except RecordError as error:
        return Reply(400, {"data": [error.entry]})
    if call.version_tuple < CONVERT_DETAILS_FROM:  # v2, v2.1: the bare ids (null: not made)
        return Reply(200, {"data": [{module: rid for module, (_, rid) in made.items()}]})
    details = {
        module: {"name": store.spec.display_name(store.records[rid]), "id": rid}
        for module, (store, rid) in made.items()
        if rid is not None
    }
    converted = success("The record has been converted successfully", details)
    return Reply(200, {"data": [converted]})


def convert(
    state: FakeState, user: dict[str, Any], lead_id: str, options: dict[str, Any]
) -> dict[str, tuple[ModuleStore, str | None]]:
    """Convert one lead as ``user``: ``{"Contacts"|"Accounts"|"Deals": (store, id or None)}``.

    ``options`` is one item of a convert body (``Accounts``/``Contacts`` to use, ``Deals`` to
    create). Raises :class:`RecordError` for a converted lead or a bad reference.
    """
    lead = state.module("Leads").records.get(lead_id)
    if lead is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": lead_id})
    if lead.get("$converted"):
        raise RecordError("ID_ALREADY_CONVERTED", "id already converted", {"id": lead_id})
    ctx = state.write_context(user)
    accounts, contacts, deals = (state.module(m) for m in ("Accounts", "Contacts", "Deals"))
    account_id = _existing(accounts, options.get("Accounts"), "Accounts")
    if account_id is None and lead.get("Company"):
        found = accounts.find("Account_Name", lead["Company"])
        account_id = (
            found["id"] if found else _insert(accounts, {"Account_Name": lead["Company"]}, ctx)
        )
    contact_id = _existing(contacts, options.get("Contacts"), "Contacts")
    if contact_id is None:
        fields = ("Salutation", "First_Name", "Last_Name", "Email", "Phone", "Mobile")
        contact = {k: lead[k] for k in fields if lead.get(k) not in (None, "")}
        if account_id:
            contact["Account_Name"] = {"id": account_id}
        contact_id = _insert(contacts, contact, ctx)
    deal_id = None
    if isinstance(options.get("Deals"), dict):
        deal = dict(options["Deals"])
        if account_id:
            deal.setdefault("Account_Name", {"id": account_id})
        deal.setdefault("Contact_Name", {"id": contact_id})
        deal_id = _insert(deals, deal, ctx)
    lead["$converted"] = True
    state.module("Leads").converted.add(lead_id)
    lead["$converted_detail"] = {"contact": contact_id, "account": account_id, "deal": deal_id}
    return {
        "Contacts": (contacts, contact_id),
        "Accounts": (accounts, account_id),
        "Deals": (deals, deal_id),
    }


def _existing(store: ModuleStore, given: Any, key: str) -> str | None:
    if given is None:
        return None
    record_id = str(given.get("id")) if isinstance(given, dict) else None
    if record_id is None or record_id not in store.records:
        raise RecordError(
            "INVALID_DATA", "invalid data", {"api_name": key, "json_path": f"$.data[0].{key}"}
        )
    return record_id


def _insert(store: ModuleStore, item: dict[str, Any], ctx: Any) -> str:
    return str(store.insert(item, 0, ctx)["details"]["id"])


# -- photo ----------------------------------------------------------------------------------------


def _photo_key(state: FakeState, call: Call) -> tuple[str, str]:
    module, record_id = call.path["module"], call.path["id"]
    record_or_400(state, module, record_id)
    return module, record_id


#: The leading bytes of the image formats a record photo may be, and their media types.
_IMAGE_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


def _image_type(content: bytes) -> str | None:
    """The image's media type from its first bytes (WebP: ``RIFF....WEBP``), else None."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _IMAGE_MAGIC if content.startswith(magic)), None)


def photo_upload(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{id}/photo``, multipart ``file`` (an image, at most 10 MB)."""
    key = _photo_key(state, call)
    _, files = parse_form(call)
    upload = files.get("file")
    if upload is None:
        raise required_param("file")
    if len(upload.content) > MAX_PHOTO_BYTES:
        raise ApiError(
            400,
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "the photo is larger than 10 MB",
            {"limit": MAX_PHOTO_BYTES},
        )
    # Decided by content, as a server does: the SDKs send the part without a Content-Type.
    image_type = _image_type(upload.content)
    if image_type is None:
        raise ApiError(400, "INVALID_DATA", "the file is not an image", {"api_name": "file"})
    extras(state).photos[key] = (image_type, upload.filename or "photo", upload.content)
    return Reply(200, success("photo uploaded successfully", {}))


def photo_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/photo``: the image bytes, or 204 without a photo."""
    photo = extras(state).photos.get(_photo_key(state, call))
    if photo is None:
        return Reply(204)
    content_type, name, content = photo
    return Reply(200, content, {"Content-Type": content_type, **_disposition(name)})


def _disposition(file_name: str) -> dict[str, str]:
    """The header naming a downloaded file (RFC 6266, UTF-8 names allowed)."""
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name)}"}


def photo_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/photo``."""
    if extras(state).photos.pop(_photo_key(state, call), None) is None:
        raise ApiError(400, "INVALID_DATA", "the record has no photo", {})
    return Reply(200, success("Photo deleted", {}))


# -- attachments ----------------------------------------------------------------------------------

_ATTACHMENT_FIELDS: Final = frozenset(
    {"id", "File_Name", "Size", "Created_Time", "Modified_Time", "Owner", "Created_By"}
    | {"Modified_By", "Parent_Id"}
)


def _attachments_of(state: FakeState, module: str, record_id: str) -> list[dict[str, Any]]:
    return [a for a in extras(state).attachments.values() if a["parent"] == (module, record_id)]


def attachments_list(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/Attachments`` (``fields`` mandatory from v7)."""
    module, record_id = call.path["module"], call.path["id"]
    record_or_400(state, module, record_id)
    names = [n.strip() for n in call.query.get("fields", "").split(",") if n.strip()]
    if not names and call.version_tuple >= (7, 0):
        raise required_param("fields")
    for name in names:
        if name not in _ATTACHMENT_FIELDS:
            raise invalid_param("fields", api_name=name)
    window = page_window(call.query, state.limits)
    items, more = take(_attachments_of(state, module, record_id), window)
    if not items:
        return Reply(204)
    views = []
    for item in items:
        meta = item["meta"]
        keep = set(names) | {"id"} if names else set(meta)
        views.append({k: v for k, v in meta.items() if k in keep or k.startswith("$")})
    return Reply(200, {"data": views, "info": basic_info(window, len(items), more)})


def attachment_upload(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{id}/Attachments``: multipart ``file``, or ``attachmentUrl`` (+title)."""
    module, record_id = call.path["module"], call.path["id"]
    record = record_or_400(state, module, record_id)
    fields, files = parse_form(call)
    upload = files.get("file")
    link = fields.get("attachmentUrl") or call.query.get("attachmentUrl")
    if upload is None and not link:
        raise required_param("file")
    if upload is not None and len(upload.content) > MAX_ATTACHMENT_BYTES:
        raise ApiError(
            400,
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "the attachment is larger than 20 MB",
            {"limit": MAX_ATTACHMENT_BYTES},
        )
    attachment_id = state.ids()
    now = now_iso()
    actor = user_ref(call.user)
    title = fields.get("title") or call.query.get("title")
    meta = {
        "id": attachment_id,
        "File_Name": upload.filename if upload else (title or link),
        "Size": str(len(upload.content)) if upload else "0",
        "Created_Time": now,
        "Modified_Time": now,
        "Owner": actor,
        "Created_By": actor,
        "Modified_By": actor,
        "Parent_Id": {"name": state.module(module).spec.display_name(record), "id": record_id},
        "$file_id": state.ids() if upload else None,
        "$type": "Attachment" if upload else "Link URL",
        "$link_url": None if upload else link,
        "$se_module": module,
        "$editable": True,
    }
    extras(state).attachments[attachment_id] = {
        "parent": (module, record_id),
        "meta": meta,
        "content": upload.content if upload else None,
        "content_type": upload.content_type if upload else None,
    }
    details = {
        "Modified_Time": now,
        "Modified_By": user_ref(call.user, email=False),
        "Created_Time": now,
        "id": attachment_id,
        "Created_By": user_ref(call.user, email=False),
    }
    return Reply(200, {"data": [success("attachment uploaded successfully", details)]})


def _attachment(state: FakeState, call: Call, attachment_id: str) -> dict[str, Any] | None:
    found = extras(state).attachments.get(attachment_id)
    parent = (call.path["module"], call.path["id"])
    return found if found is not None and found["parent"] == parent else None


def attachment_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/Attachments/{attachment_id}``: the file, Content-Disposition named."""
    record_or_400(state, call.path["module"], call.path["id"])
    found = _attachment(state, call, call.path["attachment_id"])
    if found is None:
        return Reply(204)
    if found["content"] is None:
        raise ApiError(400, "INVALID_DATA", "a link attachment has no file to download", {})
    name = found["meta"]["File_Name"]
    headers = {
        "Content-Type": found["content_type"] or "application/octet-stream",
        **_disposition(name),
    }
    return Reply(200, found["content"], headers)


def _delete_attachment(state: FakeState, call: Call, attachment_id: str) -> dict[str, Any]:
    if _attachment(state, call, attachment_id) is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": attachment_id})
    del extras(state).attachments[attachment_id]
    return success("record deleted", {"id": attachment_id})


def attachment_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/Attachments/{attachment_id}``."""
    record_or_400(state, call.path["module"], call.path["id"])
    rid = call.path["attachment_id"]
    return batch_reply(each([rid], lambda _, a: _delete_attachment(state, call, a)), 200)


def attachments_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/Attachments?ids=`` (at most 100)."""
    record_or_400(state, call.path["module"], call.path["id"])
    ids = ids_param(call, state.limits.max_delete_ids, required=True) or []
    return batch_reply(each(ids, lambda _, a: _delete_attachment(state, call, a)), 200)


# -- blueprint ------------------------------------------------------------------------------------

#: The Deals process moves one stage at a time up to Closed Won (Closed Lost is no step).
_STAGES: Final = DEAL_STAGES[: DEAL_STAGES.index("Closed Won") + 1]
_TRANSITION_BASE: Final = 5725767000000900000
_STAGE_FIELD_ID: Final = 5725767000000900099
#: Fields a transition asks for, by the stage it leads to.
_TRANSITION_FIELDS: Final = {"Closed Won": ("Amount",)}


def _transitions(stage: str) -> list[dict[str, Any]]:
    """The transitions open from ``stage`` (the Deals process moves one stage at a time)."""
    if stage not in _STAGES or stage == _STAGES[-1]:
        return []
    index = _STAGES.index(stage)
    target = _STAGES[index + 1]
    fields = [
        {"api_name": name, "display_label": name.replace("_", " "), "mandatory": True}
        for name in _TRANSITION_FIELDS.get(target, ())
    ]
    return [
        {
            "id": _TRANSITION_BASE + index,  # an int64 in Zoho's blueprint answers, unlike most ids
            "name": f"To {target}",
            "next_field_value": target,
            "type": "manual",
            "criteria_matched": True,
            "criteria_message": None,
            "color_code": "#1DB9B4",
            "text_color_code": "#FFFFFF",
            "percent_partial_save": None,
            "execution_time": None,
            "data": {},
            "fields": fields,
            "next_transitions": [],
        }
    ]


def _in_process(state: FakeState, call: Call) -> dict[str, Any]:
    record = record_or_400(state, call.path["module"], call.path["id"])
    if call.path["module"] != "Deals" or record.get("Stage") not in _STAGES:
        raise ApiError(400, "RECORD_NOT_IN_PROCESS", "record not in process", {})
    return record


def blueprint_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/actions/blueprint``: Deals follow a Stage process."""
    record = _in_process(state, call)
    process = {
        "field_id": _STAGE_FIELD_ID,
        "id": str(_TRANSITION_BASE - 1),
        "name": "Deal Stages",
        "api_name": "Stage",
        "field_label": "Stage",
        "field_name": "Stage",
        "column_name": "STAGE",
        "field_value": record["Stage"],
        "is_continuous": False,
        "continuous": False,
    }
    transitions = _transitions(record["Stage"])
    return Reply(200, {"blueprint": {"process_info": process, "transitions": transitions}})


def blueprint_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}/{id}/actions/blueprint`` with ``{"blueprint":[{transition_id, data}]}``."""
    record = _in_process(state, call)
    item = only_object(json_body(call), "blueprint")
    open_ = {str(t["id"]): t for t in _transitions(record["Stage"])}
    transition = open_.get(str(item.get("transition_id")))
    if transition is None:
        raise ApiError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"api_name": "transition_id", "json_path": "$.blueprint[0].transition_id"},
        )
    given = item.get("data")
    data: dict[str, Any] = given if isinstance(given, dict) else {}
    for field in transition["fields"]:
        if data.get(field["api_name"]) in (None, ""):
            raise ApiError(
                400,
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": field["api_name"], "json_path": "$.blueprint[0].data"},
            )
    store = state.module("Deals")
    changes = {**data, "Stage": transition["next_field_value"]}
    try:
        store.update(record["id"], changes, 0, state.write_context(call.user))
    except RecordError as error:
        return Reply(400, {"data": [error.entry]})
    return Reply(200, success("transition updated successfully", {}))


# -- related records ------------------------------------------------------------------------------


#: What Zoho says of every note beside its fields (a note without attachments or voice).
_NOTE_PROPERTIES: Final = {
    "$attachments": None,
    "$editable": True,
    "$is_shared_to_client": False,
    "$size": None,
    "$state": "save",
    "$voice_note": False,
}


def note_view(
    store: ModuleStore, record: dict[str, Any], call: Call, fields: list[str] | None
) -> dict[str, Any]:
    """A stored note as the caller's API version shows it (see :func:`shape_note`)."""
    return shape_note(store.view(record, fields), call)


def shape_note(view: dict[str, Any], call: Call) -> dict[str, Any]:
    """A note's view in the caller's version's shape, with the ``$`` properties of a note.

    ``Parent_Id`` is stored as the object of v6 on (``{"module", "name", "id"}``); before v6
    it is ``{"name", "id"}`` and the parent's module is ``$se_module``.
    """
    parent = view.get("Parent_Id")
    if isinstance(parent, dict) and call.version_tuple < OBJECT_PARENT_FROM:
        view["Parent_Id"] = {"name": parent.get("name"), "id": parent.get("id")}
        view["$se_module"] = (parent.get("module") or {}).get("api_name")
    view.pop("se_module", None)
    view.pop("Tag", None)  # notes are not tagged
    return {**view, **{k: v for k, v in _NOTE_PROPERTIES.items() if k not in view}}


class _Relation:
    """How one related list of one module is stored."""

    def __init__(self, state: FakeState, module: str, related_list: str) -> None:
        self.state = state
        self.module = module
        self.name = related_list
        self.lookup = LOOKUP_RELATIONS.get((module, related_list))
        self.junction = frozenset({module, related_list}) in JUNCTIONS
        self.notes = related_list == "Notes"
        if not (self.lookup or self.junction or self.notes):
            raise ApiError(
                400,
                "INVALID_DATA",
                "the relation name given seems to be invalid",
                {"resource_path_index": 2},
            )
        child = self.lookup[0] if self.lookup else related_list
        self.child = state.module(child)

    def link_key(self, record_id: str, other_id: str) -> tuple[str, str, str, str]:
        a, b = (self.module, record_id), (self.name, other_id)
        first, second = sorted((a, b))
        return (*first, *second)

    def related(self, record_id: str) -> list[dict[str, Any]]:
        if self.lookup:
            field = self.lookup[1]
            return [
                r
                for r in self.child.records.values()
                if (r.get(field) or {}).get("id") == record_id
            ]
        if self.notes:
            return [
                r
                for r in self.child.records.values()
                if (r.get("Parent_Id") or {}).get("id") == record_id
            ]
        links = extras(self.state).junctions
        return [
            r for r in self.child.records.values() if self.link_key(record_id, r["id"]) in links
        ]

    def add(self, record_id: str, item: Any, index: int, call: Call) -> dict[str, Any]:
        other_id = str(item.get("id")) if isinstance(item, dict) and item.get("id") else None
        if other_id is None:
            raise RecordError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": "id", "json_path": f"$.data[{index}].id"},
            )
        if other_id not in self.child.records:
            raise RecordError(
                "INVALID_DATA", "the related id given seems to be invalid", {"id": other_id}
            )
        if self.lookup:
            ctx = self.state.write_context(call.user)
            self.child.update(other_id, {self.lookup[1]: {"id": record_id}}, index, ctx)
        else:
            extra = {k: v for k, v in item.items() if k != "id"}
            extras(self.state).junctions[self.link_key(record_id, other_id)] = extra
        return success("relation added", {"id": other_id})

    def remove(self, record_id: str, other_id: str, call: Call) -> dict[str, Any]:
        related_ids = {r["id"] for r in self.related(record_id)}
        if other_id not in related_ids:
            raise RecordError("INVALID_DATA", "relation not removed", {"id": other_id})
        if self.lookup:
            self.child.records[other_id][self.lookup[1]] = None
        else:
            extras(self.state).junctions.pop(self.link_key(record_id, other_id), None)
        return success("relation removed", {"id": other_id})


def related_records(
    state: FakeState, module: str, record_id: str, related_list: str
) -> list[dict[str, Any]]:
    """The records of ``related_list`` of one record (400 for a relation the module lacks)."""
    return _Relation(state, module, related_list).related(record_id)


def _relation(state: FakeState, call: Call) -> tuple[_Relation, str]:
    module, given = call.path["module"], call.path["id"]
    state.module(module)
    external = external_field(state, call, module)
    if external is None and not given.isdigit():  # not /{module}/{id}/{related_list}
        raise ApiError(
            404,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
        )
    relation = _Relation(state, module, call.path["related_list"])
    record_id = resolve_id(state, call, module, given) or given
    record_or_400(state, module, record_id)
    return relation, record_id


def _related_id(state: FakeState, call: Call, relation: _Relation, given: str) -> str:
    """A related record's id, from its external value when ``X-EXTERNAL`` names one."""
    return resolve_id(state, call, relation.child.spec.api_name, given) or given


def related_list(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/{related_list}`` (``fields`` mandatory from v3)."""
    relation, record_id = _relation(state, call)
    fields = fields_param(call, relation.child, state.limits, required=call.uses_page_tokens)
    window = page_window(call.query, state.limits)
    items, more = take(relation.related(record_id), window)
    if not items:
        return Reply(204)
    if relation.notes:
        views = [note_view(relation.child, r, call, fields) for r in items]
    else:
        views = [relation.child.view(r, fields) for r in items]
    for view, record in zip(views, items, strict=True):
        if relation.junction:
            view.update(extras(state).junctions[relation.link_key(record_id, record["id"])])
    return Reply(200, {"data": views, "info": basic_info(window, len(items), more)})


def related_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}/{id}/{related_list}``: relate records (at most 100)."""
    relation, record_id = _relation(state, call)
    if relation.notes:
        raise ApiError(
            400, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one"
        )
    items = body_items(call, limit=state.limits.max_write_records)
    child = relation.child.spec.api_name
    external = external_field(state, call, child)

    def add(index: int, item: Any) -> dict[str, Any]:
        if external is not None and isinstance(item, dict) and item.get(external):
            given = str(item[external])
            item = {k: v for k, v in item.items() if k != external}
            item["id"] = _related_id(state, call, relation, given)
        return relation.add(record_id, item, index, call)

    return batch_reply(each(items, add), 200)


def related_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/{related_list}?ids=`` (at most 100)."""
    relation, record_id = _relation(state, call)
    ids = ids_param(call, state.limits.max_delete_ids, required=True) or []
    ids = [_related_id(state, call, relation, other) for other in ids]
    entries = each(ids, lambda _, other: relation.remove(record_id, other, call))
    return batch_reply(entries, 200)


def related_one_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}/{id}/{related_list}/{related_id}``."""
    relation, record_id = _relation(state, call)
    body = json_body(call) if call.body else {}
    data = body.get("data") if isinstance(body.get("data"), list) else [{}]
    item = {
        **(data[0] if data and isinstance(data[0], dict) else {}),
        "id": _related_id(state, call, relation, call.path["related_id"]),
    }
    entries = each([item], lambda i, it: relation.add(record_id, it, i, call))
    return batch_reply(entries, 200)


def related_one_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/{related_list}/{related_id}``."""
    relation, record_id = _relation(state, call)
    other = _related_id(state, call, relation, call.path["related_id"])
    return batch_reply(each([other], lambda _, o: relation.remove(record_id, o, call)), 200)


_SCOPE: Final = "ZohoCRM.modules"

#: ``(template, handlers by method, scope)`` of the specific record-action routes; they go
#: before the generic ``/{module}/...`` routes of ``API_ROUTES``.
_SPECS: Final[tuple[_RouteSpec, ...]] = (
    ("/{module}/actions/mass_update", {"POST": mass_update, "GET": mass_update_status}, _SCOPE),
    ("/Leads/{id}/actions/convert", {"POST": convert_lead}, _SCOPE),
    (
        "/{module}/{id}/actions/blueprint",
        {"GET": blueprint_get, "PUT": blueprint_update},
        _SCOPE,
    ),
    (
        "/{module}/{id}/photo",
        {"GET": photo_get, "POST": photo_upload, "DELETE": photo_delete},
        _SCOPE,
    ),
    (
        "/{module}/{id}/Attachments/{attachment_id}",
        {"GET": attachment_get, "DELETE": attachment_delete},
        _SCOPE,
    ),
    (
        "/{module}/{id}/Attachments",
        {"GET": attachments_list, "POST": attachment_upload, "DELETE": attachments_delete},
        _SCOPE,
    ),
)
#: Any related list: these match every 3- and 4-segment path, so they go last.
_FALLBACK_SPECS: Final[tuple[_RouteSpec, ...]] = (
    (
        "/{module}/{id}/{related_list}/{related_id}",
        {"PUT": related_one_update, "DELETE": related_one_delete},
        _SCOPE,
    ),
    (
        "/{module}/{id}/{related_list}",
        {"GET": related_list, "PUT": related_update, "DELETE": related_delete},
        _SCOPE,
    ),
)
ROUTES: Final = tuple(ApiRoute(*spec) for spec in _SPECS)
FALLBACK_ROUTES: Final = tuple(ApiRoute(*spec) for spec in _FALLBACK_SPECS)
