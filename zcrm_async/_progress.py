"""Progress reporting for long operations: ``callback(done, total, rate)``."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Progress", "ProgressCallback"]

#: ``callback(done, total, rate)``: items done so far, the total if known (else None), and the
#: average rate in items per second since the operation started.
ProgressCallback = Callable[[int, int | None, float], None]


class Progress:
    """Counts finished items and tells a :data:`ProgressCallback` (if any) after each step."""

    def __init__(
        self,
        callback: ProgressCallback | None,
        total: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self._clock = clock
        self._started = clock()

    @property
    def rate(self) -> float:
        """Items per second since the start (0.0 before any time has passed)."""
        elapsed = self._clock() - self._started
        return self.done / elapsed if elapsed > 0 else 0.0

    def advance(self, count: int = 1) -> None:
        """Record ``count`` more finished items and report."""
        self.done += count
        if self.callback is not None:
            self.callback(self.done, self.total, self.rate)

    def start(self) -> None:
        """Report the starting point (0 done), so a progress bar can show the total early."""
        if self.callback is not None:
            self.callback(self.done, self.total, 0.0)
