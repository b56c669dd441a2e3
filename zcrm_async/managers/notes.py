"""``crm.notes`` (the Notes module) and ``crm.records(m).notes(record_id)`` (one record's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any, Final, Unpack

from .._entities import Note, parent_of
from .._exceptions import InvalidArgumentError, InvalidArgumentTypeError
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._pagination import Pager
from ._base import Manager, Session, empty_result
from ._checks import check_id, check_module, fields_param
from ._common import version_tuple

__all__ = ["DEFAULT_NOTE_FIELDS", "NotesManager", "note_body"]

#: Sent when ``fields`` is not given and the API version requires it (v3+).
DEFAULT_NOTE_FIELDS: Final = (
    "Note_Title",
    "Note_Content",
    "Parent_Id",
    "Owner",
    "Created_Time",
    "Modified_Time",
)
#: From this version Parent_Id is ``{"module": {"api_name"}, "id"}``; before, an id string
#: beside ``se_module`` (a string on v2-v4, an object from v6; v5 is undocumented).
OBJECT_PARENT_FROM: Final = (6, 0)


def note_body(
    item: Note | Mapping[str, Any], api_version: str, parent: tuple[str, str] | None = None
) -> dict[str, Any]:
    """One note as request JSON, with Parent_Id in the shape ``api_version`` expects.

    Accepts a :class:`Note` or a dict in either Parent_Id shape; ``parent`` (module, id)
    fills in a missing parent.
    """
    if isinstance(item, Note):
        body = item.to_dict()
        module, parent_id = item.parent_module, item.parent_id
    elif isinstance(item, Mapping):
        body = dict(item)
        module, parent_id = parent_of(body)
    else:
        raise InvalidArgumentTypeError(f"a note is a Note or a dict, got {type(item).__name__}")
    for key in ("Parent_Id", "se_module", "$se_module"):
        body.pop(key, None)
    if parent_id is None and parent is not None:
        module, parent_id = parent
    if parent_id is not None:
        if module is None:
            raise InvalidArgumentError(
                f"note {body.get('Note_Title')!r} has Parent_Id {parent_id!r} but no parent "
                "module: give parent_module (or se_module)"
            )
        check_module(module)
        check_id(parent_id, "note parent id")
        if version_tuple(api_version) >= OBJECT_PARENT_FROM:
            body["Parent_Id"] = {"module": {"api_name": module}, "id": parent_id}
        else:
            body["Parent_Id"] = parent_id
            body["se_module"] = module
    return body


class NotesManager(Manager):
    """Notes: of the whole Notes module, or bound to one record (``parent``)."""

    def __init__(self, session: Session, parent: tuple[str, str] | None = None) -> None:
        super().__init__(session)
        self.parent = parent

    def __repr__(self) -> str:
        return f"NotesManager(parent={self.parent!r})"

    def _fields(self, fields: Sequence[str] | str | None) -> str | None:
        param = fields_param(fields)
        if param is None and version_tuple(self._session.api_version) >= (3, 0):
            param = ",".join(DEFAULT_NOTE_FIELDS)
        return param

    def list(
        self,
        *,
        fields: Sequence[str] | str | None = None,
        per_page: int = 200,
        sort_by: str | None = None,
        sort_order: str | None = None,
        max_records: int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Pager[Note]:
        """Notes page by page (the record's, if bound).

        Args:
            fields: The note fields to read; from API v3 on None reads the usual ones.
            per_page: Notes per page, 1..200.
            sort_by: ``"id"``, ``"Created_Time"`` or ``"Modified_Time"``.
            sort_order: ``"asc"`` or ``"desc"``.
            max_records: Stop after this many notes (all if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A ``Pager`` of notes.
        """
        path = "Notes" if self.parent is None else f"{self.parent[0]}/{self.parent[1]}/Notes"
        params = {
            "fields": self._fields(fields),
            "per_page": per_page,
            "sort_by": sort_by,
            "sort_order": sort_order,
        }
        fetch = partial(self._get_page, path, "data", parse=Note.from_api, options=options)
        return Pager(fetch, params, max_items=max_records)

    async def get(
        self,
        note_id: str | int,
        *,
        fields: Sequence[str] | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> Note:
        """One note by id.

        Args:
            note_id: The note's id.
            fields: The note fields to read (Zoho's default if None).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The note.

        Raises:
            EmptyResultError: Zoho has no such note.
            InvalidArgumentError: A bad id, before any request.
        """
        nid = check_id(note_id, "note id")
        answer = await self._session.answer(
            "GET", f"Notes/{nid}", options, params={"fields": fields_param(fields)}
        )
        body = answer.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not data:
            raise empty_result(answer, "RECORD_NOT_FOUND", f"no note with id {nid}", {"id": nid})
        return Note.from_api(data[0])

    async def create(
        self, notes: Iterable[Note | Mapping[str, Any]], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Create notes (any number, 100 per call); each needs a parent unless bound.

        Args:
            notes: :class:`Note` objects or dicts (``Note_Title``, ``Note_Content``, and
                ``Parent_Id`` with the parent module, unless the manager is bound to a record).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per note, in input order (the new ids in ``results.ids``).

        Raises:
            InvalidArgumentError: A note without a parent, before any request.
        """
        version = self._session.api_version
        bodies = [note_body(n, version, self.parent) for n in notes]
        for index, body in enumerate(bodies):
            if "Parent_Id" not in body:
                raise InvalidArgumentError(
                    f"notes[{index}] has no parent: give parent_module and parent_id, or use "
                    "crm.records(module).notes(record_id)"
                )
        return await self._write_chunks("POST", "Notes", bodies, _data, options=options)

    async def add(
        self,
        content: str,
        *,
        title: str | None = None,
        parent_module: str | None = None,
        parent_id: str | int | None = None,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Create one note.

        Args:
            content: The note's text.
            title: The note's title.
            parent_module: The parent record's module (not needed when the manager is bound).
            parent_id: The parent record's id (not needed when the manager is bound).
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; ``result.id`` is the new note's id.

        Raises:
            InvalidArgumentError: No parent given and none bound, before any request.
        """
        note = Note(
            title=title,
            content=content,
            parent_module=parent_module,
            parent_id=None if parent_id is None else str(parent_id),
        )
        result = await self.create([note], **options)
        return result[0]  # type: ignore[no-any-return]

    async def update(
        self, notes: Iterable[Note | Mapping[str, Any]], **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Update notes (each with its ``id``); the parent is changed only if given.

        Args:
            notes: :class:`Note` objects or dicts, each with its ``id`` and the keys to change.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per note, in input order.

        Raises:
            InvalidArgumentError: A note without a usable ``id``, before any request.
        """
        version = self._session.api_version
        bodies = [note_body(n, version) for n in notes]
        for index, body in enumerate(bodies):
            check_id(body.get("id"), f"notes[{index}]['id']")
        return await self._write_chunks("PUT", "Notes", bodies, _data, options=options)

    async def delete(
        self, ids: Iterable[str | int] | str | int, **options: Unpack[RequestOptionsDict]
    ) -> WriteResults:
        """Delete notes by id (100 per call).

        Args:
            ids: One note id or many.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            One ``WriteResult`` per id, in input order.

        Raises:
            InvalidArgumentError: A bad id, before any request.
        """
        id_list = [check_id(i, "note id") for i in ([ids] if isinstance(ids, (str, int)) else ids)]
        return await self._delete_ids("Notes", id_list, options)


def _data(chunk: Sequence[Any]) -> dict[str, Any]:
    return {"json": {"data": list(chunk)}}
