"""Optional parameters of record reads (filters) and writes (automation), checked as Zoho does.

Reads: ``converted`` (``false`` by default: converted leads are not listed), ``approved``
(``true`` by default: records awaiting approval are not listed; the fake's records are all
approved), ``territory_id`` with ``include_child`` (the records a territory holds, their
``Territories`` list naming it; with ``include_child=true`` those of the territories below it
too). Writes: ``trigger``, ``process``, ``lar_id``, ``apply_feature_execution`` and
``skip_feature_execution`` are checked for their shape; the fake runs no automation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ._errors import ApiError, invalid_param
from ._org_setup import descendants, org_setup
from ._state import Call, FakeState
from ._store import ModuleStore

__all__ = ["TRIGGERS", "check_write_options", "read_filter"]

#: The automation a write's ``trigger`` may name.
TRIGGERS: Final = frozenset({"workflow", "approval", "blueprint", "pathfinder", "orchestration"})
_TRISTATE: Final = ("true", "false", "both")

Filter = Callable[[dict[str, Any]], bool]


def _tristate(call: Call, name: str, default: str | None) -> str | None:
    value = call.query.get(name, default)
    if value is not None and value not in _TRISTATE:
        raise invalid_param(name, supported_values=list(_TRISTATE))
    return value


def read_filter(
    state: FakeState, call: Call, store: ModuleStore, *, defaults: bool = True
) -> Filter | None:
    """What a read's filters keep, or None when they keep every record.

    ``defaults``: apply Zoho's defaults for parameters not given (lists do; a read of one
    record by id applies only the filters it names).
    """
    converted = _tristate(call, "converted", "false" if defaults else None)
    approved = _tristate(call, "approved", "true" if defaults else None)
    territory = call.query.get("territory_id")
    if "include_child" in call.query:
        if call.query["include_child"] not in ("true", "false"):
            raise invalid_param("include_child", supported_values=["true", "false"])
        if not territory:
            raise ApiError(
                400,
                "DEPENDENT_FIELD_MISSING",
                "include_child needs territory_id",
                {"dependee": {"param": "territory_id"}},
            )
    keeps: list[Filter] = []
    if converted in ("true", "false") and (store.converted or converted == "true"):
        wanted = converted == "true"
        keeps.append(lambda r: (r["id"] in store.converted) == wanted)
    if approved == "false":  # every record of the fake is approved
        keeps.append(lambda r: False)
    if territory:
        territories = {territory}
        if call.query.get("include_child") == "true":
            territories |= descendants(org_setup(state), territory)
        keeps.append(
            lambda r: any(
                isinstance(t, dict) and str(t.get("id")) in territories
                for t in r.get("Territories") or ()
            )
        )
    if not keeps:
        return None
    return lambda record: all(keep(record) for keep in keeps)


def check_write_options(body: dict[str, Any]) -> None:
    """400 ``INVALID_DATA`` naming the first write option of the wrong shape."""
    for name in ("trigger", "process"):
        if name in body and not _names(body[name]):
            raise _invalid(name, "jsonarray")
    for value in body.get("trigger") or ():
        if value not in TRIGGERS:
            raise ApiError(
                400,
                "INVALID_DATA",
                "invalid data",
                {"api_name": "trigger", "supported_values": sorted(TRIGGERS)},
            )
    if "lar_id" in body and not (isinstance(body["lar_id"], str) and body["lar_id"].isdigit()):
        raise _invalid("lar_id", "string")
    for name in ("apply_feature_execution", "skip_feature_execution"):
        features = body.get(name)
        if name in body and not (
            isinstance(features, list)
            and all(isinstance(f, dict) and _names([f.get("name")]) for f in features)
        ):
            raise _invalid(name, "jsonarray")


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _invalid(name: str, expected: str) -> ApiError:
    return ApiError(
        400, "INVALID_DATA", "invalid data", {"api_name": name, "expected_data_type": expected}
    )
