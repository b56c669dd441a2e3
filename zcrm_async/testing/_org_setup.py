"""The org's set-up beside its records: currencies, pipelines, territories, user groups, merges
and mass-action jobs; with the helpers their handlers share (JSON criteria, custom views, the
API version an endpoint appeared in)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from ._directory import user_ref
from ._errors import ApiError, invalid_param, limit_exceeded
from ._state import Call, FakeState
from ._store import ModuleStore, now_iso

__all__ = [
    "OrgSetup",
    "api_since",
    "body_ids",
    "criteria_matcher",
    "descendants",
    "ids_of",
    "in_territory",
    "job_status",
    "org_setup",
    "plain_ref",
    "view_records",
]

#: How the mass actions' job status answers count, by action.
_JOB_COUNTS: Final = {
    "mass_change_owner": ("Updated_Count", "Not_Updated_Count"),
    "mass_delete": ("Deleted_Count", None),
    "mass_convert": ("Converted_Count", "Not_Converted_Count"),
}


@dataclass
class OrgSetup:
    """What the org-set-up endpoints keep; made on first use, dropped by a reset."""

    #: currency id -> currency JSON (empty while multi-currency is off)
    currencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: layout id -> pipeline id -> pipeline JSON
    pipelines: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: deal id -> pipeline id, for deals moved out of their layout's default pipeline
    deal_pipelines: dict[str, str] = field(default_factory=dict)
    #: territory id -> territory JSON
    territories: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: territory id -> ids of its users
    territory_users: dict[str, list[str]] = field(default_factory=dict)
    #: deleted territories that had records or users
    deleted_territories: list[dict[str, Any]] = field(default_factory=list)
    #: user group id -> group JSON
    user_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: (action, job id) -> status JSON of a mass action's (or a group deletion's) job
    jobs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: merge job id -> merge JSON; and master record id -> its latest merge job id
    merges: dict[str, dict[str, Any]] = field(default_factory=dict)
    latest_merge: dict[str, str] = field(default_factory=dict)


def _new_setup(state: FakeState) -> OrgSetup:
    setup = OrgSetup()
    admin = next(iter(state.directory.users.values()))
    root_id = state.ids()
    now = now_iso()
    setup.territories[root_id] = {
        "id": root_id,
        "name": state.directory.org["company_name"],
        "api_name": "Root_Territory",
        "description": None,
        "permission_type": "read_write_delete",
        "manager": None,
        "reporting_to": None,
        "account_rule_criteria": None,
        "deal_rule_criteria": None,
        "lead_rule_criteria": None,
        "created_by": user_ref(admin, email=False),
        "modified_by": user_ref(admin, email=False),
        "created_time": now,
        "modified_time": now,
    }
    setup.territory_users[root_id] = []
    return setup


def org_setup(state: FakeState) -> OrgSetup:
    """The org set-up of one fake (made on first use)."""
    return state.part(_new_setup)


def api_since(call: Call, version: tuple[int, int]) -> None:
    """400 ``API_NOT_SUPPORTED`` for an endpoint Zoho added in ``version`` (e.g. v4)."""
    if call.version_tuple < version:
        supported = float(f"{version[0]}.{version[1]}")
        raise ApiError(
            400,
            "API_NOT_SUPPORTED",
            "the api is not supported in this version",
            {"supported_version": supported},
        )


def body_ids(value: Any, limit: int) -> list[Any]:
    """The ``ids`` array of a JSON body: not empty, at most ``limit`` (400 naming ``ids``)."""
    if not isinstance(value, list) or not value:
        details = {"api_name": "ids", "json_path": "$.ids"}
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", details)
    if len(value) > limit:
        raise limit_exceeded(limit, "Record count exceeded", api_name="ids")
    return value


def plain_ref(item: dict[str, Any], name_key: str = "name") -> dict[str, Any]:
    """``{"name", "id"}`` of an item."""
    return {"name": item.get(name_key), "id": item["id"]}


# -- JSON criteria (``filters`` of the set-up lists, a mass action's ``criteria``) -----------------

_COMPARATORS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "equal": lambda a, b: _text(a) == _text(b),
    "not_equal": lambda a, b: _text(a) != _text(b),
    "contains": lambda a, b: _text(b) in _text(a),
    "not_contains": lambda a, b: _text(b) not in _text(a),
    "starts_with": lambda a, b: _text(a).startswith(_text(b)),
    "ends_with": lambda a, b: _text(a).endswith(_text(b)),
    "in": lambda a, b: _text(a) in {_text(v) for v in (b if isinstance(b, list) else [b])},
    "not_in": lambda a, b: _text(a) not in {_text(v) for v in (b if isinstance(b, list) else [b])},
    "greater_than": lambda a, b: a is not None and str(a) > str(b),
    "less_than": lambda a, b: a is not None and str(a) < str(b),
}


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("name", value.get("api_name", value.get("id")))
    return "" if value is None else str(value).casefold()


def criteria_matcher(
    raw: Any, value_of: Callable[[dict[str, Any], str], Any], param: str = "filters"
) -> Callable[[dict[str, Any]], bool]:
    """A predicate for a criteria object (text JSON or already decoded): ``{"field":
    {"api_name"}, "comparator", "value"}`` or ``{"group_operator": "AND"|"OR", "group": [...]}``.

    ``value_of(item, api_name)`` reads a field of the items matched. A malformed object is 400
    ``INVALID_DATA`` naming ``param``.
    """
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise invalid_param(param, expected_data_type="jsonobject") from None
    if not isinstance(raw, dict):
        raise invalid_param(param, expected_data_type="jsonobject")
    if "group" in raw:
        group = raw.get("group")
        join = str(raw.get("group_operator") or "AND").upper()
        if not isinstance(group, list) or not group or join not in ("AND", "OR"):
            raise invalid_param(param, api_name="group")
        parts = [criteria_matcher(g, value_of, param) for g in group]
        if join == "AND":
            return lambda item: all(p(item) for p in parts)
        return lambda item: any(p(item) for p in parts)
    field_ref, comparator = raw.get("field"), raw.get("comparator")
    api_name = field_ref.get("api_name") if isinstance(field_ref, dict) else None
    compare = _COMPARATORS.get(str(comparator))
    if not isinstance(api_name, str) or compare is None:
        raise invalid_param(param, api_name="comparator" if api_name else "field")
    wanted = raw.get("value")
    return lambda item: compare(value_of(item, api_name), wanted)


# -- custom views and jobs ------------------------------------------------------------------------


def view_records(
    state: FakeState, store: ModuleStore, cvid: Any, user: dict[str, Any]
) -> list[dict[str, Any]]:
    """The records of one of the module's custom views (``My ...`` views: the user's own)."""
    views = {
        state.settings.meta_id(("custom_view", store.spec.api_name, name)): name
        for name in ("ALLVIEWS", "MYVIEWS", "RECENTLYCREATED")
    }
    name = views.get(str(cvid))
    if name is None:
        raise ApiError(
            400,
            "INVALID_DATA",
            "the cvid given seems to be invalid",
            {"api_name": "cvid", "json_path": "$.cvid"},
        )
    records = list(store.records.values())
    if name == "MYVIEWS":
        records = [r for r in records if (r.get("Owner") or {}).get("id") == user["id"]]
    return records


def in_territory(
    setup: OrgSetup, record: dict[str, Any], territory_id: str, include_child: bool
) -> bool:
    """Whether a record belongs to a territory (or, with ``include_child``, one below it)."""
    wanted = {territory_id}
    if include_child:
        wanted |= descendants(setup, territory_id)
    return any(t.get("id") in wanted for t in record.get("Territories") or [])


def descendants(setup: OrgSetup, territory_id: str) -> set[str]:
    """The ids of every territory below one."""
    found: set[str] = set()
    frontier = [territory_id]
    while frontier:
        parent = frontier.pop()
        for child in setup.territories.values():
            ref = child.get("reporting_to")
            if isinstance(ref, dict) and ref.get("id") == parent and child["id"] not in found:
                found.add(child["id"])
                frontier.append(child["id"])
    return found


def job_status(action: str, total: int, done: int) -> dict[str, Any]:
    """The status JSON of a finished mass action job: ``done`` of ``total`` records."""
    ok_key, pending_key = _JOB_COUNTS[action]
    status: dict[str, Any] = {"Status": "COMPLETED", "Failed_Count": total - done, ok_key: done}
    if pending_key is not None:
        status[pending_key] = 0
    status["Total_Count"] = total
    return status


def ids_of(items: Iterable[dict[str, Any]]) -> list[str]:
    """The ``id`` of each item."""
    return [str(item["id"]) for item in items]
