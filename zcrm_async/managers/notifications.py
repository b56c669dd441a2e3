"""``crm.notifications``: channels that make Zoho POST a notification when records change.

A channel (a ``channel_id`` of the caller's choosing) watches events such as ``Leads.create``,
``Deals.edit``, ``Contacts.delete`` or ``Accounts.all`` and is delivered to a ``notify_url``.
Channels expire: by default after an hour, at most a day later (API v2 and v3) or a week later
(v4 on). An expiry beyond that maximum is not refused by Zoho: it silently becomes one hour, so
it is refused here. :meth:`NotificationsManager.keep_alive` renews a channel before it expires.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final, Unpack

import anyio

from .._exceptions import (
    InvalidArgumentError,
    InvalidArgumentTypeError,
    WriteFailedError,
    ZCRMError,
)
from .._http._options import OPTION_NAMES, RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._notifications import MAX_TOKEN_LENGTH, NotificationChannel
from .._pagination import Pager
from ._base import Manager, unexpected
from ._checks import check_id, check_ids, check_module
from ._common import version_tuple

__all__ = [
    "ChannelKeepAlive",
    "ChannelOptions",
    "NotificationsManager",
    "max_channel_lifetime",
]

logger = logging.getLogger("zcrm_async.notifications")

_PATH: Final = "actions/watch"
_KEY: Final = "watch"
_OPERATIONS: Final = ("create", "edit", "delete", "all")
_EVENT: Final = re.compile(r"^([A-Za-z][A-Za-z0-9_]{0,99})\.([a-z]+)$")
#: Renewals of a kept-alive channel are at least this many seconds apart.
_MIN_RENEWAL_GAP: Final = 1.0
#: A disable after :meth:`NotificationsManager.keep_alive` gets at most this long.
_DISABLE_TIMEOUT: Final = 10.0


class ChannelOptions(RequestOptionsDict, total=False):
    """A notification channel's details besides its id, events and URL, and the per-call
    options (``timeout``, ``max_retries``, ``headers``, ``params``).

    ``token`` is sent back in every notification (at most 50 characters): the proof a
    notification comes from Zoho. ``expiry`` is when the channel expires (an aware datetime,
    or a timedelta from now; Zoho's default is one hour; at most a day ahead on API v2/v3, a
    week from v4). ``return_affected_field_values`` makes notifications of updates carry the
    new values. ``notify_on_related_action`` (Zoho's default True) notifies of changes to
    related records too. ``notification_condition`` (Zoho's objects, API v6 on) notifies of
    edits only when the fields it names change.
    """

    token: str | None
    expiry: datetime | timedelta | None
    return_affected_field_values: bool | None
    notify_on_related_action: bool | None
    notification_condition: Sequence[Mapping[str, Any]] | None


_CHANNEL_KEYS: Final = frozenset(ChannelOptions.__annotations__) - OPTION_NAMES


def max_channel_lifetime(api_version: str) -> timedelta:
    """How far ahead a channel may expire: a day on API v2 and v3, a week from v4 on."""
    return timedelta(days=1) if version_tuple(api_version) < (4, 0) else timedelta(days=7)


def _events(events: Iterable[str] | str, what: str = "events") -> list[str]:
    if isinstance(events, str) or not isinstance(events, Iterable):
        raise InvalidArgumentTypeError(
            f"{what} must be a list such as ['Leads.create'], got {events!r}"
        )
    checked = []
    for index, event in enumerate(events):
        match = _EVENT.match(event) if isinstance(event, str) else None
        if match is None or match[2] not in _OPERATIONS:
            raise InvalidArgumentError(
                f"{what}[{index}] {event!r} is not an event: write 'Module.operation' with an "
                f"operation of {', '.join(_OPERATIONS)} (e.g. 'Leads.create')"
            )
        checked.append(event)
    if not checked:
        raise InvalidArgumentError(f"{what} names no event")
    return checked


class NotificationsManager(Manager):
    """Notification channels (``/actions/watch``): enable, list, update, disable, keep alive.

    The channel's ``token`` comes back in every notification: give it to a
    :class:`~zcrm_async.NotificationReceiver` to accept only genuine notifications.
    """

    def list(
        self,
        *,
        channel_id: str | int | None = None,
        module: str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[NotificationChannel]:
        """The channels enabled, one entry per channel and module.

        Args:
            channel_id: Only this channel.
            module: Only the subscriptions to this module.
            per_page: Entries per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of ``NotificationChannel``.
        """
        params = {
            "channel_id": None if channel_id is None else check_id(channel_id, "channel_id"),
            "module": None if module is None else check_module(module),
            "per_page": per_page,
        }
        parse = NotificationChannel.from_api
        fetch = partial(self._get_page, _PATH, _KEY, parse=parse, options=options)
        return Pager(fetch, params)

    async def enable(
        self,
        channel_id: str | int,
        events: Iterable[str],
        notify_url: str,
        **options: Unpack[ChannelOptions],
    ) -> WriteResult:
        """Enable a channel (or renew it: enabling it again sets its new expiry).

        Args:
            channel_id: The channel's id, a number of the caller's choosing.
            events: ``Module.operation`` names: ``Leads.create``, ``Deals.edit``,
                ``Contacts.delete`` or ``Accounts.all``.
            notify_url: Where Zoho POSTs the notifications (http or https).
            **options: The channel's ``token``, ``expiry`` and other details (see
                :class:`~zcrm_async.ChannelOptions`) and the per-call options.

        Returns:
            The result; ``details["events"]`` lists each module's subscription with its
            ``channel_expiry``.

        Raises:
            InvalidArgumentError: A bad argument (named in the message), before any request.
        """
        return await self._send("POST", channel_id, options, events=events, notify_url=notify_url)

    async def update(
        self,
        channel_id: str | int,
        events: Iterable[str],
        notify_url: str,
        **options: Unpack[ChannelOptions],
    ) -> WriteResult:
        """Replace a channel's details: what is not given here is removed.

        Args:
            channel_id: The channel's id.
            events: The events, as for :meth:`enable`.
            notify_url: As for :meth:`enable`.
            **options: As for :meth:`enable`.

        Returns:
            The result (failed with ``NOT_SUBSCRIBED`` for a channel that is not enabled).
        """
        return await self._send("PUT", channel_id, options, events=events, notify_url=notify_url)

    async def update_info(
        self,
        channel_id: str | int,
        *,
        events: Iterable[str] | None = None,
        notify_url: str | None = None,
        **options: Unpack[ChannelOptions],
    ) -> WriteResult:
        """Change some of a channel's details, keeping the others.

        Args:
            channel_id: The channel's id.
            events: Events to add, as for :meth:`enable`.
            notify_url: As for :meth:`enable`.
            **options: The details to change, as for :meth:`enable`.

        Returns:
            The result of the update.
        """
        return await self._send("PATCH", channel_id, options, events=events, notify_url=notify_url)

    async def remove_events(
        self, channel_id: str | int, events: Iterable[str], **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Stop a channel's notifications for some events; the channel stays enabled.

        Args:
            channel_id: The channel's id.
            events: The events to remove, as for :meth:`enable`.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The result of the removal.
        """
        item = self._channel(channel_id, events=events)
        item["_delete_events"] = True
        return await self._write_one("PATCH", item, options)

    async def disable(
        self, channel_ids: Iterable[str | int] | str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Disable channels: Zoho stops notifying them.

        Args:
            channel_ids: The channels' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One result per channel and module it watched; ``index`` is the channel's position
            in ``channel_ids`` (a channel that is not enabled has a ``NOT_SUBSCRIBED`` result).

        Raises:
            UnexpectedResponseError: Zoho's answer holds no per-channel results.
        """
        ids = check_ids(channel_ids, "channel_id")
        answer = await self._session.answer(
            "DELETE",
            _PATH,
            options,
            params={"channel_ids": ",".join(ids)},
            accept="record_errors",
        )
        body = answer.json()
        items = body.get(_KEY) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise unexpected(answer, f"expected per-channel results, got {str(body)[:200]!r}")
        position = {channel: index for index, channel in enumerate(ids)}
        results = []
        for item in items:
            if not isinstance(item, dict):
                continue
            details = item.get("details")
            channel = str(details.get("channel_id")) if isinstance(details, dict) else None
            results.append(WriteResult.from_api(item, position.get(channel or "")))
        return WriteResults(results)

    def keep_alive(
        self,
        channel_id: str | int,
        events: Iterable[str],
        notify_url: str,
        *,
        token: str | None = None,
        lifetime: timedelta = timedelta(hours=23),
        renew_before: timedelta = timedelta(minutes=10),
        disable_on_exit: bool = True,
        return_affected_field_values: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> ChannelKeepAlive:
        """``async with crm.notifications.keep_alive(...) as channel:`` a channel that is
        enabled on entry, renewed ``renew_before`` its expiry for as long as the block runs,
        and disabled on exit.

        A renewal that fails is retried (backing off, at most a minute apart) until the
        channel expires; then the block is cancelled and the last error raised from it.

        Args:
            channel_id: As for :meth:`enable`.
            events: As for :meth:`enable`.
            notify_url: As for :meth:`enable`.
            token: As for :meth:`enable`.
            lifetime: How long each enabling lasts (within Zoho's maximum: a day on API
                v2/v3, a week from v4).
            renew_before: How long before the expiry Zoho reports a renewal starts.
            disable_on_exit: Disable the channel when the block exits (bounded: 10 s).
            return_affected_field_values: As for :meth:`enable`.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``ChannelKeepAlive`` (``expiry``, ``renewals``, ``last_error``).

        Raises:
            InvalidArgumentError: A bad argument, or ``renew_before`` not below ``lifetime``.
        """
        if not timedelta(0) < renew_before < lifetime:
            raise InvalidArgumentError(
                f"renew_before ({renew_before}) must be positive and below lifetime ({lifetime})"
            )
        maximum = max_channel_lifetime(self._session.api_version)
        if lifetime > maximum:
            raise InvalidArgumentError(
                f"lifetime {lifetime} is beyond Zoho's maximum of {maximum} on API "
                f"{self._session.api_version} (Zoho would make it one hour)"
            )
        channel = self._channel(
            channel_id,
            events=events,
            notify_url=notify_url,
            token=token,
            return_affected_field_values=return_affected_field_values,
        )
        return ChannelKeepAlive(self, channel, lifetime, renew_before, disable_on_exit, options)

    # -- requests -------------------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        channel_id: str | int,
        options: ChannelOptions,
        *,
        events: Iterable[str] | None,
        notify_url: str | None,
    ) -> WriteResult:
        details: dict[str, Any] = {k: v for k, v in options.items() if k in _CHANNEL_KEYS}
        request = {k: v for k, v in options.items() if k not in _CHANNEL_KEYS}
        item = self._channel(channel_id, events=events, notify_url=notify_url, **details)
        return await self._write_one(method, item, request)  # type: ignore[arg-type]

    def _channel(
        self,
        channel_id: str | int,
        *,
        events: Iterable[str] | None = None,
        notify_url: str | None = None,
        token: str | None = None,
        expiry: datetime | timedelta | None = None,
        return_affected_field_values: bool | None = None,
        notify_on_related_action: bool | None = None,
        notification_condition: Sequence[Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        item: dict[str, Any] = {"channel_id": check_id(channel_id, "channel_id")}
        if events is not None:
            item["events"] = _events(events)
        if notify_url is not None:
            web = isinstance(notify_url, str) and notify_url.startswith(("http://", "https://"))
            if not web:
                raise InvalidArgumentError(f"notify_url {notify_url!r} is not an http(s) URL")
            item["notify_url"] = notify_url
        if token is not None:
            if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN_LENGTH:
                raise InvalidArgumentError(
                    f"token must be text of 1..{MAX_TOKEN_LENGTH} characters"  # value not shown
                )
            item["token"] = token
        if expiry is not None:
            item["channel_expiry"] = self._expiry(expiry)
        for key, flag in (
            ("return_affected_field_values", return_affected_field_values),
            ("notify_on_related_action", notify_on_related_action),
        ):
            if flag is not None:
                item[key] = bool(flag)
        if notification_condition is not None:
            item["notification_condition"] = [dict(c) for c in notification_condition]
        return item

    def _expiry(self, expiry: datetime | timedelta) -> str:
        now = datetime.now(UTC)
        if isinstance(expiry, timedelta):
            expiry = now + expiry
        if not isinstance(expiry, datetime) or expiry.tzinfo is None:
            raise InvalidArgumentError(
                f"expiry must be an aware datetime or a timedelta, got {expiry!r}"
            )
        maximum = max_channel_lifetime(self._session.api_version)
        if expiry <= now:
            raise InvalidArgumentError(f"expiry {expiry.isoformat()} is in the past")
        if expiry - now > maximum:
            raise InvalidArgumentError(
                f"expiry {expiry.isoformat()} is more than {maximum} ahead, Zoho's maximum on "
                f"API {self._session.api_version} (Zoho would make it one hour)"
            )
        return expiry.astimezone(UTC).isoformat(timespec="seconds")

    async def _write_one(
        self, method: str, item: dict[str, Any], options: RequestOptionsDict
    ) -> WriteResult:
        [result] = await self._write_chunks(
            method,
            _PATH,
            [item],
            lambda chunk: {"json": {_KEY: list(chunk)}},
            key=_KEY,
            options=options,
        )
        return result


def expiry_of(result: WriteResult) -> datetime | None:
    """The earliest ``channel_expiry`` an enable's result reports (None if it reports none)."""
    events = result.details.get("events")
    found = []
    for event in events if isinstance(events, list) else []:
        text = event.get("channel_expiry") if isinstance(event, dict) else None
        if isinstance(text, str):
            try:
                found.append(datetime.fromisoformat(text))
            except ValueError:
                continue
    return min(found) if found else None


class ChannelKeepAlive:
    """A channel kept enabled by :meth:`NotificationsManager.keep_alive`.

    ``expiry`` is the expiry Zoho reported last; ``renewals`` counts renewals after the first
    enabling; ``last_error`` is the last failure of a renewal (None once one succeeds).

    :meth:`NotificationsManager.keep_alive` makes these; you do not create them yourself.

    Args:
        manager: The notifications manager that enables the channel.
        channel: The channel's settings, as sent to Zoho.
        lifetime: How long each enabling lasts.
        renew_before: How long before the expiry the channel is enabled again.
        disable_on_exit: Disable the channel when the ``async with`` block ends.
        options: The per-call request options of the renewals.
    """

    def __init__(
        self,
        manager: NotificationsManager,
        channel: dict[str, Any],
        lifetime: timedelta,
        renew_before: timedelta,
        disable_on_exit: bool,
        options: RequestOptionsDict,
    ) -> None:
        self.channel_id: str = channel["channel_id"]
        self.expiry: datetime | None = None
        self.renewals = 0
        self.last_error: ZCRMError | None = None
        self._manager = manager
        self._channel = channel
        self._lifetime = lifetime
        self._renew_before = renew_before
        self._disable_on_exit = disable_on_exit
        self._options = options
        self._context: Any = None

    def __repr__(self) -> str:
        return (
            f"ChannelKeepAlive(channel_id={self.channel_id!r}, expiry={self.expiry!r}, "
            f"renewals={self.renewals})"
        )

    async def __aenter__(self) -> ChannelKeepAlive:
        self._context = self._running()
        return await self._context.__aenter__()  # type: ignore[no-any-return]

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        context, self._context = self._context, None
        return await context.__aexit__(*exc_info)  # type: ignore[no-any-return]

    @asynccontextmanager
    async def _running(self) -> AsyncIterator[ChannelKeepAlive]:
        await self.renew()
        self.renewals = 0
        failure: list[ZCRMError] = []
        try:
            with anyio.CancelScope() as body:
                async with anyio.create_task_group() as group:
                    group.start_soon(self._keep, body, failure)
                    try:
                        yield self
                    finally:
                        group.cancel_scope.cancel()
        finally:
            if self._disable_on_exit:
                await self._disable()
        if failure:
            raise failure[0]

    async def renew(self) -> None:
        """Enable the channel again now, with a fresh expiry.

        Raises:
            WriteFailedError: Zoho refused to enable the channel.
        """
        expiry = datetime.now(UTC) + self._lifetime
        item = {**self._channel, "channel_expiry": expiry.isoformat(timespec="seconds")}
        result = await self._manager._write_one("POST", item, self._options)
        if not result.ok:
            raise WriteFailedError([result])
        self.expiry = expiry_of(result) or expiry
        self.renewals += 1
        self.last_error = None

    def _until_renewal(self) -> float:
        """Seconds to the next renewal: ``renew_before`` the expiry, yet not before half the
        time left has passed (an expiry Zoho set shorter than asked must not make renewals
        spin) and at least a second after the last one."""
        assert self.expiry is not None
        left = (self.expiry - datetime.now(UTC)).total_seconds()
        return max(left - self._renew_before.total_seconds(), left / 2, _MIN_RENEWAL_GAP)

    async def _keep(self, body: anyio.CancelScope, failure: list[ZCRMError]) -> None:
        while True:
            await anyio.sleep(self._until_renewal())
            error = await self._renew_before_expiry()
            if error is not None:  # the channel expired: stop the block, raise from it
                failure.append(error)
                body.cancel()
                return

    async def _renew_before_expiry(self) -> ZCRMError | None:
        """Renew, retrying failures (backing off) until the channel expires; the last error
        then, else None."""
        backoff = 1.0
        while True:
            try:
                await self.renew()
                return None
            except ZCRMError as error:
                self.last_error = error
                assert self.expiry is not None
                left = (self.expiry - datetime.now(UTC)).total_seconds()
                logger.warning(
                    "renewing notification channel %s failed (%s); it expires in %.0f s",
                    self.channel_id,
                    error,
                    left,
                )
                if left <= 0:
                    return error
                await anyio.sleep(min(backoff, left))
                backoff = min(backoff * 2, 60.0)

    async def _disable(self) -> None:
        with anyio.CancelScope(shield=True), anyio.move_on_after(_DISABLE_TIMEOUT):
            try:
                await self._manager.disable([self.channel_id], **self._options)
            except ZCRMError as error:
                logger.warning(
                    "disabling notification channel %s failed: %s", self.channel_id, error
                )
