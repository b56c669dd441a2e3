"""Notification channels: ``/actions/watch`` (enable, list, update, disable).

Zoho's rules the fake follows: a channel expires one hour after it is enabled unless
``channel_expiry`` says otherwise, and an expiry beyond the maximum (a day on API v2/v3, a
week from v4) also becomes one hour. Enabling a channel again renews it. ``PUT`` replaces a
channel's details, ``PATCH`` changes some (or, with ``_delete_events``, removes events),
``DELETE ?channel_ids=`` disables channels. Per-channel errors sit in the ``watch`` array:
with none of the channels written the answer is 202, as Zoho's specification has it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ._bodies import body_items
from ._errors import ApiError
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, success
from ._watch import EVENT_OF, Subscription, watch_of

__all__ = ["ROUTES"]

OPERATIONS: Final = frozenset({*EVENT_OF.values(), "all"})
DEFAULT_LIFETIME: Final = timedelta(hours=1)
MAX_TOKEN: Final = 50
_EVENT: Final = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\.([a-z]+)$")
_SUBSCRIBED: Final = "Successfully subscribed for actions-watch of the given module"
_UPDATED: Final = "Successfully updated the subscribe details"
_REMOVED: Final = "Successfully removed the subscribe details"
_UNSUBSCRIBED: Final = "Successfully un-subscribed from actions-watch"


def _max_lifetime(call: Call) -> timedelta:
    return timedelta(days=1) if call.version_tuple < (4, 0) else timedelta(days=7)


def _problem(code: str, message: str, key: str, index: int) -> RecordError:
    return RecordError(code, message, {"api_name": key, "json_path": f"$.watch[{index}].{key}"})


def _not_subscribed(channel_id: str) -> RecordError:
    return RecordError(
        "NOT_SUBSCRIBED", "the channel is not subscribed", {"channel_id": channel_id}
    )


def _invalid(key: str, index: int) -> RecordError:
    return _problem("INVALID_DATA", "invalid data", key, index)


def _channel_id(item: dict[str, Any], index: int) -> str:
    value = item.get("channel_id")
    if value is None:
        raise _problem("MANDATORY_NOT_FOUND", "required field not found", "channel_id", index)
    text = str(value)
    if isinstance(value, bool) or not text.isdigit():
        raise _invalid("channel_id", index)
    return text


def _events(state: FakeState, item: dict[str, Any], index: int) -> dict[str, set[str]]:
    """``module -> operations`` of the item's events."""
    events = item.get("events")
    if events is None:
        raise _problem("MANDATORY_NOT_FOUND", "required field not found", "events", index)
    if not isinstance(events, list) or not events:
        raise _invalid("events", index)
    found: dict[str, set[str]] = {}
    for event in events:
        match = _EVENT.match(event) if isinstance(event, str) else None
        if match is None or match[2] not in OPERATIONS or match[1] not in state.modules:
            raise _invalid("events", index)
        found.setdefault(match[1], set()).add(match[2])
    return found


def _expiry(call: Call, item: dict[str, Any], index: int) -> datetime:
    now = datetime.now(UTC).replace(microsecond=0)
    raw = item.get("channel_expiry")
    if raw is None:
        return now + DEFAULT_LIFETIME
    try:
        expiry = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise _invalid("channel_expiry", index) from None
    if expiry.tzinfo is None or expiry <= now:
        raise _invalid("channel_expiry", index)
    if expiry - now > _max_lifetime(call):
        return now + DEFAULT_LIFETIME  # Zoho's rule: beyond the maximum means the default
    return expiry


def _details(item: dict[str, Any], index: int, *, required: bool) -> dict[str, Any]:
    """The channel details of an item other than its id and events, checked."""
    details: dict[str, Any] = {}
    url = item.get("notify_url")
    if url is None and required:
        raise _problem("MANDATORY_NOT_FOUND", "required field not found", "notify_url", index)
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _invalid("notify_url", index)
        details["notify_url"] = url
    token = item.get("token")
    if token is not None:
        if not isinstance(token, str) or len(token) > MAX_TOKEN:
            raise RecordError(
                "INVALID_DATA",
                "invalid data",
                {
                    "api_name": "token",
                    "json_path": f"$.watch[{index}].token",
                    "maximum_length": MAX_TOKEN,
                },
            )
        details["token"] = token
    for key in ("return_affected_field_values", "notify_on_related_action"):
        if key in item:
            if not isinstance(item[key], bool):
                raise _invalid(key, index)
            details[key] = item[key]
    if "notification_condition" in item:
        conditions = item["notification_condition"]
        if conditions is not None and not (
            isinstance(conditions, list) and all(isinstance(c, dict) for c in conditions)
        ):
            raise _invalid("notification_condition", index)
        details["notification_condition"] = conditions
    return details


def _event_entry(
    state: FakeState, sub: Subscription, base_url: str, *, expiry: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource_uri": f"{base_url}/crm/{sub.version}/{sub.module}",
        "resource_id": state.module_ids[sub.module],
        "resource_name": sub.module,
        "channel_id": sub.channel_id,
    }
    if expiry:
        entry = {"channel_expiry": sub.expiry.isoformat(), **entry}
    return entry


def _base_url(state: FakeState) -> str:
    return state.oauth.api_domain


def _reply(entries: list[dict[str, Any]], all_ok: int) -> Reply:
    ok = sum(e["status"] == "success" for e in entries)
    return Reply(all_ok if ok == len(entries) else 207 if ok else 202, {"watch": entries})


def _items(call: Call) -> list[dict[str, Any]]:
    items = body_items(call, "watch")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ApiError(
                400,
                "INVALID_DATA",
                "invalid data",
                {"api_name": "watch", "json_path": f"$.watch[{index}]"},
            )
    return items


