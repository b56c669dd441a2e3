"""The ``X-EXTERNAL`` header: records addressed by the values of external fields.

The header names fields as ``Module.Field`` (the records of ``Module`` in the path, the body or
``ids`` are given by ``Field``'s value instead of their id) or ``Module.Lookup.Field`` (a
write's ``Lookup`` names its record by ``Field``'s value: ``{"Lookup": {"Field": "A-1"}}``),
comma-separated. Each named field must be an external field of its module.
"""

from __future__ import annotations

from typing import Any

from ._errors import ApiError
from ._state import Call, FakeState
from ._store import RecordError

__all__ = ["external_field", "lookup_fields", "resolve_id", "resolve_item_lookups"]


def _entries(call: Call) -> list[list[str]]:
    header = call.headers.get("x-external", "")
    return [entry.strip().split(".") for entry in header.split(",") if entry.strip()]


def _check_external(state: FakeState, module: str, field: str) -> None:
    store = state.modules.get(module)
    spec = store.spec.by_name.get(field) if store is not None else None
    if spec is None or not spec.external:
        raise ApiError(
            400,
            "INVALID_DATA",
            "the field named in X-EXTERNAL is not an external field",
            {"api_name": f"{module}.{field}", "header": "X-EXTERNAL"},
        )


def external_field(state: FakeState, call: Call, module: str) -> str | None:
    """The external field ``X-EXTERNAL`` names for ``module``'s records, if any."""
    for parts in _entries(call):
        if len(parts) == 2 and parts[0] == module:
            _check_external(state, module, parts[1])
            return parts[1]
    return None


def lookup_fields(state: FakeState, call: Call, module: str) -> dict[str, str]:
    """``lookup field -> external field of its module`` for ``Module.Lookup.Field`` entries."""
    store = state.module(module)
    found: dict[str, str] = {}
    for parts in _entries(call):
        if len(parts) == 3 and parts[0] == module:
            lookup = store.spec.by_name.get(parts[1])
            target = lookup.lookup_module if lookup is not None else None
            if target is None:
                raise ApiError(
                    400,
                    "INVALID_DATA",
                    "the field named in X-EXTERNAL is not a lookup",
                    {"api_name": ".".join(parts), "header": "X-EXTERNAL"},
                )
            _check_external(state, target, parts[2])
            found[parts[1]] = parts[2]
    return found


def resolve_id(state: FakeState, call: Call, module: str, value: str) -> str | None:
    """The id of ``module``'s record ``value`` names: itself without an external field for the
    module, else the record whose external field holds it (None: no such record)."""
    field = external_field(state, call, module)
    if field is None:
        return value
    record = state.module(module).find(field, value)
    return record["id"] if record is not None and record.get(field) == value else None


def resolve_item_lookups(
    state: FakeState, call: Call, module: str, item: Any, index: int, key: str = "data"
) -> Any:
    """``item`` with the lookups ``X-EXTERNAL`` names given as ``{"id": ..}``."""
    lookups = lookup_fields(state, call, module) if isinstance(item, dict) else {}
    if not lookups:
        return item
    resolved = dict(item)
    for lookup, field in lookups.items():
        given = resolved.get(lookup)
        if not isinstance(given, dict) or field not in given:
            continue
        target = state.module(module).spec.by_name[lookup].lookup_module or ""
        record = state.module(target).find(field, given[field])
        if record is None or record.get(field) != given[field]:
            raise RecordError(
                "INVALID_DATA",
                "the related external value given seems to be invalid",
                {"api_name": lookup, "json_path": f"$.{key}[{index}].{lookup}.{field}"},
            )
        resolved[lookup] = {"id": record["id"]}
    return resolved
