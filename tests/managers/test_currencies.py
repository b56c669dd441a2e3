"""``crm.currencies``: multi-currency, the base currency and exchange rates
(managers/currencies.py)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from .conftest import requests_to

pytestmark = pytest.mark.anyio


async def _enable(crm: zc.ZohoCRM) -> zc.Currency:
    await crm.currencies.enable({"iso_code": "USD", "symbol": "$"})
    return await crm.currencies.base()


async def test_multi_currency_starts_off_and_is_enabled_once(any_crm: zc.ZohoCRM) -> None:
    currencies = any_crm.currencies
    assert await currencies.list() == []
    with pytest.raises(zc.EmptyResultError, match="multi-currency is not enabled"):
        await currencies.base()
    result = await currencies.enable({"iso_code": "USD", "name": "US Dollar", "symbol": "$"})
    assert result.ok and result.id
    base = await currencies.base()
    assert (base.id, base.iso_code, base.is_base, base.rate) == (result.id, "USD", True, 1)
    assert base.exchange_rate == "1.000000000"
    with pytest.raises(zc.APIError) as again:
        await currencies.enable({"iso_code": "EUR"})
    assert again.value.code == "ALREADY_ENABLED"


async def test_add_currencies_with_rates_and_per_item_errors(any_crm: zc.ZohoCRM) -> None:
    await _enable(any_crm)
    results = await any_crm.currencies.create(
        [
            {"iso_code": "EUR", "exchange_rate": Decimal("0.92")},
            {"iso_code": "GBP", "exchange_rate": 0.79, "format": {"decimal_places": "3"}},
            {"iso_code": "EUR", "exchange_rate": 1},
            {"iso_code": "XYZ", "exchange_rate": 1},
            {"exchange_rate": 2},
        ]
    )
    assert [r.ok for r in results] == [True, True, False, False, False]
    assert [r.code for r in results.failed] == [
        "DUPLICATE_DATA",
        "INVALID_DATA",
        "MANDATORY_NOT_FOUND",
    ]
    assert [r.details["api_name"] for r in results.failed] == ["iso_code", "iso_code", "iso_code"]
    by_code = {c.iso_code: c for c in await any_crm.currencies.list()}
    assert set(by_code) == {"USD", "EUR", "GBP"}
    assert by_code["EUR"].rate == Decimal("0.92") and by_code["EUR"].exchange_rate == "0.920000000"
    assert by_code["GBP"].format == {
        "decimal_separator": "Period",
        "thousand_separator": "Comma",
        "decimal_places": "3",
    }
    assert (await any_crm.currencies.get(results.ids[0] or "")).iso_code == "EUR"


async def test_update_rates_one_and_many(fake: FakeZohoCRM, any_crm: zc.ZohoCRM) -> None:
    base = await _enable(any_crm)
    made = await any_crm.currencies.create(
        [{"iso_code": "EUR", "exchange_rate": "0.9"}, {"iso_code": "INR", "exchange_rate": 83}]
    )
    eur, inr = made.ids
    before = requests_to(fake, "PUT /crm/{version}/org/currencies/{id}")
    [one] = await any_crm.currencies.update([{"id": eur, "exchange_rate": Decimal("0.95")}])
    assert one.ok and requests_to(fake, "PUT /crm/{version}/org/currencies/{id}") == before + 1
    many = await any_crm.currencies.update(
        [{"id": inr, "exchange_rate": "84.5"}, {"id": base.id, "exchange_rate": 2}]
    )
    assert [r.ok for r in many] == [True, False]  # the base currency's rate stays 1
    assert many[1].details["api_name"] == "exchange_rate"
    assert (await any_crm.currencies.set_rate(eur or "", 0.97)).ok
    rates = {c.iso_code: c.rate for c in await any_crm.currencies.list()}
    assert rates == {"USD": 1, "EUR": Decimal("0.97"), "INR": Decimal("84.5")}


async def test_the_base_currency_keeps_its_code(any_crm: zc.ZohoCRM) -> None:
    await _enable(any_crm)
    assert (await any_crm.currencies.update_base({"symbol": "US$"})).ok
    assert (await any_crm.currencies.base()).symbol == "US$"
    with pytest.raises(zc.APIError) as refused:
        await any_crm.currencies.update_base({"iso_code": "EUR"})
    assert refused.value.details["api_name"] == "iso_code"


async def test_available_currencies(any_crm: zc.ZohoCRM) -> None:
    offered = {c.iso_code: c for c in await any_crm.currencies.available()}
    assert {"USD", "EUR", "JPY"} <= set(offered)
    assert offered["JPY"].decimal_places == "0" and offered["EUR"].display_name == "Euro"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"iso_code": "EUR", "exchange_rate": -1}], r"currencies\[0\]\['exchange_rate'\] -1"),
        ([{"iso_code": "EUR", "exchange_rate": "abc"}], r"'abc' is not an exchange rate"),
        ([{"iso_code": "EUR", "exchange_rate": True}], "True is not an exchange rate"),
        (["EUR"], r"currencies\[0\] is str, expected a dict"),
    ],
)
async def test_bad_rates_are_refused_before_sending(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, items: list[object], message: str
) -> None:
    sent = fake.stats.api_requests
    with pytest.raises((zc.InvalidArgumentError, zc.InvalidArgumentTypeError), match=message):
        await crm.currencies.create(items)  # type: ignore[arg-type]
    with pytest.raises(zc.InvalidArgumentError, match="exchange_rate 0"):
        await crm.currencies.set_rate("5725767000000100001", 0)
    with pytest.raises(zc.InvalidArgumentError, match="'iso_code'"):
        await crm.currencies.enable({"symbol": "$"})
    with pytest.raises(zc.InvalidArgumentError, match=r"currencies\[0\]\['id'\]"):
        await crm.currencies.update([{"exchange_rate": 1}])
    assert fake.stats.api_requests == sent


async def test_per_call_options_reach_the_request(crm: zc.ZohoCRM) -> None:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    crm.http.event_hooks["request"].append(record)
    await crm.currencies.available(headers={"X-Probe": "a"}, params={"probe": "1"})
    await crm.currencies.enable({"iso_code": "USD"}, headers={"X-Probe": "b"})
    assert [r.headers["X-Probe"] for r in seen] == ["a", "b"]
    assert seen[0].url.params["probe"] == "1"
