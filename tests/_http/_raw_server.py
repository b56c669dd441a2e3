"""A socket server answering every request with the same prebuilt bytes, then closing."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
import anyio.abc
from anyio.streams.tls import TLSListener


class RawServer:
    """Answers one request per connection with ``answer`` (change it between requests)."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.connections = 0
        self.port = 0

    async def handle(self, stream: anyio.abc.ByteStream) -> None:
        self.connections += 1
        async with stream:
            head = b""
            while b"\r\n\r\n" not in head:
                head += await stream.receive()
            await stream.send(self.answer)


@asynccontextmanager
async def serving(
    handle: Callable[[anyio.abc.ByteStream], Awaitable[None]], tls: ssl.SSLContext | None = None
) -> AsyncIterator[int]:
    """Serve each connection to a free port of 127.0.0.1 with ``handle`` (behind TLS with
    ``tls``) for the duration of the block; yields the port."""
    tcp = await anyio.create_tcp_listener(local_host="127.0.0.1")
    listener: anyio.abc.Listener[anyio.abc.ByteStream] = tcp
    if tls is not None:
        listener = TLSListener(tcp, tls, standard_compatible=False)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, handle)
        yield tcp.extra(anyio.abc.SocketAttribute.local_port)
        group.cancel_scope.cancel()


@asynccontextmanager
async def raw_server(
    answer: bytes, *, tls: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    """A :class:`RawServer` on a free port of 127.0.0.1 (behind TLS with ``tls``).

    Behind TLS a connection is counted only once its handshake succeeded.
    """
    server = RawServer(answer)
    async with serving(server.handle, tls) as server.port:
        yield server
