"""Territories (``/settings/territories``), the users of each, each user's territories
(``/users/{id}/territories``), and the territories of records (``assign_territories``).

The org has a root territory (named after the company) that every other reports to, directly
or not. A territory with child territories cannot be deleted; ``transfer_and_delete`` first
hands its records, users and children to another. Records keep their territories in a
``Territories`` list of ``{"name", "id"}`` (Leads, Accounts, Contacts and Deals only).
"""

from __future__ import annotations

import re
from typing import Any, Final

from ._bodies import batch_reply, body_items, each, field_error
from ._directory import user_ref
from ._errors import ApiError, invalid_module
from ._listing import ids_param
from ._org_setup import OrgSetup, criteria_matcher, descendants, org_setup, plain_ref
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, now_iso, success

__all__ = ["ROUTES", "TERRITORY_MODULES"]

_SETTINGS: Final = "ZohoCRM.settings"
_USERS: Final = "ZohoCRM.users"
_MODULES: Final = "ZohoCRM.modules"
_KEY: Final = "territories"
#: The modules whose records have territories.
TERRITORY_MODULES: Final = frozenset({"Leads", "Accounts", "Contacts", "Deals"})
_PERMISSIONS: Final = ("read_write_delete", "read_only")
_CRITERIA_KEYS: Final = ("account_rule_criteria", "deal_rule_criteria", "lead_rule_criteria")
_MAX_RECORDS: Final = 100


def _territory_or_400(setup: OrgSetup, territory_id: str, index: int = 1) -> dict[str, Any]:
    territory = setup.territories.get(territory_id)
    if territory is None:
        raise ApiError(
            400, "INVALID_DATA", "the id given seems to be invalid", {"resource_path_index": index}
        )
    return territory


def _user_or_400(state: FakeState, user_id: str, index: int = 1) -> dict[str, Any]:
    user = state.directory.users.get(user_id)
    if user is None or user["status"] == "deleted":
        raise ApiError(
            400, "INVALID_DATA", "the id given seems to be invalid", {"resource_path_index": index}
        )
    return user


def _list_reply(
    items: list[dict[str, Any]], call: Call, state: FakeState, key: str = _KEY
) -> Reply:
    window = page_window(call.query, state.limits)
    page, more = take(items, window)
    if not page:
        return Reply(204)
    return Reply(200, {key: page, "info": basic_info(window, len(page), more)})


def _one_info(state: FakeState) -> dict[str, Any]:
    """The ``info`` of an answer holding one item."""
    return basic_info(page_window({}, state.limits), 1, False)


def _value_of(territory: dict[str, Any], api_name: str) -> Any:
    return territory.get(api_name)


# -- territories ----------------------------------------------------------------------------------


def territories_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/territories``: ``ids``, ``filters``, ``page``/``per_page``."""
    items = list(org_setup(state).territories.values())
    ids = ids_param(call, _MAX_RECORDS, required=False)
    if ids is not None:
        items = [t for t in items if t["id"] in ids]
    if "filters" in call.query:
        keep = criteria_matcher(call.query["filters"], _value_of)
        items = [t for t in items if keep(t)]
    return _list_reply(items, call, state)


def territory_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/territories/{id}``."""
    territory = org_setup(state).territories.get(call.path["id"])
    if territory is None:
        return Reply(204)
    return Reply(200, {_KEY: [territory], "info": _one_info(state)})


def territory_children(state: FakeState, call: Call) -> Reply:
    """``GET /settings/territories/{id}/__child_territories``: those reporting to it."""
    setup = org_setup(state)
    parent = _territory_or_400(setup, call.path["id"], 2)
    items = [
        t
        for t in setup.territories.values()
        if (t.get("reporting_to") or {}).get("id") == parent["id"]
    ]
    if "filters" in call.query:
        keep = criteria_matcher(call.query["filters"], _value_of)
        items = [t for t in items if keep(t)]
    return _list_reply(items, call, state)


