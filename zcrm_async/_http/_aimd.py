"""When the adaptive concurrency limit moves: one decision, used by the local and shared limiters.

Zoho answers 429 ``TOO_MANY_REQUESTS`` when an org has more calls in flight than its edition
allows, but a 429 also comes alone now and then (a burst elsewhere in the org, a busy Zoho
server). Halving the concurrency for each of those isolated 429s collapses the throughput of a
bulk job for nothing: with one call in ten refused at random, a limiter that halves on every
burst spends most of its time growing back.

So a 429 is read as **congestion** only when 429s cluster: at least :data:`CLUSTER_MIN` of them
among the recent calls, making up at least :data:`CLUSTER_SHARE` of those calls. Calling above
the org's real limit refuses every call beyond it, so congestion meets that test within a
window; random refusals at a rate well below the share rarely do. The recent calls are counted
since the last cut and halved when they reach twice a window of :func:`window_size` calls (a
cheap stand-in for a sliding window that a Redis script can keep just as well).

Growth is additive as before: after as many successes as the current limit, one more slot, up to
the maximum. A cut halves the limit (never below the minimum) and starts a new epoch: 429s of
calls that started before it belong to the burst that caused it and are not counted again.
"""

from __future__ import annotations

from typing import Final, Literal, NamedTuple

__all__ = ["CLUSTER_MIN", "CLUSTER_SHARE", "Tally", "Verdict", "verdict", "window_size"]

#: The fewest 429s among the recent calls that can mean congestion.
CLUSTER_MIN: Final = 4
#: The share of the recent calls that must be 429s to mean congestion (one in four).
CLUSTER_SHARE: Final = 0.25
#: The smallest window of recent calls, whatever the limit.
MIN_WINDOW: Final = 20


class Tally(NamedTuple):
    """The limiter's state, as the decision sees it."""

    #: Calls allowed at once now.
    limit: int
    #: The configured ceiling and floor of ``limit``.
    maximum: int
    minimum: int
    #: Successes since the limit last moved.
    successes: int
    #: Recent calls (successes and counted 429s) and the 429s among them.
    calls: int
    throttles: int


class Verdict(NamedTuple):
    """What to do: ``cut`` or ``regrow`` to ``limit``, or ``decay`` the recent-call counts."""

    action: Literal["cut", "regrow", "decay"]
    limit: int


def window_size(limit: int) -> int:
    """How many recent calls a congestion decision looks at, for a limit of ``limit``."""
    return max(2 * limit, MIN_WINDOW)


def verdict(tally: Tally) -> Verdict | None:
    """The move the counts call for, or None.

    * ``cut``: the 429s cluster (at least :data:`CLUSTER_MIN`, and :data:`CLUSTER_SHARE` of the
      recent calls): halve the limit, reset the counts, start a new epoch;
    * ``regrow``: as many successes as the limit since it last moved: one slot more;
    * ``decay``: the recent calls reached twice the window: halve them and their 429s.
    """
    if tally.throttles >= CLUSTER_MIN and tally.throttles >= CLUSTER_SHARE * tally.calls:
        return Verdict("cut", max(tally.minimum, tally.limit // 2))
    if tally.limit < tally.maximum and tally.successes >= tally.limit:
        return Verdict("regrow", tally.limit + 1)
    if tally.calls >= 2 * window_size(tally.limit):
        return Verdict("decay", tally.limit)
    return None
