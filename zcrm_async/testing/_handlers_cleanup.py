"""Clean-up: mass delete (``actions/mass_delete``, from API v4), the recycle bin
(``/settings/recycle_bin``: list, restore, purge, empty), find and merge
(``/{module}/{id}/actions/merge``) and mass convert (``/Leads/actions/mass_convert``, v4).

Deleted records wait in the recycle bin (as the module's ``deleted`` list shows them, type
``recycle``) until restored or purged (then ``permanent``). Jobs run at once and report
``COMPLETED``.
"""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, each, json_body
from ._errors import ApiError
from ._handlers_actions import convert
from ._handlers_ownership import job_status_reply, territory_filter
from ._listing import ids_param, sort_params
from ._org_setup import (
    api_since,
    body_ids,
    criteria_matcher,
    job_status,
    org_setup,
    view_records,
)
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import ModuleStore, RecordError, success

__all__ = ["ROUTES"]

_MODULES: Final = "ZohoCRM.modules"
_SETTINGS: Final = "ZohoCRM.settings"
_SINCE: Final = (4, 0)
_MAX_MASS_DELETE_IDS: Final = 500
_MAX_BIN_IDS: Final = 100
_MAX_CONVERT_IDS: Final = 50
_MERGE_MODULES: Final = frozenset({"Leads", "Contacts", "Accounts", "Deals", "Vendors"})
_MAX_DUPLICATES: Final = 2
_BIN: Final = "recycle_bin"
_BIN_SORT: Final = ("deleted_time", "display_name", "deleted_by")


# -- mass delete ----------------------------------------------------------------------------------


def _delete(store: ModuleStore, record_id: str, user: dict[str, Any]) -> dict[str, Any]:
    store.delete(record_id, user)
    return success("record is deleted", {"id": record_id})


