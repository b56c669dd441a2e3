"""User groups (``/settings/user_groups``, from API v4): named sets of users, roles and
territories. A group reaches its users, the users of its roles (and, with ``subordinates``, of
the roles below) and of its territories (with ``sub_territories``, of those below). Deleting a
group runs as a job, whose status ``actions/deletion_jobs`` reports."""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, body_items, each, field_error
from ._directory import user_ref
from ._errors import ApiError, invalid_param, required_param
from ._org_setup import OrgSetup, api_since, descendants, org_setup
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, now_iso, success

__all__ = ["ROUTES"]

_SETTINGS: Final = "ZohoCRM.settings"
_USERS: Final = "ZohoCRM.users"
_KEY: Final = "user_groups"
_SINCE: Final = (4, 0)
_SOURCE_TYPES: Final = ("users", "roles", "territories")
#: How ``grouped_counts?group_by=status`` names a user's state.
_STATUS: Final = {"active": "active", "disabled": "inactive", "deleted": "deleted"}


def _group_or_400(setup: OrgSetup, group_id: str) -> dict[str, Any]:
    group = setup.user_groups.get(group_id)
    if group is None:
        raise ApiError(
            400, "INVALID_DATA", "the id given seems to be invalid", {"resource_path_index": 2}
        )
    return group


def _paged(state: FakeState, call: Call, items: list[Any], key: str) -> Reply:
    window = page_window(call.query, state.limits)
    page, more = take(items, window)
    if not page:
        return Reply(204)
    return Reply(200, {key: page, "info": basic_info(window, len(page), more)})


def _subordinate_roles(state: FakeState, role_id: str) -> set[str]:
    """Roles below one: in the fake's two-level hierarchy every role reports to the first."""
    roles = list(state.directory.roles.values())
    return set(roles[1:]) if roles and roles[0] == role_id else set()


def reached_users(state: FakeState, group: dict[str, Any]) -> list[dict[str, Any]]:
    """The users a group reaches through its sources, in the directory's order."""
    setup = org_setup(state)
    ids: set[str] = set()
    for source in group["sources"]:
        source_id = source["source"]["id"]
        if source["type"] == "users":
            ids.add(source_id)
        elif source["type"] == "roles":
            roles = {source_id} | (
                _subordinate_roles(state, source_id) if source.get("subordinates") else set()
            )
            ids |= {u["id"] for u in state.directory.users.values() if u["role"]["id"] in roles}
        else:
            territories = {source_id} | (
                descendants(setup, source_id) if source.get("sub_territories") else set()
            )
            ids |= {u for t in territories for u in setup.territory_users.get(t, [])}
    return [u for u in state.directory.users.values() if u["id"] in ids]


def _sources_count(state: FakeState, group: dict[str, Any]) -> dict[str, Any]:
    users = [
        state.directory.users.get(s["source"]["id"])
        for s in group["sources"]
        if s["type"] == "users"
    ]
    states = [_STATUS.get(u["status"], "inactive") for u in users if u is not None]
    return {
        "territories": sum(s["type"] == "territories" for s in group["sources"]),
        "roles": sum(s["type"] == "roles" for s in group["sources"]),
        "groups": 0,
        "users": {k: states.count(k) for k in ("inactive", "deleted", "active")},
    }


def _view(state: FakeState, group: dict[str, Any]) -> dict[str, Any]:
    return {**group, "sources_count": _sources_count(state, group)}


def _source(state: FakeState, value: Any, index: int, at: int) -> dict[str, Any]:
    where = {"api_name": "sources", "json_path": f"$.user_groups[{index}].sources[{at}]"}
    kind = value.get("type") if isinstance(value, dict) else None
    inner = value.get("source") if isinstance(value, dict) else None
    source_id = str(inner.get("id")) if isinstance(inner, dict) else ""
    if kind not in _SOURCE_TYPES:
        raise RecordError("INVALID_DATA", "invalid data", where)
    if kind == "users":
        user = state.directory.users.get(source_id)
        name = user["full_name"] if user else None
    elif kind == "roles":
        name = next((n for n, rid in state.directory.roles.items() if rid == source_id), None)
    else:
        territory = org_setup(state).territories.get(source_id)
        name = territory["name"] if territory else None
    if name is None:
        raise RecordError("INVALID_DATA", "invalid data", where)
    assert isinstance(value, dict)
    return {
        "type": kind,
        "source": {"id": source_id, "name": name},
        "subordinates": bool(value.get("subordinates")) if kind == "roles" else None,
        "sub_territories": bool(value.get("sub_territories")) if kind == "territories" else None,
    }


