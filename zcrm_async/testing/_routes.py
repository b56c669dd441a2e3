"""``ApiRoute``: a path template under ``/crm/{version}``, its handlers and scope family.

Kept apart from ``_handlers`` so that topic modules (``_handlers_<topic>.py``) can build their
``ROUTES`` without importing the main route table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._state import Call, FakeState, Reply

__all__ = ["ApiKeyUser", "ApiRoute", "Handler"]

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

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters if ``segments`` fit the template."""
        parts = self.template.strip("/").split("/")
        if len(parts) != len(segments):
            return None
        params: dict[str, str] = {}
        for part, segment in zip(parts, segments, strict=True):
            if part.startswith("{"):
                params[part[1:-1]] = segment
            elif part != segment:
                return None
        return params
