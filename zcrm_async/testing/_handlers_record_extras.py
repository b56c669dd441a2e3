"""Record-level extras: related-records counts, rich-text full data, record locks, sharing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ._bodies import batch_reply, body_items, each, json_body, only_object
from ._directory import user_ref
from ._errors import ApiError, invalid_param, required_param
from ._extras import extras, record_or_400
from ._handlers_actions import related_records
from ._listing import ids_param
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, now_iso, success

__all__ = ["ROUTES"]

#: Related lists one count request may name.
MAX_RELATED_COUNTS: Final = 20
#: Records one ``fetch_full_data`` request may name.
MAX_RICH_TEXT_IDS: Final = 200
#: Users one share request may name.
MAX_SHARES: Final = 10
PERMISSIONS: Final = ("read_only", "read_write", "full_access")
#: The related-records count is an API of v8; ``fetch_full_data`` of v6 on.
RELATED_COUNT_FROM: Final = (8, 0)
RICH_TEXT_FROM: Final = (6, 0)


def _since(call: Call, version: tuple[int, int]) -> None:
    """404 on API versions without the endpoint, as for any URL Zoho does not serve."""
    if call.version_tuple < version:
        raise ApiError(
            404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"
        )


@dataclass
class RecordExtrasState:
    """Locks and shares of the fake's records."""

    #: lock id -> the lock's JSON (as ``Locking_Information__s`` lists it) and its record
    locks: dict[str, tuple[tuple[str, str], dict[str, Any]]] = field(default_factory=dict)
    #: (module, record id) -> user id -> the share's JSON
    shares: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)


def _new_state(state: FakeState) -> RecordExtrasState:
    return RecordExtrasState()


def _extras(state: FakeState) -> RecordExtrasState:
    return state.part(_new_state)


# -- related records count ------------------------------------------------------------------------


