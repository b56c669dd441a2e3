"""Bulk Read criteria in Zoho's JSON form, built and checked client-side.

``&`` joins with ``and``, ``|`` with ``or``; parentheses nest groups::

    crit = BulkCriteria("Last_Name", "equal", "Patricia") & (
        BulkCriteria("Lead_Source", "in", ["Web Download", "Cold Call"])
        | BulkCriteria("Email", "equal", EMPTY)
    )
    crit.to_json()
    # {"group_operator": "and", "group": [{"field": {"api_name": "Last_Name"}, ...}, {...}]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError

__all__ = ["COMPARATORS", "EMPTY", "BulkCriteria", "all_of", "any_of", "criteria_json"]

#: The comparators Bulk Read accepts.
COMPARATORS: Final = frozenset(
    {
        "equal",
        "not_equal",
        "in",
        "not_in",
        "less_than",
        "less_equal",
        "greater_than",
        "greater_equal",
        "between",
        "not_between",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
    }
)
_LIST_COMPARATORS: Final = frozenset({"in", "not_in"})
_RANGE_COMPARATORS: Final = frozenset({"between", "not_between"})
_GROUP_OPERATORS: Final = ("and", "or")

#: Zoho's placeholder for an empty value: ``BulkCriteria("Email", "equal", EMPTY)``.
EMPTY: Final = "${EMPTY}"

Scalar = str | int | float | bool | Decimal | date | datetime | None


def _json_value(api_name: str, value: Any) -> Any:
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError(
                f"criteria value for {api_name!r} is a naive datetime {value!r}: give it a "
                "timezone (Zoho compares datetimes with their offset)"
            )
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool):
        return value
    raise InvalidArgumentTypeError(
        f"criteria value for {api_name!r} must be text, a number, a boolean, a date or a "
        f"datetime, got {type(value).__name__}"
    )


class BulkCriteria:
    """One condition ``(api_name, comparator, value)``, or a group of them (see module docs).

    ``in``/``not_in`` take a list of values, ``between``/``not_between`` a pair; ``None`` or
    :data:`EMPTY` mean an empty value. Bad comparators or value shapes raise ``ValueError``.

    Args:
        api_name: The field's API name.
        comparator: One of :data:`COMPARATORS`, e.g. ``"equal"``, ``"in"``, ``"between"``.
        value: The value; a list for ``in``/``not_in``, a pair for ``between``/``not_between``.

    Raises:
        InvalidArgumentError: An empty field name, an unknown comparator, or a value of the
            wrong shape for it.
    """

    __slots__ = ("_json",)

    def __init__(self, api_name: str, comparator: str, value: Any) -> None:
        if not isinstance(api_name, str) or not api_name.strip():
            raise InvalidArgumentError(f"criteria field must be a field API name, got {api_name!r}")
        if comparator not in COMPARATORS:
            raise InvalidArgumentError(
                f"unknown bulk read comparator {comparator!r} for {api_name!r}; use one of "
                f"{', '.join(sorted(COMPARATORS))}"
            )
        if comparator in _LIST_COMPARATORS | _RANGE_COMPARATORS:
            if isinstance(value, str | bytes) or not isinstance(value, Iterable):
                raise InvalidArgumentError(
                    f"comparator {comparator!r} on {api_name!r} needs a list of values, "
                    f"got {value!r}"
                )
            values = [_json_value(api_name, v) for v in value]
            if comparator in _RANGE_COMPARATORS and len(values) != 2:
                raise InvalidArgumentError(
                    f"comparator {comparator!r} on {api_name!r} needs exactly two values "
                    f"(from, to), got {len(values)}"
                )
            if not values:
                raise InvalidArgumentError(
                    f"comparator {comparator!r} on {api_name!r} needs values"
                )
            json_value: Any = values
        else:
            json_value = _json_value(api_name, value)
        self._json: dict[str, Any] = {
            "field": {"api_name": api_name},
            "comparator": comparator,
            "value": json_value,
        }

    @classmethod
    def _group(cls, operator: str, terms: Iterable[BulkCriteria]) -> BulkCriteria:
        flat: list[dict[str, Any]] = []
        for term in terms:
            if not isinstance(term, BulkCriteria):
                raise InvalidArgumentTypeError(
                    f"criteria groups hold BulkCriteria, got {type(term).__name__}"
                )
            # (a & b) & c is one "and" group; a mixed group stays nested.
            if term._json.get("group_operator") == operator:
                flat.extend(term._json["group"])
            else:
                flat.append(term._json)
        if len(flat) < 2:
            raise InvalidArgumentError(f"an {operator!r} group needs at least two conditions")
        group = object.__new__(cls)
        group._json = {"group_operator": operator, "group": flat}
        return group

    def __and__(self, other: BulkCriteria) -> BulkCriteria:
        return self._group("and", (self, other))

    def __or__(self, other: BulkCriteria) -> BulkCriteria:
        return self._group("or", (self, other))

    def to_json(self) -> dict[str, Any]:
        """Zoho's JSON criteria object (a fresh copy).

        Returns:
            The ``criteria`` object of a bulk read job's query.
        """
        copied: dict[str, Any] = _copy(self._json)
        return copied

    def __repr__(self) -> str:
        return f"BulkCriteria({self._json!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BulkCriteria) and self._json == other._json

    def __hash__(self) -> int:
        return hash(repr(self._json))


def all_of(*terms: BulkCriteria) -> BulkCriteria:
    """Every term must hold (``group_operator: and``).

    Args:
        *terms: The criteria to combine (two or more).

    Returns:
        The combined criteria.

    Raises:
        InvalidArgumentError: Fewer than two conditions in all.
        InvalidArgumentTypeError: A term that is not a :class:`BulkCriteria`.
    """
    return BulkCriteria._group("and", terms)


def any_of(*terms: BulkCriteria) -> BulkCriteria:
    """At least one term must hold (``group_operator: or``).

    Args:
        *terms: The criteria to combine (two or more).

    Returns:
        The combined criteria.

    Raises:
        InvalidArgumentError: Fewer than two conditions in all.
        InvalidArgumentTypeError: A term that is not a :class:`BulkCriteria`.
    """
    return BulkCriteria._group("or", terms)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def criteria_json(criteria: BulkCriteria | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The JSON to send for ``criteria``: a builder, or a raw dict checked for Zoho's shape."""
    if criteria is None:
        return None
    if isinstance(criteria, BulkCriteria):
        return criteria.to_json()
    if isinstance(criteria, Mapping):
        _check_raw(criteria, "criteria")
        copied: dict[str, Any] = _copy(dict(criteria))
        return copied
    raise InvalidArgumentTypeError(
        f"criteria must be a BulkCriteria or Zoho's criteria dict, got {type(criteria).__name__}"
    )


def _check_raw(node: Mapping[str, Any], where: str) -> None:
    if "group" in node or "group_operator" in node:
        operator = node.get("group_operator")
        group = node.get("group")
        if operator not in _GROUP_OPERATORS:
            raise InvalidArgumentError(
                f"{where}.group_operator must be 'and' or 'or', got {operator!r}"
            )
        if not isinstance(group, list) or len(group) < 2:
            raise InvalidArgumentError(f"{where}.group must be a list of at least two criteria")
        for i, child in enumerate(group):
            if not isinstance(child, Mapping):
                raise InvalidArgumentError(f"{where}.group[{i}] must be an object, got {child!r}")
            _check_raw(child, f"{where}.group[{i}]")
        return
    field = node.get("field")
    api_name = field.get("api_name") if isinstance(field, Mapping) else None
    if not isinstance(api_name, str) or not api_name:
        raise InvalidArgumentError(f"{where}.field must be {{'api_name': ...}}, got {field!r}")
    BulkCriteria(api_name, str(node.get("comparator")), node.get("value"))
