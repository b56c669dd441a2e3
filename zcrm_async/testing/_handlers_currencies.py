"""Currencies: multi-currency (``/org/currencies/actions/enable``), the org's currencies and
their exchange rates, and the currencies Zoho supports.

Multi-currency starts off: the list is empty (204) until a base currency is enabled, once.
Exchange rates are text with nine decimals (``"1.000000000"``); the base currency's is 1 and
fixed, and a currency's ISO code never changes once added.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

from ._bodies import batch_reply, body_items, each, field_error, json_body
from ._directory import user_ref
from ._errors import ApiError
from ._org_setup import org_setup
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import RecordError, now_iso, success

__all__ = ["AVAILABLE_CURRENCIES", "ROUTES"]

_SETTINGS: Final = "ZohoCRM.settings"
_RATE: Final = re.compile(r"^\d{1,9}(\.\d{1,9})?$")
_FORMAT_KEYS: Final = {
    "decimal_separator": ("Comma", "Period"),
    "thousand_separator": ("Space", "Comma", "Period"),
    "decimal_places": ("0", "2", "3"),
}
#: ``(iso_code, name, symbol)`` of the currencies Zoho offers (a subset of its list).
_OFFERED: Final = (
    ("USD", "US Dollar", "$"),
    ("EUR", "Euro", "€"),
    ("GBP", "Pound Sterling", "£"),
    ("INR", "Indian Rupee", "Rs."),
    ("JPY", "Japanese Yen", "¥"),
    ("AUD", "Australian Dollar", "A$"),
    ("CAD", "Canadian Dollar", "C$"),
    ("CHF", "Swiss Franc", "CHF"),
    ("CNY", "Yuan Renminbi", "¥"),
    ("SAR", "Saudi Riyal", "SAR"),
    ("SGD", "Singapore Dollar", "S$"),
    ("AED", "UAE Dirham", "AED"),
)
AVAILABLE_CURRENCIES: Final = tuple(
    {
        "display_value": f"{name} - {code}",
        "decimal_separator": "Period",
        "symbol": symbol,
        "thousand_separator": "Comma",
        "display_name": name,
        "iso_code": code,
        "decimal_places": "0" if code == "JPY" else "2",
    }
    for code, name, symbol in _OFFERED
)
_OFFERED_BY_CODE: Final = {c["iso_code"]: c for c in AVAILABLE_CURRENCIES}
_CREATED: Final = "The currency created successfully."
_UPDATED: Final = "The currency updated successfully."
_ENABLED: Final = (
    "The multi-currency feature is enabled and given currency is created as the base currency."
)


def _rate(value: Any, key: str, index: int) -> str:
    text = str(value) if isinstance(value, str | int | float) and value is not True else ""
    if not _RATE.match(text) or Decimal(text) <= 0:
        raise field_error("INVALID_DATA", "invalid data", key, "exchange_rate", index)
    return f"{Decimal(text):.9f}"


def _changes(item: dict[str, Any], key: str, index: int) -> dict[str, Any]:
    """The keys a currency write may set, checked."""
    changes: dict[str, Any] = {}
    for name, value in item.items():
        if name in ("id", "created_by", "modified_by", "created_time", "modified_time"):
            continue
        if name == "exchange_rate":
            changes[name] = _rate(value, key, index)
        elif name == "iso_code":
            if value not in _OFFERED_BY_CODE:
                raise field_error("INVALID_DATA", "invalid data", key, name, index)
            changes[name] = value
        elif name == "format":
            if not isinstance(value, dict) or any(
                str(v) not in _FORMAT_KEYS.get(k, ()) for k, v in value.items()
            ):
                raise field_error("INVALID_DATA", "invalid data", key, name, index)
            changes[name] = {k: str(v) for k, v in value.items()}
        elif name in ("name", "symbol"):
            if not isinstance(value, str) or not value.strip():
                raise field_error("INVALID_DATA", "invalid data", key, name, index)
            changes[name] = value
        elif name in ("is_active", "prefix_symbol", "is_base"):
            if not isinstance(value, bool):
                raise field_error("INVALID_DATA", "invalid data", key, name, index)
            changes[name] = value
        else:
            raise field_error("INVALID_DATA", "invalid data", key, name, index)
    return changes


def _new_currency(
    state: FakeState, call: Call, code: str, changes: dict[str, Any], *, base: bool
) -> dict[str, Any]:
    offered = _OFFERED_BY_CODE[code]
    actor, now = user_ref(call.user, email=False), now_iso()
    currency = {
        "id": state.ids(),
        "name": offered["display_value"],
        "iso_code": code,
        "symbol": offered["symbol"],
        "exchange_rate": "1.000000000",
        "is_base": base,
        "is_active": True,
        "prefix_symbol": True,
        "format": {
            "decimal_separator": offered["decimal_separator"],
            "thousand_separator": offered["thousand_separator"],
            "decimal_places": offered["decimal_places"],
        },
        "created_by": actor,
        "modified_by": actor,
        "created_time": now,
        "modified_time": now,
    }
    _apply(currency, {k: v for k, v in changes.items() if k != "is_base"})
    return currency


def _base(state: FakeState) -> dict[str, Any] | None:
    return next((c for c in org_setup(state).currencies.values() if c["is_base"]), None)


def _apply(currency: dict[str, Any], changes: dict[str, Any]) -> None:
    """Set ``changes``; a ``format`` changes only the keys it names."""
    currency.update({k: v for k, v in changes.items() if k != "format"})
    if "format" in changes:
        currency["format"] = {**currency["format"], **changes["format"]}


def _touch(currency: dict[str, Any], call: Call, changes: dict[str, Any]) -> None:
    _apply(currency, changes)
    currency["modified_by"] = user_ref(call.user, email=False)
    currency["modified_time"] = now_iso()


# -- handlers -------------------------------------------------------------------------------------


def currencies_list(state: FakeState, call: Call) -> Reply:
    """``GET /org/currencies``: 204 while multi-currency is off."""
    currencies = list(org_setup(state).currencies.values())
    return Reply(200, {"currencies": currencies}) if currencies else Reply(204)


def currency_get(state: FakeState, call: Call) -> Reply:
    """``GET /org/currencies/{id}``."""
    currency = org_setup(state).currencies.get(call.path["id"])
    return Reply(200, {"currencies": [currency]}) if currency else Reply(204)


def available_currencies(state: FakeState, call: Call) -> Reply:
    """``GET /org/currencies/actions/available_currencies``."""
    return Reply(200, {"available_currencies": [dict(c) for c in AVAILABLE_CURRENCIES]})


def _base_error(code: str, message: str, api_name: str | None = None) -> Reply:
    details = (
        {}
        if api_name is None
        else {"api_name": api_name, "json_path": f"$.base_currency.{api_name}"}
    )
    error = {"code": code, "details": details, "message": message, "status": "error"}
    return Reply(400, {"base_currency": error})


def enable_multi_currency(state: FakeState, call: Call) -> Reply:
    """``POST /org/currencies/actions/enable``: the base currency, once."""
    if _base(state) is not None:
        return _base_error("ALREADY_ENABLED", "multi currency is already enabled")
    item = json_body(call).get("base_currency")
    if not isinstance(item, dict):
        return _base_error("MANDATORY_NOT_FOUND", "required field not found", "iso_code")
    code = item.get("iso_code")
    if not code:
        return _base_error("MANDATORY_NOT_FOUND", "required field not found", "iso_code")
    try:
        changes = _changes(
            {k: v for k, v in item.items() if k != "exchange_rate"}, "base_currency", 0
        )
    except RecordError as error:
        return Reply(400, {"base_currency": error.entry})
    currency = _new_currency(state, call, str(code), changes, base=True)
    org_setup(state).currencies[currency["id"]] = currency
    return Reply(200, {"base_currency": success(_ENABLED, {"id": currency["id"]})})


def update_base_currency(state: FakeState, call: Call) -> Reply:
    """``PUT /org/currencies/actions/enable``: the base currency's display, not its code or rate."""
    base = _base(state)
    if base is None:
        raise ApiError(
            400, "INVALID_DATA", "multi currency is not enabled", {"api_name": "base_currency"}
        )
    item = json_body(call).get("base_currency")
    if not isinstance(item, dict):
        return _base_error("MANDATORY_NOT_FOUND", "required field not found", "base_currency")
    try:
        changes = _changes(item, "base_currency", 0)
        _check_fixed(base, changes, "base_currency", 0)
    except RecordError as error:
        return Reply(400, {"base_currency": error.entry})
    _touch(base, call, changes)
    return Reply(200, {"base_currency": success(_UPDATED, {"id": base["id"]})})


