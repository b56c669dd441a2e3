"""``ZohoCRM``: the client. Owns the connection pool, the token manager and the limiter."""

from __future__ import annotations

import copy
import urllib.request
from collections.abc import Callable, Hashable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar, Unpack, overload

import anyio
import httpx

from ._config import Config
from ._credits import CreditBudget, CreditUsage, budget_from_config
from ._exceptions import InvalidArgumentError
from ._hooks import Hooks, HookSet
from ._http._core import HttpCore
from ._http._httpclient import HttpClient
from ._http._limiter import AdaptiveLimiter, Limiter
from ._http._options import (
    OPTION_NAMES,
    RequestArgs,
    RequestOptions,
    RequestOptionsDict,
    check_options,
    merge_options,
)
from ._http._retry import RetryPolicy
from ._logging import configure_logging
from .auth._accounts import USER_AGENT, AccountsClient
from .auth._oauth import OAuth
from .auth._tokens import TokenManager
from .managers._base import Session
from .managers._cache import MetadataCache
from .managers.records import RecordsManager
from .stores import TokenStore, build_store

if TYPE_CHECKING:  # the other managers import on first use: `import zcrm_async` stays fast
    from .bulk import BulkManager
    from .managers.audit_logs import AuditLogsManager
    from .managers.backup import BackupManager
    from .managers.contact_roles import ContactRolesManager
    from .managers.coql import CoqlQuery
    from .managers.currencies import CurrenciesManager
    from .managers.files import FilesManager
    from .managers.functions import FunctionsManager
    from .managers.mail import MailManager
    from .managers.metadata import ModulesManager
    from .managers.notes import NotesManager
    from .managers.notifications import NotificationsManager
    from .managers.org import OrgManager
    from .managers.pipelines import PipelinesManager
    from .managers.recycle_bin import RecycleBinManager
    from .managers.settings import ProfilesManager, RolesManager, VariablesManager
    from .managers.tags import TagsManager
    from .managers.territories import TerritoriesManager
    from .managers.user_groups import UserGroupsManager
    from .managers.users import UsersManager

__all__ = ["ZohoCRM"]

M = TypeVar("M")