def _changes(
    state: FakeState, setup: OrgSetup, item: dict[str, Any], own_id: str | None, index: int
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("id", "api_name", "created_by", "modified_by", "created_time", "modified_time"):
            continue
        if key == "name":
            if not isinstance(value, str) or not value.strip():
                raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
            clash = any(
                t["name"].casefold() == value.casefold() and t["id"] != own_id
                for t in setup.territories.values()
            )
            if clash:
                raise field_error("DUPLICATE_DATA", "duplicate data", _KEY, key, index)
            changes[key] = value
        elif key == "reporting_to":
            parent = (
                setup.territories.get(str(value.get("id"))) if isinstance(value, dict) else None
            )
            if parent is None or (
                own_id is not None
                and (parent["id"] == own_id or parent["id"] in descendants(setup, own_id))
            ):
                raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
            changes[key] = plain_ref(parent)
        elif key == "manager":
            if value is None:
                changes[key] = None
                continue
            user = (
                state.directory.users.get(str(value.get("id"))) if isinstance(value, dict) else None
            )
            if user is None:
                raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
            changes[key] = user_ref(user, email=False)
        elif key == "permission_type":
            if value not in _PERMISSIONS:
                raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
            changes[key] = value
        elif key == "description" or key in _CRITERIA_KEYS:
            changes[key] = value
        else:
            raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
    return changes


def territories_create(state: FakeState, call: Call) -> Reply:
    """``POST /settings/territories``: each needs ``name`` and ``reporting_to``; 201."""
    setup = org_setup(state)

    def create(index: int, item: dict[str, Any]) -> dict[str, Any]:
        changes = _changes(state, setup, item, None, index)
        for key in ("name", "reporting_to"):
            if key not in changes:
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", _KEY, key, index
                )
        actor, now = user_ref(call.user, email=False), now_iso()
        territory = {
            "id": state.ids(),
            "api_name": re.sub(r"\W+", "_", changes["name"]).strip("_") or "Territory",
            "description": None,
            "permission_type": "read_write_delete",
            "manager": None,
            **{k: None for k in _CRITERIA_KEYS},
            "created_by": actor,
            "modified_by": actor,
            "created_time": now,
            "modified_time": now,
            **changes,
        }
        setup.territories[territory["id"]] = territory
        setup.territory_users[territory["id"]] = []
        return success("territory created", {"id": territory["id"]})

    return batch_reply(each(body_items(call, _KEY), create, objects=True), 201, _KEY)


def _update(
    state: FakeState, call: Call, territory_id: str, item: dict[str, Any], index: int
) -> dict[str, Any]:
    setup = org_setup(state)
    territory = setup.territories.get(territory_id)
    if territory is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": territory_id})
    changes = _changes(state, setup, item, territory_id, index)
    if "reporting_to" in changes and territory["reporting_to"] is None:
        raise field_error(
            "INVALID_DATA", "the root territory reports to no one", _KEY, "reporting_to", index
        )
    territory.update(changes, modified_by=user_ref(call.user, email=False), modified_time=now_iso())
    return success("territory updated", {"id": territory_id})


def territories_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/territories`` with ``id`` in each item."""

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        if not item.get("id"):
            raise field_error("MANDATORY_NOT_FOUND", "required field not found", _KEY, "id", index)
        return _update(state, call, str(item["id"]), item, index)

    return batch_reply(each(body_items(call, _KEY), update, objects=True), 200, _KEY)


def territory_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/territories/{id}``."""
    items = body_items(call, _KEY, limit=1)
    entries = each(
        items, lambda i, item: _update(state, call, call.path["id"], item, i), objects=True
    )
    return batch_reply(entries, 200, _KEY)


def _records_in(state: FakeState, territory_id: str) -> list[dict[str, Any]]:
    return [
        record
        for module in TERRITORY_MODULES
        for record in state.module(module).records.values()
        if any(t.get("id") == territory_id for t in record.get("Territories") or [])
    ]


def _remove(
    state: FakeState, call: Call, territory_id: str, heir: dict[str, Any] | None
) -> dict[str, Any]:
    """Delete a territory; ``heir`` (if any) takes its records, users and child territories."""
    setup = org_setup(state)
    territory = setup.territories.get(territory_id)
    if territory is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": territory_id})
    children = [
        t
        for t in setup.territories.values()
        if (t.get("reporting_to") or {}).get("id") == territory_id
    ]
    if territory["reporting_to"] is None or (children and heir is None):
        raise RecordError(
            "NOT_ALLOWED",
            "the territory has child territories or is the root one",
            {"id": territory_id},
        )
    records, users = _records_in(state, territory_id), setup.territory_users.pop(territory_id, [])
    for record in records:
        kept = [t for t in record["Territories"] if t.get("id") != territory_id]
        if heir is not None and not any(t.get("id") == heir["id"] for t in kept):
            kept.append(plain_ref(heir))
        record["Territories"] = kept
    if heir is not None:
        for child in children:
            child["reporting_to"] = plain_ref(heir)
        heirs = setup.territory_users.setdefault(heir["id"], [])
        heirs.extend(u for u in users if u not in heirs)
    if records or users:
        setup.deleted_territories.append(
            {
                "name": territory["name"],
                "id": territory_id,
                "deleted_time": now_iso(),
                "deleted_by": user_ref(call.user, email=False),
            }
        )
    del setup.territories[territory_id]
    return success("territory deleted", {"id": territory_id})


