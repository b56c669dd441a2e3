"""The data backup (``/crm/bulk/{version}/backup``, from v3).

One backup is scheduled at a time (``BACKUP_ALREADY_SCHEDULED`` otherwise). A backup asked
for now (an empty body) runs like a bulk job: it completes on a later ``GET /backup`` (paced by
``fake.bulk.polls_to_complete``/``seconds_to_complete``; ``fake.bulk.fail_next_job(
operation="backup")`` makes it fail). A completed backup offers two ZIPs on the download host
(``/{version}/crm/{zgid}/backup/{id}/...``): ``Data_001.zip``, one CSV per module holding
records, and ``Attachments_001.zip``, the records' attachments. A recurring backup (``rrule``)
stays scheduled: the fake does not wait for its dates.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ._bulk_state import bulk_state, export_cell
from ._errors import ApiError
from ._extras import extras
from ._pagination import basic_info, page_window, take
from ._routes import ApiRoute
from ._since import require_version
from ._state import Call, FakeState, Reply
from ._store import now_iso

__all__ = ["BULK_ROUTES", "DOWNLOAD_ROUTES"]

_SINCE: Final = (3, 0)
_RRULE_PART: Final = re.compile(r"^([A-Z]+)=([A-Z0-9,+-]+)$")
_DAYS: Final = frozenset({"SU", "MO", "TU", "WE", "TH", "FR", "SA"})
_DATA_FILE: Final = "Data_001.zip"
_ATTACHMENTS_FILE: Final = "Attachments_001.zip"


@dataclass
class BackupState:
    """Every backup asked for, the history of what happened, the completed backups' files."""

    backups: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    created: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str | None] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    latest: str | None = None


def _new_backup_state(state: FakeState) -> BackupState:
    return BackupState()


def _backups(state: FakeState) -> BackupState:
    return state.part(_new_backup_state)


def _wrapped(status: int, code: str, message: str, details: dict[str, Any]) -> Reply:
    result = {"code": code, "details": details, "message": message, "status": "error"}
    return Reply(status, {"backup": result})


def _success(message: str, backup_id: str) -> Reply:
    result = {
        "code": "SUCCESS",
        "details": {"id": backup_id},
        "message": message,
        "status": "success",
    }
    return Reply(200, {"backup": result})


def _check_rrule(rrule: Any) -> str | None:
    """Why ``rrule`` is no backup recurrence (None when it is one)."""
    if not isinstance(rrule, str):
        return "not text"
    parts: dict[str, str] = {}
    for part in filter(None, rrule.upper().removeprefix("RRULE:").split(";")):
        match = _RRULE_PART.match(part)
        if match is None:
            return f"{part!r} is not KEY=VALUE"
        parts[match[1]] = match[2]
    if parts.get("FREQ") not in ("WEEKLY", "MONTHLY"):
        return "FREQ must be WEEKLY or MONTHLY"
    interval = parts.get("INTERVAL", "")
    if not interval.isdigit() or not 1 <= int(interval) <= 52:
        return "INTERVAL must be 1..52"
    if "BYDAY" not in parts and "BYMONTHDAY" not in parts:
        return "BYDAY or BYMONTHDAY is needed"
    if "BYDAY" in parts and not all(d[-2:] in _DAYS for d in parts["BYDAY"].split(",")):
        return "BYDAY takes SU, MO, TU, WE, TH, FR or SA"
    return None


def _log(state: FakeState, backup: dict[str, Any], action: str, user: dict[str, Any]) -> None:
    history = _backups(state).history
    history.append(
        {
            "id": state.ids(),
            "log_time": now_iso(),
            "action": action,
            "repeat_type": "recurring" if backup["rrule"] else "now",
            "count": len(history) + 1,
            "file_name": _DATA_FILE if action == "BACKUP_COMPLETED" else None,
            "state": backup["status"],
            "done_by": {"id": user["id"], "name": user["full_name"], "zuid": user["zuid"]},
        }
    )


def schedule(state: FakeState, call: Call) -> Reply:
    """``POST /backup``: now (no body) or on ``{"backup": {"rrule": ...}}``."""
    require_version(call, _SINCE)
    rrule = None
    if call.body:
        body = call.payload
        inner = body.get("backup") if isinstance(body, dict) else None
        if not isinstance(inner, dict):
            return _wrapped(
                400,
                "INVALID_DATA",
                "invalid data",
                {"api_name": "backup", "json_path": "$.backup"},
            )
        rrule = inner.get("rrule")
        if rrule is not None and _check_rrule(rrule) is not None:
            return _wrapped(
                400,
                "INVALID_DATA",
                "invalid data",
                {"api_name": "rrule", "json_path": "$.backup.rrule"},
            )
    store = _backups(state)
    active = [b for b in store.backups.values() if b["status"] in ("SCHEDULED", "IN_PROGRESS")]
    if active:
        return _wrapped(
            400, "BACKUP_ALREADY_SCHEDULED", "Backup is already scheduled", {"id": active[0]["id"]}
        )
    now = datetime.now(UTC).replace(microsecond=0)
    backup_id = state.ids()
    user = call.user
    backup = {
        "rrule": rrule,
        "id": backup_id,
        "start_date": now.isoformat(),
        "scheduled_date": (now if rrule is None else now + timedelta(days=7)).isoformat(),
        "status": "SCHEDULED",
        "requester": {"id": user["id"], "name": user["full_name"], "zuid": user["zuid"]},
    }
    store.backups[backup_id] = backup
    store.polls[backup_id] = 0
    store.created[backup_id] = state.now()
    store.failures[backup_id] = bulk_state(state).take_failure("backup")
    _log(state, backup, "BACKUP_SCHEDULED", user)
    return _success("Backup scheduled successfully", backup_id)


