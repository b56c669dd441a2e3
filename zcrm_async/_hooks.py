"""Hooks: what a service can observe on the request path (metrics, tracing, audit logs).

Subclass :class:`Hooks`, override the methods you need and pass an instance (or several) as
``ZohoCRM(config, hooks=...)``. Every event is an immutable attrs object with no secret in it:
paths come as a template (``/crm/v8/Leads/{id}``) without query string, ids or tokens. Hooks
run synchronously in the task making the call, so keep them quick; an exception in a hook is
logged and does not disturb the call. With no hooks attached nothing is built or called.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

import attrs

from ._logging import logger

__all__ = [
    "CallFinished",
    "HookSet",
    "Hooks",
    "LimiterChanged",
    "RateLimited",
    "RequestSent",
    "ResponseReceived",
    "Retrying",
    "TokenRefreshed",
    "path_template",
]

_ID_SEGMENT: Final = re.compile(r"(?<=/)[0-9]+(?=/|$)")


def path_template(path: str) -> str:
    """``/crm/v8/Leads/5725767000000524157/Notes`` -> ``/crm/v8/Leads/{id}/Notes``."""
    return _ID_SEGMENT.sub("{id}", path)


@attrs.frozen
class RequestSent:
    """An attempt of a call is about to be sent (``attempt`` counts from 1)."""

    call_id: int
    target: Literal["crm", "accounts"]
    method: str
    path_template: str
    host: str
    attempt: int


@attrs.frozen
class ResponseReceived:
    """An attempt got an answer. ``error_code`` is Zoho's ``code`` of an error answer."""

    call_id: int
    target: Literal["crm", "accounts"]
    method: str
    path_template: str
    status_code: int
    attempt: int
    elapsed: float
    error_code: str | None = None


@attrs.frozen
class Retrying:
    """An attempt failed and the call will be sent again after ``delay`` seconds.

    ``reason`` is ``HTTP <status>`` or the name of the network error (``ConnectError``...).
    """

    call_id: int
    target: Literal["crm", "accounts"]
    method: str
    path_template: str
    attempt: int
    reason: str
    delay: float


@attrs.frozen
class RateLimited:
    """Zoho answered 429 (too many concurrent calls, or the day's credits are spent)."""

    call_id: int
    method: str
    path_template: str
    attempt: int
    retry_after: float | None


@attrs.frozen
class CallFinished:
    """A call is over: the one event per call, whatever happened.

    ``status_code`` is the final answer's (None when none came), ``attempts`` how many were
    sent, ``error_code`` Zoho's code of a final error answer, ``error`` the class name of the
    exception raised (None on success), ``started`` the wall-clock start (``time.time()``)
    and ``duration`` the seconds it took (retries and their waits included).
    """

    call_id: int
    target: Literal["crm", "accounts"]
    method: str
    path_template: str
    status_code: int | None
    attempts: int
    error_code: str | None
    error: str | None
    started: float
    duration: float


@attrs.frozen
class TokenRefreshed:
    """The accounts server minted an access token (``grant_type`` ``refresh_token`` after an
    expiry or a rejected token, ``authorization_code`` for a new grant)."""

    grant_type: str
    accounts_host: str
    user_email: str | None
    duration: float


@attrs.frozen
class LimiterChanged:
    """The adaptive limiter changed how many calls run at once: ``cut`` after a 429,
    ``regrow`` after a full window of successes."""

    kind: Literal["cut", "regrow"]
    before: int
    after: int


class Hooks:
    """Callbacks on the request path; every method does nothing until overridden."""

    def request_sent(self, event: RequestSent) -> None:
        """An attempt is about to be sent."""

    def response_received(self, event: ResponseReceived) -> None:
        """An attempt got an answer (any status)."""

    def retrying(self, event: Retrying) -> None:
        """An attempt failed and will be retried."""

    def rate_limited(self, event: RateLimited) -> None:
        """Zoho answered 429."""

    def call_finished(self, event: CallFinished) -> None:
        """A call is over (success or error)."""

    def token_refreshed(self, event: TokenRefreshed) -> None:
        """An access token was minted."""

    def limiter_changed(self, event: LimiterChanged) -> None:
        """The adaptive concurrency limit moved."""


class HookSet:
    """The hooks attached to one client, each called in turn; a failing hook is logged."""

    def __init__(self, hooks: Sequence[Hooks]) -> None:
        self.hooks = tuple(hooks)

    @classmethod
    def of(cls, hooks: Hooks | Sequence[Hooks] | None) -> HookSet | None:
        """The set for ``hooks`` (one or several), or None when there is none."""
        if hooks is None:
            return None
        listed = [hooks] if isinstance(hooks, Hooks) else list(hooks)
        for hook in listed:
            if not isinstance(hook, Hooks):
                from ._exceptions import InvalidArgumentTypeError

                raise InvalidArgumentTypeError(
                    f"hooks must be Hooks instances (subclass zcrm_async.Hooks), got {hook!r}"
                )
        return cls(listed) if listed else None

    def _emit(self, name: str, event: object) -> None:
        for hook in self.hooks:
            try:
                getattr(hook, name)(event)
            except Exception:
                logger.warning("hook %s.%s failed", type(hook).__name__, name, exc_info=True)

    def request_sent(self, event: RequestSent) -> None:
        """Call every hook's :meth:`Hooks.request_sent`."""
        self._emit("request_sent", event)

    def response_received(self, event: ResponseReceived) -> None:
        """Call every hook's :meth:`Hooks.response_received`."""
        self._emit("response_received", event)

    def retrying(self, event: Retrying) -> None:
        """Call every hook's :meth:`Hooks.retrying`."""
        self._emit("retrying", event)

    def rate_limited(self, event: RateLimited) -> None:
        """Call every hook's :meth:`Hooks.rate_limited`."""
        self._emit("rate_limited", event)

    def call_finished(self, event: CallFinished) -> None:
        """Call every hook's :meth:`Hooks.call_finished`."""
        self._emit("call_finished", event)

    def token_refreshed(self, event: TokenRefreshed) -> None:
        """Call every hook's :meth:`Hooks.token_refreshed`."""
        self._emit("token_refreshed", event)

    def limiter_changed(self, event: LimiterChanged) -> None:
        """Call every hook's :meth:`Hooks.limiter_changed`."""
        self._emit("limiter_changed", event)
