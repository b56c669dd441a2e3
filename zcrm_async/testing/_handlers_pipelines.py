"""Pipelines of the Deals layout (``/settings/pipeline?layout_id=``): stages, transfer, delete.

A pipeline's stages (its ``maps``) are values of the Deals ``Stage`` picklist; a value keeps its
id in every pipeline. The layout starts with one default pipeline, ``Standard``, holding every
stage. Deals belong to the default pipeline until a transfer moves them; a pipeline that deals
belong to, and the default one, cannot be deleted.
"""

from __future__ import annotations

from typing import Any, Final

from ._bodies import batch_reply, body_items, each, field_error, json_body
from ._errors import ApiError, required_param
from ._metadata import DEAL_STAGES
from ._org_setup import org_setup
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, success

__all__ = ["ROUTES"]

_SETTINGS: Final = "ZohoCRM.settings"
_KEY: Final = "pipeline"
#: The forecast category and type of each stage: open stages are in the pipeline.
_FORECASTS: Final = {
    "Closed Won": ("Closed", "Closed Won"),
    "Closed Lost": ("Omitted", "Closed Lost"),
}


def _stage_id(state: FakeState, value: str) -> str:
    return state.settings.meta_id(("deal_stage", value))


def _stage(state: FakeState, value: str, sequence: int) -> dict[str, Any]:
    category, kind = _FORECASTS.get(value, ("Pipeline", "Open"))
    return {
        "display_value": value,
        "actual_value": value,
        "sequence_number": sequence,
        "id": _stage_id(state, value),
        "forecast_type": kind,
        "forecast_category": {
            "name": category,
            "id": state.settings.meta_id(("forecast_category", category)),
        },
    }


def _layout(state: FakeState, call: Call) -> dict[str, dict[str, Any]]:
    """The pipelines of the ``layout_id`` parameter (the Deals layout's; seeded on first use)."""
    layout_id = call.query.get("layout_id")
    if not layout_id:
        raise required_param("layout_id")
    if layout_id != state.settings.meta_id(("layout", "Deals")):
        raise ApiError(400, "INVALID_DATA", "invalid data", {"param_name": "layout_id"})
    pipelines = org_setup(state).pipelines.setdefault(layout_id, {})
    if not pipelines:
        standard: dict[str, Any] = {
            "id": state.ids(),
            "display_value": "Standard",
            "actual_value": "Standard",
            "default": True,
            "child_available": False,
            "parent": None,
            "maps": [_stage(state, v, n) for n, v in enumerate(DEAL_STAGES, 1)],
        }
        pipelines[standard["id"]] = standard
    return pipelines


def _maps(state: FakeState, value: Any, index: int) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise field_error("MANDATORY_NOT_FOUND", "required field not found", _KEY, "maps", index)
    stages = []
    for at, item in enumerate(value):
        name = (
            item.get("display_value") or item.get("actual_value")
            if isinstance(item, dict)
            else None
        )
        if isinstance(item, dict) and name is None and item.get("id"):
            name = next((s for s in DEAL_STAGES if _stage_id(state, s) == str(item["id"])), None)
        if name not in DEAL_STAGES:
            raise RecordError(
                "INVALID_DATA",
                "invalid data",
                {"api_name": "display_value", "json_path": f"$.pipeline[{index}].maps[{at}]"},
            )
        sequence = item.get("sequence_number", at + 1)
        stages.append(_stage(state, str(name), sequence if isinstance(sequence, int) else at + 1))
    return stages


def _apply(
    state: FakeState,
    pipelines: dict[str, dict[str, Any]],
    pipeline: dict[str, Any],
    item: dict[str, Any],
    index: int,
) -> None:
    for key, value in item.items():
        if key in ("id", "actual_value", "child_available", "parent"):
            continue
        if key == "display_value":
            if not isinstance(value, str) or not value.strip():
                raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
            clash = any(
                p["display_value"].casefold() == value.casefold() and p["id"] != pipeline.get("id")
                for p in pipelines.values()
            )
            if clash:
                raise field_error("DUPLICATE_DATA", "duplicate data", _KEY, key, index)
            pipeline["display_value"] = pipeline["actual_value"] = value
        elif key == "default":
            if not isinstance(value, bool):
                raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)
            pipeline["default"] = value
        elif key == "maps":
            pipeline["maps"] = _maps(state, value, index)
        else:
            raise field_error("INVALID_DATA", "invalid data", _KEY, key, index)


