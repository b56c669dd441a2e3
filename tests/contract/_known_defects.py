"""The allow-list: defects of Zoho's v8 OpenAPI specs (reference/zoho-crm-api.md §7).

Two kinds of entries, each with its reason and a ``witness`` that checks the defect is still in
the (raw) spec, so an entry Zoho has fixed fails ``test_known_defects_are_still_in_the_spec``
and can be deleted:

* ``SPEC_PATCHES`` repair the loaded documents before anything is validated (without them the
  specs cannot be loaded or every response check fails for a reason unrelated to the SDK);
* ``KNOWN_DEFECTS`` are violations tolerated when a recorded exchange hits them. Anything not
  matched here fails the contract test.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._oas import Violation

__all__ = ["KNOWN_DEFECTS", "SPEC_PATCHES", "KnownDefect", "SpecPatch", "tolerated_by"]

Docs = dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class SpecPatch:
    """An edit of the loaded documents; ``apply`` returns how many places it changed."""

    name: str
    reason: str
    apply: Callable[[Docs], int]


@dataclass(frozen=True, slots=True)
class KnownDefect:
    """A spec defect: which violations it explains, and a check that it is still there."""

    name: str
    reason: str
    matches: Callable[[Violation], bool]
    witness: Callable[[Docs], bool]


# -- patches ---------------------------------------------------------------------------------


def _one_of_to_any_of(docs: Docs) -> int:
    changed = 0

    def walk(node: Any) -> None:
        nonlocal changed
        if isinstance(node, dict):
            if "oneOf" in node:
                node["anyOf"] = node.pop("oneOf")
                changed += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for doc in docs.values():
        walk(doc)
    return changed


def _define_notes_if_modified_since(docs: Docs) -> int:
    params = docs["notes.json"]["components"].setdefault("parameters", {})
    if "If-Modified-Since" in params:
        return 0
    params["If-Modified-Since"] = {
        "name": "If-Modified-Since",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "format": "date-time"},
    }
    return 1


#: user_groups.json operations whose 200 answer is wired to the "API not supported" error, with
#: the response the same file defines for them (and uses nowhere).
_USER_GROUP_ANSWERS = {
    ("get", "/crm/v8/settings/user_groups"): "UserGroups",
    ("get", "/crm/v8/settings/user_groups/{group}"): "UserGroups",
    ("get", "/crm/v8/settings/user_groups/{group}/sources"): "Sources",
    ("get", "/crm/v8/settings/user_groups/{group}/actions/sources_count"): "SourcesCount",
    ("get", "/crm/v8/settings/user_groups/actions/deletion_jobs"): "JobStatus",
    ("get", "/crm/v8/users/{user}/actions/associated_groups"): "UserGroups",
}
_UNSUPPORTED_VERSION = "#/components/responses/UnsupportedVersionResponse"


def _wire_user_group_answers(docs: Docs) -> int:
    paths = docs["user_groups.json"]["paths"]
    changed = 0
    for (method, template), name in _USER_GROUP_ANSWERS.items():
        responses = paths[template][method]["responses"]
        if responses.get("200", {}).get("$ref") == _UNSUPPORTED_VERSION:
            responses["200"] = {"$ref": f"#/components/responses/{name}"}
            changed += 1
    return changed


SPEC_PATCHES: tuple[SpecPatch, ...] = (
    SpecPatch(
        "oneOf-to-anyOf",
        "Response schemas are oneOf:[<wrapper>, API_Exception], and API_Exception requires "
        "nothing, so every object matches both branches and oneOf always fails (§7.3). As "
        "anyOf they mean what Zoho intends; the response check then picks the success or the "
        "exception branch by HTTP status, so it stays strict.",
        _one_of_to_any_of,
    ),
    SpecPatch(
        "notes-if-modified-since",
        "notes.json GET /Notes/{id} references #/components/parameters/If-Modified-Since, "
        "which notes.json does not define (§7.2): the file fails openapi-spec-validator and "
        "cannot be resolved. The patch defines it as users.json and record.json do.",
        _define_notes_if_modified_since,
    ),
    SpecPatch(
        "user-groups-answers-wired-to-an-error",
        "user_groups.json answers the group list, one group, its sources, its sources count, "
        "the deletion job status and a user's groups with UnsupportedVersionResponse (the "
        "API_NOT_SUPPORTED error) as their 200 answer, while the same file defines the "
        "UserGroups, Sources, SourcesCount and JobStatus responses and uses them nowhere. The "
        "patch wires each 200 to its response, so the answers are checked, not waved through.",
        _wire_user_group_answers,
    ),
)


# -- tolerated violations -----------------------------------------------------------------------


def _op(violation: Violation, file: str, method: str | None = None, path: str = "") -> bool:
    parts = violation.operation.split(" ", 2)
    if len(parts) != 3 or parts[0] != file:
        return False
    return (method is None or parts[1] == method) and parts[2].endswith(path)


def _in_enum_ignoring_case(message: str) -> bool:
    """``'x' is not one of ['X', ...]`` (jsonschema's enum message) where x matches, case aside."""
    match = re.fullmatch(r"(.*) is not one of (\[.*\])", message, re.DOTALL)
    if match is None:
        return False
    value, options = ast.literal_eval(match[1]), ast.literal_eval(match[2])
    return isinstance(value, str) and value.lower() in {str(o).lower() for o in options}


def _missing(violation: Violation) -> str | None:
    """The property a ``required`` violation names."""
    match = re.fullmatch(r"'(.+)' is a required property", violation.message)
    return match[1] if match and violation.keyword == "required" else None


def _fields_asked(violation: Violation) -> set[str]:
    """The ``fields`` query parameter of the violation's request (empty without one)."""
    query = urlsplit(violation.exchange.split(" ")[1]).query
    return {n for k, v in parse_qsl(query) if k == "fields" for n in v.split(",")}


def _path_of(violation: Violation) -> str:
    return urlsplit(violation.exchange.split(" ")[1]).path


def _files_with_sample_schemas(docs: Docs, files: tuple[str, ...]) -> bool:
    """Each file has a schema requiring at least 9 in 10 of its (10 or more) properties."""

    def sample_like(schema: Any) -> bool:
        props, required = schema.get("properties", {}), schema.get("required", [])
        return len(props) >= 10 and len(required) >= 0.9 * len(props)

    return all(
        any(sample_like(s) for s in docs[f]["components"]["schemas"].values()) for f in files
    )


def _paths_absent(docs: Docs, patterns: tuple[str, ...]) -> bool:
    templates = [t for doc in docs.values() for t in doc.get("paths", {})]
    return not any(re.fullmatch(p, t) for p in patterns for t in templates)


def _param(docs: Docs, file: str, name: str) -> dict[str, Any]:
    return dict(docs[file]["components"]["parameters"][name])


def _schema(docs: Docs, file: str, name: str) -> dict[str, Any]:
    return dict(docs[file]["components"]["schemas"][name])


def _responses(docs: Docs, file: str, template: str, method: str) -> dict[str, Any]:
    return dict(docs[file]["paths"][template][method]["responses"])


#: Files whose schemas were generated from one full sample: every property "required".
SAMPLE_SCHEMA_FILES = (
    "custom_views.json",
    "related_lists.json",
    "profiles.json",
    "tags.json",
    "attachments.json",
    "bulk_read.json",
    "bulk_write.json",
)
#: Request bodies that reuse the response model: the properties Zoho fills in itself (ids,
#: audit fields, $-flags) or documents as optional, which a request may leave out.
RESPONSE_ONLY_PROPERTIES = {
    "notes.json": frozenset(
        {
            "id",
            "Owner",
            "Created_By",
            "Created_Time",
            "Modified_By",
            "Modified_Time",
            "$attachments",
            "$editable",
            "$is_shared_to_client",
            "$size",
            "$state",
            "$voice_note",
            "Note_Title",
            "Parent_Id",
        }
    ),
    "tags.json": frozenset(
        {
            "id",
            "color_code",
            "created_by",
            "created_time",
            "modified_by",
            "modified_time",
            "over_write",
        }
    ),
    "variables.json": frozenset(
        {"id", "api_name", "name", "description", "read_only", "source", "type", "variable_group"}
    ),
    "users.json": frozenset({"name"}),
    "contact_roles.json": frozenset({"id", "name", "sequence_number"}),
    "share_records.json": frozenset({"shared_by", "shared_through", "shared_time"}),
}
#: v8 endpoints the SDK uses that none of the 102 published spec files describes (the v8 docs do).
NOT_IN_SPECS = (
    r"/crm/v8/org/taxes(/[^/]+)?",
    r"/crm/bulk/v8/write/[^/]+/result",
    r"/crm/v8/users/search",
    r"/crm/v8/settings/recycle_bin(/[^/]+)?/actions/(restore|empty)",
    r"/crm/v8/[^/]+/[^/]+/actions/get_related_records_count",
)
_UNDOCUMENTED_OK = frozenset({204, 207, 304})

KNOWN_DEFECTS: tuple[KnownDefect, ...] = (
    KnownDefect(
        "convert-mapping-every-target",
        "layouts.json requires a layout's convert_mapping to name all five conversion targets "
        "(Accounts, Contacts, Deals, Invoices, SalesOrders); a layout maps only where its "
        "module converts to: a lead to Contacts, Accounts and Deals, a quote to sales orders "
        "and invoices.",
        lambda v: (
            _op(v, "layouts.json")
            and v.location.endswith(".convert_mapping")
            and _missing(v) in ("Accounts", "Contacts", "Deals", "Invoices", "SalesOrders")
        ),
        lambda d: len(_schema(d, "layouts.json", "convert_mapping").get("required", [])) == 5,
    ),
    KnownDefect(
        "required-ignores-fields",
        "Record and note schemas mark their properties required, while fields= asks Zoho for "
        "only some of them (its docs: the answer carries the fields asked for and the id). A "
        "property missing from an answer to a request with fields= that did not ask for it is "
        "no defect; one that was asked for still is.",
        lambda v: (
            v.kind == "response-body"
            and (name := _missing(v)) is not None
            and name != "id"
            and name not in _fields_asked(v)
            and bool(_fields_asked(v))
        ),
        lambda d: "Modified_By" in _schema(d, "notes.json", "Note")["required"],
    ),
    KnownDefect(
        "int32-record-ids",
        "layouts.json types a section field's section_id as an int32, but it is a section's id, "
        "a 19-digit Zoho id (beyond 2**31) like every other; the value is checked as a number.",
        lambda v: (
            _op(v, "layouts.json")
            and v.keyword == "format"
            and v.location.endswith(".section_id")
            and "is not a 'int32'" in v.message
        ),
        lambda d: (
            _schema(d, "layouts.json", "fields")["properties"]["section_id"].get("format")
            == "int32"
        ),
    ),
    KnownDefect(
        "blueprint-one-model-for-both-directions",
        "blueprint.json describes the GET answer and the PUT body with one Blue_Print model "
        "requiring transition_id, data, process_info and transitions. Zoho's answer carries "
        "process_info and transitions (what the record can do now); the update sends "
        "transition_id and data (what to do). Each direction may lack the other's two keys.",
        lambda v: (
            _op(v, "blueprint.json")
            and v.location in ("$.blueprint", "$.blueprint[0]")
            and (
                (v.kind == "response-body" and _missing(v) in ("transition_id", "data"))
                or (v.kind == "request-body" and _missing(v) in ("process_info", "transitions"))
            )
        ),
        lambda d: (
            {"transition_id", "data", "process_info", "transitions"}
            <= set(_schema(d, "blueprint.json", "Blue_Print")["required"])
            and _schema(d, "blueprint.json", "Response_Wrapper")["properties"]["blueprint"]
            == _schema(d, "blueprint.json", "Body_Wrapper")["properties"]["blueprint"]["items"]
        ),
    ),
    KnownDefect(
        "status-codes-incomplete",
        "The specs list mostly 200 only: no 201 for an insert, no 207 for a partial write, no "
        "400 for an all-failed write, no 204/304, few error statuses (§7.4; Zoho's "
        "status-codes page documents them). Tolerated: 201 (created) and 202 (scheduled, e.g. "
        "a mass update by cvid) on POST, 204, 207, 304 and errors; "
        "the body is then checked against the 200 (or 400) schema.",
        lambda v: (
            v.kind == "response-status"
            and (
                int(v.location) >= 400
                or int(v.location) in _UNDOCUMENTED_OK
                or (v.location in ("201", "202") and " POST " in f" {v.operation} ")
            )
        ),
        lambda d: (
            list(_responses(d, "record.json", "/crm/v8/{module_api_name}", "post")) == ["200"]
        ),
    ),
    KnownDefect(
        "not-in-the-published-specs",
        "crm-oas (102 files) has no org taxes, users search, bulk-write result, recycle bin "
        "restore/empty or related records count paths, though the v8 docs (and Zoho's v8 SDK) "
        "have them; a generic template such as /{module_api_name}/{id} would otherwise match "
        "them by accident.",
        lambda v: any(re.fullmatch(p, _path_of(v)) for p in NOT_IN_SPECS),
        lambda d: _paths_absent(d, NOT_IN_SPECS),
    ),
    KnownDefect(
        "sample-schemas-require-everything",
        "Custom views, related lists, profiles, tags, attachments and bulk schemas mark "
        "(nearly) every property of Zoho's sample as required: feature flags and audit "
        "fields Zoho leaves out where they do not apply. (The org, modules, fields, layouts "
        "and notes answers carry every required key and are checked in full.) A missing id "
        "is still reported.",
        lambda v: (
            v.kind == "response-body"
            and v.operation.split(" ")[0] in SAMPLE_SCHEMA_FILES
            and _missing(v) not in (None, "id")
        ),
        lambda d: _files_with_sample_schemas(d, ("custom_views.json", "related_lists.json")),
    ),
    KnownDefect(
        "request-bodies-reuse-response-models",
        "notes/tags/variables/users/contact roles/record shares request bodies are the "
        "response models, so they require what Zoho fills in itself (id, created_time, "
        "$state, a share's shared_by and shared_time...) or documents as optional "
        "(Note_Title, over_write, a tag's id when its name is given, a role's name when its id "
        "is given, a contact role's sequence_number, or its name when an update only reorders "
        "it). Only those properties may be missing.",
        lambda v: (
            v.kind == "request-body"
            and _missing(v) in RESPONSE_ONLY_PROPERTIES.get(v.operation.split(" ")[0], ())
        ),
        lambda d: (
            "created_time" in _schema(d, "tags.json", "Tag").get("required", [])
            and "$voice_note" in _schema(d, "notes.json", "Note")["required"]
        ),
    ),
    KnownDefect(
        "nullable-missing",
        "Zoho answers null for empty values (§2.2: 'Empty fields come back as JSON null'; the "
        "§2.2 sample has previous_page_token null) but the specs hardly ever say nullable, "
        "so a null is reported against the property's type or enum.",
        lambda v: (
            v.kind == "response-body"
            and v.keyword in ("type", "enum")
            and v.message.startswith("None ")
        ),
        lambda d: (
            not _schema(d, "record.json", "Info")["properties"]["previous_page_token"].get(
                "nullable"
            )
        ),
    ),
    KnownDefect(
        "users-email-regex",
        "users.json types a user's email with the pattern [a-z0-9]{9}[@][a-z0-9]{5}[.]com "
        "(a sample generalised into a rule, §7.5): no real address fits. territory_users.json "
        "and share_records.json reuse that user model.",
        lambda v: (
            (_op(v, "users.json") or _op(v, "territory_users.json") or _op(v, "share_records.json"))
            and v.kind in ("request-body", "response-body")
            and v.keyword == "pattern"
            and v.location.endswith(".email")
        ),
        lambda d: "[a-z0-9]{9}[@][a-z0-9]{5}[.]com" in json.dumps(d["users.json"]),
    ),
    KnownDefect(
        "notifications-channel-id-object",
        "notifications.json types a channel's channel_id as an object; it is a number of the "
        "caller's choosing, which Zoho's notification samples send and answer as a string "
        "('channel_id': '1000000068001').",
        lambda v: (
            _op(v, "notifications.json")
            and v.keyword == "type"
            and v.location.endswith(".channel_id")
        ),
        lambda d: (
            _schema(d, "notifications.json", "Notification")["properties"]["channel_id"]["type"]
            == "object"
        ),
    ),
    KnownDefect(
        "notifications-notify-url-regex",
        "notifications.json types notify_url with the pattern www[.][a-z]{5}zoho[.]com (a "
        "sample's host generalised into a rule): the URL is the caller's own endpoint.",
        lambda v: (
            _op(v, "notifications.json")
            and v.keyword == "pattern"
            and v.location.endswith(".notify_url")
        ),
        lambda d: "www[.][a-z]{5}zoho[.]com" in json.dumps(d["notifications.json"]),
    ),
    KnownDefect(
        "notifications-event-requires-everything",
        "notifications.json's event (one module's subscription in a write answer) requires "
        "notification_condition and channel_expiry; Zoho's samples of the enable and update "
        "answers carry no notification_condition, and the answer to removing events no "
        "channel_expiry.",
        lambda v: (
            _op(v, "notifications.json")
            and v.kind == "response-body"
            and re.fullmatch(r"\$\.watch\[\d+\]\.details\.events\[\d+\]", v.location) is not None
            and _missing(v) in ("notification_condition", "channel_expiry")
        ),
        lambda d: (
            {"notification_condition", "channel_expiry"}
            <= set(_schema(d, "notifications.json", "event")["required"])
        ),
    ),
    KnownDefect(
        "users-type-enum",
        "users.json's type enum lacks AllUsers (the default Zoho documents, §2.5) and "
        "AdminUsers, ActiveConfirmedAdmins, DeletedUsers (§7.5).",
        lambda v: (
            _op(v, "users.json", "GET")
            and v.kind == "query"
            and v.location == "type"
            and v.keyword == "enum"
        ),
        lambda d: "AllUsers" not in _param(d, "users.json", "type")["schema"]["enum"],
    ),
    KnownDefect(
        "users-time-zone-object",
        "users.json types a user's time_zone as an object; Zoho sends the zone name as a "
        "string (e.g. 'Asia/Kolkata' in the users samples).",
        lambda v: (
            (_op(v, "users.json") or _op(v, "territory_users.json"))
            and v.kind == "response-body"
            and v.keyword == "type"
            and re.fullmatch(r"\$\.users\[\d+\]\.time_zone", v.location) is not None
        ),
        lambda d: _schema(d, "users.json", "users")["properties"]["time_zone"]["type"] == "object",
    ),
    KnownDefect(
        "users-single-user-info",
        "users.json answers GET /users/{id} with the list wrapper, which requires info. Whether "
        "Zoho sends info for a single user is not documented (UNCERTAIN); the SDK does not "
        "read it.",
        lambda v: (
            _op(v, "users.json", "GET", "/crm/v8/users/{user}")
            and v.kind == "response-body"
            and v.location == "$"
            and _missing(v) == "info"
        ),
        lambda d: "info" in _schema(d, "users.json", "Response_Wrapper")["required"],
    ),
    KnownDefect(
        "count-typed-as-string",
        "record.json types the count answer's count as a string; Zoho's docs show an integer "
        "({'count': 694}, §2.6, §7.5).",
        lambda v: (
            v.kind == "response-body"
            and "/actions/count" in v.operation
            and v.location == "$.count"
            and v.keyword == "type"
        ),
        lambda d: (
            _responses(d, "record.json", "/crm/v8/{module_api_name}/actions/count", "get")["200"][
                "content"
            ]["application/json"]["schema"]["oneOf"][0]["properties"]["count"]["type"]
            == "string"
        ),
    ),
    KnownDefect(
        "minified-module-requires-id",
        "modules.json's Minified_Module requires id, but Zoho accepts (and documents) a module "
        "named by api_name alone, e.g. bulk read/write resources and convert's "
        "move_attachments_to (§7.5).",
        lambda v: (
            v.kind in ("request-body", "response-body")
            and _missing(v) == "id"
            and "module" in v.location.lower()
        ),
        lambda d: "id" in _schema(d, "modules.json", "Minified_Module")["required"],
    ),
    KnownDefect(
        "notes-require-ids-and-fields",
        "notes.json marks ids and fields as required query parameters (shared by GET /Notes and "
        "GET /Notes/{id}); listing notes needs no ids, and fields is optional for one note and "
        "before v3 (§7.5).",
        lambda v: (
            _op(v, "notes.json", "GET")
            and v.kind == "query"
            and v.location in ("ids", "fields")
            and v.keyword == "required"
        ),
        lambda d: _param(d, "notes.json", "ids")["required"] is True,
    ),
    KnownDefect(
        "attachments-list-requires-ids",
        "attachments.json marks ids as a required query parameter of the attachment list, "
        "which lists all of a record's attachments without ids (§2.7).",
        lambda v: (
            _op(v, "attachments.json", "GET", "/Attachments")
            and v.kind == "query"
            and v.location == "ids"
            and v.keyword == "required"
        ),
        lambda d: _param(d, "attachments.json", "ids")["required"] is True,
    ),
    KnownDefect(
        "attachments-upload-is-url-only",
        "attachments.json models POST .../Attachments as a link upload only: attachmentUrl is "
        "a required query parameter and there is no multipart/form-data body with the file "
        "field Zoho documents (§2.7, §7.5).",
        lambda v: (
            _op(v, "attachments.json", "POST")
            and (
                (v.kind == "query" and v.location == "attachmentUrl" and v.keyword == "required")
                or (v.kind == "request-body" and v.keyword == "undeclared")
            )
        ),
        lambda d: (
            _param(d, "attachments.json", "attachmentUrl")["required"] is True
            and "requestBody"
            not in d["attachments.json"]["paths"]["/crm/v8/{module}/{record_id}/Attachments"][
                "post"
            ]
        ),
    ),
    KnownDefect(
        "bulk-read-query-requires-everything",
        "bulk_read.json's Query requires cvid, page, criteria and file_type; Zoho documents "
        "them as optional (§4.1, §7.5).",
        lambda v: (
            _op(v, "bulk_read.json", "POST")
            and v.kind == "request-body"
            and _missing(v) in ("cvid", "page", "criteria", "file_type")
        ),
        lambda d: (
            {"cvid", "page", "criteria"} <= set(_schema(d, "bulk_read.json", "Query")["required"])
        ),
    ),
    KnownDefect(
        "variables-value-object",
        "variables.json types a variable's value as an object; Zoho's value is the text, "
        "number, date... its type names (the samples send 'value': 'EU'-like scalars).",
        lambda v: (
            _op(v, "variables.json")
            and v.keyword == "type"
            and re.fullmatch(r"\$\.variables\[\d+\]\.value", v.location) is not None
        ),
        lambda d: (
            _schema(d, "variables.json", "variable")["properties"]["value"]["type"] == "object"
        ),
    ),
    KnownDefect(
        "bulk-upload-answer",
        "bulk_write.json's upload answer requires details.id and details.created_by, which "
        "belong to a job, not to an uploaded file; Zoho's upload sample has file_id and "
        "created_time only.",
        lambda v: (
            _op(v, "bulk_write.json", "POST", "/crm/v8/upload")
            and v.kind == "response-body"
            and v.location == "$.details"
            and _missing(v) in ("id", "created_by")
        ),
        lambda d: "integer" in json.dumps(d["bulk_write.json"]["components"]["schemas"]),
    ),
    KnownDefect(
        "layout-tab-traversal-string",
        "layouts.json types a section's tab_traversal as a string; Zoho's layouts samples send "
        "a number (UNCERTAIN for v8: the v8 layouts page was not read first-hand).",
        lambda v: (
            _op(v, "layouts.json") and v.keyword == "type" and v.location.endswith(".tab_traversal")
        ),
        lambda d: '"tab_traversal": {"type": "string"' in json.dumps(d["layouts.json"]),
    ),
    KnownDefect(
        "tags-merge-message",
        "tags.json's success message enum has created/deleted/updated only; merging answers "
        "'tags merged successfully' (UNCERTAIN: the v8 merge-tags sample was not read "
        "first-hand), the only message it could use.",
        lambda v: (
            _op(v, "tags.json", "POST", "/actions/merge")
            and v.keyword == "enum"
            and v.location.endswith(".message")
        ),
        lambda d: "tags merged successfully" not in json.dumps(d["tags.json"]),
    ),
    KnownDefect(
        "error-message-case",
        "record.json's API_Exception message enum spells 'The module name given seems to be "
        "invalid' while record_count.json, notes.json and Zoho's status-codes page spell it "
        "'the module name ...' (§2.9): the specs disagree on case, so case is not checked.",
        lambda v: (
            v.kind == "response-body"
            and v.keyword == "enum"
            and v.location.endswith("message")
            and _in_enum_ignoring_case(v.message)
        ),
        lambda d: (
            "The module name given seems to be invalid"
            in _schema(d, "record.json", "API_Exception")["properties"]["message"]["enum"]
            and "the module name given seems to be invalid" in json.dumps(d["record_count.json"])
        ),
    ),
    # -- files, e-mail, history, backup, functions -----------------------------------------------
    KnownDefect(
        "sample-email-patterns",
        "send_mail.json and from_addresses.json type every address with the pattern "
        "[a-z]{7}[@]zoho[.]com, a sample generalised into a rule (as users.json does): no other "
        "address fits.",
        lambda v: (
            v.operation.split(" ")[0] in ("send_mail.json", "from_addresses.json")
            and v.keyword == "pattern"
            and v.location.endswith(".email")
        ),
        lambda d: (
            "[a-z]{7}[@]zoho[.]com" in json.dumps(d["send_mail.json"])
            and "[a-z]{7}[@]zoho[.]com" in json.dumps(d["from_addresses.json"])
        ),
    ),
    KnownDefect(
        "send-mail-requires-everything",
        "send_mail.json requires all 17 keys of a mail (bcc, reply_to, scheduled_time, "
        "template, data_subject_request...); Zoho's send-mail page makes from and to mandatory "
        "and the rest optional, subject and content unless a template gives them.",
        lambda v: (
            _op(v, "send_mail.json", "POST")
            and v.kind == "request-body"
            and v.location == "$.data[0]"
            and _missing(v) not in (None, "from", "to")
        ),
        lambda d: "data_subject_request" in _schema(d, "send_mail.json", "data")["required"],
    ),
    KnownDefect(
        "send-mail-template-is-the-response-model",
        "send_mail.json types the mail's template as the whole template answer (Email_Template "
        "or Inventory_Templates, every key required); a mail names its template by id.",
        lambda v: (
            _op(v, "send_mail.json", "POST")
            and v.kind == "request-body"
            and v.location == "$.data[0].template"
            and _missing(v) not in (None, "id")
        ),
        lambda d: (
            "Email_Template"
            in json.dumps(_schema(d, "send_mail.json", "data")["properties"]["template"])
        ),
    ),
    KnownDefect(
        "emails-owner-id-required",
        "email_related_records.json marks owner_id as required; Zoho's page makes it optional, "
        "used only with type=user_emails (whose synced mailbox to read).",
        lambda v: (
            _op(v, "email_related_records.json", "GET")
            and v.kind == "query"
            and v.location == "owner_id"
            and v.keyword == "required"
        ),
        lambda d: any(
            p.get("name") == "owner_id" and p.get("required")
            for p in d["email_related_records.json"]["components"]["parameters"].values()
        ),
    ),
    KnownDefect(
        "single-item-answers-require-info",
        "The answers for one e-mail template, one inventory template and one e-mail reuse the "
        "list wrappers, which require info; whether Zoho pages a single item is not documented "
        "(UNCERTAIN) and the SDK does not read it there.",
        lambda v: (
            v.kind == "response-body"
            and v.location == "$"
            and _missing(v) == "info"
            and any(
                v.operation.endswith(end)
                for end in (
                    "/email_templates/{template}",
                    "/inventory_templates/{template}",
                    "/Emails/{message_id}",
                )
            )
        ),
        lambda d: (
            "info" in _schema(d, "email_templates.json", "wrapper")["required"]
            and "info" in _schema(d, "email_related_records.json", "wrapper")["required"]
        ),
    ),
    KnownDefect(
        "audit-criteria-requires-everything",
        "audit_log_export.json's Criteria requires field, comparator, value, group_operator "
        "and group at once, and types value as an object; a condition has field, comparator "
        "and a value (a list for between and in), a group group_operator and group, as in Bulk "
        "Read criteria.",
        lambda v: (
            _op(v, "audit_log_export.json")
            and ".criteria" in v.location
            and (
                _missing(v) in ("field", "comparator", "value", "group_operator", "group")
                or (v.keyword == "type" and v.location.endswith(".value"))
            )
        ),
        lambda d: (
            len(_schema(d, "audit_log_export.json", "Criteria")["required"]) == 5
            and _schema(d, "audit_log_export.json", "Criteria")["properties"]["value"]["type"]
            == "object"
        ),
    ),
    KnownDefect(
        "download-links-are-not-templates",
        "backup.json and audit_log_export.json describe their downloads as GET /{download_url}, "
        "one path segment; the links Zoho hands out are URLs on its download host "
        "(/v2/crm/{zgid}/backup/{job}/Data_001.zip, .../auditlog/{job}/AuditLog_001.csv).",
        lambda v: (
            v.kind == "route"
            and re.fullmatch(r"/v\d+(\.\d)?/crm/\d+/(backup|auditlog)/\d+/[^/]+", _path_of(v))
            is not None
        ),
        lambda d: (
            "/{download_url}" in d["backup.json"]["paths"]
            and "/{download_url}" in d["audit_log_export.json"]["paths"]
        ),
    ),
    KnownDefect(
        "backup-now-has-no-body",
        "backup.json requires a body; Zoho's schedule page says to leave the body empty to back "
        "up now, and sends an rrule only to schedule a recurring backup.",
        lambda v: (
            _op(v, "backup.json", "POST")
            and v.kind == "request-body"
            and v.keyword == "MissingRequiredRequestBody"
        ),
        lambda d: d["backup.json"]["components"]["requestBodies"]["body"]["required"] is True,
    ),
    KnownDefect(
        "backup-body-is-the-response-model",
        "backup.json's request body is the backup answer, requiring id, start_date, "
        "scheduled_date, status and requester, which Zoho sets; a schedule sends its rrule.",
        lambda v: (
            _op(v, "backup.json", "POST")
            and v.kind == "request-body"
            and v.location == "$.backup"
            and _missing(v) in ("id", "start_date", "scheduled_date", "status", "requester")
        ),
        lambda d: "requester" in _schema(d, "backup.json", "backup")["required"],
    ),
    KnownDefect(
        "functions-not-in-the-specs",
        "crm-oas has no file for REST API functions (/functions/{name}/actions/execute), "
        "though Zoho documents them; the generic related-record template would otherwise "
        "match the GET by accident.",
        lambda v: re.fullmatch(r"/crm/v8/functions/[^/]+/actions/execute", _path_of(v)) is not None,
        lambda d: _paths_absent(d, (r".*/functions/.*",)),
    ),
)

# -- the org's set-up and clean-up ---------------------------------------------------------------

#: Set-up request bodies that reuse the response model: a write names only what it sets (an
#: update only the keys it changes); ids, audit fields and counts are Zoho's own.
SETUP_RESPONSE_ONLY = {
    "currencies.json": frozenset(
        {
            "id",
            "name",
            "symbol",
            "iso_code",
            "exchange_rate",
            "format",
            "decimal_separator",
            "thousand_separator",
            "decimal_places",
            "is_active",
            "is_base",
            "prefix_symbol",
            "created_by",
            "created_time",
            "modified_by",
            "modified_time",
        }
    ),
    "pipeline.json": frozenset(
        {
            "id",
            "actual_value",
            "display_value",
            "default",
            "maps",
            "sequence_number",
            "forecast_category",
            "forecast_type",
        }
    ),
    "territories.json": frozenset(
        {
            "id",
            "api_name",
            "name",
            "description",
            "manager",
            "reporting_to",
            "permission_type",
            "account_rule_criteria",
            "deal_rule_criteria",
            "created_by",
            "created_time",
            "modified_by",
            "modified_time",
        }
    ),
    "user_groups.json": frozenset(
        {
            "id",
            "name",
            "description",
            "sources",
            "sources_count",
            "subordinates",
            "sub_territories",
            "created_by",
            "created_time",
            "modified_by",
            "modified_time",
        }
    ),
    "users_territories.json": frozenset({"Name", "Manager", "Reporting_To"}),
}
#: Files whose 200 answer lists success items only, though Zoho answers a partly failed write
#: 207 with the failed items' errors beside the successes.
_PARTIAL_ANSWER_FILES = (
    "currencies.json",
    "pipeline.json",
    "territories.json",
    "territory_users.json",
    "users_territories.json",
    "user_groups.json",
)

SETUP_DEFECTS: tuple[KnownDefect, ...] = (
    KnownDefect(
        "setup-request-bodies-reuse-response-models",
        "currencies, pipeline, territories, user_groups and users_territories request bodies "
        "are the response models with every property required: a create would have to send "
        "the id and audit fields Zoho assigns, an update every key instead of those it "
        "changes, a reference (reporting_to, manager) its name besides its id. Only those "
        "properties may be missing from a request.",
        lambda v: (
            v.kind == "request-body"
            and _missing(v) in SETUP_RESPONSE_ONLY.get(v.operation.split(" ")[0], ())
        ),
        lambda d: (
            "created_time" in _schema(d, "currencies.json", "Currency")["required"]
            and "created_time" in _schema(d, "territories.json", "territories")["required"]
            and "sources_count" in _schema(d, "user_groups.json", "groups")["required"]
        ),
    ),
    KnownDefect(
        "currency-exchange-rate-pattern",
        "currencies.json types exchange_rate with the unanchored pattern "
        "[1-9][0-9]{1,8}[.][0-9]{9}: two or more digits before the point. The base currency's "
        "rate is 1.000000000 (Zoho's own sample) and a rate below 10 (0.920000000) is the common "
        "case; neither fits.",
        lambda v: (
            _op(v, "currencies.json")
            and v.keyword == "pattern"
            and v.location.endswith(".exchange_rate")
        ),
        lambda d: "[1-9][0-9]{1,8}[.][0-9]{9}" in json.dumps(d["currencies.json"]),
    ),
    KnownDefect(
        "partial-answers-mix-successes-and-errors",
        "The set-up files document per-item errors under 400 and success items under 200 "
        "only; a write that partly fails is answered 207 (Zoho's status-codes page) with both "
        "kinds in one array, so an error item of a 207 answer is not checked against the "
        "success schema (its successes still are).",
        lambda v: (
            v.kind == "response-body"
            and v.operation.split(" ")[0] in _PARTIAL_ANSWER_FILES
            and v.exchange.endswith("-> 207")
            and re.match(r"\$\.\w+\[\d+\]\.(code|status|message|details)", v.location) is not None
        ),
        lambda d: (
            list(_responses(d, "currencies.json", "/crm/v8/org/currencies", "post"))
            == ["200", "400", "500"]
        ),
    ),
    KnownDefect(
        "job-answers-require-record-and-job-ids",
        "mass_change_owner.json and mass_delete_cvid.json give one success schema for an "
        "answer per record (details.id) and a scheduled job (details.job_id) and require both: "
        "each answer has the one that applies.",
        lambda v: (
            v.kind == "response-body"
            and v.operation.split(" ")[0] in ("mass_change_owner.json", "mass_delete_cvid.json")
            and v.location.endswith(".details")
            and _missing(v) in ("id", "job_id")
        ),
        lambda d: (
            {"id", "job_id"}
            <= set(
                _schema(d, "mass_delete_cvid.json", "Success_Response")["properties"]["details"][
                    "required"
                ]
            )
        ),
    ),
    KnownDefect(
        "recycle-bin-filters-and-ids-required",
        "recycle_bin.json marks both ids and filters as required query parameters of the list "
        "and of the purge; Zoho's docs make each optional (one of them picks what to purge, "
        "neither lists the whole bin).",
        lambda v: (
            _op(v, "recycle_bin.json")
            and v.kind == "query"
            and v.location in ("ids", "filters")
            and v.keyword == "required"
        ),
        lambda d: _param(d, "recycle_bin.json", "ids")["required"] is True,
    ),
    KnownDefect(
        "merge-master-record-fields-required",
        "find_and_merge.json requires master_record_fields in a merge; Zoho's docs make it "
        "optional (it names only file and image upload fields to keep).",
        lambda v: (
            _op(v, "find_and_merge.json", "POST")
            and v.kind == "request-body"
            and _missing(v) == "master_record_fields"
        ),
        lambda d: "master_record_fields" in json.dumps(d["find_and_merge.json"]["components"]),
    ),
    KnownDefect(
        "user-groups-job-id-sample-enum",
        "user_groups.json restricts the deletion job status's job_id to the enum "
        "['1234567890']: a sample id generalised into the only value allowed.",
        lambda v: (
            _op(v, "user_groups.json", "GET", "/actions/deletion_jobs")
            and v.kind == "query"
            and v.location == "job_id"
            and v.keyword == "enum"
        ),
        lambda d: "1234567890" in json.dumps(d["user_groups.json"]),
    ),
    KnownDefect(
        "user-groups-grouped-counts-undescribed",
        "user_groups.json answers grouped_counts with UnsupportedVersionResponse only and "
        "defines no response for it (the official SDK reads grouped_counts: [{status, count}] "
        "and info); its answer cannot be checked.",
        lambda v: (
            _op(v, "user_groups.json", "GET", "/grouped_counts") and v.kind == "response-body"
        ),
        lambda d: "grouped_counts" not in json.dumps(d["user_groups.json"]["components"]),
    ),
)
KNOWN_DEFECTS = (*KNOWN_DEFECTS, *SETUP_DEFECTS)


def tolerated_by(violation: Violation) -> KnownDefect | None:
    """The known defect explaining ``violation``, if any."""
    return next((d for d in KNOWN_DEFECTS if d.matches(violation)), None)
