"""Record ownership: change the owner of some records (``actions/change_owner``) or of every
record of a custom view (``actions/mass_change_owner``, from API v4, as a job).

With ``related_modules`` the activities (Tasks, Events, Calls) whose ``What_Id`` is a changed
record change owner too. A job runs at once; its status reports it ``COMPLETED``.
"""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, each, json_body
from ._errors import ApiError, required_param
from ._org_setup import (
    api_since,
    body_ids,
    criteria_matcher,
    in_territory,
    job_status,
    org_setup,
    view_records,
)
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import ModuleStore, RecordError, WriteContext, success

__all__ = ["ROUTES", "job_status_reply", "territory_filter"]

_MODULES: Final = "ZohoCRM.modules"
_MAX_IDS: Final = 500
_ACTIVITIES: Final = ("Tasks", "Events", "Calls")
_CHANGED: Final = "owner is successfully updated"


def _owner(state: FakeState, body: dict[str, Any]) -> str:
    """The active user a body names as ``owner`` (400 naming ``owner`` otherwise)."""
    owner = body.get("owner")
    if owner is None:
        owner = body.get("Owner")
    if owner is None:
        raise ApiError(
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "owner", "json_path": "$.owner"},
        )
    user = state.directory.users.get(str(owner.get("id"))) if isinstance(owner, dict) else None
    if user is None or user["status"] != "active":
        raise ApiError(
            400, "INVALID_DATA", "invalid data", {"api_name": "owner", "json_path": "$.owner"}
        )
    return str(user["id"])


def _related(body: dict[str, Any]) -> list[str]:
    related = body.get("related_modules") or []
    names = []
    for at, item in enumerate(related if isinstance(related, list) else [related]):
        name = item.get("api_name") if isinstance(item, dict) else None
        if name not in _ACTIVITIES:
            details = {"api_name": "related_modules", "json_path": f"$.related_modules[{at}]"}
            raise ApiError(400, "INVALID_DATA", "invalid data", details)
        names.append(str(name))
    return names


def _change(
    state: FakeState,
    store: ModuleStore,
    record_id: str,
    owner_id: str,
    related: list[str],
    ctx: WriteContext,
) -> dict[str, Any]:
    if record_id not in store.records:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": record_id})
    store.update(record_id, {"Owner": {"id": owner_id}}, 0, ctx)
    for module in related:
        activities = state.module(module)
        for activity in list(activities.records.values()):
            if (activity.get("What_Id") or {}).get("id") == record_id:
                activities.update(activity["id"], {"Owner": {"id": owner_id}}, 0, ctx)
    return success(_CHANGED, {"id": record_id})


def change_owner(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/actions/change_owner`` (``ids``, at most 500) or
    ``POST /{module}/{id}/actions/change_owner``; 202 when every record changed owner."""
    store = state.module(call.path["module"])
    body = json_body(call)
    owner_id, related = _owner(state, body), _related(body)
    path_id = call.path.get("id")
    ids = body_ids([path_id] if path_id else body.get("ids"), _MAX_IDS)
    ctx = state.write_context(call.user)
    entries = each(ids, lambda _, rid: _change(state, store, str(rid), owner_id, related, ctx))
    return batch_reply(entries, 202)


def territory_filter(state: FakeState, body: dict[str, Any]) -> Any:
    """A predicate for the optional ``territory`` of a mass action's body (None: every record)."""
    territory = body.get("territory")
    if territory is None:
        return None
    setup = org_setup(state)
    territory_id = str(territory.get("id")) if isinstance(territory, dict) else ""
    if territory_id not in setup.territories:
        details = {"api_name": "territory", "json_path": "$.territory.id"}
        raise ApiError(400, "INVALID_DATA", "invalid data", details)
    include_child = bool(territory.get("include_child"))
    return lambda record: in_territory(setup, record, territory_id, include_child)


def mass_change_owner(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/actions/mass_change_owner``: the records of ``cvid`` (matching
    ``criteria``, in ``territory``) get ``owner``; a job (run at once)."""
    api_since(call, (4, 0))
    store = state.module(call.path["module"])
    body = json_body(call)
    if body.get("cvid") in (None, ""):
        raise ApiError(
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "cvid", "expected_data_type": "string"},
        )
    owner_id = _owner(state, body)
    records = view_records(state, store, body["cvid"], call.user)
    if body.get("criteria") is not None:
        keep = criteria_matcher(body["criteria"], lambda r, name: r.get(name), "criteria")
        records = [r for r in records if keep(r)]
    in_place = territory_filter(state, body)
    if in_place is not None:
        records = [r for r in records if in_place(r)]
    ctx = state.write_context(call.user)
    entries = each(
        [r["id"] for r in records], lambda _, rid: _change(state, store, rid, owner_id, [], ctx)
    )
    changed = sum(e["status"] == "success" for e in entries)
    job_id = state.ids()
    org_setup(state).jobs[("mass_change_owner", job_id)] = job_status(
        "mass_change_owner", len(entries), changed
    )
    return Reply(200, {"data": [success(_CHANGED, {"job_id": job_id})]})


def job_status_reply(state: FakeState, call: Call, action: str) -> Reply:
    """``GET /{module}/actions/{action}?job_id=``: the job's status, 204 if unknown."""
    job_id = call.query.get("job_id")
    if not job_id:
        raise required_param("job_id")
    job = org_setup(state).jobs.get((action, job_id))
    return Reply(200, {"data": [dict(job)]}) if job else Reply(204)


def mass_change_owner_status(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/actions/mass_change_owner?job_id=``."""
    api_since(call, (4, 0))
    state.module(call.path["module"])
    return job_status_reply(state, call, "mass_change_owner")


ROUTES: Final = (
    ApiRoute(
        "/{module}/actions/mass_change_owner",
        {"POST": mass_change_owner, "GET": mass_change_owner_status},
        _MODULES,
    ),
    ApiRoute("/{module}/actions/change_owner", {"POST": change_owner}, _MODULES),
    ApiRoute("/{module}/{id}/actions/change_owner", {"POST": change_owner}, _MODULES),
)
