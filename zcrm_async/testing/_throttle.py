"""Which CRM API calls count against Zoho's sub-limit of 10 concurrent "heavy" calls."""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["HEAVY_WRITE_SIZE", "is_heavy"]

#: Inserts, updates and upserts of more than this many records are heavy.
HEAVY_WRITE_SIZE: Final = 10
_HEAVY_PATH = re.compile(
    r"/(search|coql|actions/convert|actions/mass_update|actions/send_mail|__composite_requests)$"
)
_WRITE_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


def is_heavy(method: str, path: str, payload: Any) -> bool:
    """Search, COQL, convert, mass update, send mail, composite, and writes of more than 10
    records.

    ``payload``: the decoded JSON body (None when empty or not JSON).
    """
    if _HEAVY_PATH.search(path.rstrip("/")):
        return True
    if method.upper() not in _WRITE_METHODS:
        return False
    data = payload.get("data") if isinstance(payload, dict) else None
    return isinstance(data, list) and len(data) > HEAVY_WRITE_SIZE
