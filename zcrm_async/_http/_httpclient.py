"""The ``httpx.AsyncClient`` a ``ZohoCRM`` makes for itself: httpx's, keeping no cookies."""

from __future__ import annotations

from typing import Any

import httpx

from .._exceptions import InvalidArgumentError

__all__ = ["HttpClient"]


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps none of the cookies answers set."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Keep nothing (httpx calls this for every answer)."""


class HttpClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` without a cookie jar.

    Every call carries its own user's token, and one client serves every user of the
    ``ZohoCRM``: a cookie Zoho sets in answer to one user's call must not go out with another
    user's calls. Keeping none also spares the parse httpx makes of every answer for them. A
    caller who wants cookies passes its own client (``ZohoCRM(config, http_client=...)``).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._jar = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        """An empty jar that stays empty."""
        return self._jar

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise InvalidArgumentError(
            "the ZohoCRM's own HTTP client keeps no cookies; pass a client that does: "
            "ZohoCRM(config, http_client=httpx.AsyncClient(cookies=...))"
        )
