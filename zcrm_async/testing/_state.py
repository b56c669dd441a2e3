"""All in-memory state of the fake, and the transport-free request/answer types."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ._directory import Directory, IdSource
from ._errors import invalid_module
from ._limits import Limits
from ._metadata import STANDARD_MODULES, FieldSpec
from ._oauth import OAuthState
from ._pagination import PageTokens
from ._settings import SettingsStore
from ._store import ModuleStore, WriteContext

__all__ = ["Call", "FakeState", "Reply"]

T = TypeVar("T")


@dataclass(slots=True)
class Call:
    """One authenticated CRM API call, stripped of HTTP details."""

    method: str
    version: str
    path: dict[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    user: dict[str, Any]
    #: ``body`` decoded once by the app; None when it is empty or not JSON.
    payload: Any = field(default=None, repr=False)

    @property
    def version_tuple(self) -> tuple[int, int]:
        """``v2.1`` as ``(2, 1)``, for comparisons."""
        major, _, minor = self.version[1:].partition(".")
        return int(major), int(minor or 0)

    @property
    def uses_page_tokens(self) -> bool:
        """From v3 on: ``fields`` mandatory, ``page_token``, the 2,000 rule."""
        return self.version_tuple >= (3, 0)


@dataclass(slots=True)
class Reply:
    """What to answer: a status, a JSON body (None for an empty body) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeState:
    """OAuth, users, org and records. Callers hold ``lock`` while touching it."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        user_email: str,
        token_lifetime: float,
        grant_code_lifetime: float,
        clock: Callable[[], float],
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self._client = (client_id, client_secret, redirect_uri)
        self._user_email = user_email
        self._lifetimes = (token_lifetime, grant_code_lifetime)
        self._build(base_url)

    def _build(self, base_url: str) -> None:
        client_id, client_secret, redirect_uri = self._client
        token_lifetime, grant_code_lifetime = self._lifetimes
        self.limits = Limits()
        self.ids = IdSource()
        self.directory = Directory(self.ids, self._user_email)
        self.settings = SettingsStore(self.ids, self.directory)
        self.oauth = OAuthState(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            api_domain=base_url,
            token_lifetime=token_lifetime,
            grant_code_lifetime=grant_code_lifetime,
            clock=self.now,
            limits=self.limits,
        )
        self.page_tokens = PageTokens(self.now, self.limits)
        self.modules = {name: ModuleStore(spec) for name, spec in STANDARD_MODULES.items()}
        self.module_ids = {name: self.ids() for name in self.modules}
        self._parts: dict[Callable[[FakeState], Any], Any] = {}

    def reset(self) -> None:
        """Back to a fresh org: no records, tokens, jobs or extra users; default limits."""
        self._build(self.oauth.api_domain)

    def part(self, factory: Callable[[FakeState], T]) -> T:
        """The state one topic keeps beside the records (bulk jobs, attachments...).

        Made by ``factory(self)`` on first use, and dropped by :meth:`reset`.
        """
        found = self._parts.get(factory)
        if found is None:
            found = self._parts[factory] = factory(self)
        return found

    def now(self) -> float:
        """The injectable clock (token expiry, throttling windows, page-token expiry)."""
        return self.clock()

    def module(self, api_name: str, resource_path_index: int = 0) -> ModuleStore:
        """A module by its (case-sensitive) API name, or 400 ``INVALID_MODULE``."""
        store = self.modules.get(api_name)
        if store is None:
            raise invalid_module(resource_path_index)
        return store

    def write_context(self, actor: dict[str, Any]) -> WriteContext:
        """How writes by ``actor`` resolve owners, lookups, files and new ids."""
        from ._zfs import file_field_value

        def files(spec: FieldSpec, value: Any, current: Any) -> Any:
            return file_field_value(self, spec, value, current, actor)

        return WriteContext(actor, self._owner, self._lookup, self.ids, files)

    def _owner(self, user_id: str) -> dict[str, Any] | None:
        user = self.directory.users.get(user_id)
        return (
            None
            if user is None
            else {"name": user["full_name"], "id": user["id"], "email": user["email"]}
        )

    def _lookup(self, module: str | None, record_id: str) -> dict[str, Any]:
        target = self.modules[module].records.get(record_id) if module in self.modules else None
        name = self.modules[module].spec.display_name(target) if module and target else None
        return {"name": name, "id": record_id}
