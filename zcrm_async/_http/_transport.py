"""The default transport: HTTP/1.1 on anyio streams, framed by h11, with a keep-alive pool.

httpx hands every request to a transport (its public ``AsyncBaseTransport`` interface). Its
default one, httpcore's connection pool, spent ~0.6 ms of CPU per request here beyond the
socket work (a 28 KB write answered with 36 KB, benchmarks/README.md): a lock and a cancel
scope around every step, several event-loop turns per request, and a scan of every pooled
connection before and after each one. This transport keeps per request only what HTTP/1.1
needs: take an idle connection to the origin (or open one, within ``max_connections``), write
the request in one send, read the answer's head, and hand the body to httpx as a stream; the
connection returns to the pool when its body has been read to the end, and is closed if the
body is abandoned, the exchange fails or is cancelled, or the server asked to close.

h11 does the HTTP/1.1 framing both ways (header validation, ``Content-Length`` and chunked
bodies, a server's ``Connection: close``), over an asyncio protocol on asyncio and anyio's
streams elsewhere (``_network``). TLS is verified with httpx's CA bundle, the server name
checked, ALPN offering ``http/1.1`` only.

Timeouts, as httpcore's: ``connect`` bounds opening the connection (TLS included), ``write``
each write and ``read`` each read, so a body that keeps dripping bytes is never cut (a bound
on a whole call is the caller's); ``pool`` bounds the wait for room in a full pool.

An answer whose stream is neither read to its end nor closed keeps its connection (and its room
in the pool) for as long as it lives: httpx leaves closing a streamed answer to its caller.

Proxies: httpx reads ``HTTP(S)_PROXY`` only for a client it gives its own transport, so
``ZohoCRM`` uses this transport only when the environment names no proxy.
"""

# Every step takes its timeout from the request (httpx's per-request timeout extension).
# ruff: noqa: ASYNC109

from __future__ import annotations

import collections
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from typing import Final, NamedTuple

import anyio
import h11
import httpx

from ._network import NetworkStream, connect

__all__ = ["PoolTransport", "default_transport"]

#: The most bytes of an incomplete event (an answer's head, a chunk's size line) h11 buffers:
#: a server sending a longer one is refused.
_MAX_HEAD: Final = 100 * 1024  # httpcore's bound
_DEFAULT_PORTS: Final = {b"http": 80, b"https": 443}


def default_transport(limits: httpx.Limits) -> PoolTransport:
    """A pooled HTTP/1.1 transport with ``limits``, TLS verified with httpx's CA bundle."""
    context = httpx.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return PoolTransport(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
    )


class _Origin(NamedTuple):
    scheme: bytes
    host: str
    port: int


class _Timeouts(NamedTuple):
    connect: float | None
    read: float | None
    write: float | None
    pool: float | None

    @classmethod
    def of(cls, request: httpx.Request) -> _Timeouts:
        given = request.extensions.get("timeout", {})
        return cls(given.get("connect"), given.get("read"), given.get("write"), given.get("pool"))


@contextmanager
def _errors(
    timeout: type[httpx.TimeoutException], failure: type[httpx.TransportError]
) -> Iterator[None]:
    """Raise a step's failures as the httpx errors the retry policy reads."""
    try:
        yield
    except TimeoutError as exc:
        raise timeout(str(exc) or "timed out") from exc
    except h11.RemoteProtocolError as exc:
        raise httpx.RemoteProtocolError(str(exc)) from exc
    except h11.LocalProtocolError as exc:
        raise httpx.LocalProtocolError(str(exc)) from exc
    except (OSError, anyio.BrokenResourceError, anyio.EndOfStream) as exc:
        # anyio's BrokenResourceError says nothing; the OSError behind it does.
        raise failure(str(exc) or str(exc.__cause__ or "") or type(exc).__name__) from exc


