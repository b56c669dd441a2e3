"""Tags: module tags under ``/settings/tags`` and tags on records.

Records are tagged with query parameters ``ids``/``tag_names`` on v2 and v2.1, and with a JSON
body ``{"tags": [{"name"|"id"}], "ids": [...]}`` from v3; each version refuses the other shape.
"""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, each, json_body
from ._directory import user_ref
from ._errors import ApiError, invalid_module, limit_exceeded, required_param
from ._extras import extras
from ._routes import ApiRoute, Handler
from ._state import Call, FakeState, Reply
from ._store import RecordError, now_iso, success

__all__ = ["ROUTES"]

MAX_TAGS_PER_CREATE: Final = 50
MAX_TAGS_PER_CALL: Final = 10
MAX_TAG_RECORDS: Final = 500
MAX_TAG_NAME: Final = 25
COLOR_CODES: Final = frozenset(
    {"#57B1FD", "#879BFC", "#658BA8", "#FD87BD", "#969696", "#F48435", "#1DB9B4"}
    | {"#E7A826", "#63C57E", "#F17574", "#D297EE", "#A8C026", "#B88562"}
)


def _module_tags(state: FakeState, call: Call) -> tuple[str, dict[str, dict[str, Any]]]:
    module = call.query.get("module")
    if not module:
        raise required_param("module")
    if module not in state.modules:
        raise invalid_module(0)
    return module, extras(state).tags.setdefault(module, {})


def _by_name(tags: dict[str, dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((t for t in tags.values() if t["name"].casefold() == name.casefold()), None)


def _tags_body(call: Call, limit: int) -> list[Any]:
    body = json_body(call)
    items = body.get("tags")
    if not isinstance(items, list) or not items:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "tags"})
    if len(items) > limit:
        raise limit_exceeded(limit, "tags limit exceeded", api_name="tags")
    return items


def _check_name(name: Any, index: int, tags: dict[str, dict[str, Any]], own: str | None) -> str:
    where = {"api_name": "name", "json_path": f"$.tags[{index}].name"}
    if not isinstance(name, str) or not name.strip():
        raise RecordError("MANDATORY_NOT_FOUND", "required field not found", where)
    if len(name) > MAX_TAG_NAME:
        raise RecordError("INVALID_DATA", "invalid data", {**where, "maximum_length": 25})
    clash = _by_name(tags, name)
    if clash is not None and clash["id"] != own:
        raise RecordError("DUPLICATE_DATA", "duplicate data", {**where, "id": clash["id"]})
    return name


def _check_color(item: dict[str, Any], index: int) -> str | None:
    color = item.get("color_code")
    if color is not None and color not in COLOR_CODES:
        where = {"api_name": "color_code", "json_path": f"$.tags[{index}].color_code"}
        raise RecordError("INVALID_DATA", "invalid data", where)
    return color if isinstance(color, str) else None


def _details(tag: dict[str, Any]) -> dict[str, Any]:
    keys = ("created_time", "modified_time", "modified_by", "id", "created_by", "color_code")
    return {k: tag[k] for k in keys}


def _new_tag(state: FakeState, call: Call, name: str, color: str | None) -> dict[str, Any]:
    now, actor = now_iso(), user_ref(call.user, email=False)
    return {
        "id": state.ids(),
        "name": name,
        "color_code": color,
        "created_time": now,
        "modified_time": now,
        "created_by": actor,
        "modified_by": actor,
    }


def _tags_reply(entries: list[dict[str, Any]], all_ok: int) -> Reply:
    reply = batch_reply(entries, all_ok)
    return Reply(reply.status, {"tags": reply.body["data"]})


