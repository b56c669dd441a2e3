"""Counters and injected faults (fail, drop, slow, malformed) for the next matching requests."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

__all__ = ["DEFAULT_ERRORS", "FAULT_KINDS", "Fault", "FaultQueue", "Stats"]

FaultKind = Literal["fail", "drop", "malformed", "slow"]
FAULT_KINDS: tuple[FaultKind, ...] = ("fail", "drop", "malformed", "slow")

#: The code and message a status gets when ``fail_next`` is not told otherwise.
DEFAULT_ERRORS: dict[int, tuple[str, str]] = {
    400: ("INVALID_DATA", "invalid data"),
    401: ("INVALID_TOKEN", "invalid oauth token"),
    403: ("NO_PERMISSION", "permission denied"),
    404: ("INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"),
    429: ("TOO_MANY_REQUESTS", "too many requests. please try again after some time"),
    500: ("INTERNAL_ERROR", "Internal server error occurred."),
    502: ("BAD_GATEWAY", "Bad Gateway"),
    503: ("SERVICE_UNAVAILABLE", "The service is temporarily unavailable"),
    504: ("GATEWAY_TIMEOUT", "Gateway Timeout"),
}


def default_error(status: int) -> tuple[str, str]:
    """Zoho's code and message for an HTTP status (generic for undocumented ones)."""
    if status in DEFAULT_ERRORS:
        return DEFAULT_ERRORS[status]
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return phrase.upper().replace(" ", "_"), phrase


@dataclass
class Stats:
    """What the fake has seen. ``reset()`` zeroes everything."""

    requests: int = 0
    api_requests: int = 0
    token_requests: int = 0
    token_mints: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    #: CRM API requests refused with 429 (concurrency limits or ``fail_429_rate``).
    throttled: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def reset(self) -> None:
        """Zero every counter (``in_flight`` keeps counting requests still being served)."""
        with self.lock:
            self.requests = self.api_requests = self.token_requests = self.token_mints = 0
            self.throttled = 0
            self.max_in_flight = self.in_flight
            self.by_route = Counter()


@dataclass(slots=True)
class Fault:
    """One injected behaviour for the next ``times`` matching CRM API requests."""

    kind: FaultKind
    times: int
    path: str | None = None
    method: str | None = None
    status: int = 500
    code: str | None = None
    message: str | None = None
    retry_after: float | None = None
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is one this fault targets (path: substring of the URL path)."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or self.path in path


class FaultQueue:
    """Pending faults in the order they were added. Callers hold the fake's lock."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault (``times`` < 1 is ignored)."""
        if fault.times > 0:
            self._faults.append(fault)

    def clear(self) -> None:
        """Forget every pending fault."""
        self._faults.clear()

    def take(self, method: str, path: str, *, slow: bool) -> Fault | None:
        """Consume one use of the first matching delay (``slow``) or outcome fault."""
        for fault in self._faults:
            if (fault.kind == "slow") == slow and fault.matches(method, path):
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None
