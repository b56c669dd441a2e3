"""What ``crm.records(module)`` does to ownership and clean-up: change owner (of some records
or of a whole custom view), territories of records, mass delete, merge duplicates, mass
convert leads, and waiting for the jobs those schedule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, Unpack, overload

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import Record, WriteResult, WriteResults
from ._base import Manager, empty_result
from ._checks import check_id, check_ids, check_module, id_ref
from ._common import job_status, schedule_job, single_result

if TYPE_CHECKING:  # imported on first use: a plain `import zcrm_async` skips them
    from .._org_entities import MassJobStatus, MergeStatus
    from ..bulk import PollPolicy

__all__ = ["MAX_MASS_CONVERT_IDS", "MAX_MERGE_DUPLICATES", "MassJob", "RecordAdministration"]

#: Leads one mass conversion takes.
MAX_MASS_CONVERT_IDS: Final = 50
#: Records merged into a master record in one call (three records in all).
MAX_MERGE_DUPLICATES: Final = 2
#: The mass actions that run as jobs, named as in their paths.
MassJob = Literal["mass_update", "mass_change_owner", "mass_delete", "mass_convert"]
_MASS_JOBS: Final = ("mass_update", "mass_change_owner", "mass_delete", "mass_convert")


def _modules(values: Iterable[str | Mapping[str, Any]] | None, what: str) -> list[Any] | None:
    """Module API names (or ``{"api_name", "id"}`` dicts) as Zoho's module references."""
    if values is None:
        return None
    out: list[Any] = []
    for index, value in enumerate([values] if isinstance(values, str) else values):
        if isinstance(value, Mapping):
            out.append(dict(value))
        else:
            try:
                out.append({"api_name": check_module(value)})
            except ValueError:
                raise InvalidArgumentError(
                    f"{what}[{index}] {value!r} is not a module API name such as 'Tasks'"
                ) from None
    return out


def _territory(territory_id: str | int | None, include_child: bool | None) -> dict[str, Any]:
    if territory_id is None:
        if include_child is not None:
            raise InvalidArgumentError("include_child needs territory_id")
        return {}
    territory: dict[str, Any] = {"id": check_id(territory_id, "territory id")}
    if include_child is not None:
        territory["include_child"] = bool(include_child)
    return {"territory": territory}


