"""The default transport on real sockets: idle connections the server closed are not reused."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import anyio.abc
import httpx
import pytest

import zcrm_async as zc
from tests._external import missing
from tests._http._h11_server import h11_server
from tests._http._raw_server import RawServer, raw_server
from zcrm_async._http import _network, _transport
from zcrm_async._http._transport import default_transport
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.socket

LIMITS = httpx.Limits(max_connections=5, max_keepalive_connections=5)
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


@pytest.fixture
async def closing_server() -> AsyncIterator[RawServer]:
    """Answers one request per connection (keep-alive implied), then closes it."""
    async with raw_server(OK) as server:
        yield server


async def two_gets(server: RawServer) -> list[int]:
    async with httpx.AsyncClient(transport=default_transport(LIMITS)) as http:
        statuses = []
        for _ in range(2):
            statuses.append((await http.get(f"http://127.0.0.1:{server.port}/")).status_code)
            await anyio.sleep(0.05)  # the server's FIN reaches the idle pooled socket
        return statuses


@pytest.mark.anyio
async def test_an_idle_connection_closed_by_the_server_is_replaced(
    closing_server: RawServer,
) -> None:
    assert await two_gets(closing_server) == [200, 200]
    assert closing_server.connections == 2


@pytest.mark.anyio
async def test_without_the_readability_check_the_closed_connection_would_be_reused(
    closing_server: RawServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check above is what keeps the second request off the dead socket.
    monkeypatch.setattr(_transport._Connection, "stale", property(lambda connection: False))
    with pytest.raises(httpx.TransportError):
        await two_gets(closing_server)


@pytest.fixture
def socket_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    left, right = socket.socketpair()
    with left, right:
        yield left, right


def test_readable_means_data_or_eof_waiting(
    socket_pair: tuple[socket.socket, socket.socket],
) -> None:
    left, right = socket_pair
    assert _network.is_readable(left) is False
    right.send(b"x")
    assert _network.is_readable(left) is True
    left.recv(1)
    right.close()
    assert _network.is_readable(left) is True  # EOF: the peer hung up
    assert _network.is_readable(None) is True  # no socket at all: treat as gone


@pytest.fixture
def self_signed(tmp_path: Path) -> ssl.SSLContext:
    """A server TLS context with a certificate no CA signed (made with the openssl command)."""
    if shutil.which("openssl") is None:
        missing("the openssl command", "install OpenSSL (Debian: apt-get install openssl)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.anyio
async def test_tls_is_verified_a_self_signed_server_is_refused(
    self_signed: ssl.SSLContext,
) -> None:
    async with (
        raw_server(OK, tls=self_signed) as server,
        httpx.AsyncClient(transport=default_transport(LIMITS)) as http,
    ):
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(f"https://127.0.0.1:{server.port}/")
    assert server.connections == 0  # the request never reached the server


def trusting(certificate: Path) -> httpx.AsyncClient:
    """A client whose transport trusts ``certificate`` (and nothing else)."""
    context = ssl.create_default_context(cafile=str(certificate))
    context.set_alpn_protocols(["http/1.1"])
    return httpx.AsyncClient(transport=_transport.PoolTransport(ssl_context=context))


@pytest.mark.anyio
async def test_tls_with_a_trusted_certificate_works_and_the_host_name_is_checked(
    self_signed: ssl.SSLContext, tmp_path: Path
) -> None:
    async with raw_server(OK, tls=self_signed) as server, trusting(tmp_path / "cert.pem") as http:
        answer = await http.get(f"https://127.0.0.1:{server.port}/")
        assert (answer.status_code, answer.text) == (200, "ok")
        with pytest.raises(httpx.ConnectError, match="match"):
            await http.get(f"https://localhost:{server.port}/")  # the certificate names 127.0.0.1
    assert server.connections == 1


@pytest.mark.anyio
async def test_a_tls_connection_is_kept_alive_and_reused(
    self_signed: ssl.SSLContext, tmp_path: Path
) -> None:
    # TLS 1.3 session tickets arrive after the handshake: read with the first answer, they must
    # not leave the idle socket readable (which would have it thrown away as closed).
    async with h11_server(tls=self_signed) as server, trusting(tmp_path / "cert.pem") as http:
        for _ in range(3):
            assert (await http.get(f"https://127.0.0.1:{server.port}/")).text == "ok"
            await anyio.sleep(0.02)
    assert server.connections == 1 and len(server.seen) == 3


@pytest.mark.anyio
async def test_the_client_sends_through_the_default_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked: list[object] = []
    real = _transport._Connection.stale

    def spy(connection: _transport._Connection) -> bool:
        checked.append(connection.stream)
        return bool(real.fget(connection))  # type: ignore[attr-defined]

    monkeypatch.setattr(_transport._Connection, "stale", property(spy))
    fake = FakeZohoCRM()
    with fake.serve_in_thread():
        async with zc.ZohoCRM(fake.config()) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            for _ in range(3):
                assert (await crm.users.current()).email == fake.user_email
    assert checked and all(hasattr(stream, "readable") for stream in checked)  # looked up
