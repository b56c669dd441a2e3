"""CRM API endpoints as functions of ``(FakeState, Call) -> Reply``, and the route table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from ._errors import ApiError, invalid_param, limit_exceeded
from ._handlers_bulk import ROUTES as BULK_UPLOAD_ROUTES
from ._handlers_coql import ROUTES as COQL_ROUTES
from ._handlers_metadata import ROUTES as METADATA_ROUTES
from ._handlers_notes import ROUTES as NOTES_ROUTES
from ._handlers_org import ROUTES as ORG_ROUTES
from ._handlers_records import FALLBACK_ROUTES as RELATED_ROUTES
from ._handlers_records import ROUTES as RECORD_ACTION_ROUTES
from ._handlers_tags import ROUTES as TAGS_ROUTES
from ._handlers_users import ROUTES as USERS_ROUTES
from ._listing import (
    fields_param,
    ids_param,
    list_window,
    modified_since,
    search_matcher,
    sorted_records,
)
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute, Handler
from ._state import Call, FakeState, Reply
from ._store import ModuleStore, RecordError

__all__ = ["API_ROUTES", "ApiRoute", "Handler"]


# -- shared helpers -------------------------------------------------------------------------------


def _no_content(status: int = 204) -> Reply:
    return Reply(status)


def _json_body(call: Call) -> dict[str, Any]:
    body = call.payload
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject"})
    return body


def _data_items(state: FakeState, call: Call) -> tuple[dict[str, Any], list[Any]]:
    """The body and its ``data`` array (mandatory, a non-empty list of at most 100 items)."""
    body = _json_body(call)
    data = body.get("data")
    if data is None or data == []:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "data"})
    if not isinstance(data, list):
        raise ApiError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"api_name": "data", "expected_data_type": "jsonarray"},
        )
    limit = state.limits.max_write_records
    if len(data) > limit:
        raise limit_exceeded(limit, "Record count exceeded", api_name="data")
    return body, data


def _each(
    items: Iterable[Any], write: Callable[[int, Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    entries = []
    for index, item in enumerate(items):
        try:
            entries.append(write(index, item))
        except RecordError as error:
            entries.append(error.entry)
    return entries


def _batch_reply(entries: list[dict[str, Any]], all_ok: int) -> Reply:
    """All succeeded: ``all_ok``; some: 207 Multi-Status; none: 400, same ``data`` array."""
    succeeded = sum(entry["status"] == "success" for entry in entries)
    status = all_ok if succeeded == len(entries) else 207 if succeeded else 400
    return Reply(status, {"data": entries})


def _store(state: FakeState, call: Call) -> ModuleStore:
    return state.module(call.path["module"])


# -- users, org, metadata -------------------------------------------------------------------------


def org_get(state: FakeState, call: Call) -> Reply:
    """``GET /org``."""
    return Reply(200, {"org": [state.directory.org]})


# -- records: reads -------------------------------------------------------------------------------


def record_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}``.

    An unknown id answers 204 No Content: the classic SDKs map exactly that status to "the given
    id seems to be invalid" (reference/official-sdks.md, 204), so that is what Zoho sends.
    """
    store = _store(state, call)
    record = store.records.get(call.path["id"])
    return Reply(200, {"data": [store.view(record)]}) if record else _no_content()


def records_list(state: FakeState, call: Call) -> Reply:
    """``GET /{module}``: fields, ids, cvid, sort, If-Modified-Since, page / page_token."""
    store = _store(state, call)
    fields = fields_param(call, store, state.limits, required=call.uses_page_tokens)
    if "cvid" in call.query and "sort_by" in call.query:
        raise ApiError(
            400,
            "AMBIGUITY_DURING_PROCESSING",
            "cvid and sort_by cannot be used together",
            {"ambiguity_due_to": ["cvid", "sort_by"]},
        )
    # cvid: the fake has no custom views beyond "all records", so any cvid lists everything.
    records = list(store.records.values())
    ids = ids_param(call, state.limits.max_list_ids, required=False)
    if ids is not None:
        records = [r for r in records if r["id"] in ids]
    since = modified_since(call)
    if since is not None:
        records = [r for r in records if _parse_time(r["Modified_Time"]) > since]
        if not records:
            return _no_content(304)
    ordered, sort_by, sort_order = sorted_records(call, records)
    binding = _binding(call)
    window = list_window(state, call, binding)
    items, more = take(ordered, window)
    if not items:
        return _no_content()
    info = basic_info(window, len(items), more)
    if call.uses_page_tokens:
        token, expiry = (
            state.page_tokens.issue(binding, window.offset + window.per_page)
            if more
            else (None, None)
        )
        info.update(
            sort_by=sort_by,
            sort_order=sort_order,
            next_page_token=token,
            previous_page_token=None,
            page_token_expiry=expiry,
        )
    return Reply(200, {"data": [store.view(r, fields) for r in items], "info": info})


