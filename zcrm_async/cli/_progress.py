"""A live progress bar on stderr with rich (extra ``cli``); silent when it cannot be shown."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .._progress import ProgressCallback

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(description: str, *, enabled: bool | None) -> Iterator[ProgressCallback | None]:
    """Yield a ``(done, total, rate)`` callback drawing a bar, or None when disabled.

    ``enabled=None`` shows the bar only when stderr is a terminal and rich is installed.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield None
        return
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:  # pragma: no cover - the 'cli' extra is not installed
        yield None
        return
    columns: list[Any] = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>8.0f}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(description, total=None, rate=0.0)

        def update(done: int, total: int | None, rate: float) -> None:
            bar.update(task, completed=done, total=total, rate=rate)

        yield update