def _subscribe(
    state: FakeState, call: Call, item: dict[str, Any], index: int, *, replace: bool
) -> list[Subscription]:
    watch = watch_of(state)
    channel_id = _channel_id(item, index)
    events = _events(state, item, index)
    details = _details(item, index, required=True)
    expiry = _expiry(call, item, index)
    if replace:
        if not watch.of_channel(channel_id):
            raise _not_subscribed(channel_id)
        for sub in watch.of_channel(channel_id):
            del watch.subscriptions[(channel_id, sub.module)]
    made = []
    for module, operations in events.items():
        key = (channel_id, module)
        found = watch.subscriptions.get(key)
        sub = found or Subscription(
            channel_id, module, set(), details["notify_url"], None, expiry, call.version
        )
        watch.subscriptions[key] = sub
        sub.operations |= operations
        sub.expiry, sub.version = expiry, call.version
        for name, value in details.items():
            setattr(sub, name, value)
        made.append(sub)
    return made


def _subscribe_all(state: FakeState, call: Call, *, replace: bool) -> list[dict[str, Any]]:
    entries = []
    for index, item in enumerate(_items(call)):
        try:
            subs = _subscribe(state, call, item, index, replace=replace)
        except RecordError as error:
            entries.append(error.entry)
            continue
        events = [_event_entry(state, s, _base_url(state), expiry=True) for s in subs]
        entries.append(success(_UPDATED if replace else _SUBSCRIBED, {"events": events}))
    return entries


def watch_enable(state: FakeState, call: Call) -> Reply:
    """``POST /actions/watch``: subscribe channels (enabling one again renews it): 201."""
    return _reply(_subscribe_all(state, call, replace=False), 201)


def watch_replace(state: FakeState, call: Call) -> Reply:
    """``PUT /actions/watch``: a subscribed channel's details replaced by these."""
    return _reply(_subscribe_all(state, call, replace=True), 200)


def watch_patch(state: FakeState, call: Call) -> Reply:
    """``PATCH /actions/watch``: change some details, or remove events (``_delete_events``)."""
    watch = watch_of(state)
    entries = []
    for index, item in enumerate(_items(call)):
        try:
            channel_id = _channel_id(item, index)
            subs = watch.of_channel(channel_id)
            if not subs:
                raise _not_subscribed(channel_id)
            if item.get("_delete_events") is True:
                removed = []
                for module, operations in _events(state, item, index).items():
                    sub = watch.subscriptions.get((channel_id, module))
                    if sub is None:
                        continue
                    sub.operations -= operations if "all" not in operations else sub.operations
                    removed.append(_event_entry(state, sub, _base_url(state), expiry=False))
                    if not sub.operations:
                        del watch.subscriptions[(channel_id, module)]
                entries.append(success(_REMOVED, {"events": removed}))
                continue
            details = _details(item, index, required=False)
            if "channel_expiry" in item:
                details["expiry"] = _expiry(call, item, index)
            if "events" in item:
                kept = {**item, "notify_url": subs[0].notify_url}
                _subscribe(state, call, kept, index, replace=False)
            for sub in watch.of_channel(channel_id):
                for name, value in details.items():
                    setattr(sub, name, value)
            base = _base_url(state)
            events = [
                _event_entry(state, s, base, expiry=True) for s in watch.of_channel(channel_id)
            ]
            entries.append(success(_UPDATED, {"events": events}))
        except RecordError as error:
            entries.append(error.entry)
    return _reply(entries, 200)


def watch_disable(state: FakeState, call: Call) -> Reply:
    """``DELETE /actions/watch?channel_ids=``: every subscription of these channels ends."""
    raw = call.query.get("channel_ids", "")
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if not ids:
        raise ApiError(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            {"param_name": "channel_ids", "param": "channel_ids"},
        )
    watch = watch_of(state)
    entries = []
    for channel_id in ids:
        subs = watch.of_channel(channel_id)
        if not subs:
            entries.append(_not_subscribed(channel_id).entry)
        for sub in subs:
            del watch.subscriptions[(channel_id, sub.module)]
            entry = _event_entry(state, sub, _base_url(state), expiry=False)
            entries.append(success(_UNSUBSCRIBED, entry))
    return _reply(entries, 200)


def watch_list(state: FakeState, call: Call) -> Reply:
    """``GET /actions/watch`` (``channel_id``, ``module``, paged): one entry per subscription."""
    channel_id, module = call.query.get("channel_id"), call.query.get("module")
    subs = [
        s
        for s in watch_of(state).live()
        if channel_id in (None, s.channel_id) and module in (None, s.module)
    ]
    window = page_window(call.query, state.limits)
    items, more = take(subs, window)
    if not items:
        return Reply(204)
    base = _base_url(state)
    views = [
        {
            "notify_on_related_action": s.notify_on_related_action,
            "channel_expiry": s.expiry.isoformat(),
            "return_affected_field_values": s.return_affected_field_values,
            "resource_uri": f"{base}/crm/{s.version}/{s.module}",
            "resource_id": state.module_ids[s.module],
            "notify_url": s.notify_url,
            "resource_name": s.module,
            "fields": None,
            "notification_condition": s.notification_condition,
            "channel_id": s.channel_id,
            "events": s.events(),
            "token": s.token,
        }
        for s in items
    ]
    return Reply(200, {"watch": views, "info": basic_info(window, len(items), more)})


#: A literal path: before ``/{module}/{id}``, which it would otherwise match.
ROUTES: Final = (
    ApiRoute(
        "/actions/watch",
        {
            "GET": watch_list,
            "POST": watch_enable,
            "PUT": watch_replace,
            "PATCH": watch_patch,
            "DELETE": watch_disable,
        },
        "ZohoCRM.notifications",
    ),
)
