"""Search criteria: ``((Field:operator:value)and(Field:operator:value))``."""

from __future__ import annotations

import operator as op
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ._errors import ApiError
from ._metadata import ModuleSpec

__all__ = ["Condition", "Group", "count_conditions", "matches", "parse_criteria"]

OPERATORS: Final = frozenset(
    {
        "equals",
        "not_equal",
        "starts_with",
        "in",
        "greater_than",
        "greater_equal",
        "less_than",
        "less_equal",
        "between",
    }
)
V2_OPERATORS: Final = frozenset({"equals", "starts_with"})
_NUMERIC: Final = frozenset({"integer", "bigint", "double", "currency", "decimal", "percent"})
_ORDERING: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "greater_than": op.gt,
    "greater_equal": op.ge,
    "less_than": op.lt,
    "less_equal": op.le,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``(api_name:operator:value)``; ``values`` are unescaped."""

    api_name: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Group:
    """Terms joined by ``and``/``or``: ``joins[i]`` sits between ``terms[i]`` and the next."""

    terms: tuple[Condition | Group, ...]
    joins: tuple[str, ...]


def _invalid(reason: str, **extra: Any) -> ApiError:
    return ApiError(400, "INVALID_QUERY", "invalid query formed", {"reason": reason, **extra})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> Group:
        group = self._group()
        if self.pos != len(self.text):
            raise _invalid("unexpected text after the criteria")
        return group

    def _group(self) -> Group:
        terms = [self._term()]
        joins: list[str] = []
        while self.pos < len(self.text) and self.text[self.pos] != ")":
            for word in ("and", "or"):
                if self.text[self.pos : self.pos + len(word)].lower() == word:
                    joins.append(word)
                    self.pos += len(word)
                    break
            else:
                raise _invalid("expected 'and' or 'or' between conditions")
            terms.append(self._term())
        return Group(tuple(terms), tuple(joins))

    def _term(self) -> Condition | Group:
        if self.text[self.pos : self.pos + 1] != "(":
            raise _invalid("expected '('")
        self.pos += 1
        term: Condition | Group
        term = self._group() if self.text[self.pos : self.pos + 1] == "(" else self._condition()
        if self.text[self.pos : self.pos + 1] != ")":
            raise _invalid("unbalanced parentheses")
        self.pos += 1
        return term

    def _condition(self) -> Condition:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] != ")":
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        raw = self.text[start : self.pos]
        parts = raw.split(":", 2)
        if len(parts) != 3 or not parts[0]:
            raise _invalid("a condition must read api_name:operator:value")
        name, operator, value = parts[0].strip(), parts[1].strip().lower(), parts[2]
        if operator not in OPERATORS:
            raise _invalid("invalid operator", operator=operator)
        values = _split_unescaped(value) if operator in ("in", "between") else [value]
        return Condition(name, operator, tuple(_unescape(v) for v in values))


def _split_unescaped(text: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            current += text[i : i + 2]
            i += 2
            continue
        if text[i] == ",":
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    return [*parts, current]


def _unescape(text: str) -> str:
    out, i = "", 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out += text[i]
        i += 1
    return out


def parse_criteria(text: str, spec: ModuleSpec, *, version: tuple[int, int]) -> Group:
    """Parse and check ``criteria`` against the module's fields (v2 knows equals/starts_with)."""
    group = _Parser(text.strip()).parse()
    for condition in _conditions(group):
        if condition.api_name != "id" and condition.api_name not in spec.by_name:
            raise _invalid("the field is not available for search", api_name=condition.api_name)
        if version < (2, 1) and condition.operator not in V2_OPERATORS:
            raise _invalid("operator not supported in this version", operator=condition.operator)
        if condition.operator == "between" and len(condition.values) != 2:
            raise _invalid("between takes two values", api_name=condition.api_name)
    return group


def _conditions(node: Condition | Group) -> list[Condition]:
    if isinstance(node, Condition):
        return [node]
    return [c for term in node.terms for c in _conditions(term)]


def count_conditions(group: Group) -> int:
    """How many ``(field:op:value)`` conditions the criteria holds."""
    return len(_conditions(group))


def _key(data_type: str, value: Any) -> Any:
    """A comparable form of a stored or searched value."""
    if isinstance(value, dict):
        value = value.get("id")
    if value is None:
        return None
    if data_type in _NUMERIC:
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if data_type == "datetime":
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def _holds(condition: Condition, record: dict[str, Any], spec: ModuleSpec) -> bool:
    field = spec.by_name.get(condition.api_name)
    data_type = field.data_type if field else "bigint"
    actual = _key(data_type, record.get(condition.api_name))
    wanted = [_key(data_type, v) for v in condition.values]
    name = condition.operator
    if name == "equals":  # Zoho's equals is looser on text ("contains"); exact match here.
        return bool(actual == wanted[0])
    if name == "not_equal":
        return bool(actual != wanted[0])
    if name == "in":
        return actual in wanted
    if actual is None or any(w is None for w in wanted):
        return False
    try:
        if name == "starts_with":
            return str(actual).startswith(str(wanted[0]))
        if name == "between":
            return bool(wanted[0] <= actual <= wanted[1])
        return _ORDERING[name](actual, wanted[0])
    except TypeError:  # e.g. an aware datetime against an unparsable value
        return False


def matches(node: Condition | Group, record: dict[str, Any], spec: ModuleSpec) -> bool:
    """Whether ``record`` satisfies the criteria (``and`` binds tighter than ``or``)."""
    if isinstance(node, Condition):
        return _holds(node, record, spec)
    any_clause = False
    clause = matches(node.terms[0], record, spec)
    for join, term in zip(node.joins, node.terms[1:], strict=True):
        if join == "or":
            any_clause = any_clause or clause
            clause = matches(term, record, spec)
        else:
            clause = clause and matches(term, record, spec)
    return any_clause or clause