class RecordAdministration(Manager):
    """Mixed into :class:`RecordsManager`; ``self.module`` is the module's API name."""

    module: str

    # -- owner --------------------------------------------------------------------------------

    async def change_owner(
        self,
        ids: Iterable[str | int] | str | int,
        owner: str | int,
        *,
        notify: bool | None = None,
        related_modules: Iterable[str | Mapping[str, Any]] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Give records a new owner.

        Args:
            ids: The records (any number; Zoho takes 500 per call, they go 100 at a time).
            owner: The new owner's user id.
            notify: E-mail the new owner about it.
            related_modules: Related activities that change owner too, by module API name
                (``"Tasks"``, ``"Calls"``, ``"Events"``) or as ``{"api_name", "id"}``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per record, in input order.

        Raises:
            InvalidArgumentError: A bad record or owner id, or a bad module name.
        """
        id_list = check_ids(ids, "record id")
        body: dict[str, Any] = {"owner": id_ref(owner, "owner id")}
        if notify is not None:
            body["notify"] = bool(notify)
        related = _modules(related_modules, "related_modules")
        if related is not None:
            body["related_modules"] = related
        if len(id_list) == 1:
            path = f"{self.module}/{id_list[0]}/actions/change_owner"
            return await self._write_chunks(
                "POST", path, id_list, lambda _: {"json": body}, options=options
            )
        return await self._write_chunks(
            "POST",
            f"{self.module}/actions/change_owner",
            id_list,
            lambda chunk: {"json": {"ids": list(chunk), **body}},
            options=options,
        )

    async def mass_change_owner(
        self,
        owner: str | int,
        *,
        cvid: str | int,
        criteria: Mapping[str, Any] | None = None,
        territory_id: str | int | None = None,
        include_child: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> str:
        """Give every record of a custom view (up to 50,000) a new owner, as a Zoho job.

        Args:
            owner: The new owner's user id.
            cvid: The custom view whose records change owner.
            criteria: Only the view's records matching this criteria object
                (``{"field": {"api_name": ..}, "comparator": .., "value": ..}``).
            territory_id: Only records of this territory.
            include_child: With ``territory_id``: its child territories' records too.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job id: :meth:`mass_change_owner_status` or :meth:`wait_for_job` follow it.

        Raises:
            InvalidArgumentError: A bad id.
        """
        body: dict[str, Any] = {
            "cvid": check_id(cvid, "cvid"),
            "owner": id_ref(owner, "owner id"),
            **_territory(territory_id, include_child),
        }
        if criteria is not None:
            if not isinstance(criteria, Mapping):
                raise InvalidArgumentError(f"criteria must be a criteria object, got {criteria!r}")
            body["criteria"] = dict(criteria)
        return await self._schedule("mass_change_owner", body, options)

    async def mass_change_owner_status(
        self, job_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> MassJobStatus:
        """Progress of a mass change owner job.

        Args:
            job_id: The id :meth:`mass_change_owner` returned.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job's status and counts (``total_count``, ``updated_count``...).

        Raises:
            EmptyResultError: Zoho knows no such job.
        """
        return await self._job_status("mass_change_owner", job_id, options)

    # -- territories of records ---------------------------------------------------------------

    async def assign_territories(
        self,
        ids: Iterable[str | int] | str | int,
        territories: Iterable[str | int] | str | int,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Put records in territories (Leads, Accounts, Contacts and Deals have territories).

        Args:
            ids: The records.
            territories: The territories' ids (a deal takes one).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per record, in input order.
        """
        return await self._territories("assign_territories", ids, territories, options)

    async def remove_territories(
        self,
        ids: Iterable[str | int] | str | int,
        territories: Iterable[str | int] | str | int,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Take records out of territories.

        Args:
            ids: The records.
            territories: The territories' ids.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per record, in input order.
        """
        return await self._territories("remove_territories", ids, territories, options)

    async def _territories(
        self,
        action: str,
        ids: Iterable[str | int] | str | int,
        territories: Iterable[str | int] | str | int,
        options: RequestOptionsDict,
    ) -> WriteResults:
        id_list = check_ids(ids, "record id")
        refs = [{"id": t} for t in check_ids(territories, "territory id")]
        if len(id_list) == 1:
            path = f"{self.module}/{id_list[0]}/actions/{action}"
            item = {"Territories": refs}
            return await self._write_chunks(
                "POST", path, id_list, lambda _: {"json": {"data": [item]}}, options=options
            )
        return await self._write_chunks(
            "POST",
            f"{self.module}/actions/{action}",
            id_list,
            lambda chunk: {"json": {"data": [{"id": i, "Territories": refs} for i in chunk]}},
            options=options,
        )

    # -- mass delete --------------------------------------------------------------------------

    @overload
    async def mass_delete(
        self, *, ids: Iterable[str | int], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults: ...

    @overload
    async def mass_delete(
        self,
        *,
        cvid: str | int,
        territory_id: str | int | None = None,
        include_child: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> str: ...

    async def mass_delete(
        self,
        *,
        ids: Iterable[str | int] | None = None,
        cvid: str | int | None = None,
        territory_id: str | int | None = None,
        include_child: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults | str:
        """Delete many records: by id now, or every record of a custom view as a job.

        Deleted records go to the recycle bin (``crm.recycle_bin``).

        Args:
            ids: The records to delete now (any number, in calls of at most 100).
            cvid: Instead, every record of this custom view (up to 50,000), as a job.
            territory_id: With ``cvid``: only records of this territory.
            include_child: With ``territory_id``: its child territories' records too.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            With ``ids``, a result per record in input order; with ``cvid``, the job id
            (:meth:`mass_delete_status`, :meth:`wait_for_job`).

        Raises:
            InvalidArgumentError: Neither or both of ``ids`` and ``cvid``, or a bad id.
        """
        if (ids is None) == (cvid is None):
            raise InvalidArgumentError("mass_delete takes exactly one of ids= or cvid=")
        if ids is not None:
            if territory_id is not None or include_child is not None:
                raise InvalidArgumentError("territory_id and include_child go with cvid=, not ids=")
            id_list = check_ids(ids, "record id")
            return await self._write_chunks(
                "POST",
                f"{self.module}/actions/mass_delete",
                id_list,
                lambda chunk: {"json": {"ids": list(chunk)}},
                options=options,
            )
        body = {"cvid": check_id(cvid, "cvid"), **_territory(territory_id, include_child)}
        return await self._schedule("mass_delete", body, options)

    async def mass_delete_status(
        self, job_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> MassJobStatus:
        """Progress of a mass delete job.

        Args:
            job_id: The id :meth:`mass_delete` returned.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job's status and counts (``total_count``, ``deleted_count``...).
        """
        return await self._job_status("mass_delete", job_id, options)

    # -- find and merge -----------------------------------------------------------------------

    async def merge(
        self,
        master_id: str | int,
        duplicates: Iterable[str | int] | str | int,
        *,
        take: Mapping[str, str | int] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Merge duplicates into a master record: the duplicates are deleted, the master keeps
        its values except the fields ``take`` names.

        Args:
            master_id: The record that stays.
            duplicates: One or two duplicate records' ids.
            take: Field API name -> duplicate id whose value the master takes for it.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result: ``SUCCESS``, or ``SCHEDULED`` with ``details["job_id"]`` for
            :meth:`merge_status`.

        Raises:
            InvalidArgumentError: Not one or two duplicates, the master among them, or a
                ``take`` naming a record that is not one of the duplicates.
        """
        master = check_id(master_id, "master record id")
        dup_ids = check_ids(duplicates, "duplicate record id", MAX_MERGE_DUPLICATES)
        if master in dup_ids or len(set(dup_ids)) != len(dup_ids):
            raise InvalidArgumentError(
                f"duplicates {dup_ids} must be distinct records other than the master {master}"
            )
        fields: dict[str, list[dict[str, str]]] = {d: [] for d in dup_ids}
        for field, source in (take or {}).items():
            source_id = check_id(source, f"take[{field!r}] record id")
            if source_id not in fields:
                raise InvalidArgumentError(
                    f"take[{field!r}] names record {source_id}, which is not one of the "
                    f"duplicates {dup_ids}"
                )
            fields[source_id].append({"api_name": field})
        data = [{"id": d, "_fields": fields[d]} if fields[d] else {"id": d} for d in dup_ids]
        answer = await self._session.answer(
            "POST",
            f"{self.module}/{master}/actions/merge",
            options,
            json={"merge": [{"data": data}]},
        )
        return single_result(answer, "merge")

    async def merge_status(
        self,
        master_id: str | int,
        job_id: str | int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> MergeStatus:
        """The state of a merge into a master record.

        Args:
            master_id: The master record's id.
            job_id: The merge job (from :meth:`merge`); None: the record's latest merge.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The merge's job id, status, records and field sources.

        Raises:
            EmptyResultError: No merge is known for the record (or job).
        """
        master = check_id(master_id, "master record id")
        params = None if job_id is None else {"job_id": check_id(job_id, "merge job id")}
        answer = await self._session.answer(
            "GET", f"{self.module}/{master}/actions/merge", options, params=params
        )
        body = answer.json()
        items = body.get("merge") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
            raise empty_result(answer, "NO_CONTENT", f"no merge known for record {master}")
        from .._org_entities import MergeStatus

        return MergeStatus.from_api(items[0])

    # -- mass convert -------------------------------------------------------------------------

    async def mass_convert(
        self,
        ids: Iterable[str | int] | str | int,
        *,
        deal: Mapping[str, Any] | None = None,
        assign_to: str | int | None = None,
        move_attachments_to: str | None = None,
        carry_over_tags: Iterable[str] | None = None,
        related_modules: Iterable[str | Mapping[str, Any]] | None = None,
        apply_assignment_threshold: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> str:
        """Convert up to 50 leads at once, as a Zoho job (Leads only).

        Each lead becomes a Contact and an Account (from its Company), and with ``deal`` a
        Deal too.

        Args:
            ids: The leads (at most 50).
            deal: The Deal to create for each (``Deal_Name``, ``Stage``, ``Closing_Date``...).
            assign_to: The user id who owns the new records.
            move_attachments_to: The module (``Contacts``, ``Accounts``, ``Deals``) that takes
                the leads' attachments.
            carry_over_tags: The modules whose new records keep the leads' tags.
            related_modules: Related activities carried over, by module API name.
            apply_assignment_threshold: Respect the owners' assignment thresholds.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job id: :meth:`mass_convert_status` or :meth:`wait_for_job` follow it.

        Raises:
            InvalidArgumentError: Not a Leads manager, more than 50 ids, or a bad argument.
        """
        if self.module != "Leads":
            raise InvalidArgumentError(f"only Leads can be converted, not {self.module} records")
        body: dict[str, Any] = {
            "ids": check_ids(ids, "lead id", MAX_MASS_CONVERT_IDS),
        }
        if deal is not None:
            body["Deals"] = dict(deal.to_dict() if isinstance(deal, Record) else deal)
        if assign_to is not None:
            body["assign_to"] = id_ref(assign_to, "assign_to user id")
        if move_attachments_to is not None:
            body["move_attachments_to"] = {"api_name": check_module(move_attachments_to)}
        for key, value in (
            ("carry_over_tags", _modules(carry_over_tags, "carry_over_tags")),
            ("related_modules", _modules(related_modules, "related_modules")),
        ):
            if value is not None:
                body[key] = value
        if apply_assignment_threshold is not None:
            body["apply_assignment_threshold"] = bool(apply_assignment_threshold)
        return await schedule_job(self._session, "Leads/actions/mass_convert", body, options)

    async def mass_convert_status(
        self, job_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> MassJobStatus:
        """Progress of a mass convert job.

        Args:
            job_id: The id :meth:`mass_convert` returned.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job's status and counts (``total_count``, ``converted_count``...).
        """
        return await self._job_status("mass_convert", job_id, options)

    # -- jobs ---------------------------------------------------------------------------------

    async def wait_for_job(
        self,
        action: MassJob,
        job_id: str | int,
        *,
        poll: PollPolicy | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> MassJobStatus:
        """Poll a mass action's job until it is ``COMPLETED`` or ``FAILED``.

        Args:
            action: The action that scheduled it: ``"mass_update"``,
                ``"mass_change_owner"``, ``"mass_delete"`` or ``"mass_convert"``.
            job_id: The job id the action returned.
            poll: How often and how long to poll (:class:`~zcrm_async.PollPolicy`; by default
                from 2 s, growing, for at most an hour).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The finished job's status; check ``status.status`` and ``failed_count``.

        Raises:
            InvalidArgumentError: An unknown ``action`` or a bad job id.
            BulkJobTimeoutError: The job did not finish within ``poll.timeout``.
        """
        if action not in _MASS_JOBS:
            raise InvalidArgumentError(f"action must be one of {_MASS_JOBS}, got {action!r}")
        job = check_id(job_id, f"{action} job id")
        from ..bulk._jobs import poll_until_done
        from ..bulk._models import PollPolicy

        return await poll_until_done(
            lambda: self._job_status(action, job, options),
            lambda status: str(status.status).upper(),
            job_id=job,
            operation=action,
            finished=frozenset({"COMPLETED", "FAILED"}),
            policy=poll or PollPolicy(),
        )

    async def _schedule(
        self, action: str, body: dict[str, Any], options: RequestOptionsDict
    ) -> str:
        """POST a job-scheduling mass action; its job id."""
        return await schedule_job(self._session, f"{self.module}/actions/{action}", body, options)

    async def _job_status(
        self, action: str, job_id: str | int, options: RequestOptionsDict
    ) -> MassJobStatus:
        from .._org_entities import MassJobStatus

        path = f"{self.module}/actions/{action}"
        return await job_status(
            self._session, path, job_id, action, MassJobStatus.from_api, options
        )
