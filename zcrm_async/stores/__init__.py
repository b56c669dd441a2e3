"""Token stores: where OAuth tokens are persisted. Chosen from the config by :func:`build_store`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._config import Config
from .._exceptions import ConfigError
from ._base import BaseTokenStore, TokenStore
from .custom import CustomStore, load_handler_class
from .file import FileStore
from .memory import MemoryStore

if TYPE_CHECKING:
    from .mysql import MySQLStore
    from .sqlite import SQLiteStore

__all__ = [
    "BaseTokenStore",
    "CustomStore",
    "FileStore",
    "MemoryStore",
    "MySQLStore",
    "SQLiteStore",
    "TokenStore",
    "build_store",
]


def __getattr__(name: str) -> Any:
    # SQLite and MySQL stores import lazily: most processes need only one store.
    if name == "SQLiteStore":
        from .sqlite import SQLiteStore

        return SQLiteStore
    if name == "MySQLStore":
        from .mysql import MySQLStore

        return MySQLStore
    raise AttributeError(name)


def build_store(config: Config) -> TokenStore:
    """The store the config selects, in the seed's precedence (see ``Config.store_kind``)."""
    kind = config.store_kind
    if kind == "custom":
        handler = config.persistence_handler_class
        if isinstance(handler, str):
            assert config.persistence_handler_class_path is not None  # checked by Config
            handler = load_handler_class(config.persistence_handler_class_path, handler)
        return CustomStore(handler)
    if kind == "file":
        if not config.token_persistence_path:
            raise ConfigError("token_persistence_path", "is mandatory with persistence='file'")
        return FileStore(config.token_persistence_path)
    if kind == "memory":
        return MemoryStore()
    if kind == "mysql":
        from .mysql import MySQLStore

        return MySQLStore.from_config(config)
    from .sqlite import SQLiteStore

    return SQLiteStore(config.resolved_sqlite_path)
