"""A lean loopback server for the write benchmark: raw asyncio, HTTP/1.1 keep-alive.

    python benchmarks/_lean_server.py LATENCY     (prints "serving at URL" once it listens)

Every CRM write (``POST``/``PUT`` with a JSON body of ``{"data": [...]}``) is answered
``LATENCY`` seconds after its request arrived with a realistic per-record answer: one upsert
result (``code``, ``action``, ``details`` with the id and the created/modified stamps, ``message``,
``status``) per record sent. The server decodes each body and counts the records it saw by
their key (``id`` when given, else ``Email``), so that a benchmark can check that nothing was lost
or sent twice: ``GET /stats`` answers ``{"records": n, "distinct": d}`` and starts counting
afresh. It also answers the OAuth token and current-user calls a client makes at start-up.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

_ITEM = (
    '{"code":"SUCCESS","duplicate_field":null,"action":"insert","details":{'
    '"Modified_Time":"2026-11-29T10:00:00+00:00",'
    '"Modified_By":{"name":"Patricia Boyle","id":"5725767000000411001"},'
    '"Created_Time":"2026-11-29T10:00:00+00:00","id":"%s",'
    '"Created_By":{"name":"Patricia Boyle","id":"5725767000000411001"},'
    '"$approval_state":"approved"},"message":"record added","status":"success"}'
)


def write_answer(ids: list[str]) -> bytes:
    """The JSON body of a write's answer: one upsert result per record id."""
    return ('{"data":[' + ",".join(_ITEM % i for i in ids) + "]}").encode()


def next_request(buffer: bytes) -> tuple[str, str, bytes, bytes] | None:
    """The first complete request in ``buffer``: method, path, body and the bytes after it."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end].decode("latin-1")
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if len(buffer) < end + 4 + length:
        return None
    method, path, _ = head.split(" ", 2)
    return method, path, buffer[end + 4 : end + 4 + length], buffer[end + 4 + length :]


def _answer(body: bytes, status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


class _Counts:
    """The records seen since the last ``/stats``."""

    def __init__(self) -> None:
        self.records = 0
        self.keys: set[str] = set()
        self.next_id = 5725767000001000000


class RequestProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive on one connection: each complete request goes to :meth:`handle`."""

    buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (request := next_request(self.buffer)) is not None:
            method, path, body, self.buffer = request
            self.handle(method, path, body)

    def handle(self, method: str, path: str, body: bytes) -> None:
        raise NotImplementedError


class _Protocol(RequestProtocol):
    def __init__(self, server: _Server) -> None:
        self.server = server

    def handle(self, method: str, path: str, body: bytes) -> None:
        answer = self.server.answer(method, path, body)
        if method == "GET" or "/oauth/" in path:
            self.transport.write(answer)
        else:  # a write: answered after the latency
            asyncio.get_running_loop().call_later(self.server.latency, self.transport.write, answer)


class _Server:
    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.port = 0
        self.counts = _Counts()

    def answer(self, method: str, path: str, body: bytes) -> bytes:
        if "/oauth/" in path:
            return _answer(
                json.dumps(
                    {
                        "access_token": "1000.lean.access",
                        "refresh_token": "1000.lean.refresh",
                        "api_domain": f"http://127.0.0.1:{self.port}",
                        "token_type": "Bearer",
                        "expires_in": 3600,
                    }
                ).encode()
            )
        if path.startswith("/stats"):
            counts, self.counts = self.counts, _Counts()
            return _answer(
                json.dumps({"records": counts.records, "distinct": len(counts.keys)}).encode()
            )
        if "/users" in path:
            users = {"users": [{"id": "1", "email": "patricia@example.com", "full_name": "P B"}]}
            return _answer(json.dumps(users).encode())
        return self.write(body)

    def write(self, body: bytes) -> bytes:
        records: list[dict[str, Any]] = json.loads(body)["data"]
        counts = self.counts
        counts.records += len(records)
        ids = []
        for record in records:
            key = record.get("id") or record.get("Email")
            counts.keys.add(str(key))
            counts.next_id += 1
            ids.append(str(record.get("id") or counts.next_id))
        return _answer(write_answer(ids), "201 Created")


async def _serve(latency: float) -> None:
    loop = asyncio.get_running_loop()
    state = _Server(latency)
    server = await loop.create_server(lambda: _Protocol(state), "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    print(f"serving at http://127.0.0.1:{state.port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(float(sys.argv[1])))