def _check_fixed(current: dict[str, Any], changes: dict[str, Any], key: str, index: int) -> None:
    """A currency's ISO code never changes; the base currency's rate stays 1."""
    if "iso_code" in changes and changes["iso_code"] != current["iso_code"]:
        raise field_error("INVALID_DATA", "invalid data", key, "iso_code", index)
    if (
        current["is_base"]
        and changes.get("exchange_rate", current["exchange_rate"]) != current["exchange_rate"]
    ):
        raise field_error("INVALID_DATA", "invalid data", key, "exchange_rate", index)
    if "is_base" in changes and changes["is_base"] != current["is_base"]:
        raise field_error("INVALID_DATA", "invalid data", key, "is_base", index)


def _require_enabled(state: FakeState) -> None:
    if _base(state) is None:
        raise ApiError(
            400,
            "INVALID_DATA",
            "multi currency is not enabled: enable it with a base currency first",
            {"api_name": "currencies"},
        )


def currencies_create(state: FakeState, call: Call) -> Reply:
    """``POST /org/currencies``: each needs ``iso_code`` and ``exchange_rate``; 201."""
    _require_enabled(state)
    currencies = org_setup(state).currencies

    def create(index: int, item: dict[str, Any]) -> dict[str, Any]:
        changes = _changes(item, "currencies", index)
        for name in ("iso_code", "exchange_rate"):
            if name not in changes:
                raise field_error(
                    "MANDATORY_NOT_FOUND", "required field not found", "currencies", name, index
                )
        if any(c["iso_code"] == changes["iso_code"] for c in currencies.values()):
            raise field_error("DUPLICATE_DATA", "duplicate data", "currencies", "iso_code", index)
        if changes.get("is_base"):
            raise field_error("INVALID_DATA", "invalid data", "currencies", "is_base", index)
        currency = _new_currency(state, call, changes["iso_code"], changes, base=False)
        currencies[currency["id"]] = currency
        return success(_CREATED, {"id": currency["id"]})

    return batch_reply(
        each(body_items(call, "currencies"), create, objects=True), 201, "currencies"
    )


