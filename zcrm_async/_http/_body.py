"""Reading an answer's body into memory, never more than a configured number of bytes."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import httpx

from .._exceptions import ResponseTooLargeError

__all__ = ["read_bounded"]

#: Content encodings decoded here, so that the bound applies to the decoded bytes.
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


async def read_bounded(response: httpx.Response, limit: int) -> None:
    """Read ``response``'s body (then in ``response.content``), at most ``limit`` bytes.

    A declared ``Content-Length`` above the limit fails at once (and one within it bounds an
    identity-encoded body: HTTP's framing ends it there); otherwise the body is read chunk by
    chunk and reading stops as soon as the limit is passed. gzip and deflate bodies
    are decoded here, chunk by chunk with the output bounded too, so a small compressed body
    cannot grow past the limit in memory (the response then reads as identity-encoded). Any
    other encoding is bounded by its encoded size.
    """
    declared = encoding = None
    for name, value in response.headers.raw:  # one pass (each lookup by name is another)
        lower = name.lower()
        if lower == b"content-length":
            declared = value.decode("latin-1")
        elif lower == b"content-encoding":
            encoding = value.decode("latin-1")
    if declared is not None and declared.isdigit():
        if int(declared) > limit:
            raise _too_large(response, limit, int(declared))
        if encoding is None:  # HTTP framing stops the body at its declared length
            await response.aread()
            return
    wbits = None if encoding is None else _WBITS.get(encoding.strip().lower())
    if wbits is not None:
        del response.headers["Content-Encoding"]
    response.stream = _BoundedStream(response, limit, wbits)
    await response.aread()


def _too_large(response: httpx.Response, limit: int, size: int | None) -> ResponseTooLargeError:
    url = str(response.request.url.copy_with(query=None))
    return ResponseTooLargeError(method=response.request.method, url=url, limit=limit, size=size)


class _BoundedStream(httpx.AsyncByteStream):
    """The response's stream, decoded if ``wbits`` is given, failing past ``limit`` bytes."""

    def __init__(self, response: httpx.Response, limit: int, wbits: int | None) -> None:
        assert isinstance(response.stream, httpx.AsyncByteStream)
        self._response = response
        self._inner = response.stream
        self._limit = limit
        self._wbits = wbits

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = aiter(self._inner)
        try:
            async for chunk in self._bounded(chunks):
                yield chunk
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:  # stopping early must not leave the stream's generators open
                await close()

    async def _bounded(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        wbits = self._wbits
        decoder = None if wbits is None else zlib.decompressobj(wbits)
        size = 0
        async for chunk in chunks:
            if decoder is not None:
                room = self._limit - size + 1  # never 0, which zlib reads as "no limit"
                try:
                    chunk = decoder.decompress(chunk, room)
                except zlib.error as exc:
                    # Some servers send "deflate" without the zlib header: try it raw, once.
                    if wbits != zlib.MAX_WBITS or size:
                        raise httpx.DecodingError(
                            f"cannot decode the body: {exc}", request=self._response.request
                        ) from exc
                    wbits, decoder = -zlib.MAX_WBITS, zlib.decompressobj(-zlib.MAX_WBITS)
                    chunk = decoder.decompress(chunk, room)
                if decoder.unconsumed_tail:
                    raise _too_large(self._response, self._limit, None)
            size += len(chunk)
            if size > self._limit:
                raise _too_large(self._response, self._limit, None)
            if chunk:
                yield chunk
        if decoder is not None:
            tail = decoder.flush()
            if size + len(tail) > self._limit:
                raise _too_large(self._response, self._limit, None)
            if tail:
                yield tail

    async def aclose(self) -> None:
        await self._inner.aclose()
