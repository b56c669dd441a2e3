"""Bulk Read / Bulk Write endpoints and the file upload.

``ROUTES`` go under ``/crm/{version}`` (the upload, served on the fake's base URL, which plays
the data centre's upload host); ``BULK_ROUTES`` under ``/crm/bulk/{version}``.
"""

from __future__ import annotations

import csv
import email.parser
import email.policy
import io
import json
import zipfile
from typing import Any

from ._bulk_criteria import compile_criteria
from ._bulk_state import (
    BulkState,
    ReadJob,
    WriteJob,
    apply_write_row,
    build_zip,
    bulk_state,
    error_cell,
    export_cell,
    import_value,
)
from ._errors import ApiError, required_param
from ._routes import ApiRoute
from ._state import Call, FakeState, Reply
from ._store import ModuleStore, RecordError, now_iso
from ._validation import is_blank

__all__ = ["BULK_ROUTES", "ROUTES"]

_BULK_SCOPE = "ZohoCRM.bulk"
_FILES_SCOPE = "ZohoFiles.files"


def _body(call: Call) -> dict[str, Any]:
    if not call.body:
        raise ApiError(400, "REQUEST_BODY_IS_EMPTY", "the request body is empty")
    body = call.payload
    if not isinstance(body, dict):
        raise ApiError(400, "REQUEST_BODY_NOT_READABLE", "the request body is not readable")
    return body


def _invalid(api_name: str, message: str = "invalid data", **extra: Any) -> ApiError:
    return ApiError(400, "INVALID_DATA", message, {"api_name": api_name, **extra})


def _callback(body: dict[str, Any]) -> dict[str, Any] | None:
    callback = body.get("callback")
    if callback is None:
        return None
    if not isinstance(callback, dict) or not str(callback.get("url", "")).startswith("http"):
        raise ApiError(400, "INVALID_CALLBACK_URL", "the callback url is invalid", {})
    if callback.get("method") != "post":
        raise ApiError(400, "INVALID_CALLBACK_METHOD", "the callback method must be post", {})
    return {"url": callback["url"], "method": "post"}


def _job_not_found(job_id: str) -> ApiError:
    return ApiError(
        400, "RESOURCE_NOT_FOUND", "the requested resource is not found", {"resource": job_id}
    )


