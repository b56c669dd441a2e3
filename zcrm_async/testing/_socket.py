"""Serving an ASGI app on a real socket: uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import gc
import select
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

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


class _MicrosecondSelector(selectors.EpollSelector):
    """epoll that waits as long as asked to the microsecond, not to the next millisecond.

    epoll counts its timeout in whole milliseconds and asyncio rounds it up, so each timer of
    the loop fires up to 1 ms late: the fake's 20 ms of latency took 20.5 ms on average.
    ``select()`` counts in microseconds and can wait on the epoll descriptor itself, which is
    readable when an event is ready.
    """

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout > 0:
            try:
                select.select([self.fileno()], [], [], timeout)
            except ValueError:  # a descriptor beyond select()'s range: epoll's own wait
                return super().select(timeout)
            timeout = 0
        return super().select(timeout)


def _event_loop() -> asyncio.AbstractEventLoop:
    """The loop the fake serves on: asyncio's, with timers to the microsecond where epoll is."""
    if hasattr(selectors, "EpollSelector"):
        return asyncio.SelectorEventLoop(_MicrosecondSelector())
    return asyncio.SelectorEventLoop()  # pragma: no cover - epoll is Linux's


class _OneSendPerTurn:
    """A connection's transport whose writes of one turn of the event loop leave in one send.

    uvicorn writes an answer's head and body separately, and asyncio sends each at once: two
    TCP segments, and a client woken twice for one small answer. A server such as Zoho's sends
    a small answer in one segment.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._loop = asyncio.get_running_loop()
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Queue ``data``; the turn's writes are sent together once it ends."""
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def close(self) -> None:
        """Send what is queued, then close."""
        self._flush()
        self._transport.close()

    def _flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools' C parser when installed, the testing extra; else
    h11) on a :class:`_OneSendPerTurn` transport."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    base: type[asyncio.Protocol] = H11Protocol
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        base = HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools comes with the testing extra
        pass

    class Protocol(base):  # type: ignore[valid-type, misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)
            super().connection_made(cast(asyncio.Transport, _OneSendPerTurn(transport)))

    return Protocol


def _server(app: ASGIApp, log_level: str) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level=log_level,
        http=_protocol(),
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

    def serve() -> None:
        with asyncio.Runner(loop_factory=_event_loop) as runner:
            runner.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=serve, name="fake-zoho-crm", daemon=True)
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
