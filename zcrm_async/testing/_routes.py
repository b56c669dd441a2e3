"""``ApiRoute``: a path template under ``/crm/{version}``, its handlers and scope family.

Kept apart from ``_handlers`` so that topic modules (``_handlers_<topic>.py``) can build their
``ROUTES`` without importing the main route table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ._state import Call, FakeState, Reply

__all__ = ["ApiKeyUser", "ApiRoute", "Handler", "RouteTable"]

Handler = Callable[[FakeState, Call], Reply]
#: The user a call authenticated by an API key (``auth_type=apikey&zapikey=``) acts as, or None.
ApiKeyUser = Callable[[FakeState, str], dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class ApiRoute:
    """A path template under ``/crm/{version}``, its handlers by method, its scope family and,
    for routes that take one, how an API key authenticates."""

    template: str
    methods: dict[str, Handler]
    scope: str
    #: Set for routes that also take an API key instead of an OAuth token (REST functions).
    api_key: ApiKeyUser | None = None
    #: The template's segments, split once.
    parts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(self.template.strip("/").split("/")))

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters if ``segments`` fit the template."""
        if len(self.parts) != len(segments):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(self.parts, segments, strict=True):
            if part[:1] == "{":
                params[part[1:-1]] = segment
            elif part != segment:
                return None
        return params


class RouteTable:
    """Routes looked up by their number of segments and first segment: the routes a path can
    fit, in their order in the table, so the first that fits wins as in a scan of all of them."""

    def __init__(self, routes: Iterable[ApiRoute]) -> None:
        by_length: defaultdict[int, list[ApiRoute]] = defaultdict(list)
        for route in routes:
            by_length[len(route.parts)].append(route)
        #: Routes whose first segment is a parameter, by length: what any first segment fits.
        self._open: dict[int, tuple[ApiRoute, ...]] = {}
        #: By (length, literal first segment): those routes and the open ones, in order.
        self._named: dict[tuple[int, str], tuple[ApiRoute, ...]] = {}
        for length, group in by_length.items():
            self._open[length] = tuple(r for r in group if _is_param(r.parts[0]))
            for first in {r.parts[0] for r in group if not _is_param(r.parts[0])}:
                fits = (r for r in group if r.parts[0] == first or _is_param(r.parts[0]))
                self._named[length, first] = tuple(fits)

    def match(self, segments: list[str]) -> tuple[ApiRoute | None, dict[str, str]]:
        """The first route ``segments`` fit and its path parameters, or ``(None, {})``."""
        length = len(segments)
        first = segments[0] if segments else ""
        candidates = self._named.get((length, first)) or self._open.get(length, ())
        for route in candidates:
            params = route.match(segments)
            if params is not None:
                return route, params
        return None, {}


def _is_param(part: str) -> bool:
    return part[:1] == "{"