def _zip_reply(data: bytes, name: str) -> Reply:
    return Reply(
        200,
        data,
        {
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


def _limit_downloads(bulk: BulkState, downloads: list[float]) -> None:
    """At most ``downloads_per_minute`` downloads per job per minute, then 429."""
    now = bulk.state.now()
    downloads[:] = [t for t in downloads if now - t < 60.0]
    if len(downloads) >= bulk.limits.downloads_per_minute:
        raise ApiError(
            429,
            "TOO_MANY_REQUESTS",
            "too many requests. please try again after some time",
            {"limit": bulk.limits.downloads_per_minute, "window": "1 minute"},
        )
    downloads.append(now)


# -- upload ----------------------------------------------------------------------------------------


def upload(state: FakeState, call: Call) -> Reply:
    """``POST /crm/{v}/upload`` with ``feature: bulk-write``, ``X-CRM-ORG`` and a ZIP ``file``."""
    bulk = bulk_state(state)
    if call.headers.get("feature") != "bulk-write":
        raise ApiError(
            400,
            "NOT_SUPPORTED_FEATURE",
            "the feature is not supported; send the header feature: bulk-write",
            {"header": "feature"},
        )
    if call.headers.get("x-crm-org") != state.directory.org["zgid"]:
        raise ApiError(
            400,
            "INVALID_REQUEST",
            "the X-CRM-ORG header must be the org's zgid",
            {"header": "X-CRM-ORG"},
        )
    data = _multipart_file(call)
    if len(data) > bulk.limits.max_upload_bytes:
        raise ApiError(
            413,
            "FILE_TOO_LARGE",
            "the file is too large",
            {"max_size": bulk.limits.max_upload_bytes},
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ApiError(
            400, "INVALID_FILE_FORMAT", "invalid file format. only zip format is supported", {}
        )
    file_id = state.ids()
    bulk.files[file_id] = data
    return Reply(
        200,
        {
            "status": "success",
            "code": "FILE_UPLOAD_SUCCESS",
            "message": "file uploaded.",
            # An int64 here (bulk_write.json), though the job then names the file as a string.
            "details": {"file_id": int(file_id), "created_time": now_iso()},
        },
    )


def _multipart_file(call: Call) -> bytes:
    content_type = call.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise ApiError(415, "MEDIA_TYPE_NOT_SUPPORTED", "send the file as multipart/form-data", {})
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + call.body)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    raise required_param("file")


# -- bulk read -------------------------------------------------------------------------------------


def _read_fields(store: ModuleStore, fields: Any) -> list[str]:
    if fields is None:
        return [f.api_name for f in store.spec.fields]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise _invalid("fields", expected_data_type="jsonarray")
    for name in fields:
        base, _, sub = name.partition(".")
        spec = store.spec.by_name.get(base)
        ok = name == "id" or (spec is not None and (not sub or spec.lookup_module is not None))
        if not ok:
            raise ApiError(
                400,
                "FIELD_NOT_AVAILABLE",
                "the field is not available",
                {"api_name": name, "module": store.spec.api_name},
            )
    return [name for name in fields if name != "id"]


def read_create(state: FakeState, call: Call) -> Reply:
    """``POST /crm/bulk/{v}/read``: a job in state ADDED (201)."""
    bulk = bulk_state(state)
    body = _body(call)
    query = body.get("query")
    if not isinstance(query, dict):
        raise ApiError(
            400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "query"}
        )
    module = query.get("module")
    api_name = module.get("api_name") if isinstance(module, dict) else module
    if not isinstance(api_name, str):
        raise ApiError(
            400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "module"}
        )
    store = state.module(api_name)
    if body.get("file_type", "csv") != "csv":
        raise ApiError(
            400,
            "NOT_SUPPORTED_FEATURE",
            "the fake exports csv only",
            {"api_name": "file_type"},
        )
    fields = _read_fields(store, query.get("fields"))
    criteria = query.get("criteria")
    if criteria is not None:
        compile_criteria(criteria, store.spec)  # refuse bad criteria now, as Zoho does
    page, token = query.get("page"), query.get("page_token")
    if page is not None and token is not None:
        raise ApiError(
            400,
            "AMBIGUITY_DURING_PROCESSING",
            "page and page_token cannot be used together",
            {"ambiguity_due_to": ["page", "page_token"]},
        )
    binding = (call.user["id"], api_name, tuple(fields), json.dumps(criteria, sort_keys=True))
    per_page = bulk.limits.read_per_page
    if token is not None:
        offset = bulk.resolve_token(str(token), binding)
        if offset is None:
            raise _invalid("page_token", "the page_token is invalid or expired")
        page_number = offset // per_page + 1
    else:
        if page is None:
            page = 1
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise _invalid("page", expected_data_type="integer")
        page_number, offset = page, (page - 1) * per_page
    job = ReadJob(
        id=state.ids(),
        version=call.version,
        module=api_name,
        fields=fields,
        criteria=criteria,
        offset=offset,
        page=page_number,
        creator=call.user,
        created_time=now_iso(),
        created_at=state.now(),
        fail_reason=bulk.take_failure("read"),
        query={
            "module": {"api_name": api_name, "id": state.module_ids[api_name]},
            **({"fields": query["fields"]} if "fields" in query else {}),
            **({"criteria": criteria} if criteria is not None else {}),
            "page": page_number,
        },
        callback=_callback(body),
    )
    job.query["_binding"] = binding
    bulk.read_jobs[job.id] = job
    details = {
        "id": job.id,
        "operation": "read",
        "state": job.state,
        "created_by": {"id": call.user["id"], "name": call.user["full_name"]},
        "created_time": job.created_time,
    }
    return Reply(
        201,
        {
            "data": [
                {
                    "status": "success",
                    "code": "ADDED_SUCCESSFULLY",
                    "message": "Added successfully.",
                    "details": details,
                }
            ],
            "info": {},
        },
    )


def _read_job(state: FakeState, call: Call) -> ReadJob:
    job = bulk_state(state).read_jobs.get(call.path["job_id"])
    if job is None:
        raise _job_not_found(call.path["job_id"])
    return job


def read_get(state: FakeState, call: Call) -> Reply:
    """``GET /crm/bulk/{v}/read/{job_id}``: advances the job one poll."""
    bulk = bulk_state(state)
    job = _read_job(state, call)
    if job.state in ("ADDED", "IN PROGRESS"):
        job.polls += 1
        if not bulk.finished(job.polls, job.created_at):
            job.state = "IN PROGRESS"
        elif job.fail_reason is not None:
            job.state = "FAILURE"
        else:
            _complete_read(state, bulk, job)
    details = job.details()
    details["query"] = {k: v for k, v in details["query"].items() if not k.startswith("_")}
    return Reply(200, {"data": [details]})