def tags_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/tags?module=``."""
    _, tags = _module_tags(state, call)
    items = sorted(tags.values(), key=lambda t: t["name"].casefold())
    return Reply(200, {"tags": items, "info": {"count": len(items), "allowed_count": 1000}})


def tags_create(state: FakeState, call: Call) -> Reply:
    """``POST /settings/tags?module=`` with ``{"tags": [{"name", "color_code"}]}``."""
    _, tags = _module_tags(state, call)

    def create(index: int, item: Any) -> dict[str, Any]:
        item = item if isinstance(item, dict) else {}
        name = _check_name(item.get("name"), index, tags, None)
        tag = _new_tag(state, call, name, _check_color(item, index))
        tags[tag["id"]] = tag
        return success("tags created successfully", _details(tag))

    return _tags_reply(each(_tags_body(call, MAX_TAGS_PER_CREATE), create), 201)


def _update(
    tags: dict[str, dict[str, Any]], tag_id: Any, item: dict[str, Any], index: int
) -> dict[str, Any]:
    tag = tags.get(str(tag_id))
    if tag is None:
        where = {"api_name": "id", "json_path": f"$.tags[{index}].id"}
        raise RecordError("INVALID_DATA", "invalid data", where)
    if "name" in item:
        tag["name"] = _check_name(item["name"], index, tags, tag["id"])
    if "color_code" in item:
        tag["color_code"] = _check_color(item, index)
    tag["modified_time"] = now_iso()
    return success("tags updated successfully", _details(tag))


def tags_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/tags?module=`` with ``id`` in each tag."""
    _, tags = _module_tags(state, call)
    items = _tags_body(call, MAX_TAGS_PER_CREATE)
    entries = each(items, lambda i, it: _update(tags, (it or {}).get("id"), dict(it or {}), i))
    return _tags_reply(entries, 200)


def tag_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/tags/{id}?module=``."""
    _, tags = _module_tags(state, call)
    items = _tags_body(call, 1)
    entries = each(items, lambda i, it: _update(tags, call.path["id"], dict(it or {}), i))
    return _tags_reply(entries, 200)


def _find(state: FakeState, tag_id: str) -> tuple[str, dict[str, Any]]:
    for module, tags in extras(state).tags.items():
        if tag_id in tags:
            return module, tags[tag_id]
    raise ApiError(400, "INVALID_DATA", "invalid data", {"resource_path_index": 2, "id": tag_id})


def _untag_all(state: FakeState, module: str, tag_id: str) -> list[dict[str, Any]]:
    touched = []
    for record in state.modules[module].records.values():
        tags = record.get("Tag") or []
        if any(t["id"] == tag_id for t in tags):
            record["Tag"] = [t for t in tags if t["id"] != tag_id]
            touched.append(record)
    return touched


def tag_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /settings/tags/{id}``: the tag leaves every record."""
    module, tag = _find(state, call.path["id"])
    _untag_all(state, module, tag["id"])
    del extras(state).tags[module][tag["id"]]
    return Reply(200, {"tags": [success("tags deleted successfully", {"id": tag["id"]})]})


def tag_merge(state: FakeState, call: Call) -> Reply:
    """``POST /settings/tags/{id}/actions/merge`` with ``conflict_id``: that tag's records get
    tag ``{id}``; the conflict tag is deleted."""
    module, target = _find(state, call.path["id"])
    items = _tags_body(call, 1)
    conflict_id = items[0].get("conflict_id") if isinstance(items[0], dict) else None
    if not conflict_id:
        raise ApiError(
            400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "conflict_id"}
        )
    source_module, source = _find(state, str(conflict_id))
    if source_module != module or source["id"] == target["id"]:
        raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "conflict_id"})
    for record in _untag_all(state, module, source["id"]):
        if not any(t["id"] == target["id"] for t in record["Tag"]):
            record["Tag"].append(_record_tag(target))
    del extras(state).tags[module][source["id"]]
    target["modified_time"] = now_iso()
    return Reply(200, {"tags": [success("tags merged successfully", _details(target))]})


def tag_records_count(state: FakeState, call: Call) -> Reply:
    """``GET /settings/tags/{id}/actions/records_count?module=``."""
    module, tag = _find(state, call.path["id"])
    records = state.modules[module].records.values()
    count = sum(any(t["id"] == tag["id"] for t in r.get("Tag") or []) for r in records)
    return Reply(200, {"count": count})


# -- tags on records ------------------------------------------------------------------------------


def _record_tag(tag: dict[str, Any]) -> dict[str, Any]:
    return {"name": tag["name"], "id": tag["id"], "color_code": tag["color_code"]}


def _request(call: Call) -> tuple[list[str], list[dict[str, Any]], bool]:
    """``(record ids, tags as {name}|{id}, over_write)`` in the caller's version's shape."""
    path_id = call.path.get("id")
    if call.version_tuple < (3, 0):
        names = [n for n in call.query.get("tag_names", "").split(",") if n.strip()]
        if not names:
            raise required_param("tag_names")
        ids = [path_id] if path_id else [i for i in call.query.get("ids", "").split(",") if i]
        if not ids:
            raise required_param("ids")
        over_write = call.query.get("over_write", "false").lower() == "true"
        return ids, [{"name": n.strip()} for n in names], over_write
    body = json_body(call)
    tags = body.get("tags")
    if not isinstance(tags, list) or not tags:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "tags"})
    raw_ids = [path_id] if path_id else body.get("ids")
    if not isinstance(raw_ids, list) or not raw_ids:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "ids"})
    over_write = body.get("over_write") is True or call.query.get("over_write") == "true"
    return [str(i) for i in raw_ids], [t if isinstance(t, dict) else {} for t in tags], over_write


