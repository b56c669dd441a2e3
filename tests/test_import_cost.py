"""``import zcrm_async`` loads the client core only: what the first call of a program needs and
no more (each module loaded here is paid by every program at start-up)."""

from __future__ import annotations

import subprocess
import sys

#: Modules a fresh ``import zcrm_async`` must not load: asyncio (~20 ms; a trio program never
#: needs it, and under asyncio it is loaded by the time a call runs), the metadata manager and
#: entity models (loaded by the first call that uses them), and the optional Redis client.
NOT_AT_IMPORT = (
    "asyncio",
    "zcrm_async.managers.metadata",
    "zcrm_async._entities",
    "redis",
    "zcrm_async.bulk",
    "zcrm_async.pipelines",
)


def test_the_package_import_leaves_the_rest_for_first_use() -> None:
    code = (
        "import sys, json; import zcrm_async; "
        f"print(json.dumps([m for m in {list(NOT_AT_IMPORT)!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]", f"import zcrm_async loaded {out.stdout.strip()}"
