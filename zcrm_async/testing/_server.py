"""``python -m zcrm_async.testing serve``: the fake on a socket until interrupted."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from ._fake import FakeZohoCRM
from ._socket import tune_gc

__all__ = ["main"]


def _module_count(text: str) -> tuple[str, int]:
    module, _, count = text.partition("=")
    if not module or not count.isdigit():
        raise argparse.ArgumentTypeError(f"expected MODULE=N (e.g. Leads=2500), got {text!r}")
    return module, int(count)


def _share(text: str) -> float | None:
    if text == "never":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a share of the allowance 0..1 or 'never', got {text!r}"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m zcrm_async.testing")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the fake Zoho CRM on a socket",
        description="Serve the fake Zoho CRM (accounts server and CRM API on one origin) until "
        "interrupted. Control endpoints under /__fake__/ change it from any process.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765, help="0: any free port")
    serve.add_argument(
        "--redirect-uri",
        default="http://localhost:8000/callback",
        metavar="URI",
        help="the redirect URI registered for the fake's client (web logins go back there)",
    )
    serve.add_argument(
        "--user-email",
        default="admin@example.com",
        metavar="EMAIL",
        help="the org's administrator, who the printed grant code is for",
    )
    serve.add_argument(
        "--token-lifetime",
        type=float,
        default=3600.0,
        metavar="S",
        help="seconds an access token lives (Zoho: 3600)",
    )
    serve.add_argument(
        "--grant-code-lifetime",
        type=float,
        default=600.0,
        metavar="S",
        help="seconds a grant code stays valid (Zoho: 3 min, up to 10)",
    )
    serve.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="seconds added to each API call"
    )
    serve.add_argument(
        "--concurrency-limit",
        "--max-concurrency",
        dest="concurrency_limit",
        type=int,
        default=None,
        metavar="N",
        help="429 beyond N API calls in flight (Zoho: 5-25 by edition; default: no limit)",
    )
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
        "--credit-allowance",
        type=int,
        default=None,
        metavar="N",
        help="API credits the org may spend per rolling 24 hours, charged at Zoho's prices; "
        "past them 429 (Zoho: 5,000 to 50,000 + up to 2,000 per user by edition; "
        "default: no limit)",
    )
    serve.add_argument(
        "--credits-header-from",
        type=_share,
        default=0.5,
        metavar="P",
        help="send X-API-CREDITS-REMAINING once this share (0..1) of the allowance is used, "
        "or 'never' (default: 0.5, as Zoho is reported to)",
    )
    serve.add_argument(
        "--seed",
        action="append",
        default=[],
        type=_module_count,
        metavar="MODULE=N",
        help="store N generated records in MODULE before serving (repeatable)",
    )
    serve.add_argument(
        "--bulk-generate",
        action="append",
        default=[],
        type=_module_count,
        metavar="MODULE=N",
        help="add N generated records to MODULE's bulk read exports (not stored; repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m zcrm_async.testing serve --port N ...``: serve until interrupted.

    Args:
        argv: The command-line arguments (``sys.argv[1:]`` if None).

    Returns:
        0 once the server has stopped.

    Raises:
        SystemExit: Bad arguments (status 2, with argparse's message).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        fake = FakeZohoCRM(
            redirect_uri=args.redirect_uri,
            user_email=args.user_email,
            token_lifetime=args.token_lifetime,
            grant_code_lifetime=args.grant_code_lifetime,
            latency=args.latency,
            max_concurrency=args.concurrency_limit,
            heavy_max_concurrency=args.heavy_max_concurrency,
            fail_429_rate=args.fail_429_rate,
            credit_allowance=args.credit_allowance,
            credits_header_from=args.credits_header_from,
        )
        for module, count in args.seed:
            fake.seed(module, count)
        for module, count in args.bulk_generate:
            fake.bulk.generate_records(module, count)
    except ValueError as error:
        parser.error(str(error))
    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    tune_gc()
    with fake.serve_in_thread(args.host, args.port, log_level="warning") as url:
        print(f"Fake Zoho CRM serving at {url}")
        print(f"  accounts_url / api_domain: {url}")
        print(f"  control:       {url}/__fake__")
        print(f"  client_id:     {fake.client_id}")
        print(f"  client_secret: {fake.client_secret}")
        print(f"  redirect_uri:  {fake.redirect_uri}")
        print(f"  user_email:    {fake.user_email}")
        print(f"  grant code:    {fake.issue_grant_code()}")
        print("Press Ctrl+C to stop.", flush=True)
        while not stop.wait(3600):
            pass
    return 0
