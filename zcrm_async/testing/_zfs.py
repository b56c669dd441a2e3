"""Zoho's file store (ZFS): uploaded files, and the file-upload and image-upload fields that
hold them.

An upload answers an encrypted-looking id per file. A record write puts files into such a
field by those ids (``[{"File_Id__s": id}]``; ``file_id`` before v3); the stored value lists
each file with its name, size and an attachment ``id`` of its own, used to download it from
the record (``actions/download_fields_attachment``) or to remove it
(``{"id": ..., "_delete": null}``). A write keeps the files already there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._directory import user_ref
from ._metadata import FieldSpec
from ._store import now_iso
from ._validation import FieldError

if TYPE_CHECKING:
    from ._state import FakeState

__all__ = ["StoredFile", "Zfs", "file_field_value", "zfs"]

#: Each file of an upload is at most 20 MB, and a call uploads at most 10.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES_PER_UPLOAD = 10


@dataclass(slots=True)
class StoredFile:
    """One file of the store."""

    id: str
    name: str
    content_type: str
    content: bytes
    inline: bool
    owner: dict[str, Any]


@dataclass(slots=True)
class Zfs:
    """The files uploaded, by id."""

    files: dict[str, StoredFile] = field(default_factory=dict)

    def add(
        self, name: str, content_type: str, content: bytes, *, inline: bool, owner: dict[str, Any]
    ) -> StoredFile:
        """Store a file under a new encrypted-looking id."""
        stored = StoredFile(secrets.token_hex(24), name, content_type, content, inline, owner)
        self.files[stored.id] = stored
        return stored


def _new_zfs(state: FakeState) -> Zfs:
    return Zfs()


def zfs(state: FakeState) -> Zfs:
    """The file store of one fake (created on first use)."""
    return state.part(_new_zfs)


def file_field_value(
    state: FakeState, spec: FieldSpec, value: Any, current: Any, actor: dict[str, Any]
) -> list[dict[str, Any]]:
    """The value to store for a write of a file field: files added by id, files removed by
    their attachment id with ``_delete``, the others kept. A bad item is a
    :class:`FieldError`."""
    if not isinstance(value, list):
        raise FieldError({"expected_data_type": "jsonarray"})
    kept = [dict(entry) for entry in current or [] if isinstance(entry, dict)]
    store = zfs(state)
    for item in value:
        if not isinstance(item, dict):
            raise FieldError({"expected_data_type": "jsonobject"})
        if "_delete" in item:
            gone = str(item.get("id", ""))
            if not any(entry.get("id") == gone for entry in kept):
                raise FieldError({"id": gone})
            kept = [entry for entry in kept if entry.get("id") != gone]
            continue
        file_id = item.get("File_Id__s", item.get("file_id"))
        if file_id is None:
            if any(entry.get("id") == str(item.get("id")) for entry in kept):
                continue  # an entry already there, named by its id: kept as it is
            raise FieldError({"expected_data_type": "jsonobject"})
        stored = store.files.get(str(file_id))
        if stored is None:
            raise FieldError({"File_Id__s": str(file_id)})
        kept.append(_entry(state, spec, stored, actor))
    return kept


def _entry(
    state: FakeState, spec: FieldSpec, stored: StoredFile, actor: dict[str, Any]
) -> dict[str, Any]:
    attachment_id = state.ids()
    who = user_ref(actor, email=False)
    now = now_iso()
    entry: dict[str, Any] = {
        "File_Name__s": stored.name,
        "Size__s": str(len(stored.content)),
        "File_Id__s": stored.id,
        "id": attachment_id,
        "Created_Time__s": now,
        "Modified_Time__s": now,
        "Created_By__s": who,
        "Modified_By__s": who,
        "Owner__s": who,
    }
    if spec.data_type == "imageupload":
        entry.update({"Description__s": None, "State__s": "active", "Preview_Id__s": stored.id})
    return entry
