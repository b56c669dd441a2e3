"""The ``zcrm`` command line (extra ``cli`` for progress bars). See :func:`main`."""

from ._main import EXIT_CODES, main

__all__ = ["EXIT_CODES", "main"]
