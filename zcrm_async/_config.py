"""``Config``: the classic SDKs' configuration dictionary as a validated, immutable value object."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from ._datacenters import DATA_CENTERS, ENVIRONMENTS, DataCenter
from ._exceptions import ConfigError, ZCRMError
from ._urls import check_postgres_url, check_redis_url, redact_url

__all__ = [
    "API_VERSIONS",
    "CREDIT_STORES",
    "LIMITER_KINDS",
    "REFRESH_LOCK_WAIT",
    "STORE_KINDS",
    "Config",
    "ConfigWarning",
    "default_sqlite_path",
]

API_VERSIONS: Final = ("v2", "v2.1", "v3", "v4", "v5", "v6", "v7", "v8")
CREDIT_STORES: Final = ("local", "redis")
STORE_KINDS: Final = ("custom", "file", "sqlite", "mysql", "postgres", "redis", "memory")
#: ``local``: each client limits its own calls; ``redis``: clients share the org's limit.
LIMITER_KINDS: Final = ("local", "redis")

#: Spellings of the classic SDKs, mapped to this SDK's key.
ALIASES: Final = {
    "apiBaseUrl": "api_base_url",
    "apiVersion": "api_version",
    "currentUserEmail": "current_user_email",
    "applicationLogFilePath": "application_log_file_path",
    "persistence_handler_path": "persistence_handler_class_path",
    "mysql_username": "db_username",
    "mysql_password": "db_password",
    "mysql_port": "db_port",
    "mysql_host": "db_host",
    "db_address": "db_host",
}

#: How long a worker waits for another's refresh lock (seconds); a refresh must take less.
REFRESH_LOCK_WAIT: Final = 60.0

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_HTTP_URL = re.compile(r"^https?://[^\s/]+")


class ConfigWarning(UserWarning):
    """An unknown configuration key was given (often a typo such as ``clientid``)."""


def default_sqlite_path() -> Path:
    """The embedded default token database, in the per-user data directory."""
    if os.name == "nt":  # pragma: no cover - not exercised on the CI platform
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "zcrm_async" / "tokens.sqlite3"


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ConfigError(key, f"expected true or false, got {value!r}")


def _as_int(key: str, value: Any, minimum: int, maximum: int) -> int:
    try:
        number = None if isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not minimum <= number <= maximum:
        raise ConfigError(key, f"expected a whole number {minimum}..{maximum}, got {value!r}")
    return number


def _as_seconds(key: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not number > 0:
        raise ConfigError(key, f"expected a number of seconds > 0, got {value!r}")
    return number


# Named converters (attrs' mypy plugin accepts only named functions).
def _sandbox(value: Any) -> bool:
    return _as_bool("sandbox", value)


def _log_in_console(value: Any) -> bool:
    return _as_bool("log_in_console", value)


def _db_port(value: Any) -> int:
    return _as_int("db_port", value, 1, 65535)


def _max_concurrency(value: Any) -> int:
    return _as_int("max_concurrency", value, 1, 1000)


def _max_retries(value: Any) -> int:
    return _as_int("max_retries", value, 0, 20)


def _max_response_bytes(value: Any) -> int:
    return _as_int("max_response_bytes", value, 1024, 2**40)


def _allow_untrusted_hosts(value: Any) -> bool:
    return _as_bool("allow_untrusted_hosts", value)


def _timeout(value: Any) -> float:
    return _as_seconds("timeout", value)


def _refresh_skew(value: Any) -> float:
    return _as_seconds("refresh_skew", value)


def _refresh_timeout(value: Any) -> float:
    seconds = _as_seconds("refresh_timeout", value)
    if seconds >= REFRESH_LOCK_WAIT:
        raise ConfigError(
            "refresh_timeout",
            f"expected less than {REFRESH_LOCK_WAIT:g} seconds (how long other workers wait for "
            f"the refresh lock before giving up), got {value!r}",
        )
    return seconds


def _lower(value: Any) -> str:
    return str(value).strip().lower()


def _db_host(value: Any) -> str:
    return str(value or "127.0.0.1")


def _db_name(value: Any) -> str:
    return str(value or "zohooauth")


def _url(value: Any) -> str | None:
    """The classic SDKs accept ``www.zohoapis.com`` without a scheme: prepend https://."""
    if value in (None, ""):
        return None
    text = str(value).strip().rstrip("/")
    return text if "://" in text else f"https://{text}"


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _server_url(key: str, value: Any, check: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        checked: str = check(text)
    except ValueError as exc:
        raise ConfigError(key, str(exc)) from None
    return checked


def _redis_url(value: Any) -> str | None:
    return _server_url("redis_url", value, check_redis_url)


def _postgres_url(value: Any) -> str | None:
    return _server_url("postgres_url", value, check_postgres_url)


def _redis_key_prefix(value: Any) -> str:
    text = "" if value is None else str(value)
    if not text.strip():
        raise ConfigError(
            "redis_key_prefix",
            f"expected a non-empty key prefix such as 'zcrm_async:', got {value!r}",
        )
    return text


def _credit_budget(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return _as_int("credit_budget", value, 1, 10**12)


def _credit_reserve(value: Any) -> int:
    return _as_int("credit_reserve", value, 0, 10**12)


def _limiter_handoffs(value: Any) -> int:
    return _as_int("limiter_handoffs", value, 0, 1000)


def _credit_block(value: Any) -> int:
    return _as_int("credit_block", value, 1, 10**6)


def _credit_max_wait(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not number >= 0:
        raise ConfigError("credit_max_wait", f"expected a number of seconds >= 0, got {value!r}")
    return number


def _credit_policy(value: Any) -> Any:
    if callable(value):
        return value
    return _lower(value)


def _credit_costs(value: Any) -> tuple[tuple[str, int], ...]:
    """``{"POST Leads/*/actions/convert": 5}`` (or its JSON text) as sorted pairs."""
    if value in (None, "", ()):
        return ()
    if isinstance(value, tuple):  # the converted form (a copy of a config)
        value = dict(value)
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ConfigError("credit_costs", f"is not JSON ({exc}): {value!r}") from None
    if not isinstance(value, Mapping):
        raise ConfigError(
            "credit_costs",
            f"expected a mapping such as {{'POST Leads/*/actions/convert': 5}}, got {value!r}",
        )
    from ._credit_costs import CreditCosts

    try:
        CreditCosts().with_costs(value)
    except ZCRMError as exc:
        raise ConfigError("credit_costs", str(exc)) from None
    return tuple((str(key), int(cost)) for key, cost in value.items())


def _limiter_key(value: Any) -> str | None:
    text = _text(value)
    if text is not None and not text.strip():
        raise ConfigError("limiter_key", f"expected a name for the org's limit, got {value!r}")
    return text


def _limiter_lease(value: Any) -> float:
    seconds = _as_seconds("limiter_lease", value)
    if seconds < 1:
        raise ConfigError("limiter_lease", f"expected at least 1 second, got {value!r}")
    return seconds


def _url_repr(value: str | None) -> str:
    """A server URL in ``repr``: its password, if any, replaced by ``***``."""
    return repr(None if value is None else redact_url(value))


@attrs.frozen(kw_only=True)
class Config:
    """Everything zcrm_async needs to talk to one Zoho CRM client registration.

    Build it from the classic SDKs' dictionary with :meth:`from_dict`, from ``ZCRM_*`` environment
    variables with :meth:`from_env`, or directly with keyword arguments. Invalid values raise
    :class:`ConfigError` naming the key. Secrets are left out of ``repr``.
    """

    client_id: str = attrs.field(converter=_text)
    client_secret: str = attrs.field(converter=_text, repr=False)
    redirect_uri: str = attrs.field(converter=_text)
    current_user_email: str | None = attrs.field(default=None, converter=_text)
    data_center: str = attrs.field(default="us", converter=_lower)
    environment: str = attrs.field(default="production", converter=_lower)
    sandbox: bool = attrs.field(default=False, converter=_sandbox)
    api_base_url: str | None = attrs.field(default=None, converter=_url)
    accounts_url: str | None = attrs.field(default=None, converter=_url)
    api_version: str = attrs.field(default="v8", converter=_lower)
    access_type: str = attrs.field(default="offline", converter=_lower)
    application_log_file_path: str | None = attrs.field(default=None, converter=_text)
    log_in_console: bool = attrs.field(default=False, converter=_log_in_console)
    persistence: str | None = attrs.field(default=None, converter=_text)
    token_persistence_path: str | None = attrs.field(default=None, converter=_text)
    sqlite_path: str | None = attrs.field(default=None, converter=_text)
    db_host: str = attrs.field(default="127.0.0.1", converter=_db_host)
    db_port: int = attrs.field(default=3306, converter=_db_port)
    db_username: str | None = attrs.field(default=None, converter=_text)
    db_password: str | None = attrs.field(default=None, converter=_text, repr=False)
    db_name: str = attrs.field(default="zohooauth", converter=_db_name)
    #: PostgreSQL token store: a libpq URL; setting it selects that store.
    postgres_url: str | None = attrs.field(default=None, converter=_postgres_url, repr=_url_repr)
    #: Redis server (``redis://``, ``rediss://``, ``unix://``); the Redis token store needs
    #: ``persistence="redis"`` too, as other shared state may use the same server.
    redis_url: str | None = attrs.field(default=None, converter=_redis_url, repr=_url_repr)
    redis_key_prefix: str = attrs.field(default="zcrm_async:", converter=_redis_key_prefix)
    persistence_handler_class_path: str | None = attrs.field(default=None, converter=_text)
    persistence_handler_class: Any = attrs.field(default=None)
    max_concurrency: int = attrs.field(default=10, converter=_max_concurrency)
    #: ``local`` (each client on its own) or ``redis`` (the org's limit shared via ``redis_url``).
    limiter: str = attrs.field(default="local", converter=_lower)
    #: Names the org's shared limit in Redis (default: ``client_id``).
    limiter_key: str | None = attrs.field(default=None, converter=_limiter_key)
    #: Seconds a dead worker's shared slots stay taken.
    limiter_lease: float = attrs.field(default=5.0, converter=_limiter_lease)
    #: Times in a row a freed shared slot may go to a waiting call of the same worker.
    limiter_handoffs: int = attrs.field(default=16, converter=_limiter_handoffs)
    timeout: float = attrs.field(default=30.0, converter=_timeout)
    max_retries: int = attrs.field(default=3, converter=_max_retries)
    refresh_skew: float = attrs.field(default=60.0, converter=_refresh_skew)
    #: The most a token refresh may take, mint and save together (seconds).
    refresh_timeout: float = attrs.field(default=30.0, converter=_refresh_timeout)
    #: The bulk-write file-upload host; None: the data centre's.
    upload_url: str | None = attrs.field(default=None, converter=_url)
    #: The most bytes an answer read into memory may have (downloads are streamed, unbounded).
    max_response_bytes: int = attrs.field(default=64 * 1024 * 1024, converter=_max_response_bytes)
    #: Accept plain-http URLs and any host a token answer names as its ``api_domain``. For the
    #: fake server and proxies you run only: tokens may then travel in clear or leave Zoho.
    allow_untrusted_hosts: bool = attrs.field(default=False, converter=_allow_untrusted_hosts)
    #: API credits the client may spend per rolling 24 hours; None: counted, never refused.
    credit_budget: int | None = attrs.field(default=None, converter=_credit_budget)
    #: Credits kept back from the budget (for other integrations of the org).
    credit_reserve: int = attrs.field(default=0, converter=_credit_reserve)
    #: What a call that would overspend the budget does: ``raise``, ``wait`` or a hook.
    credit_policy: Any = attrs.field(default="raise", converter=_credit_policy)
    #: The longest ``credit_policy="wait"`` waits for credits, in seconds.
    credit_max_wait: float = attrs.field(default=300.0, converter=_credit_max_wait)
    #: Where credits are counted: ``local`` (this process) or ``redis`` (shared, ``redis_url``).
    credit_store: str = attrs.field(default="local", converter=_lower)
    #: The most credits a Redis budget takes from Redis at once (1: one round trip per call).
    credit_block: int = attrs.field(default=32, converter=_credit_block)
    #: Costs on top of Zoho's table: ``{"METHOD path/pattern": credits}``.
    credit_costs: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_credit_costs)

    def __attrs_post_init__(self) -> None:
        for key in ("client_id", "client_secret", "redirect_uri"):
            if not getattr(self, key):
                raise ConfigError(key, "is mandatory; copy it from https://api-console.zoho.com")
        if self.current_user_email is not None and not _EMAIL.match(self.current_user_email):
            raise ConfigError(
                "current_user_email",
                f"expected an e-mail address, got {self.current_user_email!r}",
            )
        if not self.allow_untrusted_hosts:
            for key in ("api_base_url", "accounts_url", "upload_url"):
                url = getattr(self, key)
                if url is not None and not url.lower().startswith("https://"):
                    raise ConfigError(
                        key,
                        f"{url!r} is not https: the client secret and tokens would travel in "
                        "clear; use https, or set allow_untrusted_hosts=true for a local test "
                        "server",
                    )
        self._check_choice("data_center", self.data_center, tuple(DATA_CENTERS))
        self._check_choice("environment", self.environment, ENVIRONMENTS)
        self._check_choice("api_version", self.api_version, API_VERSIONS)
        self._check_choice("access_type", self.access_type, ("offline", "online"))
        if self.persistence is not None:
            self._check_choice("persistence", self.persistence, STORE_KINDS)
        self._check_choice("limiter", self.limiter, LIMITER_KINDS)
        if self.limiter == "redis" and self.redis_url is None:
            raise ConfigError(
                "redis_url", "is mandatory with limiter='redis', e.g. redis://127.0.0.1:6379/0"
            )
        if self.sandbox and self.environment == "developer":
            raise ConfigError("sandbox", "cannot be true with environment='developer'")
        has_path = self.persistence_handler_class_path is not None
        if has_path and not isinstance(self.persistence_handler_class, str):
            raise ConfigError(
                "persistence_handler_class",
                "is mandatory with persistence_handler_class_path: give the class name "
                "defined in that file",
            )
        if isinstance(self.persistence_handler_class, str) and not has_path:
            raise ConfigError(
                "persistence_handler_class_path",
                "is mandatory when persistence_handler_class is a class name: give the .py "
                "file's path, or pass the handler object itself as persistence_handler_class",
            )
        if self.persistence == "custom" and self.persistence_handler_class is None:
            raise ConfigError("persistence_handler_class", "is mandatory with persistence='custom'")
        if self.persistence == "redis" and self.redis_url is None:
            raise ConfigError(
                "redis_url", "is mandatory with persistence='redis', e.g. redis://127.0.0.1:6379/0"
            )
        self._check_credits()
        if self.persistence == "postgres" and self.postgres_url is None:
            raise ConfigError(
                "postgres_url",
                "is mandatory with persistence='postgres', e.g. "
                "postgresql://zcrm:password@127.0.0.1:5432/zohooauth",
            )

    def _check_credits(self) -> None:
        self._check_choice("credit_store", self.credit_store, CREDIT_STORES)
        if not callable(self.credit_policy):
            from ._credits import CREDIT_POLICIES

            self._check_choice("credit_policy", self.credit_policy, CREDIT_POLICIES)
        if self.credit_budget is not None and self.credit_reserve >= self.credit_budget:
            raise ConfigError(
                "credit_reserve",
                f"is {self.credit_reserve}, not below credit_budget={self.credit_budget}: "
                "the reserve is the part of the budget the client leaves unspent",
            )
        if self.credit_store == "redis" and self.redis_url is None:
            raise ConfigError(
                "redis_url",
                "is mandatory with credit_store='redis', e.g. redis://127.0.0.1:6379/0",
            )

    @staticmethod
    def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
        if value not in choices:
            raise ConfigError(key, f"expected one of {', '.join(choices)}; got {value!r}")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], **overrides: Any) -> Config:
        """Build from the classic SDKs' configuration dictionary (aliases and string booleans too).

        Unknown keys emit a :class:`ConfigWarning` naming them and the closest known key.

        Args:
            values: The configuration keys and values (``client_id``, ``client_secret``,
                ``redirect_uri``, ``dc``...); strings such as ``"true"`` and ``"30"`` are converted.
            **overrides: Keys that win over ``values``.

        Returns:
            The checked configuration.

        Raises:
            ConfigError: A mandatory key is missing or a value is invalid (the key named).
        """
        known = {field.name for field in attrs.fields(cls)}
        merged: dict[str, Any] = {}
        for raw_key, value in {**values, **overrides}.items():
            key = ALIASES.get(raw_key, raw_key)
            if key not in known:
                import difflib  # only for the warning's suggestion

                close = difflib.get_close_matches(key, sorted(known | set(ALIASES)), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                warnings.warn(
                    f"unknown zcrm_async config key {raw_key!r} ignored{hint}",
                    ConfigWarning,
                    stacklevel=2,
                )
                continue
            if key in merged and raw_key != key:
                continue  # the canonical spelling wins over an alias
            merged[key] = value
        for key in ("client_id", "client_secret", "redirect_uri"):
            if merged.get(key) in (None, ""):
                raise ConfigError(key, "is mandatory; copy it from https://api-console.zoho.com")
        return cls(**merged)

    @classmethod
    def from_env(cls, prefix: str = "ZCRM_", **overrides: Any) -> Config:
        """Build from environment variables named ``ZCRM_<KEY>`` (e.g. ``ZCRM_CLIENT_ID``).

        Args:
            prefix: The variables' prefix; the rest of the name, lower-cased, is the key.
            **overrides: Keys that win over the environment.

        Returns:
            The checked configuration.

        Raises:
            ConfigError: A mandatory key is missing or a value is invalid (the key named).
        """
        known = {field.name for field in attrs.fields(cls)}
        values = {
            name[len(prefix) :].lower(): value
            for name, value in os.environ.items()
            if name.startswith(prefix) and name[len(prefix) :].lower() in known
        }
        return cls.from_dict(values, **overrides)

    # -- resolved values ----------------------------------------------------------------------

    @property
    def dc(self) -> DataCenter:
        """The :class:`DataCenter` named by ``data_center``."""
        return DATA_CENTERS[self.data_center]

    @property
    def effective_environment(self) -> str:
        """``sandbox`` when ``sandbox=true`` (the classic key), else ``environment``."""
        return "sandbox" if self.sandbox else self.environment

    @property
    def resolved_accounts_url(self) -> str:
        """The accounts server: ``accounts_url`` if given, else the data centre's."""
        return self.accounts_url or self.dc.accounts_url

    @property
    def token_url(self) -> str:
        """``{accounts}/oauth/v2/token``."""
        return f"{self.resolved_accounts_url}/oauth/v2/token"

    def api_domain(self, token_api_domain: str | None = None) -> str:
        """The API domain for calls: explicit ``api_base_url`` > token's ``api_domain`` > DC's.

        For sandbox/developer environments the environment's domain is used, since the token's
        ``api_domain`` always names production.

        Args:
            token_api_domain: The ``api_domain`` Zoho returned with the tokens, if any.

        Returns:
            The domain's URL, without a trailing slash.
        """
        env = self.effective_environment
        if self.api_base_url:
            if env != "production" and "://www." in self.api_base_url:
                return self.api_base_url.replace("://www.", f"://{env}.", 1)
            return self.api_base_url
        if env != "production":
            return self.dc.api_domain(env)
        return (token_api_domain or self.dc.api_domain()).rstrip("/")

    @property
    def store_kind(self) -> str:
        """The token store: the first one configured of custom > file > sqlite > mysql.

        ``postgres_url`` selects PostgreSQL, after SQLite and before MySQL; Redis is chosen only
        by ``persistence="redis"`` (a ``redis_url`` may be there for other shared state).
        """
        if self.persistence:
            return self.persistence
        if self.persistence_handler_class is not None:
            return "custom"
        if self.token_persistence_path:
            return "file"
        if self.sqlite_path:
            return "sqlite"
        if self.postgres_url:
            return "postgres"
        if self.db_username is not None or self.db_password is not None:
            return "mysql"
        return "sqlite"

    @property
    def resolved_upload_url(self) -> str:
        """The bulk-write upload host: ``upload_url`` if given, else the data centre's."""
        return self.upload_url or self.dc.upload_url

    def web_redirect_uri(self) -> str:
        """``redirect_uri`` for the web login flow, which needs the real registered URL.

        A self client may configure a dummy value (the classic SDKs allowed it: Zoho ignores it
        for grant codes made in the API console), but not the web flow.

        Returns:
            The http(s) redirect URI.

        Raises:
            ConfigError: ``redirect_uri`` is not an http(s) URL.
        """
        if not _HTTP_URL.match(self.redirect_uri):
            raise ConfigError(
                "redirect_uri",
                f"is {self.redirect_uri!r}: a dummy value does for a self client, but the web "
                "login flow needs the http(s) URL registered for the client in the Zoho API "
                "console (Zoho sends the user back there with the grant code)",
            )
        return self.redirect_uri

    @property
    def resolved_sqlite_path(self) -> Path:
        """``sqlite_path``, or the per-user default database."""
        return Path(self.sqlite_path).expanduser() if self.sqlite_path else default_sqlite_path()