class ZohoCRM:
    """An async Zoho CRM client. Create one per service and share it between tasks::

        async with ZohoCRM(Config.from_dict({...})) as crm:
            leads = crm.records("Leads")
            async for lead in leads.list(fields=["Last_Name", "Email"]):
                ...

    ``transport=`` or ``http_client=`` inject the HTTP layer (tests, a proxy of your own);
    a proxy named by ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` is honoured as httpx honours it;
    ``store=`` overrides the token store the config selects; ``hooks=`` attaches :class:`Hooks`
    that observe every call; ``credits=`` replaces the API-credit budget the ``credit_*`` config
    keys describe (:class:`LocalCreditBudget`, :class:`RedisCreditBudget`); ``limiter=``
    replaces the concurrency limiter the config selects (e.g. a :class:`RedisLimiter` shared by
    several workers). :meth:`as_user` and :meth:`with_options` make views of the client (see
    :meth:`copy`).

    Args:
        config: A :class:`Config`, or a configuration dict for :meth:`Config.from_dict`.
        store: The token store (the one the config selects if None).
        transport: The httpx transport every request goes through (e.g. a fake's); not with
            ``http_client``.
        http_client: An ``httpx.AsyncClient`` of your own (you close it); not with
            ``transport``.
        retry: When and how failed calls are retried (``max_retries`` from the config if
            None).
        hooks: One :class:`Hooks` or several, told of every request, retry and refresh.
        credits: The API-credit budget calls are kept to (the one the ``credit_*`` config
            keys describe if None).
        limiter: The concurrency limiter every CRM call takes a slot of (the one the
            ``limiter`` config key selects if None); the client's hooks are attached to it
            when it has none.

    Raises:
        ConfigError: A configuration dict with a missing or invalid key.
        InvalidArgumentError: Both ``transport`` and ``http_client``, or a ``limiter`` that
            is not a :class:`Limiter`.
    """

    def __init__(
        self,
        config: Config | Mapping[str, Any],
        *,
        store: TokenStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        hooks: Hooks | Sequence[Hooks] | None = None,
        credits: CreditBudget | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        if not isinstance(config, Config):
            config = Config.from_dict(config)
        if transport is not None and http_client is not None:
            raise InvalidArgumentError("pass transport= or http_client=, not both")
        configure_logging(config.application_log_file_path, config.log_in_console)
        self.config = config
        self._owns_http = http_client is None
        limits = httpx.Limits(
            max_connections=max(config.max_concurrency, 10) + 5,
            max_keepalive_connections=max(config.max_concurrency, 10),
        )
        #: The ``httpx.AsyncClient`` every request goes through.
        self.http = http_client or HttpClient(
            transport=transport or _default_transport(limits),
            timeout=config.timeout,
            headers={"User-Agent": USER_AGENT},
            limits=limits,
        )
        self.store = store if store is not None else build_store(config)
        hook_set = HookSet.of(hooks)
        #: The client-wide concurrency limit, adapted to Zoho's 429s (``current``, ``maximum``).
        self.limiter: Limiter = _limiter(config, limiter, hook_set)
        #: When and how failed calls are retried (a per-call ``max_retries=`` overrides its count).
        self.retry = retry or RetryPolicy(max_retries=config.max_retries)
        #: The API credits spent, and the budget they are kept to (see :meth:`usage`).
        self.credits = credits if credits is not None else budget_from_config(config)
        core = HttpCore(config, self.http, self.retry, self.limiter, hook_set, self.credits)
        accounts = AccountsClient(config, core)
        self.tokens = TokenManager(
            self.store,
            accounts,
            skew=config.refresh_skew,
            refresh_timeout=config.refresh_timeout,
        )
        self.oauth = OAuth(config, accounts, self.tokens, core)
        self._core = core
        self._metadata = MetadataCache()
        self._bind(None, {}, is_view=False)

    def _bind(self, user: str | None, options: RequestOptionsDict, *, is_view: bool) -> None:
        """Set what belongs to this client or view alone: its user, options and managers."""
        self._user = user
        self._options = options
        self._is_view = is_view
        self._managers: dict[Hashable, Any] = {}
        self._session = Session(
            self._core, self.tokens, self._resolve_user, options, self._metadata
        )

    def __repr__(self) -> str:
        user = self._user or self.oauth.default_user
        view = f", options={self._options!r}" if self._options else ""
        return f"ZohoCRM(data_center={self.config.data_center!r}, user={user!r}{view})"

    def _resolve_user(self) -> str:
        return self.oauth.user_or_default(self._user)

    @property
    def user_email(self) -> str | None:
        """The user this client acts as (None until known)."""
        return self._user or self.oauth.default_user

    @property
    def options(self) -> RequestOptionsDict:
        """The per-call options this client (or view) applies to every call."""
        return dict(self._options)  # type: ignore[return-value]

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
        """Close the connection pool (if this client created it), the token store and the
        credit budget (its Redis connections).

        On a view (:meth:`as_user`, :meth:`with_options`) this does nothing: the client that
        made it owns them.
        """
        if self._is_view:
            return
        with anyio.CancelScope(shield=True):
            await self.tokens.aclose()  # a refresh in flight still saves its token
            if self._owns_http:
                await self.http.aclose()
            await self.store.aclose()
            await self.credits.aclose()
            await self.limiter.aclose()

    async def usage(self) -> CreditUsage:
        """The API credits this client spent in Zoho's rolling 24 hours, and what is left.

        Without a budget (no ``credit_budget``) spending is still counted, in this process (or
        in Redis with ``credit_store="redis"``) and ``budget``/``remaining`` are None. Only
        calls made through this client (and the clients sharing its counter) are counted, not
        other integrations of the org. With ``credit_store="redis"``, credits are taken from
        Redis in blocks: this gives this client's unused ones back first, and counts those
        that other workers hold as spent (see :class:`RedisCreditBudget`).

        ``zoho_remaining`` is Zoho's own count of the org's credits left (every integration's
        calls counted), from the last answer that carried ``X-API-CREDITS-REMAINING`` (sent
        once half the day's credits are used), and ``zoho_seen_at`` when it came.

        Returns:
            The spent credits, the budget, what remains and when credits free up; what Zoho
            last said remains.

        Raises:
            CreditStoreError: the shared counter (Redis) cannot be reached.
        """
        return await self.credits.usage()

    # -- views --------------------------------------------------------------------------------

    def copy(
        self, *, user_email: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> ZohoCRM:
        """A view of this client: same pool, limiter, token manager, store and metadata cache;
        its own user and per-call options.

        Views are cheap and need no closing; closing one leaves the client open.

        Args:
            user_email: The user the view acts as (this client's user if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`. They apply on top of this
                client's: ``headers``/``params`` merged, ``timeout``/``max_retries`` replaced.

        Returns:
            The view.

        Raises:
            InvalidArgumentError: ``user_email`` is not an e-mail address, or a bad option value.
            InvalidArgumentTypeError: An unknown option name.
        """
        if user_email is not None and (not isinstance(user_email, str) or "@" not in user_email):
            raise InvalidArgumentError(f"user_email must be an e-mail address, got {user_email!r}")
        check_options(options)
        view = copy.copy(self)
        view._bind(user_email or self._user, merge_options(self._options, options), is_view=True)
        return view

    def as_user(self, user_email: str) -> ZohoCRM:
        """A view acting as another user: same pool, limiter and store; that user's tokens.

        Args:
            user_email: The user's e-mail address (their tokens must be in the store).

        Returns:
            The view; it needs no closing.

        Raises:
            InvalidArgumentError: ``user_email`` is not an e-mail address.
        """
        if not user_email:
            raise InvalidArgumentError(f"user_email must be an e-mail address, got {user_email!r}")
        return self.copy(user_email=user_email)

    def with_options(self, **options: Unpack[RequestOptionsDict]) -> ZohoCRM:
        """A view whose every call uses these options.

        For example ``crm.with_options(timeout=5).records("Leads")``.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The view; it needs no closing.

        Raises:
            InvalidArgumentError: A bad option value.
            InvalidArgumentTypeError: An unknown option name.
        """
        return self.copy(**options)

    # -- managers -----------------------------------------------------------------------------

    def _manager(self, key: Hashable, build: Callable[[Session], M]) -> M:
        manager: M | None = self._managers.get(key)
        if manager is None:
            manager = self._managers[key] = build(self._session)
        return manager

    def records(self, module: str) -> RecordsManager:
        """The records of ``module`` (an API name such as ``Leads``).

        Args:
            module: The module's API name.

        Returns:
            The module's :class:`~zcrm_async.managers.records.RecordsManager` (one per module and
            client).

        Raises:
            InvalidArgumentError: A malformed module name.
        """
        manager: RecordsManager | None = self._managers.get(module)
        if manager is None:
            manager = self._managers[module] = RecordsManager(self._session, module)
        return manager

    @property
    def users(self) -> UsersManager:
        """CRM users."""
        from .managers.users import UsersManager

        return self._manager(UsersManager, UsersManager)

    @property
    def notifications(self) -> NotificationsManager:
        """Notification channels: Zoho POSTs to your URL when watched records change."""
        from .managers.notifications import NotificationsManager

        return self._manager(NotificationsManager, NotificationsManager)

    @property
    def org(self) -> OrgManager:
        """The organisation."""
        from .managers.org import OrgManager

        return self._manager(OrgManager, OrgManager)

    @property
    def notes(self) -> NotesManager:
        """The Notes module (a record's notes: ``crm.records(m).notes(record_id)``)."""
        from .managers.notes import NotesManager

        return self._manager(NotesManager, NotesManager)

    @property
    def tags(self) -> TagsManager:
        """Module tags (``/settings/tags``); tag records with ``crm.records(m).add_tags``."""
        from .managers.tags import TagsManager

        return self._manager(TagsManager, TagsManager)

    @property
    def bulk(self) -> BulkManager:
        """Zoho's bulk engine: Bulk Read exports and Bulk Write imports (ZIP'd CSV jobs)."""
        from .bulk import BulkManager

        return self._manager(BulkManager, BulkManager)

    @property
    def contact_roles(self) -> ContactRolesManager:
        """The roles contacts play in deals (``/Contacts/roles``)."""
        from .managers.contact_roles import ContactRolesManager

        return self._manager(ContactRolesManager, ContactRolesManager)

    @property
    def modules(self) -> ModulesManager:
        """Module metadata (modules, fields, layouts, custom views, related lists), cached."""
        from .managers.metadata import ModulesManager

        return self._manager(ModulesManager, ModulesManager)

    @property
    def roles(self) -> RolesManager:
        """Roles (``/settings/roles``)."""
        from .managers.settings import RolesManager

        return self._manager(RolesManager, RolesManager)

    @property
    def profiles(self) -> ProfilesManager:
        """Profiles (``/settings/profiles``)."""
        from .managers.settings import ProfilesManager

        return self._manager(ProfilesManager, ProfilesManager)

    @property
    def variables(self) -> VariablesManager:
        """Org variables and variable groups (``/settings/variables``)."""
        from .managers.settings import VariablesManager

        return self._manager(VariablesManager, VariablesManager)

    @property
    def currencies(self) -> CurrenciesManager:
        """The org's currencies, base currency and exchange rates (``/org/currencies``)."""
        from .managers.currencies import CurrenciesManager

        return self._manager(CurrenciesManager, CurrenciesManager)

    @property
    def pipelines(self) -> PipelinesManager:
        """The pipelines of Deals layouts and their stages (``/settings/pipeline``)."""
        from .managers.pipelines import PipelinesManager

        return self._manager(PipelinesManager, PipelinesManager)

    @property
    def recycle_bin(self) -> RecycleBinManager:
        """Deleted records of every module: list, restore, purge (``/settings/recycle_bin``)."""
        from .managers.recycle_bin import RecycleBinManager

        return self._manager(RecycleBinManager, RecycleBinManager)

    @property
    def territories(self) -> TerritoriesManager:
        """Territories, their users and users' territories (``/settings/territories``)."""
        from .managers.territories import TerritoriesManager

        return self._manager(TerritoriesManager, TerritoriesManager)

    @property
    def user_groups(self) -> UserGroupsManager:
        """Groups of users, roles and territories (``/settings/user_groups``)."""
        from .managers.user_groups import UserGroupsManager

        return self._manager(UserGroupsManager, UserGroupsManager)

    @property
    def audit_logs(self) -> AuditLogsManager:
        """The audit log: export jobs and their CSV downloads (``/settings/audit_log_export``)."""
        from .managers.audit_logs import AuditLogsManager

        return self._manager(AuditLogsManager, AuditLogsManager)

    @property
    def backup(self) -> BackupManager:
        """The org's data backup: schedule, status, history and downloads."""
        from .managers.backup import BackupManager

        return self._manager(BackupManager, BackupManager)

    @property
    def files(self) -> FilesManager:
        """Zoho's file store (``/files``), behind file-upload and image-upload fields."""
        from .managers.files import FilesManager

        return self._manager(FilesManager, FilesManager)

    @property
    def functions(self) -> FunctionsManager:
        """REST API functions: execute a Deluge function with arguments."""
        from .managers.functions import FunctionsManager

        return self._manager(FunctionsManager, FunctionsManager)

    @property
    def mail(self) -> MailManager:
        """E-mail templates, inventory templates and from-addresses (send mail per record)."""
        from .managers.mail import MailManager

        return self._manager(MailManager, MailManager)

    def coql(
        self, query: str, *, page_size: int | None = None, **options: Unpack[RequestOptionsDict]
    ) -> CoqlQuery:
        """A COQL SELECT: ``await`` it for the first page, ``async for`` for every row.

        Paged with LIMIT/OFFSET (2,000 rows per call, 100,000 in all on v7+; 200 and 10,000
        before); a LIMIT/OFFSET in ``query`` is the window to read. Escape values with
        :func:`zcrm_async.coql_value`.

        Args:
            query: The ``SELECT`` statement.
            page_size: Rows per call (Zoho's most if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The query, read lazily: nothing is sent until it is awaited or iterated.
        """
        from .managers.coql import CoqlQuery

        return CoqlQuery(self._session, query, page_size=page_size, options=options)

    # -- any endpoint ---------------------------------------------------------------------------

    @overload
    async def request(
        self, method: str, path: str, *, raw: Literal[False] = False, **args: Unpack[RequestArgs]
    ) -> Any: ...

    @overload
    async def request(
        self, method: str, path: str, *, raw: Literal[True], **args: Unpack[RequestArgs]
    ) -> httpx.Response: ...

    async def request(
        self, method: str, path: str, *, raw: bool = False, **args: Unpack[RequestArgs]
    ) -> Any:
        """Call any endpoint.

        Error statuses raise :class:`APIError` subclasses as everywhere else.

        Args:
            method: The HTTP method, e.g. ``"GET"``.
            path: Relative to ``/crm/{version}/`` (``"Leads/actions/count"``), from the API
                domain's root when it starts with ``/``, or a full URL on a Zoho host.
            raw: Return the ``httpx.Response`` instead of the decoded JSON.
            **args: The body (``json=``, ``content=``, ``files=``), ``idempotent=``, ``heavy=`` and
                the per-call options; see :class:`~zcrm_async.RequestArgs`.

        Returns:
            The decoded JSON (None for 204/304), or with ``raw=True`` the ``httpx.Response`` (body
            read; its request's ``Authorization`` masked).

        Raises:
            InvalidArgumentError: A full URL that is not on a Zoho host of the client's data
                centre (no token is sent there), or a bad option value.
            APIError: Zoho answered with an error (a subclass names which).
        """
        request = self._request_options(method, path, args)
        if raw:
            return await self._session.raw(request)
        return (await self._session.send(request)).json()

    def stream(
        self, method: str, path: str, **args: Unpack[RequestArgs]
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """``async with crm.stream("GET", path) as response:`` a streamed body (a download).

        ``response.aiter_bytes()`` reads it chunk by chunk; nothing is held in memory. Retried
        until the headers arrive, never after the body started; the limiter slot is held until
        the block exits.

        Args:
            method: The HTTP method.
            path: As for :meth:`request`.
            **args: As for :meth:`request`.

        Returns:
            An async context manager giving the ``httpx.Response`` with its body unread.
        """
        return self._session.stream(self._request_options(method, path, args))

    def _request_options(self, method: str, path: str, args: RequestArgs) -> RequestOptions:
        options = {name: value for name, value in args.items() if name in OPTION_NAMES}
        fields = {name: value for name, value in args.items() if name not in OPTION_NAMES}
        return self._session.prepare(method, path, options, **fields)  # type: ignore[arg-type]


def _limiter(config: Config, given: Limiter | None, hooks: HookSet | None) -> Limiter:
    """``given`` (with the client's hooks if it has none), else the one the config selects."""
    if given is not None:
        if not isinstance(given, Limiter):
            raise InvalidArgumentError(
                f"limiter must be a zcrm_async.Limiter (e.g. AdaptiveLimiter, RedisLimiter), "
                f"got {given!r}"
            )
        if hooks is not None and getattr(given, "hooks", hooks) is None:
            given.hooks = hooks  # type: ignore[attr-defined]
        return given
    if config.limiter == "redis":
        from ._redis_limiter import RedisLimiter

        return RedisLimiter.from_config(config, hooks)
    return AdaptiveLimiter(anyio.CapacityLimiter(config.max_concurrency), hooks=hooks)


def _default_transport(limits: httpx.Limits) -> httpx.AsyncBaseTransport | None:
    """The SDK's HTTP/1.1 transport; ``None`` (httpx's own) when the environment names a proxy.

    httpx reads ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` only for a
    client it gives its own transport, which also speaks to proxies (tunnels included): with a
    proxy set there, the client leaves the transport to httpx, and behaves as httpx does.
    """
    proxies = urllib.request.getproxies()
    if any(proxies.get(scheme) for scheme in ("http", "https", "all")):
        return None
    from ._http._transport import default_transport  # imports h11, on first client only

    return default_transport(limits)