def mass_delete(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/actions/mass_delete``: ``ids`` (at most 500) now, or every record of
    ``cvid`` (in ``territory``) as a job."""
    api_since(call, _SINCE)
    store = state.module(call.path["module"])
    body = json_body(call)
    ids, cvid = body.get("ids"), body.get("cvid")
    if (ids is None) == (cvid is None):
        details = {"api_name": "cvid", "expected_data_type": "string"}
        error = {
            "code": "MANDATORY_NOT_FOUND",
            "details": details,
            "message": "required field not found",
            "status": "error",
        }
        return Reply(400, {"data": [error]})
    if ids is not None:
        ids = body_ids(ids, _MAX_MASS_DELETE_IDS)
        return batch_reply(each(ids, lambda _, rid: _delete(store, str(rid), call.user)), 200)
    records = view_records(state, store, cvid, call.user)
    in_place = territory_filter(state, body)
    targets = [r["id"] for r in records if in_place is None or in_place(r)]
    entries = each(targets, lambda _, rid: _delete(store, rid, call.user))
    deleted = sum(e["status"] == "success" for e in entries)
    job_id = state.ids()
    org_setup(state).jobs[("mass_delete", job_id)] = job_status(
        "mass_delete", len(targets), deleted
    )
    return Reply(200, {"data": [success("mass delete scheduled successfully", {"job_id": job_id})]})


def mass_delete_status(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/actions/mass_delete?job_id=``."""
    api_since(call, _SINCE)
    state.module(call.path["module"])
    return job_status_reply(state, call, "mass_delete")


# -- the recycle bin ------------------------------------------------------------------------------


def _bin_entries(state: FakeState) -> list[tuple[ModuleStore, dict[str, Any]]]:
    return [
        (store, entry)
        for store in state.modules.values()
        for entry in store.deleted
        if entry["type"] == "recycle"
    ]


def _bin_view(state: FakeState, store: ModuleStore, entry: dict[str, Any]) -> dict[str, Any]:
    owner = entry["record"].get("Owner") or {}
    module = store.spec.api_name
    return {
        "display_name": entry["display_name"],
        "deleted_time": entry["deleted_time"],
        "owner": {"name": owner.get("name"), "id": owner.get("id"), "email": owner.get("email")},
        "module": {
            "api_name": module,
            "id": state.module_ids[module],
            "module_name": store.spec.singular_label,
        },
        "deleted_by": entry["deleted_by"],
        "id": entry["id"],
    }


def _bin_value(view: dict[str, Any], api_name: str) -> Any:
    value = view.get(api_name)
    if api_name == "module" and isinstance(value, dict):
        return value.get("api_name")
    return value


def _bin_selection(state: FakeState, call: Call) -> list[tuple[ModuleStore, dict[str, Any]]]:
    """The recycle bin entries the ``ids`` and ``filters`` parameters pick."""
    entries = _bin_entries(state)
    ids = ids_param(call, _MAX_BIN_IDS, required=False)
    if ids is not None:
        entries = [(s, e) for s, e in entries if e["id"] in ids]
    if "filters" in call.query:
        keep = criteria_matcher(call.query["filters"], _bin_value)
        entries = [(s, e) for s, e in entries if keep(_bin_view(state, s, e))]
    return entries


def recycle_bin_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/recycle_bin``: ``ids``, ``filters``, ``sort_by``/``sort_order`` (newest
    first by default), ``page``/``per_page``."""
    sort_by, sort_order = sort_params(call, _BIN_SORT, "deleted_time")
    views = [_bin_view(state, s, e) for s, e in _bin_selection(state, call)]

    def key(view: dict[str, Any]) -> tuple[str, str]:
        value = view[sort_by]
        return str(value.get("name") if isinstance(value, dict) else value), view["id"]

    views.sort(key=key, reverse=sort_order == "desc")
    window = page_window(call.query, state.limits)
    page, more = take(views, window)
    if not page:
        return Reply(204)
    return Reply(200, {_BIN: page, "info": basic_info(window, len(page), more)})


def _bin_entry(state: FakeState, record_id: str) -> tuple[ModuleStore, dict[str, Any]] | None:
    return next(((s, e) for s, e in _bin_entries(state) if e["id"] == record_id), None)


def recycle_bin_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/recycle_bin/{record_id}``."""
    found = _bin_entry(state, call.path["record_id"])
    if found is None:
        return Reply(204)
    info = basic_info(page_window({}, state.limits), 1, False)
    return Reply(200, {_BIN: [_bin_view(state, *found)], "info": info})


def _purge(state: FakeState, record_id: str) -> dict[str, Any]:
    found = _bin_entry(state, record_id)
    if found is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": record_id})
    found[0].purge(record_id)
    return success("record deleted permanently", {"id": record_id})


def recycle_bin_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/recycle_bin?ids=`` (at most 100) or ``?filters=``."""
    if "ids" in call.query:
        targets = ids_param(call, _MAX_BIN_IDS, required=True) or []
    elif "filters" in call.query:
        targets = [e["id"] for _, e in _bin_selection(state, call)]
    else:
        raise ApiError(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            {"param": "ids"},
        )
    if not targets:
        return Reply(204)
    return batch_reply(each(targets, lambda _, rid: _purge(state, rid)), 200, _BIN)


def recycle_bin_delete_one(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/recycle_bin/{record_id}``."""
    return batch_reply(each([call.path["record_id"]], lambda _, rid: _purge(state, rid)), 200, _BIN)


def recycle_bin_restore(state: FakeState, call: Call) -> Reply:
    """``POST /settings/recycle_bin/{record_id}/actions/restore``: back into its module."""

    def restore(_: int, record_id: str) -> dict[str, Any]:
        found = _bin_entry(state, record_id)
        if found is None or found[0].restore(record_id) is None:
            raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": record_id})
        return success("record restored successfully", {"id": record_id})

    return batch_reply(each([call.path["record_id"]], restore), 200, _BIN)


def recycle_bin_empty(state: FakeState, call: Call) -> Reply:
    """``POST /settings/recycle_bin/actions/empty``: every record purged (administrators only)."""
    if call.user["profile"]["name"] != "Administrator":
        raise ApiError(
            400, "AUTHORIZATION_FAILED", "Non admin user can't empty the recycle bin", {}
        )
    for store, entry in _bin_entries(state):
        store.purge(entry["id"])
    return Reply(
        200,
        {"code": "SUCCESS", "details": {}, "message": "recyclebin is cleared", "status": "success"},
    )


# -- find and merge -------------------------------------------------------------------------------


def _merge_error(code: str, message: str, details: dict[str, Any]) -> Reply:
    return Reply(
        400, {"merge": [{"code": code, "details": details, "message": message, "status": "error"}]}
    )


def merge_records(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{master}/actions/merge`` with ``{"merge": [{"data": [{"id", "_fields":
    [{"api_name"}]}]}]}``: one or two duplicates merged into the master, then deleted."""
    module = call.path["module"]
    store = state.module(module)
    if module not in _MERGE_MODULES:
        raise ApiError(
            400,
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            {"resource_path_index": 0},
        )
    master_id = call.path["masterrecordid"]
    master = store.records.get(master_id)
    if master is None:
        raise ApiError(
            400, "INVALID_DATA", "the id given seems to be invalid", {"resource_path_index": 1}
        )
    items = json_body(call).get("merge")
    item = (
        items[0]
        if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict)
        else None
    )
    data = item.get("data") if item else None
    if not isinstance(data, list) or not data:
        return _merge_error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "data", "json_path": "$.merge[0].data"},
        )
    if len(data) > _MAX_DUPLICATES:
        return _merge_error(
            "LIMIT_EXCEEDED",
            "at most two records merge into a master",
            {"api_name": "data", "json_path": "$.merge[0].data", "maximum_length": _MAX_DUPLICATES},
        )
    taken: dict[str, Any] = {}
    duplicates = []
    for at, child in enumerate(data):
        where = f"$.merge[0].data[{at}]"
        child_id = str(child.get("id")) if isinstance(child, dict) else ""
        if child_id == master_id or child_id not in store.records or child_id in duplicates:
            return _merge_error(
                "INVALID_DATA", "invalid data", {"api_name": "id", "json_path": f"{where}.id"}
            )
        duplicates.append(child_id)
        for field in child.get("_fields") or []:
            name = field.get("api_name") if isinstance(field, dict) else None
            if name not in store.spec.by_name or store.spec.by_name[name].read_only:
                return _merge_error(
                    "INVALID_DATA",
                    "invalid data",
                    {"api_name": "_fields", "json_path": f"{where}._fields"},
                )
            taken[str(name)] = store.records[child_id].get(name)
    ctx = state.write_context(call.user)
    if taken:
        try:
            store.update(master_id, {k: _input(v) for k, v in taken.items()}, 0, ctx)
        except RecordError as error:
            return Reply(400, {"merge": [error.entry]})
    for child_id in duplicates:
        store.delete(child_id, call.user)
    setup = org_setup(state)
    job_id = state.ids()
    setup.merges[job_id] = {
        "job_id": job_id,
        "status": "COMPLETED",
        "data": [
            {"id": d, "_fields": [{"api_name": k} for k, v in taken.items()]} for d in duplicates
        ],
        "master_record_fields": list(item.get("master_record_fields") or []) if item else [],
    }
    setup.latest_merge[master_id] = job_id
    return Reply(
        201,
        {"merge": [success("records merged successfully", {"id": master_id, "job_id": job_id})]},
    )


def _input(value: Any) -> Any:
    """A stored value as a write takes it (a lookup or owner by its id)."""
    if isinstance(value, dict) and "id" in value:
        return {"id": value["id"]}
    return value


def merge_status(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{master}/actions/merge[?job_id=]``: that merge, or the master's latest."""
    state.module(call.path["module"])
    setup = org_setup(state)
    job_id = call.query.get("job_id") or setup.latest_merge.get(call.path["masterrecordid"])
    merge = setup.merges.get(job_id or "")
    return Reply(200, {"merge": [merge]}) if merge else Reply(204)


# -- mass convert ---------------------------------------------------------------------------------


def mass_convert(state: FakeState, call: Call) -> Reply:
    """``POST /Leads/actions/mass_convert``: up to 50 leads converted (a job, run at once)."""
    api_since(call, _SINCE)
    body = json_body(call)
    ids = body_ids(body.get("ids"), _MAX_CONVERT_IDS)
    deals = body.get("Deals")
    if deals is not None and not isinstance(deals, dict):
        raise ApiError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"api_name": "Deals", "json_path": "$.Deals", "expected_data_type": "jsonobject"},
        )
    owner = body.get("assign_to")
    user = state.directory.users.get(str(owner.get("id"))) if isinstance(owner, dict) else None
    if owner is not None and user is None:
        raise ApiError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"api_name": "assign_to", "json_path": "$.assign_to"},
        )
    options = {"Deals": deals} if deals is not None else {}
    converted = 0
    for lead_id in ids:
        try:
            convert(state, user or call.user, str(lead_id), options)
            converted += 1
        except RecordError:
            pass  # counted as failed in the job's status
    job_id = state.ids()
    org_setup(state).jobs[("mass_convert", job_id)] = job_status(
        "mass_convert", len(ids), converted
    )
    scheduled = {
        "code": "SCHEDULED",
        "details": {"job_id": job_id},
        "message": "mass convert scheduled successfully",
        "status": "success",
    }
    return Reply(200, scheduled)


