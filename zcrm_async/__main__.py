"""The ``zcrm`` command (also ``python -m zcrm_async``): see :mod:`zcrm_async.cli`."""

from __future__ import annotations

import sys

from .cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