class _Connection:
    """One socket to one origin and the h11 state of its exchanges."""

    __slots__ = ("idle_since", "origin", "protocol", "stream")

    def __init__(self, origin: _Origin, stream: NetworkStream) -> None:
        self.origin = origin
        self.stream = stream
        self.protocol = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        #: When it went idle, by time.monotonic(): a server times idle connections out in
        #: real seconds, whatever clock the event loop keeps.
        self.idle_since = 0.0

    async def send(self, request: httpx.Request, timeout: float | None) -> None:
        """Write ``request``: head and in-memory body in one write, a streamed body as it comes.

        ``timeout`` bounds each write, not the whole upload.
        """
        try:
            content: bytes | None = request.content
        except httpx.RequestNotRead:
            content = None
        with _errors(httpx.WriteTimeout, httpx.WriteError):  # h11 checks the head's fields
            event = h11.Request(
                method=request.method, target=request.url.raw_path, headers=request.headers.raw
            )
        head = self._frame(event)
        if content is None:
            await self._write(head, timeout)
            assert isinstance(request.stream, httpx.AsyncByteStream)
            async for part in request.stream:
                if part:
                    await self._write(self._frame(h11.Data(data=part)), timeout)
            await self._write(self._frame(h11.EndOfMessage()), timeout)
        else:
            if content:
                head += self._frame(h11.Data(data=content))
            await self._write(head + self._frame(h11.EndOfMessage()), timeout)

    def _frame(self, event: h11.Request | h11.Data | h11.EndOfMessage) -> bytes:
        """``event`` as bytes (h11 refuses, e.g., more body than the ``Content-Length``)."""
        with _errors(httpx.WriteTimeout, httpx.WriteError):
            data = self.protocol.send(event)
        assert data is not None
        return data

    async def _write(self, data: bytes, timeout: float | None) -> None:
        with _errors(httpx.WriteTimeout, httpx.WriteError):
            await self.stream.send(data, timeout)

    async def receive(self, timeout: float | None) -> h11.Event:
        """The next event of the answer, reading from the socket as h11 needs."""
        protocol = self.protocol
        event = protocol.next_event()
        if event is not h11.NEED_DATA:
            return event  # type: ignore[return-value]
        with _errors(httpx.ReadTimeout, httpx.ReadError):
            while True:
                data = await self.stream.receive(timeout)  # the timeout is per read
                if not data and protocol.their_state is h11.SEND_RESPONSE:
                    # h11 would say "can't handle event type ConnectionClosed..."
                    raise httpx.RemoteProtocolError(
                        "Server disconnected without sending a response."
                    )
                protocol.receive_data(data)
                event = protocol.next_event()
                if event is not h11.NEED_DATA:
                    break
        return event  # type: ignore[return-value]

    async def receive_head(self, timeout: float | None) -> h11.Response:
        """The answer's status line and headers (informational 1xx answers skipped)."""
        while True:
            event = await self.receive(timeout)
            if type(event) is h11.Response:
                return event
            if type(event) is not h11.InformationalResponse:
                raise httpx.RemoteProtocolError(
                    f"unexpected {type(event).__name__} before the answer"
                )

    @property
    def reusable(self) -> bool:
        """Whether both sides finished the exchange and the connection may carry another.

        Not if the server sent bytes beyond its answer: they would start the next one.
        """
        protocol = self.protocol
        return (
            protocol.our_state is h11.DONE
            and protocol.their_state is h11.DONE
            and not protocol.trailing_data[0]
        )

    @property
    def stale(self) -> bool:
        """Whether an idle connection got bytes or its end: the server closed it (or sent
        what nobody asked for)."""
        return self.stream.readable()

    def expired(self, now: float, expiry: float | None) -> bool:
        """Whether an idle connection was idle longer than ``expiry`` seconds."""
        return expiry is not None and now - self.idle_since > expiry

    async def aclose(self) -> None:
        """Close the socket, in bounded time even when the caller is being cancelled."""
        await self.stream.aclose()


class _Waiter:
    """A request waiting for room in a full pool: handed a connection, or leave to open one."""

    __slots__ = ("connection", "event", "granted", "origin")

    def __init__(self, origin: _Origin) -> None:
        self.origin = origin
        self.event = anyio.Event()
        self.granted = False
        self.connection: _Connection | None = None


class PoolTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests over pooled HTTP/1.1 keep-alive connections.

    Args:
        ssl_context: The TLS settings of ``https`` connections.
        max_connections: Connections open at once, idle or busy, across all origins.
        max_keepalive_connections: Idle connections kept for reuse.
        keepalive_expiry: Seconds an idle connection is kept (``None``: until the server
            closes it).
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        max_connections: int | None = 100,
        max_keepalive_connections: int | None = 20,
        keepalive_expiry: float | None = 5.0,
    ) -> None:
        self._ssl_context = ssl_context
        self._max_connections = max_connections if max_connections is not None else 2**31
        self._max_idle = (
            max_keepalive_connections if max_keepalive_connections is not None else 2**31
        )
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._idle_count = 0
        self._open = 0  # connections open or being opened, idle or busy
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a pooled connection; the answer's body is streamed."""
        url = request.url
        scheme = url.raw_scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(
                f"the URL's scheme must be http or https, not {scheme!r}"
            )
        origin = _Origin(scheme, url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[scheme])
        timeouts = _Timeouts.of(request)
        connection = await self._checkout(origin, timeouts)
        try:
            # A server may answer before reading the whole body (a 413 to a large upload) and
            # close, failing the write: its answer is still read (as httpcore does).
            with suppress(httpx.WriteError):
                await connection.send(request, timeouts.write)
            head = await connection.receive_head(timeouts.read)
        except BaseException:
            await self._discard(connection)
            raise
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=_Body(self, connection, timeouts.read),
            extensions={"http_version": b"HTTP/" + head.http_version, "reason_phrase": head.reason},
        )

    async def aclose(self) -> None:
        """Close every idle connection; busy ones close when their answer is done.

        Requests waiting for room fail with :class:`RuntimeError`, as later ones do.
        """
        self._closed = True
        for waiter in self._waiters:
            waiter.event.set()  # not granted: told the transport closed
        idle = [connection for connections in self._idle.values() for connection in connections]
        self._idle.clear()
        self._idle_count = 0
        for connection in idle:
            self._open -= 1
            await connection.aclose()

    # -- the pool ------------------------------------------------------------------------------

    async def _checkout(self, origin: _Origin, timeouts: _Timeouts) -> _Connection:
        """An idle connection to ``origin`` that is still good, or a new one."""
        if self._closed:
            raise RuntimeError("the transport is closed")
        connection = await self._take_idle(origin)
        if connection is not None:
            return connection
        if self._open >= self._max_connections and self._idle_count:
            await self._close_oldest_idle()  # another origin's idle connection makes room
        if self._open >= self._max_connections:
            connection = await self._wait_for_room(origin, timeouts.pool)
            if connection is not None:
                return connection
        else:
            self._open += 1
        try:
            return await self._connect(origin, timeouts.connect)
        except BaseException:
            self._release_room()
            raise

    async def _take_idle(self, origin: _Origin) -> _Connection | None:
        """The newest idle connection to ``origin`` that is still good; expired ones closed.

        The newest is reused first, so the oldest (at the front) are closed here once they
        expire, or they would stay open behind it for as long as it serves.
        """
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle and idle[0].expired(now, self._keepalive_expiry):
            self._idle_count -= 1
            await self._discard(idle.pop(0))
        while idle:  # oldest to newest, so none of these expired
            connection = idle.pop()
            self._idle_count -= 1
            if not connection.stale:
                return connection
            await self._discard(connection)
        return None

    async def _close_oldest_idle(self) -> None:
        oldest = min(
            (connections[0] for connections in self._idle.values() if connections),
            key=lambda connection: connection.idle_since,
        )
        self._idle[oldest.origin].remove(oldest)
        self._idle_count -= 1
        await self._discard(oldest)

    async def _wait_for_room(self, origin: _Origin, timeout: float | None) -> _Connection | None:
        """Wait until a connection is handed over (returned) or room is made (``None``)."""
        waiter = _Waiter(origin)
        self._waiters.append(waiter)
        try:
            with anyio.fail_after(timeout):
                await waiter.event.wait()
        except BaseException as exc:
            if not waiter.granted:
                self._waiters.remove(waiter)
            elif waiter.connection is not None:
                await self._hand_over(waiter.connection)
            else:
                self._release_room()
            if isinstance(exc, TimeoutError):
                raise httpx.PoolTimeout("no connection became free in time") from exc
            raise
        if not waiter.granted:  # woken by aclose()
            self._waiters.remove(waiter)
            raise RuntimeError("the transport is closed")
        return waiter.connection

    def _release_room(self) -> None:
        """A connection closed (or was never opened): its room goes to a waiter, if any."""
        if self._waiters and not self._closed:
            self._grant(self._waiters.popleft(), None)  # the waiter opens a connection
        else:
            self._open -= 1

    @staticmethod
    def _grant(waiter: _Waiter, connection: _Connection | None) -> None:
        waiter.granted = True
        waiter.connection = connection
        waiter.event.set()

    async def _connect(self, origin: _Origin, timeout: float | None) -> _Connection:
        context = self._ssl_context if origin.scheme == b"https" else None
        with _errors(httpx.ConnectTimeout, httpx.ConnectError):
            stream = await connect(origin.host, origin.port, context, timeout)
        return _Connection(origin, stream)

    async def _checkin(self, connection: _Connection) -> None:
        """A connection whose answer was read to its end: reused if both sides allow it."""
        if not connection.reusable:
            await self._discard(connection)
            return
        connection.protocol.start_next_cycle()
        await self._hand_over(connection)

    async def _hand_over(self, connection: _Connection) -> None:
        """A connection ready for a new exchange: to a waiter for its origin, idle, or closed."""
        if self._closed:
            await self._discard(connection)
            return
        for waiter in self._waiters:
            if waiter.origin == connection.origin:
                self._waiters.remove(waiter)
                self._grant(waiter, connection)
                return
        if self._waiters or self._idle_count >= self._max_idle:
            await self._discard(connection)  # its room serves a waiter for another origin
            return
        connection.idle_since = time.monotonic()
        self._idle.setdefault(connection.origin, []).append(connection)
        self._idle_count += 1

    async def _discard(self, connection: _Connection) -> None:
        self._release_room()
        await connection.aclose()


class _Body(httpx.AsyncByteStream):
    """An answer's body read from its connection; the connection goes back when it ends."""

    def __init__(self, pool: PoolTransport, connection: _Connection, timeout: float | None) -> None:
        self._pool = pool
        self._connection: _Connection | None = connection
        self._timeout = timeout

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        connection = self._connection
        if connection is None:
            raise StopAsyncIteration
        try:
            event = await connection.receive(self._timeout)
        except BaseException:
            self._connection = None
            await self._pool._discard(connection)
            raise
        if type(event) is h11.Data:
            return bytes(event.data)
        self._connection = None
        if type(event) is h11.EndOfMessage:
            await self._pool._checkin(connection)
            raise StopAsyncIteration
        await self._pool._discard(connection)
        raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__} in the answer's body")

    async def aclose(self) -> None:
        """Close the connection if the body was not read to its end."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._pool._discard(connection)
