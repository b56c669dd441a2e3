"""MkDocs hook: docstrings use Sphinx roles (:class:`X`); show them as plain code."""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:class|meth|func|attr|data|exc|mod|obj):(<code>)")


def on_page_content(html: str, **_: Any) -> str:
    """Drop the role prefix that Markdown leaves in front of the code span."""
    return _ROLE.sub(r"\1", html)
