"""Users (list, get, create, update, delete, search, count), roles and profiles."""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, body_items, each, field_error
from ._criteria import count_conditions, matches, parse_criteria
from ._errors import limit_exceeded, required_param
from ._metadata import FieldSpec, ModuleSpec
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, success

__all__ = ["ROUTES"]

_USERS: Final = "ZohoCRM.users"
_SETTINGS: Final = "ZohoCRM.settings"
#: What a user create/update may set (besides role and profile).
_USER_FIELDS: Final = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "phone",
        "mobile",
        "fax",
        "website",
        "dob",
        "alias",
        "street",
        "city",
        "state",
        "zip",
        "country",
        "time_zone",
        "locale",
        "language",
        "date_format",
        "time_format",
        "status",
        "Reporting_To",
    }
)
#: The user fields criteria may name in ``/users/search``.
_USER_SPEC: Final = ModuleSpec(
    api_name="users",
    singular_label="User",
    fields=tuple(
        FieldSpec(name, data_type, 255)
        for name, data_type in (
            ("email", "email"),
            ("first_name", "text"),
            ("last_name", "text"),
            ("full_name", "text"),
            ("status", "picklist"),
            ("zuid", "text"),
            ("phone", "phone"),
            ("mobile", "phone"),
            ("role", "lookup"),
            ("profile", "lookup"),
            ("confirm", "boolean"),
        )
    ),
    duplicate_check_fields=(),
    display_fields=("full_name",),
)


# -- users ----------------------------------------------------------------------------------------


def users_list(state: FakeState, call: Call) -> Reply:
    """``GET /users?type=...`` (default AllUsers)."""
    users = state.directory.select(call.query.get("type", "AllUsers"), call.user["email"])
    window = page_window(call.query, state.limits)
    items, more = take(users, window)
    if not items:
        return Reply(204)
    return Reply(200, {"users": items, "info": basic_info(window, len(items), more)})


def user_get(state: FakeState, call: Call) -> Reply:
    """``GET /users/{id}``."""
    user = state.directory.users.get(call.path["id"])
    return Reply(200, {"users": [user]}) if user else Reply(204)


def users_search(state: FakeState, call: Call) -> Reply:
    """``GET /users/search?criteria=...[&type=...]``."""
    criteria = call.query.get("criteria")
    if not criteria:
        raise required_param("criteria")
    group = parse_criteria(criteria, _USER_SPEC, version=call.version_tuple)
    if count_conditions(group) > state.limits.max_criteria:
        raise limit_exceeded(state.limits.max_criteria, "criteria limit exceeded", param="criteria")
    users = state.directory.select(call.query.get("type", "AllUsers"), call.user["email"])
    found = [u for u in users if matches(group, u, _USER_SPEC)]
    window = page_window(call.query, state.limits)
    items, more = take(found, window)
    if not items:
        return Reply(204)
    return Reply(200, {"users": items, "info": basic_info(window, len(items), more)})


def users_count(state: FakeState, call: Call) -> Reply:
    """``GET /users/actions/count?type=...``."""
    users = state.directory.select(call.query.get("type", "AllUsers"), call.user["email"])
    return Reply(200, {"count": len(users)})


def _resolve_ref(known: dict[str, str], value: Any) -> str | None:
    """The name of the role/profile an item names by id (``"123"`` or ``{"id": "123"}``)."""
    ref = value.get("id") if isinstance(value, dict) else value
    return next((name for name, rid in known.items() if rid == str(ref)), None)


def _user_changes(
    state: FakeState, item: dict[str, Any], index: int, *, creating: bool
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for api_name, value in item.items():
        if api_name == "id":
            continue
        if api_name in ("role", "profile"):
            known = state.directory.roles if api_name == "role" else state.directory.profiles
            name = _resolve_ref(known, value)
            if name is None:
                raise field_error("INVALID_DATA", "invalid data", "users", api_name, index)
            changes[api_name] = {"name": name, "id": known[name]}
        elif api_name not in _USER_FIELDS or (api_name == "email" and not creating):
            raise field_error("INVALID_DATA", "invalid data", "users", api_name, index)
        else:
            changes[api_name] = value
    status = changes.get("status")
    if status is not None and status not in ("active", "disabled"):
        raise field_error("INVALID_DATA", "invalid data", "users", "status", index)
    return changes


def users_create(state: FakeState, call: Call) -> Reply:
    """``POST /users``: each item needs email, last_name, role and profile; 201 when all added."""
    directory = state.directory

    def create(index: int, item: dict[str, Any]) -> dict[str, Any]:
        changes = _user_changes(state, item, index, creating=True)
        for api_name in ("email", "last_name", "role", "profile"):
            if not changes.get(api_name):
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", "users", api_name, index
                )
        if not isinstance(changes["email"], str) or "@" not in changes["email"]:
            raise field_error("INVALID_DATA", "invalid data", "users", "email", index)
        if directory.by_email(changes["email"]) is not None:
            raise field_error("DUPLICATE_DATA", "duplicate data", "users", "email", index)
        email, role, profile = changes.pop("email"), changes.pop("role"), changes.pop("profile")
        changes.setdefault("first_name", None)
        user = directory.add_user(
            email, role=role["name"], profile=profile["name"], confirm=False, **changes
        )
        user["full_name"] = _full_name(user)
        return success("User added", {"id": user["id"]})

    return batch_reply(each(body_items(call, "users"), create, objects=True), 201, "users")


