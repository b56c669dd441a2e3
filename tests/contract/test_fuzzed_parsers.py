"""The SDK's parsers take every answer Zoho's v8 schemas allow: fuzzed answers, end to end.

For each wrapped operation, hypothesis generates answers from the success branch of
the operation's 200 response schema in Zoho's specs, relaxed the way Zoho's real answers are:
no key is required (Zoho leaves out what does not apply), and any value may be null. Each answer
is served to the SDK's own manager method through a transport, with one key no schema knows
added to every object; the method must either return its models, which keep that key, or raise
one of the SDK's own errors (a ``ZCRMError``), never crash with a ``TypeError``, ``KeyError``...
"""

from __future__ import annotations

import copy
import os
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

from ._oas import SpecBook

UNKNOWN = "zz_unknown_key"
_MAX_DEPTH = 4
_KEEP_FORMATS = frozenset({"date-time", "date"})

Call = Callable[[zc.ZohoCRM], Awaitable[Any]]


def _relaxed(book: SpecBook, file: str, node: Any, depth: int = 0, *, value: bool = False) -> Any:
    """``node`` with $refs inlined (to a depth), nothing required; a property's value may also
    be null (``value``), as Zoho sends null for an empty field."""
    if isinstance(node, list):
        return [_relaxed(book, file, item, depth) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        if depth >= _MAX_DEPTH:
            return {"type": "object", "maxProperties": 0}
        target_file, target = book.resolve(file, node)
        return _relaxed(book, target_file, target, depth + 1, value=value)
    out: dict[str, Any] = {}
    for key, sub in node.items():
        if key in ("required", "nullable", "example", "description"):
            continue
        if key == "format" and sub not in _KEEP_FORMATS:
            continue
        if key == "properties":
            out[key] = {
                name: _relaxed(book, file, schema, depth, value=True)
                for name, schema in sub.items()
            }
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [_relaxed(book, file, branch, depth, value=value) for branch in sub]
        else:
            out[key] = _relaxed(book, file, sub, depth)
    kind = out.get("type")
    if value and isinstance(kind, str):
        out["type"] = [kind, "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def success_schema(
    book: SpecBook, file: str, template: str, method: str, *, one_item: bool = False
) -> dict[str, Any]:
    """The relaxed success branch of an operation's 200 answer, with a JSON object at the top.

    ``one_item``: ``data`` holds exactly one object (an answer about the one record asked for
    or written; another count is refused by the SDK, rightly).
    """
    operation = book.docs[file]["paths"][template][method]
    file, response = book.resolve(file, operation["responses"]["200"])
    content = response["content"]["application/json"]["schema"]
    branches = content.get("anyOf") or content.get("oneOf") or [content]
    success = next(b for b in branches if "Exception" not in b.get("$ref", ""))
    schema = _relaxed(book, file, success)
    schema["type"] = "object"  # the answer itself: never null
    if one_item:
        data = schema["properties"]["data"]
        data.update(type="array", minItems=1, maxItems=1)
        data["items"]["type"] = "object"
        schema["required"] = ["data"]
    return schema


_STRINGS = st.text(max_size=12) | st.sampled_from(
    ["5725767000000100001", "2030-01-01T09:00:00+00:00"]
)
_SCALARS: dict[str, st.SearchStrategy[Any]] = {
    "string": _STRINGS,
    "integer": st.integers(-(2**63), 2**63 - 1),
    "number": st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(10**6), 10**6),
    "boolean": st.booleans(),
    "null": st.none(),
}


def from_schema(schema: Any) -> st.SearchStrategy[Any]:
    """Values of a relaxed schema (``_relaxed``): objects with any subset of their properties.

    A small generator for the JSON Schema the specs use (type, enum, properties, items, anyOf);
    anything it does not know stands for any JSON value.
    """
    if not isinstance(schema, dict):
        return st.none()
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return st.one_of([from_schema(branch) for branch in schema[combinator]])
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or ["object"])
    options = []
    for kind in kinds:
        if kind in _SCALARS:
            options.append(_SCALARS[kind])
        elif kind == "array":
            items = from_schema(schema.get("items", {}))
            low, high = schema.get("minItems", 0), schema.get("maxItems", 3)
            options.append(st.lists(items, min_size=low, max_size=high))
        elif kind == "object":
            properties = {k: from_schema(v) for k, v in schema.get("properties", {}).items()}
            needed = {k: properties.pop(k) for k in schema.get("required", ()) if k in properties}
            options.append(st.fixed_dictionaries(needed, optional=properties))
    return st.one_of(options) if options else st.none()


