"""Notification channels of the fake, and the notifications it delivers.

A subscription is one channel watching one module. While a call to the fake's API runs, the
stores of watched modules record what the call changed; after the call the fake builds one
notification per subscription and operation (the ids of one call together, as Zoho sends
them) and POSTs each to the channel's ``notify_url`` once the answer is sent (in process:
before the call returns, since an in-process transport waits for the whole exchange). A
delivery is made once: its outcome is kept in :attr:`Watch.deliveries`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx

from ._state import FakeState

__all__ = [
    "Delivery",
    "FakeNotifications",
    "Outgoing",
    "Subscription",
    "Watch",
    "collect_notifications",
    "deliver",
    "watch_of",
]

T = TypeVar("T")

#: What a change is called in a channel's events, by the operation a notification names.
EVENT_OF: Final = {"insert": "create", "update": "edit", "delete": "delete"}
#: A delivery that takes longer than this is recorded as failed.
DELIVERY_TIMEOUT: Final = 10.0


@dataclass(slots=True)
class Subscription:
    """One channel watching one module."""

    channel_id: str
    module: str
    operations: set[str]
    notify_url: str
    token: str | None
    expiry: datetime
    version: str
    return_affected_field_values: bool = False
    notify_on_related_action: bool = True
    notification_condition: list[dict[str, Any]] | None = None

    def events(self) -> list[str]:
        """The subscription's events as Zoho lists them (``Leads.create``...)."""
        return sorted(f"{self.module}.{op}" for op in self.operations)

    def wants(self, operation: str) -> bool:
        """Whether a change of this kind (``insert``...) is notified."""
        return "all" in self.operations or EVENT_OF[operation] in self.operations


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A notification to deliver."""

    url: str
    payload: dict[str, Any]


@dataclass(slots=True)
class Delivery:
    """A delivered notification: where, what, and the receiver's status (or the error)."""

    url: str
    payload: dict[str, Any]
    status: int | None = None
    error: str | None = None


@dataclass
class Watch:
    """Every subscription of the fake, and the deliveries made so far."""

    subscriptions: dict[tuple[str, str], Subscription] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    #: How deliveries reach their URL (None: over the network).
    transport: httpx.AsyncBaseTransport | None = None

    def live(self, now: datetime | None = None) -> list[Subscription]:
        """The unexpired subscriptions (expired ones are forgotten), by channel and module."""
        now = now or datetime.now(UTC)
        expired = [key for key, sub in self.subscriptions.items() if sub.expiry <= now]
        for key in expired:
            del self.subscriptions[key]
        return sorted(self.subscriptions.values(), key=lambda s: (int(s.channel_id), s.module))

    def of_channel(self, channel_id: str) -> list[Subscription]:
        """The live subscriptions of one channel."""
        return [s for s in self.live() if s.channel_id == channel_id]


def _new_watch(state: FakeState) -> Watch:
    return Watch()


def watch_of(state: FakeState) -> Watch:
    """The fake's channels (created on first use; dropped by a reset)."""
    return state.part(_new_watch)


def collect_notifications(
    state: FakeState, run: Callable[[], T], base_url: str
) -> tuple[T, list[Outgoing]]:
    """``run()`` (one API call, under the state's lock) and the notifications it causes."""
    live = watch_of(state).live()
    if not live:
        return run(), []
    stores = {s.module: state.modules[s.module] for s in live if s.module in state.modules}
    for store in stores.values():
        store.changes = []
    try:
        result = run()
    finally:
        changes = {name: store.changes or [] for name, store in stores.items()}
        for store in stores.values():
            store.changes = None
    return result, _notifications(state, live, changes, base_url)


def _notifications(
    state: FakeState,
    live: list[Subscription],
    changes: Mapping[str, list[tuple[str, str, tuple[str, ...]]]],
    base_url: str,
) -> list[Outgoing]:
    out = []
    for sub in live:
        for operation in ("insert", "update", "delete"):
            changed = {
                rid: fields for op, rid, fields in changes.get(sub.module, ()) if op == operation
            }
            if not changed or not sub.wants(operation):
                continue
            if operation == "update" and sub.notification_condition:
                changed = {
                    rid: fields
                    for rid, fields in changed.items()
                    if _condition_met(sub.notification_condition, sub.module, set(fields))
                }
                if not changed:
                    continue
            out.append(Outgoing(sub.notify_url, _payload(state, sub, operation, changed, base_url)))
    return out


