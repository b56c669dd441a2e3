"""Query-parameter parsing shared by the record list, search, count and deleted endpoints."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Any

from ._criteria import count_conditions, matches, parse_criteria
from ._errors import ApiError, invalid_param, limit_exceeded, required_param
from ._limits import Limits
from ._metadata import FieldSpec
from ._pagination import Window, int_param, page_window
from ._state import Call, FakeState
from ._store import ModuleStore

__all__ = [
    "Matcher",
    "fields_param",
    "ids_param",
    "list_window",
    "modified_since",
    "search_matcher",
    "sort_params",
]

Matcher = Callable[[dict[str, Any]], bool]
SORTABLE = ("id", "Created_Time", "Modified_Time")
_WORD_TYPES = frozenset({"text", "textarea", "email", "phone", "website", "picklist"})


def fields_param(
    call: Call, store: ModuleStore, limits: Limits, *, required: bool
) -> list[str] | None:
    """``fields``: a comma list of at most 50 known API names (mandatory for lists from v3)."""
    raw = call.query.get("fields", "")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names:
        if required:
            raise required_param("fields")
        return None
    if len(names) > limits.max_fields:
        raise limit_exceeded(limits.max_fields, "Max field limit exceeded", param="fields")
    for name in names:
        if name not in ("id", "Tag") and name not in store.spec.by_name:
            raise invalid_param("fields", api_name=name)
    return names


def ids_param(call: Call, limit: int, *, required: bool) -> list[str] | None:
    """``ids``: a comma list of record ids."""
    ids = [i.strip() for i in call.query.get("ids", "").split(",") if i.strip()]
    if not ids:
        if required:
            raise required_param("ids")
        return None
    if len(ids) > limit:
        raise limit_exceeded(limit, "Record count exceeded", param="ids")
    return ids


def sort_params(
    call: Call, sortable: tuple[str, ...] = SORTABLE, default: str = "id"
) -> tuple[str, str]:
    """``sort_by`` (one of ``sortable``, ``default`` if absent) and ``sort_order`` (default
    desc), checked."""
    sort_by = call.query.get("sort_by", default)
    sort_order = call.query.get("sort_order", "desc")
    if sort_by not in sortable:
        raise invalid_param("sort_by", supported_values=list(sortable))
    if sort_order not in ("asc", "desc"):
        raise invalid_param("sort_order", supported_values=["asc", "desc"])
    return sort_by, sort_order


def modified_since(call: Call) -> datetime | None:
    """The ``If-Modified-Since`` header as an aware datetime (400 if it is not ISO-8601)."""
    raw = call.headers.get("if-modified-since")
    if not raw:
        return None
    try:
        since = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400, "INVALID_DATA", "invalid data", {"header": "If-Modified-Since"}
        ) from None
    if since.tzinfo is None:
        raise ApiError(400, "INVALID_DATA", "invalid data", {"header": "If-Modified-Since"})
    return since


def list_window(state: FakeState, call: Call, binding: tuple[Any, ...]) -> Window:
    """The slice a list request asks for, by ``page`` or (v3+) by ``page_token``."""
    limits = state.limits
    token = call.query.get("page_token") if call.uses_page_tokens else None
    # v2/v2.1 have no page_token (it is ignored like any unknown parameter) and, since the v2
    # docs offer no way past it, no 2,000-record cap either.
    if token:
        if "page" in call.query:
            raise ApiError(
                400,
                "AMBIGUITY_DURING_PROCESSING",
                "page and page_token cannot be used together",
                {"ambiguity_due_to": ["page", "page_token"]},
            )
        per_page = min(int_param(call.query, "per_page", limits.max_per_page), limits.max_per_page)
        window = Window(state.page_tokens.resolve(token, binding), per_page)
    else:
        window = page_window(call.query, limits)
        end = window.offset + window.per_page
        if call.uses_page_tokens and end > limits.max_records_by_page:
            raise ApiError(
                400,
                "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                f"page and per_page reach past the first {limits.max_records_by_page} records; "
                "use page_token",
                {"limit": limits.max_records_by_page},
            )
    if call.uses_page_tokens and window.offset >= limits.max_records_by_token:
        raise ApiError(
            400,
            "PAGINATION_LIMIT_EXCEEDED",
            f"records past the first {limits.max_records_by_token} cannot be fetched",
            {"limit": limits.max_records_by_token},
        )
    return window


def search_matcher(call: Call, store: ModuleStore, limits: Limits) -> Matcher | None:
    """A predicate from ``criteria`` > ``email`` > ``phone`` > ``word`` (None if none given)."""
    query, spec = call.query, store.spec
    if query.get("criteria"):
        group = parse_criteria(query["criteria"], spec, version=call.version_tuple)
        if count_conditions(group) > limits.max_criteria:
            raise limit_exceeded(limits.max_criteria, "criteria limit exceeded", param="criteria")
        return lambda record: matches(group, record, spec)
    if query.get("email"):
        return _any_field(
            spec.fields, {"email"}, lambda v: v.casefold() == query["email"].casefold()
        )
    if query.get("phone"):
        wanted = _digits(query["phone"])
        return _any_field(spec.fields, {"phone"}, lambda v: _digits(v) == wanted)
    if "word" in query:
        word = query["word"].casefold()
        if len(word) < 2 or not re.fullmatch(r"[\w .@-]+", word):
            raise invalid_param("word")
        return _any_field(spec.fields, _WORD_TYPES, lambda v: word in v.casefold())
    return None


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _any_field(
    fields: Iterable[FieldSpec], data_types: Collection[str], test: Callable[[str], bool]
) -> Matcher:
    names = [f.api_name for f in fields if f.data_type in data_types]
    return lambda record: any(isinstance(record.get(n), str) and test(record[n]) for n in names)
