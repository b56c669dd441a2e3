"""The org (``/org``) and its taxes; variables (``/settings/variables``) and their groups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from ._bodies import batch_reply, body_items, each, field_error
from ._errors import invalid_param
from ._listing import ids_param
from ._routes import ApiRoute
from ._settings import VARIABLE_TYPES
from ._shapes import org_details
from ._state import Call, FakeState, Reply
from ._store import RecordError, success

__all__ = ["ROUTES"]

_ORG: Final = "ZohoCRM.org"
_SETTINGS: Final = "ZohoCRM.settings"
_MAX_IDS: Final = 100


def _found_or_204(key: str, item: dict[str, Any] | None) -> Reply:
    return Reply(200, {key: [item]}) if item is not None else Reply(204)


def _unknown_id(item_id: str) -> RecordError:
    return RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": item_id})


def org_get(state: FakeState, call: Call) -> Reply:
    """``GET /org``."""
    directory = state.directory
    admin = directory.by_email(str(directory.org["primary_email"]))
    zuid = str(admin["zuid"]) if admin else ""
    return Reply(200, {"org": [org_details(directory.org, zuid, state.settings.created_time)]})


# -- taxes ----------------------------------------------------------------------------------------


def taxes_list(state: FakeState, call: Call) -> Reply:
    """``GET /org/taxes`` (204 when the org has none)."""
    settings = state.settings
    if not settings.taxes:
        return Reply(204)
    taxes = sorted(settings.taxes.values(), key=lambda t: t["sequence_number"])
    return Reply(200, {"taxes": taxes, "preference": settings.tax_preference})


def tax_get(state: FakeState, call: Call) -> Reply:
    """``GET /org/taxes/{id}``."""
    return _found_or_204("taxes", state.settings.taxes.get(call.path["id"]))


def _tax_changes(item: dict[str, Any], index: int) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in item.items():
        if key == "id":
            continue
        if key == "name":
            if not isinstance(value, str) or not value.strip():
                raise field_error("INVALID_DATA", "invalid data", "taxes", key, index)
        elif key == "value":
            number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number_ok or not 0 <= value <= 100:
                raise field_error("INVALID_DATA", "invalid data", "taxes", key, index)
        elif key == "sequence_number":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise field_error("INVALID_DATA", "invalid data", "taxes", key, index)
        else:
            raise field_error("INVALID_DATA", "invalid data", "taxes", key, index)
        changes[key] = value
    return changes


def _save_tax(state: FakeState, tax: dict[str, Any], index: int) -> None:
    duplicate = next(
        (
            t
            for t in state.settings.taxes.values()
            if t["id"] != tax["id"] and t["name"].casefold() == tax["name"].casefold()
        ),
        None,
    )
    if duplicate is not None:
        raise field_error("DUPLICATE_DATA", "duplicate data", "taxes", "name", index)
    tax["display_label"] = f"{tax['name']} - {tax['value']} %"
    state.settings.taxes[tax["id"]] = tax


def taxes_create(state: FakeState, call: Call) -> Reply:
    """``POST /org/taxes``: each needs ``name`` and ``value`` (a percentage)."""
    taxes = state.settings.taxes

    def create(index: int, item: dict[str, Any]) -> dict[str, Any]:
        changes = _tax_changes(item, index)
        for key in ("name", "value"):
            if key not in changes:
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", "taxes", key, index
                )
        tax = {"id": state.settings.new_id(), "sequence_number": len(taxes) + 1, **changes}
        _save_tax(state, tax, index)
        return success("tax added", {"id": tax["id"]})

    return batch_reply(each(body_items(call, "taxes"), create, objects=True), 201, "taxes")


def taxes_update(state: FakeState, call: Call) -> Reply:
    """``PUT /org/taxes`` with ``id`` in each item."""

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        tax_id = str(item.get("id") or "")
        if not tax_id:
            raise field_error(
                "MANDATORY_NOT_FOUND", "required field not found", "taxes", "id", index
            )
        current = state.settings.taxes.get(tax_id)
        if current is None:
            raise _unknown_id(tax_id)
        _save_tax(state, {**current, **_tax_changes(item, index)}, index)
        return success("tax updated", {"id": tax_id})

    return batch_reply(each(body_items(call, "taxes"), update, objects=True), 200, "taxes")


def taxes_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /org/taxes?ids=a,b``."""
    ids = ids_param(call, _MAX_IDS, required=True) or []

    def delete(_: int, tax_id: str) -> dict[str, Any]:
        if state.settings.taxes.pop(tax_id, None) is None:
            raise _unknown_id(tax_id)
        return success("tax deleted", {"id": tax_id})

    return batch_reply(each(ids, delete), 200, "taxes")


# -- variables ------------------------------------------------------------------------------------


def _group_param(state: FakeState, call: Call) -> dict[str, Any] | None:
    key = call.query.get("group")
    if key is None:
        return None
    group = state.settings.find_group(key)
    if group is None:
        raise invalid_param("group")
    return group


def _ref(group: dict[str, Any]) -> dict[str, Any]:
    return {"id": group["id"], "api_name": group["api_name"], "name": group["name"]}


def variables_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/variables[?group=id|api_name]``."""
    group = _group_param(state, call)
    variables = [
        v
        for v in state.settings.variables.values()
        if group is None or v["variable_group"]["id"] == group["id"]
    ]
    return Reply(200, {"variables": variables}) if variables else Reply(204)


def variable_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/variables/{id or api_name}[?group=]``."""
    group = _group_param(state, call)
    variable = state.settings.find_variable(call.path["id"])
    if variable is not None and group is not None and variable["variable_group"] != _ref(group):
        variable = None
    return _found_or_204("variables", variable)


