"""A COQL subset: ``select`` columns ``from`` a module, ``where``, ``order by``, ``limit``.

Conditions: ``=``, ``!=``/``<>``, ``<``, ``>``, ``<=``, ``>=``, ``[not] like``, ``[not] in (..)``,
``is [not] null``, ``[not] between a and b``, joined by ``and``/``or``. As Zoho documents,
more than two conditions need explicit parentheses (``((A and B) and C)``),
at most 25 conditions, 50 columns, 10 ORDER BY fields and 50 values in ``in``; strings are
quoted with ``'`` and a quote inside is doubled. Columns may follow one lookup
(``Account_Name.Account_Name``).
"""

from __future__ import annotations

import operator as op
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ._errors import ApiError
from ._metadata import FieldSpec, ModuleSpec

__all__ = ["CoqlLimits", "Query", "coql_limits", "parse_query", "run_query"]

MAX_COLUMNS: Final = 50
MAX_CONDITIONS: Final = 25
MAX_ORDER_BY: Final = 10
MAX_IN_VALUES: Final = 50
DEFAULT_LIMIT: Final = 200

_TOKEN: Final = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])"
    r"|(?P<word>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)|(?P<op><=|>=|!=|<>|[=<>(),*;]))"
)
_COMPARISONS: Final = frozenset({"=", "!=", "<>", "<", ">", "<=", ">="})
_NUMERIC: Final = frozenset({"integer", "bigint", "double", "currency", "decimal", "percent"})
_LOOKUPS: Final = frozenset({"lookup", "ownerlookup"})


@dataclass(frozen=True, slots=True)
class CoqlLimits:
    """Rows per call (LIMIT) and the furthest row reachable (OFFSET + LIMIT)."""

    per_call: int
    total: int


def coql_limits(version: tuple[int, int]) -> CoqlLimits:
    """v7+: 2,000 per call and 100,000 in all; older versions 200 and 10,000."""
    return CoqlLimits(2000, 100_000) if version >= (7, 0) else CoqlLimits(200, 10_000)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string, number, word, op, end
    text: str
    column: int

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind == "word" else ""


