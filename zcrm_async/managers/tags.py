"""``crm.tags``: module tags under /settings/tags, and the request for tagging records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Unpack

from .._entities import Tag
from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._envelope import Answer
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from ._base import Manager, unexpected
from ._checks import check_id, check_module
from ._common import single_result, version_tuple

__all__ = ["MAX_TAGS_PER_CALL", "MAX_TAGS_PER_CREATE", "TagsManager", "TagSpec", "tag_action"]

#: Tags added to / removed from records in one call.
MAX_TAGS_PER_CALL: Final = 10
#: Tags created or updated in one /settings/tags call.
MAX_TAGS_PER_CREATE: Final = 50
#: Longest tag name Zoho accepts.
MAX_TAG_NAME: Final = 25

#: A tag by name, or a :class:`Tag` / dict with ``id`` and/or ``name`` (the id wins on v3+).
TagSpec = str | Tag | Mapping[str, Any]


def _tag_json(tag: TagSpec, index: int) -> dict[str, Any]:
    if isinstance(tag, str):
        body: dict[str, Any] = {"name": tag}
    elif isinstance(tag, Tag):
        body = {k: v for k, v in (("id", tag.id), ("name", tag.name)) if v is not None}
        if tag.color_code is not None:
            body["color_code"] = tag.color_code
    elif isinstance(tag, Mapping):
        body = dict(tag)
    else:
        raise InvalidArgumentTypeError(
            f"tags[{index}] is a {type(tag).__name__}; give a name, Tag or dict"
        )
    name = body.get("name")
    if "id" in body:
        check_id(body["id"], f"tags[{index}] id")
    elif not isinstance(name, str) or not name.strip():
        raise InvalidArgumentError(f"tags[{index}] {tag!r} has neither a name nor an id")
    if isinstance(name, str) and len(name) > MAX_TAG_NAME:
        raise InvalidArgumentError(
            f"tag name {name!r} is longer than Zoho's {MAX_TAG_NAME} characters"
        )
    return body


def _tags_json(tags: Iterable[TagSpec] | str, limit: int) -> list[dict[str, Any]]:
    items = [_tag_json(t, i) for i, t in enumerate([tags] if isinstance(tags, str) else tags)]
    if not items:
        raise InvalidArgumentError("no tags given")
    if len(items) > limit:
        raise InvalidArgumentError(
            f"{len(items)} tags given; Zoho accepts at most {limit} per call"
        )
    return items


def tag_action(api_version: str, tags: Iterable[TagSpec] | str, *, over_write: bool | None) -> Any:
    """``build(ids_chunk)`` for add/remove_tags: query params on v2/v2.1, JSON body from v3."""
    items = _tags_json(tags, MAX_TAGS_PER_CALL)
    if version_tuple(api_version) < (3, 0):
        names = []
        for item in items:
            name = item.get("name")
            if not isinstance(name, str) or "," in name:
                raise InvalidArgumentError(
                    f"API {api_version} tags records by name (tag_names=a,b): tag {item!r} "
                    "needs a name without commas"
                )
            names.append(name)
        extra = {} if over_write is None else {"over_write": str(over_write).lower()}

        def query(chunk: Any) -> dict[str, Any]:
            return {"params": {"ids": ",".join(chunk), "tag_names": ",".join(names), **extra}}

        return query
    flag = {} if over_write is None else {"over_write": over_write}

    def body(chunk: Any) -> dict[str, Any]:
        return {"json": {"tags": items, "ids": list(chunk), **flag}}

    return body


class TagsManager(Manager):
    """Tags of a module: list, create, update, delete, merge (``/settings/tags``)."""

    async def list(
        self, module: str, *, my_tags: bool | None = None, **options: Unpack[RequestOptionsDict]
    ) -> list[Tag]:
        """Every tag of ``module``.

        Args:
            module: The module's API name.
            my_tags: True for only the tags the current user created.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The module's tags.

        Raises:
            InvalidArgumentError: A malformed module name, before any request.
        """
        params = {"module": check_module(module)}
        if my_tags is not None:
            params["my_tags"] = str(my_tags).lower()
        body = await self._session.call("GET", "settings/tags", options, params=params)
        items = body.get("tags") if isinstance(body, dict) else None
        return [Tag.from_api(t) for t in items or []]

    async def create(
        self, module: str, tags: Iterable[TagSpec] | str, **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Create tags in ``module`` (at most 50 per call); results in input order.

        Args:
            module: The module's API name.
            tags: Tag names, or :class:`Tag` objects or dicts with ``name`` (and ``color_code``);
                a single name is fine.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per tag, in input order (the new ids in ``results.ids``).

        Raises:
            InvalidArgumentError: No tags, more than 50, or a name Zoho would refuse (empty, too
                long).
        """
        items = _tags_json(tags, MAX_TAGS_PER_CREATE)
        answer = await self._session.answer(
            "POST",
            "settings/tags",
            options,
            params={"module": check_module(module)},
            json={"tags": items},
        )
        return _tag_results(answer, len(items))

    async def update(
        self,
        module: str,
        tag_id: str | int,
        *,
        name: str | None = None,
        color_code: str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Rename a tag and/or change its colour.

        Args:
            module: The tag's module (API name).
            tag_id: The tag's id.
            name: The new name.
            color_code: The new colour, ``#rrggbb``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the tag.

        Raises:
            InvalidArgumentError: Neither ``name`` nor ``color_code`` given, or a bad id.
        """
        tid = check_id(tag_id, "tag id")
        change = {k: v for k, v in (("name", name), ("color_code", color_code)) if v is not None}
        if not change:
            raise InvalidArgumentError("update needs name= and/or color_code=")
        if name is not None:
            _tag_json(name, 0)
        answer = await self._session.answer(
            "PUT",
            f"settings/tags/{tid}",
            options,
            params={"module": check_module(module)},
            json={"tags": [change]},
        )
        return single_result(answer, "tags")

    async def delete(self, tag_id: str | int, **options: Unpack[RequestOptionsDict]) -> WriteResult:
        """Delete a tag (it is removed from every record).

        Args:
            tag_id: The tag's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the tag.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
        tid = check_id(tag_id, "tag id")
        return single_result(
            await self._session.answer("DELETE", f"settings/tags/{tid}", options), "tags"
        )

    async def merge(
        self, tag_id: str | int, *, into: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Merge tag ``tag_id`` into tag ``into``: its records get ``into``, it is deleted.

        Args:
            tag_id: The tag to merge away.
            into: The tag that remains.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the merge.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
        source = check_id(tag_id, "tag id")
        target = check_id(into, "tag id (into)")
        answer = await self._session.answer(
            "POST",
            f"settings/tags/{target}/actions/merge",
            options,
            json={"tags": [{"conflict_id": source}]},
        )
        return single_result(answer, "tags")


def _tag_results(answer: Answer, expected: int) -> WriteResults:
    body = answer.json()
    items = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(items, list) or len(items) != expected:
        raise unexpected(answer, f"expected {expected} tag results, got {str(body)[:200]!r}")
    return WriteResults([WriteResult.from_api(item, i) for i, item in enumerate(items)])