def _with_unknown_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {**{k: _with_unknown_keys(v) for k, v in value.items()}, UNKNOWN: "kept"}
    if isinstance(value, list):
        return [_with_unknown_keys(item) for item in value]
    return value


class Answering(httpx.AsyncBaseTransport):
    """The accounts server is the fake's; every CRM API call gets ``answer``."""

    def __init__(self, fake: FakeZohoCRM, answer: Any) -> None:
        self.accounts = fake.transport()
        self.answer = answer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/oauth"):
            return await self.accounts.handle_async_request(request)
        return httpx.Response(200, json=self.answer)


async def _serve(answer: Any, call: Call) -> Any:
    fake = FakeZohoCRM()
    config = fake.config()
    retry = zc.RetryPolicy(max_retries=0)
    async with zc.ZohoCRM(config, transport=Answering(fake, answer), retry=retry) as crm:
        await crm.oauth.generate_access_token(fake.issue_grant_code())
        try:
            return await call(crm)
        except zc.ZCRMError:
            return None  # a clean refusal of a strange answer is fine; a crash is not


def _kept(result: Any) -> bool:
    """Whether the parsed models kept the unknown key (those that keep Zoho's object)."""
    if isinstance(result, zc.Page):
        items: list[Any] = list(result.items)
    elif isinstance(result, list):
        items = result
    else:
        items = [result]
    for item in items:
        data = getattr(item, "data", None)
        if isinstance(data, dict) and data.get(UNKNOWN) != "kept":
            return False
    return True


async def _first_page(crm: zc.ZohoCRM) -> Any:
    return await crm.records("Leads").list(fields=["Last_Name"])


async def _every_record(crm: zc.ZohoCRM) -> Any:
    # The same answer comes back for every page: the pager must still end (by max_records
    # here, or by an empty page / no more_records), never loop.
    with anyio.fail_after(10):
        return [r async for r in crm.records("Leads").list(fields=["Last_Name"], max_records=450)]


async def _one_record(crm: zc.ZohoCRM) -> Any:
    return await crm.records("Leads").get("5725767000000100001")


async def _create(crm: zc.ZohoCRM) -> Any:
    return list(await crm.records("Leads").create([{"Last_Name": "Fuzz"}]))


async def _users(crm: zc.ZohoCRM) -> Any:
    return await crm.users.list()


async def _org(crm: zc.ZohoCRM) -> Any:
    return await crm.org.get()


async def _modules(crm: zc.ZohoCRM) -> Any:
    return await crm.modules.list()


async def _fields(crm: zc.ZohoCRM) -> Any:
    return await crm.modules.fields("Leads")


async def _layouts(crm: zc.ZohoCRM) -> Any:
    return await crm.modules.layouts("Leads")


async def _notes(crm: zc.ZohoCRM) -> Any:
    return await crm.notes.list()


async def _tags(crm: zc.ZohoCRM) -> Any:
    return await crm.tags.list("Leads")


async def _coql(crm: zc.ZohoCRM) -> Any:
    return await crm.coql("select Last_Name from Leads where Last_Name is not null")


async def _bulk_read_job(crm: zc.ZohoCRM) -> Any:
    return await crm.bulk.get_read_job("5725767000000100001")


_RECORD = "5725767000000100001"


async def _email_templates(crm: zc.ZohoCRM) -> Any:
    return await crm.mail.templates()


async def _inventory_templates(crm: zc.ZohoCRM) -> Any:
    return await crm.mail.inventory_templates()


async def _from_addresses(crm: zc.ZohoCRM) -> Any:
    return await crm.mail.from_addresses()


async def _record_emails(crm: zc.ZohoCRM) -> Any:
    return await crm.records("Leads").emails(_RECORD)


async def _timeline(crm: zc.ZohoCRM) -> Any:
    return await crm.records("Leads").timeline(_RECORD)


async def _audit_exports(crm: zc.ZohoCRM) -> Any:
    return await crm.audit_logs.exports()


async def _backup_status(crm: zc.ZohoCRM) -> Any:
    return await crm.backup.status()