def _complete_read(state: FakeState, bulk: BulkState, job: ReadJob) -> None:
    store = state.modules[job.module]
    matches = compile_criteria(job.criteria, store.spec) if job.criteria else None
    per_page = bulk.limits.read_per_page
    selected = (r for r in bulk.rows(store) if matches is None or matches(r))
    header = ["id", *job.fields]
    page_rows: list[list[str]] = []
    more = False
    for position, record in enumerate(selected):
        if position < job.offset:
            continue
        if position >= job.offset + per_page:
            more = True
            break
        page_rows.append([export_cell(record, column) for column in header])
    job.zip_bytes = build_zip(f"{job.id}.csv", header, iter(page_rows))
    job.state = "COMPLETED"
    job.result = {
        "page": job.page,
        "per_page": per_page,
        "count": len(page_rows),
        "download_url": f"/crm/bulk/{job.version}/read/{job.id}/result",
        "more_records": more,
    }
    if more:
        job.result["next_page_token"] = bulk.issue_token(
            job.query["_binding"], job.offset + per_page
        )


def read_result(state: FakeState, call: Call) -> Reply:
    """``GET /crm/bulk/{v}/read/{job_id}/result``: the ZIP (10 downloads per minute)."""
    bulk = bulk_state(state)
    job = _read_job(state, call)
    if job.state != "COMPLETED" or job.zip_bytes is None:
        raise _job_not_found(job.id)
    _limit_downloads(bulk, job.downloads)
    return _zip_reply(job.zip_bytes, f"{job.id}.zip")


# -- bulk write ------------------------------------------------------------------------------------


def write_create(state: FakeState, call: Call) -> Reply:
    """``POST /crm/bulk/{v}/write``: a job for uploaded files (201)."""
    bulk = bulk_state(state)
    body = _body(call)
    operation = body.get("operation")
    if operation not in ("insert", "update", "upsert"):
        raise _invalid("operation", supported_values=["insert", "update", "upsert"])
    resources = body.get("resource")
    if not isinstance(resources, list) or not resources:
        raise ApiError(
            400, "MANDATORY_NOT_FOUND", "required field not found", {"api_name": "resource"}
        )
    checked = [_write_resource(state, bulk, r, operation, i) for i, r in enumerate(resources)]
    job = WriteJob(
        id=state.ids(),
        version=call.version,
        operation=operation,
        ignore_empty=bool(body.get("ignore_empty", False)),
        resources=checked,
        creator=call.user,
        created_time=now_iso(),
        created_at=state.now(),
        fail_reason=bulk.take_failure("write"),
        callback=_callback(body),
    )
    bulk.write_jobs[job.id] = job
    return Reply(
        201,
        {
            "status": "success",
            "code": "SUCCESS",
            "message": "success",
            "details": {
                "id": job.id,
                "created_by": {"id": call.user["id"], "name": call.user["full_name"]},
            },
        },
    )


def _write_resource(
    state: FakeState, bulk: BulkState, resource: Any, operation: str, index: int
) -> dict[str, Any]:
    where = f"$.resource[{index}]"
    if not isinstance(resource, dict):
        raise ApiError(400, "INVALID_DATA", "invalid data", {"json_path": where})
    module = resource.get("module")
    api_name = module.get("api_name") if isinstance(module, dict) else None
    if not isinstance(api_name, str):
        raise ApiError(
            400, "MANDATORY_NOT_FOUND", "required field not found", {"json_path": f"{where}.module"}
        )
    store = state.module(api_name)
    file_id = str(resource.get("file_id", ""))
    if file_id not in bulk.files:
        raise _invalid("file_id", "the file_id is invalid", json_path=f"{where}.file_id")
    find_by = resource.get("find_by")
    if operation in ("update", "upsert") and not find_by:
        raise ApiError(
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            {"api_name": "find_by", "json_path": f"{where}.find_by"},
        )
    if find_by is not None and find_by != "id" and find_by not in store.spec.by_name:
        raise _invalid(str(find_by), json_path=f"{where}.find_by")
    mappings = resource.get("field_mappings")
    if mappings is not None:
        if not isinstance(mappings, list):
            raise _invalid("field_mappings", expected_data_type="jsonarray")
        for position, mapping in enumerate(mappings):
            name = mapping.get("api_name") if isinstance(mapping, dict) else None
            column = mapping.get("index") if isinstance(mapping, dict) else None
            if (name != "id" and name not in store.spec.by_name) or not isinstance(column, int):
                raise _invalid(str(name), json_path=f"{where}.field_mappings[{position}]")
    return {
        "status": "ADDED",
        "type": "data",
        "module": {"api_name": api_name, "id": state.module_ids[api_name]},
        "file_id": file_id,
        "find_by": find_by,
        "field_mappings": mappings,
        "file": {"status": "ADDED", "name": f"{file_id}.csv"},
    }


def _write_job(state: FakeState, call: Call) -> WriteJob:
    job = bulk_state(state).write_jobs.get(call.path["job_id"])
    if job is None:
        raise _job_not_found(call.path["job_id"])
    return job


