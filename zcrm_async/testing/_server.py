"""Running the fake on a real socket: in a background thread, or from the command line."""

from __future__ import annotations

import argparse
import gc
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from ._fake import FakeZohoCRM

__all__ = ["main", "serve_in_thread"]

_START_TIMEOUT = 10.0


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
    # protocol is known; without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _url(sock: socket.socket, host: str) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(fake: FakeZohoCRM, log_level: str) -> uvicorn.Server:
    # http="auto": httptools' C parser when it is installed (the testing extra), else h11.
    config = uvicorn.Config(
        fake.app,
        lifespan="off",
        log_level=log_level,
        http="auto",
        loop="asyncio",
        access_log=False,
        proxy_headers=False,
    )
    return uvicorn.Server(config)


def _tune_gc() -> None:
    """For a process that only serves the fake: full collections rarer, start-up objects frozen.

    The store keeps every record (a dict of dicts, tracked by the collector); with CPython's
    default thresholds each full collection walks all of them and costs more as the store grows.
    Gen 0 and 1 keep their defaults, so short-lived cycles are still collected promptly.
    """
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, 100)
    gc.collect()
    gc.freeze()


@contextmanager
def serve_in_thread(fake: FakeZohoCRM, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run uvicorn in a daemon thread; yield the base URL once it accepts connections."""
    sock = _bind(host, port)
    url = _url(sock, host)
    server = _server(fake, "error")
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="fake-zoho-crm", daemon=True
    )
    previous = fake.base_url
    fake._set_base_url(url)
    fake._set_over_socket(True)
    thread.start()
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Zoho CRM server did not start")
            time.sleep(0.01)
        yield url
    finally:
        server.should_exit = True
        thread.join(_START_TIMEOUT)
        sock.close()
        fake._set_over_socket(False)
        fake._set_base_url(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m zcrm_async.testing serve --port N ...``: serve until killed."""
    from ._fake import FakeZohoCRM

    parser = argparse.ArgumentParser(prog="python -m zcrm_async.testing")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the fake Zoho CRM on a socket")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--token-lifetime", type=float, default=3600.0, metavar="S")
    serve.add_argument(
        "--grant-code-lifetime",
        type=float,
        default=600.0,
        metavar="S",
        help="seconds the printed grant code stays valid (Zoho: 3 min, up to 10)",
    )
    serve.add_argument("--latency", type=float, default=0.0, metavar="S")
    serve.add_argument("--max-concurrency", type=int, default=None, metavar="N")
    serve.add_argument(
        "--heavy-max-concurrency",
        type=int,
        default=None,
        metavar="N",
        help="429 beyond N heavy calls in flight (Zoho: 10; default: not enforced)",
    )
    serve.add_argument(
        "--fail-429-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="refuse this fraction (0..1) of CRM API requests with 429 at random",
    )
    serve.add_argument(
        "--bulk-generate",
        action="append",
        default=[],
        metavar="MODULE=N",
        help="add N generated records to MODULE's bulk read exports (not stored; repeatable)",
    )
    args = parser.parse_args(argv)

    sock = _bind(args.host, args.port)
    url = _url(sock, args.host)
    fake = FakeZohoCRM(
        base_url=url,
        token_lifetime=args.token_lifetime,
        grant_code_lifetime=args.grant_code_lifetime,
        latency=args.latency,
        max_concurrency=args.max_concurrency,
        heavy_max_concurrency=args.heavy_max_concurrency,
        fail_429_rate=args.fail_429_rate,
    )
    for spec in args.bulk_generate:
        module, _, count = spec.partition("=")
        if not count.isdigit():
            parser.error(f"--bulk-generate expects MODULE=N, got {spec!r}")
        fake.bulk.generate_records(module, int(count))
    fake._set_over_socket(True)
    print(f"Fake Zoho CRM serving at {url}")
    print(f"  accounts_url / api_domain: {url}")
    print(f"  client_id:     {fake.client_id}")
    print(f"  client_secret: {fake.client_secret}")
    print(f"  redirect_uri:  {fake.redirect_uri}")
    print(f"  user_email:    {fake.user_email}")
    print(f"  grant code:    {fake.issue_grant_code()}")
    print("Press Ctrl+C to stop.", flush=True)
    _tune_gc()
    _server(fake, "warning").run(sockets=[sock])
    return 0
