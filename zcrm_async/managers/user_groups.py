"""``crm.user_groups``: groups of users (``/settings/user_groups``), made of users, roles and
territories, that records can be shared with."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._org_entities import MassJobStatus, UserGroup
from .._pagination import Pager
from ._base import empty_result
from ._checks import check_id
from ._collection import Collection, counts_by, per_page_param
from ._entity_io import parse_items
from .territories import filters_param

__all__ = ["SOURCE_TYPES", "UserGroupsManager"]

#: What a group's members (its ``sources``) can be.
SOURCE_TYPES = ("users", "roles", "territories")

UserGroupItem = Mapping[str, Any] | UserGroup


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    return dict(item)


class UserGroupsManager(Collection):
    """User groups: named sets of users, roles (with subordinates) and territories.

    Create one with its ``sources``, e.g. ``{"name": "EMEA desk", "sources": [{"type":
    "users", "source": {"id": user_id}}]}``. Deleting a group runs as a job
    (:meth:`deletion_status`).
    """

    path = "settings/user_groups"
    key = "user_groups"
    model = UserGroup
    what = "user group"

    def list(
        self,
        *,
        name: str | None = None,
        filters: Mapping[str, Any] | str | None = None,
        include: str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[UserGroup]:
        """User groups page by page: ``await`` it for the first page, ``async for`` for all.

        Args:
            name: Only the group of this name.
            filters: A criteria object on group keys, as for ``crm.territories.list``.
            include: Zoho's ``include`` parameter (e.g. ``"sources"``), sent as given.
            per_page: Groups per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of user groups.
        """
        params = {
            "name": name,
            "filters": filters_param(filters),
            "include": include,
            "per_page": per_page_param(per_page),
        }
        return self._pages(options, params)

    async def get(self, group_id: str | int, **options: Unpack[RequestOptionsDict]) -> UserGroup:
        """One user group, with its sources.

        Args:
            group_id: The group's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The group.

        Raises:
            EmptyResultError: No such group.
        """
        group: UserGroup = await self._one(group_id, options)
        return group

    async def create(
        self, groups: Iterable[UserGroupItem], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Add user groups.

        Args:
            groups: Each with ``name``, ``description`` and ``sources``: members as
                ``{"type": "users"|"roles"|"territories", "source": {"id": ..}}`` (roles and
                territories may add ``"subordinates"``/``"sub_territories": True``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per group, in input order (the new ids in ``results.ids``).

        Raises:
            InvalidArgumentError: A source of an unknown type.
        """
        items = [_checked_group(g, i) for i, g in enumerate(groups)]
        return await self._create(items, options)

    async def update(
        self, groups: Iterable[UserGroupItem], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Rename groups or replace their sources; each names its ``id``.

        Args:
            groups: The changes, each with the group's ``id``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per group, in input order.
        """
        items = [_checked_group(g, i) for i, g in enumerate(groups)]
        return await self._update(items, options)

    async def delete(
        self, group_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Delete a user group (its members stay). Zoho runs the deletion as a job.

        Args:
            group_id: The group's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; for a scheduled deletion ``result.details["job_id"]``, whose
            progress :meth:`deletion_status` reports.
        """
        return (await self._delete(group_id, options)).results[0]

    async def deletion_status(
        self, job_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> MassJobStatus:
        """Progress of a group deletion.

        Args:
            job_id: The job id :meth:`delete` returned.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job's status (``status.done`` once finished).

        Raises:
            EmptyResultError: Zoho knows no such job.
        """
        job = check_id(job_id, "deletion job id")
        answer = await self._session.answer(
            "GET", f"{self.path}/actions/deletion_jobs", options, params={"job_id": job}
        )
        jobs = parse_items(answer.json(), "deletion_jobs", MassJobStatus)
        if not jobs:
            raise empty_result(answer, "NO_CONTENT", f"no user group deletion job {job}")
        return jobs[0]

    def sources(
        self,
        group_id: str | int,
        *,
        type: str | None = None,
        user_type: str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[dict[str, Any]]:
        """The members of a group, page by page.

        Args:
            group_id: The group's id.
            type: Only members of this kind: ``users``, ``roles`` or ``territories``.
            user_type: Zoho's ``user_type`` filter, sent as given.
            per_page: Members per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of ``{"type", "source": {"id", "name"}, ...}`` dicts.

        Raises:
            InvalidArgumentError: An unknown ``type``.
        """
        if type is not None and type not in SOURCE_TYPES:
            raise InvalidArgumentError(f"type must be one of {SOURCE_TYPES}, got {type!r}")
        params = {"type": type, "user_type": user_type, "per_page": per_page_param(per_page)}
        path = f"{self._item_path(group_id)}/sources"
        return self._pages(options, params, path=path, key="sources", parse=_plain)

    async def sources_count(
        self, group_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> dict[str, Any]:
        """How many members of each kind a group has.

        Args:
            group_id: The group's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            ``{"users": {"active", "inactive", "deleted"}, "roles": n, "territories": n,
            "groups": n}``.

        Raises:
            EmptyResultError: Zoho has no counts for the group (no such group).
        """
        path = f"{self._item_path(group_id)}/actions/sources_count"
        answer = await self._session.answer("GET", path, options)
        body = answer.json()
        counts = body.get("sources_count") if isinstance(body, dict) else None
        if not isinstance(counts, list) or not counts or not isinstance(counts[0], dict):
            raise empty_result(answer, "NO_CONTENT", f"no source counts for group {group_id}")
        return dict(counts[0])

    async def associations(
        self, group_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[dict[str, Any]]:
        """Where a group is used (sharing rules, assignments...): what must change before it
        can be deleted.

        Args:
            group_id: The group's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            ``{"type", "resource": {"id", "name"}, "detail": {...}}`` dicts (none: empty).
        """
        path = f"{self._item_path(group_id)}/actions/associations"
        body = await self._session.call("GET", path, options)
        items = body.get("associations") if isinstance(body, dict) else None
        return [dict(item) for item in items or [] if isinstance(item, Mapping)]

    async def associated_users_count(self, **options: Unpack[RequestOptionsDict]) -> dict[str, int]:
        """How many users each group reaches (members of its roles and territories included).

        Args:
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Group id -> number of users.
        """
        path = f"{self.path}/actions/associated_users_count"
        body = await self._session.call("GET", path, options)
        return counts_by(body, "associated_users_count", "user_group")

    async def grouped_counts(
        self,
        group_id: str | int,
        *,
        group_by: str = "status",
        **options: Unpack[RequestOptionsDict],
    ) -> dict[str, int]:
        """A group's users counted by a key, e.g. by ``status`` (active, inactive...).

        Args:
            group_id: The group's id.
            group_by: The user key to count by.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Value of ``group_by`` -> number of users.

        Raises:
            InvalidArgumentError: ``group_by`` does not name a user key, before any request.
        """
        if not isinstance(group_by, str) or not group_by.strip():
            raise InvalidArgumentError(f"group_by must name a user key, got {group_by!r}")
        path = f"{self._item_path(group_id)}/associated_users/actions/grouped_counts"
        body = await self._session.call("GET", path, options, params={"group_by": group_by})
        items = body.get("grouped_counts") if isinstance(body, dict) else None
        return {
            str(item.get(group_by)): int(item.get("count") or 0)
            for item in items or []
            if isinstance(item, Mapping)
        }

    def of_user(
        self,
        user_id: str | int,
        *,
        include: str | None = None,
        per_page: int = 200,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[UserGroup]:
        """The groups a user belongs to (directly, or through a role or territory).

        Args:
            user_id: The user's id.
            include: Zoho's ``include`` parameter, sent as given.
            per_page: Groups per page, 1..200.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of user groups.
        """
        path = f"users/{check_id(user_id, 'user id')}/actions/associated_groups"
        params = {"include": include, "per_page": per_page_param(per_page)}
        return self._pages(options, params, path=path)


def _checked_group(group: UserGroupItem, index: int) -> Any:
    """The group as given, its ``sources`` checked (type and source id)."""
    sources = group.sources if isinstance(group, UserGroup) else None
    if isinstance(group, Mapping):
        sources = group.get("sources")
    for at, source in enumerate(sources or []):
        where = f"user_groups[{index}]['sources'][{at}]"
        if not isinstance(source, Mapping) or source.get("type") not in SOURCE_TYPES:
            raise InvalidArgumentError(
                f"{where} {source!r} needs a 'type' of {', '.join(SOURCE_TYPES)}"
            )
        inner = source.get("source")
        check_id(inner.get("id") if isinstance(inner, Mapping) else None, f"{where} source id")
    return group
