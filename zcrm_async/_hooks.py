"""Hooks: what a service can observe on the request path (metrics, tracing, audit logs).

Subclass :class:`Hooks`, override the methods you need and pass an instance (or several) as
``ZohoCRM(config, hooks=...)``. Every event (``_events.py``) is an immutable attrs object with
no secret in it:
paths come as a template (``/crm/v8/Leads/{id}``) without query string, ids or tokens. Hooks
run synchronously in the task making the call, so keep them quick; an exception in a hook is
logged and does not disturb the call. With no hooks attached nothing is built or called.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from ._logging import logger

if TYPE_CHECKING:  # the event classes load with the first client that has hooks
    from ._events import (
        CallFinished,
        LimiterChanged,
        RateLimited,
        RequestSent,
        ResponseReceived,
        Retrying,
        TokenRefreshed,
    )

__all__ = ["EventName", "HookSet", "Hooks", "path_template"]

_ID_SEGMENT: Final = re.compile(r"(?<=/)[0-9]+(?=/|$)")


def path_template(path: str, external: str | None = None) -> str:
    """A path without what identifies a record or carries a value.

    ``/crm/v8/Leads/5725767000000524157/Notes?fields=Note_Title`` ->
    ``/crm/v8/Leads/{id}/Notes``: numeric segments become ``{id}``; a query string, fragment,
    scheme and host are dropped.

    Args:
        path: A URL path (best still percent-encoded, so that an escaped ``/`` in a value does
            not split it), or a full URL.
        external: The request's ``X-EXTERNAL`` header (``Leads.External_ID,...``), if any:
            the request then addresses records by the values of external fields, so the
            segment after each module it names is such a value and becomes ``{id}`` too.

    Returns:
        The template, such as ``/crm/v8/Leads/{id}``.
    """
    path = path.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    template = _ID_SEGMENT.sub("{id}", path)
    if not external:
        return template
    modules = {name.split(".", 1)[0].strip() for name in external.split(",")}
    segments = template.split("/")
    for index in range(1, len(segments)):
        if segments[index] and segments[index - 1] in modules:
            segments[index] = "{id}"
    return "/".join(segments)


#: Each hook method and the event class it receives.
_EVENT_CLASSES: Final = {
    "request_sent": "RequestSent",
    "response_received": "ResponseReceived",
    "retrying": "Retrying",
    "rate_limited": "RateLimited",
    "call_finished": "CallFinished",
    "token_refreshed": "TokenRefreshed",
    "limiter_changed": "LimiterChanged",
}
_EVENT_METHODS: Final = tuple(_EVENT_CLASSES)
EventName = Literal[
    "request_sent",
    "response_received",
    "retrying",
    "rate_limited",
    "call_finished",
    "token_refreshed",
    "limiter_changed",
]


def _overrides(hook: Hooks, name: str) -> bool:
    return getattr(type(hook), name) is not getattr(Hooks, name)


class Hooks:
    """Callbacks on the request path; every method does nothing until overridden."""

    def request_sent(self, event: RequestSent) -> None:
        """An attempt is about to be sent.

        Args:
            event: The call's id, method, path template, host, attempt number and how long
                the call has run.
        """

    def response_received(self, event: ResponseReceived) -> None:
        """An attempt got an answer (any status).

        Args:
            event: The status, Zoho's error code if any, the attempt and its duration.
        """

    def retrying(self, event: Retrying) -> None:
        """An attempt failed and will be retried.

        Args:
            event: The attempt, the reason and the wait before the next attempt.
        """

    def rate_limited(self, event: RateLimited) -> None:
        """Zoho answered 429.

        Args:
            event: The attempt and the ``Retry-After`` Zoho sent (None if none).
        """

    def call_finished(self, event: CallFinished) -> None:
        """A call is over (success or error).

        Args:
            event: The final status (None if no answer came), the attempts made, and Zoho's
                error code or the error's class on failure.
        """

    def token_refreshed(self, event: TokenRefreshed) -> None:
        """An access token was minted.

        Args:
            event: The grant type, accounts host, user and duration (never a token).
        """

    def limiter_changed(self, event: LimiterChanged) -> None:
        """The adaptive concurrency limit moved.

        Args:
            event: Whether the limit was cut or regrown, and its value before and after.
        """


class HookSet:
    """The hooks attached to one client, each called in turn; a failing hook is logged.

    The request path hands over each event's fields; the event is built here, and only when a
    hook overrides that event's method, so a client without such hooks never builds one (nor
    loads the event classes).
    """

    def __init__(self, hooks: Sequence[Hooks]) -> None:
        from . import _events

        self.hooks = tuple(hooks)
        self._events = _events
        #: Per event, the overriding methods to call.
        self._targets: dict[str, list[Any]] = {
            name: [getattr(hook, name) for hook in self.hooks if _overrides(hook, name)]
            for name in _EVENT_METHODS
        }

    @classmethod
    def of(cls, hooks: Hooks | Sequence[Hooks] | None) -> HookSet | None:
        """The set for ``hooks`` (one or several), or None when none overrides anything."""
        if hooks is None:
            return None
        listed = [hooks] if isinstance(hooks, Hooks) else list(hooks)
        for hook in listed:
            if not isinstance(hook, Hooks):
                from ._exceptions import InvalidArgumentTypeError

                raise InvalidArgumentTypeError(
                    f"hooks must be Hooks instances (subclass zcrm_async.Hooks), got {hook!r}"
                )
        if not any(_overrides(hook, name) for hook in listed for name in _EVENT_METHODS):
            return None
        return cls(listed)

    def emit(self, name: EventName, **fields: Any) -> None:
        """Build the event ``name`` from ``fields`` and call every hook overriding ``name``."""
        targets = self._targets[name]
        if not targets:
            return
        event = getattr(self._events, _EVENT_CLASSES[name])(**fields)
        for method in targets:
            try:
                method(event)
            except Exception:
                hook = type(getattr(method, "__self__", method)).__name__
                logger.warning("hook %s.%s failed", hook, name, exc_info=True)
