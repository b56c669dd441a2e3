"""Contact roles (``/Contacts/roles``): the roles contacts play in deals."""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, body_items, each, field_error
from ._listing import ids_param
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, success

__all__ = ["DEFAULT_CONTACT_ROLES", "ROUTES"]

#: The roles a new Zoho org has.
DEFAULT_CONTACT_ROLES: Final = (
    "Purchasing",
    "Component Specification",
    "Technical Evaluator",
    "Product Management",
    "Evaluator",
    "Decision Maker",
    "Executive Sponsor",
    "Influencer",
    "Technical Buyer",
    "Economic Buyer",
)
MAX_NAME: Final = 50
_KEY: Final = "contact_roles"


class ContactRoles:
    """The org's contact roles by id."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.roles: dict[str, dict[str, Any]] = {}
        for name in DEFAULT_CONTACT_ROLES:
            role_id = state.ids()
            number = len(self.roles) + 1
            self.roles[role_id] = {"id": role_id, "name": name, "sequence_number": number}

    def _check_name(self, item: dict[str, Any], index: int, role_id: str | None) -> None:
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise field_error(
                "MANDATORY_NOT_FOUND", "required field not found", _KEY, "name", index
            )
        if len(name) > MAX_NAME:
            raise RecordError(
                "INVALID_DATA", "invalid data", {"api_name": "name", "maximum_length": MAX_NAME}
            )
        for other in self.roles.values():
            if other["id"] != role_id and other["name"].casefold() == name.casefold():
                details = {"id": other["id"], "api_name": "name"}
                raise RecordError("INVALID_DATA", "invalid data", details)

    def _check_sequence(self, item: dict[str, Any], index: int) -> None:
        number = item.get("sequence_number")
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            raise field_error("INVALID_DATA", "invalid data", _KEY, "sequence_number", index)

    def add(self, index: int, item: dict[str, Any]) -> dict[str, Any]:
        self._check_name(item, index, None)
        self._check_sequence(item, index)
        role_id = self.state.ids()
        number = item.get("sequence_number") or len(self.roles) + 1
        self.roles[role_id] = {"id": role_id, "name": item["name"], "sequence_number": number}
        return success("contact role added", {"id": role_id})

    def update(self, role_id: str, item: dict[str, Any], index: int) -> dict[str, Any]:
        role = self.roles.get(role_id)
        if role is None:
            raise RecordError("INVALID_DATA", "invalid data", {"id": role_id})
        if "name" in item:
            self._check_name(item, index, role_id)
            role["name"] = item["name"]
        self._check_sequence(item, index)
        if item.get("sequence_number") is not None:
            role["sequence_number"] = item["sequence_number"]
        return success("contact role updated", {"id": role_id})

    def delete(self, role_id: str) -> dict[str, Any]:
        if self.roles.pop(role_id, None) is None:
            raise RecordError("INVALID_DATA", "invalid data", {"id": role_id})
        return success("contact role deleted", {"id": role_id})

    def ordered(self) -> list[dict[str, Any]]:
        return sorted(self.roles.values(), key=lambda r: (r["sequence_number"], int(r["id"])))


def _roles(state: FakeState) -> ContactRoles:
    return state.part(ContactRoles)


def roles_list(state: FakeState, call: Call) -> Reply:
    """``GET /Contacts/roles``: every role by sequence number (204 when there are none)."""
    roles = _roles(state).ordered()
    return Reply(200, {_KEY: [dict(r) for r in roles]}) if roles else Reply(204)


def roles_create(state: FakeState, call: Call) -> Reply:
    """``POST /Contacts/roles``: add roles (``name`` mandatory, at most 50 characters)."""
    items = body_items(call, _KEY, state.limits.max_write_records)
    return batch_reply(each(items, _roles(state).add, objects=True), 201, key=_KEY)


def roles_update(state: FakeState, call: Call) -> Reply:
    """``PUT /Contacts/roles``: rename or reorder roles (each names its ``id``)."""
    items = body_items(call, _KEY, state.limits.max_write_records)
    roles = _roles(state)

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        if not item.get("id"):
            raise field_error("MANDATORY_NOT_FOUND", "required field not found", _KEY, "id", index)
        return roles.update(str(item["id"]), item, index)

    return batch_reply(each(items, update, objects=True), 200, key=_KEY)


def roles_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /Contacts/roles?ids=`` (at most 100)."""
    ids = ids_param(call, state.limits.max_delete_ids, required=True) or []
    roles = _roles(state)
    return batch_reply(each(ids, lambda _, role_id: roles.delete(role_id)), 200, key=_KEY)


def role_get(state: FakeState, call: Call) -> Reply:
    """``GET /Contacts/roles/{id}`` (204 for an unknown id)."""
    role = _roles(state).roles.get(call.path["id"])
    return Reply(200, {_KEY: [dict(role)]}) if role else Reply(204)


def role_update(state: FakeState, call: Call) -> Reply:
    """``PUT /Contacts/roles/{id}``."""
    items = body_items(call, _KEY, 1)
    roles = _roles(state)
    entries = each(items, lambda i, item: roles.update(call.path["id"], item, i), objects=True)
    return batch_reply(entries, 200, key=_KEY)


def role_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /Contacts/roles/{id}``."""
    roles = _roles(state)
    return batch_reply(each([call.path["id"]], lambda _, rid: roles.delete(rid)), 200, key=_KEY)


_SCOPE: Final = "ZohoCRM.settings"

#: Before the generic ``/{module}/{id}`` routes, which would take ``roles`` for a record id.
ROUTES: Final = (
    ApiRoute(
        "/Contacts/roles",
        {"GET": roles_list, "POST": roles_create, "PUT": roles_update, "DELETE": roles_delete},
        _SCOPE,
    ),
    ApiRoute(
        "/Contacts/roles/{id}", {"GET": role_get, "PUT": role_update, "DELETE": role_delete}, _SCOPE
    ),
)