@dataclass(frozen=True, slots=True)
class Condition:
    """``column operator values``; ``negated`` for ``not in``/``not like``/``is not null``..."""

    column: str
    operator: str  # =, !=, <, >, <=, >=, like, in, null, between
    values: tuple[Any, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Join:
    """``left and|or right``."""

    operator: str
    left: Condition | Join
    right: Condition | Join


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed SELECT."""

    columns: tuple[str, ...]
    module: str
    where: Condition | Join | None
    order_by: tuple[tuple[str, bool], ...]  # (column, descending)
    limit: int
    offset: int


def syntax_error(token: _Token) -> ApiError:
    """``SYNTAX_ERROR`` with the parse-error details of the OAS (line, column, near)."""
    near = token.text or "<end of query>"
    return ApiError(
        400,
        "SYNTAX_ERROR",
        f"error occured while parsing the query near {near}",
        {"line": 1, "column": token.column, "near": near},
    )


def invalid_query(message: str, **details: Any) -> ApiError:
    """``INVALID_QUERY`` (messages from the OAS enum)."""
    return ApiError(400, "INVALID_QUERY", message, details)


def _tokens(text: str) -> list[_Token]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            bad = text[pos:].lstrip()
            raise syntax_error(_Token("op", bad[:10], len(text) - len(bad) + 1))
        kind = match.lastgroup or "op"
        tokens.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        pos = match.end()
    if tokens and tokens[-1].text == ";":
        tokens.pop()
    return [*tokens, _Token("end", "", len(text) + 1)]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.conditions = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect_word(self, *words: str) -> str:
        token = self.take()
        if token.word not in words:
            raise syntax_error(token)
        return token.word

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise syntax_error(token)

    def at_word(self, *words: str) -> bool:
        return self.token.word in words

    def identifier(self) -> str:
        token = self.take()
        if token.kind != "word" or token.word in _KEYWORDS:
            raise syntax_error(token)
        return token.text

    def parse(self) -> Query:
        self.expect_word("select")
        columns = [self.identifier()]
        while self.token.text == ",":
            self.take()
            columns.append(self.identifier())
        self.expect_word("from")
        module = self.identifier()
        where = None
        if self.at_word("where"):
            self.take()
            where = self.condition_chain()
        order_by = self.order_by() if self.at_word("order") else ()
        limit, offset = self.limit()
        if self.token.kind != "end":
            raise syntax_error(self.token)
        if len(columns) > MAX_COLUMNS:
            raise _limit_exceeded(MAX_COLUMNS, "select columns")
        if self.conditions > MAX_CONDITIONS:
            raise _limit_exceeded(MAX_CONDITIONS, "where conditions")
        return Query(tuple(columns), module, where, order_by, limit, offset)

    def condition_chain(self) -> Condition | Join:
        """``A``, ``A and B`` or ``A or B``: a third term needs parentheses."""
        left = self.term()
        if not self.at_word("and", "or"):
            return left
        operator = self.take().word
        right = self.term()
        if self.at_word("and", "or"):
            raise syntax_error(self.token)
        return Join(operator, left, right)

    def term(self) -> Condition | Join:
        if self.token.text == "(":
            self.take()
            inner = self.condition_chain()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Condition:
        column = self.identifier()
        self.conditions += 1
        negated = False
        if self.at_word("is"):
            self.take()
            if self.at_word("not"):
                self.take()
                negated = True
            self.expect_word("null")
            return Condition(column, "null", (), negated)
        if self.at_word("not"):
            self.take()
            negated = True
        token = self.take()
        if token.text in _COMPARISONS and not negated:
            operator = "!=" if token.text == "<>" else token.text
            return Condition(column, operator, (self.value(),))
        if token.word == "like":
            value = self.value()
            if not isinstance(value, str):
                raise syntax_error(token)
            return Condition(column, "like", (value,), negated)
        if token.word == "in":
            self.expect("(")
            values = [self.value()]
            while self.token.text == ",":
                self.take()
                values.append(self.value())
            self.expect(")")
            if len(values) > MAX_IN_VALUES:
                raise _limit_exceeded(MAX_IN_VALUES, "values in 'in'")
            return Condition(column, "in", tuple(values), negated)
        if token.word == "between":
            low = self.value()
            self.expect_word("and")
            return Condition(column, "between", (low, self.value()), negated)
        raise syntax_error(token)

    def value(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.word in ("true", "false"):
            return token.word == "true"
        if token.word == "null":
            return None
        raise syntax_error(token)

    def order_by(self) -> tuple[tuple[str, bool], ...]:
        self.expect_word("order")
        self.expect_word("by")
        keys = []
        while True:
            column = self.identifier()
            descending = False
            if self.at_word("asc", "desc"):
                descending = self.take().word == "desc"
            keys.append((column, descending))
            if self.token.text != ",":
                break
            self.take()
        if len(keys) > MAX_ORDER_BY:
            raise _limit_exceeded(MAX_ORDER_BY, "order by fields")
        return tuple(keys)

    def limit(self) -> tuple[int, int]:
        limit, offset = DEFAULT_LIMIT, 0
        if self.at_word("limit"):
            self.take()
            limit = self.count()
            if self.token.text == ",":  # limit <offset>, <count>
                self.take()
                offset, limit = limit, self.count()
        if self.at_word("offset"):
            self.take()
            offset = self.count()
        return limit, offset

    def count(self) -> int:
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            raise syntax_error(token)
        return int(token.text)


_KEYWORDS: Final = frozenset(
    {"select", "from", "where", "and", "or", "not", "in", "like", "is", "null", "between"}
    | {"order", "by", "asc", "desc", "limit", "offset", "true", "false"}
)


def _limit_exceeded(limit: int, what: str, **details: Any) -> ApiError:
    return ApiError(
        400, "LIMIT_EXCEEDED", f"limit exceeded for {what}", {"limit": limit, **details}
    )


def parse_query(text: str, version: tuple[int, int]) -> Query:
    """Parse ``text`` and check the LIMIT/OFFSET against the version's limits."""
    query = _Parser(text).parse()
    limits = coql_limits(version)
    if query.limit > limits.per_call:
        raise _limit_exceeded(limits.per_call, "limit", by="limit")
    if query.offset + query.limit > limits.total:
        raise _limit_exceeded(limits.total, "offset and limit", by="offset")
    return query


# -- evaluation -----------------------------------------------------------------------------------

#: Resolves ``(module, record id)`` to the stored record (for ``Lookup.Field`` columns).
Resolver = Callable[[str | None, str], dict[str, Any] | None]


def run_query(
    query: Query,
    spec: ModuleSpec,
    records: list[dict[str, Any]],
    resolve: Resolver,
    specs: Mapping[str, ModuleSpec],
) -> tuple[list[dict[str, Any]], bool]:
    """The rows of the query's window, and whether more rows match beyond it."""
    columns = _Columns(spec, resolve, specs)
    for column in query.columns:
        columns.check(column)
    for column, _ in query.order_by:
        columns.check(column)
    if query.where is not None:
        _check_values(query.where, columns)
    matched = [r for r in records if query.where is None or _holds(query.where, r, columns)]
    matched.sort(key=lambda r: int(r["id"]))
    for column, descending in reversed(query.order_by):
        present = [r for r in matched if columns.key(column, r) is not None]
        absent = [r for r in matched if columns.key(column, r) is None]
        present.sort(key=lambda r: columns.key(column, r), reverse=descending)
        matched = present + absent
    window = matched[query.offset : query.offset + query.limit]
    rows = [{**{c: columns.output(c, r) for c in query.columns}, "id": r["id"]} for r in window]
    return rows, query.offset + query.limit < len(matched)


class _Columns:
    def __init__(
        self, spec: ModuleSpec, resolve: Resolver, specs: Mapping[str, ModuleSpec]
    ) -> None:
        self.spec, self.resolve, self.specs = spec, resolve, specs

    def field(self, column: str) -> tuple[FieldSpec | None, FieldSpec | None]:
        """The field (and for ``Lookup.Field`` the looked-up field), or INVALID_QUERY."""
        name, _, rest = column.partition(".")
        if name == "id" and not rest:
            return None, None
        field = self.spec.by_name.get(name)
        target = self.specs.get(field.lookup_module or "") if field else None
        if field is None or (rest and (target is None or field.data_type not in _LOOKUPS)):
            raise invalid_query("column given seems to be invalid", column_name=column)
        if not rest:
            return field, None
        inner = target.by_name.get(rest) if target else None
        if inner is None and rest != "id":
            raise invalid_query("column given seems to be invalid", column_name=column)
        return field, inner

    def check(self, column: str) -> None:
        self.field(column)

    def data_type(self, column: str) -> str:
        field, inner = self.field(column)
        if "." in column:
            return inner.data_type if inner else "bigint"
        return field.data_type if field else "bigint"

    def raw(self, column: str, record: dict[str, Any]) -> Any:
        name, _, rest = column.partition(".")
        value = record.get(name)
        if not rest:
            return value
        if not isinstance(value, dict) or not value.get("id"):
            return None
        field, _ = self.field(column)
        target = self.resolve(field.lookup_module if field else None, str(value["id"]))
        return None if target is None else target.get(rest)

    def output(self, column: str, record: dict[str, Any]) -> Any:
        value = self.raw(column, record)
        return {"id": value.get("id")} if isinstance(value, dict) else value

    def key(self, column: str, record: dict[str, Any]) -> Any:
        return _comparable(self.data_type(column), self.raw(column, record))


def _comparable(data_type: str, value: Any) -> Any:
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or value == "" or value == []:
        return None
    if data_type in ("bigint", "integer") and not isinstance(value, float):
        try:  # ids have 19 digits, more than a float holds exactly
            return int(str(value))
        except ValueError:
            pass
    if data_type in _NUMERIC or data_type == "bigint":
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if data_type == "datetime":
        try:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, bool) or data_type == "boolean":
        return str(value).lower()
    return str(value).lower()


