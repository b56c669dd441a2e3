"""``Collection``: a settings collection at one path, its items under one JSON key.

Zoho's set-up APIs (currencies, pipelines, territories, user groups...) share one shape:
``GET {path}`` lists the items under ``key`` (paged where the collection is large),
``GET {path}/{id}`` answers one, ``POST``/``PUT {path}`` write any number of them as
``{key: [...]}`` with a result per item, and ``PUT``/``DELETE {path}/{id}`` address one. The
managers of those APIs subclass this and name their operations; the requests are built here.

Where one of Zoho's collections differs, a class attribute or a keyword says how:

- ``item_writes = False``: every write goes to ``{path}`` (``PUT {path}`` with the items,
  ``DELETE {path}?ids=`` even for one id). Org taxes: none of the published OpenAPI files
  describes ``org/taxes``; the SDK writes them where Zoho's v2 SDKs did, at ``org/taxes``
  alone, answered ``{"taxes": [...]}`` like the other collections (no envelope of its own).
  Variables: the OpenAPI file takes both forms; the SDK keeps to the collection's.
- ``argument``: the write methods' argument named in errors about its items when it is not
  ``key`` (contact roles take ``roles``, answered under ``contact_roles``).
- ``_all(path=, key=, model=)`` and ``_first``: a second list at another path, such as the
  variable groups (``settings/variable_groups``, under ``variable_groups``) beside the
  variables, and items addressed by something other than an id (a variable's API name, with
  Zoho's ``group`` parameter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, ClassVar, Final, TypeVar

from .._entities import Entity
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._pagination import Pager
from ._base import Manager
from ._checks import check_id, check_ids
from ._entity_io import entity_items, first_item, json_body, parse_items, require_ids

__all__ = ["MAX_PER_PAGE", "Collection", "counts_by", "per_page_param"]

E = TypeVar("E", bound=Entity)

#: Zoho's page size ceiling for the settings lists that page.
MAX_PER_PAGE: Final = 200


def per_page_param(per_page: int) -> int:
    """``per_page`` checked: 1..200, else an error naming it."""
    from .._exceptions import InvalidArgumentError

    if type(per_page) is not int or not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidArgumentError(f"per_page must be a whole number 1..200, got {per_page!r}")
    return per_page


class Collection(Manager):
    """Requests of one settings collection; subclasses set ``path``, ``key``, ``model`` and
    ``what`` (the item's name in error messages, e.g. ``"territory"``)."""

    path: ClassVar[str] = ""
    key: ClassVar[str] = ""
    model: ClassVar[type[Entity]] = Entity
    what: ClassVar[str] = "item"
    #: The write methods' argument, as errors about its items name it (default: ``key``).
    argument: ClassVar[str] = ""
    #: One item's update or delete at ``{path}/{id}``; False: at ``{path}`` like many.
    item_writes: ClassVar[bool] = True

    def _item_path(self, item_id: str | int) -> str:
        return f"{self.path}/{check_id(item_id, f'{self.what} id')}"

    async def _all(
        self,
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
        *,
        path: str | None = None,
        key: str | None = None,
        model: type[Entity] | None = None,
    ) -> list[Any]:
        """Every item of an unpaged list (204: none); the collection's unless ``path``,
        ``key`` and ``model`` name another."""
        body = await self._session.call("GET", path or self.path, options, params=params)
        return parse_items(body, key or self.key, model or self.model)

    def _pages(
        self,
        options: RequestOptionsDict,
        params: Mapping[str, Any],
        *,
        path: str | None = None,
        key: str | None = None,
        parse: Callable[[Mapping[str, Any]], Any] | None = None,
        heavy: bool = False,
    ) -> Pager[Any]:
        """A paged list (``page``/``per_page``, Zoho's ``info``) as a :class:`Pager`; items
        parsed as the collection's model unless ``parse`` says otherwise (``heavy``: each page
        counts as one of Zoho's heavy calls, as searches do)."""
        fetch = partial(
            self._get_page,
            path or self.path,
            key or self.key,
            parse=parse or self.model.from_api,
            heavy=heavy,
            options=options,
        )
        return Pager(fetch, dict(params))

    async def _one(
        self,
        item_id: str | int,
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        """One item by id; :class:`EmptyResultError` when Zoho has none (204)."""
        iid = check_id(item_id, f"{self.what} id")
        missing = f"no {self.what} with id {iid}"
        return await self._first(
            f"{self.path}/{iid}", self.key, self.model, missing, options, params
        )

    async def _first(
        self,
        path: str,
        key: str,
        model: type[E],
        missing: str,
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
    ) -> E:
        """``GET {path}``: the first item under ``key``; :class:`EmptyResultError` (saying
        ``missing``) when there is none."""
        answer = await self._session.answer("GET", path, options, params=params)
        return first_item(answer, key, model, missing)

    async def _create(
        self,
        items: Iterable[Mapping[str, Any] | Entity],
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
    ) -> WriteResults:
        """``POST {path}`` with ``{key: [...]}``, 100 items per call; results in input order."""
        listed = entity_items(items, self.argument or self.key)
        return await self._write("POST", self.path, listed, params, options)

    async def _update(
        self,
        items: Iterable[Mapping[str, Any] | Entity],
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
    ) -> WriteResults:
        """``PUT {path}``; one item goes to ``PUT {path}/{id}`` (unless not ``item_writes``).
        Each item names its ``id``."""
        listed = entity_items(items, self.argument or self.key)
        require_ids(listed, self.argument or self.key)
        one = len(listed) == 1 and self.item_writes
        path = self._item_path(listed[0]["id"]) if one else self.path
        return await self._write("PUT", path, listed, params, options)

    async def _update_one(
        self,
        item_id: str | int,
        changes: Mapping[str, Any],
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
    ) -> WriteResult:
        """``PUT {path}/{id}`` with the ``changes`` of one item."""
        [item] = entity_items([changes], self.key)
        results = await self._write("PUT", self._item_path(item_id), [item], params, options)
        return results.results[0]

    async def _delete(
        self,
        ids: Iterable[str | int] | str | int,
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
    ) -> WriteResults:
        """``DELETE {path}?ids=``, 100 per call; one id goes to ``DELETE {path}/{id}`` (unless
        not ``item_writes``)."""
        return await self._delete_at(
            self.path, self.key, ids, f"{self.what} id", options, params, self.item_writes
        )

    async def _delete_at(
        self,
        path: str,
        key: str,
        ids: Iterable[str | int] | str | int,
        what: str,
        options: RequestOptionsDict,
        params: Mapping[str, Any] | None = None,
        item_path: bool = True,
    ) -> WriteResults:
        """``DELETE {path}/{id}`` for one id (if ``item_path``), ``DELETE {path}?ids=`` (100 per
        call) for more; a result per id (under ``key``) in input order."""
        checked = check_ids(ids, what)
        one = (lambda iid: f"{path}/{iid}") if item_path else None
        return await self._delete_ids(path, checked, options, item=one, key=key, params=params)

    async def _write(
        self,
        method: str,
        path: str,
        items: list[dict[str, Any]],
        params: Mapping[str, Any] | None,
        options: RequestOptionsDict,
    ) -> WriteResults:
        body = json_body(self.key)

        def build(chunk: Any) -> dict[str, Any]:
            return {**body(chunk), "params": params}

        return await self._write_chunks(method, path, items, build, key=self.key, options=options)


def counts_by(body: Any, key: str, owner: str) -> dict[str, int]:
    """``{key: [{"count": n, owner: {"id": ..}}]}`` as owner id -> count (``count`` may be
    text, as some of Zoho's count answers send it)."""
    items = body.get(key) if isinstance(body, dict) else None
    out: dict[str, int] = {}
    for item in items or []:
        ref = item.get(owner) if isinstance(item, Mapping) else None
        if isinstance(ref, Mapping) and ref.get("id") is not None:
            out[str(ref["id"])] = int(item.get("count") or 0)
    return out
