"""Request bodies in, batch answers out: the helpers every handler module shares.

Zoho's writes take an array under one key (``data``, ``users``, ``taxes``, ``tags``...) and
answer one entry per item at the item's index: ``SUCCESS`` or that item's error. The status says
how the batch went: all succeeded (201 for a create, 200 otherwise), some (207 Multi-Status) or
none (400, with the same array).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ._errors import ApiError, limit_exceeded
from ._state import Call, Reply
from ._store import RecordError

__all__ = ["batch_reply", "body_items", "each", "field_error", "json_body", "only_object"]


def json_body(call: Call) -> dict[str, Any]:
    """The request's JSON object (400 ``INVALID_DATA`` when the body is not one)."""
    body = call.payload
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject"})
    return body


def only_object(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The single JSON object of ``body[key]``, which must be a one-item array."""
    items = body.get(key)
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        details = {"api_name": key, "expected_data_type": "jsonarray"}
        raise ApiError(400, "INVALID_DATA", "invalid data", details)
    item: dict[str, Any] = items[0]
    return item


def body_items(call: Call, key: str = "data", limit: int = 100) -> list[Any]:
    """The non-empty ``key`` array of the JSON body, at most ``limit`` items."""
    items = json_body(call).get(key)
    if items is None or items == []:
        raise ApiError(400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": key})
    if not isinstance(items, list):
        raise ApiError(
            400,
            "INVALID_DATA",
            "invalid data",
            {"api_name": key, "expected_data_type": "jsonarray"},
        )
    if len(items) > limit:
        raise limit_exceeded(limit, "Record count exceeded", api_name=key)
    return items


def each(
    items: Iterable[Any], write: Callable[[int, Any], dict[str, Any]], *, objects: bool = False
) -> list[dict[str, Any]]:
    """``write(index, item)`` for each item; a :class:`RecordError` becomes its error entry.

    ``objects``: every item must be a JSON object (an array of ids need not).
    """
    entries = []
    for index, item in enumerate(items):
        try:
            if objects and not isinstance(item, dict):
                raise RecordError(
                    "INVALID_DATA",
                    "invalid data",
                    {"expected_data_type": "jsonobject", "json_path": f"$[{index}]"},
                )
            entries.append(write(index, item))
        except RecordError as error:
            entries.append(error.entry)
    return entries


def batch_reply(entries: list[dict[str, Any]], all_ok: int, key: str = "data") -> Reply:
    """All succeeded: ``all_ok``; some: 207 Multi-Status; none: 400 — the same ``{key: [...]}``."""
    succeeded = sum(entry["status"] == "success" for entry in entries)
    status = all_ok if succeeded == len(entries) else 207 if succeeded else 400
    return Reply(status, {key: entries})


def field_error(code: str, message: str, key: str, api_name: str, index: int) -> RecordError:
    """A per-item error about one key of item ``index`` of the body's ``key`` array."""
    return RecordError(
        code, message, {"api_name": api_name, "json_path": f"$.{key}[{index}].{api_name}"}
    )
