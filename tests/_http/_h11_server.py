"""A keep-alive HTTP/1.1 server on a real socket, framed by h11, whose answers a test scripts.

Each request is read whole (any framing the client chose) and handed to ``answer``; what
that returns is sent back, then the connection waits for the next request unless the answer
said to close. The server counts connections, the requests on each, and how many connections
were open at once.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
import anyio.abc
import anyio.lowlevel
import h11

from tests._http._raw_server import serving


@dataclass
class Seen:
    """One request as the server read it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int


@dataclass
class Answer:
    """What to send back: status, headers and body parts, and how to misbehave."""

    status: int = 200
    parts: list[bytes] = field(default_factory=lambda: [b"ok"])
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunked: bool = False  # Transfer-Encoding: chunked instead of Content-Length
    delay: float = 0.0  # seconds before the head is sent
    stall: bool = False  # never answer
    cut_after: int | None = None  # close the socket after this many body parts
    close: bool = False  # Connection: close


class H11Server:
    """The server's state; ``answer`` decides each reply (plain ``200 ok`` by default)."""

    def __init__(self) -> None:
        self.answer: Callable[[Seen], Answer] = lambda seen: Answer()
        self.port = 0
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.seen: list[Seen] = []

    async def handle(self, stream: anyio.abc.ByteStream) -> None:
        self.connections += 1
        number = self.connections
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        protocol = h11.Connection(h11.SERVER)
        try:
            async with stream:
                while await self._exchange(stream, protocol, number):
                    protocol.start_next_cycle()
        except (anyio.BrokenResourceError, anyio.EndOfStream, ConnectionError):
            pass
        finally:
            self.open -= 1

    async def _exchange(
        self, stream: anyio.abc.ByteStream, protocol: h11.Connection, number: int
    ) -> bool:
        """Serve one request; whether the connection stays open for another."""
        request: h11.Request | None = None
        body = b""
        while True:
            event = protocol.next_event()
            if event is h11.NEED_DATA:
                data = await stream.receive()
                protocol.receive_data(data)
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                return False
        assert request is not None
        seen = Seen(
            request.method.decode(),
            request.target.decode(),
            {name.decode(): value.decode() for name, value in request.headers},
            body,
            number,
        )
        self.seen.append(seen)
        answer = self.answer(seen)
        if answer.stall:
            await anyio.sleep_forever()
        await anyio.sleep(answer.delay)
        headers = list(answer.headers)
        if answer.chunked:
            headers.append(("transfer-encoding", "chunked"))
        else:
            headers.append(("content-length", str(sum(map(len, answer.parts)))))
        if answer.close:
            headers.append(("connection", "close"))
        await stream.send(protocol.send(h11.Response(status_code=answer.status, headers=headers)))
        parts = [] if seen.method == "HEAD" else answer.parts  # a HEAD answer has no body
        for index, part in enumerate(parts):
            if answer.cut_after is not None and index >= answer.cut_after:
                return False
            await stream.send(protocol.send(h11.Data(data=part)))
            await anyio.lowlevel.checkpoint()
        await stream.send(protocol.send(h11.EndOfMessage()))
        return protocol.our_state is h11.DONE and protocol.their_state is h11.DONE


@asynccontextmanager
async def h11_server(tls: ssl.SSLContext | None = None) -> AsyncIterator[H11Server]:
    """An :class:`H11Server` on a free port of 127.0.0.1 (behind TLS with ``tls``) for the
    duration of the block."""
    server = H11Server()
    async with serving(server.handle, tls) as server.port:
        yield server
