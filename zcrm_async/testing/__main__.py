"""``python -m zcrm_async.testing serve --port N``."""

from __future__ import annotations

import sys

from ._server import main

if __name__ == "__main__":
    sys.exit(main())