def _advance(state: FakeState, backup: dict[str, Any], user: dict[str, Any]) -> None:
    """One poll of a backup asked for now: in progress, then completed (or failed)."""
    store = _backups(state)
    if backup["rrule"] is not None or backup["status"] not in ("SCHEDULED", "IN_PROGRESS"):
        return
    backup_id = backup["id"]
    store.polls[backup_id] += 1
    if not bulk_state(state).finished(store.polls[backup_id], store.created[backup_id]):
        backup["status"] = "IN_PROGRESS"
        return
    if store.failures[backup_id] is not None:
        backup["status"] = "FAILED"
        _log(state, backup, "BACKUP_FAILED", user)
        return
    store.files[(backup_id, _DATA_FILE)] = _data_zip(state)
    store.files[(backup_id, _ATTACHMENTS_FILE)] = _attachments_zip(state)
    backup["status"] = "COMPLETED"
    store.latest = backup_id
    _log(state, backup, "BACKUP_COMPLETED", user)


def details(state: FakeState, call: Call) -> Reply:
    """``GET /backup``: the backup scheduled (or the last one); 204 when none ever was."""
    require_version(call, _SINCE)
    store = _backups(state)
    if not store.backups:
        return Reply(204)
    backup = list(store.backups.values())[-1]
    _advance(state, backup, call.user)
    return Reply(200, {"backup": backup})


def urls(state: FakeState, call: Call) -> Reply:
    """``GET /backup/urls``: the latest completed backup's links (204 when there is none)."""
    require_version(call, _SINCE)
    store = _backups(state)
    if store.latest is None:
        return Reply(204)
    base = f"{state.oauth.api_domain}/v2/crm/{state.directory.org['zgid']}/backup/{store.latest}"
    expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    return Reply(
        200,
        {
            "urls": {
                "data_links": [f"{base}/{_DATA_FILE}"],
                "attachment_links": [f"{base}/{_ATTACHMENTS_FILE}"],
                "expiry_date": expiry.isoformat(),
            }
        },
    )


def history(state: FakeState, call: Call) -> Reply:
    """``GET /backup/history``: newest first, paged by ``page``/``per_page``."""
    require_version(call, _SINCE)
    entries = list(reversed(_backups(state).history))
    window = page_window(call.query, state.limits)
    items, more = take(entries, window)
    if not items:
        return Reply(204)
    return Reply(200, {"history": items, "info": basic_info(window, len(items), more)})


def cancel(state: FakeState, call: Call) -> Reply:
    """``PUT /backup/{id}/actions/cancel``: a scheduled backup only."""
    require_version(call, _SINCE)
    backup = _backups(state).backups.get(call.path["id"])
    if backup is None or backup["status"] in ("COMPLETED", "FAILED"):
        raise ApiError(400, "RESOURCE_NOT_FOUND", "the requested resource is not found")
    if backup["status"] == "CANCELLED":
        return _wrapped(
            400, "ALREADY_CANCELLED", "Backup is already cancelled", {"id": backup["id"]}
        )
    if backup["status"] == "IN_PROGRESS":
        return _wrapped(400, "INPROGRESS", "The backup is in progress", {"id": backup["id"]})
    backup["status"] = "CANCELLED"
    _log(state, backup, "BACKUP_CANCELLED", call.user)
    return _success("Backup cancelled successfully", backup["id"])


def download(state: FakeState, call: Call) -> Reply:
    """``GET {download host}/{version}/crm/{zgid}/backup/{id}/{file}``: a ZIP."""
    content = _backups(state).files.get((call.path["job_id"], call.path["file"]))
    if content is None or call.path["zgid"] != str(state.directory.org["zgid"]):
        raise ApiError(
            404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"
        )
    return Reply(
        200,
        content,
        {
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{call.path["file"]}"',
        },
    )


def _data_zip(state: FakeState) -> bytes:
    """One CSV per module that holds records: ``id`` then every field."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for module, store in state.modules.items():
            if not store.records:
                continue
            names = [f.api_name for f in store.spec.fields]
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(["id", *names])
            for record in store.records.values():
                writer.writerow([record["id"], *(export_cell(record, n) for n in names)])
            archive.writestr(f"{module}_001.csv", text.getvalue())
    return buffer.getvalue()


def _attachments_zip(state: FakeState) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for attachment_id, attachment in extras(state).attachments.items():
            content = attachment.get("content")
            if content is not None:
                name = attachment.get("meta", {}).get("File_Name") or "file"
                archive.writestr(f"{attachment_id}_{name}", content)
    return buffer.getvalue()


_SCOPE: Final = "ZohoCRM.bulk"

#: Under ``/crm/bulk/{version}``.
BULK_ROUTES: Final = (
    ApiRoute("/backup", {"POST": schedule, "GET": details}, _SCOPE),
    ApiRoute("/backup/urls", {"GET": urls}, _SCOPE),
    ApiRoute("/backup/history", {"GET": history}, _SCOPE),
    ApiRoute("/backup/{id}/actions/cancel", {"PUT": cancel}, _SCOPE),
)
#: Under ``/{version}/crm`` on the download host.
DOWNLOAD_ROUTES: Final = (
    ApiRoute("/{zgid}/backup/{job_id}/{file}", {"GET": download}, "ZohoFiles.files"),
)
