"""Serving an ASGI app on a real socket: uvicorn in a background thread."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

__all__ = ["bind", "running_in_thread", "tune_gc"]

_START_TIMEOUT = 10.0


def bind(host: str, port: int) -> tuple[socket.socket, str]:
    """A listening socket on ``host:port`` (0: any free port) and its ``http://`` URL."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
    # protocol is known; without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    bound = sock.getsockname()[1]
    return sock, f"http://[{host}]:{bound}" if ":" in host else f"http://{host}:{bound}"


def _server(app: ASGIApp, log_level: str) -> uvicorn.Server:
    # http="auto": httptools' C parser when it is installed (the testing extra), else h11.
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level=log_level,
        http="auto",
        loop="asyncio",
        access_log=False,
        proxy_headers=False,
    )
    return uvicorn.Server(config)


@contextmanager
def running_in_thread(
    app: ASGIApp, sock: socket.socket, log_level: str = "error"
) -> Iterator[None]:
    """Run uvicorn on ``sock`` in a daemon thread until the block ends (then close ``sock``)."""
    server = _server(app, log_level)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="fake-zoho-crm", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Zoho CRM server did not start")
            time.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        thread.join(_START_TIMEOUT)
        sock.close()


def tune_gc() -> None:
    """For a process that only serves the fake: full collections rarer, start-up objects frozen.

    The store keeps every record (a dict of dicts, tracked by the collector); with CPython's
    default thresholds each full collection walks all of them and costs more as the store grows.
    Gen 0 and 1 keep their defaults, so short-lived cycles are still collected promptly.
    """
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, 100)
    gc.collect()
    gc.freeze()
