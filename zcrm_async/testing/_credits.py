"""The org's allowance of API credits, as the fake enforces it.

Zoho gives every org an allowance of API credits per **rolling** 24 hours (a credit spent at
10:00 is back at 10:00 the next day) that depends on its edition and number of users, plus any
credits bought on top. Each call costs credits by Zoho's price list (1 by default, 5 to convert
a lead...: the table in ``zcrm_async._credit_costs``, shared with the SDK because it is what
Zoho charges, not how the SDK behaves). Once the allowance is spent Zoho answers ``429
TOO_MANY_REQUESTS`` (the code of its concurrency limit too) until credits free up; a refused
call costs nothing. Zoho is reported to add ``X-API-CREDITS-REMAINING`` to its answers once half
of the allowance is used: the fake does the same, from a share of the allowance a test can move.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Final, NamedTuple

import attrs

from .._credit_costs import CreditCosts
from .._http._options import RequestOptions

__all__ = [
    "Charge",
    "CREDITS_HEADER",
    "CREDIT_WINDOW",
    "EDITION_CREDITS",
    "CreditLedger",
    "CreditsSpent",
    "call_cost",
    "edition_allowance",
]

#: The header telling how many credits the window still has.
CREDITS_HEADER: Final = "X-API-CREDITS-REMAINING"
#: Zoho's window: 24 hours, in seconds.
CREDIT_WINDOW: Final = 86_400.0
#: Per edition: the org's base credits and the credits each user license adds.
EDITION_CREDITS: Final = {
    "free": (5_000, 0),
    "standard": (50_000, 250),
    "professional": (50_000, 500),
    "enterprise": (50_000, 1_000),
    "ultimate": (50_000, 2_000),
}
_COSTS: Final = CreditCosts()


def edition_allowance(edition: str, users: int = 1, add_ons: int = 0) -> int:
    """The credits per 24 hours Zoho gives an org of ``edition`` with ``users`` user licenses.

    Args:
        edition: ``free``, ``standard``, ``professional``, ``enterprise`` or ``ultimate``.
        users: The org's user licenses.
        add_ons: Credits bought on top.

    Returns:
        The allowance: the edition's base, the credits per user times ``users``, the add-ons.

    Raises:
        ValueError: An unknown edition, or a negative count.
    """
    if edition.lower() not in EDITION_CREDITS:
        known = ", ".join(EDITION_CREDITS)
        raise ValueError(f"unknown edition {edition!r}; known: {known}")
    if users < 0 or add_ons < 0:
        raise ValueError(f"users and add_ons must be 0 or more, got {users!r} and {add_ons!r}")
    base, per_user = EDITION_CREDITS[edition.lower()]
    return base + per_user * users + add_ons


def call_cost(method: str, path: str, payload: Any) -> int:
    """What Zoho charges for one CRM API call (``payload``: its decoded JSON body or None)."""
    return _COSTS.of(RequestOptions(method, path, json=payload))


@attrs.frozen
class CreditsSpent:
    """The fake org's API credits in the current window.

    Attributes:
        allowance: Credits per window, or None when the fake enforces none.
        spent: Credits the calls of the window cost.
        remaining: ``allowance - spent`` (never below 0), or None without an allowance.
        frees_in: Seconds until the oldest credits spent leave the window (None: none spent).
        window: The window's length in seconds (Zoho's 24 hours).
    """

    allowance: int | None
    spent: int
    remaining: int | None
    frees_in: float | None
    window: float = CREDIT_WINDOW


class _Bucket:
    """The credits charged within one second (``when``: the latest charge's time)."""

    __slots__ = ("credits", "second", "when")

    def __init__(self, second: int, when: float) -> None:
        self.second = second
        self.when = when
        self.credits = 0


class CreditLedger:
    """The credits spent in the last ``window`` seconds, in buckets of one second.

    A bucket leaves the window one window after its latest charge, so a credit is never freed
    before Zoho frees it, and at most a second after; memory stays bounded (one bucket per
    second of the window) however many calls the fake serves. Callers hold the fake's lock and
    pass the fake's clock reading as ``now``.
    """

    def __init__(self, window: float = CREDIT_WINDOW) -> None:
        self.window = window
        self._buckets: deque[_Bucket] = deque()
        self._spent = 0

    def spent(self, now: float) -> int:
        """Credits spent in the window ending at ``now``."""
        buckets = self._buckets
        while buckets and buckets[0].when <= now - self.window:
            gone = buckets.popleft()
            self._spent -= gone.credits
            gone.credits = 0  # a refund from it now gives back nothing
        return self._spent

    def charge(self, cost: int, now: float, allowance: int | None) -> Charge | None:
        """Spend ``cost`` credits if ``allowance`` (None: no limit) has them; what was taken,
        for :meth:`refund`, or None when they are short (nothing is spent)."""
        if allowance is not None and self.spent(now) + cost > allowance:
            return None
        second = int(now // 1)
        buckets = self._buckets
        if buckets and buckets[-1].second == second:
            bucket = buckets[-1]
            bucket.when = max(bucket.when, now)
        else:
            bucket = _Bucket(second, now)
            buckets.append(bucket)
        bucket.credits += cost
        self._spent += cost
        return Charge(bucket, cost)

    def refund(self, charge: Charge) -> None:
        """Give back a charge Zoho would not count (nothing once its bucket left the window)."""
        given = min(charge.cost, charge.bucket.credits)
        charge.bucket.credits -= given
        self._spent -= given

    def snapshot(self, now: float, allowance: int | None) -> CreditsSpent:
        """What is spent and what remains at ``now``."""
        spent = self.spent(now)
        oldest = next((b for b in self._buckets if b.credits), None)
        return CreditsSpent(
            allowance=allowance,
            spent=spent,
            remaining=None if allowance is None else max(0, allowance - spent),
            frees_in=None if oldest is None else oldest.when + self.window - now,
            window=self.window,
        )

    def reset(self) -> None:
        """Forget every credit spent."""
        self._buckets.clear()
        self._spent = 0


class Charge(NamedTuple):
    """Credits taken for one call: ``cost`` in ``bucket``."""

    bucket: _Bucket
    cost: int
