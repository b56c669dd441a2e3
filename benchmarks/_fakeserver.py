"""The fake Zoho CRM in a child process, for benchmarks that must not share its CPU."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

__all__ = ["FakeServer", "fake_server"]


class FakeServer(NamedTuple):
    """A running fake: its base URL, the grant code it printed, and its process id."""

    url: str
    grant: str
    pid: int


@contextmanager
def fake_server(*options: str) -> Iterator[FakeServer]:
    """Run ``python -m zcrm_async.testing serve --port 0 *options`` and yield a FakeServer.

    The URL and the pre-issued grant code are read from the server's start-up lines; the process
    is terminated on exit.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "zcrm_async.testing", "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = grant = ""
        for line in proc.stdout:
            if match := re.search(r"serving at (\S+)", line):
                url = match.group(1)
            if match := re.search(r"grant code:\s+(\S+)", line):
                grant = match.group(1)
            if line.startswith("Press Ctrl+C"):
                break
        if not url or not grant:
            raise RuntimeError("the fake server did not start (no URL or grant code printed)")
        yield FakeServer(url, grant, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
