"""Notifications (Zoho's "watch" API): the models, and a receiver for the notifications Zoho
POSTs to a channel's ``notify_url``.

Zoho sends one notification per API call (or UI action) that changed records of a watched
module: a JSON object with the ``module``, the ``operation`` (``insert``, ``update``,
``delete``), the record ``ids``, the ``channel_id`` and the ``token`` the channel was enabled
with, plus ``server_time``, ``resource_uri``, ``query_params`` (of the notify URL),
``affected_fields`` and, when asked for, ``affected_values``.

:class:`NotificationReceiver` is framework-neutral: it checks the token (constant-time
compare), parses the payload, queues it (bounded) and answers at once; the app reads the queue
as an async iterator or hands it a callback. ``zcrm_async.integrations.fastapi`` and
``.aiohttp`` mount it as a route.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, Final, Literal

import anyio
import attrs

from ._entities import Model, to_datetime
from ._exceptions import InvalidArgumentError

__all__ = [
    "Notification",
    "NotificationChannel",
    "NotificationReceiver",
    "Overflow",
    "ReceiverStats",
]

logger = logging.getLogger("zcrm_async.notifications")

#: What the receiver does with a notification that finds its queue full: answer 503 (Zoho's
#: delivery fails; the notification is not queued) or drop the oldest queued one to make room.
Overflow = Literal["reject", "drop_oldest"]
#: Larger request bodies are refused (413) unread: Zoho's notifications are small.
DEFAULT_MAX_BODY: Final = 1024 * 1024
#: The longest channel token Zoho accepts.
MAX_TOKEN_LENGTH: Final = 50


def _to_text(value: Any) -> Any:
    """Converter: a channel id Zoho sends as a number becomes its digits."""
    return None if value is None else str(value)


@attrs.define(slots=True)
class NotificationChannel(Model):
    """One channel's subscription to one module, as ``/actions/watch`` lists it.

    ``token`` and ``notify_url`` (which may carry credentials of its own) stay out of ``repr``.
    """

    channel_id: str | None = attrs.field(default=None, converter=_to_text)
    module: str | None = None
    events: list[str] | None = None
    channel_expiry: datetime | None = attrs.field(default=None, converter=to_datetime)
    notify_url: str | None = attrs.field(default=None, repr=False)
    token: str | None = attrs.field(default=None, repr=False)
    return_affected_field_values: bool | None = None
    notify_on_related_action: bool | None = None
    api_keys: ClassVar[Mapping[str, str]] = {"module": "resource_name"}


@attrs.define(slots=True)
class Notification:
    """One notification Zoho delivered: ``ids`` of ``module`` records had ``operation`` done.

    ``operation`` is ``insert``, ``update`` or ``delete``. ``affected_fields`` (updates) says
    which fields changed per record; ``affected_values`` their new values, when the channel
    asked for them. ``data`` is the whole payload without the token.
    """

    module: str
    operation: str
    ids: list[str]
    channel_id: str
    server_time: datetime | None = None
    resource_uri: str | None = None
    affected_fields: list[Any] = attrs.field(factory=list)
    affected_values: list[Any] | None = None
    query_params: dict[str, Any] = attrs.field(factory=dict)
    data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    def changed_fields(self, record_id: str) -> list[str]:
        """The fields an update changed on one record.

        Args:
            record_id: One of :attr:`ids`.

        Returns:
            The field API names (empty when Zoho did not say, as for inserts).
        """
        for entry in self.affected_fields:
            if isinstance(entry, Mapping) and record_id in entry:
                fields = entry[record_id]
                return [str(f) for f in fields] if isinstance(fields, list) else []
        return []

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Notification:
        """Parse a delivered payload.

        Args:
            payload: The JSON object Zoho POSTed.

        Returns:
            The ``Notification`` (without the token).

        Raises:
            InvalidArgumentError: What is missing or malformed, named.
        """
        module, operation = payload.get("module"), payload.get("operation")
        ids, channel = payload.get("ids"), payload.get("channel_id")
        if not isinstance(module, str) or not module:
            raise InvalidArgumentError("the notification has no module")
        if not isinstance(operation, str) or not operation:
            raise InvalidArgumentError("the notification has no operation")
        if not isinstance(ids, list) or not all(isinstance(i, str | int) for i in ids):
            raise InvalidArgumentError("the notification's ids are not a list of record ids")
        if not isinstance(channel, str | int) or isinstance(channel, bool):
            raise InvalidArgumentError("the notification has no channel_id")
        server_time = payload.get("server_time")
        affected = payload.get("affected_fields")
        values = payload.get("affected_values")
        query = payload.get("query_params")
        uri = payload.get("resource_uri")
        return cls(
            module=module,
            operation=operation,
            ids=[str(i) for i in ids],
            channel_id=str(channel),
            server_time=(
                datetime.fromtimestamp(server_time / 1000, UTC)
                if isinstance(server_time, int | float) and not isinstance(server_time, bool)
                else None
            ),
            resource_uri=uri if isinstance(uri, str) else None,
            affected_fields=list(affected) if isinstance(affected, list) else [],
            affected_values=list(values) if isinstance(values, list) else None,
            query_params=dict(query) if isinstance(query, Mapping) else {},
            data={k: v for k, v in payload.items() if k != "token"},
        )


@attrs.define(slots=True)
class ReceiverStats:
    """What a :class:`NotificationReceiver` did with the requests it got."""

    #: Notifications accepted and queued.
    accepted: int = 0
    #: Requests refused for an unknown channel or a wrong token (403).
    forbidden: int = 0
    #: Requests whose body was not a notification (400) or too large (413).
    malformed: int = 0
    #: Notifications refused because the queue was full (503, ``overflow="reject"``).
    rejected: int = 0
    #: Queued notifications dropped for newer ones (``overflow="drop_oldest"``).
    dropped: int = 0
    #: Callbacks of :meth:`NotificationReceiver.dispatching` that raised.
    failed_callbacks: int = 0


class NotificationReceiver:
    """Receives the notifications of channels whose tokens it knows, and queues them.

    ``tokens`` maps each channel id to the token it was enabled with (add more with
    :meth:`add_channel`). A request for another channel, or with another token, is refused
    (403) without a hint of which. An accepted notification is queued and answered 200 at
    once: the app's work happens when it reads the queue (``async for n in receiver``, or
    :meth:`dispatching`), never while Zoho waits.

    The queue holds ``max_pending`` notifications. When the app is slower than Zoho and the
    queue is full, ``overflow="reject"`` (the default) answers 503 so the loss shows at the
    sender and in :attr:`stats` (``rejected``); ``"drop_oldest"`` makes room by dropping the
    oldest queued notification (``stats.dropped``). Either way a warning is logged. Pair
    notifications with a periodic incremental sync to catch what is lost while the app is
    down or overwhelmed.

    Args:
        tokens: Each channel id and the token it was enabled with.
        max_pending: The most notifications queued, at least 1.
        overflow: ``"reject"`` or ``"drop_oldest"``: what a full queue does.
        max_body: The largest request body accepted, in bytes.

    Raises:
        InvalidArgumentError: ``max_pending`` below 1, an unknown ``overflow``, or a channel
            id or token that cannot be used.
    """

    def __init__(
        self,
        tokens: Mapping[str | int, str] | None = None,
        *,
        max_pending: int = 1000,
        overflow: Overflow = "reject",
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        if not isinstance(max_pending, int) or max_pending < 1:
            raise InvalidArgumentError(
                f"max_pending must be a whole number >= 1, got {max_pending!r}"
            )
        if overflow not in ("reject", "drop_oldest"):
            raise InvalidArgumentError(
                f"overflow must be 'reject' or 'drop_oldest', got {overflow!r}"
            )
        self._tokens: dict[str, bytes] = {}
        for channel_id, token in (tokens or {}).items():
            self.add_channel(channel_id, token)
        self.max_pending = max_pending
        self.overflow: Overflow = overflow
        self.max_body = max_body
        #: Counters of what was accepted, refused and dropped.
        self.stats = ReceiverStats()
        self._queue: deque[Notification] = deque()
        self._closed = False
        self._wake: anyio.Event | None = None  # set when the queue gets an item or closes

    def __repr__(self) -> str:
        return (
            f"NotificationReceiver(channels={sorted(self._tokens)!r}, "
            f"pending={self.pending}, overflow={self.overflow!r})"
        )

    def add_channel(self, channel_id: str | int, token: str) -> None:
        """Accept the notifications of ``channel_id`` that carry ``token``.

        Args:
            channel_id: The channel's id.
            token: The token the channel was enabled with.

        Raises:
            InvalidArgumentError: A token that is empty or longer than 50 characters.
        """
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidArgumentError(
                f"the token of channel {channel_id!r} must be 1..{MAX_TOKEN_LENGTH} characters"
            )
        self._tokens[str(channel_id)] = token.encode()

    def remove_channel(self, channel_id: str | int) -> None:
        """Stop accepting the notifications of ``channel_id``.

        Args:
            channel_id: The channel's id.
        """
        self._tokens.pop(str(channel_id), None)

    @property
    def pending(self) -> int:
        """Notifications queued and not read yet."""
        return len(self._queue)

    async def receive(self, chunks: AsyncIterable[bytes]) -> tuple[int, str]:
        """Read a request body (at most ``max_body`` bytes of it) and :meth:`handle` it.

        Args:
            chunks: The request's body stream (what a web framework's route reads).

        Returns:
            The HTTP status and text to answer, as for :meth:`handle`.
        """
        body = bytearray()
        iterator = aiter(chunks)
        try:
            async for chunk in iterator:
                body += chunk
                if len(body) > self.max_body:
                    self.stats.malformed += 1
                    return 413, "notification too large"
        finally:  # a body left unread is closed now, not when collected
            close = getattr(iterator, "aclose", None)
            if close is not None:
                await close()
        return self.handle(bytes(body))

    def handle(self, body: bytes) -> tuple[int, str]:
        """Check and queue one delivered request body.

        Args:
            body: The request's body.

        Returns:
            The HTTP status and text to answer: 200 queued; 400 not a notification; 403
            unknown channel or wrong token; 413 larger than ``max_body``; 503 the queue is full
            (``overflow="reject"``) or the receiver closed.
        """
        if len(body) > self.max_body:
            self.stats.malformed += 1
            return 413, "notification too large"
        try:
            payload = json.loads(body)
        except ValueError:
            self.stats.malformed += 1
            return 400, "not JSON"
        if not isinstance(payload, dict):
            self.stats.malformed += 1
            return 400, "not a JSON object"
        if not self._authentic(payload):
            self.stats.forbidden += 1
            return 403, "unknown channel or wrong token"
        try:
            notification = Notification.from_payload(payload)
        except InvalidArgumentError as exc:
            self.stats.malformed += 1
            return 400, str(exc)
        return self._enqueue(notification)

    def _authentic(self, payload: Mapping[str, Any]) -> bool:
        expected = self._tokens.get(str(payload.get("channel_id")))
        token = payload.get("token")
        given = token.encode() if isinstance(token, str) else b""
        # Compared even for an unknown channel, so the timing says nothing about which is wrong.
        return hmac.compare_digest(given, expected or b"\0" * 64) and expected is not None

    def _enqueue(self, notification: Notification) -> tuple[int, str]:
        if self._closed:
            self.stats.rejected += 1
            return 503, "receiver closed"
        if len(self._queue) >= self.max_pending:
            if self.overflow == "reject":
                self.stats.rejected += 1
                logger.warning(
                    "notification queue full (%d pending): refused %s %s of %d record(s)",
                    self.max_pending,
                    notification.module,
                    notification.operation,
                    len(notification.ids),
                )
                return 503, "queue full"
            dropped = self._queue.popleft()
            self.stats.dropped += 1
            logger.warning(
                "notification queue full: dropped the oldest (%s %s of %d record(s))",
                dropped.module,
                dropped.operation,
                len(dropped.ids),
            )
        self._queue.append(notification)
        self.stats.accepted += 1
        self._notify()
        return 200, "ok"

    def _notify(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def get(self) -> Notification:
        """The next notification, waiting for one.

        The receiver serves one event loop: its route and its readers run in the same one.

        Returns:
            The oldest queued :class:`Notification`.

        Raises:
            anyio.EndOfStream: :meth:`close` was called and the queue is read.
        """
        while not self._queue:
            if self._closed:
                raise anyio.EndOfStream
            if self._wake is None or self._wake.is_set():
                self._wake = anyio.Event()
            await self._wake.wait()
        return self._queue.popleft()

    def __aiter__(self) -> AsyncIterator[Notification]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Notification]:
        while True:
            try:
                yield await self.get()
            except anyio.EndOfStream:
                return

    def close(self) -> None:
        """Refuse new notifications (503); iteration ends once the queue is read."""
        self._closed = True
        self._notify()

    @asynccontextmanager
    async def dispatching(
        self, callback: Callable[[Notification], Awaitable[Any]], *, concurrency: int = 1
    ) -> AsyncIterator[NotificationReceiver]:
        """``async with receiver.dispatching(handle):`` ``handle`` runs for every notification
        in ``concurrency`` tasks until the block exits.

        A callback that raises is logged and counted (``stats.failed_callbacks``); the next
        notification is handled as usual.

        Args:
            callback: An async function taking a :class:`Notification`.
            concurrency: How many notifications are handled at once.

        Returns:
            An async context manager yielding the receiver.

        Raises:
            InvalidArgumentError: ``concurrency`` below 1.
        """
        if not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidArgumentError(f"concurrency must be >= 1, got {concurrency!r}")

        async def worker() -> None:
            async for notification in self:
                try:
                    await callback(notification)
                except Exception:
                    self.stats.failed_callbacks += 1
                    logger.exception(
                        "notification callback failed for %s %s",
                        notification.module,
                        notification.operation,
                    )

        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker)
            try:
                yield self
            finally:
                group.cancel_scope.cancel()
