"""The default transport against servers that misbehave or answer in unusual ways, on real sockets.

Each test scripts the server's bytes itself (a listener on 127.0.0.1 or ::1 whose handler the
test writes), and runs under asyncio and trio.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import anyio
import anyio.abc
import httpx
import pytest

import zcrm_async as zc
from tests._http._h11_server import Answer, H11Server, h11_server
from zcrm_async._http._retry import RetryPolicy
from zcrm_async._http._transport import PoolTransport, default_transport
from zcrm_async.testing import FakeZohoCRM

pytestmark = [pytest.mark.socket, pytest.mark.anyio]

Handler = Callable[[anyio.abc.SocketStream], Awaitable[None]]


class Scripted:
    """A listener whose connections the test's ``handler`` serves; counts connections."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.port = 0
        self.connections = 0

    async def serve(self, stream: anyio.abc.SocketStream) -> None:
        self.connections += 1
        async with stream:
            with suppress(anyio.BrokenResourceError, anyio.EndOfStream, ConnectionError):
                await self.handler(stream)


@asynccontextmanager
async def scripted(handler: Handler, host: str = "127.0.0.1") -> AsyncIterator[Scripted]:
    server = Scripted(handler)
    listener = await anyio.create_tcp_listener(local_host=host)
    server.port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as group:
        group.start_soon(listener.serve, server.serve)
        yield server
        group.cancel_scope.cancel()