def _resolve(
    state: FakeState, call: Call, module: str, wanted: list[dict[str, Any]], create: bool
) -> list[dict[str, Any]]:
    tags = extras(state).tags.setdefault(module, {})
    resolved = []
    for index, item in enumerate(wanted):
        if item.get("id") is not None:
            tag = tags.get(str(item["id"]))
        else:
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                raise ApiError(
                    400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "name"}
                )
            tag = _by_name(tags, name)
            if tag is None and create:
                if len(name) > MAX_TAG_NAME:
                    raise ApiError(400, "INVALID_DATA", "invalid data", {"api_name": "name"})
                tag = _new_tag(state, call, name, None)
                tags[tag["id"]] = tag
        if tag is None and (create or item.get("id") is not None):
            where = {"api_name": "id", "json_path": f"$.tags[{index}].id"}
            raise ApiError(400, "INVALID_DATA", "invalid data", where)
        if tag is not None:
            resolved.append(tag)
    return resolved


def _tag_records(state: FakeState, call: Call, adding: bool) -> Reply:
    module = call.path["module"]
    store = state.module(module)
    ids, wanted, over_write = _request(call)
    if len(ids) > MAX_TAG_RECORDS:
        raise limit_exceeded(MAX_TAG_RECORDS, "Record count exceeded", api_name="ids")
    if len(wanted) > MAX_TAGS_PER_CALL:
        raise limit_exceeded(MAX_TAGS_PER_CALL, "tags limit exceeded", api_name="tags")
    tags = _resolve(state, call, module, wanted, create=adding)
    message = "tags updated successfully" if adding else "tags removed successfully"

    def apply(_: int, record_id: str) -> dict[str, Any]:
        record = store.records.get(record_id)
        if record is None:
            raise RecordError("INVALID_DATA", "record not found", {"id": record_id})
        current = [] if adding and over_write else list(record.get("Tag") or [])
        ids_now = {t["id"] for t in tags}
        if adding:
            current += [_record_tag(t) for t in tags if t["id"] not in {c["id"] for c in current}]
        else:
            current = [t for t in current if t["id"] not in ids_now]
        record["Tag"] = current
        # v2 and v2.1 name the record's tags; v3 on gives each as {name, id, color_code}.
        shown = list(current) if call.version_tuple >= (3, 0) else [t["name"] for t in current]
        return success(message, {"id": record_id, "tags": shown})

    return batch_reply(each(ids, apply), 200)


def add_tags(state: FakeState, call: Call) -> Reply:
    """``POST /{module}[/{id}]/actions/add_tags`` (unknown names become module tags)."""
    return _tag_records(state, call, adding=True)


def remove_tags(state: FakeState, call: Call) -> Reply:
    """``POST /{module}[/{id}]/actions/remove_tags``."""
    return _tag_records(state, call, adding=False)


_SETTINGS: Final = "ZohoCRM.settings"
_MODULES: Final = "ZohoCRM.modules"

#: Before the generic ``/{module}/...`` routes.
_SPECS: Final[tuple[tuple[str, dict[str, Handler], str], ...]] = (
    ("/settings/tags", {"GET": tags_list, "POST": tags_create, "PUT": tags_update}, _SETTINGS),
    ("/settings/tags/{id}", {"PUT": tag_update, "DELETE": tag_delete}, _SETTINGS),
    ("/settings/tags/{id}/actions/merge", {"POST": tag_merge}, _SETTINGS),
    ("/settings/tags/{id}/actions/records_count", {"GET": tag_records_count}, _SETTINGS),
    ("/{module}/actions/add_tags", {"POST": add_tags}, _MODULES),
    ("/{module}/actions/remove_tags", {"POST": remove_tags}, _MODULES),
    ("/{module}/{id}/actions/add_tags", {"POST": add_tags}, _MODULES),
    ("/{module}/{id}/actions/remove_tags", {"POST": remove_tags}, _MODULES),
)
ROUTES: Final = tuple(ApiRoute(*spec) for spec in _SPECS)
