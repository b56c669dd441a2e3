"""A transport that records every exchange the SDK has with the fake (or any inner transport)."""

from __future__ import annotations

import httpx

from ._oas import Exchange

__all__ = ["RecordingTransport"]


class RecordingTransport(httpx.AsyncBaseTransport):
    """Forwards to ``inner`` and keeps each request and response, bodies read whole."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        await response.aclose()
        self.exchanges.append(
            Exchange(
                method=request.method,
                url=str(request.url),
                request_headers=dict(request.headers),
                request_body=body,
                status=response.status_code,
                response_headers=dict(response.headers),
                response_body=content,
            )
        )
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=content,
            request=request,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()
