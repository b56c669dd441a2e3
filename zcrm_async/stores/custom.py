"""User-supplied token handlers: the seed's ``save_oauth_data`` / ``get_oauth_tokens`` /
``delete_oauth_tokens``, sync or async, passed as an object or loaded from a file + class name.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio

from .._exceptions import ConfigError, TokenStoreError
from .._models import OAuthTokens
from ._base import BaseTokenStore

__all__ = ["HANDLER_METHODS", "CustomStore", "load_handler_class"]

#: The seed's method names, with the classic Python SDK's spellings accepted as aliases.
HANDLER_METHODS: dict[str, tuple[str, ...]] = {
    "save_oauth_data": ("save_oauth_data", "save_oauthtokens", "save_oauth_tokens"),
    "get_oauth_tokens": ("get_oauth_tokens", "get_oauthtokens"),
    "delete_oauth_tokens": ("delete_oauth_tokens", "delete_oauthtokens"),
}


def load_handler_class(path: str, class_name: str) -> type[Any]:
    """Import ``class_name`` from the Python file at ``path`` (the seed's two config keys)."""
    file = Path(path).expanduser()
    if file.is_dir():
        candidates = sorted(file.glob("*.py"))
        file = candidates[0] if len(candidates) == 1 else file / f"{class_name}.py"
    if not file.is_file():
        raise ConfigError(
            "persistence_handler_class_path",
            f"no Python file at {str(file)!r}; give the path of the .py file defining "
            f"{class_name!r}",
        )
    spec = importlib.util.spec_from_file_location(f"zcrm_async_handler_{file.stem}", file)
    if spec is None or spec.loader is None:
        raise ConfigError("persistence_handler_class_path", f"cannot import {str(file)!r}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise ConfigError(
            "persistence_handler_class_path", f"importing {str(file)!r} failed: {exc!r}"
        ) from exc
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise ConfigError(
            "persistence_handler_class", f"{str(file)!r} defines no class named {class_name!r}"
        )
    return cls


class CustomStore(BaseTokenStore):
    """Adapts a user's handler object to the :class:`TokenStore` protocol.

    Plain (sync) methods run in a worker thread so that a blocking database call does not stall
    the event loop. ``get_oauth_tokens`` may return :class:`OAuthTokens`, a mapping with its
    fields (or the seed's column names), or None. Handlers run inside the refresh lock: they must
    not call back into the client.
    """

    def __init__(self, handler: Any) -> None:
        if isinstance(handler, type):
            handler = handler()
        self.handler = handler
        self._methods: dict[str, Callable[..., Any]] = {}
        missing = []
        for name, spellings in HANDLER_METHODS.items():
            method = next(
                (getattr(handler, s) for s in spellings if callable(getattr(handler, s, None))),
                None,
            )
            if method is None:
                missing.append(name)
            else:
                self._methods[name] = method
        if missing:
            raise ConfigError(
                "persistence_handler_class",
                f"{type(handler).__name__} lacks {', '.join(missing)}; a custom token handler "
                "needs save_oauth_data(tokens), get_oauth_tokens(user_email) and "
                "delete_oauth_tokens(user_email), sync or async",
            )

    def __repr__(self) -> str:
        return f"CustomStore(handler={type(self.handler).__name__})"

    async def load(self, user_email: str) -> OAuthTokens | None:
        """Call ``get_oauth_tokens(user_email)``."""
        found = await self._call("get_oauth_tokens", user_email)
        if found is None or isinstance(found, OAuthTokens):
            return found
        if isinstance(found, Mapping):
            return _tokens_from_mapping(found, user_email)
        raise TokenStoreError(
            f"{type(self.handler).__name__}.get_oauth_tokens returned {type(found).__name__}; "
            "return OAuthTokens, a dict of its fields, or None"
        )

    async def save(self, tokens: OAuthTokens) -> None:
        """Call ``save_oauth_data(tokens)``."""
        with anyio.CancelScope(shield=True):
            await self._call("save_oauth_data", tokens)

    async def delete(self, user_email: str) -> None:
        """Call ``delete_oauth_tokens(user_email)``."""
        await self._call("delete_oauth_tokens", user_email)

    async def _call(self, name: str, argument: Any) -> Any:
        method = self._methods[name]
        if inspect.iscoroutinefunction(method):
            return await method(argument)
        result = await anyio.to_thread.run_sync(method, argument)
        return await result if inspect.isawaitable(result) else result


def _tokens_from_mapping(data: Mapping[str, Any], user_email: str) -> OAuthTokens:
    """Accept this SDK's field names or the seed's column names."""

    def pick(*keys: str) -> Any:
        return next((data[k] for k in keys if data.get(k) is not None), None)

    try:
        return OAuthTokens(
            user_email=str(pick("user_email", "useridentifier") or user_email),
            access_token=str(pick("access_token", "accesstoken")),
            refresh_token=str(pick("refresh_token", "refreshtoken")),
            expiry_time=int(pick("expiry_time", "expirytime")),
            api_domain=pick("api_domain"),
        )
    except (TypeError, ValueError) as exc:
        raise TokenStoreError(
            f"custom handler returned tokens without access_token/refresh_token/expiry_time: {exc}"
        ) from exc
