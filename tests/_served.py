"""``python -m zcrm_async.testing serve`` in a child process, as a user of the fake runs it."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["ServedFake", "served_fake"]

_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class ServedFake:
    """A running ``serve`` process: its URL, the grant code it printed, the process."""

    url: str
    grant_code: str
    process: subprocess.Popen[str]
    banner: str


def _read_banner(process: subprocess.Popen[str]) -> str:
    """The start-up lines, up to "Press Ctrl+C" (bounded by ``_START_TIMEOUT``)."""
    stdout = process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    # A thread reads, so the wait for each line can be bounded (a pipe read cannot).
    reader = threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True)
    reader.start()
    seen: list[str] = []
    deadline = time.monotonic() + _START_TIMEOUT
    while not seen or not seen[-1].startswith("Press Ctrl+C"):
        try:
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            code = process.poll()
            raise RuntimeError(f"serve did not start (exit code {code}): {seen}") from None
    return "".join(seen)


@contextmanager
def served_fake(*options: str, env: Mapping[str, str] | None = None) -> Iterator[ServedFake]:
    """Run ``serve --port 0 *options`` until the block ends (then terminate it).

    ``env``: the child's environment (default: this process's).
    """
    command = [sys.executable, "-m", "zcrm_async.testing", "serve", "--port", "0", *options]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        banner = _read_banner(process)
        url = re.search(r"serving at (\S+)", banner)
        code = re.search(r"grant code:\s+(\S+)", banner)
        assert url and code, banner
        yield ServedFake(url[1], code[1], process, banner)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
