"""Small helpers the managers share: write bodies and results, entity lists, version checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from .._exceptions import APIError, NotFoundError
from .._models import Entity, WriteResult
from ._checks import check_id

__all__ = [
    "entity_items",
    "first_item",
    "ids_query",
    "json_body",
    "parse_items",
    "require_ids",
    "single_result",
    "version_tuple",
]

E = TypeVar("E", bound=Entity)


def version_tuple(api_version: str) -> tuple[int, int]:
    """``v2.1`` as ``(2, 1)``, ``v8`` as ``(8, 0)``."""
    major, _, minor = api_version.lstrip("v").partition(".")
    return int(major), int(minor or 0)


def single_result(body: Any, key: str = "data") -> WriteResult:
    """The one result of a single-item write: ``{key: [result]}`` or a bare result object."""
    if isinstance(body, dict):
        items = body.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            return WriteResult.from_api(items[0], 0)
        if isinstance(items, dict) and "code" in items:
            return WriteResult.from_api(items, 0)
        if "code" in body and "status" in body:
            return WriteResult.from_api(body, 0)
    raise APIError(200, "UNEXPECTED_RESPONSE", f"expected a write result, got {str(body)[:200]!r}")


def entity_items(items: Iterable[Mapping[str, Any] | Entity], what: str) -> list[dict[str, Any]]:
    """Entities or dicts as JSON objects; a TypeError names the bad item."""
    out = []
    for index, item in enumerate(items):
        if isinstance(item, Entity):
            out.append(item.to_dict())
        elif isinstance(item, Mapping):
            out.append(dict(item))
        else:
            raise TypeError(f"{what}[{index}] is {type(item).__name__}, expected a dict")
    return out


def require_ids(items: Sequence[Mapping[str, Any]], what: str) -> None:
    """Every item of an update names its ``id``."""
    for index, item in enumerate(items):
        check_id(item.get("id"), f"{what}[{index}]['id']")


def json_body(key: str) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """The request of one write chunk: ``{key: [...]}`` as JSON."""
    return lambda chunk: {"json": {key: [dict(item) for item in chunk]}}


def ids_query(chunk: Sequence[Any]) -> dict[str, Any]:
    """The request of one delete chunk: ``?ids=a,b``."""
    return {"params": {"ids": ",".join(chunk)}}


def parse_items(body: Any, key: str, model: type[E]) -> list[E]:
    """The ``key`` array of an answer as models (an empty list for 204)."""
    items = body.get(key) if isinstance(body, dict) else None
    return [model.from_api(item) for item in items or [] if isinstance(item, Mapping)]


def first_item(body: Any, key: str, model: type[E], missing: str) -> E:
    """The first item of the ``key`` array, or :class:`NotFoundError` (Zoho answers 204)."""
    items = parse_items(body, key, model)
    if not items:
        raise NotFoundError(204, "NOT_FOUND", missing)
    return items[0]
