"""History: a record's timeline (from v5) and exports of the org's audit log (from v7).

Both are built from what the fake records of every write: a record's creation (its
``Created_Time``/``Created_By``), each update with the fields it changed (old and new
values), and deletions (of a record purged from the recycle bin, only its deletion stays).
An audit log export is a job like Bulk Read's: ``Scheduled``, then ``Progress`` while polled,
then ``Finished`` (paced by ``fake.bulk.polls_to_complete`` and ``seconds_to_complete``;
``fake.bulk.fail_next_job(operation="audit_log_export")`` makes it ``Failed``). Its file, a
CSV, is served on the download host's path
``/{version}/crm/{zgid}/auditlog/{job id}/AuditLog_001.csv``; its columns are the fake's own
choice, as Zoho does not document them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from ._bulk_state import bulk_state
from ._directory import user_ref
from ._errors import ApiError, invalid_param
from ._extras import record_or_400
from ._pagination import int_param
from ._routes import ApiRoute
from ._since import require_version
from ._state import Call, FakeState, Reply
from ._store import ModuleStore, now_iso

__all__ = ["DOWNLOAD_ROUTES", "ROUTES"]

_TIMELINE_SINCE: Final = (5, 0)
_AUDIT_SINCE: Final = (7, 0)
_INNER_DETAILS: Final = frozenset(
    {
        "field_history.data_type",
        "field_history.enable_colour_code",
        "field_history.field_label",
        "field_history.pick_list_values",
    }
)
_AUDIT_FILE: Final = "AuditLog_001.csv"
_AUDIT_COLUMNS: Final = (
    "Audited_Time",
    "User_Name",
    "User_Id",
    "Action",
    "Module",
    "Record_Id",
    "Record_Name",
    "Source",
)


def _text(value: Any) -> str | None:
    """A field value as a timeline shows it: text (a lookup by its name)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return None if value.get("name") is None else str(value["name"])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(_text(v)) for v in value)
    return str(value)


def _record_ref(state: FakeState, module: str, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": state.modules[module].spec.display_name(record),
        "id": record["id"],
        "module": {"api_name": module, "id": state.module_ids[module]},
    }


def _events(
    state: FakeState, module: str, store: ModuleStore, record: dict[str, Any], details: set[str]
) -> list[dict[str, Any]]:
    """The record's timeline, oldest first."""
    ref = _record_ref(state, module, record)
    base = int(record["id"]) + 10**18
    created_by = record.get("Created_By") or {}
    events = [
        _event(
            base,
            "added",
            str(record.get("Created_Time")),
            {"name": created_by.get("name"), "id": created_by.get("id")},
            ref,
            None,
        )
    ]
    for number, (when, who, diffs) in enumerate(store.history.get(record["id"], []), 1):
        history = []
        for api_name, (old, new) in diffs.items():
            change: dict[str, Any] = {
                "api_name": api_name,
                "_value": {"old": _text(old), "new": _text(new)},
            }
            spec = store.spec.by_name.get(api_name)
            if "field_history.field_label" in details:
                change["field_label"] = api_name.replace("_", " ")
            if "field_history.data_type" in details and spec is not None:
                change["data_type"] = spec.data_type
            history.append(change)
        events.append(_event(base + number, "updated", when, who, ref, history))
    return events


