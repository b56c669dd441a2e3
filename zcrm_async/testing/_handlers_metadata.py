"""Metadata endpoints: modules, fields, layouts, custom views, related lists (``/settings/...``)."""

from __future__ import annotations

from typing import Any, Final

from ._errors import invalid_module, invalid_param, required_param
from ._routes import ApiRoute
from ._shapes import CONVERSIONS, field_details, layout_details, module_details
from ._state import Call, FakeState, Reply
from ._store import ModuleStore

__all__ = ["ROUTES"]

_SCOPE: Final = "ZohoCRM.settings"
MODULE_STATUSES: Final = ("visible", "user_hidden", "system_hidden", "scheduled_for_deletion")


def _items_reply(key: str, items: list[dict[str, Any]], **extra: Any) -> Reply:
    return Reply(200, {key: items, **extra}) if items else Reply(204)


def _module_param(state: FakeState, call: Call) -> ModuleStore:
    """The mandatory ``module`` query parameter."""
    name = call.query.get("module")
    if not name:
        raise required_param("module")
    store = state.modules.get(name)
    if store is None:
        raise invalid_module(0)
    return store


# -- modules and fields ---------------------------------------------------------------------------


def _profiles(state: FakeState) -> list[dict[str, Any]]:
    return [{"name": name, "id": pid} for name, pid in state.directory.profiles.items()]


def module_info(state: FakeState, store: ModuleStore, call: Call) -> dict[str, Any]:
    """A module as ``/settings/modules`` shows it: ``status`` from v5 on, ``visible`` before."""
    spec = store.spec
    return module_details(
        spec,
        state.module_ids[spec.api_name],
        list(state.modules).index(spec.api_name) + 1,
        _profiles(state),
        state.settings.created_time,
        status_from_v5=call.version_tuple >= (5, 0),
    )


def modules_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/modules`` (v5+: ``status`` filter)."""
    status = call.query.get("status") if call.version_tuple >= (5, 0) else None
    if status is not None and status not in MODULE_STATUSES:
        raise invalid_param("status", supported_values=list(MODULE_STATUSES))
    modules = [module_info(state, s, call) for s in state.modules.values()]
    if status is not None:
        modules = [m for m in modules if m["status"] == status]
    return Reply(200, {"modules": modules})


def module_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/modules/{module}``."""
    store = state.module(call.path["module"], resource_path_index=2)
    fields = describe_fields(state, store)
    return Reply(200, {"modules": [{**module_info(state, store, call), "fields": fields}]})


def describe_fields(state: FakeState, store: ModuleStore) -> list[dict[str, Any]]:
    """Every field of a module as ``/settings/fields`` shows it (stable ids)."""
    spec = store.spec
    module_id = int(state.module_ids[spec.api_name])
    profiles = _profiles(state)
    return [
        field_details(
            field,
            str(module_id + 1000 + index),
            index,
            spec,
            profiles,
            state.module_ids.get(field.lookup_module or ""),
        )
        for index, field in enumerate(spec.fields)
    ]


def fields_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/fields?module=...``."""
    return Reply(200, {"fields": describe_fields(state, _module_param(state, call))})


def field_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/fields/{id}?module=...``."""
    fields = describe_fields(state, _module_param(state, call))
    return _items_reply("fields", [f for f in fields if f["id"] == call.path["id"]])


# -- layouts --------------------------------------------------------------------------------------


def _layout(state: FakeState, store: ModuleStore) -> dict[str, Any]:
    spec, settings = store.spec, state.settings
    targets: dict[str, dict[str, Any]] = {
        target.replace("_", ""): {"name": "Standard", "id": settings.meta_id(("layout", target))}
        for target in CONVERSIONS.get(spec.api_name, ())
    }
    if "Deals" in targets:  # the fields a conversion asks for the deal (none are mapped here)
        targets["Deals"]["fields"] = []
    return layout_details(
        spec,
        settings.meta_id(("layout", spec.api_name)),
        settings.meta_id(("section", spec.api_name)),
        describe_fields(state, store),
        _profiles(state),
        targets,
        (settings.created_time, settings.admin_ref()),
    )


def layouts_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/layouts?module=...`` (one Standard layout per module)."""
    return Reply(200, {"layouts": [_layout(state, _module_param(state, call))]})


def layout_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/layouts/{id}?module=...``."""
    layout = _layout(state, _module_param(state, call))
    return _items_reply("layouts", [layout] if layout["id"] == call.path["id"] else [])


# -- custom views ---------------------------------------------------------------------------------

_VIEWS: Final = (
    ("All {}", "ALLVIEWS", True),
    ("My {}", "MYVIEWS", False),
    ("Recently Created {}", "RECENTLYCREATED", False),
)