def mass_convert_status(state: FakeState, call: Call) -> Reply:
    """``GET /Leads/actions/mass_convert?job_id=``."""
    api_since(call, _SINCE)
    return job_status_reply(state, call, "mass_convert")


ROUTES: Final = (
    ApiRoute("/settings/recycle_bin/actions/empty", {"POST": recycle_bin_empty}, _SETTINGS),
    ApiRoute(
        "/settings/recycle_bin", {"GET": recycle_bin_list, "DELETE": recycle_bin_delete}, _SETTINGS
    ),
    ApiRoute(
        "/settings/recycle_bin/{record_id}",
        {"GET": recycle_bin_get, "DELETE": recycle_bin_delete_one},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/recycle_bin/{record_id}/actions/restore",
        {"POST": recycle_bin_restore},
        _SETTINGS,
    ),
    ApiRoute(
        "/Leads/actions/mass_convert", {"POST": mass_convert, "GET": mass_convert_status}, _MODULES
    ),
    ApiRoute(
        "/{module}/actions/mass_delete", {"POST": mass_delete, "GET": mass_delete_status}, _MODULES
    ),
    ApiRoute(
        "/{module}/{masterrecordid}/actions/merge",
        {"GET": merge_status, "POST": merge_records},
        _MODULES,
    ),
)
