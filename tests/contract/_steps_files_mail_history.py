"""Contract scenario steps of files, e-mail, history, backup and functions.

On API versions that lack an endpoint (v2 has the file store and functions only) a step checks
that the SDK refuses the call before sending anything, and goes on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

import zcrm_async as zc
from zcrm_async.managers._common import version_tuple

if TYPE_CHECKING:
    from ._scenario import Context

__all__ = ["STEPS"]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
_POLL = zc.PollPolicy(interval=0.001, max_interval=0.005, timeout=10.0)


def _since(ctx: Context, version: str) -> bool:
    return version_tuple(ctx.crm.config.api_version) >= version_tuple(version)


async def _refused(call: Callable[[], Any]) -> None:
    """The call needs a later API version: refused client-side, nothing sent."""
    with pytest.raises(zc.InvalidArgumentError, match="needs Zoho's API"):
        result = call()
        if inspect.isawaitable(result):
            await result


async def files(ctx: Context) -> None:
    crm = ctx.crm
    uploaded = await crm.files.upload([b"contract text", zc.FileUpload(PNG, filename="logo.png")])
    assert [r.ok for r in uploaded] == [True, True]
    await crm.files.upload(PNG, inline=True)
    async with crm.files.download(str(uploaded[0].id)) as download:
        assert b"".join([c async for c in download.iter_bytes()]) == b"contract text"
    await crm.files.download_to(str(uploaded[1].id), ctx.tmp / "logo.png")
    cases = crm.records("Cases")
    created = await cases.create(
        [
            {
                "Subject": "Files",
                "File_Upload": zc.FileUpload(b"report", filename="report.txt"),
                "Image_Upload": [zc.FileUpload(PNG, filename="face.png")],
            }
        ]
    )
    case_id = str(created[0].id)
    await cases.update([{"id": case_id, "File_Upload": [zc.FileUpload(b"more", "more.txt")]}])
    await cases.upsert([{"Subject": "Files", "File_Upload": zc.FileUpload(b"x", "x.txt")}])
    record = await cases.get(case_id)
    attachment = record["File_Upload"][0]["id"]
    if not _since(ctx, "v2.1"):
        await _refused(lambda: cases.download_field_attachment_to(case_id, attachment, ctx.tmp))
        return
    async with cases.download_field_attachment(case_id, attachment) as download:
        assert b"".join([c async for c in download.iter_bytes()]) == b"report"
    await cases.download_field_attachment_to(case_id, attachment, ctx.tmp / "report.txt")


async def mail(ctx: Context) -> None:
    crm = ctx.crm
    leads = crm.records("Leads")
    lead = ctx.ids["leads"][0]
    if not _since(ctx, "v2.1"):
        await _refused(lambda: crm.mail.templates())
        await _refused(
            lambda: leads.send_mail(lead, to="a@example.com", from_address="b@example.com")
        )
        return
    templates = await crm.mail.templates()
    await crm.mail.templates("Leads")
    template = await crm.mail.template(str(templates[0].id))
    inventory = await crm.mail.inventory_templates()
    await crm.mail.inventory_templates("Quotes", sort_by="name", sort_order="asc")
    await crm.mail.inventory_template(str(inventory[0].id))
    addresses = await crm.mail.from_addresses()
    await crm.mail.from_addresses(user_id=ctx.ids["user"])
    sent = await leads.send_mail(
        lead,
        to=[("Pat Boyle", "pat@example.com")],
        cc="cc@example.com",
        from_address=addresses[0],
        subject="Contract",
        content="<p>Hello</p>",
        mail_format="html",
        attachments=[zc.FileUpload(b"terms", filename="terms.txt")],
    )
    assert sent.ok and sent.details["message_id"]
    await leads.send_mail(
        lead,
        to="pat@example.com",
        from_address=addresses[0],
        template=template,
        scheduled_time=datetime.now(UTC) + timedelta(days=1),
    )
    quote = (await crm.records("Quotes").create([{"Subject": "Q-1"}]))[0].id
    await crm.records("Quotes").send_mail(
        str(quote),
        to="buyer@example.com",
        from_address=addresses[0],
        subject="Your quote",
        content="Please find the quote attached.",
        mail_format="text",
        inventory_template=inventory[0],
    )
    if not _since(ctx, "v4"):
        await _refused(lambda: leads.email(lead, str(sent.details["message_id"])))
        return
    emails = [m async for m in leads.emails(lead)]
    await leads.emails(lead, type="sent_from_crm")
    await leads.email(lead, str(emails[0].message_id))


async def history(ctx: Context) -> None:
    crm = ctx.crm
    leads = crm.records("Leads")
    lead = ctx.ids["leads"][0]
    if not _since(ctx, "v5"):
        await _refused(lambda: leads.timeline(lead))
    else:
        entries = [e async for e in leads.timeline(lead, per_page=1)]
        assert {e.action for e in entries} >= {"added", "updated"}
        await leads.timeline(
            lead,
            sort_by="audited_time",
            sort_order="asc",
            include_inner_details="field_history.field_label",
            filters={"comparator": "equal", "field": {"api_name": "action"}, "value": "updated"},
        )
    start, end = datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(days=1)
    audit = crm.audit_logs
    if not _since(ctx, "v7"):
        await _refused(lambda: audit.create_export(start=start, end=end))
        return
    job = await audit.create_export(start=start, end=end)
    await audit.get_export(str(job.id))
    done = await audit.wait(job, poll=_POLL)
    folder = ctx.tmp / "audit"
    folder.mkdir()
    await audit.download(done, folder)
    await audit.exports()
    criteria = zc.BulkCriteria("action", "in", ["added", "updated"])
    await audit.export(folder, start=start, end=end, criteria=criteria, poll=_POLL, overwrite=True)


async def backup(ctx: Context) -> None:
    backups = ctx.crm.backup
    if not _since(ctx, "v3"):
        await _refused(lambda: backups.schedule())
        return
    now = await backups.schedule()
    assert now.ok
    await backups.status()
    [entry async for entry in backups.history()]
    urls = await backups.urls()
    folder = ctx.tmp / "backup"
    folder.mkdir()
    await backups.download(folder, urls=urls)
    weekly = await backups.schedule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TH")
    await backups.cancel(str(weekly.id))


async def functions(ctx: Context) -> None:
    run = ctx.crm.functions
    added = await run.execute("add", {"a": 2, "b": 3})
    assert added.ok
    await run.execute("echo", {"x": 1}, method="GET")
    await run.execute("echo", {"x": 1}, method="GET", api_key=ctx.fake.functions.api_key)
    await run.execute("respond", {"x": 1}, body={"payload": True})
    with suppress(zc.APIError):
        await run.execute("fail")


STEPS = (
    ("files and file fields", files),
    ("e-mail", mail),
    ("timeline and audit log", history),
    ("backup", backup),
    ("functions", functions),
)
