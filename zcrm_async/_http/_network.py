"""The byte streams the transport speaks HTTP/1.1 over, one per connection.

On asyncio a connection is an asyncio protocol: the loop hands it what arrives, a read takes
what is there, and a timeout is a timer of the loop. anyio's streams (trio, and any other
loop) cost more per read: a checkpoint and a cancel scope each time, and reading paused and
resumed around every wait (two ``epoll_ctl`` calls). Both raise the same things: ``TimeoutError``
when a step outlasts its timeout, ``OSError`` (or anyio's stream errors) when the connection
fails, and a read returns ``b""`` at its end.
"""

# Every step takes its timeout from the request (httpx's per-request timeout extension).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from contextlib import suppress
from typing import Final, Protocol

import anyio
import anyio.abc
import sniffio

__all__ = ["NetworkStream", "connect", "is_readable"]

#: Bytes asked of the socket per read (anyio), and buffered unread before reading pauses.
_READ_SIZE: Final = 64 * 1024
#: How long closing a connection may take, even when the caller was cancelled.
CLOSE_TIMEOUT: Final = 2.0


class NetworkStream(Protocol):
    """One connection's bytes, both ways."""

    async def send(self, data: bytes, timeout: float | None) -> None:
        """Write ``data``, waiting at most ``timeout`` seconds for room to write it."""
        ...

    async def receive(self, timeout: float | None) -> bytes:
        """What arrived (waiting at most ``timeout`` seconds for some); ``b""`` at the end."""
        ...

    def readable(self) -> bool:
        """Whether a read would not wait: data or the end arrived (a server's close)."""
        ...

    async def aclose(self) -> None:
        """Close the connection, in bounded time even when the caller is being cancelled."""
        ...


async def connect(
    host: str, port: int, ssl_context: ssl.SSLContext | None, timeout: float | None
) -> NetworkStream:
    """A connection to ``host:port`` (TLS when ``ssl_context`` is given, the host name checked),
    opened within ``timeout`` seconds."""
    with anyio.fail_after(timeout):
        if sniffio.current_async_library() == "asyncio":
            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_connection(
                lambda: _AsyncioStream(loop),
                host,
                port,
                ssl=ssl_context,
                server_hostname=host if ssl_context is not None else None,
            )
            return protocol
        if ssl_context is not None:
            stream: anyio.abc.ByteStream = await anyio.connect_tcp(
                host,
                port,
                ssl_context=ssl_context,
                tls_hostname=host,
                tls_standard_compatible=False,
            )
        else:
            stream = await anyio.connect_tcp(host, port)
        return _AnyioStream(stream)


def is_readable(sock: socket.socket | None) -> bool:
    """True when a read would not block: data or EOF waiting (a gone socket counts as EOF)."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class _AnyioStream:
    """An anyio byte stream (trio, or any loop anyio runs on)."""

    __slots__ = ("_socket", "_stream")

    def __init__(self, stream: anyio.abc.ByteStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.extra(  # noqa: S610 - anyio's attributes
            anyio.abc.SocketAttribute.raw_socket, None
        )

    async def send(self, data: bytes, timeout: float | None) -> None:
        with anyio.fail_after(timeout):
            await self._stream.send(data)

    async def receive(self, timeout: float | None) -> bytes:
        with anyio.fail_after(timeout):
            try:
                return await self._stream.receive(_READ_SIZE)
            except anyio.EndOfStream:
                return b""

    def readable(self) -> bool:
        # Reading is paused between reads: what the server sent waits in the socket.
        return is_readable(self._socket)

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True, deadline=anyio.current_time() + CLOSE_TIMEOUT):
            with suppress(OSError, anyio.BrokenResourceError):
                await self._stream.aclose()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _AsyncioStream(asyncio.Protocol):
    """A connection as an asyncio protocol: what arrives is kept until read."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._received: list[bytes] = []
        self._unread = 0
        self._ended = False
        self._error: BaseException | None = None
        self._reading_paused = False
        self._writing_paused = False
        #: The future a read (or a write waiting for room) waits on.
        self._waiter: asyncio.Future[None] | None = None
        self._lost: asyncio.Future[None] = loop.create_future()

    # -- what the loop calls ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._received.append(data)
        self._unread += len(data)
        if self._unread > _READ_SIZE and not self._reading_paused and self._transport:
            self._transport.pause_reading()
            self._reading_paused = True
        self._wake()

    def eof_received(self) -> None:
        self._ended = True
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended = True
        self._error = exc
        self._writing_paused = False
        self._wake()
        if not self._lost.done():
            self._lost.set_result(None)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        self._wake()

    # -- the stream ------------------------------------------------------------------------

    async def send(self, data: bytes, timeout: float | None) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            raise self._broken("the connection is closed")
        transport.write(data)
        while self._writing_paused:
            await self._wait(timeout)
        if self._error is not None:
            raise self._broken("the connection broke while writing")

    async def receive(self, timeout: float | None) -> bytes:
        if not self._received and not self._ended:
            await self._wait(timeout)
        received = self._received
        if received:
            data = received[0] if len(received) == 1 else b"".join(received)
            received.clear()
            self._unread = 0
            if self._reading_paused and self._transport is not None:
                self._reading_paused = False
                self._transport.resume_reading()
            return data
        if self._error is not None:
            raise self._broken("the connection broke")
        return b""

    def readable(self) -> bool:
        return bool(self._received) or self._ended

    async def aclose(self) -> None:
        transport = self._transport
        if transport is None:
            return
        if transport.get_extra_info("sslcontext") is not None:
            transport.abort()  # no wait for the server's TLS close_notify
        else:
            transport.close()
        with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_TIMEOUT):
            await self._lost

    # -- helpers ---------------------------------------------------------------------------

    async def _wait(self, timeout: float | None) -> None:
        waiter = self._waiter = self._loop.create_future()
        timer = None if timeout is None else self._loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _broken(self, what: str) -> OSError:
        error = self._error
        if isinstance(error, OSError):
            return error
        return ConnectionError(f"{what}: {error}" if error is not None else what)
