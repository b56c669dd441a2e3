"""Search criteria: build ``((Field:op:value)and(Field:op:value))`` safely, or check a raw string.

Values are escaped as Zoho requires: ``\\``, ``(``, ``)`` and ``,`` get a
backslash; URL-encoding is left to the HTTP layer. ``&`` joins with ``and``, ``|`` with ``or``::

    crit = Criteria("Last_Name", "equals", "Burns (B)") & Criteria("City", "in", ["Paris", "Rome"])
    str(crit)  # '((Last_Name:equals:Burns \\(B\\))and(City:in:Paris,Rome))'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from ._exceptions import InvalidArgumentError, InvalidArgumentTypeError

__all__ = [
    "MAX_CONDITIONS",
    "MAX_IN_VALUES",
    "OPERATORS",
    "Criteria",
    "check_criteria",
    "criteria_param",
    "escape_value",
]

#: The operators Zoho's search criteria accept (v2 only ``equals`` and ``starts_with``).
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
#: What API v2 (not v2.1) accepts.
V2_OPERATORS: Final = frozenset({"equals", "starts_with"})
#: Operators that take several comma-separated values.
_MULTI: Final = frozenset({"in", "between"})
#: Zoho accepts at most this many conditions in one criteria.
MAX_CONDITIONS: Final = 10
#: ``in`` takes at most this many values.
MAX_IN_VALUES: Final = 100
_FIELD: Final = re.compile(r"^[A-Za-z$][A-Za-z0-9_$.]{0,99}$")
_SPECIAL: Final = re.compile(r"([\\(),])")

Value = str | int | float | Decimal | bool | date | datetime


def escape_value(value: Value) -> str:
    """One value as criteria text: ``\\``, ``(``, ``)`` and ``,`` escaped with a backslash.

    Args:
        value: A string, number, bool, date or datetime.

    Returns:
        The escaped text.
    """
    return _SPECIAL.sub(r"\\\1", _text(value))


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidArgumentError(
                f"datetime {value!r} has no time zone: Zoho compares datetimes with an offset, "
                "e.g. datetime(2024, 1, 2, 9, 0, tzinfo=timezone.utc)"
            )
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, int, float, Decimal, str)):
        return value.isoformat() if isinstance(value, date) else str(value)
    raise InvalidArgumentTypeError(
        f"criteria value {value!r} is a {type(value).__name__}; use str, a number, bool, "
        "date or datetime"
    )


class Criteria:
    """A search criteria: one condition, or conditions joined with ``&`` (and) / ``|`` (or).

    ``Criteria(field, operator, value)`` is one condition; ``value`` is a list for ``in``
    (at most 100) and a pair for ``between``. At most 10 conditions may be combined.

    Args:
        field: The field's API name, e.g. ``"Last_Name"``.
        operator: ``equals``, ``not_equal``, ``starts_with``, ``in``, ``not_in``,
            ``greater_than``, ``greater_equal``, ``less_than``, ``less_equal``, ``between``...
        value: The value (escaped for you); a list for ``in``/``not_in``, a pair for
            ``between``.

    Raises:
        InvalidArgumentError: A field that is not an API name, an unknown operator, or a value
            of the wrong shape for it.
    """

    __slots__ = ("_conditions", "_operators", "_text")

    def __init__(self, field: str, operator: str, value: Value | Iterable[Value]) -> None:
        if not isinstance(field, str) or not _FIELD.match(field):
            raise InvalidArgumentError(
                f"criteria field {field!r} is not a field API name (e.g. 'Last_Name')"
            )
        op = operator.lower() if isinstance(operator, str) else operator
        if op not in OPERATORS:
            raise InvalidArgumentError(
                f"criteria operator {operator!r} (field {field!r}) is not one of "
                f"{', '.join(sorted(OPERATORS))}"
            )
        values = _values(field, op, value)
        self._text = f"({field}:{op}:{','.join(escape_value(v) for v in values)})"
        self._conditions = 1
        self._operators = frozenset({op})

    @classmethod
    def _joined(cls, join: str, parts: Iterable[Criteria]) -> Criteria:
        items = list(parts)
        if not items or not all(isinstance(p, Criteria) for p in items):
            raise InvalidArgumentTypeError(f"{join} joins Criteria objects, got {items!r}")
        total = sum(p._conditions for p in items)
        if total > MAX_CONDITIONS:
            raise InvalidArgumentError(
                f"criteria has {total} conditions; Zoho allows at most {MAX_CONDITIONS} "
                "per search (split the search, or use COQL)"
            )
        if len(items) == 1:
            return items[0]
        combined = object.__new__(cls)
        combined._text = "(" + join.join(p._text for p in items) + ")"
        combined._conditions = total
        combined._operators = frozenset().union(*(p._operators for p in items))
        return combined

    @classmethod
    def all_of(cls, *parts: Criteria) -> Criteria:
        """Every condition must hold (``and``).

        Args:
            *parts: The criteria to join.

        Returns:
            The joined criteria.

        Raises:
            InvalidArgumentError: More conditions in all than Zoho allows (10).
            InvalidArgumentTypeError: A part that is not a :class:`Criteria`.
        """
        return cls._joined("and", parts)

    @classmethod
    def any_of(cls, *parts: Criteria) -> Criteria:
        """At least one condition must hold (``or``).

        Args:
            *parts: The criteria to join.

        Returns:
            The joined criteria.

        Raises:
            InvalidArgumentError: More conditions in all than Zoho allows (10).
            InvalidArgumentTypeError: A part that is not a :class:`Criteria`.
        """
        return cls._joined("or", parts)

    def __and__(self, other: Criteria) -> Criteria:
        return Criteria.all_of(self, other)

    def __or__(self, other: Criteria) -> Criteria:
        return Criteria.any_of(self, other)

    def __len__(self) -> int:
        return self._conditions

    @property
    def operators(self) -> frozenset[str]:
        """The operators the conditions use."""
        return self._operators

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Criteria({self._text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Criteria) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)


def _values(field: str, op: str, value: Value | Iterable[Value]) -> list[Value]:
    if op not in _MULTI:
        if isinstance(value, (list, tuple, set, frozenset)):
            raise InvalidArgumentError(
                f"criteria operator {op!r} (field {field!r}) takes one value, got {value!r}; "
                "use 'in' for a list"
            )
        return [value]  # type: ignore[list-item]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(
            f"criteria operator {op!r} (field {field!r}) takes a list of values, got {value!r}"
        )
    values = list(value)
    if op == "between" and len(values) != 2:
        raise InvalidArgumentError(
            f"'between' (field {field!r}) takes two values (low, high), got {len(values)}"
        )
    if op == "in" and not 1 <= len(values) <= MAX_IN_VALUES:
        raise InvalidArgumentError(
            f"'in' (field {field!r}) takes 1 to {MAX_IN_VALUES} values, got {len(values)}"
        )
    return values


def check_criteria(text: str) -> str:
    """Check a raw criteria string client-side and return it (stripped).

    Catches what is known without Zoho: unbalanced or unescaped parentheses in a value
    (naming the value), an unknown operator, more than 10 conditions, ``in`` with more
    than 100 values. Build values with :class:`Criteria` to have them escaped.
    """
    return _check(text)[0]


def _check(text: str) -> tuple[str, frozenset[str]]:
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError(f"criteria must be a non-empty string, got {text!r}")
    text = text.strip()
    checker = _RawChecker(text)
    conditions = checker.run()
    if conditions > MAX_CONDITIONS:
        raise InvalidArgumentError(
            f"criteria has {conditions} conditions; Zoho allows at most {MAX_CONDITIONS} "
            "per search (split the search, or use COQL)"
        )
    return text, frozenset(checker.operators)


def criteria_param(criteria: Criteria | str, api_version: str) -> str:
    """The ``criteria`` query value for ``api_version``: rendered or checked, operators allowed."""
    if isinstance(criteria, Criteria):
        text, operators = str(criteria), criteria.operators
    else:
        text, operators = _check(criteria)
    if api_version == "v2" and not operators <= V2_OPERATORS:
        raise InvalidArgumentError(
            f"API v2 search accepts only equals and starts_with; criteria {text!r} uses "
            f"{', '.join(sorted(operators - V2_OPERATORS))} (use api_version v2.1 or later)"
        )
    return text


class _RawChecker:
    """A recursive-descent reader of the criteria grammar that names what it cannot read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.conditions = 0
        self.operators: set[str] = set()

    def fail(self, reason: str) -> InvalidArgumentError:
        return InvalidArgumentError(
            f"criteria {self.text!r} is malformed at position {self.pos}: {reason}"
        )

    def run(self) -> int:
        self.group()
        if self.pos != len(self.text):
            raise self.fail(
                f"unexpected {self.text[self.pos :]!r} after the criteria (an unescaped ')' "
                r"in a value? escape it as '\)')"
            )
        return self.conditions

    def group(self) -> None:
        self.term()
        while self.pos < len(self.text) and self.text[self.pos] != ")":
            for word in ("and", "or"):
                if self.text[self.pos : self.pos + len(word)].lower() == word:
                    self.pos += len(word)
                    break
            else:
                raise self.fail(
                    "expected 'and' or 'or' between conditions (an unescaped ')' in a value? "
                    r"escape it as '\)')"
                )
            self.term()

    def term(self) -> None:
        if self.text[self.pos : self.pos + 1] != "(":
            raise self.fail("expected '(' (each condition reads (Field:operator:value))")
        self.pos += 1
        if self.text[self.pos : self.pos + 1] == "(":
            self.group()
        else:
            self.condition()
        if self.text[self.pos : self.pos + 1] != ")":
            raise self.fail("unbalanced parentheses")
        self.pos += 1

    def condition(self) -> None:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in "()":
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        raw = self.text[start : self.pos]
        parts = raw.split(":", 2)
        if len(parts) != 3 or not parts[0].strip():
            raise self.fail(f"{raw!r} does not read Field:operator:value")
        field, op, value = parts[0].strip(), parts[1].strip().lower(), parts[2]
        if self.text[self.pos : self.pos + 1] == "(":
            raise InvalidArgumentError(
                f"criteria value {_whole_value(self.text, start + len(raw) - len(value))!r} "
                f"of field {field!r} contains an unescaped '(' or ')': escape them as '\\(' "
                "and '\\)', or build the criteria with zcrm_async.Criteria"
            )
        if op not in OPERATORS:
            raise InvalidArgumentError(
                f"criteria operator {parts[1]!r} (field {field!r}) is not one of "
                f"{', '.join(sorted(OPERATORS))}"
            )
        if op == "in":
            count = len(re.findall(r"(?<!\\),", value)) + 1
            if count > MAX_IN_VALUES:
                raise InvalidArgumentError(
                    f"'in' (field {field!r}) takes at most {MAX_IN_VALUES} values, got {count}"
                )
        self.conditions += 1
        self.operators.add(op)


def _whole_value(text: str, start: int) -> str:
    """The value starting at ``start`` up to the ')' that closes its condition."""
    depth, pos = 0, start
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        pos += 1
    return text[start:pos]