def write_get(state: FakeState, call: Call) -> Reply:
    """``GET /crm/bulk/{v}/write/{job_id}``: advances the job one poll."""
    bulk = bulk_state(state)
    job = _write_job(state, call)
    if job.status in ("ADDED", "IN PROGRESS"):
        job.polls += 1
        if not bulk.finished(job.polls, job.created_at):
            job.status = "IN PROGRESS"
            for resource in job.resources:
                resource["status"] = resource["file"]["status"] = "IN PROGRESS"
        elif job.fail_reason is not None:
            _fail_write(job, job.fail_reason)
        else:
            _complete_write(state, bulk, job)
    return Reply(200, job.details())


def _fail_write(job: WriteJob, reason: str) -> None:
    job.status = "FAILED"
    for resource in job.resources:
        resource.update(status="FAILED", code=reason)
        resource["file"]["status"] = "FAILED"


def _csv_of(data: bytes) -> tuple[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
        if not names:
            raise ValueError("NO_CSV_FILE")
        with archive.open(names[0]) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            return names[0], list(csv.reader(text))


def _complete_write(state: FakeState, bulk: BulkState, job: WriteJob) -> None:
    parsed = []
    for resource in job.resources:
        try:
            name, table = _csv_of(bulk.files[resource["file_id"]])
        except (ValueError, zipfile.BadZipFile):
            _fail_write(job, "INVALID_FILE_FORMAT")
            return
        if not table or len(table) - 1 > bulk.limits.max_rows_per_csv:
            _fail_write(job, "LIMIT_EXCEEDED" if table else "EMPTY_FILE")
            return
        parsed.append((resource, name, table))
    result_rows: list[list[str]] = []
    result_header: list[str] = []
    for resource, name, table in parsed:
        header, data = table[0], table[1:]
        store = state.modules[resource["module"]["api_name"]]
        mappings = resource["field_mappings"] or [
            {"api_name": column, "index": i} for i, column in enumerate(header)
        ]
        if any(m["api_name"] not in store.spec.by_name and m["api_name"] != "id" for m in mappings):
            _fail_write(job, "INVALID_DATA")
            return
        counts = {"added": 0, "updated": 0, "skipped": 0}
        ctx = bulk.context(job.creator)
        result_header = [*header, "STATUS", "RECORD_ID", "ERRORS"]
        for index, cells in enumerate(data):
            item = _item(store, mappings, cells, job.ignore_empty)
            try:
                status, record_id = apply_write_row(
                    store, job.operation, resource["find_by"], item, index, ctx
                )
                errors = ""
            except RecordError as error:
                status, record_id, errors = "skipped", "", error_cell(error)
            counts[status] += 1
            result_rows.append([*cells, status, record_id, errors])
        resource.update(status="COMPLETED", code="COMPLETED")
        resource["file"] = {
            "status": "COMPLETED",
            "name": name,
            "added_count": counts["added"],
            "skipped_count": counts["skipped"],
            "updated_count": counts["updated"],
            "total_count": len(data),
        }
    job.zip_bytes = build_zip(f"{job.id}.csv", result_header, iter(result_rows))
    job.status = "COMPLETED"
    job.download_url = f"{state.oauth.api_domain}/crm/bulk/{job.version}/write/{job.id}/result"


def _item(
    store: ModuleStore, mappings: list[dict[str, Any]], cells: list[str], ignore_empty: bool
) -> dict[str, Any]:
    item: dict[str, Any] = {}
    for mapping in mappings:
        column = mapping["index"]
        text = cells[column] if column < len(cells) else ""
        name = mapping["api_name"]
        if is_blank(text):
            if not ignore_empty:
                item[name] = None
            continue
        spec = store.spec.by_name.get(name)
        item[name] = import_value(spec.data_type, text) if spec else text
    return item


def write_result(state: FakeState, call: Call) -> Reply:
    """The result ZIP of a COMPLETED write job (its ``result.download_url``)."""
    job = _write_job(state, call)
    if job.status != "COMPLETED" or job.zip_bytes is None:
        raise _job_not_found(job.id)
    return _zip_reply(job.zip_bytes, f"{job.id}.zip")


ROUTES: tuple[ApiRoute, ...] = (ApiRoute("/upload", {"POST": upload}, _FILES_SCOPE),)

BULK_ROUTES: tuple[ApiRoute, ...] = (
    ApiRoute("/read", {"POST": read_create}, _BULK_SCOPE),
    ApiRoute("/read/{job_id}", {"GET": read_get}, _BULK_SCOPE),
    ApiRoute("/read/{job_id}/result", {"GET": read_result}, _BULK_SCOPE),
    ApiRoute("/write", {"POST": write_create}, _BULK_SCOPE),
    ApiRoute("/write/{job_id}", {"GET": write_get}, _BULK_SCOPE),
    ApiRoute("/write/{job_id}/result", {"GET": write_result}, _BULK_SCOPE),
)
