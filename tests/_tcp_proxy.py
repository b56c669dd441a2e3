"""A TCP proxy on a real socket that can turn hostile: drip bytes, or go silent (half-open).

It runs its own asyncio loop in a thread, so tests under any backend can use it::

    with TcpProxy("127.0.0.1", 3306) as proxy:
        ...  # connect to 127.0.0.1:proxy.port
        proxy.mode = "silent"   # connections stay open, nothing is forwarded either way
        proxy.resume()          # forward again; connections that went silent are reset

Modes: ``forward``; ``delay`` (answers reach the client ``delay`` seconds late, as from a far
server); ``drip`` (answers reach the client one byte every ``drip_interval`` seconds, as from a
server that trickles); ``silent`` (what crosses is dropped, as on a network
that stopped answering without closing anything).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

__all__ = ["TcpProxy"]


class _Link:
    def __init__(self, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream = upstream
        self.went_silent = False

    def close(self) -> None:
        for writer in (self.client, self.upstream):
            with contextlib.suppress(Exception):
                writer.close()


class TcpProxy:
    """Forwards ``127.0.0.1:port`` to ``host:port`` of the upstream, in the chosen mode."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        drip_interval: float = 2.0,
        delay: float = 0.3,
    ):
        self.upstream = (upstream_host, upstream_port)
        self.drip_interval = drip_interval
        self.delay = delay
        self.mode = "forward"
        self.accepted = 0
        self.port = 0
        self._links: set[_Link] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None

    def __enter__(self) -> TcpProxy:
        self._thread = threading.Thread(target=self._serve, name="tcp-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the TCP proxy did not start")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def resume(self) -> None:
        """Forward again; the connections that went silent are reset (both ends closed)."""
        self.mode = "forward"
        assert self._loop is not None

        def reset() -> None:
            for link in [link for link in self._links if link.went_silent]:
                link.close()

        self._loop.call_soon_threadsafe(reset)

    # -- the loop thread -------------------------------------------------------------------------

    def _serve(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            for link in list(self._links):
                link.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        link = _Link(writer, up_writer)
        self._links.add(link)
        try:
            await asyncio.gather(
                self._pump(reader, up_writer, link, downstream=False),
                self._pump(up_reader, writer, link, downstream=True),
            )
        finally:
            self._links.discard(link)
            link.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: _Link,
        *,
        downstream: bool,
    ) -> None:
        try:
            while data := await reader.read(65536):
                if self.mode == "silent" or link.went_silent:
                    link.went_silent = True
                    continue
                if self.mode == "drip" and downstream:
                    for index in range(len(data)):
                        writer.write(data[index : index + 1])
                        await writer.drain()
                        await asyncio.sleep(self.drip_interval)
                    continue
                if self.mode == "delay" and downstream:
                    await asyncio.sleep(self.delay)
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            link.close()
