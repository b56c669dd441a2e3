"""Zoho's JSON envelope: an answer decoded once, and error statuses mapped to exceptions."""

from __future__ import annotations

import json
import os
from typing import Any, Final

import httpx

from .._exceptions import (
    APIError,
    AuthenticationError,
    CreditsExhaustedError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ServerError,
    UnexpectedResponseError,
)
from .._headers import credits_remaining
from ._retry import parse_retry_after

__all__ = [
    "Answer",
    "credits_spent",
    "decode_json",
    "encode_json",
    "error_from_answer",
    "error_item",
    "has_record_results",
    "mask_credentials",
    "public_url",
    "use_orjson",
    "zoho_code",
]

_SNIPPET: Final = 200
#: httpx's ``json=`` encoding (compact, UTF-8, no NaN), with the encoder built once.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_NOT_DECODED: Final = object()

try:  # the "fast" extra: the same JSON, encoded and decoded several times faster
    import orjson as _orjson
except ImportError:  # pragma: no cover - the standard library does it all
    _orjson = None  # type: ignore[assignment]

#: Whether orjson encodes and decodes (when installed, unless ``ZCRM_ASYNC_JSON=stdlib``).
_use_orjson = _orjson is not None and os.environ.get("ZCRM_ASYNC_JSON", "").lower() != "stdlib"
#: The values orjson writes exactly as the standard library does (floats: see ``_orjson_same``).
_SCALARS: Final = frozenset({str, int, bool, type(None)})
_INF: Final = float("inf")
#: Every byte of a number's characters (digits and the minus sign) as "0", any other as " ".
_NUMERIC: Final = bytes(48 if 48 <= b <= 57 or b == 45 else 32 for b in range(256))
#: 20 such characters in a row: maybe an integer beyond 64 bits (orjson reads it as a float).
_LONG_NUMBER: Final = b"0" * 20
#: Such a run anywhere but at the start: it follows another character (a " " once translated).
_LONG_NUMBER_AFTER: Final = b" " + _LONG_NUMBER


def use_orjson(enabled: bool) -> bool:
    """Encode and decode JSON with orjson (``True``) or the standard library (``False``).

    Both give the same bytes and values; orjson is used by default when it is installed
    (``pip install zcrm_async[fast]``) unless the environment sets ``ZCRM_ASYNC_JSON=stdlib``.

    Args:
        enabled: Use orjson from now on.

    Returns:
        Whether orjson was used before.

    Raises:
        InvalidArgumentError: ``enabled`` is true but orjson is not installed.
    """
    global _use_orjson
    if enabled and _orjson is None:
        raise InvalidArgumentError("orjson is not installed: pip install zcrm_async[fast]")
    before, _use_orjson = _use_orjson, bool(enabled)
    return before


def encode_json(value: Any) -> bytes:
    """``value`` as a JSON request body, byte for byte what httpx's ``json=`` would send.

    orjson encodes it when it writes the very same bytes: plain dicts, lists, strings, ints,
    booleans, None and floats that Python writes without an exponent. Anything else (NaN,
    ``1e-05``, a Decimal, a date, an enum, a non-string key...) goes through the standard
    library, which writes it or refuses it as it always did.
    """
    if _use_orjson and _orjson_same(value):
        try:
            return _orjson.dumps(value)
        except TypeError:  # orjson refuses it (an int beyond 64 bits, a non-string key...)
            pass
    return _ENCODER.encode(value).encode("utf-8")


def decode_json(content: bytes) -> Any:
    """``content`` decoded as JSON (ValueError if it is not), as ``json.loads`` decodes it.

    orjson decodes it unless the body may hold an integer beyond 64 bits (which orjson reads
    as a float) or orjson refuses it (``NaN``, a lone surrogate, a byte-order mark...): then the
    standard library decides.
    """
    if _use_orjson and not _may_hold_long_integer(content):
        try:
            return _orjson.loads(content)
        except ValueError:
            pass
    return json.loads(content)


def _may_hold_long_integer(content: bytes) -> bool:
    """Whether ``content`` has a run of 20 digits or minus signs (maybe an integer orjson would
    read as a float).

    The run is searched backwards with the character before it: CPython's backward search is a
    plain skip loop, 2-5 times faster on answers full of 19-digit ids than ``in``, whose forward
    search keeps trying every position of each run.
    """
    numeric = content.translate(_NUMERIC)
    return numeric.startswith(_LONG_NUMBER) or numeric.rfind(_LONG_NUMBER_AFTER) >= 0


def _orjson_same(value: Any) -> bool:
    """Whether orjson writes ``value`` exactly as the standard library's encoder does.

    Floats: both write the shortest repr, but Python switches to an exponent below 1e-4
    (``1.5e-05``) where orjson writes ``0.000015``; NaN and infinities orjson writes as null.
    """
    stack: list[Any] = [(value,)]
    push, pop, scalars = stack.append, stack.pop, _SCALARS  # locals: this runs per value
    while stack:
        container = pop()
        for item in container.values() if type(container) is dict else container:
            if type(item) in scalars:  # most values: one lookup, nothing bound
                continue
            kind = type(item)
            if kind is float:
                if not (1e-4 <= abs(item) < _INF or item == 0.0):
                    return False
            elif kind is dict or kind is list or kind is tuple:
                push(item)
            else:
                return False
    return True


def public_url(request: httpx.Request) -> str:
    """The request's URL without its query string (what errors and logs show)."""
    return str(request.url.copy_with(query=None))