def _binding(call: Call) -> tuple[Any, ...]:
    """What a page_token is bound to: the user, the module and every other parameter."""
    params = sorted((k, v) for k, v in call.query.items() if k not in ("page", "page_token"))
    return call.user["id"], call.path["module"], tuple(params)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def records_search(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/search`` with criteria, email, phone or word (in that precedence)."""
    store = _store(state, call)
    matcher = search_matcher(call, store, state.limits)
    if matcher is None:
        raise ApiError(400, "EXPECTED_PARAM_MISSING", "mandatory param missing", {})
    fields = fields_param(call, store, state.limits, required=False)
    window = page_window(call.query, state.limits)
    limit = state.limits.max_search_results
    if window.offset + window.per_page > limit:
        raise ApiError(
            400, "LIMIT_REACHED", "Maximum response iteration limit reached", {"limit": limit}
        )
    # Search answers in creation order; Zoho documents no sort parameters for it.
    found = [r for r in store.records.values() if matcher(r)]
    items, more = take(found, window)
    if not items:
        return _no_content()
    info = basic_info(window, len(items), more)
    return Reply(200, {"data": [store.view(r, fields) for r in items], "info": info})


def records_count(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/actions/count`` with optional criteria/email/phone/word."""
    store = _store(state, call)
    matcher = search_matcher(call, store, state.limits)
    if matcher is not None and "cvid" in call.query:
        raise ApiError(
            400,
            "AMBIGUITY_DURING_PROCESSING",
            "cvid cannot be combined with search parameters",
            {"ambiguity_due_to": ["cvid", "criteria"]},
        )
    records = store.records.values()
    count = sum(1 for r in records if matcher is None or matcher(r))
    return Reply(200, {"count": count})


def records_deleted(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/deleted?type=all|recycle|permanent``, newest first, If-Modified-Since.

    Deletions go to the recycle bin.
    """
    store = _store(state, call)
    kind = call.query.get("type", "all")
    if kind not in ("all", "recycle", "permanent"):
        raise invalid_param("type", supported_values=["all", "recycle", "permanent"])
    entries = [
        {k: v for k, v in entry.items() if k != "record"}
        for entry in reversed(store.deleted)
        if kind in ("all", entry["type"])
    ]
    since = modified_since(call)  # the OAS documents If-Modified-Since here too
    if since is not None:
        entries = [e for e in entries if _parse_time(e["deleted_time"]) > since]
        if not entries:
            return _no_content(304)
    window = page_window(call.query, state.limits)
    items, more = take(entries, window)
    if not items:
        return _no_content()
    return Reply(200, {"data": items, "info": basic_info(window, len(items), more)})


# -- records: writes ------------------------------------------------------------------------------


def records_insert(state: FakeState, call: Call) -> Reply:
    """``POST /{module}``: 201 when all are added."""
    store = _store(state, call)
    _, items = _data_items(state, call)
    ctx = state.write_context(call.user)
    return _batch_reply(_each(items, lambda i, item: store.insert(item, i, ctx)), 201)


def records_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}`` with ``id`` in each item."""
    store = _store(state, call)
    _, items = _data_items(state, call)
    ctx = state.write_context(call.user)

    def update(index: int, item: Any) -> dict[str, Any]:
        record_id = item.get("id") if isinstance(item, dict) else None
        if not record_id:
            raise RecordError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": "id", "json_path": f"$.data[{index}].id"},
            )
        return store.update(str(record_id), item, index, ctx)

    return _batch_reply(_each(items, update), 200)


def record_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}/{id}``: every item updates the record named in the path."""
    store = _store(state, call)
    _, items = _data_items(state, call)
    ctx = state.write_context(call.user)
    record_id = call.path["id"]
    return _batch_reply(_each(items, lambda i, item: store.update(record_id, item, i, ctx)), 200)


def records_upsert(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/upsert``.

    Zoho's status for upsert is unclear (reference §8 item 4): 201 when every item was
    inserted, 200 as soon as one updated an existing record, 207/400 as for other writes.
    """
    store = _store(state, call)
    body, items = _data_items(state, call)
    check_fields = _duplicate_check_fields(store, body)
    ctx = state.write_context(call.user)

    def upsert(index: int, item: Any) -> dict[str, Any]:
        for api_name in check_fields:
            value = item.get(api_name) if isinstance(item, dict) else None
            match = store.find(api_name, value) if value not in (None, "") else None
            if match is not None:
                entry = store.update(match["id"], item, index, ctx)
                entry.update(action="update", duplicate_field=api_name)
                return entry
        entry = store.insert(item, index, ctx)
        entry.update(action="insert", duplicate_field=None)
        return entry

    entries = _each(items, upsert)
    inserted_only = all(e.get("action") == "insert" for e in entries if e["status"] == "success")
    return _batch_reply(entries, 201 if inserted_only else 200)


