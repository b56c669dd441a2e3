"""The file store (``/files``) and downloads of a record's file-upload and image-upload fields.

An upload takes up to 10 ``file`` parts of at most 20 MB each and answers per file: its id, or
that file's error (a file carrying the EICAR antivirus test string is ``VIRUS_DETECTED``).
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from ._bodies import batch_reply
from ._errors import ApiError, required_param
from ._extras import Upload, form_parts, record_or_400
from ._routes import ApiRoute
from ._since import require_version
from ._state import Call, FakeState, Reply
from ._validation import FILE_TYPES
from ._zfs import MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD, StoredFile, zfs

__all__ = ["ROUTES"]

#: The test string every antivirus detects (a harmless stand-in for a virus).
EICAR: Final = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"
_FILES_SCOPE: Final = "ZohoCRM.Files"
_MODULES_SCOPE: Final = "ZohoCRM.modules"


def _file_entry(state: FakeState, call: Call, upload: Upload, inline: bool) -> dict[str, Any]:
    details: dict[str, Any] = {"name": upload.filename}
    if len(upload.content) > MAX_FILE_BYTES:
        return _file_error(
            "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "file size should not exceed 20 MB",
            {**details, "limit": MAX_FILE_BYTES},
        )
    if EICAR in upload.content:
        return _file_error(
            "VIRUS_DETECTED", "Unable to process your request. Virus has been detected.", details
        )
    stored = zfs(state).add(
        upload.filename, upload.content_type, upload.content, inline=inline, owner=call.user
    )
    return {
        "code": "SUCCESS",
        "details": {"name": stored.name, "id": stored.id},
        "message": f"{stored.name} uploaded Succeessfully",
        "status": "success",
    }


def _file_error(code: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    return {"code": code, "details": details, "message": message, "status": "error"}


def upload(state: FakeState, call: Call) -> Reply:
    """``POST /files``: up to 10 ``file`` parts; ``type=inline`` for inline images."""
    kind = call.query.get("type")
    if kind not in (None, "inline"):
        raise ApiError(400, "INVALID_DATA", "invalid data", {"param_name": "type"})
    files = [v for name, v in form_parts(call) if name == "file" and isinstance(v, Upload)]
    if not files:
        raise ApiError(400, "INVALID_DATA", "no file was given", {"api_name": "file"})
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise ApiError(
            400,
            "INVALID_DATA",
            f"at most {MAX_FILES_PER_UPLOAD} files can be uploaded per call",
            {"api_name": "file", "limit": MAX_FILES_PER_UPLOAD},
        )
    entries = [_file_entry(state, call, upload, kind == "inline") for upload in files]
    return batch_reply(entries, 200)


def _file_reply(stored: StoredFile) -> Reply:
    return Reply(
        200,
        stored.content,
        {
            "Content-Type": stored.content_type or "application/octet-stream",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.name)}",
        },
    )


def download(state: FakeState, call: Call) -> Reply:
    """``GET /files?id=``: the file's bytes."""
    file_id = call.query.get("id")
    if not file_id:
        raise required_param("id")
    stored = zfs(state).files.get(file_id)
    if stored is None:
        raise ApiError(
            400, "INVALID_DATA", "the file id given seems to be invalid", {"id": file_id}
        )
    return _file_reply(stored)


def download_field_attachment(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{id}/actions/download_fields_attachment?fields_attachment_id=``."""
    require_version(call, (2, 1))
    module, record_id = call.path["module"], call.path["id"]
    record = record_or_400(state, module, record_id)
    wanted = call.query.get("fields_attachment_id")
    if not wanted:
        raise required_param("fields_attachment_id")
    spec = state.module(module).spec
    for field in spec.fields:
        if field.data_type not in FILE_TYPES:
            continue
        for entry in record.get(field.api_name) or []:
            if isinstance(entry, dict) and entry.get("id") == wanted:
                stored = zfs(state).files.get(str(entry.get("File_Id__s")))
                if stored is not None:
                    return _file_reply(stored)
    raise ApiError(
        400,
        "INVALID_DATA",
        "the id given seems to be invalid",
        {"param_name": "fields_attachment_id", "id": wanted},
    )


#: Before the generic ``/{module}`` and ``/{module}/{id}`` routes.
ROUTES: Final = (
    ApiRoute("/files", {"POST": upload, "GET": download}, _FILES_SCOPE),
    ApiRoute(
        "/{module}/{id}/actions/download_fields_attachment",
        {"GET": download_field_attachment},
        _MODULES_SCOPE,
    ),
)
