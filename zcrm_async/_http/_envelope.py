"""Zoho's JSON envelope: decode bodies, map error statuses to exceptions."""

from __future__ import annotations

import json
import weakref
from typing import Any, Final

import httpx

from .._exceptions import (
    APIError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from ._retry import parse_retry_after

__all__ = ["decode", "encode_json", "error_from_response", "zoho_code"]

_SNIPPET = 200
_NOTHING: Final = object()


def _snippet(response: httpx.Response) -> str:
    text = response.content[:_SNIPPET].decode("utf-8", "replace")
    return text + ("..." if len(response.content) > _SNIPPET else "")


#: httpx's ``json=`` encoding (compact, UTF-8, no NaN), with the encoder built once.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
#: Bodies decoded by ``decode(..., keep=True)``, handed to the next ``decode`` of that response.
_KEPT: weakref.WeakKeyDictionary[httpx.Response, Any] = weakref.WeakKeyDictionary()


def encode_json(value: Any) -> bytes:
    """``value`` as a JSON request body, byte for byte what httpx's ``json=`` would send."""
    return _ENCODER.encode(value).encode("utf-8")


def decode(response: httpx.Response, *, keep: bool = False) -> Any:
    """The JSON body; None for an empty body (204, 304). Non-JSON is an :class:`APIError`.

    ``keep``: the next ``decode`` of this response returns this same object instead of parsing
    the body again (one hand-off, for a check that peeks at a body its caller then decodes).
    """
    if response.status_code in (204, 304) or not response.content:
        return None
    if _KEPT:
        kept = _KEPT.pop(response, _NOTHING)
        if kept is not _NOTHING:
            return kept
    try:
        body = json.loads(response.content)
        if keep:
            _KEPT[response] = body
        return body
    except ValueError:
        raise APIError(
            response.status_code,
            "MALFORMED_RESPONSE",
            f"Zoho sent a body that is not JSON: {_snippet(response)!r}",
            method=response.request.method,
            url=str(response.request.url.copy_with(query=None)),
        ) from None


def zoho_code(response: httpx.Response) -> str | None:
    """The ``code`` of an error envelope, if the body is one."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if isinstance(body, dict):
        code = body.get("code")
        if code is None and isinstance(body.get("data"), list) and body["data"]:
            first = body["data"][0]
            code = first.get("code") if isinstance(first, dict) else None
        return str(code) if code is not None else None
    return None


def error_from_response(response: httpx.Response) -> APIError:
    """The exception for an error status, carrying Zoho's code, message and details."""
    status = response.status_code
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        body = {"code": "MALFORMED_RESPONSE", "message": f"non-JSON body: {_snippet(response)!r}"}
    if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
        first = body["data"][0]
        body = first if isinstance(first, dict) else body
    if not isinstance(body, dict):
        body = {}
    details = body.get("details")
    kwargs: dict[str, Any] = {
        "method": response.request.method,
        "url": str(response.request.url.copy_with(query=None)),
    }
    args = (
        status,
        str(body.get("code") or body.get("error") or f"HTTP_{status}"),
        str(body.get("message") or response.reason_phrase or ""),
        details if isinstance(details, dict) else {},
    )
    if status == 401:
        return AuthenticationError(*args, **kwargs)
    if status == 403:
        return PermissionDeniedError(*args, **kwargs)
    if status == 404:
        return NotFoundError(*args, **kwargs)
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitError(*args, retry_after=retry_after, **kwargs)
    if status >= 500:
        return ServerError(*args, **kwargs)
    return APIError(*args, **kwargs)
