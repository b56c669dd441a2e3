"""A server that does no work: the floor under the REST sync benchmark.

    python benchmarks/_null_server.py LATENCY     (prints "serving at URL" once it listens)

Answers every CRM call with one prebuilt answer to a 100-record upsert, ``LATENCY`` seconds
after the request arrived, and the OAuth and current-user calls the SDK makes at once. It
parses nothing but the request head and Content-Length, so what a client measures against it
is the client's own cost plus the latency.
"""

from __future__ import annotations

import asyncio
import json
import sys

from _lean_server import RequestProtocol

_ITEM = {
    "code": "SUCCESS",
    "duplicate_field": None,
    "action": "insert",
    "details": {
        "Modified_Time": "2026-11-29T10:00:00+00:00",
        "Modified_By": {"name": "Patricia Boyle", "id": "5725767000000411001"},
        "Created_Time": "2026-11-29T10:00:00+00:00",
        "id": "5725767000001234567",
        "Created_By": {"name": "Patricia Boyle", "id": "5725767000000411001"},
        "$approval_state": "approved",
    },
    "message": "record added",
    "status": "success",
}


def _answer(body: object, status: str = "200 OK") -> bytes:
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}"
    return head.encode() + b"\r\n\r\n" + data


class _Protocol(RequestProtocol):
    def __init__(self, port: int, latency: float) -> None:
        self.buffer = b""
        self.latency = latency
        self.upsert = _answer({"data": [_ITEM] * 100}, "201 Created")
        self.token = _answer(
            {
                "access_token": "1000.null.access",
                "refresh_token": "1000.null.refresh",
                "api_domain": f"http://127.0.0.1:{port}",
                "token_type": "Bearer",
                "expires_in": 3600,
            }
        )
        self.user = _answer(
            {"users": [{"id": "1", "email": "patricia@example.com", "full_name": "P B"}]}
        )

    def handle(self, method: str, path: str, body: bytes) -> None:
        if "/oauth/" in path:
            self.transport.write(self.token)
        elif "/users" in path:
            self.transport.write(self.user)
        else:
            loop = asyncio.get_running_loop()
            loop.call_later(self.latency, self.transport.write, self.upsert)


async def _serve(latency: float) -> None:
    loop = asyncio.get_running_loop()
    port = 0
    server = await loop.create_server(lambda: _Protocol(port, latency), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"serving at http://127.0.0.1:{port}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(float(sys.argv[1])))
