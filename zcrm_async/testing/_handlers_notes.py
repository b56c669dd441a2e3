"""The Notes module: ``Parent_Id`` is an id + ``se_module`` up to v5, an object from v6."""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, body_items, each
from ._errors import invalid_module
from ._extras import record_or_400
from ._handlers_actions import OBJECT_PARENT_FROM, related_delete, related_list, shape_note
from ._handlers_records import record_delete, record_get, records_delete, records_list
from ._routes import ApiRoute, Handler
from ._state import Call, FakeState, Reply
from ._store import RecordError

__all__ = ["ROUTES"]


def _as_notes(call: Call) -> Call:
    call.path = {**call.path, "module": "Notes"}
    return call


def _shaped(reply: Reply, call: Call) -> Reply:
    if isinstance(reply.body, dict) and isinstance(reply.body.get("data"), list):
        reply.body["data"] = [shape_note(dict(v), call) for v in reply.body["data"]]
    return reply


def notes_list(state: FakeState, call: Call) -> Reply:
    """``GET /Notes`` (``fields`` mandatory from v3, as for records)."""
    return _shaped(records_list(state, _as_notes(call)), call)


def note_get(state: FakeState, call: Call) -> Reply:
    """``GET /Notes/{id}``."""
    return _shaped(record_get(state, _as_notes(call)), call)


def _problem(code: str, message: str, index: int, api_name: str, **extra: Any) -> RecordError:
    where = {"api_name": api_name, "json_path": f"$.data[{index}].{api_name}"}
    return RecordError(code, message, {**extra, **where})


def _parent(state: FakeState, call: Call, item: dict[str, Any], index: int) -> tuple[str, str]:
    """``(module, record id)`` of the note's parent, read in the caller's version's shape."""
    parent = item.pop("Parent_Id")
    se_module = item.pop("se_module", None)
    item.pop("$se_module", None)
    if call.version_tuple >= OBJECT_PARENT_FROM:
        if not isinstance(parent, dict):
            raise _problem(
                "INVALID_DATA", "invalid data", index, "Parent_Id", expected_data_type="jsonobject"
            )
        given = parent.get("module")
        module_ref: dict[str, Any] = given if isinstance(given, dict) else {}
        module = module_ref.get("api_name")
        if module is None and module_ref.get("id") is not None:
            by_id = {v: k for k, v in state.module_ids.items()}
            module = by_id.get(str(module_ref["id"]))
        if not module:
            raise _problem("MANDATORY_NOT_FOUND", "required field not found", index, "Parent_Id")
        record_id = parent.get("id")
    else:
        if isinstance(parent, (dict, list)):
            raise _problem(
                "INVALID_DATA", "invalid data", index, "Parent_Id", expected_data_type="bigint"
            )
        if not se_module:
            raise _problem("MANDATORY_NOT_FOUND", "required field not found", index, "se_module")
        module, record_id = se_module, parent
    if module not in state.modules or module == "Notes":
        raise _problem("INVALID_DATA", "invalid module", index, "se_module")
    if record_id is None or str(record_id) not in state.modules[module].records:
        raise _problem(
            "INVALID_DATA", "the related id given seems to be invalid", index, "Parent_Id"
        )
    return str(module), str(record_id)


def _link(state: FakeState, note_id: str, parent: tuple[str, str]) -> None:
    module, record_id = parent
    target = state.modules[module].records[record_id]
    state.modules["Notes"].records[note_id]["Parent_Id"] = {
        "module": {"api_name": module, "id": state.module_ids[module]},
        "name": state.modules[module].spec.display_name(target),
        "id": record_id,
    }
    state.modules["Notes"].records[note_id]["se_module"] = module


def _write(
    state: FakeState,
    call: Call,
    *,
    creating: bool,
    note_id: str | None = None,
    record: tuple[str, str] | None = None,
) -> Reply:
    """Create or update notes; ``record``: the parent named by the path, for every item."""
    store = state.module("Notes")
    items = body_items(call, limit=state.limits.max_write_records)
    ctx = state.write_context(call.user)

    def write(index: int, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            return store.insert(raw, index, ctx) if creating else store.update("", raw, index, ctx)
        item = dict(raw)
        parent = _parent(state, call, item, index) if "Parent_Id" in item else record
        if creating and parent is None:
            raise _problem("MANDATORY_NOT_FOUND", "required field not found", index, "Parent_Id")
        if creating:
            entry = store.insert(item, index, ctx)
        else:
            target = note_id or item.get("id")
            if not target:
                raise _problem("MANDATORY_NOT_FOUND", "required field not found", index, "id")
            entry = store.update(str(target), item, index, ctx)
        if parent is not None:
            _link(state, entry["details"]["id"], parent)
        return entry

    return batch_reply(each(items, write), 201 if creating else 200)


def notes_create(state: FakeState, call: Call) -> Reply:
    """``POST /Notes`` (at most 100)."""
    return _write(state, call, creating=True)


def record_notes_list(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/Notes``: the record's notes, as any related list."""
    call.path = {**call.path, "related_list": "Notes"}
    return related_list(state, call)


def record_notes_unlink(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}/Notes?ids=``."""
    call.path = {**call.path, "related_list": "Notes"}
    return related_delete(state, call)


def record_notes_create(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/{id}/Notes``: notes of the record in the path (at most 100)."""
    module, record_id = call.path["module"], call.path["id"]
    record_or_400(state, module, record_id)
    if module == "Notes":
        raise invalid_module(0)
    return _write(state, call, creating=True, record=(module, record_id))


def notes_update(state: FakeState, call: Call) -> Reply:
    """``PUT /Notes`` with ``id`` in each item."""
    return _write(state, call, creating=False)


def note_update(state: FakeState, call: Call) -> Reply:
    """``PUT /Notes/{id}``."""
    return _write(state, call, creating=False, note_id=call.path["id"])


def _with_audit(state: FakeState, reply: Reply) -> Reply:
    """A note's delete answers its audit fields too (a record's: its id alone)."""
    gone = {entry["id"]: entry["record"] for entry in state.module("Notes").deleted[-100:]}
    for item in reply.body["data"]:
        note = gone.get(item["details"].get("id")) if item["status"] == "success" else None
        if note is not None:
            item["details"] = {
                "Modified_Time": note["Modified_Time"],
                "Modified_By": {
                    "name": note["Modified_By"]["name"],
                    "id": note["Modified_By"]["id"],
                },
                "Created_Time": note["Created_Time"],
                "id": note["id"],
                "Created_By": {"name": note["Created_By"]["name"], "id": note["Created_By"]["id"]},
            }
    return reply


def notes_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /Notes?ids=``."""
    return _with_audit(state, records_delete(state, _as_notes(call)))


def note_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /Notes/{id}``."""
    return _with_audit(state, record_delete(state, _as_notes(call)))


_SCOPE: Final = "ZohoCRM.modules"

#: Before the generic ``/{module}`` and ``/{module}/{id}`` routes.
_SPECS: Final[tuple[tuple[str, dict[str, Handler], str], ...]] = (
    (
        "/Notes",
        {"GET": notes_list, "POST": notes_create, "PUT": notes_update, "DELETE": notes_delete},
        _SCOPE,
    ),
    ("/Notes/{id}", {"GET": note_get, "PUT": note_update, "DELETE": note_delete}, _SCOPE),
    # Listed and unlinked like any related list.
    (
        "/{module}/{id}/Notes",
        {"GET": record_notes_list, "POST": record_notes_create, "DELETE": record_notes_unlink},
        _SCOPE,
    ),
)
ROUTES: Final = tuple(ApiRoute(*spec) for spec in _SPECS)
