"""What each call costs in Zoho API credits: the table in one place, and how a call is priced.

Zoho charges one credit per call by default and more for some APIs. Where its published pages
and later summaries of them disagree, the table takes the higher cost, so a budget stops early
rather than late:

* converting a lead costs 5 credits;
* inserting, updating or upserting records costs 1 credit per 10 records (a call of 1 to 10
  records costs 1, one of 100 records costs 10);
* a COQL query costs 1 credit for a LIMIT up to 200 (the default), 2 up to 1,000 and 3 up to
  2,000;
* creating a Bulk Write job costs 500 credits, and so does creating a custom module.

Paths are matched by segments below ``/crm/{version}/`` (``Leads/*/actions/convert``; ``*``
stands for one segment; Bulk API paths read ``bulk/write``). Users add or replace rules with
:meth:`CreditCosts.with_costs`, and one call's cost with its ``credits=`` argument.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._exceptions import InvalidArgumentError

if TYPE_CHECKING:
    from ._http._options import RequestOptions

__all__ = ["DEFAULT_CREDIT_RULES", "CreditCosts", "CreditRule"]

#: A rule's cost: a number of credits, or a function of the request.
Cost = int | Callable[["RequestOptions"], int]

_VERSION = re.compile(r"v\d+(\.\d+)?$")
_COQL_LIMIT = re.compile(r"\blimit\s+(?:\d+\s*,\s*)?(\d+)", re.IGNORECASE)


def per_ten_records(options: RequestOptions) -> int:
    """1 credit per 10 records of the body's ``data`` (at least 1)."""
    body = options.json
    records = body.get("data") if isinstance(body, Mapping) else None
    count = len(records) if isinstance(records, list) else 1
    return max(1, math.ceil(count / 10))


def coql_by_limit(options: RequestOptions) -> int:
    """1 credit up to LIMIT 200 (the default), 2 up to 1,000, 3 above."""
    body = options.json
    query = body.get("select_query") if isinstance(body, Mapping) else None
    found = _COQL_LIMIT.search(query) if isinstance(query, str) else None
    limit = int(found.group(1)) if found else 200
    return 1 if limit <= 200 else 2 if limit <= 1000 else 3


def _upper(method: str) -> str:
    return method.upper()


@attrs.frozen
class CreditRule:
    """One line of the cost table: calls of ``method`` on ``path`` cost ``credits``.

    ``path`` is a pattern of segments below ``/crm/{version}/`` where ``*`` matches one
    segment (``Leads/*/actions/convert``); ``credits`` is a number or a function of the
    request's :class:`RequestOptions` (e.g. by the number of records sent).
    """

    method: str = attrs.field(converter=_upper)
    path: str
    credits: Cost

    @property
    def segments(self) -> tuple[str, ...]:
        """The pattern split at ``/``."""
        return tuple(self.path.strip("/").split("/"))


#: Zoho's costs (see the module documentation); the first matching rule wins.
DEFAULT_CREDIT_RULES: Final = (
    CreditRule("POST", "Leads/*/actions/convert", 5),
    CreditRule("POST", "coql", coql_by_limit),
    CreditRule("POST", "bulk/write", 500),
    CreditRule("POST", "settings/modules", 500),
    CreditRule("POST", "*", per_ten_records),
    CreditRule("PUT", "*", per_ten_records),
    CreditRule("POST", "*/upsert", per_ten_records),
)


def _segments(path: str) -> tuple[str, ...]:
    """``path`` as the segments below ``/crm/{version}/`` (``bulk/...`` for the Bulk API)."""
    if path.startswith(("https://", "http://")):
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    path = path.split("?", 1)[0]
    parts = path.strip("/").split("/")
    if path.startswith("/") and parts[0] == "crm":
        parts = parts[1:]
        if parts and parts[0] == "bulk":
            if len(parts) > 1 and _VERSION.match(parts[1]):
                del parts[1]
        elif parts and _VERSION.match(parts[0]):
            del parts[0]
    return tuple(parts)


