"""User-supplied token handlers, as the classic SDKs had them: sync or async, passed as an
object or loaded from a file + class name, with any of the classic method-name families.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio

from .._exceptions import (
    ConfigError,
    InvalidArgumentError,
    TokenHandlerError,
    TokenStoreError,
)
from .._logging import redact
from .._models import OAuthTokens
from ._base import BaseTokenStore

__all__ = ["HANDLER_METHODS", "CustomStore", "TokenHandlerError", "load_handler_class"]

#: The method names a handler may use, by role: this SDK's (the first), the classic articles'
#: camelCase, the classic Ruby SDK's and the classic Python SDK's.
HANDLER_METHODS: dict[str, tuple[str, ...]] = {
    "save_oauth_data": (
        "save_oauth_data",
        "saveOAuthData",
        "save_oauth_tokens",
        "save_oauthtokens",
    ),
    "get_oauth_tokens": ("get_oauth_tokens", "getOAuthTokens", "get_oauthtokens"),
    "delete_oauth_tokens": ("delete_oauth_tokens", "deleteOAuthTokens", "delete_oauthtokens"),
}

#: Where each token field may be found on what a handler returns (attribute or key names).
_FIELDS: dict[str, tuple[str, ...]] = {
    "user_email": ("user_email", "user_identifier", "userEmail", "useridentifier"),
    "access_token": ("access_token", "accessToken", "accesstoken"),
    "refresh_token": ("refresh_token", "refreshToken", "refreshtoken"),
    "expiry_time": ("expiry_time", "expiryTime", "expirytime"),
    "api_domain": ("api_domain", "apiDomain"),
}


def load_handler_class(path: str, class_name: str) -> type[Any]:
    """Import ``class_name`` from the Python file at ``path`` (the two classic config keys)."""
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
    the event loop. The handler's methods may have this SDK's names or any classic family's
    (``saveOAuthData``/``getOAuthTokens``/``deleteOAuthTokens``, ``save_oauth_tokens``...,
    ``save_oauthtokens``...). ``get_oauth_tokens`` may return :class:`OAuthTokens`, a classic
    token object or a mapping (this SDK's names, the classic attributes ``user_identifier``,
    ``accessToken``... or the table's column names), or None. The token object handed to
    ``save_oauth_data`` answers to the classic attribute names too. Whatever a handler raises
    comes out as :class:`TokenHandlerError` naming the handler and the method. Handlers run
    inside the refresh lock: they must not call back into the client.

    Args:
        handler: The handler object, or its class (instantiated with no arguments).

    Raises:
        ConfigError: The handler lacks one of the three methods.
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
                "delete_oauth_tokens(user_email), sync or async (or the classic names: "
                "saveOAuthData/getOAuthTokens/deleteOAuthTokens, save_oauth_tokens/..., "
                "save_oauthtokens/...)",
            )

    def __repr__(self) -> str:
        return f"CustomStore(handler={type(self.handler).__name__})"

    async def load(self, user_email: str) -> OAuthTokens | None:
        """Call the handler's ``get_oauth_tokens(user_email)`` (under whichever name it has).

        Args:
            user_email: The user whose tokens to read.

        Returns:
            The user's tokens, or None if none are stored.

        Raises:
            TokenHandlerError: The handler raised.
            TokenStoreError: The handler returned something without usable tokens.
        """
        found = await self._call("get_oauth_tokens", user_email, repr(user_email))
        if found is None or isinstance(found, OAuthTokens):
            return found
        try:
            return _tokens_from_classic(found, user_email)
        except (TypeError, ValueError) as exc:
            raise TokenStoreError(
                f"{self._name('get_oauth_tokens')} returned {type(found).__name__} without "
                f"usable tokens ({exc}); return OAuthTokens, an object or a mapping with "
                "access_token, refresh_token and expiry_time (or the classic names), or None",
            ) from exc

    async def save(self, tokens: OAuthTokens) -> None:
        """Call the handler's ``save_oauth_data(tokens)``.

        Args:
            tokens: The tokens to store, under ``tokens.user_email``.

        Raises:
            TokenHandlerError: The handler raised.
        """
        await self._call("save_oauth_data", tokens, f"<tokens of {tokens.user_email!r}>")

    async def delete(self, user_email: str) -> None:
        """Call the handler's ``delete_oauth_tokens(user_email)``.

        Args:
            user_email: The user whose tokens to forget.

        Raises:
            TokenHandlerError: The handler raised.
        """
        await self._call("delete_oauth_tokens", user_email, repr(user_email))

    def _name(self, role: str) -> str:
        return f"{type(self.handler).__name__}.{self._methods[role].__name__}"

    async def _call(self, role: str, argument: Any, shown: str) -> Any:
        method = self._methods[role]
        try:
            if inspect.iscoroutinefunction(method):
                return await method(argument)
            # A blocking handler may hang (a dead database): its caller's deadline still works.
            result = await anyio.to_thread.run_sync(method, argument, abandon_on_cancel=True)
            return await result if inspect.isawaitable(result) else result
        except Exception as exc:
            raise TokenHandlerError(
                type(self.handler).__name__,
                method.__name__,
                f"token handler {self._name(role)}({shown}) raised "
                f"{type(exc).__name__}: {redact(str(exc))}",
            ) from exc


def _tokens_from_classic(found: Any, user_email: str) -> OAuthTokens:
    """Tokens from a mapping or any object with this SDK's or the classic SDKs' names."""

    def pick(field: str) -> Any:
        for name in _FIELDS[field]:
            value = found.get(name) if isinstance(found, Mapping) else getattr(found, name, None)
            if value is not None:
                return value
        return None

    access, refresh, expiry = pick("access_token"), pick("refresh_token"), pick("expiry_time")
    if access is None or refresh is None or expiry is None:
        raise InvalidArgumentError("no access_token, refresh_token or expiry_time")
    api_domain = pick("api_domain")
    return OAuthTokens(
        user_email=str(pick("user_email") or user_email),
        access_token=str(access),
        refresh_token=str(refresh),
        expiry_time=int(expiry),
        api_domain=str(api_domain) if api_domain else None,
    )
