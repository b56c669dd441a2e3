"""``crm.currencies``: the org's currencies (``/org/currencies``), its base currency and rates."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._org_entities import AvailableCurrency, Currency
from ._base import empty_result
from ._collection import Collection
from ._common import single_result
from ._entity_io import entity_items, parse_items

__all__ = ["CurrenciesManager", "exchange_rate_text"]

#: Zoho writes exchange rates with nine decimals (``"1.000000000"``).
RATE_DECIMALS: Final = 9

CurrencyItem = Mapping[str, Any] | Currency


def exchange_rate_text(value: Any, where: str) -> str:
    """An exchange rate (a number, a :class:`~decimal.Decimal` or numeric text) as Zoho's text
    with nine decimals; a rate that is not a positive number is an error naming ``where``."""
    numeric = isinstance(value, int | float | str | Decimal) and not isinstance(value, bool)
    try:
        rate = Decimal(str(value)) if numeric else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or rate <= 0:
        raise InvalidArgumentError(
            f"{where} {value!r} is not an exchange rate: give a positive number such as 1.25"
        )
    return f"{rate:.{RATE_DECIMALS}f}"


def _currency_items(items: Iterable[CurrencyItem], what: str) -> list[dict[str, Any]]:
    out = entity_items(items, what)
    for index, item in enumerate(out):
        if item.get("exchange_rate") is not None:
            where = f"{what}[{index}]['exchange_rate']"
            item["exchange_rate"] = exchange_rate_text(item["exchange_rate"], where)
    return out


class CurrenciesManager(Collection):
    """The org's currencies: the base (home) currency and the others with their exchange rates.

    Multi-currency must be enabled once (:meth:`enable`, which sets the base currency) before
    other currencies can be added. Exchange rates may be given as numbers or
    :class:`~decimal.Decimal`; they are sent as Zoho's nine-decimal text.
    """

    path = "org/currencies"
    key = "currencies"
    model = Currency
    what = "currency"

    async def list(self, **options: Unpack[RequestOptionsDict]) -> builtins.list[Currency]:
        """Every currency of the org, the base currency among them.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The currencies; empty while multi-currency is not enabled.
        """
        return await self._all(options)

    async def get(self, currency_id: str | int, **options: Unpack[RequestOptionsDict]) -> Currency:
        """One currency by id.

        Args:
            currency_id: The currency's Zoho id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The currency.

        Raises:
            InvalidArgumentError: ``currency_id`` is not a Zoho id.
            EmptyResultError: The org has no currency with that id.
        """
        currency: Currency = await self._one(currency_id, options)
        return currency

    async def base(self, **options: Unpack[RequestOptionsDict]) -> Currency:
        """The base (home) currency: every amount's reference, its exchange rate 1.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The currency whose ``is_base`` is true.

        Raises:
            EmptyResultError: Multi-currency is not enabled (the org has no currencies).
        """
        answer = await self._session.answer("GET", self.path, options)
        for currency in parse_items(answer.json(), self.key, Currency):
            if currency.is_base:
                return currency
        raise empty_result(
            answer,
            "NO_BASE_CURRENCY",
            "multi-currency is not enabled: the org has no base currency",
        )

    async def available(
        self, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[AvailableCurrency]:
        """The currencies Zoho supports, to pick ``iso_code`` values from.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Each currency with its ISO code, symbol and number format.
        """
        body = await self._session.call("GET", f"{self.path}/actions/available_currencies", options)
        return parse_items(body, "available_currencies", AvailableCurrency)

    async def enable(
        self, base_currency: CurrencyItem, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Enable multi-currency with ``base_currency`` as the home currency (once per org).

        Args:
            base_currency: The home currency: ``iso_code`` (e.g. ``"USD"``), ``name``,
                ``symbol`` and optionally ``format`` (``decimal_separator``,
                ``thousand_separator``, ``decimal_places``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; ``result.id`` is the new currency's id.

        Raises:
            InvalidArgumentError: ``base_currency`` lacks an ``iso_code``.
            APIError: Zoho refused, e.g. ``ALREADY_ENABLED`` when multi-currency is on.
        """
        item = self._base_item(base_currency, require_code=True)
        answer = await self._session.answer(
            "POST", f"{self.path}/actions/enable", options, json={"base_currency": item}
        )
        return single_result(answer, "base_currency")

    async def update_base(
        self, changes: CurrencyItem, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Change the base currency's display (``name``, ``symbol``, ``format``...).

        Its ISO code cannot change once set, and its rate stays 1.

        Args:
            changes: The keys to change.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the base currency.

        Raises:
            InvalidArgumentError: ``changes`` is empty.
        """
        item = self._base_item(changes, require_code=False)
        answer = await self._session.answer(
            "PUT", f"{self.path}/actions/enable", options, json={"base_currency": item}
        )
        return single_result(answer, "base_currency")

    async def create(
        self, currencies: Iterable[CurrencyItem], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Add currencies (multi-currency must be enabled).

        Args:
            currencies: Each with ``iso_code``, ``exchange_rate`` (units of it per unit of the
                base currency) and optionally ``name``, ``symbol``, ``format``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per currency, in input order (the new ids in ``results.ids``); a
            duplicate ISO code is that item's ``DUPLICATE_DATA`` error.

        Raises:
            InvalidArgumentError: An ``exchange_rate`` is not a positive number.
        """
        return await self._create(_currency_items(currencies, "currencies"), options)

    async def update(
        self, currencies: Iterable[CurrencyItem], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Update currencies, e.g. ``[{"id": ..., "exchange_rate": Decimal("1.0873")}]``.

        Args:
            currencies: Each names its ``id`` and the keys to change.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per currency, in input order.

        Raises:
            InvalidArgumentError: An item has no ``id`` or a bad ``exchange_rate``.
        """
        return await self._update(_currency_items(currencies, "currencies"), options)

    async def set_rate(
        self,
        currency_id: str | int,
        exchange_rate: Decimal | float | str,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Set one currency's exchange rate.

        Args:
            currency_id: The currency's id.
            exchange_rate: Units of this currency per unit of the base currency.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the currency.

        Raises:
            InvalidArgumentError: A bad id or rate.
        """
        rate = exchange_rate_text(exchange_rate, "exchange_rate")
        return await self._update_one(currency_id, {"exchange_rate": rate}, options)

    def _base_item(self, currency: CurrencyItem, *, require_code: bool) -> dict[str, Any]:
        [item] = _currency_items([currency], "base_currency")
        if not item:
            raise InvalidArgumentError("base_currency has no keys: give at least one to set")
        if require_code and not isinstance(item.get("iso_code"), str):
            raise InvalidArgumentError(
                "base_currency needs an 'iso_code' such as 'USD' (see "
                "crm.currencies.available() for the codes)"
            )
        return item
