"""Bulk Read criteria (Zoho's JSON form) evaluated against stored records."""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from ._errors import ApiError
from ._metadata import ModuleSpec
from ._validation import is_blank

__all__ = ["EMPTY", "compile_criteria"]

EMPTY: Final = "${EMPTY}"
_NUMERIC: Final = frozenset({"integer", "bigint", "double", "currency", "decimal", "percent"})
_ORDER: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "less_than": op.lt,
    "less_equal": op.le,
    "greater_than": op.gt,
    "greater_equal": op.ge,
}
_TEXT: Final[dict[str, Callable[[str, str], bool]]] = {
    "contains": lambda a, b: b in a,
    "starts_with": str.startswith,
    "ends_with": str.endswith,
}
COMPARATORS: Final = frozenset(
    {"equal", "not_equal", "in", "not_in", "between", "not_between", "not_contains"}
    | set(_ORDER)
    | set(_TEXT)
)

Matcher = Callable[[dict[str, Any]], bool]


def _invalid(code: str, message: str, **details: Any) -> ApiError:
    return ApiError(400, code, message, details)


def compile_criteria(node: Any, spec: ModuleSpec, path: str = "criteria") -> Matcher:
    """A predicate over stored records, or 400 with one of Zoho's bulk criteria codes."""
    if not isinstance(node, dict):
        raise _invalid("INVALID_CRITERIA", "invalid criteria", json_path=path)
    if "group" in node or "group_operator" in node:
        operator = node.get("group_operator")
        group = node.get("group")
        if operator not in ("and", "or"):
            raise _invalid(
                "GROUP_OPERATOR_NOT_SUPPORTED",
                "the group operator is not supported",
                json_path=f"{path}.group_operator",
            )
        if not isinstance(group, list) or len(group) < 2:
            raise _invalid("AMBIGUOUS_GROUP_IN_CRITERIA", "invalid group", json_path=path)
        terms = [compile_criteria(t, spec, f"{path}.group[{i}]") for i, t in enumerate(group)]
        if operator == "and":
            return lambda record: all(term(record) for term in terms)
        return lambda record: any(term(record) for term in terms)
    field = node.get("field")
    api_name = field.get("api_name") if isinstance(field, dict) else None
    spec_field = spec.by_name.get(api_name) if isinstance(api_name, str) else None
    if spec_field is None and api_name != "id":
        raise _invalid(
            "FIELD_IN_CRITERIA_NOT_AVAILABLE",
            "the field given in the criteria is not available",
            api_name=api_name,
        )
    comparator = node.get("comparator")
    if comparator not in COMPARATORS:
        raise _invalid(
            "FIELD_COMPARATOR_IN_CRITERIA_NOT_SUPPORTED",
            "the comparator is not supported",
            api_name=api_name,
            comparator=comparator,
            supported=sorted(COMPARATORS),
        )
    kind = spec_field.data_type if spec_field else "bigint"
    return _condition(str(api_name), str(comparator), node.get("value"), kind, path)


def _comparable(value: Any, kind: str) -> Any:
    if isinstance(value, dict):
        value = value.get("id")
    if kind in _NUMERIC:
        return float(value)
    if kind == "datetime":
        return datetime.fromisoformat(str(value))
    if isinstance(value, str):
        return value.casefold()
    return value


def _condition(api_name: str, comparator: str, value: Any, kind: str, path: str) -> Matcher:
    listed = comparator in ("in", "not_in", "between", "not_between")
    if listed != isinstance(value, list) or (
        comparator in ("between", "not_between") and len(value) != 2
    ):
        raise _invalid(
            "COMPARATOR_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
            "the value does not suit the comparator",
            api_name=api_name,
            json_path=f"{path}.value",
        )
    if value == EMPTY and comparator in ("equal", "not_equal"):
        wanted = comparator == "equal"
        return lambda record: is_blank(record.get(api_name)) is wanted
    try:
        expected = [_comparable(v, kind) for v in value] if listed else _comparable(value, kind)
    except (TypeError, ValueError):
        raise _invalid(
            "FIELD_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
            "the value does not suit the field",
            api_name=api_name,
            json_path=f"{path}.value",
        ) from None

    def actual(record: dict[str, Any]) -> Any:
        raw = record.get(api_name)
        return None if is_blank(raw) else _comparable(raw, kind)

    def test(record: dict[str, Any]) -> bool:
        got = actual(record)
        if comparator == "equal":
            return bool(got == expected)
        if comparator == "not_equal":
            return bool(got != expected)
        if comparator == "in":
            return got in expected
        if comparator == "not_in":
            return got not in expected
        if got is None:
            return comparator in ("not_contains", "not_between")
        if comparator in _ORDER:
            return _ORDER[comparator](got, expected)
        if comparator == "between":
            return bool(expected[0] <= got <= expected[1])
        if comparator == "not_between":
            return not expected[0] <= got <= expected[1]
        if comparator == "not_contains":
            return str(expected) not in str(got)
        return _TEXT[comparator](str(got), str(expected))

    return test
