"""``ZohoCRM``: the client. Owns the connection pool, the token manager and the limiter."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import anyio
import httpx

from ._config import Config
from ._http._core import HttpCore
from ._http._retry import RetryPolicy
from ._logging import configure_logging
from .auth._accounts import USER_AGENT, AccountsClient
from .auth._oauth import OAuth
from .auth._tokens import TokenManager
from .managers._base import Session
from .managers.records import RecordsManager
from .stores import TokenStore, build_store

if TYPE_CHECKING:  # the other managers import on first use: `import zcrm_async` stays fast
    from .bulk import BulkManager
    from .managers.coql import CoqlQuery
    from .managers.metadata import ModulesManager
    from .managers.notes import NotesManager
    from .managers.org import OrgManager
    from .managers.settings import ProfilesManager, RolesManager, VariablesManager
    from .managers.tags import TagsManager
    from .managers.users import UsersManager

__all__ = ["ZohoCRM"]


class ZohoCRM:
    """An async Zoho CRM client. Create one per service and share it between tasks::

        async with ZohoCRM(Config.from_dict({...})) as crm:
            leads = crm.records("Leads")
            async for lead in leads.list(fields=["Last_Name", "Email"]):
                ...

    ``transport=`` or ``http_client=`` inject the HTTP layer (tests, proxies); ``store=``
    overrides the token store the config selects.
    """

    def __init__(
        self,
        config: Config | Mapping[str, Any],
        *,
        store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not isinstance(config, Config):
            config = Config.from_dict(config)
        if transport is not None and http_client is not None:
            raise ValueError("pass transport= or http_client=, not both")
        configure_logging(config.application_log_file_path, config.log_in_console)
        self.config = config
        self._owns_http = http_client is None
        self._is_view = False  # as_user() views share everything and close nothing
        from ._http._transport import default_transport  # imports httpcore, as httpx does here

        limits = httpx.Limits(
            max_connections=max(config.max_concurrency, 10) + 5,
            max_keepalive_connections=max(config.max_concurrency, 10),
        )
        self.http = http_client or httpx.AsyncClient(
            transport=transport or default_transport(limits),
            timeout=config.timeout,
            headers={"User-Agent": USER_AGENT},
            limits=limits,
        )
        self.store = store if store is not None else build_store(config)
        retry = retry or RetryPolicy(max_retries=config.max_retries)
        accounts = AccountsClient(config, self.http, retry)
        self.tokens = TokenManager(
            self.store,
            accounts,
            skew=config.refresh_skew,
            refresh_timeout=config.refresh_timeout,
        )
        self.oauth = OAuth(config, accounts, self.tokens, self.http)
        self.limiter = anyio.CapacityLimiter(config.max_concurrency)
        self.core = HttpCore(config, self.http, self.tokens, self.limiter, retry)
        self._user: str | None = None
        self._session = Session(self.core, self._resolve_user)

    def __repr__(self) -> str:
        user = self._user or self.oauth.default_user
        return f"ZohoCRM(data_center={self.config.data_center!r}, user={user!r})"

    def _resolve_user(self) -> str:
        return self.oauth.user_or_default(self._user)

    @property
    def user_email(self) -> str | None:
        """The user this client acts as (None until known)."""
        return self._user or self.oauth.default_user

    # -- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (if this client created it) and the token store.

        On an :meth:`as_user` view this does nothing: the client that made it owns them.
        """
        if self._is_view:
            return
        with anyio.CancelScope(shield=True):
            await self.tokens.aclose()  # a refresh in flight still saves its token
            if self._owns_http:
                await self.http.aclose()
            await self.store.aclose()

    # -- users --------------------------------------------------------------------------------

    def as_user(self, user_email: str) -> ZohoCRM:
        """A view acting as another user: same pool, limiter and store; that user's tokens."""
        if not user_email or "@" not in user_email:
            raise ValueError(f"user_email must be an e-mail address, got {user_email!r}")
        view = object.__new__(ZohoCRM)
        view.__dict__.update(self.__dict__)
        view._owns_http = False
        view._is_view = True
        view._user = user_email
        view._session = Session(self.core, view._resolve_user, self._session.metadata)
        return view

    # -- managers -----------------------------------------------------------------------------

    def records(self, module: str) -> RecordsManager:
        """The records of ``module`` (an API name such as ``Leads``)."""
        return RecordsManager(self._session, module)

    @property
    def users(self) -> UsersManager:
        """CRM users."""
        from .managers.users import UsersManager

        return UsersManager(self._session)

    @property
    def org(self) -> OrgManager:
        """The organisation."""
        from .managers.org import OrgManager

        return OrgManager(self._session)

    @property
    def notes(self) -> NotesManager:
        """The Notes module (a record's notes: ``crm.records(m).notes(record_id)``)."""
        from .managers.notes import NotesManager

        return NotesManager(self._session)

    @property
    def tags(self) -> TagsManager:
        """Module tags (``/settings/tags``); tag records with ``crm.records(m).add_tags``."""
        from .managers.tags import TagsManager

        return TagsManager(self._session)

    @property
    def bulk(self) -> BulkManager:
        """Zoho's bulk engine: Bulk Read exports and Bulk Write imports (ZIP'd CSV jobs)."""
        from .bulk import BulkManager

        return BulkManager(self._session)

    @property
    def modules(self) -> ModulesManager:
        """Module metadata (modules, fields, layouts, custom views, related lists), cached."""
        from .managers.metadata import ModulesManager

        return ModulesManager(self._session)

    @property
    def roles(self) -> RolesManager:
        """Roles (``/settings/roles``)."""
        from .managers.settings import RolesManager

        return RolesManager(self._session)

    @property
    def profiles(self) -> ProfilesManager:
        """Profiles (``/settings/profiles``)."""
        from .managers.settings import ProfilesManager

        return ProfilesManager(self._session)

    @property
    def variables(self) -> VariablesManager:
        """Org variables and variable groups (``/settings/variables``)."""
        from .managers.settings import VariablesManager

        return VariablesManager(self._session)

    def coql(self, query: str, *, page_size: int | None = None) -> CoqlQuery:
        """A COQL SELECT: ``await`` it for the first page, ``async for`` for every row.

        Paged with LIMIT/OFFSET (2,000 rows per call, 100,000 in all on v7+; 200 and 10,000
        before); a LIMIT/OFFSET in ``query`` is the window to read. Escape values with
        :func:`zcrm_async.coql_value`.
        """
        from .managers.coql import CoqlQuery

        return CoqlQuery(self._session, query, page_size=page_size)

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call any endpoint (``path`` relative to ``/crm/{version}/``); the decoded JSON."""
        return await self._session.request_json(method, path, **kwargs)
