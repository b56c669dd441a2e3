"""``zcrm``: argument parsing, configuration, and exit codes a shell script can rely on.

Exit codes:

=== =====================================================================================
0   success
1   partial failure: some rows were rejected (each reported on stderr), the rest written
2   usage or configuration error (bad option, missing/invalid config key, unreadable file)
3   authentication error (no tokens, grant code refused, token revoked, missing scope)
4   API error (Zoho answered with an error; a bulk job failed or timed out, or its
    result file was corrupt or incomplete)
5   network error (Zoho could not be reached)
130 interrupted (Ctrl+C)
=== =====================================================================================

Errors are one line on stderr (``zcrm: error: ...``), never a traceback; secrets are never
printed.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Final, NoReturn

import anyio

from .. import __version__
from .._exceptions import (
    APIError,
    ArchiveError,
    AuthenticationError,
    ConfigError,
    OAuthError,
    PermissionDeniedError,
    TransportError,
    ZCRMError,
)
from ..bulk._csvzip import MAX_ROWS_PER_FILE

__all__ = ["EXIT_CODES", "main"]

EXIT_OK: Final = 0
EXIT_PARTIAL: Final = 1
EXIT_USAGE: Final = 2
EXIT_AUTH: Final = 3
EXIT_API: Final = 4
EXIT_NETWORK: Final = 5
EXIT_INTERRUPTED: Final = 130

#: Every exit code and its meaning (also in ``zcrm --help``).
EXIT_CODES: Final = {
    EXIT_OK: "success",
    EXIT_PARTIAL: "partial failure: some rows were rejected",
    EXIT_USAGE: "usage or configuration error",
    EXIT_AUTH: "authentication error",
    EXIT_API: "API error (or a failed bulk job, or a bad result file)",
    EXIT_NETWORK: "network error",
    EXIT_INTERRUPTED: "interrupted",
}


class UsageError(Exception):
    """A command line that parses but makes no sense (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, raising instead of exiting, so main() owns every exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _epilog() -> str:
    codes = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())
    return (
        "configuration: --config FILE (TOML or JSON with the SDK's keys: client_id, "
        "client_secret, redirect_uri, current_user_email, ...), or $ZCRM_CONFIG; every key "
        "can be overridden by an environment variable ZCRM_<KEY>.\n\nexit codes:\n" + codes
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``zcrm`` argument parser."""
    parser = _Parser(
        prog="zcrm",
        description="Zoho CRM from the shell (zcrm_async)",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"zcrm (zcrm_async) {__version__}")
    parser.add_argument("--config", metavar="FILE", help="TOML or JSON configuration file")
    parser.add_argument(
        "--user",
        metavar="EMAIL",
        help="act as this user (default: current_user_email, else the user of the last "
        "'zcrm auth grant' with this client)",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress", dest="progress", action="store_true", default=None, help="always show"
    )
    shown.add_argument("--no-progress", dest="progress", action="store_false", help="never show")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", help="run the SDK end to end against the offline fake")
    demo.add_argument("--sqlite-path", help="keep the token database here (default: temp dir)")

    auth = commands.add_parser("auth", help="OAuth tokens: grant, status, revoke")
    auth_commands = auth.add_subparsers(dest="auth_command", required=True, parser_class=_Parser)
    grant = auth_commands.add_parser("grant", help="exchange a grant code for stored tokens")
    grant.add_argument("code", help="the grant token (from the API console's self client)")
    grant.add_argument(
        "--user-email",
        help="whose tokens these are (default: current_user_email, else asked of Zoho)",
    )
    auth_commands.add_parser("status", help="whether tokens are stored for the user")
    auth_commands.add_parser("revoke", help="revoke the refresh token and delete the tokens")

    records = commands.add_parser("records", help="export or import a module's records")
    rec_commands = records.add_subparsers(
        dest="records_command", required=True, parser_class=_Parser
    )
    export = rec_commands.add_parser("export", help="write every record as CSV or JSON lines")
    export.add_argument("module", help="module API name, e.g. Contacts")
    export.add_argument("--fields", required=True, help="comma-separated field API names")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    _add_engine_options(export)
    imp = rec_commands.add_parser("import", help="insert or upsert the rows of a CSV file")
    imp.add_argument("module", help="module API name, e.g. Leads")
    imp.add_argument("file", help="CSV file whose header names the fields")
    imp.add_argument("--upsert", action="store_true", help="update records that already exist")
    imp.add_argument("--find-by", metavar="FIELD", help="duplicate check field for --upsert")
    imp.add_argument(
        "--skip-rows",
        type=int,
        default=0,
        metavar="N",
        help="start after the first N data rows (to resume an import that stopped)",
    )
    imp.add_argument(
        "--rows-per-file",
        type=int,
        default=MAX_ROWS_PER_FILE,
        metavar="N",
        help=f"rows per Bulk Write job (1..{MAX_ROWS_PER_FILE}; smaller resumes finer)",
    )
    _add_engine_options(imp)

    coql = commands.add_parser("coql", help="run a COQL select query")
    coql.add_argument(
        "query", help='e.g. "select Last_Name from Leads where Last_Name is not null"'
    )
    coql.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    coql.add_argument("--output", "-o", metavar="FILE", help="default: standard output")

    fake = commands.add_parser("fake", help="the offline fake Zoho CRM")
    fake_commands = fake.add_subparsers(dest="fake_command", required=True, parser_class=_Parser)
    fake_commands.add_parser(
        "serve",
        add_help=False,  # every option, --help included, is the fake server's own
        help="serve it on a socket (zcrm fake serve --help lists the options)",
    )
    return parser


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--via",
        choices=("auto", "rest", "bulk"),
        default="auto",
        help="auto: Bulk Read/Write above --bulk-threshold records, REST below",
    )
    parser.add_argument("--bulk-threshold", type=int, default=10_000, metavar="N")
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=2.0,
        metavar="S",
        help="first wait between bulk job status checks (grows 1.5x up to 30 s)",
    )


def _say_error(message: str) -> None:
    print(f"zcrm: error: {message}", file=sys.stderr)


def exit_code_for(error: BaseException) -> int:
    """The exit code of an exception that ended a command."""
    from ..bulk import BulkJobError

    if isinstance(error, (OAuthError, AuthenticationError, PermissionDeniedError)):
        return EXIT_AUTH
    if isinstance(error, TransportError):
        return EXIT_NETWORK
    if isinstance(error, (APIError, ArchiveError, BulkJobError)):
        return EXIT_API
    return EXIT_USAGE  # ConfigError, ValueError, OSError on a local file, UsageError


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    text = str(error) or type(error).__name__
    if isinstance(error, OAuthError) and error.error == "unknown_user":
        # The library's hint is for a process that lives on; this one ends with the tokens.
        text = (
            "could not find whose tokens these are (the grant may lack ZohoCRM.users.READ and "
            "AaaServer.profile.Read); the grant is spent: generate a new one and run "
            "zcrm auth grant <code> --user-email you@example.com"
        )
    elif isinstance(error, (OAuthError, AuthenticationError)):
        text += " (run: zcrm auth grant <code>)"
    elif isinstance(error, ConfigError) and error.key == "current_user_email":
        text = (
            "no user to act as: pass --user you@example.com, set current_user_email in the "
            "configuration, or run zcrm auth grant <code> (later commands then act as that user)"
        )
    return text


def _run(command: Callable[[], Coroutine[Any, Any, int]]) -> int:
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return anyio.run(command)
            finally:
                for warning in caught:
                    print(f"zcrm: warning: {warning.message}", file=sys.stderr)
    except KeyboardInterrupt:
        _say_error("interrupted")
        return EXIT_INTERRUPTED
    except (ZCRMError, UsageError, ValueError, OSError) as error:
        _say_error(_describe(error))
        return exit_code_for(error)
    except BaseExceptionGroup as group:  # concurrent workers: report each failure
        leaves = _leaves(group)
        for leaf in leaves:
            _say_error(_describe(leaf))
        return max(exit_code_for(leaf) for leaf in leaves)


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for error in group.exceptions:
        out.extend(_leaves(error) if isinstance(error, BaseExceptionGroup) else [error])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zcrm`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    try:
        args, extra = build_parser().parse_known_args(argv)
        if extra and args.command != "fake":
            raise UsageError(f"zcrm: unrecognized arguments: {' '.join(extra)}")
    except UsageError as error:
        print(f"usage error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "demo":
        from .._demo import run_demo

        run_demo(args.sqlite_path)
        return EXIT_OK
    if args.command == "fake":
        from ..testing import main as serve_main

        return serve_main(["serve", *extra])
    from . import _commands

    importing = args.command == "records" and args.records_command == "import"
    if importing and args.find_by and not args.upsert:
        print("usage error: --find-by goes with --upsert", file=sys.stderr)
        return EXIT_USAGE
    if importing and not (args.skip_rows >= 0 and 1 <= args.rows_per_file <= MAX_ROWS_PER_FILE):
        print(
            f"usage error: --skip-rows must be >= 0 and --rows-per-file 1..{MAX_ROWS_PER_FILE}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return _run(lambda: _commands.dispatch(args))