def _save(pipelines: dict[str, dict[str, Any]], pipeline: dict[str, Any]) -> None:
    """Store ``pipeline``; a new default takes the flag from the others."""
    if pipeline["default"]:
        for other in pipelines.values():
            other["default"] = other["id"] == pipeline["id"]
    pipelines[pipeline["id"]] = pipeline


# -- handlers -------------------------------------------------------------------------------------


def pipelines_list(state: FakeState, call: Call) -> Reply:
    """``GET /settings/pipeline?layout_id=``."""
    return Reply(200, {_KEY: list(_layout(state, call).values())})


def pipeline_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/pipeline/{id}?layout_id=``."""
    pipeline = _layout(state, call).get(call.path["id"])
    return Reply(200, {_KEY: [pipeline]}) if pipeline else Reply(204)


def pipelines_create(state: FakeState, call: Call) -> Reply:
    """``POST /settings/pipeline?layout_id=``: each needs ``display_value`` and ``maps``; 201."""
    pipelines = _layout(state, call)

    def create(index: int, item: dict[str, Any]) -> dict[str, Any]:
        for key in ("display_value", "maps"):
            if key not in item:
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", _KEY, key, index
                )
        pipeline: dict[str, Any] = {
            "id": state.ids(),
            "default": False,
            "child_available": False,
            "parent": None,
        }
        _apply(state, pipelines, pipeline, item, index)
        _save(pipelines, pipeline)
        return success("pipeline created", {"id": pipeline["id"]})

    return batch_reply(each(body_items(call, _KEY), create, objects=True), 201, _KEY)


def _update(
    state: FakeState,
    pipelines: dict[str, dict[str, Any]],
    pipeline_id: str,
    item: dict[str, Any],
    index: int,
) -> dict[str, Any]:
    current = pipelines.get(pipeline_id)
    if current is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": pipeline_id})
    changed = dict(current)
    _apply(state, pipelines, changed, item, index)
    if current["default"] and not changed["default"]:
        raise field_error(
            "INVALID_DATA", "a layout keeps one default pipeline", _KEY, "default", index
        )
    _save(pipelines, changed)
    return success("pipeline updated", {"id": pipeline_id})


def pipelines_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/pipeline?layout_id=`` with ``id`` in each item (the OAS documents 201)."""
    pipelines = _layout(state, call)

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        if not item.get("id"):
            raise field_error("MANDATORY_NOT_FOUND", "required field not found", _KEY, "id", index)
        return _update(state, pipelines, str(item["id"]), item, index)

    return batch_reply(each(body_items(call, _KEY), update, objects=True), 201, _KEY)


def pipeline_update(state: FakeState, call: Call) -> Reply:
    """``PUT /settings/pipeline/{id}?layout_id=``."""
    pipelines = _layout(state, call)
    items = body_items(call, _KEY, limit=1)
    entries = each(
        items, lambda i, item: _update(state, pipelines, call.path["id"], item, i), objects=True
    )
    return batch_reply(entries, 200, _KEY)


def _deals_in(
    state: FakeState, pipelines: dict[str, dict[str, Any]], pipeline_id: str
) -> list[str]:
    """The deals in a pipeline (deals not moved by a transfer are in the default one)."""
    moved = org_setup(state).deal_pipelines
    default = next((p["id"] for p in pipelines.values() if p["default"]), None)
    return [d for d in state.module("Deals").records if moved.get(d, default) == pipeline_id]


