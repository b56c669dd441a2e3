"""Helpers the entity managers (users, org taxes, roles, profiles, variables) share:
entities or dicts in, write bodies and id queries out, answers parsed into entity models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from .._entities import Entity
from .._exceptions import InvalidArgumentTypeError
from .._http._envelope import Answer
from ._base import empty_result
from ._checks import require_ids

__all__ = [
    "entity_items",
    "first_item",
    "json_body",
    "parse_items",
    "require_ids",
]

E = TypeVar("E", bound=Entity)


def entity_items(items: Iterable[Mapping[str, Any] | Entity], what: str) -> list[dict[str, Any]]:
    """Entities or dicts as JSON objects; a TypeError names the bad item."""
    out = []
    for index, item in enumerate(items):
        if isinstance(item, Entity):
            out.append(item.to_dict())
        elif isinstance(item, Mapping):
            out.append(dict(item))
        else:
            raise InvalidArgumentTypeError(
                f"{what}[{index}] is {type(item).__name__}, expected a dict"
            )
    return out


def json_body(key: str) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """The request of one write chunk: ``{key: [...]}`` as JSON."""
    return lambda chunk: {"json": {key: [dict(item) for item in chunk]}}


def parse_items(body: Any, key: str, model: type[E]) -> list[E]:
    """The ``key`` array of an answer as models (an empty list for 204)."""
    items = body.get(key) if isinstance(body, dict) else None
    return [model.from_api(item) for item in items or [] if isinstance(item, Mapping)]


def first_item(answer: Answer, key: str, model: type[E], missing: str) -> E:
    """The first item of the ``key`` array, or :class:`EmptyResultError` (Zoho answers 204)."""
    items = parse_items(answer.json(), key, model)
    if not items:
        raise empty_result(answer, "NOT_FOUND", missing)
    return items[0]
