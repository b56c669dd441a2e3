"""Token stores: where OAuth tokens are persisted. Chosen from the config by :func:`build_store`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._config import Config
from .._exceptions import ConfigError
from ._base import BaseTokenStore, ListsUsers, TokenStore
from .memory import MemoryStore

if TYPE_CHECKING:
    from .custom import CustomStore, TokenHandlerError
    from .file import FileStore
    from .mysql import MySQLStore
    from .postgres import PostgresStore
    from .redis import RedisStore
    from .sqlite import SQLiteStore

# Stores import on first use: a process needs one, and some pull in heavy modules.
_LAZY = {
    "CustomStore": ".custom",
    "FileStore": ".file",
    "MySQLStore": ".mysql",
    "PostgresStore": ".postgres",
    "RedisStore": ".redis",
    "SQLiteStore": ".sqlite",
    "TokenHandlerError": ".custom",
}

__all__ = [
    "BaseTokenStore",
    "CustomStore",
    "FileStore",
    "ListsUsers",
    "MemoryStore",
    "MySQLStore",
    "PostgresStore",
    "RedisStore",
    "SQLiteStore",
    "TokenHandlerError",
    "TokenStore",
    "build_store",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zcrm_async.stores' has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)


def build_store(config: Config) -> TokenStore:
    """The store the config selects (which one: ``Config.store_kind``).

    Args:
        config: The client's configuration.

    Returns:
        The token store, not yet connected.

    Raises:
        ConfigError: A key the selected store needs is missing.
        TokenStoreError: ``postgres_url`` or ``redis_url`` is missing for that store.
        TokenHandlerError: A custom handler class cannot be loaded.
    """
    kind = config.store_kind
    if kind == "custom":
        from .custom import CustomStore, load_handler_class

        handler = config.persistence_handler_class
        if isinstance(handler, str):
            assert config.persistence_handler_class_path is not None  # checked by Config
            handler = load_handler_class(config.persistence_handler_class_path, handler)
        return CustomStore(handler)
    if kind == "file":
        if not config.token_persistence_path:
            raise ConfigError("token_persistence_path", "is mandatory with persistence='file'")
        from .file import FileStore

        return FileStore(config.token_persistence_path)
    if kind == "memory":
        return MemoryStore()
    if kind == "mysql":
        from .mysql import MySQLStore

        return MySQLStore.from_config(config)
    if kind == "postgres":
        from .postgres import PostgresStore

        return PostgresStore.from_config(config)
    if kind == "redis":
        from .redis import RedisStore

        return RedisStore.from_config(config)
    from .sqlite import SQLiteStore

    return SQLiteStore(config.resolved_sqlite_path)
