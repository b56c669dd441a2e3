"""``crm.territories``: territories, their users, and each user's territories."""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._entities import User
from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResults
from .._org_entities import Territory, UserTerritory
from .._pagination import Pager
from ._checks import check_id, check_ids
from ._collection import Collection, counts_by, per_page_param
from ._entity_io import parse_items

__all__ = ["TerritoriesManager", "filters_param"]

TerritoryItem = Mapping[str, Any] | Territory


def filters_param(filters: Mapping[str, Any] | str | None) -> str | None:
    """A ``filters`` criteria object (``{"field": {"api_name": ..}, "comparator": ..,
    "value": ..}`` or ``{"group_operator": .., "group": [...]}``) as the JSON text Zoho reads."""
    if filters is None or isinstance(filters, str):
        return filters
    if not isinstance(filters, Mapping) or not ("group" in filters or "field" in filters):
        raise InvalidArgumentError(
            "filters must be a criteria object with 'field', 'comparator' and 'value' (or "
            f"'group_operator' and 'group'), got {filters!r}"
        )
    return json.dumps(filters, separators=(",", ":"))


class TerritoriesManager(Collection):
    """Territories (``/settings/territories``), the users of each, and each user's territories.

    Territories form a hierarchy (``reporting_to``); records join one with
    ``crm.records(module).assign_territories``.
    """

    path = "settings/territories"
    key = "territories"
    model = Territory
    what = "territory"

    # -- territories --------------------------------------------------------------------------

    def list(
        self,
        *,
        ids: Iterable[str | int] | None = None,
        filters: Mapping[str, Any] | str | None = None,
        include: str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Territory]:
        """Territories page by page: ``await`` it for the first page, ``async for`` for all.

        Args:
            ids: Only these territories.
            filters: A criteria object on territory keys, e.g.
                ``{"field": {"api_name": "name"}, "comparator": "equal", "value": "EMEA"}``.
            include: Zoho's ``include`` parameter, sent as given.
            per_page: Territories per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of territories.

        Raises:
            InvalidArgumentError: A bad id, filter or ``per_page``.
        """
        params = {
            "ids": None if ids is None else ",".join(check_ids(ids, "territory id")),
            "filters": filters_param(filters),
            "include": include,
            "per_page": per_page_param(per_page),
        }
        return self._pages(options, params)

    async def get(
        self, territory_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> Territory:
        """One territory by id.

        Args:
            territory_id: The territory's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The territory.

        Raises:
            InvalidArgumentError: A bad id.
            EmptyResultError: No such territory.
        """
        territory: Territory = await self._one(territory_id, options)
        return territory

    def children(
        self,
        territory_id: str | int,
        *,
        filters: Mapping[str, Any] | str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Territory]:
        """The territories directly below one (those ``reporting_to`` it).

        Args:
            territory_id: The parent territory's id.
            filters: A criteria object, as for :meth:`list`.
            per_page: Territories per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of territories.
        """
        path = f"{self._item_path(territory_id)}/__child_territories"
        params = {"filters": filters_param(filters), "per_page": per_page_param(per_page)}
        return self._pages(options, params, path=path)

    async def create(
        self, territories: Iterable[TerritoryItem], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Add territories.

        Args:
            territories: Each with ``name``, ``reporting_to`` (``{"id": parent}``) and
                optionally ``manager`` (``{"id": user}``), ``permission_type``
                (``read_only`` or ``read_write_delete``), ``description`` and the rule
                criteria (``account_rule_criteria``...).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per territory, in input order (the new ids in ``results.ids``).
        """
        return await self._create(territories, options)

    async def update(
        self, territories: Iterable[TerritoryItem], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Update territories; each names its ``id``.

        Args:
            territories: The changes, each with the territory's ``id``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per territory, in input order.

        Raises:
            InvalidArgumentError: An item without ``id``.
        """
        return await self._update(territories, options)

    async def delete(
        self,
        ids: Iterable[str | int] | str | int,
        *,
        delete_previous_forecasts: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Delete territories that have no child territories.

        Args:
            ids: The territories' ids.
            delete_previous_forecasts: Also delete their past forecasts.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per id, in input order.
        """
        return await self._delete(ids, options, _flag(delete_previous_forecasts))

    async def transfer_and_delete(
        self,
        moves: Mapping[str | int, str | int],
        *,
        delete_previous_forecasts: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Delete territories after moving their records and child territories to others.

        Args:
            moves: Territory id to delete -> territory id that takes over its records.
            delete_previous_forecasts: Also delete their past forecasts.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per deleted territory, in the order of ``moves``.

        Raises:
            InvalidArgumentError: ``moves`` is empty or names a bad id.
        """
        if not isinstance(moves, Mapping) or not moves:
            raise InvalidArgumentError(
                "moves must map each territory id to delete to the territory id taking over, "
                f"got {moves!r}"
            )
        items: builtins.list[dict[str, Any]] = []
        for old, new in moves.items():
            item: dict[str, Any] = {
                "id": check_id(old, "territory id"),
                "transfer_to_id": check_id(new, "transfer_to territory id"),
            }
            if delete_previous_forecasts is not None:
                item["delete_previous_forecasts"] = bool(delete_previous_forecasts)
            items.append(item)
        base = self._item_path(items[0]["id"]) if len(items) == 1 else self.path
        path = f"{base}/actions/transfer_and_delete"
        return await self._write("POST", path, items, None, options)

    async def associated_users_count(self, **options: Unpack[RequestOptionsDict]) -> dict[str, int]:
        """How many users each territory has.

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Territory id -> number of users.
        """
        body = await self._session.call(
            "GET", f"{self.path}/actions/associated_users_count", options
        )
        return counts_by(body, "associated_users_count", "territory")

    async def deleted(
        self,
        *,
        ids: Iterable[str | int] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> builtins.list[Territory]:
        """Deleted territories that records or users were associated with.

        Args:
            ids: Only these territories.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The territories; ``deleted_time`` and ``deleted_by`` are in ``.data``.
        """
        params = None if ids is None else {"ids": ",".join(check_ids(ids, "territory id"))}
        body = await self._session.call(
            "GET", f"{self.path}/actions/deleted_associated_territories", options, params=params
        )
        return parse_items(body, self.key, Territory)

    # -- the users of a territory -------------------------------------------------------------

    async def users(
        self, territory_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[User]:
        """The users of a territory.

        Args:
            territory_id: The territory's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The users (none: an empty list).
        """
        body = await self._session.call("GET", self._users_path(territory_id), options)
        return parse_items(body, "users", User)

    async def user(
        self, territory_id: str | int, user_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> User:
        """One user of a territory.

        Args:
            territory_id: The territory's id.
            user_id: The user's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The user.

        Raises:
            EmptyResultError: The user is not in the territory.
        """
        path = f"{self._users_path(territory_id)}/{check_id(user_id, 'user id')}"
        missing = f"user {user_id} is not in territory {territory_id}"
        return await self._first(path, "users", User, missing, options)

    async def add_users(
        self,
        territory_id: str | int,
        user_ids: Iterable[str | int] | str | int,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Add users to a territory.

        Args:
            territory_id: The territory's id.
            user_ids: The users' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per user, in input order.
        """
        path = self._users_path(territory_id)
        checked = check_ids(user_ids, "user id")
        if len(checked) == 1:
            return await self._write_chunks(
                "PUT", f"{path}/{checked[0]}", checked, lambda _: {}, key="users", options=options
            )
        return await self._write_chunks(
            "PUT",
            path,
            checked,
            lambda chunk: {"json": {"users": [{"id": i} for i in chunk]}},
            key="users",
            options=options,
        )

    async def remove_users(
        self,
        territory_id: str | int,
        user_ids: Iterable[str | int] | str | int,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Remove users from a territory (the users stay in the org).

        Args:
            territory_id: The territory's id.
            user_ids: The users' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per user, in input order.
        """
        path = self._users_path(territory_id)
        return await self._delete_at(path, "users", user_ids, "user id", options)

    # -- the territories of a user ------------------------------------------------------------

    async def of_user(
        self, user_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[UserTerritory]:
        """The territories a user belongs to.

        Args:
            user_id: The user's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The territories (none: an empty list).
        """
        body = await self._session.call("GET", _user_territories(user_id), options)
        return parse_items(body, self.key, UserTerritory)

    async def of_user_one(
        self, user_id: str | int, territory_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> UserTerritory:
        """One territory of a user.

        Args:
            user_id: The user's id.
            territory_id: The territory's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The territory.

        Raises:
            EmptyResultError: The user is not in that territory.
        """
        path = f"{_user_territories(user_id)}/{check_id(territory_id, 'territory id')}"
        missing = f"user {user_id} is not in territory {territory_id}"
        return await self._first(path, self.key, UserTerritory, missing, options)

    async def assign_to_user(
        self,
        user_id: str | int,
        territory_ids: Iterable[str | int] | str | int,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Put a user in territories.

        Args:
            user_id: The user's id.
            territory_ids: The territories' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per territory, in input order.
        """
        checked = check_ids(territory_ids, "territory id")
        return await self._write_chunks(
            "PUT",
            _user_territories(user_id),
            checked,
            lambda chunk: {"json": {self.key: [{"id": i} for i in chunk]}},
            key=self.key,
            options=options,
        )

    async def remove_from_user(
        self,
        user_id: str | int,
        territory_ids: Iterable[str | int] | str | int,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Take a user out of territories.

        Args:
            user_id: The user's id.
            territory_ids: The territories' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per territory, in input order.
        """
        path = _user_territories(user_id)
        return await self._delete_at(path, self.key, territory_ids, "territory id", options)

    # -- plumbing ---------------------------------------------------------------------------

    def _users_path(self, territory_id: str | int) -> str:
        return f"{self._item_path(territory_id)}/users"


def _user_territories(user_id: str | int) -> str:
    return f"users/{check_id(user_id, 'user id')}/territories"


def _flag(value: bool | None) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"delete_previous_forecasts must be a bool, got {value!r}")
    return {"delete_previous_forecasts": str(value).lower()}