def pipeline_delete(state: FakeState, call: Call) -> Reply:
    """``PATCH /settings/pipeline/{id}?layout_id=`` with ``{"pipeline": [{"_delete":
    {"permanent": true}}]}``: not the default pipeline, nor one that deals are in."""
    pipelines = _layout(state, call)
    pipeline_id = call.path["id"]
    items = body_items(call, _KEY, limit=1)

    def delete(index: int, item: dict[str, Any]) -> dict[str, Any]:
        flag = item.get("_delete")
        if not isinstance(flag, dict) or not isinstance(flag.get("permanent"), bool):
            raise field_error(
                "MANDATORY_NOT_FOUND", "required field not found", _KEY, "_delete", index
            )
        pipeline = pipelines.get(pipeline_id)
        if pipeline is None:
            raise RecordError(
                "INVALID_DATA", "the id given seems to be invalid", {"id": pipeline_id}
            )
        if pipeline["default"] or _deals_in(state, pipelines, pipeline_id):
            raise RecordError(
                "INVALID_DATA",
                "the default pipeline, or one with deals, cannot be deleted",
                {"api_name": "id", "json_path": f"$.pipeline[{index}]"},
            )
        del pipelines[pipeline_id]
        return success("pipeline deleted", {"id": pipeline_id})

    return batch_reply(each(items, delete, objects=True), 200, _KEY)


def pipelines_transfer(state: FakeState, call: Call) -> Reply:
    """``POST /settings/pipeline/actions/transfer?layout_id=``: the deals of one pipeline move
    to another, each from its stage to the stage mapped to it (done at once, as a job)."""
    pipelines = _layout(state, call)
    items = json_body(call).get("transfer_pipeline")
    if not isinstance(items, list) or not items:
        raise ApiError(
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "transfer_pipeline"},
        )

    def transfer(index: int, item: dict[str, Any]) -> dict[str, Any]:
        where = f"$.transfer_pipeline[{index}]"
        ends = item.get("pipeline")
        ends = ends if isinstance(ends, dict) else {}
        source, target = pipelines.get(str(ends.get("from"))), pipelines.get(str(ends.get("to")))
        if source is None or target is None or source is target:
            raise RecordError(
                "INVALID_DATA",
                "invalid data",
                {"api_name": "pipeline", "json_path": f"{where}.pipeline"},
            )
        stages = item.get("stages")
        mapping: dict[str, str] = {}
        source_ids = {s["id"]: s["display_value"] for s in source["maps"]}
        target_ids = {s["id"]: s["display_value"] for s in target["maps"]}
        for at, pair in enumerate(stages if isinstance(stages, list) else []):
            old = str(pair.get("from")) if isinstance(pair, dict) else ""
            new = str(pair.get("to")) if isinstance(pair, dict) else ""
            if old not in source_ids or new not in target_ids:
                details = {"api_name": "stages", "json_path": f"{where}.stages[{at}]"}
                raise RecordError("INVALID_DATA", "invalid data", details)
            mapping[source_ids[old]] = target_ids[new]
        if not mapping:
            raise RecordError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": "stages", "json_path": f"{where}.stages"},
            )
        deals = state.module("Deals")
        moved = org_setup(state).deal_pipelines
        ctx = state.write_context(call.user)
        for deal_id in _deals_in(state, pipelines, source["id"]):
            stage = deals.records[deal_id].get("Stage")
            if stage in mapping:
                deals.update(deal_id, {"Stage": mapping[stage]}, 0, ctx)
                moved[deal_id] = target["id"]
        return success("pipeline transfer scheduled", {"job_id": state.ids()})

    return batch_reply(each(items, transfer, objects=True), 200, "transfer_pipeline")


ROUTES: Final = (
    ApiRoute("/settings/pipeline/actions/transfer", {"POST": pipelines_transfer}, _SETTINGS),
    ApiRoute(
        "/settings/pipeline",
        {"GET": pipelines_list, "POST": pipelines_create, "PUT": pipelines_update},
        _SETTINGS,
    ),
    ApiRoute(
        "/settings/pipeline/{id}",
        {"GET": pipeline_get, "PUT": pipeline_update, "PATCH": pipeline_delete},
        _SETTINGS,
    ),
)
