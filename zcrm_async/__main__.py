"""The ``zcrm`` command (also ``python -m zcrm_async``)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="zcrm", description="zcrm_async command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the SDK end to end against the offline fake")
    demo.add_argument("--sqlite-path", help="keep the token database here (default: temp dir)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo(args.sqlite_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