def related_count(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{id}/actions/get_related_records_count`` (v8; at most 20 lists)."""
    _since(call, RELATED_COUNT_FROM)
    module, record_id = call.path["module"], call.path["id"]
    record_or_400(state, module, record_id)
    items = body_items(call, "get_related_records_count", MAX_RELATED_COUNTS)

    def count(index: int, item: Any) -> dict[str, Any]:
        related = item.get("related_list") if isinstance(item, dict) else None
        name = related.get("api_name") if isinstance(related, dict) else None
        where = f"$.get_related_records_count[{index}].related_list.api_name"
        if not isinstance(name, str) or not name:
            raise RecordError(
                "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "api_name"}
            )
        try:
            if name == "Attachments":
                total = sum(
                    1
                    for a in extras(state).attachments.values()
                    if a["parent"] == (module, record_id)
                )
            else:
                total = len(related_records(state, module, record_id, name))
        except ApiError:
            raise RecordError(
                "INVALID_DATA", "invalid data", {"api_name": "api_name", "json_path": where}
            ) from None
        list_id = state.settings.meta_id(("related_list", module, name))
        return {"count": total, "related_list": {"api_name": name, "id": list_id}}

    entries = []
    for index, item in enumerate(items):
        try:
            entries.append(count(index, item))
        except RecordError as error:
            entries.append(error.entry)
    return Reply(200, {"get_related_records_count": entries})


# -- rich text ------------------------------------------------------------------------------------


def _rich_text_fields(state: FakeState, call: Call, *, required: bool) -> list[str]:
    store = state.module(call.path["module"])
    rich = [f.api_name for f in store.spec.fields if f.rich_text]
    raw = call.query.get("fields", "")
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        if required:
            raise required_param("fields")
        return rich
    for name in names:
        if name not in rich:
            raise ApiError(
                400,
                "INVALID_DATA",
                "only rich text fields can be fetched",
                {"api_name": name, "expected_data_type": "rich_text"},
            )
    return names


def _rich_text_view(record: dict[str, Any], names: list[str]) -> dict[str, Any]:
    return {"id": record["id"], **{n: record.get(n) for n in names}}


def rich_text_one(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/actions/fetch_full_data``: the whole rich-text fields (v6 on)."""
    _since(call, RICH_TEXT_FROM)
    names = _rich_text_fields(state, call, required=False)
    record = state.module(call.path["module"]).records.get(call.path["id"])
    if record is None:
        return Reply(204)
    return Reply(200, {"data": [_rich_text_view(record, names)]})


def rich_text_many(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/actions/fetch_full_data?ids=&fields=`` (at most 200 ids)."""
    _since(call, RICH_TEXT_FROM)
    store = state.module(call.path["module"])
    ids = ids_param(call, MAX_RICH_TEXT_IDS, required=True) or []
    names = _rich_text_fields(state, call, required=True)
    found = [store.records[i] for i in dict.fromkeys(ids) if i in store.records]
    if not found:
        return Reply(204)
    return Reply(200, {"data": [_rich_text_view(r, names) for r in found]})


# -- record locking -------------------------------------------------------------------------------

_LOCK_CONFIGURATION_ID: Final = 5725767000001600001


def _locked_record(state: FakeState, call: Call) -> tuple[str, str, dict[str, Any]]:
    module, record_id = call.path["module"], call.path["id"]
    return module, record_id, record_or_400(state, module, record_id)


def _reason(call: Call) -> str | None:
    item = only_object(json_body(call), "data")
    reason = item.get("Locked_Reason__s")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 255):
        raise ApiError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"api_name": "Locked_Reason__s", "json_path": "$.data[0].Locked_Reason__s"},
        )
    return reason


def locks_list(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/Locking_Information__s``: the record's lock, if it is locked."""
    module, record_id, _ = _locked_record(state, call)
    locks = [lock for (key, lock) in _extras(state).locks.values() if key == (module, record_id)]
    window = page_window(call.query, state.limits)
    items, more = take(locks, window)
    if not items:
        return Reply(204)
    return Reply(200, {"data": items, "info": basic_info(window, len(items), more)})


def lock_create(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{id}/Locking_Information__s``: lock the record (201)."""
    module, record_id, record = _locked_record(state, call)
    reason = _reason(call)
    store = state.module(module)
    if record_id in store.locks:
        error = RecordError(
            "RECORD_LOCKED", "the record is locked", {"id": record_id, "action": "lock"}
        )
        return Reply(400, {"data": [error.entry]})
    lock_id = state.ids()
    now = now_iso()
    actor = user_ref(call.user)
    lock = {
        "id": int(lock_id),
        "name": store.spec.display_name(record) or record_id,
        "lock_source__s": "Manual",
        "locked_by__s": actor,
        "locked_for_s": {
            "name": store.spec.display_name(record) or record_id,
            "id": record_id,
            "module": {"api_name": module, "id": state.module_ids[module]},
        },
        "locked_reason__s": reason,
        "Locked_time__s": now,
        "record_locking_configuration_id__s": _LOCK_CONFIGURATION_ID,
        "record_locking_rule_id__s": None,
        "Created_By": actor,
        "Created_Time": now,
        "Modified_By": actor,
        "Modified_Time": now,
    }
    _extras(state).locks[lock_id] = ((module, record_id), lock)
    store.locks[record_id] = lock_id
    return Reply(201, {"data": [success("record added", _lock_details(lock, call))]})


def _lock_details(lock: dict[str, Any], call: Call) -> dict[str, Any]:
    return {
        "Modified_Time": lock["Modified_Time"],
        "Modified_By": user_ref(call.user, email=False),
        "Created_Time": lock["Created_Time"],
        "id": str(lock["id"]),
        "Created_By": {"name": lock["Created_By"]["name"], "id": lock["Created_By"]["id"]},
    }


def _lock(state: FakeState, call: Call) -> dict[str, Any]:
    module, record_id, _ = _locked_record(state, call)
    found = _extras(state).locks.get(call.path["lock_id"])
    if found is None or found[0] != (module, record_id):
        raise ApiError(
            400, "INVALID_DATA", "the id given seems to be invalid", {"id": call.path["lock_id"]}
        )
    return found[1]


def lock_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/Locking_Information__s/{lock_id}``."""
    return Reply(200, {"data": [_lock(state, call)]})


def lock_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}/{id}/Locking_Information__s/{lock_id}``: a new reason."""
    lock = _lock(state, call)
    lock["locked_reason__s"] = _reason(call)
    lock["Modified_Time"] = now_iso()
    lock["Modified_By"] = user_ref(call.user)
    return Reply(200, {"data": [success("record updated", _lock_details(lock, call))]})


def lock_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/Locking_Information__s/{lock_id}``: unlock."""
    lock = _lock(state, call)
    lock_id = call.path["lock_id"]
    del _extras(state).locks[lock_id]
    state.module(call.path["module"]).locks.pop(call.path["id"], None)
    return Reply(200, {"data": [success("record deleted", {"id": str(lock["id"])})]})


# -- sharing --------------------------------------------------------------------------------------


def _user_view(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "name": user["full_name"],
        "full_name": user["full_name"],
        "email": user["email"],
        "zuid": user["zuid"],
    }


def shares_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/actions/share`` (``sharedTo`` one user; ``view=manage`` lists who
    it may be shared with)."""
    module, record_id, _ = _locked_record(state, call)
    shared = _extras(state).shares.get((module, record_id), {})
    wanted = call.query.get("sharedTo")
    view = call.query.get("view", "summary")
    if view not in ("summary", "manage"):
        raise invalid_param("view", supported_values=["summary", "manage"])
    items = [s for uid, s in shared.items() if wanted in (None, uid)]
    shareable = [
        _user_view(u)
        for u in state.directory.users.values()
        if u["id"] != call.user["id"] and u["id"] not in shared and u.get("status") == "active"
    ]
    return Reply(200, {"share": items, "shareable_user": shareable if view == "manage" else []})


def _share_write(state: FakeState, call: Call, *, update: bool) -> Reply:
    module, record_id, record = _locked_record(state, call)
    store = state.module(module)
    items = body_items(call, "share", MAX_SHARES)
    shared = _extras(state).shares.setdefault((module, record_id), {})

    def write(index: int, item: dict[str, Any]) -> dict[str, Any]:
        target = item.get("user")
        user_id = str(target.get("id")) if isinstance(target, dict) and target.get("id") else None
        if user_id is None:
            raise RecordError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": "user", "json_path": f"$.share[{index}].user"},
            )
        user = state.directory.users.get(user_id)
        if user is None or user_id == call.user["id"]:
            raise RecordError(
                "INVALID_DATA", "cannot share to the user", {"json_path": f"$.share[{index}].user"}
            )
        permission = item.get("permission", "read_only")
        if permission not in PERMISSIONS:
            raise RecordError(
                "INVALID_DATA",
                "Permission is invalid",
                {"json_path": f"$.share[{index}].permission"},
            )
        if update != (user_id in shared):
            if update:
                raise RecordError(
                    "INVALID_DATA",
                    "No sharing through this record is available to revoke.",
                    {"json_path": f"$.share[{index}].user"},
                )
            raise RecordError(
                "DUPLICATE_DATA",
                "record is already visible to the user.",
                {"json_path": f"$.share[{index}].user"},
            )
        shared[user_id] = {
            "share_related_records": bool(item.get("share_related_records", False)),
            "shared_through": {
                "module": {"name": module, "api_name": module, "id": state.module_ids[module]},
                "id": record_id,
                "entity_name": store.spec.display_name(record) or record_id,
            },
            "shared_time": now_iso(),
            "permission": permission,
            "shared_by": _user_view(call.user),
            "user": _user_view(user),
            "type": "private",
        }
        return success("record will be shared successfully", {"id": user_id})

    entries = each(items, write, objects=True)
    return batch_reply(entries, 200, key="share")


def shares_create(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{id}/actions/share``: share with users (at most 10)."""
    return _share_write(state, call, update=False)


def shares_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}/{id}/actions/share``: change the permissions of users it is shared with."""
    return _share_write(state, call, update=True)


def shares_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/actions/share``: stop sharing with everyone."""
    module, record_id, _ = _locked_record(state, call)
    if not _extras(state).shares.pop((module, record_id), None):
        raise ApiError(
            400, "INVALID_DATA", "No sharing through this record is available to revoke.", {}
        )
    return Reply(200, {"share": success("Sharing Revoked", {"id": record_id})})


_MODULES: Final = "ZohoCRM.modules"

#: Before the record-action routes: ``/{module}/{id}/actions/share`` and the others would
#: otherwise be taken for related lists.
ROUTES: Final = (
    ApiRoute("/{module}/actions/fetch_full_data", {"GET": rich_text_many}, _MODULES),
    ApiRoute("/{module}/{id}/actions/fetch_full_data", {"GET": rich_text_one}, _MODULES),
    ApiRoute("/{module}/{id}/actions/get_related_records_count", {"POST": related_count}, _MODULES),
    ApiRoute(
        "/{module}/{id}/actions/share",
        {"GET": shares_get, "POST": shares_create, "PUT": shares_update, "DELETE": shares_delete},
        "ZohoCRM.share",
    ),
    ApiRoute(
        "/{module}/{id}/Locking_Information__s/{lock_id}",
        {"GET": lock_get, "PUT": lock_update, "DELETE": lock_delete},
        _MODULES,
    ),
    ApiRoute(
        "/{module}/{id}/Locking_Information__s",
        {"GET": locks_list, "POST": lock_create},
        _MODULES,
    ),
)
