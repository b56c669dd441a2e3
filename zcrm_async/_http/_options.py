"""Request options: the per-call options users pass, and the one object a request travels as."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict

import attrs
import httpx

from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError

if TYPE_CHECKING:
    from .._models import OAuthTokens

__all__ = [
    "CLIENT_DEFAULT",
    "OPTION_NAMES",
    "ClientDefault",
    "Accept",
    "RequestArgs",
    "RequestOptions",
    "RequestOptionsDict",
    "Target",
    "Timeout",
    "check_options",
    "merge_options",
]

#: A timeout in seconds, an ``httpx.Timeout``, or None for no timeout at all.
Timeout = float | httpx.Timeout | None


class RequestOptionsDict(TypedDict, total=False):
    """Per-call options: every manager method takes them as keyword arguments, and
    ``crm.with_options(...)`` makes them the defaults of a view.

    ``timeout`` replaces the client's (seconds, an ``httpx.Timeout``, or None for none);
    ``max_retries`` replaces the retry policy's; ``headers`` and ``params`` are sent on top of
    what the call itself sends (they win where both name the same header or parameter).
    """

    timeout: Timeout
    max_retries: int
    headers: Mapping[str, str]
    params: Mapping[str, Any]


class ClientDefault(enum.Enum):
    """Marks an option left to the client (its config, or the retry policy)."""

    VALUE = "client default"


CLIENT_DEFAULT: Final = ClientDefault.VALUE


class RequestArgs(RequestOptionsDict, total=False):
    """What ``crm.request()`` and ``crm.stream()`` take besides the method and path: the body
    (``json``, ``content`` or ``files``), ``idempotent`` (None: by method; True allows retrying
    a 5xx), ``heavy`` (counts against Zoho's sub-limit of heavy calls), ``credits`` (the API
    credits the call costs, instead of the client's cost table) and the per-call options.
    """

    json: Any
    content: bytes | None
    files: Any
    idempotent: bool | None
    heavy: bool
    credits: int | None


#: The names :class:`RequestOptionsDict` allows.
OPTION_NAMES: Final = frozenset(RequestOptionsDict.__annotations__)

#: Which final answers a call hands back instead of raising: only successes; also a 400 whose
#: body holds per-record results (multi-record writes); or every status (the accounts server,
#: whose callers read its error answers themselves).
Accept = Literal["success", "record_errors", "any_status"]
#: Who answers: the CRM API (signed, limited, on the user's API domain) or the accounts server.
Target = Literal["crm", "accounts"]


@attrs.define
class RequestOptions:
    """One request as a manager describes it, handed unchanged to the one retry loop (built
    per call and never changed after: not frozen only because frozen attrs classes cost four
    times as much to build, on every call).

    ``path`` is relative to ``/crm/{version}/``, or absolute from the domain root when it
    starts with ``/``, or a full URL. ``json`` is encoded once for every attempt. ``timeout``
    and ``max_retries`` left at their defaults use the client's. ``idempotent`` (None: by
    method) decides whether a 5xx or a broken read is retried; ``heavy`` takes a slot of
    Zoho's sub-limit for heavy calls. ``token`` signs with those tokens instead of the user's
    (used while a grant's user is still unknown). ``credits`` is the call's API-credit cost
    (None: from the credit budget's cost table).
    """

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    content: bytes | None = None
    data: Mapping[str, Any] | None = None
    files: Any = None
    headers: Mapping[str, str] | None = None
    timeout: Timeout | ClientDefault = CLIENT_DEFAULT
    max_retries: int | None = None
    idempotent: bool | None = None
    heavy: bool = False
    accept: Accept = "success"
    target: Target = "crm"
    token: OAuthTokens | None = None
    credits: int | None = None


def check_options(options: Mapping[str, Any]) -> None:
    """Refuse unknown per-call option names (a typo) and values of the wrong kind."""
    unknown = set(options) - OPTION_NAMES
    if unknown:
        raise InvalidArgumentTypeError(
            f"unexpected keyword argument(s) {', '.join(map(repr, sorted(unknown)))}; "
            f"the per-call options are {', '.join(sorted(OPTION_NAMES))}"
        )
    retries = options.get("max_retries", 0)
    if type(retries) is not int or not 0 <= retries <= 20:
        raise InvalidArgumentError(f"max_retries must be a whole number 0..20, got {retries!r}")
    timeout = options.get("timeout")
    seconds = not isinstance(timeout, bool) and isinstance(timeout, int | float) and timeout > 0
    if timeout is not None and not isinstance(timeout, httpx.Timeout) and not seconds:
        raise InvalidArgumentError(
            f"timeout must be seconds > 0, an httpx.Timeout or None, got {timeout!r}"
        )
    for name in ("headers", "params"):
        value = options.get(name)
        if value is not None and not isinstance(value, Mapping):
            raise InvalidArgumentTypeError(f"{name} must be a mapping, got {value!r}")


def merge_options(base: RequestOptionsDict, extra: RequestOptionsDict) -> RequestOptionsDict:
    """``extra`` over ``base``: ``headers`` and ``params`` are merged, the rest replaced."""
    merged: RequestOptionsDict = {**base, **extra}
    for name in ("headers", "params"):
        if name in base and name in extra:
            merged[name] = {**base[name], **extra[name]}
    return merged