def _apply(state: FakeState, group: dict[str, Any], item: dict[str, Any], index: int) -> None:
    setup = org_setup(state)
    for key, value in item.items():
        if key in (
            "id",
            "created_by",
            "modified_by",
            "created_time",
            "modified_time",
            "sources_count",
        ):
            continue
        if key == "name":
            if not isinstance(value, str) or not value.strip():
                raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
            if any(
                g["name"].casefold() == value.casefold() and g["id"] != group["id"]
                for g in setup.user_groups.values()
            ):
                raise field_error("DUPLICATE_DATA", "duplicate data", _KEY, key, index)
            group["name"] = value
        elif key == "description":
            group["description"] = value
        elif key == "sources":
            if not isinstance(value, list) or not value:
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", _KEY, key, index
                )
            group["sources"] = [_source(state, s, index, at) for at, s in enumerate(value)]
        else:
            raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)


# -- handlers -------------------------------------------------------------------------------------


def groups_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups[?name=]``."""
    api_since(call, _SINCE)
    groups = [_view(state, g) for g in org_setup(state).user_groups.values()]
    name = call.query.get("name")
    if name is not None:
        groups = [g for g in groups if g["name"].casefold() == name.casefold()]
    return _paged(state, call, groups, _KEY)


def group_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups/{group}``."""
    api_since(call, _SINCE)
    group = org_setup(state).user_groups.get(call.path["group"])
    if group is None:
        return Reply(204)
    return Reply(
        200,
        {_KEY: [_view(state, group)], "info": basic_info(page_window({}, state.limits), 1, False)},
    )


def groups_create(state: FakeState, call: Call) -> Reply:
    """``POST /settings/user_groups``: each needs ``name`` and ``sources``; 201."""
    api_since(call, _SINCE)
    setup = org_setup(state)

    def create(index: int, item: dict[str, Any]) -> dict[str, Any]:
        for key in ("name", "sources"):
            if key not in item:
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", _KEY, key, index
                )
        actor, now = user_ref(call.user, email=False), now_iso()
        group: dict[str, Any] = {
            "id": state.ids(),
            "description": None,
            "created_by": actor,
            "modified_by": actor,
            "created_time": now,
            "modified_time": now,
        }
        _apply(state, group, item, index)
        setup.user_groups[group["id"]] = group
        return success("user group created", {"id": group["id"]})

    return batch_reply(each(body_items(call, _KEY), create, objects=True), 201, _KEY)


def _update(
    state: FakeState, call: Call, group_id: str, item: dict[str, Any], index: int
) -> dict[str, Any]:
    group = org_setup(state).user_groups.get(group_id)
    if group is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": group_id})
    changed = dict(group)
    _apply(state, changed, item, index)
    group.update(changed, modified_by=user_ref(call.user, email=False), modified_time=now_iso())
    return success("user group updated", {"id": group_id})


def groups_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/user_groups`` with ``id`` in each item."""
    api_since(call, _SINCE)

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        if not item.get("id"):
            raise field_error("MANDATORY_NOT_FOUND", "required field not found", _KEY, "id", index)
        return _update(state, call, str(item["id"]), item, index)

    return batch_reply(each(body_items(call, _KEY), update, objects=True), 200, _KEY)


def group_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/user_groups/{group}``."""
    api_since(call, _SINCE)
    items = body_items(call, _KEY, limit=1)
    entries = each(
        items, lambda i, item: _update(state, call, call.path["group"], item, i), objects=True
    )
    return batch_reply(entries, 200, _KEY)