def _duplicate_check_fields(store: ModuleStore, body: dict[str, Any]) -> tuple[str, ...]:
    """The body's ``duplicate_check_fields``, else the module's defaults then unique fields."""
    given = body.get("duplicate_check_fields")
    if given is None:
        defaults = store.spec.duplicate_check_fields
        return defaults + tuple(f for f in store.unique_fields if f not in defaults)
    if not isinstance(given, list) or not all(isinstance(f, str) for f in given):
        raise ApiError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"api_name": "duplicate_check_fields", "expected_data_type": "jsonarray"},
        )
    for name in given:
        if name not in store.spec.by_name:
            raise ApiError(
                400,
                "INVALID_DATA",
                "invalid data",
                {"api_name": name, "json_path": "$.duplicate_check_fields"},
            )
    return tuple(given)


def records_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}?ids=a,b`` (at most 100; ``wf_trigger`` accepted and ignored)."""
    store = _store(state, call)
    ids = ids_param(call, state.limits.max_delete_ids, required=True) or []
    return _batch_reply(_each(ids, lambda _, record_id: store.delete(record_id, call.user)), 200)


def record_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}``."""
    store = _store(state, call)
    record_id = call.path["id"]
    return _batch_reply(_each([record_id], lambda _, rid: store.delete(rid, call.user)), 200)


# -- the route table (literal paths before templated ones; the first path match wins) -------------

_MODULES_SCOPE = "ZohoCRM.modules"

API_ROUTES: tuple[ApiRoute, ...] = (
    *USERS_ROUTES,
    ApiRoute("/org", {"GET": org_get}, "ZohoCRM.org"),
    *ORG_ROUTES,
    *METADATA_ROUTES,
    *COQL_ROUTES,
    *BULK_UPLOAD_ROUTES,
    *TAGS_ROUTES,
    *NOTES_ROUTES,
    *RECORD_ACTION_ROUTES,
    ApiRoute("/{module}/actions/count", {"GET": records_count}, _MODULES_SCOPE),
    ApiRoute("/{module}/search", {"GET": records_search}, _MODULES_SCOPE),
    ApiRoute("/{module}/deleted", {"GET": records_deleted}, _MODULES_SCOPE),
    ApiRoute("/{module}/upsert", {"POST": records_upsert}, _MODULES_SCOPE),
    ApiRoute(
        "/{module}/{id}",
        {"GET": record_get, "PUT": record_update, "DELETE": record_delete},
        _MODULES_SCOPE,
    ),
    ApiRoute(
        "/{module}",
        {
            "GET": records_list,
            "POST": records_insert,
            "PUT": records_update,
            "DELETE": records_delete,
        },
        _MODULES_SCOPE,
    ),
    *RELATED_ROUTES,
)
