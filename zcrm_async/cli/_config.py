"""The CLI's configuration: a TOML or JSON file of the classic keys, overridden by ``ZCRM_*``;
and the user ``zcrm auth grant`` last stored tokens for, remembered per client."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import attrs

from .._config import Config, default_sqlite_path
from .._exceptions import ConfigError

__all__ = ["load_config", "remember_user", "remembered_user", "users_file"]

_USERS_FORMAT = "zcrm-cli-users"

#: Environment variable naming the configuration file when ``--config`` is not given.
CONFIG_ENV = "ZCRM_CONFIG"
_ENV_PREFIX = "ZCRM_"


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError("--config", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        if path.suffix.lower() == ".json":
            values = json.loads(raw)
        else:
            values = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise ConfigError("--config", f"{path} is not valid {kind}: {exc}") from None
    if isinstance(values, dict) and isinstance(values.get("zcrm"), dict):
        values = values["zcrm"]  # keys may sit under a [zcrm] table
    if not isinstance(values, dict):
        raise ConfigError("--config", f"{path} must hold a table/object of configuration keys")
    return values


def _from_env() -> dict[str, str]:
    known = {field.name for field in attrs.fields(Config)}
    return {
        name[len(_ENV_PREFIX) :].lower(): value
        for name, value in os.environ.items()
        if name.startswith(_ENV_PREFIX) and name[len(_ENV_PREFIX) :].lower() in known
    }


def load_config(path: str | None) -> Config:
    """The file's keys (``--config`` or ``$ZCRM_CONFIG``), each overridden by ``ZCRM_<KEY>``."""
    chosen = path or os.environ.get(CONFIG_ENV)
    values = _read_file(Path(chosen).expanduser()) if chosen else {}
    values.update(_from_env())
    if not values:
        raise ConfigError(
            "--config",
            "no configuration: pass --config FILE (TOML or JSON with client_id, client_secret, "
            "redirect_uri, ...) or set ZCRM_CLIENT_ID, ZCRM_CLIENT_SECRET, ZCRM_REDIRECT_URI",
        )
    return Config.from_dict(values)


def users_file() -> Path:
    """Where the CLI remembers users: beside the default token database."""
    return default_sqlite_path().parent / "cli-users.json"


def _client_key(config: Config) -> str:
    return f"{config.client_id} at {config.resolved_accounts_url}"


def _read_users() -> dict[str, str]:
    try:
        document = json.loads(users_file().read_text("utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: a grant writes it anew
    if not isinstance(document, dict) or document.get("format") != _USERS_FORMAT:
        return {}
    users = document.get("users")
    if not isinstance(users, dict):
        return {}
    return {k: v for k, v in users.items() if isinstance(k, str) and isinstance(v, str)}


def remembered_user(config: Config) -> str | None:
    """The user ``zcrm auth grant`` last stored tokens for with this client, if any."""
    return _read_users().get(_client_key(config))


def remember_user(config: Config, email: str) -> None:
    """Note ``email`` as this client's user for later commands (written atomically)."""
    users = {**_read_users(), _client_key(config): email}
    path = users_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"format": _USERS_FORMAT, "users": users}, handle, indent=1)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