def _event(
    number: int,
    action: str,
    when: str,
    who: dict[str, Any],
    record: dict[str, Any],
    history: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    return {
        "audited_time": when,
        "action": action,
        "id": str(number),
        "source": "crm_api",
        "extension": None,
        "type": None,
        "done_by": who,
        "related_record": None,
        "automation_details": None,
        "record": record,
        "field_history": history,
    }


def _filter(raw: str | None) -> tuple[str, set[str]] | None:
    """``(key, accepted values)`` of ``filters`` (``equal``/``in`` on ``action``/``source``)."""
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
        key = parsed["field"]["api_name"]
        comparator, value = parsed["comparator"], parsed["value"]
    except (ValueError, TypeError, KeyError):
        raise invalid_param("filters") from None
    if key not in ("action", "source") or comparator not in ("equal", "in"):
        raise invalid_param("filters")
    values = value if comparator == "in" and isinstance(value, list) else [value]
    return key, {str(v) for v in values}


def _new_page_sizes(state: FakeState) -> dict[str, int]:
    return {}


def _page_sizes(state: FakeState) -> dict[str, int]:
    """The page size each timeline page token continues with."""
    return state.part(_new_page_sizes)


def timeline(state: FakeState, call: Call) -> Reply:
    """``GET /{module}/{record_id}/__timeline``: ``per_page`` on the first page only, then
    ``page_token``; newest first unless ``sort_order=asc``."""
    require_version(call, _TIMELINE_SINCE)
    module, record_id = call.path["module"], call.path["record_id"]
    record = record_or_400(state, module, record_id)
    query = call.query
    details = set(filter(None, query.get("include_inner_details", "").split(",")))
    if details - _INNER_DETAILS:
        raise invalid_param("include_inner_details")
    if query.get("include") not in (None, "extension", "type"):
        raise invalid_param("include")
    if query.get("sort_by") not in (None, "audited_time"):
        raise invalid_param("sort_by")
    order = query.get("sort_order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_param("sort_order")
    wanted = _filter(query.get("filters"))
    events = _events(state, module, state.modules[module], record, details)
    if wanted is not None:
        events = [e for e in events if str(e[wanted[0]]) in wanted[1]]
    events.sort(key=lambda e: (e["audited_time"], e["id"]), reverse=order == "desc")
    binding = (call.user["id"], module, record_id, order, query.get("filters"))
    token = query.get("page_token")
    if token is not None:
        if "per_page" in query:
            raise invalid_param("per_page")  # Zoho: per_page belongs to the first page only
        offset = state.page_tokens.resolve(token, binding)
        per_page = _page_sizes(state).get(token, state.limits.max_per_page)
        page = None
    else:
        per_page = min(int_param(query, "per_page", state.limits.max_per_page), 200)
        page = max(1, int_param(query, "page", 1, minimum=0))
        offset = (page - 1) * per_page
    items = events[offset : offset + per_page]
    more = offset + per_page < len(events)
    info: dict[str, Any] = {
        "per_page": per_page,
        "count": len(items),
        "more_records": more,
        "next_page_token": None,
        "previous_page_token": None,
    }
    if page is not None:
        info["page"] = page
    if more:
        following, _ = state.page_tokens.issue(binding, offset + per_page)
        _page_sizes(state)[following] = per_page  # a token's pages are as long as the first
        info["next_page_token"] = following
    if not items:
        return Reply(204)
    return Reply(200, {"__timeline": items, "info": info})


# -- audit log export ------------------------------------------------------------------------------


@dataclass
class AuditJob:
    """One export job."""

    id: str
    criteria: dict[str, Any]
    creator: dict[str, Any]
    created_at: float
    fail_reason: str | None
    status: str = "Scheduled"
    polls: int = 0
    start: str | None = None
    end: str | None = None
    content: bytes | None = None

    def details(self, base_url: str, zgid: str) -> dict[str, Any]:
        """The job as ``GET /settings/audit_log_export`` shows it."""
        finished = self.status == "Finished"
        expiry = None
        if finished and self.end is not None:
            expiry = (datetime.fromisoformat(self.end) + timedelta(days=7)).isoformat()
        return {
            "id": self.id,
            "status": self.status,
            "criteria": self.criteria,
            "created_by": user_ref(self.creator, email=False),
            "download_links": [f"{base_url}/v2/crm/{zgid}/auditlog/{self.id}/{_AUDIT_FILE}"]
            if finished
            else None,
            "job_start_time": self.start,
            "job_end_time": self.end,
            "expiry_date": expiry,
        }


@dataclass
class AuditState:
    """Every export job, newest last."""

    jobs: dict[str, AuditJob] = field(default_factory=dict)


def _new_audit_state(state: FakeState) -> AuditState:
    return AuditState()


def _audit(state: FakeState) -> AuditState:
    return state.part(_new_audit_state)


def _audit_error(code: str, message: str, key: str, **details: Any) -> ApiError:
    error = ApiError(400, code, message, {**details, "api_name": key.rsplit(".", 1)[-1]})
    error.details["json_path"] = f"$.audit_log_export[0].{key}"
    return error


def _audit_wrapped(error: ApiError) -> Reply:
    return Reply(error.status, {"audit_log_export": [error.envelope()]})


_AUDIT_FIELDS: Final = {
    "audited_time": ("between", "equal", "greater_than", "less_than"),
    "action": ("equal", "in"),
    "done_by": ("equal", "in"),
    "module": ("equal", "in"),
}


def _check_criteria(node: Any, where: str) -> None:
    if not isinstance(node, dict):
        raise _audit_error("INVALID_DATA", "invalid data", where, expected_data_type="jsonobject")
    if "group" in node:
        group = node.get("group")
        if node.get("group_operator") not in ("and", "or") or not isinstance(group, list):
            raise _audit_error("INVALID_DATA", "invalid data", f"{where}.group_operator")
        for index, child in enumerate(group):
            _check_criteria(child, f"{where}.group[{index}]")
        return
    given = node.get("field")
    field_name = given.get("api_name") if isinstance(given, dict) else None
    if field_name not in _AUDIT_FIELDS:
        raise _audit_error("INVALID_DATA", "the field is not supported", f"{where}.field")
    if node.get("comparator") not in _AUDIT_FIELDS[field_name]:
        raise _audit_error("INVALID_DATA", "the comparator is not supported", f"{where}.comparator")
    if field_name == "audited_time":
        raw = node.get("value")
        values: list[Any] = raw if isinstance(raw, list) else [raw]
        for value in values:
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                raise _audit_error("INVALID_DATA", "invalid data", f"{where}.value") from None
            if moment.tzinfo is None:
                raise _audit_error("INVALID_DATA", "invalid data", f"{where}.value")


def _matches(node: dict[str, Any], entry: dict[str, Any]) -> bool:
    if "group" in node:
        results = (_matches(child, entry) for child in node["group"])
        return all(results) if node["group_operator"] == "and" else any(results)
    key, comparator, value = node["field"]["api_name"], node["comparator"], node["value"]
    if key == "audited_time":
        moment = datetime.fromisoformat(entry["audited_time"])
        bounds = [
            datetime.fromisoformat(str(v)) for v in (value if isinstance(value, list) else [value])
        ]
        if comparator == "between":
            return bounds[0] <= moment <= bounds[-1]
        if comparator == "greater_than":
            return moment > bounds[0]
        if comparator == "less_than":
            return moment < bounds[0]
        return moment == bounds[0]
    values = value if isinstance(value, list) else [value]
    return str(entry[key]) in {str(v) for v in values}


def _audit_entries(state: FakeState) -> list[dict[str, Any]]:
    """Every audited action of the org, oldest first: a deleted record's history stays, and
    a record purged from the recycle bin keeps its deletion."""
    entries = []
    for module, store in state.modules.items():
        for record in store.records.values():
            entries += _record_entries(state, module, store, record)
        for gone in store.deleted:
            if gone.get("record") is not None:  # a record purged for good has no history left
                entries += _record_entries(state, module, store, gone["record"])
            entries.append(
                _audit_entry(
                    gone["deleted_time"],
                    gone.get("deleted_by"),
                    "deleted",
                    module,
                    gone["id"],
                    gone.get("display_name") or "",
                )
            )
    entries.sort(key=lambda e: e["audited_time"])
    return entries


def _record_entries(
    state: FakeState, module: str, store: ModuleStore, record: dict[str, Any]
) -> list[dict[str, Any]]:
    name = store.spec.display_name(record)
    return [
        _audit_entry(
            event["audited_time"], event["done_by"], event["action"], module, record["id"], name
        )
        for event in _events(state, module, store, record, set())
    ]


def _audit_entry(
    when: str, who: dict[str, Any] | None, action: str, module: str, record_id: str, name: str
) -> dict[str, Any]:
    return {
        "audited_time": when,
        "user_name": (who or {}).get("name"),
        "done_by": (who or {}).get("id"),
        "action": action,
        "module": module,
        "record_id": record_id,
        "record_name": name,
    }


def _export_csv(state: FakeState, criteria: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_AUDIT_COLUMNS)
    for entry in _audit_entries(state):
        if _matches(criteria, entry):
            writer.writerow(
                [
                    entry["audited_time"],
                    entry["user_name"] or "",
                    entry["done_by"] or "",
                    entry["action"],
                    entry["module"],
                    entry["record_id"],
                    entry["record_name"] or "",
                    "crm_api",
                ]
            )
    return out.getvalue().encode("utf-8")


def audit_export_create(state: FakeState, call: Call) -> Reply:
    """``POST /settings/audit_log_export``: one job, with its ``criteria``."""
    require_version(call, _AUDIT_SINCE)
    body = call.payload
    items = body.get("audit_log_export") if isinstance(body, dict) else None
    try:
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
            raise ApiError(
                400,
                "INVALID_DATA",
                "invalid data",
                {"api_name": "audit_log_export", "expected_data_type": "jsonarray"},
            )
        criteria = items[0].get("criteria")
        if criteria is None:
            raise _audit_error("MANDATORY_NOT_FOUND", "required field not found", "criteria")
        _check_criteria(criteria, "criteria")
    except ApiError as error:
        return _audit_wrapped(error)
    bulk = bulk_state(state)
    job = AuditJob(
        state.ids(), criteria, call.user, state.now(), bulk.take_failure("audit_log_export")
    )
    _audit(state).jobs[job.id] = job
    return Reply(
        200,
        {
            "audit_log_export": [
                {
                    "code": "SCHEDULED",
                    "details": {"id": job.id},
                    "message": "Audit log export scheduled successfully",
                    "status": "success",
                }
            ]
        },
    )


def _base(state: FakeState) -> tuple[str, str]:
    return state.oauth.api_domain, str(state.directory.org["zgid"])


def audit_exports(state: FakeState, call: Call) -> Reply:
    """``GET /settings/audit_log_export``: every job, newest first."""
    require_version(call, _AUDIT_SINCE)
    jobs = list(reversed(_audit(state).jobs.values()))
    if not jobs:
        raise ApiError(400, "NO_CONTENT", "No audit log has been scheduled")
    base, zgid = _base(state)
    return Reply(200, {"audit_log_export": [job.details(base, zgid) for job in jobs]})


def audit_export_get(state: FakeState, call: Call) -> Reply:
    """``GET /settings/audit_log_export/{id}``: advances the job one poll (204: no such job)."""
    require_version(call, _AUDIT_SINCE)
    job = _audit(state).jobs.get(call.path["id"])
    if job is None:
        return Reply(204)
    if job.status in ("Scheduled", "Progress"):
        job.polls += 1
        job.start = job.start or now_iso()
        bulk = bulk_state(state)
        if not bulk.finished(job.polls, job.created_at):
            job.status = "Progress"
        elif job.fail_reason is not None:
            job.status, job.end = "Failed", now_iso()
        else:
            job.content = _export_csv(state, job.criteria)
            job.status, job.end = "Finished", datetime.now(UTC).replace(microsecond=0).isoformat()
    base, zgid = _base(state)
    return Reply(200, {"audit_log_export": [job.details(base, zgid)]})


def audit_download(state: FakeState, call: Call) -> Reply:
    """``GET {download host}/{version}/crm/{zgid}/auditlog/{job id}/{file}``: the CSV."""
    job = _audit(state).jobs.get(call.path["job_id"])
    _, zgid = _base(state)
    if (
        job is None
        or job.content is None
        or call.path["zgid"] != zgid
        or call.path["file"] != _AUDIT_FILE
    ):
        raise ApiError(
            404, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one"
        )
    return Reply(
        200,
        job.content,
        {
            "Content-Type": "text/csv",
            "Content-Disposition": f'attachment; filename="{_AUDIT_FILE}"',
        },
    )


_MODULES_SCOPE: Final = "ZohoCRM.modules"
_SETTINGS_SCOPE: Final = "ZohoCRM.settings"

#: Before the generic ``/{module}`` routes.
ROUTES: Final = (
    ApiRoute(
        "/settings/audit_log_export",
        {"POST": audit_export_create, "GET": audit_exports},
        _SETTINGS_SCOPE,
    ),
    ApiRoute("/settings/audit_log_export/{id}", {"GET": audit_export_get}, _SETTINGS_SCOPE),
    ApiRoute("/{module}/{record_id}/__timeline", {"GET": timeline}, _MODULES_SCOPE),
)
#: Under ``/{version}/crm`` on the download host.
DOWNLOAD_ROUTES: Final = (
    ApiRoute("/{zgid}/auditlog/{job_id}/{file}", {"GET": audit_download}, "ZohoFiles.files"),
)