@attrs.frozen
class CreditCosts:
    """The API-credit cost of each call: rules (first match wins), else ``default``.

    ``CreditCosts()`` is Zoho's table (:data:`DEFAULT_CREDIT_RULES`). Rules are looked up by
    method and number of segments, so a call that matches none costs a dictionary lookup.
    """

    rules: tuple[CreditRule, ...] = DEFAULT_CREDIT_RULES
    default: int = 1
    #: The rules by method and number of segments, each as what its pattern compares.
    _index: dict[tuple[str, int], tuple[_Matcher, ...]] = attrs.field(
        init=False, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        if type(self.default) is not int or self.default < 0:
            raise InvalidArgumentError(
                f"default must be a whole number of credits >= 0, got {self.default!r}"
            )
        index: dict[tuple[str, int], list[_Matcher]] = {}
        for rule in self.rules:
            index.setdefault((rule.method, len(rule.segments)), []).append(_matcher(rule))
        object.__setattr__(self, "_index", {key: tuple(rules) for key, rules in index.items()})

    def with_costs(self, costs: Mapping[str, int]) -> CreditCosts:
        """These costs before the current rules: ``{"POST Leads/*/actions/convert": 5}``.

        Each key is a method and a path pattern separated by a space; each value a whole number
        of credits (0 makes the call free).

        Args:
            costs: Method-and-path patterns and their costs in credits; ``*`` matches one path
                segment.

        Returns:
            A copy whose rules try ``costs`` first, then the current ones.

        Raises:
            InvalidArgumentError: a key is not ``"METHOD pattern"`` or a value is not a whole
                number >= 0.
        """
        rules = tuple(_rule(key, value) for key, value in costs.items())
        return attrs.evolve(self, rules=rules + self.rules)

    def of(self, options: RequestOptions) -> int:
        """What the call ``options`` describes costs (its ``credits=`` first, if given).

        Args:
            options: The call: its method, path, body and per-call ``credits=``.

        Returns:
            The call's cost in credits: the first matching rule's, else the default.

        Raises:
            InvalidArgumentError: ``credits=`` is not a whole number >= 0.
        """
        given = options.credits
        if given is not None:
            if type(given) is not int or given < 0:
                raise InvalidArgumentError(
                    f"credits must be a whole number of API credits >= 0, got {given!r}"
                )
            return given
        method = options.method.upper()
        segments = _segments(options.path)
        for pick, wanted, rule in self._index.get((method, len(segments)), ()):
            if pick is None or pick(segments) == wanted:
                cost = rule.credits
                return cost if isinstance(cost, int) else cost(options)
        return self.default


#: A rule as what its pattern compares: a getter of the path segments at its literal parts
#: (None when every part is ``*``), what they must be, and the rule.
_Matcher = tuple[Callable[[tuple[str, ...]], Any] | None, Any, CreditRule]


def _matcher(rule: CreditRule) -> _Matcher:
    literal = [(index, part) for index, part in enumerate(rule.segments) if part != "*"]
    if not literal:
        return None, None, rule
    pick = operator.itemgetter(*(index for index, _ in literal))
    wanted = tuple(part for _, part in literal) if len(literal) > 1 else literal[0][1]
    return pick, wanted, rule


def _rule(key: Any, value: Any) -> CreditRule:
    method, _, path = str(key).strip().partition(" ")
    if not method or not path.strip():
        raise InvalidArgumentError(
            f"a credit cost key is a method and a path pattern, e.g. "
            f"'POST Leads/*/actions/convert'; got {key!r}"
        )
    if type(value) is not int or value < 0:
        raise InvalidArgumentError(
            f"the credit cost of {key!r} must be a whole number >= 0, got {value!r}"
        )
    return CreditRule(method, path.strip(), value)