def _payload(
    state: FakeState,
    sub: Subscription,
    operation: str,
    changed: Mapping[str, tuple[str, ...]],
    base_url: str,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "server_time": int(time.time() * 1000),
        "query_params": dict(parse_qsl(urlsplit(sub.notify_url).query)),
        "module": sub.module,
        "resource_uri": f"{base_url}/crm/{sub.version}/{sub.module}",
        "ids": list(changed),
        "affected_fields": (
            [{rid: list(fields)} for rid, fields in changed.items()]
            if operation == "update"
            else []
        ),
        "operation": operation,
        "channel_id": sub.channel_id,
        "token": sub.token,
    }
    if sub.return_affected_field_values and operation == "update":
        records = state.modules[sub.module].records
        payload["affected_values"] = [
            {
                "record_id": rid,
                "values": {f: records[rid].get(f) for f in fields if rid in records},
            }
            for rid, fields in changed.items()
        ]
    return payload


def _condition_met(conditions: list[dict[str, Any]], module: str, changed: set[str]) -> bool:
    """A ``field_selection`` condition of the module holds for these changed fields."""
    relevant = [
        c
        for c in conditions
        if isinstance(c, dict) and (c.get("module") or {}).get("api_name") in (None, module)
    ]
    return not relevant or any(_holds(c.get("field_selection") or {}, changed) for c in relevant)


def _holds(node: Mapping[str, Any], changed: set[str]) -> bool:
    field_ref = node.get("field")
    if isinstance(field_ref, Mapping):
        return field_ref.get("api_name") in changed
    group = [g for g in node.get("group") or () if isinstance(g, Mapping)]
    results = [_holds(g, changed) for g in group]
    return any(results) if node.get("group_operator") == "or" else bool(results) and all(results)


async def deliver(watch: Watch, outgoing: list[Outgoing]) -> None:
    """POST each notification to its URL, once, recording the outcome."""
    async with httpx.AsyncClient(
        transport=watch.transport, timeout=DELIVERY_TIMEOUT, follow_redirects=False
    ) as client:
        for item in outgoing:
            delivery = Delivery(item.url, item.payload)
            try:
                response = await client.post(item.url, json=item.payload)
                delivery.status = response.status_code
            except httpx.HTTPError as exc:
                delivery.error = f"{type(exc).__name__}: {exc}"
            watch.deliveries.append(delivery)


class FakeNotifications:
    """``fake.notifications``: the fake's notification channels and what it delivered.

    Args:
        state: The fake's state (``fake.notifications`` is made for you).
    """

    def __init__(self, state: FakeState) -> None:
        self._state = state

    @property
    def transport(self) -> httpx.AsyncBaseTransport | None:
        """How deliveries reach their ``notify_url``: None (the default) over the network;
        e.g. ``httpx.ASGITransport(app=your_app)`` to deliver to an app in process."""
        return watch_of(self._state).transport

    @transport.setter
    def transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        with self._state.lock:
            watch_of(self._state).transport = transport

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery so far, in order (the payload, and the receiver's status or error)."""
        with self._state.lock:
            return list(watch_of(self._state).deliveries)

    def channels(self) -> list[dict[str, Any]]:
        """The live subscriptions.

        Returns:
            One dict per channel and module: ``channel_id``, ``module``, ``events``,
            ``notify_url`` and ``expiry``.
        """
        with self._state.lock:
            return [
                {
                    "channel_id": s.channel_id,
                    "module": s.module,
                    "events": s.events(),
                    "notify_url": s.notify_url,
                    "expiry": s.expiry,
                }
                for s in watch_of(self._state).live()
            ]

    def expire(self, channel_id: str | int) -> None:
        """Let a channel expire now (Zoho stops notifying it and no longer lists it).

        Args:
            channel_id: The channel's id.
        """
        with self._state.lock:
            watch = watch_of(self._state)
            for key in [k for k in watch.subscriptions if k[0] == str(channel_id)]:
                del watch.subscriptions[key]