def mask_credentials(response: httpx.Response) -> httpx.Response:
    """Mask the ``Authorization`` header of the request kept on ``response`` (before the
    response leaves the SDK in an error or as a raw answer); returns ``response``."""
    headers = response.request.headers
    if "authorization" in headers:
        headers["Authorization"] = "Zoho-oauthtoken ***"
    return response


def _snippet(content: bytes) -> str:
    text = content[:_SNIPPET].decode("utf-8", "replace")
    return text + ("..." if len(content) > _SNIPPET else "")


class Answer:
    """A read response and its body, decoded at most once whoever asks first."""

    __slots__ = ("_body", "response")

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._body: Any = _NOT_DECODED

    @property
    def status_code(self) -> int:
        """The HTTP status."""
        return self.response.status_code

    def json(self) -> Any:
        """The JSON body; None for an empty body (204, 304). Not JSON: UnexpectedResponseError."""
        body = self._body
        if body is _NOT_DECODED:
            body = self._body = self._decode()
        if isinstance(body, _Text):
            raise UnexpectedResponseError(
                self.response.status_code,
                "MALFORMED_RESPONSE",
                f"Zoho sent a body that is not JSON: {body.snippet!r}",
                method=self.response.request.method,
                url=public_url(self.response.request),
                response=mask_credentials(self.response),
                body=body.text,
            )
        return body

    def json_or_text(self) -> Any:
        """The JSON body, or the body as text when it is not JSON (an HTML error page)."""
        body = self._body
        if body is _NOT_DECODED:
            body = self._body = self._decode()
        return body.text if isinstance(body, _Text) else body

    def _decode(self) -> Any:
        content = self.response.content
        if self.response.status_code in (204, 304) or not content:
            return None
        try:
            return decode_json(content)
        except ValueError:
            return _Text(content.decode("utf-8", "replace"), _snippet(content))


class _Text:
    """A body that is not JSON."""

    __slots__ = ("snippet", "text")

    def __init__(self, text: str, snippet: str) -> None:
        self.text = text
        self.snippet = snippet


def zoho_code(body: Any) -> str | None:
    """The ``code`` of an error envelope (or of its first per-record item), if it is one."""
    if not isinstance(body, dict):
        return None
    code = error_item(body).get("code")
    return str(code) if code is not None else None


def error_item(body: dict[str, Any]) -> dict[str, Any]:
    """The object of an answer that says what went wrong: the body itself, or the first item of
    its ``data`` array, or the object (or first item) a settings API wraps its answer in
    (``{"tags": [{...}]}``, ``{"base_currency": {...}}``)."""
    data = body.get("data")
    if isinstance(data, list) and data:
        return data[0] if isinstance(data[0], dict) else body
    if "code" in body:
        return body
    for value in body.values():
        item = value[0] if isinstance(value, list) and value else value
        if isinstance(item, dict) and "code" in item:
            return item
    return body


def has_record_results(body: Any) -> bool:
    """True when ``body`` carries per-record results: a 400 that is an answer, not an error."""
    if not isinstance(body, dict):
        return False
    if isinstance(body.get("data"), list) and body["data"]:
        return True
    # Settings writes answer per item under their own key: {"users": [...]}, {"taxes": [...]}.
    return any(
        isinstance(value, list) and value and isinstance(value[0], dict) and "status" in value[0]
        for value in body.values()
    )


def credits_spent(answer: Answer) -> bool:
    """Whether a 429 says the org's API credits are spent (``X-API-CREDITS-REMAINING: 0``),
    not that too many calls run at once."""
    return answer.status_code == 429 and credits_remaining(answer.response.headers) == 0


def error_from_answer(answer: Answer) -> APIError:
    """The exception for an error status, carrying Zoho's code, message, details and the answer.

    A body that is not JSON (an HTML error page of a proxy or of Zoho's front end) keeps the
    status's meaning: a 5xx is a :class:`ServerError` whatever its body.
    """
    response = mask_credentials(answer.response)
    status = response.status_code
    body = answer.json_or_text()
    envelope = error_item(body) if isinstance(body, dict) else body
    if not isinstance(envelope, dict):
        text = f": {_snippet(response.content)!r}" if isinstance(body, str) else ""
        envelope = {"message": f"{response.reason_phrase or 'error'}{text}"}
    details = envelope.get("details")
    kwargs: dict[str, Any] = {
        "method": response.request.method,
        "url": public_url(response.request),
        "response": response,
        "body": body,
    }
    args = (
        status,
        str(envelope.get("code") or envelope.get("error") or f"HTTP_{status}"),
        str(envelope.get("message") or response.reason_phrase or ""),
        details if isinstance(details, dict) else {},
    )
    if 300 <= status < 400:
        location = response.headers.get("Location")
        return RedirectError(
            status,
            f"HTTP_{status}",
            f"Zoho answered with a redirect to {location or 'nowhere'}; it was not followed "
            "(Zoho's API does not redirect: check api_base_url, accounts_url and any proxy)",
            location=location,
            **kwargs,
        )
    if status == 401:
        return AuthenticationError(*args, **kwargs)
    if status == 403:
        return PermissionDeniedError(*args, **kwargs)
    if status == 404:
        return NotFoundError(*args, **kwargs)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        kind = CreditsExhaustedError if credits_spent(answer) else RateLimitError
        return kind(*args, retry_after=retry_after, **kwargs)
    if status >= 500:
        return ServerError(*args, **kwargs)
    return APIError(*args, **kwargs)
