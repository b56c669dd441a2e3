"""``FakeZohoCRM``: the public face of the emulator."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx
from starlette.types import ASGIApp

from ._app import build_app
from ._bulk_state import FakeBulk
from ._control import DEFAULT_SCOPES, Control
from ._credits import CreditsSpent
from ._faults import Fault, Stats
from ._functions import FakeFunctions
from ._limits import Limits
from ._runtime import Knobs, Runtime
from ._socket import bind, running_in_thread
from ._state import FakeState
from ._watch import FakeNotifications

if TYPE_CHECKING:
    from zcrm_async._config import Config

__all__ = ["DEFAULT_SCOPES", "FakeZohoCRM"]


class FakeZohoCRM:
    """A stateful, in-memory Zoho CRM: accounts server and CRM API on one ``base_url``.

    Use it in-process through :meth:`transport`, or on a real socket with
    :meth:`serve_in_thread` / ``python -m zcrm_async.testing serve``. Knob and fault methods are
    safe to call while it serves from another thread.

    Args:
        base_url: The URL of the accounts server and the API alike.
        client_id: The client id the fake accepts.
        client_secret: The client secret the fake accepts.
        redirect_uri: The redirect URI registered for the client.
        user_email: The default CRM user (an administrator).
        token_lifetime: Seconds an access token lives.
        grant_code_lifetime: Seconds a grant code lives.
        latency: Seconds added to every answer.
        max_concurrency: Concurrent API calls beyond which the fake answers 429 (no limit if
            None).
        heavy_max_concurrency: The same for heavy calls.
        fail_429_rate: The share of API calls answered 429 at random, 0..1.
        credit_allowance: API credits the org may spend per rolling 24 hours, charged at
            Zoho's prices; past them calls get 429 ``TOO_MANY_REQUESTS`` (None: no limit).
            :func:`edition_allowance` gives an edition's.
        credits_header_from: The share of the allowance used from which answers carry
            ``X-API-CREDITS-REMAINING`` (Zoho is reported to send it from half; 0: always,
            None: never).
        clock: The fake's clock, in seconds (for tests that move time).
    """

    def __init__(
        self,
        *,
        base_url: str = "http://fake-zoho.test",
        client_id: str = "1000.FAKECLIENTID",
        client_secret: str = "fake-client-secret",  # noqa: S107 - a fake's well-known secret
        redirect_uri: str = "http://localhost:8000/callback",
        user_email: str = "admin@example.com",
        token_lifetime: float = 3600.0,
        grant_code_lifetime: float = 180.0,
        latency: float = 0.0,
        max_concurrency: int | None = None,
        heavy_max_concurrency: int | None = None,
        fail_429_rate: float = 0.0,
        credit_allowance: int | None = None,
        credits_header_from: float | None = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.user_email = user_email
        self.clock = clock
        self._state = FakeState(
            base_url=self.base_url,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            user_email=user_email,
            token_lifetime=token_lifetime,
            grant_code_lifetime=grant_code_lifetime,
            clock=lambda: self.clock(),
        )
        self._runtime = Runtime(
            self._state,
            Knobs(
                latency=latency,
                max_concurrency=max_concurrency,
                heavy_max_concurrency=heavy_max_concurrency,
                fail_429_rate=fail_429_rate,
                credit_allowance=credit_allowance,
                credits_header_from=credits_header_from,
            ),
        )
        self._control = Control(self._runtime)
        self.app: ASGIApp = build_app(self._runtime)

    def __repr__(self) -> str:
        return f"FakeZohoCRM(base_url={self.base_url!r}, user_email={self.user_email!r})"

    # -- wiring ----------------------------------------------------------------------------------

    def transport(self) -> httpx.ASGITransport:
        """An in-process httpx transport to the app.

        Returns:
            A transport to pass as ``ZohoCRM(config, transport=...)``: no socket needed.
        """
        return httpx.ASGITransport(app=self.app)

    def config(self, **overrides: Any) -> Config:
        """A ``Config`` for this fake: its client, accounts URL, user and a memory token store.

        Args:
            **overrides: Config keys that replace the fake's values.

        Returns:
            The configuration.
        """
        from zcrm_async._config import Config

        values: dict[str, Any] = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": self.redirect_uri,
            "accounts_url": self.base_url,
            "current_user_email": self.user_email,
            "upload_url": self.base_url,
            "persistence": "memory",
            # The fake serves plain http on its own host: the one opt-in a test server needs.
            "allow_untrusted_hosts": True,
        }
        return Config.from_dict(values, **overrides)

    @contextmanager
    def serve_in_thread(
        self, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "error"
    ) -> Iterator[str]:
        """Serve on a real socket (uvicorn in a thread) and yield the base URL.

        While serving, ``base_url`` (and so the ``api_domain`` of token answers) is that URL.

        Args:
            host: The address to bind.
            port: The port to bind (0: a free one).
            log_level: uvicorn's log level.

        Yields:
            The base URL, e.g. ``http://127.0.0.1:53211``; the server stops when the block exits.
        """
        sock, url = bind(host, port)
        previous = self.base_url
        self._set_base_url(url)
        self._runtime.over_socket = True
        try:
            with running_in_thread(self.app, sock, log_level):
                yield url
        finally:
            self._runtime.over_socket = False
            self._set_base_url(previous)

    def _set_base_url(self, url: str) -> None:
        with self._state.lock:
            self.base_url = url.rstrip("/")
            self._state.oauth.api_domain = self.base_url

    # -- knobs -----------------------------------------------------------------------------------

    @property
    def latency(self) -> float:
        """Seconds added to every CRM API request."""
        return float(self._control.knob("latency"))

    @latency.setter
    def latency(self, seconds: float) -> None:
        self._control.set_knob("latency", seconds)

    @property
    def max_concurrency(self) -> int | None:
        """In-flight CRM API requests beyond this get 429 ``TOO_MANY_REQUESTS``."""
        limit: int | None = self._control.knob("max_concurrency")
        return limit

    @max_concurrency.setter
    def max_concurrency(self, limit: int | None) -> None:
        self._control.set_knob("max_concurrency", limit)

    @property
    def heavy_max_concurrency(self) -> int | None:
        """In-flight heavy calls (search, COQL, convert, writes of > 10 records) beyond this: 429.

        Zoho's sub-limit is 10 in every edition; None (the default) does not enforce it.
        """
        limit: int | None = self._control.knob("heavy_max_concurrency")
        return limit

    @heavy_max_concurrency.setter
    def heavy_max_concurrency(self, limit: int | None) -> None:
        self._control.set_knob("heavy_max_concurrency", limit)

    @property
    def fail_429_rate(self) -> float:
        """Fraction (0..1) of CRM API requests refused with 429 at random, before any work."""
        return float(self._control.knob("fail_429_rate"))

    @fail_429_rate.setter
    def fail_429_rate(self, rate: float) -> None:
        self._control.set_knob("fail_429_rate", rate)

    @property
    def credit_allowance(self) -> int | None:
        """API credits the org may spend per rolling 24 hours (None: no limit).

        Each call is charged at Zoho's price (1 credit by default, 5 to convert a lead...);
        a call the allowance cannot pay gets 429 ``TOO_MANY_REQUESTS`` and costs nothing.
        """
        allowance: int | None = self._control.knob("credit_allowance")
        return allowance

    @credit_allowance.setter
    def credit_allowance(self, credits: int | None) -> None:
        self._control.set_knob("credit_allowance", credits)

    @property
    def credits_header_from(self) -> float | None:
        """The share of the allowance used from which answers carry
        ``X-API-CREDITS-REMAINING`` (0.5 by default; 0: always; None: never)."""
        share: float | None = self._control.knob("credits_header_from")
        return share

    @credits_header_from.setter
    def credits_header_from(self, share: float | None) -> None:
        self._control.set_knob("credits_header_from", share)

    @property
    def credits(self) -> CreditsSpent:
        """The org's API credits now: ``allowance``, ``spent`` and ``remaining`` in the
        rolling window, and ``frees_in`` (seconds until the oldest spent credits are back)."""
        return self._control.credits()

    def reset_credits(self) -> None:
        """Forget the credits spent (as if a day had passed); the allowance stays."""
        self._control.reset_credits()

    @property
    def token_lifetime(self) -> float:
        """Seconds an access token lives (``expires_in`` is its whole part)."""
        return self._control.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: float) -> None:
        self._control.token_lifetime = seconds

    @property
    def limits(self) -> Limits:
        """Zoho's limits as enforced here; tests may lower them."""
        return self._state.limits

    @property
    def bulk(self) -> FakeBulk:
        """Bulk Read / Bulk Write knobs: job pacing, injected failures, limits, generated rows."""
        return FakeBulk(self._state)

    @property
    def functions(self) -> FakeFunctions:
        """REST API functions: their API key, registering Python callables, executions."""
        return FakeFunctions(self._state)

    @property
    def notifications(self) -> FakeNotifications:
        """Notification channels and the notifications delivered (``deliveries``), and how
        they are delivered (``transport``)."""
        return FakeNotifications(self._state)

    @property
    def stats(self) -> Stats:
        """Request counters; ``stats.reset()`` zeroes them."""
        return self._runtime.stats

    # -- OAuth -----------------------------------------------------------------------------------

    def issue_grant_code(
        self, scopes: Sequence[str] = DEFAULT_SCOPES, user_email: str | None = None
    ) -> str:
        """A grant code (as the API console's self-client gives), for ``user_email``.

        An e-mail that is not yet a CRM user is added as one.

        Args:
            scopes: The scopes the code grants.
            user_email: The user (the fake's default user if None).

        Returns:
            The grant code, for ``crm.oauth.generate_access_token``.
        """
        return self._control.issue_grant_code(scopes, user_email or self.user_email)

    def issue_tokens(
        self, user_email: str | None = None, scopes: Sequence[str] = DEFAULT_SCOPES
    ) -> dict[str, Any]:
        """Mint a refresh + access token pair directly (not counted as a mint in ``stats``).

        Args:
            user_email: The user (the fake's default user if None).
            scopes: The scopes the tokens carry.

        Returns:
            The token endpoint's answer: ``access_token``, ``refresh_token``, ``expires_in``,
            ``api_domain``...
        """
        return self._control.issue_tokens(user_email or self.user_email, scopes)

    def expire_access_tokens(self) -> None:
        """Expire every access token issued so far (their next use gets 401 INVALID_TOKEN)."""
        self._control.expire_access_tokens()

    # -- data ------------------------------------------------------------------------------------

    def add_user(self, email: str, **fields: Any) -> dict[str, Any]:
        """Add a CRM user (``profile=``/``role=`` names, or any user field).

        Args:
            email: The user's e-mail.
            **fields: User fields, e.g. ``profile="Standard"``, ``role="Manager"``.

        Returns:
            A copy of the user's JSON object.
        """
        with self._state.lock:
            return copy.deepcopy(self._state.directory.add_user(email, **fields))

    def records(self, module: str) -> dict[str, dict[str, Any]]:
        """A copy of the stored records of ``module`` by id.

        Args:
            module: The module's API name.

        Returns:
            ``{id: record JSON}``.
        """
        return self._control.records(module)

    def add_records(
        self, module: str, records: Iterable[dict[str, Any]], *, owner_email: str | None = None
    ) -> list[str]:
        """Store records directly (validated like an insert, no HTTP).

        Args:
            module: The module's API name.
            records: The records' fields.
            owner_email: The owner (the fake's default user if None).

        Returns:
            The new records' ids, in input order.

        Raises:
            ValueError: With Zoho's per-record error, for a record an insert would refuse.
        """
        return self._control.add_records(module, records, owner_email)

    def seed(self, module: str, count: int, *, owner_email: str | None = None) -> list[str]:
        """Store ``count`` generated records in ``module`` (mandatory fields filled).

        ``python -m zcrm_async.testing serve --seed Leads=N`` does this before serving.

        Args:
            module: The module's API name.
            count: How many records.
            owner_email: The owner (the fake's default user if None).

        Returns:
            The new records' ids.
        """
        return self._control.seed(module, count, owner_email)

    def set_unique_fields(self, module: str, fields: Iterable[str]) -> None:
        """Fields whose duplicate values make writes fail with DUPLICATE_DATA.

        Args:
            module: The module's API name.
            fields: The fields' API names.
        """
        self._control.set_unique_fields(module, fields)

    def add_field(self, module: str, api_name: str, kind: str = "text") -> None:
        """Add a custom field to ``module``, as an admin does in Zoho's setup.

        Args:
            module: The module's API name.
            api_name: The new field's API name.
            kind: ``text``; ``external`` (a unique field holding the record's id in another
                system: records are addressed by its values with the ``X-EXTERNAL`` header);
                ``rich_text`` (a multi-line HTML field, read whole with ``fetch_full_data``).
        """
        self._control.add_field(module, api_name, kind)

    def reset(self) -> None:
        """Back to the start: no records, tokens, jobs or faults; counters zeroed; the knobs
        the fake was made with. The client, its secret and the admin stay."""
        self._control.reset()

    # -- faults ----------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 500,
        *,
        code: str | None = None,
        message: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """The next ``times`` matching CRM API requests answer ``status`` in Zoho's envelope.

        Args:
            status: The HTTP status to answer.
            code: Zoho's error code in the body (one fitting ``status`` if None).
            message: The error message in the body (one fitting ``status`` if None).
            times: How many requests fail.
            retry_after: A ``Retry-After`` header to send, in seconds.
            path: Only requests whose URL path contains this.
            method: Only requests of this HTTP method.
        """
        self._add(
            Fault(
                "fail",
                times,
                path,
                method,
                status=status,
                code=code,
                message=message,
                retry_after=retry_after,
            )
        )

    def drop_next(
        self, times: int = 1, *, path: str | None = None, method: str | None = None
    ) -> None:
        """Send response headers, then break the connection (in-process: RemoteProtocolError).

        Args:
            times: How many requests.
            path: Only requests whose URL path contains this.
            method: Only requests of this HTTP method.
        """
        self._add(Fault("drop", times, path, method))

    def slow_next(self, seconds: float, times: int = 1, *, path: str | None = None) -> None:
        """Delay the next ``times`` matching responses by ``seconds``.

        Args:
            seconds: The delay.
            times: How many responses.
            path: Only requests whose URL path contains this.
        """
        self._add(Fault("slow", times, path, seconds=seconds))

    def malformed_next(self, times: int = 1, *, path: str | None = None) -> None:
        """Answer 200 with an HTML page instead of JSON.

        Args:
            times: How many requests.
            path: Only requests whose URL path contains this.
        """
        self._add(Fault("malformed", times, path))

    def clear_faults(self) -> None:
        """Forget every pending fault."""
        self._control.clear_faults()

    def _add(self, fault: Fault) -> None:
        self._control.add_fault(fault)
