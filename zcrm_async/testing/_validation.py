"""Checking and normalising one field value of a write, per the field's ``data_type``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

from ._metadata import FieldSpec

__all__ = ["FILE_TYPES", "FieldError", "FileResolver", "coerce_value", "is_blank"]

_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_INTEGER: Final = re.compile(r"^-?\d+$")
_STRING_TYPES: Final = frozenset({"text", "textarea", "email", "phone", "website", "picklist"})
_NUMBER_TYPES: Final = frozenset({"double", "currency", "decimal", "percent"})
_SIZED_JSON: Final = (str, list, dict)

#: Resolves a user id to ``{"name","id","email"}`` (None if there is no such user).
OwnerResolver = Callable[[str], dict[str, Any] | None]
#: Resolves ``(lookup module or None, id)`` to ``{"name","id"}``.
LookupResolver = Callable[[str | None, str], dict[str, Any]]
#: Resolves ``(field, value sent, value stored or None)`` of a file field to the value to store.
FileResolver = Callable[[FieldSpec, Any, Any], Any]
#: Fields whose values are files of Zoho's file store.
FILE_TYPES: Final = frozenset({"fileupload", "imageupload"})


class FieldError(Exception):
    """A value that does not fit its field; ``details`` lacks api_name/json_path (added later)."""

    def __init__(self, details: dict[str, Any]) -> None:
        super().__init__(details)
        self.details = details


def is_blank(value: Any) -> bool:
    """Whether a value leaves a field empty (Zoho treats "" like null)."""
    if value is None:
        return True
    if isinstance(value, _SIZED_JSON):  # no comparisons needed for what JSON gives
        return not value
    return bool(value == "" or value == [] or value == {})


def _type_error(field: FieldSpec) -> FieldError:
    return FieldError({"expected_data_type": field.data_type})


def _string(field: FieldSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(field)
    if len(value) > field.length:
        raise FieldError({"maximum_length": field.length})
    if field.data_type == "email" and not _EMAIL.match(value):
        raise _type_error(field)
    return value


def _integer(field: FieldSpec, value: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _type_error(field)
    text = str(value)
    if not _INTEGER.match(text):
        raise _type_error(field)
    if len(text.lstrip("-")) > field.length:
        raise FieldError({"maximum_length": field.length})
    # bigint travels as a string in JSON (json_type "string"), integer as a number.
    return text if field.data_type == "bigint" else int(text)


def _number(field: FieldSpec, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _type_error(field)
    try:
        return float(value)
    except ValueError:
        raise _type_error(field) from None


def _boolean(field: FieldSpec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _type_error(field)
    return value


def _date(field: FieldSpec, value: Any) -> str:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _type_error(field) from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _type_error(field)
    return str(value)


def _datetime(field: FieldSpec, value: Any) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _type_error(field) from None
    if parsed.tzinfo is None:  # Zoho wants yyyy-MM-ddTHH:mm:ss±HH:mm
        raise _type_error(field)
    return str(value)


def _multiselect(field: FieldSpec, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _type_error(field)
    return list(value)


def _reference_id(field: FieldSpec, value: Any) -> str:
    """Lookups are ``{"id": ...}``; a bare id (e.g. v2 Notes' Parent_Id) is accepted too."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise _type_error(field)
    return str(value)


def coerce_value(field: FieldSpec, value: Any, owner: OwnerResolver, lookup: LookupResolver) -> Any:
    """Return the value to store for a non-blank ``value``, or raise :class:`FieldError`."""
    kind = field.data_type
    if kind in _STRING_TYPES:
        return _string(field, value)
    if kind in ("integer", "bigint"):
        return _integer(field, value)
    if kind in _NUMBER_TYPES:
        return _number(field, value)
    if kind == "boolean":
        return _boolean(field, value)
    if kind == "date":
        return _date(field, value)
    if kind == "datetime":
        return _datetime(field, value)
    if kind == "multiselectpicklist":
        return _multiselect(field, value)
    if kind == "ownerlookup":
        user = owner(_reference_id(field, value))
        if user is None:
            raise _type_error(field)
        return user
    if kind == "lookup":
        return lookup(field.lookup_module, _reference_id(field, value))
    return value
