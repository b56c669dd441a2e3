"""Per-call options reach every request of the file, mail, history, backup and function calls
(the uploads a write makes first, the polls and downloads of a job included)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import zcrm_async as zc
from zcrm_async.testing import FakeZohoCRM

pytestmark = pytest.mark.anyio

FAST = zc.PollPolicy(interval=0.001, max_interval=0.002, timeout=5.0)
Step = Callable[[zc.ZohoCRM, dict[str, Any], dict[str, Any]], Awaitable[Any]]


async def _drain(download: Any) -> None:
    async with download as opened:
        async for _ in opened.iter_bytes():
            pass


async def _pages(pager: Any) -> None:
    async for _ in pager:
        pass


def _steps(tmp: Path) -> list[tuple[str, Step]]:
    now = datetime.now(UTC)
    span = {"start": now - timedelta(hours=1), "end": now + timedelta(hours=1)}
    return [
        ("files.upload", lambda crm, s, o: crm.files.upload(b"x", **o)),
        ("files.download", lambda crm, s, o: _drain(crm.files.download(s["file"], **o))),
        (
            "files.download_to",
            lambda crm, s, o: crm.files.download_to(s["file"], tmp, overwrite=True, **o),
        ),
        (
            "records.create with a FileUpload",
            lambda crm, s, o: crm.records("Cases").create(
                [{"Subject": "o", "File_Upload": zc.FileUpload(b"y", "y.txt")}], **o
            ),
        ),
        (
            "records.download_field_attachment",
            lambda crm, s, o: _drain(
                crm.records("Cases").download_field_attachment(s["case"], s["field_file"], **o)
            ),
        ),
        (
            "records.download_field_attachment_to",
            lambda crm, s, o: crm.records("Cases").download_field_attachment_to(
                s["case"], s["field_file"], tmp, overwrite=True, **o
            ),
        ),
        ("mail.templates", lambda crm, s, o: crm.mail.templates(**o)),
        ("mail.template", lambda crm, s, o: crm.mail.template(s["template"], **o)),
        ("mail.inventory_templates", lambda crm, s, o: crm.mail.inventory_templates(**o)),
        (
            "mail.inventory_template",
            lambda crm, s, o: crm.mail.inventory_template(s["inventory"], **o),
        ),
        ("mail.from_addresses", lambda crm, s, o: crm.mail.from_addresses(**o)),
        (
            "records.send_mail",
            lambda crm, s, o: crm.records("Leads").send_mail(
                s["lead"],
                to="a@example.com",
                from_address=s["sender"],
                subject="s",
                content="c",
                attachments=[zc.FileUpload(b"a", "a.txt")],
                **o,
            ),
        ),
        ("records.emails", lambda crm, s, o: _pages(crm.records("Leads").emails(s["lead"], **o))),
        ("records.email", lambda crm, s, o: crm.records("Leads").email(s["lead"], s["mail"], **o)),
        (
            "records.timeline",
            lambda crm, s, o: _pages(crm.records("Leads").timeline(s["lead"], per_page=1, **o)),
        ),
        (
            "audit_logs.export",
            lambda crm, s, o: crm.audit_logs.export(tmp, poll=FAST, overwrite=True, **span, **o),
        ),
        ("audit_logs.exports", lambda crm, s, o: crm.audit_logs.exports(**o)),
        ("audit_logs.get_export", lambda crm, s, o: crm.audit_logs.get_export(s["job"], **o)),
        ("backup.schedule", lambda crm, s, o: crm.backup.schedule(**o)),
        ("backup.status", lambda crm, s, o: crm.backup.status(**o)),
        ("backup.history", lambda crm, s, o: _pages(crm.backup.history(**o))),
        ("backup.urls", lambda crm, s, o: crm.backup.urls(**o)),
        ("backup.download", lambda crm, s, o: crm.backup.download(tmp, overwrite=True, **o)),
        (
            "backup.cancel",
            lambda crm, s, o: crm.backup.cancel(s["weekly"], **o),
        ),
        ("functions.execute", lambda crm, s, o: crm.functions.execute("echo", **o)),
        (
            "functions.execute with a key",
            lambda crm, s, o: crm.functions.execute("echo", api_key=s["key"], **o),
        ),
    ]


async def _state(fake: FakeZohoCRM, crm: zc.ZohoCRM) -> dict[str, Any]:
    [lead] = fake.add_records("Leads", [{"Last_Name": "Options"}])
    [uploaded] = await crm.files.upload(b"stored")
    [case] = await crm.records("Cases").create(
        [{"Subject": "c", "File_Upload": zc.FileUpload(b"f", "f.txt")}]
    )
    sender = (await crm.mail.from_addresses())[0]
    sent = await crm.records("Leads").send_mail(
        lead, to="a@example.com", from_address=sender, subject="s", content="c"
    )
    now = datetime.now(UTC)
    job = await crm.audit_logs.create_export(start=now - timedelta(hours=1), end=now)
    fake.bulk.polls_to_complete = 1
    return {
        "lead": lead,
        "file": str(uploaded.id),
        "case": str(case.id),
        "field_file": fake.records("Cases")[str(case.id)]["File_Upload"][0]["id"],
        "template": str((await crm.mail.templates())[0].id),
        "inventory": str((await crm.mail.inventory_templates())[0].id),
        "sender": sender,
        "mail": str(sent.details["message_id"]),
        "job": str(job.id),
        "key": fake.functions.api_key,
    }


async def test_every_request_carries_the_calls_options(
    fake: FakeZohoCRM, crm: zc.ZohoCRM, tmp_path: Path
) -> None:
    state = await _state(fake, crm)
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    crm.http.event_hooks["request"].append(record)
    for name, step in _steps(tmp_path):
        if name == "backup.cancel":
            state["weekly"] = str((await crm.backup.schedule("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO")).id)
        seen.clear()
        await step(crm, state, {"headers": {"X-Trace": name}, "timeout": 30})
        assert seen, name
        assert all(r.headers.get("X-Trace") == name for r in seen), (
            name,
            [r.url.path for r in seen if r.headers.get("X-Trace") != name],
        )
