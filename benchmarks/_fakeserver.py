"""The benchmark servers in child processes, so they never share the client's CPU."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import zcrm_async as zc

__all__ = ["FakeServer", "NullServer", "fake_config", "fake_server", "lean_server", "null_server"]


class FakeServer(NamedTuple):
    """A running fake: its base URL, the grant code it printed, and its process id."""

    url: str
    grant: str
    pid: int


class NullServer(NamedTuple):
    """A running ``_null_server.py``: its base URL and process id."""

    url: str
    pid: int


@contextmanager
def _child(*argv: str) -> Iterator[subprocess.Popen[str]]:
    """Start ``python *argv`` with its output piped; terminate it on exit."""
    proc = subprocess.Popen([sys.executable, *argv], stdout=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


@contextmanager
def fake_server(*options: str) -> Iterator[FakeServer]:
    """Run ``python -m zcrm_async.testing serve --port 0 *options`` and yield a FakeServer.

    The URL and the pre-issued grant code are read from the server's start-up lines.
    """
    with _child("-m", "zcrm_async.testing", "serve", "--port", "0", *options) as proc:
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


@contextmanager
def null_server(latency: float, script: str = "_null_server.py") -> Iterator[NullServer]:
    """Run ``script LATENCY`` (a server of this folder); yield its URL once it listens."""
    path = Path(__file__).with_name(script)
    with _child(str(path), str(latency)) as proc:
        assert proc.stdout is not None
        found = re.search(r"serving at (\S+)", proc.stdout.readline())
        if found is None:
            raise RuntimeError(f"{script} did not start")
        yield NullServer(found.group(1), proc.pid)


def lean_server(latency: float) -> AbstractContextManager[NullServer]:
    """Run ``_lean_server.py LATENCY`` (answers writes per record, counts what it saw)."""
    return null_server(latency, "_lean_server.py")


def fake_config(url: str, **overrides: Any) -> zc.Config:
    """A client config for a fake served at ``url``: its default client and user, memory store."""
    import zcrm_async as zc
    from zcrm_async.testing import FakeZohoCRM

    defaults = FakeZohoCRM()  # only for its default client credentials
    values: dict[str, Any] = {
        "client_id": defaults.client_id,
        "client_secret": defaults.client_secret,
        "redirect_uri": defaults.redirect_uri,
        "accounts_url": url,
        "current_user_email": defaults.user_email,
        "persistence": "memory",
        "allow_untrusted_hosts": True,  # the fake serves plain http
    }
    return zc.Config(**{**values, **overrides})