def territories_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/territories?ids=`` (``delete_previous_forecasts`` accepted)."""
    ids = ids_param(call, _MAX_RECORDS, required=True) or []
    return batch_reply(each(ids, lambda _, tid: _remove(state, call, tid, None)), 200, _KEY)


def territory_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/territories/{id}``."""
    return batch_reply(
        each([call.path["id"]], lambda _, tid: _remove(state, call, tid, None)), 200, _KEY
    )


def _transfer(state: FakeState, call: Call, path_id: str | None) -> Reply:
    setup = org_setup(state)
    items = body_items(call, _KEY, limit=1 if path_id else _MAX_RECORDS)

    def move(index: int, item: dict[str, Any]) -> dict[str, Any]:
        territory_id = path_id or str(item.get("id") or "")
        heir = setup.territories.get(str(item.get("transfer_to_id")))
        if not territory_id:
            raise field_error("MANDATORY_NOT_FOUND", "required field not found", _KEY, "id", index)
        if (
            heir is None
            or heir["id"] == territory_id
            or heir["id"] in descendants(setup, territory_id)
        ):
            raise field_error("INVALID_DATA", "invalid data", _KEY, "transfer_to_id", index)
        return _remove(state, call, territory_id, heir)

    return batch_reply(each(items, move, objects=True), 200, _KEY)


def territories_transfer_and_delete(state: FakeState, call: Call) -> Reply:
    """``POST /settings/territories/actions/transfer_and_delete``."""
    return _transfer(state, call, None)


def territory_transfer_and_delete(state: FakeState, call: Call) -> Reply:
    """``POST /settings/territories/{id}/actions/transfer_and_delete``."""
    return _transfer(state, call, call.path["id"])


def associated_users_count(state: FakeState, call: Call) -> Reply:
    """``GET /settings/territories/actions/associated_users_count`` (counts are text)."""
    setup = org_setup(state)
    items = [
        {
            "count": str(len(setup.territory_users.get(t["id"], []))),
            "territory": {"name": t["name"], "id": t["id"], "subordinates": False},
        }
        for t in setup.territories.values()
    ]
    return _list_reply(items, call, state, "associated_users_count")


def deleted_associated(state: FakeState, call: Call) -> Reply:
    """``GET /settings/territories/actions/deleted_associated_territories[?ids=]``."""
    items = list(org_setup(state).deleted_territories)
    ids = ids_param(call, _MAX_RECORDS, required=False)
    if ids is not None:
        items = [t for t in items if t["id"] in ids]
    return _list_reply(items, call, state)


# -- the users of a territory ---------------------------------------------------------------------


def territory_users(state: FakeState, call: Call) -> Reply:
    """``GET /settings/territories/{territory}/users``."""
    setup = org_setup(state)
    territory = _territory_or_400(setup, call.path["territory"], 2)
    users = [state.directory.users[u] for u in setup.territory_users.get(territory["id"], [])]
    return Reply(200, {"users": users}) if users else Reply(204)


def territory_user(state: FakeState, call: Call) -> Reply:
    """``GET /settings/territories/{territory}/users/{user}``."""
    setup = org_setup(state)
    territory = _territory_or_400(setup, call.path["territory"], 2)
    user_id = call.path["user"]
    if user_id not in setup.territory_users.get(territory["id"], []):
        return Reply(204)
    return Reply(200, {"users": [state.directory.users[user_id]]})


def _invalid_id(key: str, index: int) -> RecordError:
    """Item ``index`` names an id that does not fit (unknown, or not associated)."""
    return field_error("INVALID_DATA", "the id given seems to be invalid", key, "id", index)


def _associate(state: FakeState, territory_id: str, user_id: str, index: int) -> dict[str, Any]:
    setup = org_setup(state)
    user = state.directory.users.get(user_id)
    if user is None or user["status"] == "deleted":
        raise _invalid_id("users", index)
    members = setup.territory_users.setdefault(territory_id, [])
    if user_id not in members:
        members.append(user_id)
    return success("user associated with the territory", {"id": user_id})


