"""The events hooks receive: immutable, without secrets or record ids."""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = [
    "CallFinished",
    "LimiterChanged",
    "RateLimited",
    "RequestSent",
    "ResponseReceived",
    "Retrying",
    "TokenRefreshed",
]


@attrs.frozen
class RequestSent:
    """An attempt of a call is about to be sent (``attempt`` counts from 1).

    ``elapsed`` is the seconds since the call started: the token lookup, the wait for a slot
    of the limiter and earlier attempts with their backoffs.
    """

    call_id: int
    target: Literal["crm", "accounts"]
    method: str
    path_template: str
    host: str
    attempt: int
    elapsed: float = 0.0


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
    target: Literal["crm", "accounts"]
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
    """The adaptive limiter changed how many calls run at once: ``cut`` when 429s cluster,
    ``regrow`` after a full window of successes (with the shared limiter, whichever worker
    moved the org's limit)."""

    kind: Literal["cut", "regrow"]
    before: int
    after: int