async def read_head(stream: anyio.abc.SocketStream) -> bytes:
    """The request's head (and whatever of its body came with it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += await stream.receive()
    return data


@pytest.fixture
async def server() -> AsyncIterator[H11Server]:
    async with h11_server() as running:
        yield running


def client(max_connections: int = 5, **timeouts: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=5)
    return httpx.AsyncClient(
        transport=default_transport(limits), timeout=httpx.Timeout(5.0, **timeouts)
    )


def pool(http: httpx.AsyncClient) -> PoolTransport:
    transport = http._transport
    assert isinstance(transport, PoolTransport)
    return transport


def settled(transport: PoolTransport) -> bool:
    """Every connection the pool counts as open is an idle one, and nobody waits."""
    return transport._open == transport._idle_count and not transport._waiters


async def test_an_http_1_0_answer_delimited_by_the_close_is_read_whole() -> None:
    async def handler(stream: anyio.abc.SocketStream) -> None:
        await read_head(stream)
        await stream.send(b"HTTP/1.0 200 OK\r\nX-Kind: old\r\n\r\n" + b"a" * 100_000)

    async with scripted(handler) as server, client() as http:
        for _ in range(2):
            answer = await http.get(f"http://127.0.0.1:{server.port}/")
            assert answer.http_version == "HTTP/1.0" and answer.content == b"a" * 100_000
        assert pool(http)._open == 0  # not kept: the close ended the body
    assert server.connections == 2


async def test_connection_close_on_a_chunked_answer_is_honoured() -> None:
    async def handler(stream: anyio.abc.SocketStream) -> None:
        await read_head(stream)
        await stream.send(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n"
        )
        await anyio.sleep(1)  # the client closes first: it must not wait for the server's FIN

    async with scripted(handler) as server, client() as http:
        with anyio.fail_after(0.5):
            assert (await http.get(f"http://127.0.0.1:{server.port}/")).text == "hello"
        assert pool(http)._open == 0


async def test_informational_answers_before_the_answer_are_skipped() -> None:
    async def handler(stream: anyio.abc.SocketStream) -> None:
        while True:
            await read_head(stream)
            await stream.send(
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                b"HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone"
            )

    async with scripted(handler) as server, client() as http:
        for _ in range(2):
            answer = await http.post(f"http://127.0.0.1:{server.port}/", content=b"x")
            assert (answer.status_code, answer.text) == (201, "done")
    assert server.connections == 1


async def post_too_large(size: int, *, drain: bool) -> None:
    """POST ``size`` bytes to a server that reads only the head and answers 413 at once, then
    closes: with what it refused unread (a reset), or after reading and dropping it (``drain``,
    a lingering close). The client gets the 413 either way."""

    async def handler(stream: anyio.abc.SocketStream) -> None:
        await read_head(stream)
        await stream.send(
            b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\n"
            b"too big!"
        )
        while drain and await stream.receive():
            pass

    async with scripted(handler) as server, client(max_connections=1) as http:
        answer = await http.post(f"http://127.0.0.1:{server.port}/", content=b"x" * size)
        assert (answer.status_code, answer.text) == (413, "too big!")
        assert pool(http)._open == 0


async def test_an_early_answer_to_a_large_upload_is_read_not_lost_in_a_write_error() -> None:
    # On asyncio too: the connection keeps what arrived before the reset (httpcore's streams
    # stop reading once a write fails, and lose it).
    await post_too_large(20_000_000, drain=False)


async def test_an_early_answer_to_a_large_upload_is_read_when_the_server_drains_the_rest() -> None:
    await post_too_large(5_000_000, drain=True)


async def test_headers_up_to_100_kib_are_read_and_a_never_ending_head_is_refused() -> None:
    big = b"X-Big: " + b"v" * 60_000 + b"\r\n"

    async def handler(stream: anyio.abc.SocketStream) -> None:
        while (await read_head(stream)).startswith(b"GET /big "):
            answer = b"HTTP/1.1 200 OK\r\n" + big + b"Content-Length: 2\r\n\r\nok"
            for start in range(0, len(answer), 4096):  # in pieces, as over a real network
                await stream.send(answer[start : start + 4096])
                await anyio.sleep(0.001)
        await stream.send(b"HTTP/1.1 200 OK\r\n")
        for n in range(10_000):  # header lines forever (bounded here to end the test)
            await stream.send(b"X-%d: %s\r\n" % (n, b"v" * 100))

    async with scripted(handler) as server, client() as http:
        answer = await http.get(f"http://127.0.0.1:{server.port}/big")
        assert len(answer.headers["x-big"]) == 60_000
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"http://127.0.0.1:{server.port}/endless")
        assert settled(pool(http))


async def test_the_read_timeout_is_per_read_so_a_slow_drip_body_is_not_cut() -> None:
    async def handler(stream: anyio.abc.SocketStream) -> None:
        await read_head(stream)
        await stream.send(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n")
        for byte in b"drips!":
            await anyio.sleep(0.1)
            await stream.send(bytes([byte]))

    async with scripted(handler) as server, client(read=0.3) as http:
        started = anyio.current_time()
        assert (await http.get(f"http://127.0.0.1:{server.port}/")).text == "drips!"
        assert anyio.current_time() - started > 0.3  # longer than the read timeout in all


async def test_a_streamed_upload_slower_than_the_write_timeout_in_all_is_sent() -> None:
    # The write timeout bounds each write, as httpcore's did, not the whole upload.
    uploads: list[bytes] = []

    async def handler(stream: anyio.abc.SocketStream) -> None:
        data = await read_head(stream)
        while not data.endswith(b"0\r\n\r\n"):
            data += await stream.receive()
        uploads.append(data)
        await stream.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    async def slow_parts() -> AsyncIterator[bytes]:
        for _ in range(4):
            await anyio.sleep(0.1)
            yield b"part"

    async with scripted(handler) as server, client(write=0.25) as http:
        answer = await http.post(f"http://127.0.0.1:{server.port}/", content=slow_parts())
        assert answer.text == "ok" and uploads[0].count(b"4\r\npart\r\n") == 4


async def test_an_ipv6_literal_host_is_connected_and_named_in_brackets() -> None:
    heads: list[bytes] = []

    async def handler(stream: anyio.abc.SocketStream) -> None:
        heads.append(await read_head(stream))
        await stream.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    async with scripted(handler, host="::1") as server, client() as http:
        assert (await http.get(f"http://[::1]:{server.port}/v6")).text == "ok"
    assert f"host: [::1]:{server.port}".encode() in heads[0].lower()


async def test_a_non_ascii_host_reaches_the_transport_as_idna_ascii() -> None:
    async with client() as http:
        request = http.build_request("GET", "http://bücher.invalid/")
        assert request.url.raw_host == b"xn--bcher-kva.invalid"
        with pytest.raises(httpx.ConnectError):  # a name error, not a UnicodeError
            await http.send(request)
        assert settled(pool(http)) and pool(http)._open == 0


async def test_one_origin_spelled_in_different_case_shares_its_connection(
    server: H11Server,
) -> None:
    async with client() as http:
        for spelling in ("localhost", "LOCALHOST", "LocalHost"):
            await http.get(f"HTTP://{spelling}:{server.port}/")
        assert list(pool(http)._idle) == [(b"http", "localhost", server.port)]
    assert server.connections == 1


async def test_a_stale_connection_closed_as_it_is_reused_is_a_protocol_error_not_not_sent() -> None:
    # The server answers the first request, then reads the second and closes without a word:
    # what a keep-alive timeout racing the reuse looks like from the client.
    async def handler(stream: anyio.abc.SocketStream) -> None:
        await read_head(stream)
        await stream.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await read_head(stream)

    async with scripted(handler) as server, client() as http:
        await http.get(f"http://127.0.0.1:{server.port}/")
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response") as info:
            await http.post(f"http://127.0.0.1:{server.port}/", content=b"{}")
        assert pool(http)._open == 0
    # The server may have acted on it: retried only when repeating is safe.
    assert RetryPolicy().should_retry_error(info.value, idempotent=False) is False
    assert RetryPolicy().should_retry_error(info.value, idempotent=True) is True


async def test_expired_idle_connections_are_closed_while_a_fresher_one_is_in_use(
    server: H11Server,
) -> None:
    server.answer = lambda seen: Answer(delay=0.05 if seen.target == "/burst" else 0)
    limits = httpx.Limits(max_connections=5, max_keepalive_connections=5, keepalive_expiry=0.1)
    async with httpx.AsyncClient(transport=default_transport(limits)) as http:
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(http.get, f"http://127.0.0.1:{server.port}/burst")
        for _ in range(6):  # one at a time: the newest idle connection serves each
            await http.get(f"http://127.0.0.1:{server.port}/")
            await anyio.sleep(0.05)
        await anyio.sleep(0.05)
        assert server.open == 1 and pool(http)._open == 1


async def test_closing_the_transport_while_requests_run_leaves_nothing_open(
    server: H11Server,
) -> None:
    server.answer = lambda seen: Answer(delay=0.1)
    http = client(max_connections=2)
    transport = pool(http)
    results: list[object] = []

    async def get() -> None:
        try:
            results.append((await http.get(f"http://127.0.0.1:{server.port}/")).text)
        except RuntimeError as exc:
            results.append(exc)

    async with anyio.create_task_group() as group:
        for _ in range(4):  # two run, two wait for room
            group.start_soon(get)
        await anyio.sleep(0.05)
        await transport.aclose()
    # The running ones finish; the waiting ones are told the transport closed.
    closed = "the transport is closed"
    assert sorted(map(str, results)) == ["ok", "ok", closed, closed]
    assert transport._open == 0
    await anyio.sleep(0.05)
    assert server.open == 0 and server.connections == 2
    await http.aclose()


@pytest.mark.parametrize("seed", range(4))
async def test_cancellation_at_any_point_leaves_the_pool_counts_right(
    server: H11Server, seed: int
) -> None:
    rng = random.Random(seed)
    server.answer = lambda seen: Answer(
        delay=rng.choice([0, 0, 0.002, 0.01]),
        parts=[b"x" * rng.choice([10, 70_000])] * rng.choice([1, 3]),
        chunked=rng.random() < 0.5,
        close=rng.random() < 0.2,
    )
    async with client(max_connections=3) as http:
        transport = pool(http)

        async def one(n: int) -> None:
            with anyio.move_on_after(rng.choice([0, 0.0005, 0.002, 0.005, 0.02, 1])):
                if n % 3:
                    await http.get(f"http://127.0.0.1:{server.port}/")
                else:
                    await http.post(f"http://127.0.0.1:{server.port}/", content=b"y" * 200_000)

        async with anyio.create_task_group() as group:
            for n in range(60):
                group.start_soon(one, n)
                if rng.random() < 0.3:
                    await anyio.sleep(0.001)
        assert settled(transport) and transport._open <= 3
        # Every room is usable: three requests at once still fit.
        server.answer = lambda seen: Answer()
        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:
                for _ in range(3):
                    group.start_soon(http.get, f"http://127.0.0.1:{server.port}/")
        assert settled(transport)
    await anyio.sleep(0.05)
    assert server.open == 0


async def test_env_proxies_are_used_as_httpx_uses_them(
    monkeypatch: pytest.MonkeyPatch, server: H11Server
) -> None:
    # With a proxy in the environment the client leaves its transport to httpx, which reads it.
    async with scripted(lambda stream: read_head(stream)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with zc.ZohoCRM(FakeZohoCRM().config(timeout=1)) as crm:
            assert not isinstance(crm.http._transport, PoolTransport)
            with pytest.raises(httpx.HTTPError):  # the proxy reads the request, never answers
                await crm.http.get(f"http://127.0.0.1:{server.port}/")
        assert proxy.connections == 1 and server.connections == 0
        # NO_PROXY exempts the host: straight to the server.
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with zc.ZohoCRM(FakeZohoCRM().config()) as crm:
            assert (await crm.http.get(f"http://127.0.0.1:{server.port}/")).text == "ok"
        assert proxy.connections == 1 and server.connections == 1


async def test_without_a_proxy_in_the_environment_the_sdk_transport_is_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    async with zc.ZohoCRM(FakeZohoCRM().config()) as crm:
        assert isinstance(crm.http._transport, PoolTransport)


async def test_cancelling_a_tls_handshake_or_a_wait_for_room_returns_the_room() -> None:
    async def silent(stream: anyio.abc.SocketStream) -> None:
        await anyio.sleep(5)  # accepts the TCP connection, never answers the TLS hello

    async with scripted(silent) as server:
        async with client(max_connections=1, connect=0.1) as http:
            with pytest.raises(httpx.ConnectTimeout):
                await http.get(f"https://127.0.0.1:{server.port}/")
            assert pool(http)._open == 0
        async with client(max_connections=1) as http:
            transport = pool(http)
            async with anyio.create_task_group() as group:
                group.start_soon(http.get, f"https://127.0.0.1:{server.port}/")  # takes the room
                await anyio.sleep(0.02)
                with anyio.move_on_after(0.02):  # cancelled while waiting for that room
                    await http.get(f"https://127.0.0.1:{server.port}/")
                assert transport._open == 1 and not transport._waiters
                group.cancel_scope.cancel()  # cancelled mid-handshake
            assert transport._open == 0 and not transport._waiters


async def test_an_answer_never_read_nor_closed_keeps_its_room_until_closed(
    server: H11Server,
) -> None:
    # httpx semantics: a streamed answer is the caller's to read or close.
    async with client(max_connections=1, pool=0.1) as http:
        request = http.build_request("GET", f"http://127.0.0.1:{server.port}/")
        answer = await http.send(request, stream=True)
        with pytest.raises(httpx.PoolTimeout):
            await http.get(f"http://127.0.0.1:{server.port}/")
        await answer.aclose()
        assert (await http.get(f"http://127.0.0.1:{server.port}/")).text == "ok"
    assert server.connections == 2  # the unread one was closed, not put back


async def test_a_connection_whose_server_sent_more_than_its_answer_is_not_reused() -> None:
    # Bytes beyond the framed body would be read as the start of the next answer.
    async def handler(stream: anyio.abc.SocketStream) -> None:
        while True:
            await read_head(stream)
            await stream.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK")

    async with scripted(handler) as server, client() as http:
        for _ in range(2):
            assert (await http.get(f"http://127.0.0.1:{server.port}/")).text == "ok"
        assert pool(http)._open == 0
    assert server.connections == 2
