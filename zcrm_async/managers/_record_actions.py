"""What ``crm.records(module)`` does beyond CRUD: deleted records, mass update, lead convert,
related records, photo, attachments, notes, tags and blueprint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Literal, Unpack, overload

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import Record, WriteResult, WriteResults
from .._pagination import Pager
from ._base import Manager, empty_result, unexpected
from ._checks import check_id, check_ids, check_module, id_ref
from ._common import job_status, modified_since_header, schedule_job, single_result
from ._fields import select_fields

if TYPE_CHECKING:  # imported on first use: a plain `import zcrm_async` skips them
    from .._entities import ConvertResult, MassUpdateStatus
    from ._files import FileSource
    from .attachments import AttachmentsManager
    from .notes import NotesManager
    from .tags import TagSpec

__all__ = ["MAX_MASS_UPDATE_IDS", "MAX_TAG_RECORDS", "RecordActions"]

#: Records a synchronous mass update (by ids) may name in one call.
MAX_MASS_UPDATE_IDS: Final = 500
#: Records tagged or untagged in one call.
MAX_TAG_RECORDS: Final = 500
DeletedType = Literal["all", "recycle", "permanent"]


class RecordActions(Manager):
    """Mixed into :class:`RecordsManager`; ``self.module`` is the module's API name."""

    module: str

    # -- deleted records, mass update, convert ------------------------------------------------

    def deleted(
        self,
        *,
        type: DeletedType = "all",
        per_page: int = 200,
        max_records: int | None = None,
        modified_since: datetime | str | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Record]:
        """Deleted records (``all``, in the ``recycle`` bin, or ``permanent``ly deleted).

        Items carry ``id``, ``display_name``, ``type``, ``deleted_by`` and ``deleted_time``.

        Args:
            type: ``"all"``, ``"recycle"`` (still in the recycle bin) or ``"permanent"``.
            per_page: Records per page, 1..200.
            max_records: Stop after this many records (all if None).
            modified_since: Sent as ``If-Modified-Since``: only records deleted after it.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of the deleted records.

        Raises:
            InvalidArgumentError: ``type`` is not one of the three values.
        """
        if type not in ("all", "recycle", "permanent"):
            raise InvalidArgumentError(
                f"type must be 'all', 'recycle' or 'permanent', got {type!r}"
            )
        parse = partial(Record.from_api, self.module)
        fetch = partial(
            self._get_page,
            f"{self.module}/deleted",
            "data",
            parse=parse,
            headers=modified_since_header(modified_since),
            options=options,
        )
        return Pager(fetch, {"type": type, "per_page": per_page}, max_items=max_records)

    @overload
    async def mass_update(
        self,
        values: Mapping[str, Any],
        *,
        ids: Iterable[str | int],
        over_write: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults: ...

    @overload
    async def mass_update(
        self,
        values: Mapping[str, Any],
        *,
        cvid: str | int,
        territory_id: str | int | None = None,
        include_child: bool | None = None,
        over_write: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> str: ...

    async def mass_update(
        self,
        values: Mapping[str, Any],
        *,
        ids: Iterable[str | int] | None = None,
        cvid: str | int | None = None,
        territory_id: str | int | None = None,
        include_child: bool | None = None,
        over_write: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults | str:
        """Set the same ``values`` on many records.

        With ``ids`` the update happens now and per-record results come back (any number of
        ids, in calls of at most 500). With ``cvid`` (every record of a custom view, up to
        50,000) Zoho schedules a job: its id is returned, see :meth:`mass_update_status`.

        Args:
            values: The field API names and the values to set on every record.
            ids: The records to update now (give ``ids`` or ``cvid``, not both).
            cvid: The custom view whose records Zoho updates in a scheduled job.
            territory_id: With ``cvid``: only the view's records of this territory.
            include_child: With ``territory_id``: include the territories below it.
            over_write: For multi-select fields, replace the values (True) instead of adding
                to them.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            With ``ids``: the :class:`WriteResults`, one per id in input order. With ``cvid``: the
            scheduled job's id.

        Raises:
            InvalidArgumentError: No values, both or neither of ``ids`` and ``cvid``, or a bad id.
            UnexpectedResponseError: Zoho scheduled the job but its answer names no job id.
        """
        if not isinstance(values, Mapping) or not values:
            raise InvalidArgumentError(f"mass_update needs the field values to set, got {values!r}")
        if (ids is None) == (cvid is None):
            raise InvalidArgumentError("mass_update takes exactly one of ids= or cvid=")
        extra: dict[str, Any] = {} if over_write is None else {"over_write": over_write}
        data = [dict(values)]
        if ids is not None:
            id_list = check_ids(ids, "record id")
            return await self._write_chunks(
                "POST",
                f"{self.module}/actions/mass_update",
                id_list,
                lambda chunk: {"json": {"data": data, "ids": list(chunk), **extra}},
                options=options,
            )
        body: dict[str, Any] = {"data": data, "cvid": str(check_id(cvid, "cvid")), **extra}
        if territory_id is not None:
            territory: dict[str, Any] = {"id": check_id(territory_id, "territory id")}
            if include_child is not None:
                territory["include_child"] = include_child
            body["territory"] = territory
        return await schedule_job(
            self._session, f"{self.module}/actions/mass_update", body, options
        )

    async def mass_update_status(
        self, job_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> MassUpdateStatus:
        """Progress of a mass update scheduled with ``cvid``.

        Args:
            job_id: The job id :meth:`mass_update` returned.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The job's status and its counts of updated, failed and not-found records.

        Raises:
            InvalidArgumentError: A job id that is not a Zoho id.
            EmptyResultError: Zoho knows no such job.
        """
        from .._entities import MassUpdateStatus

        path = f"{self.module}/actions/mass_update"
        return await job_status(
            self._session, path, job_id, "mass update", MassUpdateStatus.from_api, options
        )

    async def convert(
        self,
        lead_id: str | int,
        *,
        deal: Mapping[str, Any] | None = None,
        account_id: str | int | None = None,
        contact_id: str | int | None = None,
        assign_to: str | int | None = None,
        overwrite: bool | None = None,
        notify_lead_owner: bool | None = None,
        notify_new_entity_owner: bool | None = None,
        move_attachments_to: str | None = None,
        extra: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> ConvertResult:
        """Convert a lead into a Contact, an Account (from Company, or ``account_id``) and,
        with ``deal={...}`` (Deal_Name, Stage, Closing_Date), a Deal. Leads only.

        Args:
            lead_id: The lead to convert.
            deal: The fields of a Deal to create with the conversion.
            account_id: Associate the contact with this existing account instead of creating one.
            contact_id: Associate the lead with this existing contact instead of creating one.
            assign_to: The id of the user who owns the new records.
            overwrite: Whether the lead's values overwrite those of an existing account/contact.
            notify_lead_owner: Whether Zoho e-mails the lead's owner.
            notify_new_entity_owner: Whether Zoho e-mails the owner of the new records.
            move_attachments_to: The module (``"Contacts"``, ``"Accounts"`` or ``"Deals"``) that
                receives the lead's attachments.
            extra: More keys of Zoho's convert object, sent as they are.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The ids of the contact, account and deal the conversion made or used.

        Raises:
            InvalidArgumentError: The manager is not for ``Leads``, or an id is not a Zoho id.
            UnexpectedResponseError: Zoho's answer holds no conversion result.
        """
        if self.module != "Leads":
            raise InvalidArgumentError(f"only Leads can be converted, not {self.module} records")
        lid = check_id(lead_id, "lead id")
        item: dict[str, Any] = dict(extra or {})
        for key, flag in (
            ("overwrite", overwrite),
            ("notify_lead_owner", notify_lead_owner),
            ("notify_new_entity_owner", notify_new_entity_owner),
        ):
            if flag is not None:
                item[key] = flag
        if account_id is not None:
            item["Accounts"] = {"id": check_id(account_id, "account id")}
        if contact_id is not None:
            item["Contacts"] = {"id": check_id(contact_id, "contact id")}
        if assign_to is not None:
            item["assign_to"] = {"id": check_id(assign_to, "assign_to user id")}
        if deal is not None:
            item["Deals"] = dict(deal.to_dict() if isinstance(deal, Record) else deal)
        if move_attachments_to is not None:
            item["move_attachments_to"] = {"api_name": check_module(move_attachments_to)}
        answer = await self._session.answer(
            "POST", f"Leads/{lid}/actions/convert", options, json={"data": [item]}, heavy=True
        )
        body = answer.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise unexpected(answer, f"convert answered {body!r}")
        from .._entities import ConvertResult

        return ConvertResult.from_api(data[0])

    # -- related records ----------------------------------------------------------------------

    def related(
        self,
        record_id: str | int,
        related_list: str,
        *,
        fields: Sequence[str] | str | None = None,
        per_page: int = 200,
        max_records: int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Record]:
        """Records of ``related_list`` (its API name, e.g. ``Contacts`` of an Account).

        Args:
            record_id: The record whose related records to read.
            related_list: The related list's API name.
            fields: The field API names to read; required from API v3 on, as for :meth:`list`.
                Names are those of the related module (``"all"`` expands when the related list is
                named after its module).
            per_page: Records per page, 1..200.
            max_records: Stop after this many records (all if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of the related records.

        Raises:
            InvalidArgumentError: A bad id, related list name or field selection, before any
                request.
        """
        path = self._related_path(record_id, related_list)
        selection = select_fields(
            self._session, related_list, fields, f"related({related_list!r})", required=True
        )
        parse = partial(Record.from_api, related_list)
        fetch = partial(self._get_page, path, "data", parse=parse, options=options)
        params = {"fields": selection.param, "per_page": per_page}
        return Pager(selection.wrap(fetch, options), params, max_items=max_records)

    async def add_related(
        self,
        record_id: str | int,
        related_list: str,
        items: Iterable[str | int | Mapping[str, Any]],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Relate records (ids, or dicts with ``id`` and relation fields such as a price).

        Args:
            record_id: The record to relate the others to.
            related_list: The related list's API name.
            items: The related records: ids, or dicts with ``id`` and the relation's fields.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per item, in input order.

        Raises:
            InvalidArgumentError: No items, or an item without a usable id.
        """
        path = self._related_path(record_id, related_list)
        bodies = [
            id_ref(item, f"items[{index}]", f"items[{index}]['id']")
            for index, item in enumerate(items)
        ]
        if not bodies:
            raise InvalidArgumentError("no related records given")
        return await self._write_chunks(
            "PUT", path, bodies, lambda chunk: {"json": {"data": list(chunk)}}, options=options
        )

    async def update_related(
        self,
        record_id: str | int,
        related_list: str,
        items: Iterable[Mapping[str, Any]],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Change relation fields (each item a dict with the related ``id``).

        Args:
            record_id: The record the others are related to.
            related_list: The related list's API name.
            items: Dicts with the related record's ``id`` and the relation fields to change.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per item, in input order.

        Raises:
            InvalidArgumentError: An item that is not a dict with ``id`` and at least one field.
        """
        listed = list(items)
        for index, item in enumerate(listed):
            if not isinstance(item, Mapping) or len(item) < 2:
                raise InvalidArgumentError(
                    f"items[{index}] {item!r} must be a dict with the related 'id' and the "
                    "relation fields to change (use add_related to relate by id only)"
                )
        return await self.add_related(record_id, related_list, listed, **options)

    async def remove_related(
        self,
        record_id: str | int,
        related_list: str,
        ids: Iterable[str | int] | str | int,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Unrelate records (their ids); the records themselves are kept.

        Args:
            record_id: The record the others are related to.
            related_list: The related list's API name.
            ids: The related records' ids (one or many).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per id, in input order.

        Raises:
            InvalidArgumentError: An id that is not a Zoho id.
        """
        path = self._related_path(record_id, related_list)
        id_list = check_ids(ids, "related record id")
        return await self._delete_ids(path, id_list, options, item=lambda i: f"{path}/{i}")

    def _related_path(self, record_id: str | int, related_list: str) -> str:
        rid = check_id(record_id)
        try:
            check_module(related_list)
        except ValueError:
            raise InvalidArgumentError(
                f"related list {related_list!r} is not a related list API name (e.g. "
                "'Contacts', 'Notes'); see crm.related_lists for the names"
            ) from None
        return f"{self.module}/{rid}/{related_list}"

    # -- photo, attachments, notes ------------------------------------------------------------

    async def upload_photo(
        self,
        record_id: str | int,
        file: FileSource,
        *,
        filename: str | None = None,
        restrict_triggers: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Set the record's photo (a path, bytes or file object; at most 10 MB).

        Args:
            record_id: The record.
            file: The image: a path, bytes or a binary file object.
            filename: The name Zoho stores (taken from the path if None).
            restrict_triggers: Automation Zoho must not run for this change (e.g.
                ``["workflow"]``).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the upload.

        Raises:
            InvalidArgumentError: A bad id, or a file that is missing or too large.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
        rid = check_id(record_id)
        from ._files import read_upload

        name, content, content_type = await read_upload(file, filename, "photo")
        params = None
        if restrict_triggers is not None:
            params = {"restrict_triggers": ",".join(restrict_triggers)}
        answer = await self._session.answer(
            "POST",
            f"{self.module}/{rid}/photo",
            options,
            params=params,
            files={"file": (name, content, content_type)},
        )
        return single_result(answer)

    async def download_photo(
        self, record_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> bytes:
        """The record's photo.

        Args:
            record_id: The record.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The image's bytes.

        Raises:
            EmptyResultError: The record has no photo.
            InvalidArgumentError: A bad id, before any request.
        """
        rid = check_id(record_id)
        answer = await self._session.answer("GET", f"{self.module}/{rid}/photo", options)
        if answer.status_code == 204 or not answer.response.content:
            raise empty_result(answer, "NO_CONTENT", f"{self.module} record {rid} has no photo")
        return answer.response.content

    async def delete_photo(
        self, record_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResult:
        """Remove the record's photo.

        Args:
            record_id: The record.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the deletion.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
        rid = check_id(record_id)
        return single_result(
            await self._session.answer("DELETE", f"{self.module}/{rid}/photo", options)
        )

    def attachments(self, record_id: str | int) -> AttachmentsManager:
        """The attachments of one record.

        Args:
            record_id: The record.

        Returns:
            An ``AttachmentsManager`` for the record.

        Raises:
            InvalidArgumentError: A bad id.
        """
        from .attachments import AttachmentsManager

        return AttachmentsManager(self._session, self.module, check_id(record_id))

    def notes(self, record_id: str | int) -> NotesManager:
        """The notes of one record (created notes get it as parent).

        Args:
            record_id: The record.

        Returns:
            A ``NotesManager`` for the record's notes.

        Raises:
            InvalidArgumentError: A bad id.
        """
        from .notes import NotesManager

        return NotesManager(self._session, (self.module, check_id(record_id)))

    # -- tags, blueprint ----------------------------------------------------------------------

    async def add_tags(
        self,
        ids: Iterable[str | int] | str | int,
        tags: Iterable[TagSpec] | str,
        *,
        over_write: bool | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Tag records (at most 10 tags per call; new names become module tags).

        Args:
            ids: The records to tag (one id or many).
            tags: Tag names, or :class:`Tag` objects or dicts with ``id`` and/or ``name``; a single
                name is fine.
            over_write: Replace the records' tags instead of adding to them.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per record, in input order.

        Raises:
            InvalidArgumentError: No tags, more than 10, or a bad id.
        """
        return await self._tag_records("add_tags", ids, tags, over_write, options)

    async def remove_tags(
        self,
        ids: Iterable[str | int] | str | int,
        tags: Iterable[TagSpec] | str,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Remove tags from records.

        Args:
            ids: The records (one id or many).
            tags: The tag names (or dicts with ``name``) to remove.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per record, in input order.

        Raises:
            InvalidArgumentError: No tags, more than 10, or a bad id.
        """
        return await self._tag_records("remove_tags", ids, tags, None, options)

    async def _tag_records(
        self,
        action: str,
        ids: Iterable[str | int] | str | int,
        tags: Iterable[TagSpec] | str,
        over_write: bool | None,
        options: RequestOptionsDict,
    ) -> WriteResults:
        from .tags import tag_action

        build = tag_action(self._session.api_version, tags, over_write=over_write)
        id_list = check_ids(ids, "record id")
        path = f"{self.module}/actions/{action}"
        return await self._write_chunks("POST", path, id_list, build, options=options)

    async def blueprint(
        self, record_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> dict[str, Any]:
        """The record's blueprint: ``process_info`` and the ``transitions`` open to it now.

        Args:
            record_id: The record.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's ``blueprint`` object: ``process_info`` and ``transitions`` (each with its id and
            the fields it asks for).

        Raises:
            EmptyResultError: No blueprint applies to the record.
            InvalidArgumentError: A bad id, before any request.
        """
        rid = check_id(record_id)
        answer = await self._session.answer(
            "GET", f"{self.module}/{rid}/actions/blueprint", options
        )
        body = answer.json()
        blueprint = body.get("blueprint") if isinstance(body, dict) else None
        if not isinstance(blueprint, dict):
            raise empty_result(answer, "NO_CONTENT", f"{self.module} record {rid} has no blueprint")
        return blueprint

    async def update_blueprint(
        self,
        record_id: str | int,
        transition_id: str | int,
        data: Mapping[str, Any] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Move the record through a transition, with the fields it asks for in ``data``.

        Args:
            record_id: The record.
            transition_id: The transition's id (from :meth:`blueprint`).
            data: The fields the transition asks for (none if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the transition.

        Raises:
            InvalidArgumentError: A bad id, before any request.
            UnexpectedResponseError: Zoho's answer holds no result.
        """
        rid = check_id(record_id)
        item: dict[str, Any] = {"transition_id": check_id(transition_id, "transition id")}
        item["data"] = dict(data or {})
        answer = await self._session.answer(
            "PUT", f"{self.module}/{rid}/actions/blueprint", options, json={"blueprint": [item]}
        )
        return single_result(answer)
