"""Child processes that react to Ctrl-C as they would in a terminal.

A shell that starts a job in the background (``cmd &``, as some CI runners do) makes it ignore
SIGINT, and its children inherit that: Python then installs no KeyboardInterrupt handler, so a
test that sends SIGINT to a child would see it ignored. Pass :func:`default_ctrl_c` as
``preexec_fn`` to give the child the default disposition back before it starts.
"""

from __future__ import annotations

import signal


def default_ctrl_c() -> None:
    """Restore SIGINT's default disposition (runs in the child, before exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
