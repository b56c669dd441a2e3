"""The steps each official SDK runs against the served fake, in order, and how they report.

A client script (``v8_sdk.py``, ``v2_sdk.py``) runs in its own process with the fake's URL, a
grant code and a work folder, runs its steps in this order, and prints one JSON line per step:
``{"step": name, "ok": true}`` or ``{"step": name, "ok": false, "error": "..."}``. A step that
fails does not stop the others.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

__all__ = ["V2_STEPS", "V8_STEPS", "run_steps"]

V8_STEPS = (
    "tokens: grant",
    "users: current and by id",
    "org",
    "modules: list and one",
    "fields",
    "layouts",
    "records: create",
    "records: get",
    "records: update",
    "records: upsert",
    "records: list past 2,000 with page_token",
    "search: criteria",
    "search: email",
    "search: word",
    "records: count",
    "records: mass update",
    "related records",
    "convert lead",
    "notes",
    "tags",
    "attachments",
    "photo",
    "coql",
    "bulk read",
    "bulk write",
    "records: delete",
    "deleted records",
    "tokens: refresh after expiry",
    "tokens: revoke",
)
V2_STEPS = (
    "tokens: grant",
    "users: current",
    "org",
    "modules: list and one",
    "fields",
    "layouts",
    "records: create",
    "records: get",
    "records: update",
    "records: upsert",
    "records: list",
    "search: criteria",
    "search: email",
    "search: word",
    "records: mass update",
    "related records",
    "convert lead",
    "notes",
    "tags",
    "attachments",
    "photo",
    "records: delete",
    "deleted records",
    "tokens: refresh after expiry",
)

Step = Callable[[dict[str, Any]], None]


def run_steps(names: tuple[str, ...], steps: dict[str, Step], context: dict[str, Any]) -> int:
    """Run ``steps`` in the order of ``names``, printing one JSON line each; 0 if all passed."""
    missing = [name for name in names if name not in steps]
    if missing or len(steps) != len(names):
        raise SystemExit(f"the client script's steps differ from the list: {missing}")
    failed = 0
    for name in names:
        try:
            steps[name](context)
            line: dict[str, Any] = {"step": name, "ok": True}
        except Exception as error:  # reported, and the next step runs
            failed += 1
            detail = "".join(traceback.format_exception_only(type(error), error)).strip()
            line = {"step": name, "ok": False, "error": detail[:2000]}
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


def main_args() -> tuple[str, str, str]:
    """``URL GRANT_CODE WORK_FOLDER`` from the command line."""
    if len(sys.argv) != 4:
        raise SystemExit(f"usage: {sys.argv[0]} URL GRANT_CODE WORK_FOLDER")
    return sys.argv[1], sys.argv[2], sys.argv[3]
