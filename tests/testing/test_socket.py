"""The fake on a real socket (uvicorn in a thread)."""

from __future__ import annotations

import asyncio
import re
import selectors
import socket
import time

import httpx
import pytest

from zcrm_async.testing import FakeZohoCRM
from zcrm_async.testing._socket import _MicrosecondSelector, _OneSendPerTurn

from .conftest import exchange_code

pytestmark = [pytest.mark.anyio, pytest.mark.socket]


async def test_grant_and_get_over_the_network() -> None:
    fake = FakeZohoCRM()
    with fake.serve_in_thread() as url:
        assert url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=url) as http:
            tokens = await exchange_code(http, fake, fake.issue_grant_code())
            assert tokens["api_domain"] == url
            headers = {"Authorization": f"Zoho-oauthtoken {tokens['access_token']}"}
            created = await http.post(
                f"{tokens['api_domain']}/crm/v8/Leads",
                json={"data": [{"Last_Name": "Wire"}]},
                headers=headers,
            )
            assert created.status_code == 201
            listed = await http.get(
                "/crm/v8/Leads", params={"fields": "Last_Name"}, headers=headers
            )
            assert listed.json()["data"][0]["Last_Name"] == "Wire"
    assert fake.base_url == "http://fake-zoho.test"
    assert fake.stats.token_mints == 1


async def test_drop_next_breaks_the_connection() -> None:
    fake = FakeZohoCRM()
    headers = {"Authorization": f"Zoho-oauthtoken {fake.issue_tokens()['access_token']}"}
    with fake.serve_in_thread() as url:
        async with httpx.AsyncClient(base_url=url) as http:
            fake.drop_next(path="/org")
            with pytest.raises(httpx.TransportError):
                await http.get("/crm/v8/org", headers=headers)
            assert (await http.get("/crm/v8/org", headers=headers)).status_code == 200


def test_a_small_answer_leaves_in_one_send() -> None:
    """uvicorn writes head and body apart; the fake sends them together, as a server does: the
    first read of the client gets the whole answer (two sends would wake it for the head)."""
    fake = FakeZohoCRM()
    token = fake.issue_tokens()["access_token"]
    with fake.serve_in_thread() as url:
        host, port = httpx.URL(url).host, httpx.URL(url).port
        assert port is not None
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for _ in range(20):
                request = f"GET /crm/v8/org HTTP/1.1\r\nHost: {host}\r\n"
                request += f"Authorization: Zoho-oauthtoken {token}\r\n\r\n"
                sock.sendall(request.encode())
                answer = sock.recv(1 << 16)
                head, _, body = answer.partition(b"\r\n\r\n")
                length = int(re.search(rb"content-length: (\d+)", head.lower())[1])  # type: ignore[index]
                assert head.startswith(b"HTTP/1.1 200") and len(body) == length


@pytest.mark.backends("asyncio")  # the fake serves on asyncio
async def test_writes_of_one_turn_go_out_together_and_close_sends_them_first() -> None:
    sent: list[bytes] = []
    closed: list[int] = []

    class Recording(asyncio.Transport):
        def write(self, data: bytes | bytearray | memoryview) -> None:
            sent.append(bytes(data))

        def is_closing(self) -> bool:
            return bool(closed)

        def close(self) -> None:
            closed.append(len(sent))

        def get_extra_info(self, name: str, default: object = None) -> object:
            return ("127.0.0.1", 1) if name == "peername" else default

    transport = _OneSendPerTurn(Recording())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(memoryview(b"{}"))
    assert sent == []  # not before the turn ends
    await asyncio.sleep(0)
    assert sent == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)  # the rest: the transport's
    transport.write(b"last")
    transport.close()
    assert sent[-1] == b"last" and closed == [2]  # what was queued went out before the close
    await asyncio.sleep(0)
    assert len(sent) == 2


def test_the_fakes_loop_wakes_for_io_at_once_and_never_before_a_timer() -> None:
    selector = _MicrosecondSelector()
    left, right = socket.socketpair()
    try:
        selector.register(left, selectors.EVENT_READ)
        started = time.perf_counter()
        assert selector.select(0.0015) == []
        assert time.perf_counter() - started >= 0.0015  # a timer is never early
        right.send(b"x")
        started = time.perf_counter()
        ready = selector.select(30.0)
        assert time.perf_counter() - started < 5.0  # woken by the event, not the timeout
        assert [(key.fileobj, events) for key, events in ready] == [(left, selectors.EVENT_READ)]
    finally:
        selector.close()
        left.close()
        right.close()
