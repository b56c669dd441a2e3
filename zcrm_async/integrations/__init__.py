"""Web framework integrations: ``zcrm_async.integrations.fastapi`` and ``.aiohttp``.

Each imports its framework only when imported itself (extras ``fastapi`` and ``aiohttp``).
The framework-neutral "Login with Zoho" flow both use is :class:`WebLogin`.
"""

from __future__ import annotations

from ._web import LoginError, WebLogin

__all__ = ["LoginError", "WebLogin"]
