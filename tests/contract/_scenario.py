"""A scenario calling every manager operation on the fake, recording what goes over the wire.

Operations are discovered (every public method of every ``Manager`` subclass), and each call is
counted, so the contract test can tell which operations the scenario does not exercise yet.
Steps for operations that may not exist yet look them up by name and are skipped (and listed)
when absent.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import io
import pkgutil
import zipfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import pytest

import zcrm_async as zc
import zcrm_async.managers
from zcrm_async.managers._base import Manager
from zcrm_async.testing import FakeZohoCRM

from . import _steps_files_mail_history as files_mail_history
from . import _steps_records_notifications as records_notifications
from ._oas import Exchange
from ._org_steps import ORG_STEPS
from ._recording import RecordingTransport

__all__ = ["ScenarioRun", "manager_operations", "run_scenario"]


@dataclass
class ScenarioRun:
    """What a scenario run sent and exercised."""

    exchanges: list[Exchange] = field(default_factory=list)
    #: ``Class.method`` of every public manager operation that exists.
    operations: set[str] = field(default_factory=set)
    #: The operations the scenario called.
    called: set[str] = field(default_factory=set)
    #: Steps skipped because the operation they need does not exist (yet).
    skipped: list[str] = field(default_factory=list)
    #: Steps that raised (the exchanges before the error are still checked).
    errors: list[str] = field(default_factory=list)


def _manager_classes() -> list[type[Manager]]:
    for info in pkgutil.walk_packages(zcrm_async.managers.__path__, "zcrm_async.managers."):
        importlib.import_module(info.name)
    found: list[type[Manager]] = []
    pending = list(Manager.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls not in found and cls.__module__.startswith("zcrm_async."):
            found.append(cls)
            pending.extend(cls.__subclasses__())
    return found


def manager_operations() -> dict[str, tuple[type[Any], str]]:
    """``Class.method`` -> (defining class, name) for every public operation of every manager."""
    out: dict[str, tuple[type[Any], str]] = {}
    for cls in _manager_classes():
        for name, _ in inspect.getmembers(cls, inspect.isfunction):
            owner = next(c for c in cls.__mro__ if name in vars(c))
            if not name.startswith("_") and owner is not Manager and owner is not object:
                out[f"{owner.__name__}.{name}"] = (owner, name)
    if callable(getattr(zc.ZohoCRM, "coql", None)):
        out["ZohoCRM.coql"] = (zc.ZohoCRM, "coql")
    return out


@contextmanager
def _counting_calls(run: ScenarioRun) -> Iterator[None]:
    operations = manager_operations()
    run.operations = set(operations)
    with pytest.MonkeyPatch.context() as patch:
        for key, (owner, name) in operations.items():
            original = vars(owner)[name]

            def counted(*args: Any, __key: str = key, __f: Any = original, **kwargs: Any) -> Any:
                run.called.add(__key)
                return __f(*args, **kwargs)

            patch.setattr(owner, name, functools.wraps(original)(counted))
        yield


@dataclass
class Context:
    """What the steps share."""

    crm: zc.ZohoCRM
    fake: FakeZohoCRM
    run: ScenarioRun
    tmp: Path
    ids: dict[str, Any] = field(default_factory=dict)

    def need(self, obj: Any, name: str, step: str) -> Any:
        """``obj.name`` or None (the step is then listed as skipped)."""
        found = getattr(obj, name, None)
        if found is None:
            self.run.skipped.append(f"{step}: no {type(obj).__name__}.{name}")
        return found


Step = Callable[[Context], Awaitable[None]]


async def _org_and_users(ctx: Context) -> None:
    crm = ctx.crm
    await crm.org.get()
    me = await crm.users.current()
    await crm.users.get(me.id)
    everyone = [user async for user in crm.users.list()]
    assert everyone, "the fake has users"
    ctx.ids["user"] = me.id


async def _records_write(ctx: Context) -> None:
    leads = ctx.crm.records("Leads")
    created = await leads.create(
        [
            {"Last_Name": "Contract", "Email": "contract@example.com", "Company": "Acme"},
            {"Last_Name": "Second", "Email": "second@example.com", "Phone": "+1 555 0100"},
            {"Email": "no-last-name@example.com"},  # MANDATORY_NOT_FOUND: a 207 answer
        ],
        trigger=["workflow"],
    )
    assert [r.ok for r in created] == [True, True, False]
    ids = [r.id for r in created.succeeded]
    ctx.ids["leads"] = ids
    await leads.update([{"id": ids[0], "Company": "Acme Ltd"}], trigger=[])
    await leads.upsert(
        [
            {"Last_Name": "Contract", "Email": "contract@example.com", "Company": "Acme"},
            {"Last_Name": "Third", "Email": "third@example.com"},
        ],
        duplicate_check_fields=["Email"],
    )
    await leads.create([{"First_Name": "Nobody"}])  # all rejected: a 400 with data[]
    [single] = await leads.create([{"Last_Name": "Single"}])  # all added: a 201
    assert single.ok


async def _records_read(ctx: Context) -> None:
    leads = ctx.crm.records("Leads")
    first = ctx.ids["leads"][0]
    await leads.get(first)
    await leads.get(first, fields=["Last_Name", "Email"])
    page = await leads.list(fields=["Last_Name", "Email"], per_page=2)
    assert page.items
    everything = [
        r async for r in leads.list(fields=["Last_Name"], sort_by="Created_Time", sort_order="asc")
    ]
    assert len(everything) >= 3
    since = datetime.now(UTC) - timedelta(days=1)
    await leads.list(fields=["Last_Name"], modified_since=since)
    await leads.list(fields=["Last_Name"], cvid=ctx.ids["cvid"])
    for query in (
        {"criteria": "(Last_Name:equals:Contract)"},
        {"email": "second@example.com"},
        {"phone": "+1 555 0100"},
        {"word": "Acme"},
    ):
        [r async for r in leads.search(**query)]
    await leads.search(criteria="(Last_Name:starts_with:Con)", fields=["Last_Name"])
    await leads.count()
    await leads.count(criteria="(Last_Name:equals:Contract)")


async def _records_delete(ctx: Context) -> None:
    leads = ctx.crm.records("Leads")
    await leads.delete(ctx.ids["leads"][1:], wf_trigger=False)


async def _api_errors(ctx: Context) -> None:
    """Error answers, so their envelopes are checked too."""
    with suppress(zc.APIError):
        await ctx.crm.records("No_Such_Module").list(fields=["Last_Name"])
    with suppress(zc.APIError):  # the SDK refuses unknown fields itself; the raw call does not
        await ctx.crm.request("GET", "Leads", params={"fields": "No_Such_Field"})


async def _metadata(ctx: Context) -> None:
    crm = ctx.crm
    modules = ctx.need(crm, "modules", "metadata")
    if modules is None:
        return
    await modules.list()
    await modules.get("Leads")
    fields = await modules.fields("Leads")
    await modules.field("Leads", fields[0].id)
    await modules.field_names("Leads")
    modules.cached_field_names("Leads")
    layouts = await modules.layouts("Leads")
    await modules.layout("Leads", layouts[0].id)
    views = await modules.custom_views("Leads")
    await modules.custom_view("Leads", views[0].id)
    ctx.ids["cvid"] = views[0].id
    related = await modules.related_lists("Leads")
    await modules.related_list("Leads", related[0].id)
    await modules.refresh("Leads")
    modules.clear_cache()


async def _users_admin(ctx: Context) -> None:
    users = ctx.crm.users
    created = await users.create(
        [
            {
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace@example.com",
                "role": {"id": ctx.ids["role"]},
                "profile": {"id": ctx.ids["profile"]},
            }
        ]
    )
    user_id = created[0].id
    await users.update([{"id": user_id, "phone": "+1 555 0199"}])
    [u async for u in users.search("(email:equals:grace@example.com)")]
    await users.count()
    await users.delete(user_id)


async def _roles_profiles(ctx: Context) -> None:
    crm = ctx.crm
    roles = await crm.roles.list()
    await crm.roles.get(roles[0].id)
    profiles = await crm.profiles.list()
    await crm.profiles.get(profiles[0].id)
    ctx.ids["role"] = roles[0].id
    ctx.ids["profile"] = profiles[0].id


async def _taxes_and_variables(ctx: Context) -> None:
    crm = ctx.crm
    taxes = crm.org.taxes
    created = await taxes.create([{"name": "VAT", "value": 20.0}])
    tax_id = created[0].id
    await taxes.list()
    await taxes.get(tax_id)
    await taxes.update([{"id": tax_id, "value": 19.5}])
    await taxes.delete([tax_id])
    variables = crm.variables
    groups = await variables.groups()
    await variables.group(groups[0].id)
    made = await variables.create(
        [
            {
                "name": "Region",
                "api_name": "Region",
                "type": "text",
                "value": "EU",
                "variable_group": {"id": groups[0].id},
            }
        ]
    )
    var_id = made[0].id
    await variables.list()
    await variables.get(var_id)
    await variables.update([{"id": var_id, "value": "US"}])
    await variables.delete([var_id])


async def _notes(ctx: Context) -> None:
    crm = ctx.crm
    lead = ctx.ids["leads"][0]
    added = await crm.notes.add("First call", title="Call", parent_module="Leads", parent_id=lead)
    await crm.notes.create([{"Note_Content": "Second", "Parent_Id": lead, "se_module": "Leads"}])
    page = await crm.notes.list()
    assert page.items
    await crm.notes.get(added.id)
    await crm.notes.update([{"id": added.id, "Note_Content": "First call, edited"}])
    record_notes = crm.records("Leads").notes(lead)
    await record_notes.add("On the record")
    [n async for n in record_notes.list()]
    await crm.notes.delete([added.id])


async def _tags(ctx: Context) -> None:
    crm = ctx.crm
    leads = crm.records("Leads")
    lead = ctx.ids["leads"][0]
    made = await crm.tags.create("Leads", ["Alpha", "Beta"])
    alpha, beta = made[0].id, made[1].id
    await crm.tags.list("Leads")
    await crm.tags.update("Leads", alpha, name="Alpha2")
    await leads.add_tags([lead], ["Alpha2", "Gamma"])
    await leads.remove_tags([lead], ["Gamma"])
    await crm.tags.merge(alpha, into=beta)
    await crm.tags.delete(beta)


async def _files(ctx: Context) -> None:
    leads = ctx.crm.records("Leads")
    lead = ctx.ids["leads"][0]
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    await leads.upload_photo(lead, png, filename="face.png")
    await leads.download_photo(lead)
    await leads.delete_photo(lead)
    attachments = leads.attachments(lead)
    uploaded = await attachments.upload(b"hello, contract", filename="hello.txt")
    await attachments.upload_link("https://example.com/spec.pdf", title="Spec")
    [a async for a in attachments.list()]
    async with attachments.download(uploaded.id) as download:
        async for _ in download.iter_bytes():
            pass
    await attachments.download_to(uploaded.id, ctx.tmp / "hello.txt")
    await attachments.delete(uploaded.id)


async def _record_actions(ctx: Context) -> None:
    leads = ctx.crm.records("Leads")
    ids = ctx.ids["leads"]
    await leads.mass_update({"Company": "Mass Corp"}, ids=ids[:1])
    job = await leads.mass_update({"Company": "Viewed Corp"}, cvid=ctx.ids["cvid"])
    await leads.mass_update_status(job)
    [r async for r in leads.deleted()]
    [r async for r in leads.deleted(type="recycle")]
    fresh = await leads.create([{"Last_Name": "Convert", "Company": "Convert Inc"}])
    await leads.convert(
        fresh[0].id,
        deal={"Deal_Name": "Big", "Stage": "Qualification", "Closing_Date": "2030-01-01"},
    )


async def _related(ctx: Context) -> None:
    crm = ctx.crm
    accounts = crm.records("Accounts")
    account = (await accounts.create([{"Account_Name": "Related Ltd"}]))[0].id
    contact = (await crm.records("Contacts").create([{"Last_Name": "Related"}]))[0].id
    await accounts.add_related(account, "Contacts", [contact])
    [r async for r in accounts.related(account, "Contacts", fields=["Last_Name"])]
    await accounts.remove_related(account, "Contacts", [contact])
    products = crm.records("Products")
    product = (await products.create([{"Product_Name": "Widget"}]))[0].id
    price_books = crm.records("Price_Books")
    book = (await price_books.create([{"Price_Book_Name": "Standard"}]))[0].id
    await price_books.add_related(book, "Products", [product])
    await price_books.update_related(book, "Products", [{"id": product, "list_price": 10.0}])


async def _blueprint(ctx: Context) -> None:
    deals = ctx.crm.records("Deals")
    created = await deals.create(
        [{"Deal_Name": "Flow", "Stage": "Qualification", "Closing_Date": "2030-01-01"}]
    )
    deal = created[0].id
    blueprint = await deals.blueprint(deal)
    await deals.update_blueprint(deal, blueprint["transitions"][0]["id"])


async def _coql(ctx: Context) -> None:
    query = ctx.crm.coql("select Last_Name, Email from Leads where Last_Name is not null")
    await query
    [row async for row in query]


async def _bulk_read(ctx: Context) -> None:
    bulk = ctx.crm.bulk
    await bulk.zgid()
    await bulk.field_names("Leads")
    job = await bulk.create_read_job("Leads", fields=["Last_Name", "Email"])
    await bulk.get_read_job(job.id)
    done = await bulk.wait(job, poll=_POLL)
    await bulk.download(done, ctx.tmp / "leads.zip")
    [row async for row in bulk.read("Leads", fields=["Last_Name"], poll=_POLL)]
    [row async for row in bulk.read_rows("Leads", fields=["Last_Name"], poll=_POLL)]


async def _bulk_write(ctx: Context) -> None:
    bulk = ctx.crm.bulk
    rows = [{"Last_Name": "Bulk", "Email": "bulk@example.com"}]
    await bulk.write("Leads", rows, poll=_POLL)
    file_id = await bulk.upload(_zip_of_csv("Last_Name\nUploaded\n"))
    job = await bulk.create_write_job(
        "Leads", file_id, field_mappings=[{"api_name": "Last_Name", "index": 0}]
    )
    await bulk.get_write_job(job.id)
    finished = await bulk.wait(job, poll=_POLL)
    await bulk.write_job_result(finished)


_POLL = zc.PollPolicy(interval=0.001, max_interval=0.005, timeout=10.0)


def _zip_of_csv(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", text)
    buffer.seek(0)
    return buffer


STEPS: tuple[tuple[str, Step], ...] = (
    ("org and users", _org_and_users),
    ("roles and profiles", _roles_profiles),
    ("users: create/update/search/delete", _users_admin),
    ("metadata", _metadata),
    ("taxes and variables", _taxes_and_variables),
    ("records: writes", _records_write),
    ("records: reads", _records_read),
    ("notes", _notes),
    ("tags", _tags),
    ("photo and attachments", _files),
    ("record actions", _record_actions),
    ("related records", _related),
    ("blueprint", _blueprint),
    ("coql", _coql),
    ("bulk read", _bulk_read),
    ("bulk write", _bulk_write),
    *ORG_STEPS,
    *files_mail_history.STEPS,
    *records_notifications.STEPS,
    ("records: delete", _records_delete),
    ("error answers", _api_errors),
)


def run_scenario(tmp: Path, api_version: str = "v8") -> ScenarioRun:
    """Run every step against a fresh fake on ``api_version`` (files go to ``tmp``)."""
    run = ScenarioRun()

    async def main() -> None:
        fake = FakeZohoCRM()
        transport = RecordingTransport(fake.transport())
        config = fake.config(api_version=api_version)
        retry = zc.RetryPolicy(max_retries=0)
        async with zc.ZohoCRM(config, transport=transport, retry=retry) as crm:
            await crm.oauth.generate_access_token(fake.issue_grant_code())
            transport.exchanges.clear()
            ctx = Context(crm, fake, run, tmp)
            with _counting_calls(run):
                for name, step in STEPS:
                    try:
                        await step(ctx)
                    except Exception as exc:  # reported by a test, the other steps still run
                        run.errors.append(f"{name}: {type(exc).__name__}: {exc}")
        run.exchanges = list(transport.exchanges)

    anyio.run(main)
    return run
