"""What the app reads on every request: the state, counters, pending faults and live knobs."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, fields, replace

from ._credits import CreditLedger
from ._faults import FaultQueue, Stats
from ._state import FakeState

__all__ = ["KNOB_NAMES", "Knobs", "Runtime"]


@dataclass(slots=True)
class Knobs:
    """The settings a test turns while the fake serves."""

    #: Seconds added to every CRM API request.
    latency: float = 0.0
    #: In-flight CRM API requests beyond this get 429 ``TOO_MANY_REQUESTS``.
    max_concurrency: int | None = None
    #: Heavy calls (search, COQL, convert, writes of > 10 records) in flight beyond this: 429.
    heavy_max_concurrency: int | None = None
    #: Fraction (0..1) of CRM API requests refused with 429 at random, before any work.
    fail_429_rate: float = 0.0
    #: API credits the org may spend per rolling 24 hours (None: no limit); past them, 429.
    credit_allowance: int | None = None
    #: The share of the allowance used from which answers carry ``X-API-CREDITS-REMAINING``
    #: (0: always; None: never).
    credits_header_from: float | None = 0.5

    def check(self) -> None:
        """Raise ``ValueError`` naming the first knob whose value cannot work."""
        if self.latency < 0:
            raise ValueError(f"latency must be 0 or more seconds, got {self.latency!r}")
        for name in ("max_concurrency", "heavy_max_concurrency"):
            limit = getattr(self, name)
            if limit is not None and limit < 0:
                raise ValueError(f"{name} must be None or 0 or more, got {limit!r}")
        if not 0.0 <= self.fail_429_rate <= 1.0:
            raise ValueError(f"fail_429_rate must be between 0 and 1, got {self.fail_429_rate!r}")
        allowance = self.credit_allowance
        if allowance is not None and (type(allowance) is not int or allowance < 0):
            raise ValueError(
                f"credit_allowance must be None or a whole number of credits >= 0, "
                f"got {allowance!r}"
            )
        share = self.credits_header_from
        if share is not None and (
            isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1
        ):
            raise ValueError(f"credits_header_from must be None or between 0 and 1, got {share!r}")


KNOB_NAMES = tuple(f.name for f in fields(Knobs))


@dataclass
class Runtime:
    """The state, the counters, the faults and the knobs (and their starting values)."""

    state: FakeState
    knobs: Knobs = field(default_factory=Knobs)
    stats: Stats = field(init=False)
    faults: FaultQueue = field(default_factory=FaultQueue)
    heavy_in_flight: int = 0
    #: The API credits spent in the rolling window.
    credits: CreditLedger = field(default_factory=CreditLedger)
    rng: random.Random = field(default_factory=random.Random)
    #: True while served by uvicorn: a dropped connection is then a real one.
    over_socket: bool = False
    _initial: Knobs = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.knobs.check()
        self.stats = Stats(lock=self.state.lock)
        self._initial = replace(self.knobs)

    def reset(self) -> None:
        """A fresh org, no faults, zeroed counters, the knobs the fake started with."""
        with self.state.lock:
            self.state.reset()
            self.faults.clear()
            self.stats.reset()
            self.credits.reset()
            self.knobs = replace(self._initial)