def _valid_value(kind: str, value: Any) -> bool:
    if value is None:
        return True
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("double", "currency", "percent"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "checkbox":
        return isinstance(value, bool)
    if not isinstance(value, str):
        return False
    parse = {"date": date.fromisoformat, "datetime": datetime.fromisoformat}.get(kind)
    try:
        return parse is None or parse(value) is not None
    except ValueError:
        return False


def _variable_changes(state: FakeState, item: dict[str, Any], index: int) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in item.items():
        if key == "id":
            continue
        if key == "variable_group":
            ref = (value.get("id") or value.get("api_name")) if isinstance(value, dict) else value
            group = state.settings.find_group(str(ref)) if ref else None
            if group is None:
                raise field_error("INVALID_DATA", "invalid data", "variables", key, index)
            changes[key] = _ref(group)
        elif _valid_variable_key(key, value):
            changes[key] = value
        else:
            raise field_error("INVALID_DATA", "invalid data", "variables", key, index)
    return changes


def _valid_variable_key(key: str, value: Any) -> bool:
    if key == "type":
        return value in VARIABLE_TYPES
    if key in ("name", "api_name"):
        return isinstance(value, str) and bool(value.strip())
    return key in ("value", "description")


def _save_variable(state: FakeState, variable: dict[str, Any], index: int) -> None:
    if not _valid_value(variable["type"], variable.get("value")):
        raise field_error("INVALID_DATA", "invalid data", "variables", "value", index)
    for other in state.settings.variables.values():
        if other["id"] != variable["id"] and other["api_name"] == variable["api_name"]:
            raise field_error("DUPLICATE_DATA", "duplicate data", "variables", "api_name", index)
    state.settings.variables[variable["id"]] = variable


def variables_create(state: FakeState, call: Call) -> Reply:
    """``POST /settings/variables``: each needs name, type and variable_group; 201."""

    def create(index: int, item: dict[str, Any]) -> dict[str, Any]:
        changes = _variable_changes(state, item, index)
        for key in ("name", "type", "variable_group"):
            if key not in changes:
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", "variables", key, index
                )
        variable = {
            "id": state.settings.new_id(),
            "api_name": changes["name"].strip().replace(" ", "_"),
            "description": None,
            "source": "crm",
            "read_only": False,
            "value": None,
            **changes,
        }
        _save_variable(state, variable, index)
        return success("Variable created", {"id": variable["id"]})

    return batch_reply(each(body_items(call, "variables"), create, objects=True), 201, "variables")


def _update_variable(state: FakeState, key: str, item: dict[str, Any], index: int) -> Any:
    current = state.settings.find_variable(key)
    if current is None:
        raise _unknown_id(key)
    _save_variable(state, {**current, **_variable_changes(state, item, index)}, index)
    return success("Variable updated", {"id": current["id"]})


def variables_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/variables`` with ``id`` in each item (the OAS documents 201)."""

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        if not item.get("id"):
            raise field_error(
                "MANDATORY_NOT_FOUND", "required field not found", "variables", "id", index
            )
        return _update_variable(state, str(item["id"]), item, index)  # type: ignore[no-any-return]

    return batch_reply(each(body_items(call, "variables"), update, objects=True), 201, "variables")


def variable_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/variables/{id or api_name}``."""
    key = call.path["id"]
    items = body_items(call, "variables", limit=1)
    entries = each(
        items, lambda index, item: _update_variable(state, key, item, index), objects=True
    )
    return batch_reply(entries, 201, "variables")


def _delete_variable(state: FakeState, variable_id: str) -> dict[str, Any]:
    if state.settings.variables.pop(variable_id, None) is None:
        raise _unknown_id(variable_id)
    return success("Variable deleted", {"id": variable_id})


def variables_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/variables?ids=a,b``."""
    ids = ids_param(call, _MAX_IDS, required=True) or []
    entries = each(ids, lambda _, i: _delete_variable(state, i))
    return batch_reply(entries, 201, "variables")


def variable_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/variables/{id}``."""
    entries = each([call.path["id"]], lambda _, i: _delete_variable(state, i))
    return batch_reply(entries, 201, "variables")


def variable_groups_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/variable_groups``."""
    return Reply(200, {"variable_groups": list(state.settings.variable_groups.values())})


def variable_group_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/variable_groups/{id or api_name}``."""
    return _found_or_204("variable_groups", state.settings.find_group(call.path["id"]))


ROUTES: Final = (
    ApiRoute("/org", {"GET": org_get}, _ORG),
    ApiRoute(
        "/org/taxes",
        {"GET": taxes_list, "POST": taxes_create, "PUT": taxes_update, "DELETE": taxes_delete},
        _ORG,
    ),
    ApiRoute("/org/taxes/{id}", {"GET": tax_get}, _ORG),
    ApiRoute(
        "/settings/variables",
        {
            "GET": variables_list,
            "POST": variables_create,
            "PUT": variables_update,
            "DELETE": variables_delete,
        },
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/variables/{id}",
        {"GET": variable_get, "PUT": variable_update, "DELETE": variable_delete},
        _SETTINGS,
    ),
    ApiRoute("/settings/variable_groups", {"GET": variable_groups_list}, _SETTINGS),
    ApiRoute("/settings/variable_groups/{id}", {"GET": variable_group_get}, _SETTINGS),
)