def _check_values(node: Condition | Join, columns: _Columns) -> None:
    if isinstance(node, Join):
        _check_values(node.left, columns)
        _check_values(node.right, columns)
        return
    data_type = columns.data_type(node.column)
    for value in node.values:
        if value is not None and _comparable(data_type, value) is None:
            raise invalid_query(
                "value given seems to be invalid for the column",
                column_name=node.column,
                value=value,
            )
        if data_type in _NUMERIC and node.operator == "like":
            raise invalid_query("data type not supported", column_name=node.column)


def _holds(node: Condition | Join, record: dict[str, Any], columns: _Columns) -> bool:
    if isinstance(node, Join):
        left = _holds(node.left, record, columns)
        if node.operator == "and":
            return left and _holds(node.right, record, columns)
        return left or _holds(node.right, record, columns)
    data_type = columns.data_type(node.column)
    actual = columns.key(node.column, record)
    wanted = [_comparable(data_type, v) for v in node.values]
    if node.operator == "null":
        return (actual is None) != node.negated
    if actual is None:  # as in SQL, null satisfies no comparison, negated or not
        return False
    return _compare(node.operator, actual, wanted) != node.negated


def _compare(operator: str, actual: Any, wanted: list[Any]) -> bool:
    try:
        if operator == "in":
            return actual in wanted
        if operator == "like":
            pattern = ".*".join(re.escape(part) for part in str(wanted[0]).split("%"))
            return re.fullmatch(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
        if operator == "between":
            return bool(wanted[0] <= actual <= wanted[1])
        return bool(_OPERATORS[operator](actual, wanted[0]))
    except TypeError:  # e.g. a datetime against a date-only literal
        return False


_OPERATORS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "=": op.eq,
    "!=": op.ne,
    "<": op.lt,
    ">": op.gt,
    "<=": op.le,
    ">=": op.ge,
}