def _custom_views(state: FakeState, store: ModuleStore) -> list[dict[str, Any]]:
    spec, settings = store.spec, state.settings
    columns = [
        {"api_name": f["api_name"], "id": f["id"], "_pin": False}
        for f in describe_fields(state, store)[5:11]
    ]
    return [
        {
            "id": settings.meta_id(("custom_view", spec.api_name, system_name)),
            "name": label.format(spec.plural_label),
            "display_value": label.format(spec.plural_label),
            "system_name": system_name,
            "category": "public_views",
            "created_time": None,
            "modified_time": None,
            "last_accessed_time": None,
            "created_by": settings.admin_ref(),
            "modified_by": None,
            "module": {"api_name": spec.api_name, "id": state.module_ids[spec.api_name]},
            "criteria": None,
            "default": default,
            "system_defined": True,
            "locked": False,
            "favorite": None,
            "offline": False,
            "access_type": "public",
            "shared_to": None,
            "fields": columns,
            "sort_by": None,
            "sort_order": None,
        }
        for label, system_name, default in _VIEWS
    ]


def custom_views_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/custom_views?module=...``. The fake's views all list every record."""
    views = _custom_views(state, _module_param(state, call))
    return Reply(200, {"custom_views": views, "info": _views_info(views, len(views))})


def custom_view_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/custom_views/{id}?module=...``."""
    views = _custom_views(state, _module_param(state, call))
    found = [v for v in views if v["id"] == call.path["id"]]
    return _items_reply("custom_views", found, info=_views_info(views, len(found)))


def _views_info(views: list[dict[str, Any]], count: int) -> dict[str, Any]:
    return {
        "per_page": 200,
        "count": count,
        "page": 1,
        "more_records": False,
        "default": views[0]["id"],
        "translation": {
            "public_views": "Public Views",
            "other_users_views": "Other Users' Views",
            "shared_with_me": "Views Shared With Me",
            "created_by_me": "Created By Me",
        },
    }


# -- related lists --------------------------------------------------------------------------------


def _related_lists(state: FakeState, store: ModuleStore) -> list[dict[str, Any]]:
    """Modules with a lookup to this one, then Notes and Attachments."""
    name = store.spec.api_name
    linked = [
        other.spec
        for other in state.modules.values()
        if other.spec.api_name not in (name, "Notes")
        and any(f.lookup_module == name for f in other.spec.fields)
    ]
    entries: list[tuple[str, str, str | None]] = [
        (s.api_name, s.plural_label, s.api_name) for s in linked
    ]
    if name != "Notes":
        entries += [("Notes", "Notes", "Notes"), ("Attachments", "Attachments", None)]
    return [
        {
            "id": state.settings.meta_id(("related_list", name, api_name)),
            "sequence_number": str(index + 1),
            "display_label": label,
            "api_name": api_name,
            "module": (
                {"api_name": module, "id": state.module_ids[module]}
                if module in state.module_ids
                else None
            ),
            "name": label,
            "action": None,
            "href": f"{name}/{{ENTITYID}}/{api_name}",
            "type": "default",
            "visible": True,
            "status": "visible",
            "connectedmodule": None,
            "linkingmodule": None,
            "customize_sort": False,
            "customize_fields": False,
            "customize_display_label": False,
            "sort_by": None,
            "sort_order": None,
            "fields": None,
        }
        for index, (api_name, label, module) in enumerate(entries)
    ]


def related_lists_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/related_lists?module=...``."""
    return _items_reply("related_lists", _related_lists(state, _module_param(state, call)))


def related_list_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/related_lists/{id}?module=...``."""
    lists = _related_lists(state, _module_param(state, call))
    return _items_reply("related_lists", [r for r in lists if r["id"] == call.path["id"]])


ROUTES: Final = (
    ApiRoute("/settings/modules", {"GET": modules_list}, _SCOPE),
    ApiRoute("/settings/modules/{module}", {"GET": module_get}, _SCOPE),
    ApiRoute("/settings/fields", {"GET": fields_list}, _SCOPE),
    ApiRoute("/settings/fields/{id}", {"GET": field_get}, _SCOPE),
    ApiRoute("/settings/layouts", {"GET": layouts_list}, _SCOPE),
    ApiRoute("/settings/layouts/{id}", {"GET": layout_get}, _SCOPE),
    ApiRoute("/settings/custom_views", {"GET": custom_views_list}, _SCOPE),
    ApiRoute("/settings/custom_views/{id}", {"GET": custom_view_get}, _SCOPE),
    ApiRoute("/settings/related_lists", {"GET": related_lists_list}, _SCOPE),
    ApiRoute("/settings/related_lists/{id}", {"GET": related_list_get}, _SCOPE),
)
