"""Records of a module: get, list, search, count, deleted; insert, update, upsert, delete."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import Any

from ._bodies import batch_reply, body_items, each, json_body
from ._errors import ApiError, invalid_param
from ._external_ids import external_field, resolve_id, resolve_item_lookups
from ._listing import (
    fields_param,
    ids_param,
    list_window,
    modified_since,
    search_matcher,
    sort_params,
)
from ._order import RecordOrder
from ._pagination import basic_info, page_window, take
from ._record_params import check_write_options, read_filter
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import ModuleStore, RecordError

__all__ = ["ROUTES", "record_delete", "record_get", "records_delete", "records_list"]


def _store(state: FakeState, call: Call) -> ModuleStore:
    return state.module(call.path["module"])


# -- records: reads -------------------------------------------------------------------------------


def record_get(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}``.

    An unknown id answers 204 No Content: Zoho's classic SDKs read exactly that status as "the
    given id seems to be invalid", so that is what Zoho sends.
    """
    store = _store(state, call)
    record_id = resolve_id(state, call, call.path["module"], call.path["id"])
    record = store.records.get(record_id) if record_id is not None else None
    keep = read_filter(state, call, store, defaults=False)
    if record is None or (keep is not None and not keep(record)):
        return Reply(204)
    fields = fields_param(call, store, state.limits, required=False)
    return Reply(200, {"data": [store.view(record, fields)]})


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
    sort_by, sort_order = sort_params(call)
    field = None if sort_by == "id" else sort_by
    descending = sort_order == "desc"
    ids = ids_param(call, state.limits.max_list_ids, required=False)
    if ids is not None:
        ids = [i for i in (resolve_id(state, call, store.spec.api_name, i) for i in ids) if i]
    since = modified_since(call)
    keep = read_filter(state, call, store)
    binding = _binding(call)
    if ids is None and since is None and keep is None:  # the whole module: a kept order
        window = list_window(state, call, binding)
        items = store.page(field, window.offset, window.per_page, descending=descending)
        total = len(store.records)
    else:
        chosen: Iterable[dict[str, Any]] = store.records.values()
        if ids is not None:
            chosen = [store.records[i] for i in dict.fromkeys(ids) if i in store.records]
        if keep is not None:
            chosen = [r for r in chosen if keep(r)]
        if since is not None:
            chosen = [r for r in chosen if _parse_time(r["Modified_Time"]) > since]
            if not chosen:
                return Reply(304)
        order = RecordOrder(field, chosen)
        window = list_window(state, call, binding)
        page_ids = order.window(window.offset, window.per_page, descending=descending)
        items, total = [store.records[i] for i in page_ids], len(order)
    more = window.offset + window.per_page < total
    if not items:
        return Reply(204)
    info = basic_info(window, len(items), more)
    if call.uses_page_tokens:
        token, expiry = (
            state.page_tokens.issue(binding, window.offset + window.per_page)
            if more
            else (None, None)
        )
        # A token for the page before this one; null on the first page (as Zoho's sample).
        previous = (
            state.page_tokens.issue(binding, max(0, window.offset - window.per_page))[0]
            if window.offset > 0
            else None
        )
        info.update(
            sort_by=sort_by,
            sort_order=sort_order,
            next_page_token=token,
            previous_page_token=previous,
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
    # Search answers in creation order; Zoho documents no sort parameters for it. Matching stops
    # one record past the page: that one only tells whether more follow.
    end = window.offset + window.per_page
    keep = read_filter(state, call, store)
    matching = (r for r in store.records.values() if matcher(r) and (keep is None or keep(r)))
    found = list(islice(matching, end + 1))
    items, more = found[window.offset : end], len(found) > end
    if not items:
        return Reply(204)
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
    count = len(records) if matcher is None else sum(1 for r in records if matcher(r))
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
            return Reply(304)
    window = page_window(call.query, state.limits)
    items, more = take(entries, window)
    if not items:
        return Reply(204)
    return Reply(200, {"data": items, "info": basic_info(window, len(items), more)})


# -- records: writes ------------------------------------------------------------------------------


def records_insert(state: FakeState, call: Call) -> Reply:
    """``POST /{module}``: 201 when all are added."""
    store = _store(state, call)
    items = _write_items(state, call)
    ctx = state.write_context(call.user)
    module = store.spec.api_name

    def insert(index: int, item: Any) -> dict[str, Any]:
        return store.insert(resolve_item_lookups(state, call, module, item, index), index, ctx)

    return batch_reply(each(items, insert), 201)


def _write_items(state: FakeState, call: Call) -> list[Any]:
    """The ``data`` items of a write, its automation options checked."""
    items = body_items(call, limit=state.limits.max_write_records)
    check_write_options(json_body(call))
    return items


def records_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}`` with ``id`` in each item."""
    store = _store(state, call)
    items = _write_items(state, call)
    ctx = state.write_context(call.user)
    module = store.spec.api_name
    key = external_field(state, call, module) or "id"

    def update(index: int, item: Any) -> dict[str, Any]:
        given = item.get(key) if isinstance(item, dict) else None
        if not given:
            raise RecordError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": key, "json_path": f"$.data[{index}].{key}"},
            )
        record_id = resolve_id(state, call, module, str(given)) or str(given)
        item = resolve_item_lookups(state, call, module, item, index)
        return store.update(record_id, item, index, ctx)

    return batch_reply(each(items, update), 200)


def record_update(state: FakeState, call: Call) -> Reply:
    """``PUT /{module}/{id}``: every item updates the record named in the path."""
    store = _store(state, call)
    items = _write_items(state, call)
    ctx = state.write_context(call.user)
    module = store.spec.api_name
    record_id = resolve_id(state, call, module, call.path["id"]) or call.path["id"]

    def update(index: int, item: Any) -> dict[str, Any]:
        item = resolve_item_lookups(state, call, module, item, index)
        return store.update(record_id, item, index, ctx)

    return batch_reply(each(items, update), 200)


def records_upsert(state: FakeState, call: Call) -> Reply:
    """``POST /{module}/upsert``.

    Zoho's status for upsert is not documented clearly: 201 when every item was
    inserted, 200 as soon as one updated an existing record, 207/400 as for other writes.
    """
    store = _store(state, call)
    body = json_body(call)
    items = _write_items(state, call)
    check_fields = _duplicate_check_fields(store, body)
    module = store.spec.api_name
    external = external_field(state, call, module)
    if external is not None:  # the external field is matched first
        check_fields = (external, *(f for f in check_fields if f != external))
    ctx = state.write_context(call.user)

    def upsert(index: int, item: Any) -> dict[str, Any]:
        item = resolve_item_lookups(state, call, module, item, index)
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

    entries = each(items, upsert)
    inserted_only = all(e.get("action") == "insert" for e in entries if e["status"] == "success")
    return batch_reply(entries, 201 if inserted_only else 200)


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
    module = store.spec.api_name

    def delete(index: int, given: str) -> dict[str, Any]:
        return store.delete(resolve_id(state, call, module, given) or given, call.user)

    return batch_reply(each(ids, delete), 200)


def record_delete(state: FakeState, call: Call) -> Reply:
    """``DELETE /{module}/{id}``."""
    store = _store(state, call)
    given = call.path["id"]
    record_id = resolve_id(state, call, store.spec.api_name, given) or given
    return batch_reply(each([record_id], lambda _, rid: store.delete(rid, call.user)), 200)


_MODULES_SCOPE = "ZohoCRM.modules"

#: The generic ``/{module}...`` routes: after every literal path, before the related lists.
ROUTES: tuple[ApiRoute, ...] = (
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
)