def _update_user(state: FakeState, user_id: str, item: dict[str, Any], index: int) -> Any:
    user = state.directory.users.get(user_id)
    if user is None or user["status"] == "deleted":
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": user_id})
    user.update(_user_changes(state, item, index, creating=False))
    user["full_name"] = _full_name(user)
    return success("User updated", {"id": user_id})


def users_update(state: FakeState, call: Call) -> Reply:
    """``PUT /users`` with ``id`` in each item."""

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        if not item.get("id"):
            raise field_error(
                "MANDATORY_NOT_FOUND", "required field not found", "users", "id", index
            )
        return _update_user(state, str(item["id"]), item, index)  # type: ignore[no-any-return]

    return batch_reply(each(body_items(call, "users"), update, objects=True), 200, "users")


def user_update(state: FakeState, call: Call) -> Reply:
    """``PUT /users/{id}``."""
    user_id = call.path["id"]
    items = body_items(call, "users", limit=1)
    entries = each(
        items, lambda index, item: _update_user(state, user_id, item, index), objects=True
    )
    return batch_reply(entries, 200, "users")


def user_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /users/{id}``: the user is listed as DeletedUsers afterwards."""
    user_id = call.path["id"]

    def delete(_: int, __: Any) -> dict[str, Any]:
        user = state.directory.users.get(user_id)
        if user is None or user["status"] == "deleted":
            raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": user_id})
        if user["id"] == call.user["id"]:
            raise RecordError("CANNOT_DELETE", "you cannot delete yourself", {"id": user_id})
        user["status"] = "deleted"
        return success("User deleted", {"id": user_id})

    return batch_reply(each([{}], delete), 200, "users")


def _full_name(user: dict[str, Any]) -> str:
    return " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k))


# -- roles and profiles ---------------------------------------------------------------------------


def _role(state: FakeState, name: str, role_id: str) -> dict[str, Any]:
    roles = state.directory.roles
    top = next(iter(roles))
    return {
        "display_label": name,
        "forecast_manager": None,
        "share_with_peers": True,
        "name": name,
        "description": None,
        "id": role_id,
        "reporting_to": None if name == top else {"name": top, "id": roles[top]},
        "admin_user": name == top,
        "created_by__s": state.settings.admin_ref(),
        "modified_by__s": None,
        "created_time__s": state.settings.created_time,
        "modified_time__s": None,
    }


def roles_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/roles``."""
    return Reply(200, {"roles": [_role(state, n, i) for n, i in state.directory.roles.items()]})


def role_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/roles/{id}``."""
    roles = [_role(state, n, i) for n, i in state.directory.roles.items()]
    found = [r for r in roles if r["id"] == call.path["id"]]
    return Reply(200, {"roles": found}) if found else Reply(204)


def _profile(state: FakeState, name: str, profile_id: str, *, full: bool) -> dict[str, Any]:
    standard = name in ("Administrator", "Standard")
    profile: dict[str, Any] = {
        "name": name,
        "display_label": name,
        "id": profile_id,
        "description": None,
        "default": name == "Administrator",
        "custom": not standard,
        "type": "normal_profile",
        "permission_type": "crm",
        "category": False,
        "_delete": None,
        "_default_view": None,
        "created_time": None if standard else state.settings.created_time,
        "modified_time": None,
        "created_by": None if standard else state.settings.admin_ref(),
        "modified_by": None,
    }
    if full:
        profile["permissions_details"] = []
        profile["sections"] = []
    return profile


def profiles_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/profiles``."""
    profiles = [_profile(state, n, i, full=False) for n, i in state.directory.profiles.items()]
    return Reply(200, {"profiles": profiles})


def profile_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/profiles/{id}`` (with its permissions)."""
    profiles = [_profile(state, n, i, full=True) for n, i in state.directory.profiles.items()]
    found = [p for p in profiles if p["id"] == call.path["id"]]
    return Reply(200, {"profiles": found}) if found else Reply(204)


ROUTES: Final = (
    ApiRoute("/users", {"GET": users_list, "POST": users_create, "PUT": users_update}, _USERS),
    ApiRoute("/users/search", {"GET": users_search}, _USERS),
    ApiRoute("/users/actions/count", {"GET": users_count}, _USERS),
    ApiRoute("/users/{id}", {"GET": user_get, "PUT": user_update, "DELETE": user_delete}, _USERS),
    ApiRoute("/settings/roles", {"GET": roles_list}, _SETTINGS),
    ApiRoute("/settings/roles/{id}", {"GET": role_get}, _SETTINGS),
    ApiRoute("/settings/profiles", {"GET": profiles_list}, _SETTINGS),
    ApiRoute("/settings/profiles/{id}", {"GET": profile_get}, _SETTINGS),
)