def _dissociate(state: FakeState, territory_id: str, user_id: str, index: int) -> dict[str, Any]:
    members = org_setup(state).territory_users.setdefault(territory_id, [])
    if user_id not in members:
        raise _invalid_id("users", index)
    members.remove(user_id)
    return success("user removed from the territory", {"id": user_id})


def territory_users_add(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/territories/{territory}/users`` with ``{"users": [{"id"}]}``."""
    territory = _territory_or_400(org_setup(state), call.path["territory"], 2)
    items = body_items(call, "users")
    entries = each(
        items, lambda i, u: _associate(state, territory["id"], str(u.get("id")), i), objects=True
    )
    return batch_reply(entries, 200, "users")


def territory_user_add(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/territories/{territory}/users/{user}``."""
    territory = _territory_or_400(org_setup(state), call.path["territory"], 2)
    entries = each([call.path["user"]], lambda i, u: _associate(state, territory["id"], u, i))
    return batch_reply(entries, 200, "users")


def territory_users_remove(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/territories/{territory}/users?ids=``."""
    territory = _territory_or_400(org_setup(state), call.path["territory"], 2)
    ids = ids_param(call, _MAX_RECORDS, required=True) or []
    return batch_reply(
        each(ids, lambda i, u: _dissociate(state, territory["id"], u, i)), 200, "users"
    )


def territory_user_remove(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/territories/{territory}/users/{user}``."""
    territory = _territory_or_400(org_setup(state), call.path["territory"], 2)
    entries = each([call.path["user"]], lambda i, u: _dissociate(state, territory["id"], u, i))
    return batch_reply(entries, 200, "users")


# -- the territories of a user --------------------------------------------------------------------


def _user_view(territory: dict[str, Any], setup: OrgSetup) -> dict[str, Any]:
    manager, parent = territory.get("manager"), territory.get("reporting_to")
    return {
        "id": territory["id"],
        "Name": territory["name"],
        "Manager": {"Name": manager["name"], "id": manager["id"]}
        if manager
        else {"Name": None, "id": None},
        "Reporting_To": {"Name": parent["name"], "id": parent["id"]}
        if parent
        else {"Name": None, "id": None},
    }


def _user_territories(state: FakeState, user_id: str) -> list[dict[str, Any]]:
    setup = org_setup(state)
    return [
        t for t in setup.territories.values() if user_id in setup.territory_users.get(t["id"], [])
    ]


def user_territories(state: FakeState, call: Call) -> Reply:
    """``GET /users/{user}/territories``."""
    user = _user_or_400(state, call.path["user"])
    setup = org_setup(state)
    items = [_user_view(t, setup) for t in _user_territories(state, user["id"])]
    return _list_reply(items, call, state)


def user_territory(state: FakeState, call: Call) -> Reply:
    """``GET /users/{user}/territories/{territory}``."""
    user = _user_or_400(state, call.path["user"])
    setup = org_setup(state)
    found = [
        _user_view(t, setup)
        for t in _user_territories(state, user["id"])
        if t["id"] == call.path["territory"]
    ]
    return (
        Reply(200, {_KEY: found, "info": basic_info(page_window({}, state.limits), 1, False)})
        if found
        else Reply(204)
    )


def user_territories_add(state: FakeState, call: Call) -> Reply:
    """``PUT /users/{user}/territories`` with ``{"territories": [{"id"}]}``."""
    user = _user_or_400(state, call.path["user"])
    setup = org_setup(state)

    def add(index: int, item: dict[str, Any]) -> dict[str, Any]:
        territory_id = str(item.get("id") or "")
        if territory_id not in setup.territories:
            raise _invalid_id(_KEY, index)
        _associate(state, territory_id, user["id"], index)
        return success("territory associated with the user", {"id": territory_id})

    return batch_reply(each(body_items(call, _KEY), add, objects=True), 200, _KEY)


def _user_leaves(state: FakeState, user_id: str, territory_id: str, index: int) -> dict[str, Any]:
    if territory_id not in org_setup(state).territories:
        raise _invalid_id(_KEY, index)
    members = org_setup(state).territory_users.setdefault(territory_id, [])
    if user_id not in members:
        raise _invalid_id(_KEY, index)
    members.remove(user_id)
    return success("territory removed from the user", {"id": territory_id})


def user_territories_remove(state: FakeState, call: Call) -> Reply:
    """``DELETE /users/{user}/territories?ids=``."""
    user = _user_or_400(state, call.path["user"])
    ids = ids_param(call, _MAX_RECORDS, required=True) or []
    return batch_reply(each(ids, lambda i, t: _user_leaves(state, user["id"], t, i)), 200, _KEY)


def user_territory_remove(state: FakeState, call: Call) -> Reply:
    """``DELETE /users/{user}/territories/{territory}``."""
    user = _user_or_400(state, call.path["user"])
    entries = each([call.path["territory"]], lambda i, t: _user_leaves(state, user["id"], t, i))
    return batch_reply(entries, 200, _KEY)


# -- the territories of records -------------------------------------------------------------------


def _record_territories(state: FakeState, call: Call, assign: bool) -> Reply:
    module = call.path["module"]
    store = state.module(module)
    if module not in TERRITORY_MODULES:
        raise invalid_module(0)
    setup = org_setup(state)
    path_id = call.path.get("id")
    items = body_items(call, limit=1 if path_id else _MAX_RECORDS)
    message = (
        "the territories data updated successfully"
        if assign
        else "the territories are removed successfully"
    )

    def apply(index: int, item: dict[str, Any]) -> dict[str, Any]:
        record_id = path_id or str(item.get("id") or "")
        record = store.records.get(record_id)
        if record is None:
            raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": record_id})
        wanted = item.get("Territories")
        if not isinstance(wanted, list) or not wanted:
            raise field_error(
                "MANDATORY_NOT_FOUND", "required field not found", "data", "Territories", index
            )
        refs = []
        for ref in wanted:
            territory = setup.territories.get(str(ref.get("id"))) if isinstance(ref, dict) else None
            if territory is None:
                raise field_error("INVALID_DATA", "invalid data", "data", "Territories", index)
            refs.append(plain_ref(territory))
        current = list(record.get("Territories") or [])
        if assign:
            if module == "Deals" and len(refs) > 1:
                details = {
                    "api_name": "Territories",
                    "json_path": f"$.data[{index}].Territories",
                    "limit": 1,
                }
                raise RecordError("LIMIT_EXCEEDED", "a deal belongs to one territory", details)
            if module == "Deals":
                current = []
            current += [r for r in refs if r["id"] not in {c["id"] for c in current}]
        else:
            current = [c for c in current if c["id"] not in {r["id"] for r in refs}]
        record["Territories"] = current
        return success(message, {"id": record_id})

    return batch_reply(each(items, apply, objects=True), 200)


def assign_territories(state: FakeState, call: Call) -> Reply:
    """``POST /{module}[/{id}]/actions/assign_territories``."""
    return _record_territories(state, call, assign=True)


def remove_territories(state: FakeState, call: Call) -> Reply:
    """``POST /{module}[/{id}]/actions/remove_territories``."""
    return _record_territories(state, call, assign=False)


ROUTES: Final = (
    ApiRoute(
        "/settings/territories/actions/associated_users_count",
        {"GET": associated_users_count},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/territories/actions/deleted_associated_territories",
        {"GET": deleted_associated},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/territories/actions/transfer_and_delete",
        {"POST": territories_transfer_and_delete},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/territories",
        {
            "GET": territories_list,
            "POST": territories_create,
            "PUT": territories_update,
            "DELETE": territories_delete,
        },
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/territories/{id}",
        {"GET": territory_get, "PUT": territory_update, "DELETE": territory_delete},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/territories/{id}/__child_territories", {"GET": territory_children}, _SETTINGS
    ),
    ApiRoute(
        "/settings/territories/{id}/actions/transfer_and_delete",
        {"POST": territory_transfer_and_delete},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/territories/{territory}/users",
        {"GET": territory_users, "PUT": territory_users_add, "DELETE": territory_users_remove},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/territories/{territory}/users/{user}",
        {"GET": territory_user, "PUT": territory_user_add, "DELETE": territory_user_remove},
        _SETTINGS,
    ),
    ApiRoute(
        "/users/{user}/territories",
        {"GET": user_territories, "PUT": user_territories_add, "DELETE": user_territories_remove},
        _USERS,
    ),
    ApiRoute(
        "/users/{user}/territories/{territory}",
        {"GET": user_territory, "DELETE": user_territory_remove},
        _USERS,
    ),
    ApiRoute("/{module}/actions/assign_territories", {"POST": assign_territories}, _MODULES),
    ApiRoute("/{module}/actions/remove_territories", {"POST": remove_territories}, _MODULES),
    ApiRoute("/{module}/{id}/actions/assign_territories", {"POST": assign_territories}, _MODULES),
    ApiRoute("/{module}/{id}/actions/remove_territories", {"POST": remove_territories}, _MODULES),
)
