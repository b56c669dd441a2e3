"""The thinnest HTTP/1.1 client's one step: reading an answer off a keep-alive socket."""

from __future__ import annotations

import asyncio


async def read_answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """The next answer's head (status line and headers) and its ``Content-Length`` body."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return head, await reader.readexactly(length)