def group_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/user_groups/{group}``: scheduled (done at once; the job reports it)."""
    api_since(call, _SINCE)
    setup = org_setup(state)

    def delete(_: int, group_id: str) -> dict[str, Any]:
        if setup.user_groups.pop(group_id, None) is None:
            raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": group_id})
        job_id = state.ids()
        setup.jobs[("deletion_jobs", job_id)] = {"Status": "COMPLETED"}
        return {
            "code": "SCHEDULED",
            "details": {"job_id": job_id},
            "message": "user group deletion scheduled",
            "status": "success",
        }

    return batch_reply(each([call.path["group"]], delete), 200, _KEY)


def deletion_jobs(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups/actions/deletion_jobs?job_id=``."""
    api_since(call, _SINCE)
    job_id = call.query.get("job_id")
    if not job_id:
        raise required_param("job_id")
    job = org_setup(state).jobs.get(("deletion_jobs", job_id))
    return Reply(200, {"deletion_jobs": [dict(job)]}) if job else Reply(204)


def group_sources(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups/{group}/sources[?type=]``."""
    api_since(call, _SINCE)
    group = _group_or_400(org_setup(state), call.path["group"])
    kind = call.query.get("type")
    if kind is not None and kind not in _SOURCE_TYPES:
        raise invalid_param("type", supported_values=list(_SOURCE_TYPES))
    sources = [s for s in group["sources"] if kind is None or s["type"] == kind]
    return _paged(state, call, sources, "sources")


def group_sources_count(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups/{group}/actions/sources_count``."""
    api_since(call, _SINCE)
    group = _group_or_400(org_setup(state), call.path["group"])
    return Reply(200, {"sources_count": [_sources_count(state, group)]})


def group_associations(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups/{group}/actions/associations``: where the group is used.

    The fake has no sharing rules or assignments that could use a group: always none (204).
    """
    api_since(call, _SINCE)
    _group_or_400(org_setup(state), call.path["group"])
    return Reply(204)


def associated_users_count(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups/actions/associated_users_count``."""
    api_since(call, _SINCE)
    items = [
        {"user_group": {"name": g["name"], "id": g["id"]}, "count": len(reached_users(state, g))}
        for g in org_setup(state).user_groups.values()
    ]
    return _paged(state, call, items, "associated_users_count")


def grouped_counts(state: FakeState, call: Call) -> Reply:
    """``GET /settings/user_groups/{group}/associated_users/actions/grouped_counts``
    (``group_by=status``)."""
    api_since(call, _SINCE)
    group = _group_or_400(org_setup(state), call.path["group"])
    group_by = call.query.get("group_by")
    if not group_by:
        raise required_param("group_by")
    if group_by != "status":
        raise invalid_param("group_by", supported_values=["status"])
    states = [_STATUS.get(u["status"], "inactive") for u in reached_users(state, group)]
    counts = [{"status": s, "count": states.count(s)} for s in ("active", "inactive", "deleted")]
    return Reply(
        200, {"grouped_counts": counts, "info": basic_info(page_window({}, state.limits), 3, False)}
    )


def groups_of_user(state: FakeState, call: Call) -> Reply:
    """``GET /users/{user}/actions/associated_groups``: the groups reaching the user."""
    api_since(call, _SINCE)
    user_id = call.path["user"]
    if user_id not in state.directory.users:
        raise ApiError(
            400, "INVALID_DATA", "the id given seems to be invalid", {"resource_path_index": 1}
        )
    groups = [
        _view(state, g)
        for g in org_setup(state).user_groups.values()
        if any(u["id"] == user_id for u in reached_users(state, g))
    ]
    return _paged(state, call, groups, _KEY)


ROUTES: Final = (
    ApiRoute("/settings/user_groups/actions/deletion_jobs", {"GET": deletion_jobs}, _SETTINGS),
    ApiRoute(
        "/settings/user_groups/actions/associated_users_count",
        {"GET": associated_users_count},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/user_groups",
        {"GET": groups_list, "POST": groups_create, "PUT": groups_update},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/user_groups/{group}",
        {"GET": group_get, "PUT": group_update, "DELETE": group_delete},
        _SETTINGS,
    ),
    ApiRoute("/settings/user_groups/{group}/sources", {"GET": group_sources}, _SETTINGS),
    ApiRoute(
        "/settings/user_groups/{group}/actions/sources_count",
        {"GET": group_sources_count},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/user_groups/{group}/actions/associations", {"GET": group_associations}, _SETTINGS
    ),
    ApiRoute(
        "/settings/user_groups/{group}/associated_users/actions/grouped_counts",
        {"GET": grouped_counts},
        _SETTINGS,
    ),
    ApiRoute("/users/{user}/actions/associated_groups", {"GET": groups_of_user}, _USERS),
)
