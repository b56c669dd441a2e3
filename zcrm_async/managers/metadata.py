"""``crm.modules``: modules, fields, layouts, custom views and related lists, cached per client."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, Final, TypeVar, Unpack

from .._entities import CustomView, Entity, Field, Layout, Module, RelatedList
from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from ._base import Manager
from ._cache import cached_field_names
from ._checks import check_id, check_module
from ._common import version_tuple
from ._entity_io import first_item, parse_items

__all__ = ["MODULE_STATUSES", "ModulesManager"]

E = TypeVar("E", bound=Entity)

#: Values of the v5+ ``status`` filter of ``/settings/modules``.
MODULE_STATUSES: Final = ("visible", "user_hidden", "system_hidden", "scheduled_for_deletion")


def _module_of(key: Hashable) -> str | None:
    return key[1] if isinstance(key, tuple) and len(key) == 2 else None


class ModulesManager(Manager):
    """Module metadata. Lists are fetched once per client (shared with ``as_user`` views) and
    kept until :meth:`clear_cache` or :meth:`refresh`; single items by id are fetched each time.
    Returned lists are fresh lists of the cached model objects: treat those as read-only.
    """

    # -- modules ---------------------------------------------------------------------------------

    async def list(
        self, *, status: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[Module]:
        """Every module; ``status`` keeps those in that state (``visible``, ``user_hidden``...).

        On v5+ Zoho filters by ``status``; v2-v4 only report ``visible`` (``status="visible"``
        keeps visible modules, any other status the hidden ones). The list is cached.

        Args:
            status: Keep only the modules in this state (all if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The modules.

        Raises:
            InvalidArgumentError: An unknown ``status``, before any request.
        """
        if status is not None and status not in MODULE_STATUSES:
            raise InvalidArgumentError(
                f"status must be one of {', '.join(MODULE_STATUSES)}; got {status!r}"
            )
        if status is not None and self._has_module_status:
            return builtins.list(
                await self._cached(("modules", status), self._load_modules, status, options)
            )
        modules = await self._cached(("modules", None), self._load_modules, None, options)
        if status is None:
            return builtins.list(modules)
        return [m for m in modules if m.is_visible == (status == "visible")]

    async def get(self, api_name: str, **options: Unpack[RequestOptionsDict]) -> Module:
        """One module by API name (``Leads``), with Zoho's full module details.

        Args:
            api_name: The module's API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The module (cached after the first call).

        Raises:
            InvalidArgumentError: A malformed module name, before any request.
            EmptyResultError: Zoho has no such module.
        """
        name = check_module(api_name)
        module: Module = await self._cached(("module", name), self._load_module, name, options)
        return module

    # -- fields ----------------------------------------------------------------------------------

    async def fields(
        self, module: str, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[Field]:
        """The fields of ``module``.

        Args:
            module: The module's API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The module's fields (cached after the first call).
        """
        return builtins.list(await self._per_module("fields", module, Field, options))

    async def field_names(
        self, module: str, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[str]:
        """The API names of the fields of ``module``.

        Args:
            module: The module's API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The field API names, in Zoho's order.
        """
        return [f.api_name for f in await self.fields(module, **options) if f.api_name]

    def cached_field_names(self, module: str) -> frozenset[str] | None:
        """The field API names of ``module`` if already fetched, else None (never fetches).

        Args:
            module: The module's API name.

        Returns:
            The names, or None when the module's fields are not cached.
        """
        return cached_field_names(self._session.metadata, module)

    async def field(
        self, module: str, field: str | int, **options: Unpack[RequestOptionsDict]
    ) -> Field:
        """One field: by id (``/settings/fields/{id}``) or by API name (from :meth:`fields`).

        Args:
            module: The module's API name.
            field: The field's id, or its API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The field.

        Raises:
            InvalidArgumentError: The module has no field of that API name.
            EmptyResultError: Zoho has no field of that id.
        """
        name = check_module(module)
        if isinstance(field, int) or field.isdigit():
            fid = check_id(field, "field id")
            answer = await self._session.answer(
                "GET", f"settings/fields/{fid}", options, params={"module": name}
            )
            return first_item(answer, "fields", Field, f"no field with id {fid} in {name}")
        for item in await self.fields(name, **options):
            if item.api_name == field:
                return item
        raise InvalidArgumentError(
            f"module {name!r} has no field {field!r}; see await crm.modules.field_names({name!r})"
        )

    # -- layouts, custom views, related lists ----------------------------------------------------

    async def layouts(
        self, module: str, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[Layout]:
        """The layouts of ``module``.

        Args:
            module: The module's API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The module's layouts (cached after the first call).
        """
        return builtins.list(await self._per_module("layouts", module, Layout, options))

    async def layout(
        self, module: str, layout_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> Layout:
        """One layout by id.

        Args:
            module: The module's API name.
            layout_id: The layout's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The layout.

        Raises:
            EmptyResultError: The module has no such layout.
        """
        return await self._one("layouts", module, layout_id, Layout, options)

    async def custom_views(
        self, module: str, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[CustomView]:
        """The custom views of ``module`` (their ``id`` is the ``cvid`` of a records list).

        Args:
            module: The module's API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The module's custom views (cached after the first call).
        """
        return builtins.list(await self._per_module("custom_views", module, CustomView, options))

    async def custom_view(
        self, module: str, cvid: str | int, **options: Unpack[RequestOptionsDict]
    ) -> CustomView:
        """One custom view by id.

        Args:
            module: The module's API name.
            cvid: The custom view's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The custom view.

        Raises:
            EmptyResultError: The module has no such custom view.
        """
        return await self._one("custom_views", module, cvid, CustomView, options)

    async def related_lists(
        self, module: str, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[RelatedList]:
        """The related lists of ``module`` (their ``api_name`` names related records).

        Args:
            module: The module's API name.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The module's related lists (cached after the first call).
        """
        return builtins.list(await self._per_module("related_lists", module, RelatedList, options))

    async def related_list(
        self, module: str, related_list_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> RelatedList:
        """One related list by id.

        Args:
            module: The module's API name.
            related_list_id: The related list's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The related list.

        Raises:
            EmptyResultError: The module has no such related list.
        """
        return await self._one("related_lists", module, related_list_id, RelatedList, options)

    # -- cache -----------------------------------------------------------------------------------

    def clear_cache(self, module: str | None = None) -> None:
        """Forget cached metadata: all of it, or only that of ``module``.

        Args:
            module: The module whose metadata to forget (all if None).
        """
        if module is None:
            self._session.metadata.clear()
        else:
            self._session.metadata.clear(lambda key: _module_of(key) == module)

    async def refresh(
        self, module: str | None = None, **options: Unpack[RequestOptionsDict]
    ) -> None:
        """Clear the cache (all, or ``module``'s) and fetch the module list (and its fields).

        Args:
            module: The module to refresh, with its fields (every module's list if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.
        """
        self.clear_cache(module)
        await self.list(**options)
        if module is not None:
            await self.fields(module, **options)

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def _has_module_status(self) -> bool:
        return version_tuple(self._session.api_version) >= (5, 0)

    async def _cached(self, key: Hashable, load: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        return await self._session.metadata.get(key, lambda: load(*args))

    async def _load_modules(
        self, status: str | None, options: RequestOptionsDict
    ) -> builtins.list[Module]:
        params = {"status": status} if status is not None else None
        body = await self._session.call("GET", "settings/modules", options, params=params)
        return parse_items(body, "modules", Module)

    async def _load_module(self, name: str, options: RequestOptionsDict) -> Module:
        answer = await self._session.answer("GET", f"settings/modules/{name}", options)
        return first_item(answer, "modules", Module, f"no module {name!r}")

    async def _per_module(
        self, kind: str, module: str, model: type[E], options: RequestOptionsDict
    ) -> builtins.list[E]:
        name = check_module(module)

        async def load() -> builtins.list[E]:
            items: builtins.list[E] = []
            page = 1
            while True:  # custom views are paged; the other lists come whole
                params: dict[str, Any] = {"module": name}
                if page > 1:
                    params["page"] = page
                body = await self._session.call("GET", f"settings/{kind}", options, params=params)
                items.extend(parse_items(body, kind, model))
                info = body.get("info") if isinstance(body, dict) else None
                if not (isinstance(info, Mapping) and info.get("more_records")):
                    return items
                page += 1

        result: builtins.list[E] = await self._session.metadata.get((kind, name), load)
        return result

    async def _one(
        self,
        kind: str,
        module: str,
        item_id: str | int,
        model: type[E],
        options: RequestOptionsDict,
    ) -> E:
        name = check_module(module)
        iid = check_id(item_id, f"{kind[:-1].replace('_', ' ')} id")
        answer = await self._session.answer(
            "GET", f"settings/{kind}/{iid}", options, params={"module": name}
        )
        return first_item(answer, kind, model, f"no {kind[:-1]} with id {iid} in {name}")
