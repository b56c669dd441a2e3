"""The answer of a Deluge function executed through its REST API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["FunctionResult"]


@attrs.define(slots=True)
class FunctionResult:
    """What a function returned.

    Zoho wraps a function's return value as ``{"code": "success", "details": {"output":
    ..., "output_type": ...}, "message": ...}``: ``output`` is that value and ``output_type``
    its Deluge type (``string``, ``map``, ``list``...). A function that shapes its own answer
    (``crmAPIResponse``) is returned as it is: ``output`` is its decoded JSON, or its text.
    """

    status_code: int
    output: Any = None
    output_type: str | None = None
    code: str | None = None
    message: str | None = None
    details: dict[str, Any] = attrs.field(factory=dict)
    content_type: str | None = None
    body: Any = attrs.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when Zoho reports the function ran (``code`` ``success``), or for a custom
        answer with a 2xx status."""
        if self.code is not None:
            return self.code.lower() == "success"
        return 200 <= self.status_code < 300

    def json(self) -> Any:
        """``output`` decoded from JSON when it is JSON text, else ``output`` as it is.

        Returns:
            The decoded map or list a function returned as text, or the output unchanged.
        """
        if isinstance(self.output, str):
            try:
                return json.loads(self.output)
            except ValueError:
                return self.output
        return self.output

    @classmethod
    def from_answer(cls, status_code: int, body: Any, content_type: str | None) -> FunctionResult:
        """Read Zoho's answer (the standard envelope, or a function's own).

        Args:
            status_code: The answer's HTTP status.
            body: The decoded body.
            content_type: The answer's ``Content-Type``.

        Returns:
            The function's result.
        """
        details = body.get("details") if isinstance(body, Mapping) else None
        if isinstance(body, Mapping) and "code" in body and isinstance(details, Mapping):
            return cls(
                status_code=status_code,
                output=details.get("output"),
                output_type=None
                if details.get("output_type") is None
                else str(details["output_type"]),
                code=str(body["code"]),
                message=None if body.get("message") is None else str(body["message"]),
                details=dict(details),
                content_type=content_type,
                body=body,
            )
        return cls(status_code=status_code, output=body, content_type=content_type, body=body)
