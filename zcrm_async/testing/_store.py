"""One module's records: per-record insert/update/delete with Zoho's per-record answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ._directory import user_ref
from ._metadata import FieldSpec, ModuleSpec
from ._order import RecordOrder
from ._validation import (
    FILE_TYPES,
    FieldError,
    FileResolver,
    LookupResolver,
    OwnerResolver,
    coerce_value,
    is_blank,
)

__all__ = ["ModuleStore", "RecordError", "WriteContext", "now_iso", "success"]


_last_iso: tuple[int, str] = (0, "")


def now_iso() -> str:
    """Now as Zoho writes datetimes: ISO-8601 with an offset, whole seconds."""
    global _last_iso
    second = int(time.time())
    if _last_iso[0] != second:  # formatting is the costly part of a bulk insert: once a second
        _last_iso = (second, datetime.fromtimestamp(second, UTC).isoformat())
    return _last_iso[1]


def success(message: str, details: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A per-record ``SUCCESS`` entry."""
    return {"code": "SUCCESS", "details": details, "message": message, "status": "success", **extra}


class RecordError(Exception):
    """A per-record failure; ``entry`` is its place in the answer's ``data`` array."""

    def __init__(self, code: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(code)
        self.entry = {"code": code, "details": details, "message": message, "status": "error"}


def _field_problem(
    code: str, message: str, api_name: str, index: int, **details: Any
) -> RecordError:
    where = {"api_name": api_name, "json_path": f"$.data[{index}].{api_name}"}
    return RecordError(code, message, {**details, **where})


@dataclass(frozen=True, slots=True)
class WriteContext:
    """Who writes, and how references to users, other records and new ids are resolved."""

    actor: dict[str, Any]
    owner: OwnerResolver
    lookup: LookupResolver
    new_id: Callable[[], str]
    #: Resolves the value of a file-upload or image-upload field (None: kept as sent).
    files: FileResolver | None = None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return bool(a == b)


class ModuleStore:
    """The live and deleted records of one module."""

    def __init__(self, spec: ModuleSpec) -> None:
        self.spec = spec
        self.records: dict[str, dict[str, Any]] = {}
        self.deleted: list[dict[str, Any]] = []
        self.unique_fields: tuple[str, ...] = ()
        #: field -> value key -> ids, built on first ``find`` of that field and kept up to date
        #: by insert/update/delete (the only ways records change). The ids are dict keys, not a
        #: set: a dict of strings is not tracked by the garbage collector, so a large store
        #: does not slow down every full collection.
        self._index: dict[str, dict[Any, dict[str, None]]] = {}
        #: record id -> its updates, oldest first: (time, who, {field: (old, new)}).
        self.history: dict[str, list[tuple[str, dict[str, Any], dict[str, tuple[Any, Any]]]]] = {}
        #: The sort orders of listings (by id always; by a field from its first listing on).
        self._orders: dict[str | None, RecordOrder] = {None: RecordOrder(None, ())}
        self._mandatory = tuple(f.api_name for f in spec.fields if f.system_mandatory)
        #: Ids of converted leads (lists leave them out unless asked with ``converted``).
        self.converted: set[str] = set()
        #: Locked record ids -> their lock's id: updating or deleting them fails RECORD_LOCKED.
        self.locks: dict[str, str] = {}
        #: While not None, each successful write appends ``(operation, id, changed fields)``
        #: (``insert``, ``update``, ``delete``): what notifications report.
        self.changes: list[tuple[str, str, tuple[str, ...]]] | None = None

    def add_field(self, field: FieldSpec) -> None:
        """Add a (custom) field to the module; an external field's values are unique."""
        if field.api_name in self.spec.by_name:
            raise ValueError(f"{self.spec.api_name} already has a field {field.api_name!r}")
        self.spec = replace(self.spec, fields=(*self.spec.fields, field))
        if field.external:
            self.unique_fields = (*self.unique_fields, field.api_name)

    # -- reading ---------------------------------------------------------------------------------

    def view(self, record: dict[str, Any], fields: Iterable[str] | None = None) -> dict[str, Any]:
        """A record as the API returns it: always ``id``; missing fields are null.

        A whole record also carries its ``Tag`` list (empty when untagged), as Zoho's do; with
        ``fields`` only when asked for.
        """
        if fields is None:
            view = {
                "id": record["id"],
                **{f.api_name: record.get(f.api_name) for f in self.spec.fields},
            }
            view["Tag"] = record.get("Tag") or []
            return view
        return {
            "id": record["id"],
            **{
                n: (record.get(n) or []) if n == "Tag" else record.get(n)
                for n in fields
                if n != "id"
            },
        }

    def page(
        self, sort_by: str | None, offset: int, count: int, *, descending: bool
    ) -> list[dict[str, Any]]:
        """Records ``offset .. offset + count`` sorted by ``sort_by`` (None: id), ties by id."""
        order = self._orders.get(sort_by)
        if order is None:
            order = self._orders[sort_by] = RecordOrder(sort_by, self.records.values())
        records = self.records
        return [records[i] for i in order.window(offset, count, descending=descending)]

    def find(
        self, api_name: str, value: Any, *, exclude: str | None = None
    ) -> dict[str, Any] | None:
        """The first record whose field equals ``value`` (text compared case-insensitively)."""
        key = _key(value)
        if key is _UNHASHABLE:
            candidates: Iterable[dict[str, Any]] = self.records.values()
        else:
            ids = self._field_index(api_name).get(key)
            if not ids:
                return None
            candidates = sorted(
                (self.records[i] for i in ids if i in self.records), key=lambda r: int(r["id"])
            )
        for record in candidates:
            if record["id"] != exclude and _same(record.get(api_name), value):
                return record
        return None

    def _field_index(self, api_name: str) -> dict[Any, dict[str, None]]:
        index = self._index.get(api_name)
        if index is None:
            index = self._index[api_name] = {}
            for record in self.records.values():
                self._index_add(record, api_name)
        return index

    def _index_add(self, record: dict[str, Any], api_name: str) -> None:
        key = _key(record.get(api_name))
        if key is not _UNHASHABLE:
            self._index[api_name].setdefault(key, {})[record["id"]] = None

    def _index_remove(self, record: dict[str, Any]) -> None:
        for api_name, index in self._index.items():
            key = _key(record.get(api_name))
            ids = None if key is _UNHASHABLE else index.get(key)
            if ids is not None:
                ids.pop(record["id"], None)

    # -- writing ---------------------------------------------------------------------------------

    def insert(self, item: Any, index: int, ctx: WriteContext) -> dict[str, Any]:
        """Insert one item of ``data``: a SUCCESS entry, or raise :class:`RecordError`."""
        changes = self._validate(item, index, ctx, existing=None)
        now = now_iso()
        record: dict[str, Any] = {
            "id": ctx.new_id(),
            "Owner": user_ref(ctx.actor),
            "Created_By": user_ref(ctx.actor),
            "Created_Time": now,
        }
        self._apply(record, changes, ctx, now, stored=False)
        self.records[record["id"]] = record
        for order in self._orders.values():
            order.add(record)
        if self.changes is not None:
            self.changes.append(("insert", record["id"], tuple(changes)))
        return success("record added", self._write_details(record))

    def update(self, record_id: str, item: Any, index: int, ctx: WriteContext) -> dict[str, Any]:
        """Update one record ; unknown ids are INVALID_DATA "the id given seems to be invalid"."""
        record = self.records.get(record_id)
        if record is None:
            raise RecordError("INVALID_DATA", "the id given seems to be invalid", {"id": record_id})
        self._check_unlocked(record_id, "edit")
        changes = self._validate(item, index, ctx, existing=record)
        self._apply(record, changes, ctx, now_iso())
        if self.changes is not None:
            self.changes.append(("update", record_id, tuple(changes)))
        return success("record updated", self._write_details(record))

    def _check_unlocked(self, record_id: str, action: str) -> None:
        if record_id in self.locks:
            raise RecordError(
                "RECORD_LOCKED",
                "no permission to perform an action on this record",
                {"id": record_id, "action": action},
            )

    def delete(self, record_id: str, actor: dict[str, Any]) -> dict[str, Any]:
        """Move a record to the recycle bin."""
        if record_id in self.records:
            self._check_unlocked(record_id, "delete")
        record = self.records.pop(record_id, None)
        if record is None:
            raise RecordError("INVALID_DATA", "record not deleted", {"id": record_id})
        if self.changes is not None:
            self.changes.append(("delete", record_id, ()))
        self._index_remove(record)
        for order in self._orders.values():
            order.remove(record)
        created_by = record.get("Created_By") or {}
        self.deleted.append(
            {
                "deleted_by": user_ref(actor, email=False),
                "id": record_id,
                "display_name": self.spec.display_name(record),
                "type": "recycle",
                "created_by": {"name": created_by.get("name"), "id": created_by.get("id")},
                "deleted_time": now_iso(),
                "record": record,
            }
        )
        return success("record deleted", {"id": record_id})

    def restore(self, record_id: str) -> dict[str, Any] | None:
        """Bring a record back from the recycle bin; None if it is not there."""
        for at, entry in enumerate(self.deleted):
            if entry["id"] == record_id and entry["type"] == "recycle":
                record: dict[str, Any] = entry["record"]
                del self.deleted[at]
                self.records[record_id] = record
                for api_name in self._index:
                    self._index_add(record, api_name)
                for order in self._orders.values():
                    order.add(record)
                return record
        return None

    def purge(self, record_id: str) -> bool:
        """Delete a record in the recycle bin for good: it is then listed as ``permanent``."""
        for entry in self.deleted:
            if entry["id"] == record_id and entry["type"] == "recycle":
                entry["type"] = "permanent"
                entry.pop("record", None)
                return True
        return False

    def _write_details(self, record: dict[str, Any]) -> dict[str, Any]:
        return {
            "Modified_Time": record["Modified_Time"],
            "Modified_By": _without_email(record["Modified_By"]),
            "Created_Time": record["Created_Time"],
            "id": record["id"],
            "Created_By": _without_email(record["Created_By"]),
            "$approval_state": "approved",
        }

    def _apply(
        self,
        record: dict[str, Any],
        changes: dict[str, Any],
        ctx: WriteContext,
        now: str,
        *,
        stored: bool = True,
    ) -> None:
        # A new record is in no index or order yet; a stored one leaves the orders by a field
        # (an update moves it there) but keeps its place by id.
        moving = [o for f, o in self._orders.items() if f is not None] if stored else []
        if stored:
            self._index_remove(record)
            for order in moving:
                order.remove(record)
            diffs = {k: (record.get(k), v) for k, v in changes.items() if record.get(k) != v}
            if diffs:
                entry = (now, user_ref(ctx.actor, email=False), diffs)
                self.history.setdefault(record["id"], []).append(entry)
        record.update(changes)
        for api_name in self._index:
            self._index_add(record, api_name)
        record["Modified_By"] = user_ref(ctx.actor)
        record["Modified_Time"] = now
        if "Full_Name" in self.spec.by_name:
            record["Full_Name"] = self.spec.display_name(record)
        for order in moving:
            order.add(record)

    # -- validation ------------------------------------------------------------------------------

    def _validate(
        self, item: Any, index: int, ctx: WriteContext, existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise RecordError(
                "INVALID_DATA",
                "invalid data",
                {"expected_data_type": "jsonobject", "json_path": f"$.data[{index}]"},
            )
        changes: dict[str, Any] = {}
        for api_name, value in item.items():
            converted = self._convert(api_name, value, index, ctx, existing)
            if converted is not _SKIP:
                changes[api_name] = converted
        if existing is None:
            for api_name in self._mandatory:
                if is_blank(changes.get(api_name)):
                    raise _field_problem(
                        "MANDATORY_NOT_FOUND", "required field not found", api_name, index
                    )
        self._check_unique(changes, index, existing)
        return changes

    def _convert(
        self,
        api_name: str,
        value: Any,
        index: int,
        ctx: WriteContext,
        existing: dict[str, Any] | None = None,
    ) -> Any:
        if api_name == "id" or api_name.startswith("$"):
            return _SKIP
        field = self.spec.by_name.get(api_name)
        if field is None:
            # Real Zoho ignores unknown keys; the fake reports them so typos surface in tests.
            raise _field_problem("INVALID_DATA", "invalid data", api_name, index)
        if field.read_only:  # Created_Time etc. are silently ignored, as Zoho does
            return _SKIP
        if is_blank(value):
            if field.system_mandatory:
                raise _field_problem(
                    "MANDATORY_NOT_FOUND", "required field not found", api_name, index
                )
            return None
        try:
            if field.data_type in FILE_TYPES and ctx.files is not None:
                return ctx.files(field, value, existing.get(api_name) if existing else None)
            return coerce_value(field, value, ctx.owner, ctx.lookup)
        except FieldError as error:
            raise _field_problem(
                "INVALID_DATA", "invalid data", api_name, index, **error.details
            ) from None

    def _check_unique(
        self, changes: dict[str, Any], index: int, existing: dict[str, Any] | None
    ) -> None:
        exclude = existing["id"] if existing else None
        for api_name in self.unique_fields:
            value = changes.get(api_name)
            if is_blank(value):
                continue
            duplicate = self.find(api_name, value, exclude=exclude)
            if duplicate is not None:
                raise _field_problem(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    api_name,
                    index,
                    duplicate_record={
                        "Owner": duplicate.get("Owner"),
                        "module": {"api_name": self.spec.api_name},
                        "id": duplicate["id"],
                    },
                    more_records=False,
                )


_SKIP: Any = object()
_UNHASHABLE: Any = object()


def _key(value: Any) -> Any:
    """How ``find`` indexes a value: text case-folded (as :func:`_same` compares it)."""
    if isinstance(value, str):
        return value.casefold()
    try:
        hash(value)
    except TypeError:
        return _UNHASHABLE
    return value


def _without_email(ref: dict[str, Any]) -> dict[str, Any]:
    return {"name": ref.get("name"), "id": ref.get("id")}