async def _backup_history(crm: zc.ZohoCRM) -> Any:
    return await crm.backup.history()


async def _backup_urls(crm: zc.ZohoCRM) -> Any:
    return await crm.backup.urls()


#: (test id, spec file, path template, method, the SDK call that parses the answer)
OPERATIONS = [
    ("records-list", "record.json", "/crm/v8/{module_api_name}", "get", _first_page),
    ("records-walk", "record.json", "/crm/v8/{module_api_name}", "get", _every_record),
    ("record-get", "record.json", "/crm/v8/{module_api_name}/{id}", "get", _one_record),
    ("records-create", "record.json", "/crm/v8/{module_api_name}", "post", _create),
    ("users", "users.json", "/crm/v8/users", "get", _users),
    ("org", "org.json", "/crm/v8/org", "get", _org),
    ("modules", "modules.json", "/crm/v8/settings/modules", "get", _modules),
    ("fields", "fields.json", "/crm/v8/settings/fields", "get", _fields),
    ("layouts", "layouts.json", "/crm/v8/settings/layouts", "get", _layouts),
    ("notes", "notes.json", "/crm/v8/Notes", "get", _notes),
    ("tags", "tags.json", "/crm/v8/settings/tags", "get", _tags),
    ("coql", "coql.json", "/crm/v8/coql", "post", _coql),
    ("bulk-read-job", "bulk_read.json", "/crm/bulk/v8/read/{job_id}", "get", _bulk_read_job),
    (
        "email-templates",
        "email_templates.json",
        "/crm/v8/settings/email_templates",
        "get",
        _email_templates,
    ),
    (
        "inventory-templates",
        "inventory_templates.json",
        "/crm/v8/settings/inventory_templates",
        "get",
        _inventory_templates,
    ),
    (
        "from-addresses",
        "from_addresses.json",
        "/crm/v8/settings/emails/actions/from_addresses",
        "get",
        _from_addresses,
    ),
    (
        "record-emails",
        "email_related_records.json",
        "/crm/v8/{module_name}/{record_id}/Emails",
        "get",
        _record_emails,
    ),
    ("timeline", "timelines.json", "/crm/v8/{module}/{record_id}/__timeline", "get", _timeline),
    (
        "audit-exports",
        "audit_log_export.json",
        "/crm/v8/settings/audit_log_export",
        "get",
        _audit_exports,
    ),
    ("backup", "backup.json", "/crm/bulk/v8/backup", "get", _backup_status),
    ("backup-history", "backup.json", "/crm/bulk/v8/backup/history", "get", _backup_history),
    ("backup-urls", "backup.json", "/crm/bulk/v8/backup/urls", "get", _backup_urls),
]


@pytest.mark.parametrize(
    ("file", "template", "method", "call"),
    [pytest.param(*op[1:], id=op[0]) for op in OPERATIONS],
)
def test_the_sdk_parses_every_answer_the_schema_allows(
    spec_book: SpecBook, file: str, template: str, method: str, call: Call
) -> None:
    one_item = template.endswith("{id}") or (method == "post" and "coql" not in template)
    schema = success_schema(spec_book, file, template, method, one_item=one_item)

    @settings(
        max_examples=int(os.environ.get("ZCRM_FUZZ_EXAMPLES", "25")),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
        derandomize=True,
    )
    @given(answer=from_schema(schema))
    def parses(answer: Any) -> None:
        served = _with_unknown_keys(copy.deepcopy(answer))
        result = anyio.run(_serve, served, call)
        assert result is None or _kept(result), result
        outcomes.append(result is not None)

    outcomes: list[bool] = []
    parses()
    # Not vacuous: most answers the schema allows are parsed, not refused.
    assert sum(outcomes) >= len(outcomes) // 2, f"{sum(outcomes)} of {len(outcomes)} parsed"


def test_the_relaxed_schema_still_generates_what_the_spec_describes(spec_book: SpecBook) -> None:
    """The strategy is not vacuous: full, well-typed answers come out of it too."""
    schema = success_schema(spec_book, "record.json", "/crm/v8/{module_api_name}", "get")
    assert set(schema["properties"]) >= {"data", "info"}

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(answer=from_schema(schema))
    def sample(answer: dict[str, Any]) -> None:
        seen.update(k for k, v in answer.items() if v is not None)

    seen: set[str] = set()
    sample()
    assert {"data", "info"} <= seen