def _update(
    state: FakeState, call: Call, currency_id: str, item: dict[str, Any], index: int
) -> dict[str, Any]:
    current = org_setup(state).currencies.get(currency_id)
    if current is None:
        raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": currency_id})
    changes = _changes(item, "currencies", index)
    _check_fixed(current, changes, "currencies", index)
    _touch(current, call, changes)
    return success(_UPDATED, {"id": currency_id})


def currencies_update(state: FakeState, call: Call) -> Reply:
    """``PUT /org/currencies`` with ``id`` in each item."""
    _require_enabled(state)

    def update(index: int, item: dict[str, Any]) -> dict[str, Any]:
        if not item.get("id"):
            raise field_error(
                "MANDATORY_NOT_FOUND", "required field not found", "currencies", "id", index
            )
        return _update(state, call, str(item["id"]), item, index)

    return batch_reply(
        each(body_items(call, "currencies"), update, objects=True), 200, "currencies"
    )


def currency_update(state: FakeState, call: Call) -> Reply:
    """``PUT /org/currencies/{id}``."""
    _require_enabled(state)
    items = body_items(call, "currencies", limit=1)
    entries = each(
        items, lambda i, item: _update(state, call, call.path["id"], item, i), objects=True
    )
    return batch_reply(entries, 200, "currencies")


ROUTES: Final = (
    ApiRoute(
        "/org/currencies/actions/available_currencies", {"GET": available_currencies}, _SETTINGS
    ),
    ApiRoute(
        "/org/currencies/actions/enable",
        {"POST": enable_multi_currency, "PUT": update_base_currency},
        _SETTINGS,
    ),
    ApiRoute(
        "/org/currencies",
        {"GET": currencies_list, "POST": currencies_create, "PUT": currencies_update},
        _SETTINGS,
    ),
    ApiRoute("/org/currencies/{id}", {"GET": currency_get, "PUT": currency_update}, _SETTINGS),
)
